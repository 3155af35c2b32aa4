"""KPI-set checks: a registry of rules run over a design (contract §3).

Each rule has an id, a default severity (``error``, ``warning``, ``info``) and a
function that yields :class:`Finding` objects with a message and a location (a key
path such as ``roles[0].kpis[1]``). :func:`run_checks` runs them all (or a chosen
few) and returns a :class:`CheckReport`. Thresholds live in :class:`CheckSettings`.

Examples
--------
>>> from kpitools.design import load_design
>>> report = run_checks(load_design("templates/designs/sales_generator.yaml"))  # doctest: +SKIP
>>> [f.rule for f in report.findings]  # doctest: +SKIP
['plan-not-kpi', 'lagging-only', 'gaming-risk']
"""

from __future__ import annotations

import json
import math
import os
import re
import textwrap
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .._util.format import number
from ..errors import DefinitionError, did_you_mean
from .cascade import cascade
from .coverage import coverage
from .load import load_design
from .model import Design, RoleKPI

__all__ = [
    "SEVERITIES",
    "CheckSettings",
    "Finding",
    "Rule",
    "CheckReport",
    "RULES",
    "register_rule",
    "get_rule",
    "run_checks",
]

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
        Relative shortfall of targets × headcount against a goal still accepted (0).
    """

    max_kpis: int = 7
    min_weight: float = 0.05
    achievable_low: float = 0.10
    achievable_high: float = 0.95
    weight_tolerance: float = 1e-6
    coverage_tolerance: float = 0.0

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


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One problem in a design: which rule, how bad, what and where."""

    rule: str
    severity: str
    message: str
    location: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True, kw_only=True)
class Rule:
    """A registered check: ``func(context)`` yields findings."""

    id: str
    severity: str
    description: str
    func: Callable[[_Context], Iterable[Finding]] = field(repr=False, compare=False)
    needs_data: bool = False


RULES: dict[str, Rule] = {}


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
        RULES[rule_id] = Rule(
            id=rule_id,
            severity=severity,
            description=description,
            func=func,
            needs_data=needs_data,
        )
        return func

    return decorate


def get_rule(rule_id: str) -> Rule:
    """The rule registered as ``rule_id``; a :class:`DefinitionError` with "did you mean"."""
    try:
        return RULES[rule_id]
    except KeyError:
        raise DefinitionError(
            f"No check rule {rule_id!r}.{did_you_mean(rule_id, RULES)}\n"
            f"Suggestion: use one of: {', '.join(RULES)}."
        ) from None


# --------------------------------------------------------------------------- context
class _Context:
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
            severity=severity or RULES[rule].severity,
            message=message,
            location=location,
        )

    def money(self, v: float) -> str:
        return number(v, "currency", self.design.currency)


def _pay_linked(role, k: RoleKPI) -> bool:
    return bool(k.weight) and bool(role.on_target_pay)


def _pct(v: float, unlike: float | None = None) -> str:
    """``v`` as a percent to 0.1; with more decimals when that would read the same as
    ``unlike`` though the numbers differ (99.99% is not "100%").
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


# --------------------------------------------------------------------------- rules
@register_rule("too-many-kpis", "warning", "a role has more KPIs than anyone can watch at once")
def _too_many(ctx: _Context) -> Iterator[Finding]:
    limit = ctx.settings.max_kpis
    for r in ctx.design.roles:
        if len(r.kpis) > limit:
            yield ctx.finding(
                "too-many-kpis",
                f"Role {r.id!r} has {len(r.kpis)} KPIs, more than {limit}: nobody can watch "
                f"more at once. Suggestion: keep the {min(limit, 5)} or fewer that serve the "
                "goals most directly and report the rest without pay.",
                f"{r.location}.kpis",
            )


@register_rule("orphan-kpi", "warning", "a KPI serves no strategic goal")
def _orphan(ctx: _Context) -> Iterator[Finding]:
    for r in ctx.design.roles:
        for k in r.kpis:
            if k.goal is None:
                yield ctx.finding(
                    "orphan-kpi",
                    f"KPI {k.kpi!r} of role {r.id!r} serves no strategic goal. Suggestion: "
                    "add 'goal: <goal id>' for the goal it moves, or drop it.",
                    k.location,
                )


@register_rule("plan-not-kpi", "warning", "a target with no bonus tied to it")
def _plan_not_kpi(ctx: _Context) -> Iterator[Finding]:
    for r in ctx.design.roles:
        for k in r.kpis:
            if k.target is None:
                continue
            shown = number(k.target, k.definition.unit, ctx.design.currency)
            if not r.on_target_pay:
                why = f"role {r.id!r} has no on_target_pay"
                fix = "give the role an on_target_pay (bonus per person at 100%)"
            elif not k.weight:
                why = "it has no weight"
                fix = "give it a weight (and rebalance the others)"
            else:
                continue
            yield ctx.finding(
                "plan-not-kpi",
                f"KPI {k.kpi!r} of role {r.id!r} has a target ({shown}) but {why}: no bonus "
                f"is tied to it, so it is a plan, not a KPI. Suggestion: {fix}, or track it "
                "as a plan outside the bonus.",
                k.location,
            )


@register_rule("no-target", "warning", "a KPI without a target cannot be measured")
def _no_target(ctx: _Context) -> Iterator[Finding]:
    for r in ctx.design.roles:
        for k in r.kpis:
            if k.target is None:
                paid = _pay_linked(r, k)
                yield ctx.finding(
                    "no-target",
                    f"KPI {k.kpi!r} of role {r.id!r} has no target, so it cannot be measured"
                    f"{' and its bonus cannot be paid' if paid else ''}. Suggestion: add "
                    "'target:' (per person per period).",
                    k.location,
                    severity="error" if paid else None,
                )


@register_rule("weights", "error", "weights do not sum to 100%, or one is under the minimum")
def _weights(ctx: _Context) -> Iterator[Finding]:
    s = ctx.settings
    for r in ctx.design.roles:
        weighted = [k for k in r.kpis if k.weight is not None]
        if not weighted:
            continue
        total = math.fsum(k.weight for k in weighted)
        if abs(total - 1) > s.weight_tolerance:
            parts = " + ".join(_pct(k.weight, round(k.weight, 3)) for k in weighted)
            yield ctx.finding(
                "weights",
                f"Weights of role {r.id!r} add up to {_pct(total, 1.0)} ({parts}), not 100%. "
                "Suggestion: rebalance them so they add up to 1.",
                f"{r.location}.kpis",
            )
        for k in weighted:
            if 0 < k.weight < s.min_weight:
                yield ctx.finding(
                    "weights",
                    f"KPI {k.kpi!r} of role {r.id!r} weighs {_pct(k.weight, s.min_weight)}, under "
                    f"{_pct(s.min_weight)}: too little pay to change behaviour. Suggestion: "
                    f"raise it to at least {_pct(s.min_weight)} or drop the KPI.",
                    f"{k.location}.weight",
                    severity="warning",
                )


def _measured_by(design: Design, goal_id: str) -> tuple[bool, bool, list]:
    """(summed, lower, [(role, role KPI) with a target]) for the role KPIs that measure a
    goal, as :func:`coverage` counts them.
    """
    g = design.goal(goal_id)
    found = [
        (r, k)
        for r in design.roles
        for k in r.kpis
        if k.kpi == g.measure and k.goal in (None, g.id)
    ]
    if not found:
        return True, False, []
    k = found[0][1]
    summed = (k.definition.aggregation or "sum") == "sum"
    return summed, k.definition.direction == "lower", [(r, k) for r, k in found if k.target]


def _team_total_hint(ctx: _Context, goal_value: float, parts: list, unit) -> str:
    """The sentence for a per-person target that is the whole goal (one role of several
    people whose target equals the goal): the commonest slip in a first design.
    """
    if len(parts) != 1:
        return ""
    r, k = parts[0]
    if r.headcount <= 1 or not math.isclose(k.target, goal_value, rel_tol=1e-9):
        return ""
    each = number(goal_value / r.headcount, unit, ctx.design.currency)
    return (
        f" Targets are per person: {r.id!r} has {number(r.headcount)} people, so a target "
        f"equal to the whole goal asks each of them for all of it; per person the goal is {each}."
    )


@register_rule("coverage", "error", "targets × headcount do not add up to the goal they serve")
def _coverage(ctx: _Context) -> Iterator[Finding]:
    d = ctx.design
    cov = coverage(d, ctx.values)
    tol = ctx.settings.coverage_tolerance
    for row in cov.itertuples(index=False):
        if row.status not in ("short", "over"):
            continue
        g = d.goal(row.goal)
        unit = d.unit_of(g.id)
        summed, lower, parts = _measured_by(d, g.id)
        hint = _team_total_hint(ctx, row.goal_value, parts, unit) if summed else ""
        goal_v = number(row.goal_value, unit, d.currency)
        got = number(row.covered, unit, d.currency)
        needs = f"needs at most {goal_v}" if lower else f"needs {goal_v}"
        # summed KPIs add up over the people; means and ratios are a headcount-weighted mean
        if summed:
            total = f"add up to {got} ({row.by_role})"
        else:
            total = f"average {got} ({row.by_role}, weighted by headcount)"
        if row.status == "short":
            if not math.isnan(row.share) and abs(1 - row.share) <= tol:
                continue
            if lower:
                fix = "lower the targets, or raise the goal"
            elif summed:
                fix = "raise the targets or the headcount, or lower the goal"
            else:
                fix = "raise the targets, or lower the goal"
            yield ctx.finding(
                "coverage",
                f"Goal {g.id!r} {needs} but the role targets {total}: "
                f"the goal will not be reached even if everyone hits target.{hint} "
                f"Suggestion: {fix}.",
                g.location,
            )
        else:
            side = "below" if lower else "above"
            yield ctx.finding(
                "coverage",
                f"Goal {g.id!r} {needs} and the role targets {total}: a buffer {side} the "
                f"goal, so bonuses start later than the goal requires.{hint}"
                + (" Suggestion: make the per-person figure the target." if hint else ""),
                g.location,
                # a whole-goal target per person is a slip, not a buffer
                severity="warning" if hint else "info",
            )


@register_rule("no-qualitative", "warning", "every KPI of a role is a volume count")
def _no_qualitative(ctx: _Context) -> Iterator[Finding]:
    for r in ctx.design.roles:
        if r.kpis and all(k.definition.is_volume for k in r.kpis):
            yield ctx.finding(
                "no-qualitative",
                f"Every KPI of role {r.id!r} is a volume count ({_ids(r.kpi_ids)}): nothing "
                "rewards quality. Suggestion: add a quality measure (margin, conversion, "
                "customer satisfaction).",
                r.location,
            )


@register_rule("lagging-only", "warning", "a role has no leading indicator")
def _lagging_only(ctx: _Context) -> Iterator[Finding]:
    for r in ctx.design.roles:
        if r.kpis and not any(k.definition.type == "leading" for k in r.kpis):
            yield ctx.finding(
                "lagging-only",
                f"Role {r.id!r} has no leading indicator ({_ids(r.kpi_ids)} only "
                f"show{'s' * (len(r.kpis) == 1)} "
                "results after the fact). Suggestion: add an activity the person controls "
                "day to day (meetings, calls, pipeline).",
                r.location,
            )


@register_rule("not-controllable", "warning", "a company-level KPI is paid to an individual")
def _not_controllable(ctx: _Context) -> Iterator[Finding]:
    for r in ctx.design.roles:
        if r.level == "company":
            continue
        for k in r.kpis:
            if k.definition.level == "company" and _pay_linked(r, k):
                yield ctx.finding(
                    "not-controllable",
                    f"KPI {k.kpi!r} is a company-level result paid to role {r.id!r} "
                    f"({r.level} level): one person cannot move it. Suggestion: pay it to "
                    "management, or replace it with what the role controls.",
                    k.location,
                )


@register_rule("gaming-risk", "warning", "a pay-linked KPI that can be gamed, with no counter KPI")
def _gaming(ctx: _Context) -> Iterator[Finding]:
    for r in ctx.design.roles:
        present = set(r.kpi_ids)
        for k in r.kpis:
            d = k.definition
            if not d.gaming_risk or not _pay_linked(r, k):
                continue
            if set(d.counter_kpi) & present:
                continue
            risk = d.gaming_risk.strip().rstrip(".")
            risk = risk[:1].lower() + risk[1:]
            if d.counter_kpi:
                fix = f"add one of its counter KPIs ({_ids(d.counter_kpi)})"
            else:
                fix = "add a KPI that keeps it honest"
            yield ctx.finding(
                "gaming-risk",
                f"KPI {k.kpi!r} of role {r.id!r} is paid and can be gamed ({risk}), and the "
                f"role has no counter KPI. Suggestion: {fix}, even at a small weight.",
                k.location,
            )


_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _period_kind(period: str | None) -> str | None:
    if period is None:
        return None
    if "Q" in period:
        return "quarter"
    return "month" if "-" in period else "year"


_KINDS = ("month", "quarter", "year")
_QUARTER = re.compile(r"^\d{4}-Q[1-4]$")
_YEAR = re.compile(r"^\d{4}$")


def _history_kind(data: pd.DataFrame) -> str | None:
    """``month``, ``quarter`` or ``year`` when every period of the history is one; else None."""
    if "period" not in data:
        return None
    periods = data["period"].astype(str)
    for kind, pattern in zip(_KINDS, (_MONTH, _QUARTER, _YEAR), strict=True):
        if len(periods) and periods.str.match(pattern).all():
            return kind
    return None


def _history(ctx: _Context) -> pd.DataFrame:
    """Past actuals per employee × period × KPI at the design's period length."""
    data = ctx.data
    need = {"employee", "period", "kpi", "actual"}
    missing = need - set(data.columns)
    if missing:
        raise DefinitionError(
            "History for 'not-achievable': the data has no column "
            f"{', '.join(repr(c) for c in sorted(missing))} (found: {', '.join(data.columns)}).\n"
            "Suggestion: give the long table (employee, period, kpi, actual)."
        )
    cols = ["employee", "period", "kpi", "actual"] + (["role"] if "role" in data else [])
    hist = data[cols]
    kind = _period_kind(ctx.design.period)
    periods = hist["period"].astype(str)
    if kind in ("quarter", "year") and periods.str.match(_MONTH).all():
        month = periods.str.slice(5, 7).astype(int)
        year = periods.str.slice(0, 4)
        key = year + "-Q" + ((month - 1) // 3 + 1).astype(str) if kind == "quarter" else year
        hist = hist.assign(period=key, month=periods)
        by = ["employee", "period", "kpi"] + (["role"] if "role" in hist else [])
        # sums add up over the months; rates and scores are averaged
        agg = {k.kpi: (k.definition.aggregation or "sum") for r in ctx.design.roles for k in r.kpis}
        summed = hist["kpi"].map(agg).fillna("sum").eq("sum")
        parts = []
        if summed.any():
            g = hist[summed].groupby(by, sort=False, dropna=False)
            total, months = g["actual"].sum(), g["month"].nunique()
            # a quarter (year) with months missing (data starting or ending inside it, a
            # hire or a leaver) would count as a miss: only whole periods are history
            parts.append(total[months == (3 if kind == "quarter" else 12)])
        if (~summed).any():
            parts.append(hist[~summed].groupby(by, sort=False, dropna=False)["actual"].mean())
        hist = pd.concat(parts).rename("actual").reset_index()
    return _with_formula_kpis(ctx, hist)


def _with_formula_kpis(ctx: _Context, hist: pd.DataFrame) -> pd.DataFrame:
    """Add formula KPIs of the design (``gross_margin_pct``) that the history lacks,
    computed from their inputs (after any roll-up, so ratios are ratios of sums).
    """
    present = set(hist["kpi"].unique())
    wanted = {
        k.kpi
        for r in ctx.design.roles
        for k in r.kpis
        if k.definition.formula and k.kpi not in present and k.definition.source != "inline"
    }
    if not wanted:
        return hist
    from ..data import compute_formula_kpis, load_library

    library = load_library()
    ids = [i for i in sorted(wanted) if i in library]
    if not ids:
        return hist
    extra = compute_formula_kpis(hist, library, ids=ids)
    if extra.empty:
        return hist
    return pd.concat([hist, extra[hist.columns]], ignore_index=True)


@register_rule(
    "not-achievable",
    "warning",
    "history says the target is almost never or almost always reached",
    needs_data=True,
)
def _not_achievable(ctx: _Context) -> Iterator[Finding]:
    if ctx.data is None:
        return
    s = ctx.settings
    targets = pd.DataFrame(
        [
            {
                "location": k.location,
                "role_id": r.id,
                "kpi": k.kpi,
                "target_": k.target,
                "lower": k.definition.direction == "lower",
                "unit": k.definition.unit,
            }
            for r in ctx.design.roles
            for k in r.kpis
            if k.target is not None
        ],
        columns=["location", "role_id", "kpi", "target_", "lower", "unit"],
    )
    if targets.empty:
        return
    kind, past = _period_kind(ctx.design.period), _history_kind(ctx.data)
    if kind is not None and past is not None and _KINDS.index(past) > _KINDS.index(kind):
        yield ctx.finding(
            "not-achievable",
            f"The history is by {past} but the design's period {ctx.design.period} is a "
            f"{kind}: targets per {kind} cannot be compared with actuals per {past}, so the "
            f"chance of reaching them was not checked. Suggestion: give the history by {kind} "
            f"(or shorter).",
            "period",
            severity="info",
        )
        return
    hist = _history(ctx)
    hist = hist[hist["actual"].notna()]
    m = targets.merge(hist, on="kpi", how="left")
    if "role" in m:
        same = m["role"].astype(object).eq(m["role_id"]).fillna(False).astype(bool)
        has_same = same.groupby(m["location"]).transform("any")
        m = m[same | ~has_same]
    known = m["actual"].notna()
    hit = np.where(m["lower"], m["actual"] <= m["target_"], m["actual"] >= m["target_"])
    m = m.assign(hit=hit & known, known=known)
    stats = m.groupby("location", sort=False).agg(n=("known", "sum"), hits=("hit", "sum"))
    counts, hits = stats["n"].to_dict(), stats["hits"].to_dict()
    for row in targets.itertuples(index=False):
        n = int(counts.get(row.location, 0))
        shown = number(row.target_, row.unit, ctx.design.currency)
        if n == 0:
            yield ctx.finding(
                "not-achievable",
                f"No history for KPI {row.kpi!r}: the chance of reaching {shown} in role "
                f"{row.role_id!r} was not checked. Suggestion: add its past actuals to the data.",
                row.location,
                severity="info",
            )
            continue
        share = int(hits[row.location]) / n
        reach = "at or below" if row.lower else "at or above"
        base = (
            f"KPI {row.kpi!r} of role {row.role_id!r}: "
            f"{_pct(share, s.achievable_low if share < s.achievable_low else s.achievable_high)} "
            f"of {n} past "
            f"employee-periods were {reach} the target {shown}"
        )
        if share < s.achievable_low:
            yield ctx.finding(
                "not-achievable",
                f"{base}, under {_pct(s.achievable_low)}: almost nobody will reach it. "
                "Suggestion: lower the target or add support (leads, training).",
                row.location,
            )
        elif share > s.achievable_high:
            yield ctx.finding(
                "not-achievable",
                f"{base}, over {_pct(s.achievable_high)}: it pays for business as usual. "
                "Suggestion: raise the target.",
                row.location,
            )


@register_rule("not-time-bound", "warning", "the design has no period")
def _not_time_bound(ctx: _Context) -> Iterator[Finding]:
    if ctx.design.period is None:
        yield ctx.finding(
            "not-time-bound",
            "The design has no period: targets without a deadline are not time-bound. "
            "Suggestion: add 'period: 2027-02' (a month, a quarter like 2027-Q1, or a year).",
            "period",
        )


# --------------------------------------------------------------------------- report
@dataclass(frozen=True, kw_only=True)
class CheckReport:
    """The findings of :func:`run_checks`.

    Attributes
    ----------
    findings : tuple of Finding
        Errors first, then warnings, then info; in rule order within each.
    rules : tuple of str
        The rules that ran.
    """

    findings: tuple[Finding, ...]
    rules: tuple[str, ...] = ()
    design: Design | None = field(default=None, repr=False, compare=False)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def infos(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "info")

    @property
    def ok(self) -> bool:
        """No errors (warnings and info allowed)."""
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        """``rule, severity, message, location``, one row per finding."""
        return pd.DataFrame(
            [f.to_dict() for f in self.findings],
            columns=["rule", "severity", "message", "location"],
        )

    @property
    def summary(self) -> pd.DataFrame:
        return self.to_frame()

    def to_json(self) -> str:
        """The findings as a JSON list of ``{rule, severity, message, location}``."""
        return json.dumps([f.to_dict() for f in self.findings], indent=2, ensure_ascii=False)

    def counts(self) -> str:
        n = len(self.errors), len(self.warnings), len(self.infos)
        return f"{n[0]} error{'s' * (n[0] != 1)}, {n[1]} warning{'s' * (n[1] != 1)}, {n[2]} info"

    def __str__(self) -> str:
        d = self.design
        head = "Design check"
        if d is not None:
            head += f": {d.client or d.source}"
        if not self.findings:
            return f"{head}\nNo findings: {self.counts()}."
        lines = [head]
        wsev = max(len("severity"), *(len(f.severity) for f in self.findings))
        wrule = max(len("rule"), *(len(f.rule) for f in self.findings))
        locs = [self._where(f) for f in self.findings]
        wloc = max(len("location"), *(len(x) for x in locs))
        indent = wsev + wrule + wloc + 6
        width = max(40, 110 - indent)
        lines.append(
            f"{'severity':<{wsev}}  {'rule':<{wrule}}  {'location':<{wloc}}  message".rstrip()
        )
        lines.append(f"{'-' * wsev}  {'-' * wrule}  {'-' * wloc}  {'-' * 7}")
        for f, loc in zip(self.findings, locs, strict=True):
            wrapped = textwrap.wrap(f.message, width) or [""]
            lines.append(f"{f.severity:<{wsev}}  {f.rule:<{wrule}}  {loc:<{wloc}}  {wrapped[0]}")
            lines.extend(" " * indent + w for w in wrapped[1:])
        lines.append(self.counts() + ".")
        return "\n".join(lines)

    def _where(self, f: Finding) -> str:
        line = self.design.lines.get(f.location) if self.design is not None else None
        return f"{f.location} (line {line})" if line else f.location

    def __repr__(self) -> str:
        return f"<CheckReport: {self.counts()}>"

    def _repr_html_(self) -> str:
        return f"<h4>Design check: {self.counts()}</h4>" + self.to_frame().to_html(index=False)


def _load_data(data: Any) -> pd.DataFrame | None:
    if data is None or isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, str | os.PathLike):
        from ..data import load

        return load(data)
    raise DefinitionError(
        f"History for 'not-achievable' must be a long table or a file path, got "
        f"{type(data).__name__}.\nSuggestion: pass a DataFrame or a .csv/.xlsx/.parquet path."
    )


_ORDER = {s: i for i, s in enumerate(SEVERITIES)}


def run_checks(
    design: Design | str | os.PathLike,
    data: pd.DataFrame | str | os.PathLike | None = None,
    settings: CheckSettings | None = None,
    rules: Iterable[str] | None = None,
) -> CheckReport:
    """Run the registered rules over a design.

    Parameters
    ----------
    design : Design or path
    data : DataFrame or path, optional
        The long history table (``employee, period, kpi, actual`` [, ``role``]);
        enables ``not-achievable``.
    settings : CheckSettings, optional
        Thresholds (defaults: 7 KPIs, 5% weight, 10% / 95% achievability).
    rules : iterable of str, optional
        Rule ids to run (default: all registered rules).

    Examples
    --------
    >>> report = run_checks("templates/designs/sales_generator.yaml")  # doctest: +SKIP
    >>> report.ok  # doctest: +SKIP
    True
    """
    design = load_design(design)
    settings = settings or CheckSettings()
    chosen = [get_rule(r) for r in rules] if rules is not None else list(RULES.values())
    ctx = _Context(design, settings, _load_data(data))
    findings: list[Finding] = []
    for rule in chosen:
        findings.extend(rule.func(ctx))
    findings.sort(key=lambda f: _ORDER[f.severity])
    return CheckReport(findings=tuple(findings), rules=tuple(r.id for r in chosen), design=design)
