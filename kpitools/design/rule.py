"""The rule framework of the design checks: findings, settings, and the rule registry.

A rule is a function that takes a :class:`Context` (the design, its solved values, the
settings, the history) and yields :class:`Finding` objects; :func:`register_rule` adds one
to :data:`RULES`, so a consultant's own rule runs beside the built-in ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .._util.format import number
from .._util.registry import Registry
from ..errors import DefinitionError
from .cascade import cascade
from .coverage import COVERAGE_TOLERANCE
from .model import Design, RoleKPI

__all__ = ["CheckSettings", "Finding", "RULES", "Rule", "SEVERITIES", "get_rule", "register_rule"]


SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, kw_only=True)
class CheckSettings:
    """Thresholds of the rules.

    Attributes
    ----------
    max_kpis : int
        ``too-many-kpis`` above this many KPIs in a role (7).
    min_weight : float
        ``weights`` flags a weight under this share (0.05 = 5%).
    achievable_low, achievable_high : float
        ``not-achievable`` flags a target reached in fewer than ``achievable_low``
        (10%) or more than ``achievable_high`` (95%) of past employee-periods.
    weight_tolerance : float
        How far from 1 the weights of a role may add up (rounding).
    coverage_tolerance : float
        Relative gap between targets × headcount and a goal still counted as covered
        (0.001 = 0.1%).

    A design file sets any of them under ``checks:`` (:meth:`for_design`).
    """

    max_kpis: int = 7
    min_weight: float = 0.05
    achievable_low: float = 0.10
    achievable_high: float = 0.95
    weight_tolerance: float = 1e-6
    coverage_tolerance: float = COVERAGE_TOLERANCE

    def __post_init__(self) -> None:
        problems = []
        if isinstance(self.max_kpis, bool) or not isinstance(self.max_kpis, int | np.integer):
            problems.append(f"max_kpis must be a whole number, got {self.max_kpis!r}")
        elif self.max_kpis < 1:
            problems.append(f"max_kpis must be at least 1, got {self.max_kpis}")
        for name in ("min_weight", "achievable_low", "achievable_high", "coverage_tolerance"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
                problems.append(f"{name} must be a share between 0 and 1, got {v!r}")
        if not problems and self.achievable_low >= self.achievable_high:
            problems.append(
                f"achievable_low ({self.achievable_low}) must be below achievable_high "
                f"({self.achievable_high})"
            )
        if problems:
            raise DefinitionError(
                "Check settings: " + "; ".join(problems) + ".\n"
                "Suggestion: e.g. CheckSettings(max_kpis=7, min_weight=0.05, "
                "achievable_low=0.1, achievable_high=0.95)."
            )

    @classmethod
    def for_design(cls, design: Design, **given: Any) -> CheckSettings:
        """The design's ``checks:`` thresholds, with those ``given`` (not None) on top."""
        return cls(**{**design.checks, **{k: v for k, v in given.items() if v is not None}})


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One problem in a design: which rule, how bad, what and where."""

    rule: str
    severity: str
    message: str
    location: str

    def to_dict(self) -> dict[str, str]:
        """The finding as a plain dict (for JSON)."""
        return asdict(self)


@dataclass(frozen=True, kw_only=True)
class Rule:
    """A registered check: ``func(context)`` yields findings."""

    id: str
    severity: str
    description: str
    func: Callable[[Context], Iterable[Finding]] = field(repr=False, compare=False)
    needs_data: bool = False


#: Every registered rule, by id, in the order they run.
RULES: Registry[Rule] = Registry("check rule")


def register_rule(
    rule_id: str, severity: str, description: str, *, needs_data: bool = False
) -> Callable:
    """Register a check function under ``rule_id`` (a decorator).

    Examples
    --------
    >>> @register_rule("no-name", "info", "a role without a readable name")  # doctest: +SKIP
    ... def _no_name(ctx):
    ...     for r in ctx.design.roles:
    ...         if r.name == r.id:
    ...             yield ctx.finding("no-name", f"Role {r.id!r} has no name.", r.location)
    """
    if severity not in SEVERITIES:
        raise DefinitionError(
            f"Rule {rule_id!r}: severity {severity!r} is not one of {', '.join(SEVERITIES)}.\n"
            "Suggestion: use error, warning or info."
        )

    def decorate(func: Callable) -> Callable:
        RULES.register(
            rule_id,
            Rule(
                id=rule_id,
                severity=severity,
                description=description,
                func=func,
                needs_data=needs_data,
            ),
        )
        return func

    return decorate


def get_rule(rule_id: str) -> Rule:
    """The rule registered as ``rule_id``; a :class:`DefinitionError` with "did you mean"."""
    return RULES.get(rule_id)


# --------------------------------------------------------------------------- context
class Context:
    """What a rule sees: the design, its solved values, the settings and the history."""

    def __init__(self, design: Design, settings: CheckSettings, data: pd.DataFrame | None):
        self.design = design
        self.settings = settings
        self.data = data

    @cached_property
    def values(self) -> dict[str, float]:
        return cascade(self.design).values

    def finding(self, rule: str, message: str, location: str, severity: str | None = None):
        return Finding(
            rule=rule,
            severity=severity or RULES.get(rule).severity,
            message=message,
            location=location,
        )

    def money(self, v: float) -> str:
        return number(v, "currency", self.design.currency)


def _pay_linked(role, k: RoleKPI) -> bool:
    return bool(k.weight) and bool(role.on_target_pay)


def _pct(v: float, unlike: float | None = None) -> str:
    """``v`` as a percent to 0.1.

    With more decimals when that would read the same as ``unlike`` though the numbers
    differ (99.99% is not "100%").
    """

    def show(x: float, places: int) -> str:
        return f"{x * 100:.{places}f}".rstrip("0").rstrip(".") + "%"

    places = 1
    while (
        unlike is not None
        and v != unlike
        and places < 6
        and show(v, places) == show(unlike, places)
    ):
        places += 1
    return show(v, places)


def _ids(ids: Iterable[str]) -> str:
    return ", ".join(ids)
