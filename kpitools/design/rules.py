"""The rules of a good KPI set, read from the design alone (docs/designs.md)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from .._util.format import number
from .coverage import coverage, covering, goal_is_summed
from .history import _KINDS, _history, _history_kind, _period_kind
from .model import UNKNOWN_TYPE, Design
from .rule import Context, Finding, _ids, _pay_linked, _pct, register_rule

__all__ = []


# --------------------------------------------------------------------------- rules
@register_rule("too-many-kpis", "warning", "a role has more KPIs than anyone can watch at once")
def _too_many(ctx: Context) -> Iterator[Finding]:
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
def _orphan(ctx: Context) -> Iterator[Finding]:
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
def _plan_not_kpi(ctx: Context) -> Iterator[Finding]:
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
def _no_target(ctx: Context) -> Iterator[Finding]:
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
def _weights(ctx: Context) -> Iterator[Finding]:
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
    """(summed, lower, [(role, role KPI) with a target]) for the KPIs covering a goal.

    As :func:`coverage` counts them.
    """
    g = design.goal(goal_id)
    found = covering(design, g)
    if not found:
        return True, False, []
    own = [k for _, k in found if k.kpi == g.measure]
    lower = (own or [found[0][1]])[0].definition.direction == "lower"
    return goal_is_summed(design, g), lower, [(r, k) for r, k in found if k.target]


def _team_total_hint(ctx: Context, goal_value: float, parts: list, unit) -> str:
    """The sentence for a per-person target that is the whole goal.

    One role of several people whose target equals the goal: the commonest slip in a
    first design.
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


def _off_by(ctx: Context, gap: float, goal_value: float, unit: str | None) -> str:
    """How far role targets are from a goal: ``10 USD (0.001%)``."""
    amount = number(abs(gap), unit, ctx.design.currency)
    return f"{amount} ({_pct(abs(gap) / abs(goal_value), 0.0)})" if goal_value else amount


@register_rule("coverage", "error", "targets × headcount do not add up to the goal they serve")
def _coverage(ctx: Context) -> Iterator[Finding]:
    d = ctx.design
    tol = ctx.settings.coverage_tolerance
    cov = coverage(d, ctx.values, tolerance=tol)
    for row in cov.itertuples(index=False):
        if row.status not in ("short", "over", "covered") or row.gap == 0:
            continue
        g = d.goal(row.goal)
        unit = d.unit_of(g.id)
        summed, lower, parts = _measured_by(d, g.id)
        hint = _team_total_hint(ctx, row.goal_value, parts, unit) if summed else ""
        goal_v = number(row.goal_value, unit, d.currency)
        got = number(row.covered, unit, d.currency)
        needs = f"needs at most {goal_v}" if lower else f"needs {goal_v}"
        off = _off_by(ctx, row.gap, row.goal_value, unit)
        side = "above it" if row.gap > 0 else ("below it" if lower else "short of it")
        # summed KPIs add up over the people; means and ratios are a headcount-weighted mean
        if summed:
            total = f"add up to {got} ({row.by_role})"
        else:
            total = f"average {got} ({row.by_role}, weighted by headcount)"
        if row.status == "covered":
            if math.isclose(row.covered, row.goal_value, rel_tol=1e-9, abs_tol=1e-12):
                continue  # floating-point rounding, not a gap worth a word
            yield ctx.finding(
                "coverage",
                f"Goal {g.id!r} {needs} and the role targets {total}, {off} {side}: within "
                f"the coverage tolerance of {_pct(tol, 0.0)}, so the goal counts as covered. "
                "Suggestion: none needed; set 'checks: {coverage_tolerance: 0}' in the design "
                "to require an exact match.",
                g.location,
                severity="info",
            )
        elif row.status == "short":
            if lower:
                fix = "lower the targets, or raise the goal"
            elif summed:
                fix = "raise the targets or the headcount, or lower the goal"
            else:
                fix = "raise the targets, or lower the goal"
            yield ctx.finding(
                "coverage",
                f"Goal {g.id!r} {needs} but the role targets {total}, {off} {side}: "
                f"the goal will not be reached even if everyone hits target.{hint} "
                f"Suggestion: {fix}.",
                g.location,
            )
        else:
            buffer = "below" if lower else "above"
            yield ctx.finding(
                "coverage",
                f"Goal {g.id!r} {needs} and the role targets {total}, {off} {side}: a buffer "
                f"{buffer} the goal, so bonuses start later than the goal requires.{hint}"
                + (" Suggestion: make the per-person figure the target." if hint else ""),
                g.location,
                # a whole-goal target per person is a slip, not a buffer
                severity="warning" if hint else "info",
            )


@register_rule("no-qualitative", "warning", "every KPI of a role is a volume count")
def _no_qualitative(ctx: Context) -> Iterator[Finding]:
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
def _lagging_only(ctx: Context) -> Iterator[Finding]:
    for r in ctx.design.roles:
        if not r.kpis or any(k.definition.type == "leading" for k in r.kpis):
            continue
        unknown = [k.kpi for k in r.kpis if k.definition.type == UNKNOWN_TYPE]
        if not unknown:
            yield ctx.finding(
                "lagging-only",
                f"Role {r.id!r} has no leading indicator ({_ids(r.kpi_ids)} only "
                f"show{'s' * (len(r.kpis) == 1)} "
                "results after the fact). Suggestion: add an activity the person controls "
                "day to day (meetings, calls, pipeline).",
                r.location,
            )
            continue
        # unknown is its own category: neither called lagging nor counted as leading
        lagging = [k.kpi for k in r.kpis if k.definition.type == "lagging"]
        them = "it" if len(unknown) == 1 else "them"
        yield ctx.finding(
            "lagging-only",
            f"Role {r.id!r} has no KPI known to be a leading indicator: "
            f"{_ids(unknown)} {'has' if len(unknown) == 1 else 'have'} no type (unknown: "
            "neither given in the design nor found in the KPI library by id or name)"
            + (
                f", {_ids(lagging)} {'is' if len(lagging) == 1 else 'are'} lagging"
                if lagging
                else ""
            )
            + f". Suggestion: add 'type: leading' or 'type: lagging' to {them}.",
            r.location,
            severity="info",
        )


@register_rule("not-controllable", "warning", "a company-level KPI is paid to an individual")
def _not_controllable(ctx: Context) -> Iterator[Finding]:
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
def _gaming(ctx: Context) -> Iterator[Finding]:
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


@register_rule(
    "not-achievable",
    "warning",
    "history says the target is almost never or almost always reached",
    needs_data=True,
)
def _not_achievable(ctx: Context) -> Iterator[Finding]:
    if ctx.data is None:
        return
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
    hist, partial = _history(ctx)
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
        if n == 0:
            shown = number(row.target_, row.unit, ctx.design.currency)
            yield ctx.finding(
                "not-achievable",
                f"No history for KPI {row.kpi!r}: the chance of reaching {shown} in role "
                f"{row.role_id!r} was not checked. Suggestion: add its past actuals to the data.",
                row.location,
                severity="info",
            )
            continue
        yield from _achievable(ctx, row, n, int(hits[row.location]), partial.get(row.kpi))


def _achievable(
    ctx: Context, row: Any, n: int, hits: int, partial: str | None
) -> Iterator[Finding]:
    """The finding on one target's share of past hits (none when it is in range)."""
    s = ctx.settings
    share = hits / n
    shown = number(row.target_, row.unit, ctx.design.currency)
    reach = "at or below" if row.lower else "at or above"
    kind = _period_kind(ctx.design.period)
    on = f", on partial history ({partial}, scaled up to a whole {kind})" if partial else ""
    base = (
        f"KPI {row.kpi!r} of role {row.role_id!r}{on}: "
        f"{_pct(share, s.achievable_low if share < s.achievable_low else s.achievable_high)} "
        f"of {n} past employee-periods were {reach} the target {shown}"
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
    elif partial:
        yield ctx.finding(
            "not-achievable",
            f"{base}: within {_pct(s.achievable_low)}–{_pct(s.achievable_high)}, as far as a "
            f"partial {kind} can tell. Suggestion: check again with a whole {kind} of history.",
            row.location,
            severity="info",
        )


@register_rule("not-time-bound", "warning", "the design has no period")
def _not_time_bound(ctx: Context) -> Iterator[Finding]:
    if ctx.design.period is None:
        yield ctx.finding(
            "not-time-bound",
            "The design has no period: targets without a deadline are not time-bound. "
            "Suggestion: add 'period: 2027-02' (a month, a quarter like 2027-Q1, or a year).",
            "period",
        )
