"""The parts of a scheme: pay components, gates, modifiers and the pool.

A component pays on one KPI through a curve (with a weight) or a commission: the two
component kinds, registered in :data:`COMPONENT_KINDS` by the key that names them in a
scheme file. Gates and modifiers measure a KPI against a target too, and hold back or
scale what the components pay.

Examples
--------
>>> c = Component(kpi="revenue", weight=1, target=100, curve={"steps": [[1.0, 1.0]]})
>>> c.kind, type(c.payout_rule).__name__, c.target.method
('curve', 'StepsCurve', 'fixed')
>>> sorted(COMPONENT_KINDS)
['commission', 'curve']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .._util.registry import Registry
from .._util.spec import Spec, as_written, spec_error
from .commission import Commission
from .curves import Curve, CurveBase, curve_input
from .pairs import check_attainment
from .pools import Pool
from .targets import TargetSpec, target_input
from .windows import Window

__all__ = ["SCOPES", "Measured", "Component", "Gate", "Modifier", "Pool", "COMPONENT_KINDS"]

#: Component kinds by the key that names them in a scheme file: the class of the pay rule.
COMPONENT_KINDS: Registry[type] = Registry("component kind")
COMPONENT_KINDS.register("curve", CurveBase)
COMPONENT_KINDS.register("commission", Commission)


#: Whose results a component, gate or modifier measures (contract §9 "Scope"): the
#: employee's own, their team's (roster ``team``), or their direct reports' (roster ``manager``).
SCOPES = ("own", "team", "reports")


class Measured(Spec):
    """A KPI measured against a target: shared by components, gates and modifiers.

    ``scope`` (default ``own``): ``team`` measures the employee's team (the members' actuals
    summed over their targets, each set per member first), ``reports`` the employees whose
    roster ``manager`` is this employee (a manager override); see docs/team-and-manager-pay.md.
    """

    kpi: str = Field(min_length=1)
    target: TargetSpec | None = None
    direction: Literal["higher", "lower"] | None = None
    baseline: float | None = None
    scope: Literal["own", "team", "reports"] | None = None

    @property
    def scoped(self) -> bool:
        """Whether it measures a group (``scope: team`` or ``reports``), not the employee."""
        return self.scope in ("team", "reports")

    @field_validator("target", mode="before")
    @classmethod
    def _target_input(cls, v):
        return target_input(v)


class Component(Measured):
    """One pay component: a KPI, its target, and a curve (with a weight) or a commission.

    Payout = on_target_pay × weight × curve(attainment), or the commission in money.
    ``basis: score`` maps a rating itself (not attainment) through the curve, with no
    target; ``missing: target | zero`` pays a missing score as on target (factor 1) or 0
    (without it a missing score is an error). ``active: {from, to}`` pays only in those
    months (docs/ratings-pools-spifs.md).
    """

    name: str | None = None
    weight: float | None = None
    curve: Curve | None = None
    commission: Commission | None = None
    # contract §9: rated objectives and windows (docs/ratings-pools-spifs.md)
    basis: Literal["attainment", "score"] | None = None
    missing: Literal["target", "zero"] | None = None
    active: Window | None = None

    @field_validator("curve", mode="before")
    @classmethod
    def _curve_input(cls, v):
        return curve_input(v)

    @field_validator("weight", mode="after")
    @classmethod
    def _weight(cls, v):
        if v is not None and v < 0:
            raise spec_error(f"a weight must not be negative, got {as_written(v)}", "use 0 to 1.")
        return v

    @model_validator(mode="after")
    def _shape(self):
        kinds = [k for k in COMPONENT_KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise spec_error(
                "a component has either a 'curve' or a 'commission'"
                + (", not both" if kinds else ""),
                "add curve: {points: …} with a weight, or commission: {rate: …}.",
            )
        if self.curve is not None:
            _check_curve_component(self)
        else:
            _check_commission_component(self)
        return self

    @property
    def kind(self) -> str:
        """The component kind: ``"curve"`` or ``"commission"`` (see :data:`COMPONENT_KINDS`)."""
        return next(k for k in COMPONENT_KINDS if getattr(self, k) is not None)

    @property
    def payout_rule(self) -> CurveBase | Commission:
        """The curve or the commission."""
        return getattr(self, self.kind)


def _check_curve_component(c: Component) -> None:
    if c.weight is None:
        raise spec_error(
            "a component with a curve needs a 'weight'",
            "add weight: (the weights of the curve components sum to 1).",
        )
    if c.basis == "score":
        _check_score_component(c)
    elif c.missing is not None:
        raise spec_error(
            "missing: applies to a score (basis: score); an attainment needs an actual",
            "add basis: score to map a rating through the curve, or remove missing:.",
        )
    elif c.target is None:
        raise spec_error(
            "a component with a curve needs a 'target'",
            "add target: {method: fixed, value: …} (or another method).",
        )


def _check_score_component(c: Component) -> None:
    """``basis: score``: the score itself goes through the curve, so no target is used."""
    if c.target is not None:
        raise spec_error(
            f"basis: score maps the score itself through the curve, so the target "
            f"(method: {c.target.method}) would never be used",
            "remove target: (the curve's points are scores, e.g. [[0, 0], [3, 1], [5, 1.5]]),"
            " or remove basis: score to pay on attainment against the target.",
        )
    if c.baseline is not None or c.direction is not None:
        raise spec_error(
            "basis: score takes no 'baseline' or 'direction' (the curve reads the score)",
            "remove them; write the curve in scores, higher or lower as it should pay.",
        )


def _check_commission_component(c: Component) -> None:
    if c.basis is not None or c.missing is not None:
        raise spec_error(
            "basis: and missing: belong to a component with a curve (a rated objective)",
            "give the component a curve and a weight, or remove basis: and missing: "
            "(a commission's own basis goes under commission:).",
        )
    if c.weight is not None:
        raise spec_error(
            "a commission component has no 'weight'",
            "remove weight: (a commission pays money on the actual itself).",
        )
    if c.target is None and c.commission.needs_target:
        raise spec_error(
            "a commission with tiers on attainment needs a 'target'",
            "add target: {method: …}, or use basis: value.",
        )


class Gate(Measured):
    """A qualifier: below ``min_attainment`` the components in ``applies_to`` pay nothing.

    ``applies_to`` lists component indexes or KPI ids (one may be written without the
    list: ``applies_to: revenue``); all components by default. An attainment exactly at
    ``min_attainment`` passes.
    """

    min_attainment: float
    applies_to: tuple[int | str, ...] | None = None

    @field_validator("min_attainment", mode="after")
    @classmethod
    def _min(cls, v):
        check_attainment(v, "as the minimum")
        return v

    @field_validator("applies_to", mode="before")
    @classmethod
    def _one_or_more(cls, v):
        if isinstance(v, str | int) and not isinstance(v, bool):
            return (v,)
        if isinstance(v, Sequence) and not isinstance(v, str) and len(v) == 0:
            raise spec_error(
                "applies_to is empty, so the gate would hold back nothing",
                "name the components it holds back (by index from 0 or KPI id), or remove "
                "applies_to: to gate every component.",
            )
        return v

    @model_validator(mode="after")
    def _needs_target(self):
        if self.target is None:
            raise spec_error(
                "a gate needs a 'target'", "add target: {method: fixed, value: …} or another."
            )
        return self


class Modifier(Measured):
    """A multiplier of the summed component payouts: curve(attainment of its KPI)."""

    curve: Curve

    @field_validator("curve", mode="before")
    @classmethod
    def _curve_input(cls, v):
        return curve_input(v)

    @model_validator(mode="after")
    def _needs_target(self):
        if self.target is None:
            raise spec_error(
                "a modifier needs a 'target'", "add target: {method: fixed, value: …} or another."
            )
        return self
