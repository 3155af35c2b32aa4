"""The bonus scheme: what a scheme file says, as one frozen, checked :class:`Scheme`.

A scheme file (docs/schemes.md) is loaded with :func:`load_scheme` into a :class:`Scheme`:
components (a KPI, a target method, and a payout curve or a commission), gates,
modifiers, a cap and a pool. Every object is a frozen pydantic model, checked when
built; bad input raises one :class:`~kpitools.errors.DefinitionError` listing every
problem, each naming the file, the line, the key path in ``components[1].curve.points``
form, what is wrong and how to fix it, with a "did you mean" for unknown keys and names.

The parts live in their own modules: curves (:mod:`~kpitools.scheme.curves`), commission
(:mod:`~kpitools.scheme.commission`), target methods (:mod:`~kpitools.scheme.targets`),
components, gates, modifiers and the pool (:mod:`~kpitools.scheme.components`), the rules
across them (:mod:`~kpitools.scheme.rules`) and the YAML writer
(:mod:`~kpitools.scheme.dump`).

Boundaries: reaching a boundary exactly counts as reaching it (``>=``) everywhere:
curve jumps, steps, linear thresholds, tier edges and gates. Attainments are multiples of
target: one above :data:`~kpitools.scheme.pairs.MAX_ATTAINMENT` (20) in a curve, a linear
threshold, a gate or an attainment tier is refused as a percentage (80 for 80%) or an
amount (a tier in money without ``basis: value``) typed where a multiple belongs.

``roles: [sales_rep, key_account_manager]`` (optional) says who
is eligible. Only the data's rows whose ``role`` is listed are evaluated: rows of other
roles (and rows without a role) are left out *before* targets are set, so ``allocate``
splits its total among the listed roles only and a history under another role is not used.
Without ``roles`` everyone in the data is evaluated. Each listed role must occur in the
data (a "did you mean" error otherwise), the data must have a ``role`` column, and with
``on_target_pay`` per role each listed role needs an amount. A sales scheme paying on
``revenue`` with ``target: {method: from_data}`` thus skips the marketing people who also
have ``revenue`` rows but no targets.

Examples
--------
>>> scheme = load_scheme(
...     {
...         "name": "Simple",
...         "period": "month",
...         "on_target_pay": 1000,
...         "components": [
...             {
...                 "kpi": "revenue",
...                 "weight": 1.0,
...                 "target": {"method": "fixed", "value": 100},
...                 "curve": {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]},
...             }
...         ],
...     }
... )
>>> scheme.components[0].curve.evaluate([0.7, 0.8, 0.9, 1.2, 2.0]).tolist()
[0.0, 0.5, 0.75, 1.4, 2.0]
>>> scheme.set("components.0.target.value", 120).components[0].target.value
120.0
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails

from .._util.currency import CurrencyCode, FxRates
from .._util.files import atomic_write
from .._util.spec import Spec, spec_error, validate
from .._util.yamlfile import YamlDocument, read_yaml
from ..errors import DefinitionError, did_you_mean
from . import rules
from .components import Component, Gate, Modifier, Pool
from .dump import scheme_yaml
from .edit import set_path
from .mechanics import (
    Clawback,
    Draw,
    OnTargetPay,
    RosterPay,
    SalaryPay,
    TrueUp,
    fiscal_month,
    mechanic_problems,
)
from .windows import scheme_window_problems

__all__ = ["Scheme", "load_scheme", "LIST_FIX"]

# How to write each list of a scheme file, by its key.
_ITEMS = "write one item per line, each starting with '- ' (a list, even for one {})."
#: Key → how to write that key's list, for "expected a list" problems.
LIST_FIX = {
    "points": "write pairs [attainment, factor], e.g. [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]].",
    "steps": "write pairs [attainment, factor], e.g. [[0.9, 0.5], [1.0, 1.0]].",
    "tiers": "write pairs [start, rate], e.g. [[0, 0.01], [1.0, 0.02]].",
    "components": _ITEMS.format("component"),
    "gates": _ITEMS.format("gate"),
    "modifiers": _ITEMS.format("modifier"),
    "roles": "write roles: [sales_rep, key_account_manager] (a list, even for one role).",
}


class Scheme(Spec):
    """A whole bonus scheme (docs/schemes.md). Build it with :func:`load_scheme`.

    Attributes
    ----------
    name, period, on_target_pay, revenue_kpi, components, gates, modifiers, cap, budget, pool
        As in the scheme file; ``on_target_pay`` may also be :class:`RosterPay` or
        :class:`SalaryPay` (pay per person).
    currency : str or None
        The ISO 4217 code of the scheme's amounts (``usd`` is read as ``USD``).
    fx : dict or None
        Currency code → units of ``currency`` per unit of it, for employees paid (or
        amounts written) in other currencies.
    proration, fiscal_year_start, true_up, draw, clawback
        The plan mechanics (:mod:`kpitools.scheme.mechanics`, docs/plan-mechanics.md).
    roles : tuple of str or None
        Only employees with one of these roles are evaluated
        (``None``: everyone).
    """

    name: str = Field(min_length=1)
    period: Literal["month", "quarter", "year"] = "month"
    on_target_pay: OnTargetPay
    roles: tuple[str, ...] | None = None
    # contract §8: the currency of every amount (ISO 4217) and the rates of other currencies
    # (units of this one per unit of each other), for employees paid in them
    currency: CurrencyCode = None
    fx: FxRates = None
    description: str | None = None
    revenue_kpi: str | None = None
    components: tuple[Component, ...]
    gates: tuple[Gate, ...] = ()
    modifiers: tuple[Modifier, ...] = ()
    cap: float | None = Field(default=None, gt=0)
    budget: float | None = Field(default=None, ge=0)
    pool: Pool | None = None
    proration: Literal["days", "none"] | None = None
    fiscal_year_start: int | None = None
    true_up: TrueUp | None = None
    draw: Draw | None = None
    clawback: Clawback | None = None

    _source: str = PrivateAttr(default="")

    @field_validator("on_target_pay", mode="before")
    @classmethod
    def _otp(cls, v):
        return rules.on_target_pay_input(v)

    @field_validator("fiscal_year_start", mode="before")
    @classmethod
    def _fiscal_month(cls, v):
        return fiscal_month(v)

    @field_validator("roles", mode="before")
    @classmethod
    def _roles_input(cls, v):
        return rules.roles_input(v)

    @field_validator("roles", mode="after")
    @classmethod
    def _roles(cls, v):
        return rules.check_roles(v)

    @field_validator("components", mode="after")
    @classmethod
    def _components(cls, v):
        if not v:
            raise spec_error("a scheme needs at least one component", "add components: [- kpi: …].")
        return v

    @model_validator(mode="after")
    def _whole(self):
        rules.check_role_pay(self.roles, self.on_target_pay)
        rules.check_weights(self.components)
        rules.check_component_names(self.components)
        rules.check_gate_targets(self.gates, self.components)
        problems = mechanic_problems(self) + scheme_window_problems(self)
        if problems:
            raise ValidationError.from_exception_data(
                "Scheme",
                [
                    InitErrorDetails(type=spec_error(what, fix, path), loc=(), input=None)
                    for path, what, fix in problems
                ],
            )
        return self

    @property
    def pays_over_time(self) -> bool:
        """Whether a payment depends on earlier periods (a true-up, a draw or a clawback)."""
        return self.true_up is not None or self.draw is not None or self.clawback is not None

    @property
    def pay_per_person(self) -> bool:
        """Whether on-target pay comes from the roster (``from: roster``, ``pct_of_salary``)."""
        return isinstance(self.on_target_pay, RosterPay | SalaryPay)

    def __eq__(self, other: object) -> bool:
        # Same content, wherever it was loaded from.
        if not isinstance(other, Scheme):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in type(self).model_fields)

    __hash__ = None  # type: ignore[assignment]  # on_target_pay may be a dict

    @property
    def source(self) -> str:
        """Where the scheme came from: the file path, or ``scheme 'name'``."""
        return self._source or f"scheme {self.name!r}"

    def on_target_pay_for(self, role: str | None = None) -> float:
        """On-target pay of a role (the single number when not given per role)."""
        if self.pay_per_person:
            raise DefinitionError(
                f"{self.source}: on_target_pay: the scheme pays each person their own amount "
                "from the roster, not one amount per role.\n"
                "Suggestion: read each person's amount from the payout table's on_target_pay."
            )
        if isinstance(self.on_target_pay, dict):
            if role not in self.on_target_pay:
                raise DefinitionError(
                    f"{self.source}: on_target_pay: no amount for role {role!r}."
                    f"{did_you_mean(str(role), self.on_target_pay)}\n"
                    f"Suggestion: add {role}: <amount> under on_target_pay."
                )
            return self.on_target_pay[role]
        return self.on_target_pay

    def component_label(self, index: int) -> str:
        """The ``component`` value of the payout table: the name, else the index."""
        c = self.components[index]
        return c.name if c.name else str(index)

    def to_dict(self) -> dict[str, Any]:
        """A plain mapping (YAML-ready) that :func:`load_scheme` turns back into this scheme.

        Examples
        --------
        >>> s = load_scheme({"name": "s", "on_target_pay": 100, "components": [
        ...     {"kpi": "x", "weight": 1, "target": 5, "curve": {"steps": [[1, 1]]}}]})
        >>> s.to_dict()["components"][0]["target"]
        {'method': 'fixed', 'value': 5.0}
        >>> load_scheme(s.to_dict()) == s
        True
        """
        return self.model_dump(mode="json", exclude_none=True)

    def to_yaml(self, path: str | os.PathLike | None = None) -> str:
        """The scheme as YAML a consultant can read; written atomically to ``path`` if given.

        The layout of the shipped templates (key order, each target and curve on one line)
        and tidy numbers (12 significant digits, no ``.0`` on whole amounts), so a scheme
        saved from the what-if explorer or by ``kpitools calibrate --out`` reads like one
        written by hand. :func:`load_scheme` reads it back to the same scheme.

        Examples
        --------
        >>> s = load_scheme({"name": "s", "on_target_pay": 30000.000000000004, "components": [
        ...     {"kpi": "x", "weight": 0.7, "target": {"method": "fixed", "value": 12},
        ...      "curve": {"points": [[0.8, 0.30000000000000004], [1.0, 1.0]]}},
        ...     {"kpi": "y", "weight": 0.30000000000000004,
        ...      "target": {"method": "fixed", "value": 3},
        ...      "curve": {"steps": [[1.0, 1.0]]}}], "budget": 1.4e6})
        >>> print(s.to_yaml(), end="")
        name: s
        period: month
        on_target_pay: 30000
        components:
          - kpi: x
            weight: 0.7
            target: {method: fixed, value: 12}
            curve: {points: [[0.8, 0.3], [1.0, 1.0]]}
          - kpi: y
            weight: 0.3
            target: {method: fixed, value: 3}
            curve: {steps: [[1.0, 1.0]]}
        budget: 1400000
        """
        text = scheme_yaml(self.to_dict())
        if path is not None:
            atomic_write(path, text)
        return text

    def set(self, path: str, value: Any) -> Scheme:
        """A new validated scheme with one value changed (this one is left as it was).

        Parameters
        ----------
        path : str
            Dotted path; list items by index: ``components.0.target.rate``, ``cap``,
            ``components.1.curve.points.0.0``.
        value : Any
            The new value.

        Examples
        --------
        >>> s = load_scheme({"name": "s", "on_target_pay": 100, "components": [
        ...     {"kpi": "x", "weight": 1, "target": 5, "curve": {"steps": [[1, 1]]}}]})
        >>> s.set("cap", 2.0).cap
        2.0
        """
        return self.set_many({path: value})

    def set_many(self, changes: Mapping[str, Any]) -> Scheme:
        """A new validated scheme with several values changed at once, checked together.

        For changes that only make sense together (two weights that must still sum to 1);
        :meth:`set` is the one-value case.

        Parameters
        ----------
        changes : mapping
            Dotted path (as for :meth:`set`) to its new value, applied in order.

        Examples
        --------
        >>> s = load_scheme({"name": "s", "on_target_pay": 100, "components": [
        ...     {"kpi": "x", "weight": 1, "target": 5, "curve": {"steps": [[1, 1]]}}]})
        >>> s.set_many({"cap": 2.0, "budget": 500}).budget
        500.0
        """
        data = self.to_dict()
        for path, value in changes.items():
            set_path(data, path, value, source=self.source)
        return _build(data, self._source, f"{self.source} (after setting {', '.join(changes)})")


def _build(data: Any, source: str, label: str | YamlDocument) -> Scheme:
    """Validate ``data`` into a scheme that remembers ``source`` (a path, or "")."""
    if not isinstance(data, Mapping):
        name = label.file if isinstance(label, YamlDocument) else label
        raise DefinitionError(
            f"{name}: expected a mapping of keys (name, period, on_target_pay, components, …), "
            f"got {type(data).__name__}.\nSuggestion: see templates/schemes/ for examples."
        )
    scheme = validate(Scheme, data, source=label, list_fix=LIST_FIX)
    scheme._source = source
    return scheme


def load_scheme(path_or_mapping: str | os.PathLike | Mapping[str, Any] | Scheme) -> Scheme:
    """Load and check a scheme from a YAML file or a mapping.

    A file without a ``name`` takes its file name (without extension) as the name.

    Parameters
    ----------
    path_or_mapping : str, path-like, mapping or Scheme
        A ``.yaml`` file, an already-parsed mapping, or a scheme (returned as is).

    Returns
    -------
    Scheme

    Raises
    ------
    DefinitionError
        Listing every problem, each naming the file, the line (for a file), the key path
        (``components[1].curve.points``), what is wrong and a suggestion.

    Examples
    --------
    >>> load_scheme({"name": "s", "on_target_pay": 100,
    ...              "components": [{"kpi": "x", "weight": 1.0,
    ...                              "target": {"method": "from_data"},
    ...                              "curve": {"steps": [[1.0, 1.0]]}}]}).period
    'month'
    """
    if isinstance(path_or_mapping, Scheme):
        return path_or_mapping
    if isinstance(path_or_mapping, Mapping):
        name = path_or_mapping.get("name")
        label = f"scheme {name!r}" if isinstance(name, str) and name else "scheme"
        return _build(path_or_mapping, "", label)
    path = Path(path_or_mapping)
    source = str(path_or_mapping)
    doc = read_yaml(path, what="scheme file", example="templates/schemes/tiered_accelerator.yaml")
    data = doc.data
    if isinstance(data, dict) and "name" not in data:
        data = {"name": path.stem, **data}
    # messages name the file as the caller wrote it (read_yaml names the normalised path)
    return _build(data, source, dataclasses.replace(doc, file=source))
