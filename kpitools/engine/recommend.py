"""One decision rule for recommending a scheme, written down with its figures.

A scheme is **eligible** when it passes every test of the rule that its figures allow:

============================  ===============================================================
``within_budget``             backtest cost at most ``max_budget_overrun`` over the budget
``forecast_risk``             forecast chance of going over the budget at most
                              ``max_p_over_budget``
``share_at_target``           share of employee-periods at or above target between
                              ``min_pct_at_target`` and ``max_pct_at_target``
``pay_follows_performance``   rank correlation of attainment and payout at least
                              ``min_pay_performance_corr``
``gaming_cost``               extra pay from shifting results between periods at most
                              ``max_gaming_cost_pct`` of the honest cost
============================  ===============================================================

A test without its figure (no budget, no forecast, a scheme without targets, no stress test)
is *not tested*: it neither passes nor fails, and says why. A pool that had to scale pay down
keeps a scheme within its budget by construction, so ``within_budget`` (and the forecast's
risk) is then marked as such — never a merit — with what the pool cost (how often and how
much it scaled pay down). A pool larger than the budget is tested like any scheme.

Among the eligible schemes, the one whose pay follows performance most closely is
recommended, then the cheaper one. Differences smaller than the data can resolve are ties,
not reasons: two correlations tie when their Fisher-z difference is within 1.96 standard
errors for the number of employee-periods evaluated, two costs when they are within
``cost_tie`` of each other. When no scheme is eligible, none is recommended and the one with
the fewest and smallest breaches is named as the closest.

Examples
--------
>>> import pandas as pd
>>> metrics = pd.DataFrame({"total_cost": [100.0, 99.95], "budget_variance": [-0.1, -0.1005],
...     "pct_at_target": [0.6, 0.6], "pay_performance_corr": [0.8, 0.8]}, index=["A", "B"])
>>> rec = recommend_scheme(metrics, n_observations=1000)
>>> rec.recommended, rec.choice
('A', 'A and B tie on pay for performance (0.80 and 0.80) and on cost (within 1%): the first listed is kept.')
"""  # noqa: E501

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._util.format import percent
from ..design import RecommendationRule

__all__ = [
    "Recommendation",
    "RecommendationRule",
    "pool_usage",
    "recommend_scheme",
    "recommend_simulation",
]

_Z95 = 1.96


def _pct(x: float, against: float | None = None) -> str:
    """A share to one decimal, as the comparison table shows it (``15.9%``, ``20%``).

    A figure is never rounded onto the threshold it is compared with, nor to 0 when it is
    not 0: more decimals then show the difference (``20.01%`` against ``20%``).
    """
    text = ""
    for digits in (1, 2, 3, 4):
        text = percent(x, digits).rstrip("%").rstrip("0").rstrip(".") + "%"
        clash = against is not None and x != against and text == _pct(against)
        if not clash and (x == 0 or text != "0%"):
            return text
    if text == "0%":
        return "less than 0.01%"
    return f"just {'over' if x > against else 'under'} {text}"


def _corr(x: float, against: float) -> str:
    """A correlation to two decimals, more when it would round onto its threshold."""
    for digits in (2, 3, 4):
        text = f"{x:.{digits}f}"
        if x == against or text != f"{against:.{digits}f}":
            return text
    return f"just {'over' if x > against else 'under'} {against:.2f}"


def _num(x: Any) -> float | None:
    """A JSON number, or None for a missing one."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


@dataclass(frozen=True)
class _Test:
    name: str
    passed: bool | None  # None: not tested
    figure: float | None
    threshold: Any
    text: str
    breach: float = 0.0  # how far past the threshold, relative
    by_construction: bool = False  # holds whatever happens (a pool and its budget)

    def as_dict(self) -> dict[str, Any]:
        return {
            "test": self.name,
            "passed": self.passed,
            "by_construction": self.by_construction,
            "figure": self.figure,
            "threshold": self.threshold,
            "text": self.text,
        }


@dataclass(frozen=True)
class Recommendation:
    """The outcome of the rule: what is recommended, and every scheme's tests.

    Attributes
    ----------
    recommended : str or None
        The scheme recommended; None when no scheme is eligible.
    closest : str or None
        When none is eligible, the scheme with the fewest and smallest breaches.
    choice : str
        Why the recommended scheme was preferred to the other eligible ones (ties named).
    rule : RecommendationRule
    currency : str or None
        The run's currency of every amount (None: no currency was given).
    schemes : dict
        Scheme → ``total_cost, budget, p_over_budget, pct_at_target, pay_performance_corr,
        gaming_cost_pct, eligible, reasons`` (and ``pool`` for pooled schemes).
    """

    recommended: str | None
    closest: str | None
    choice: str
    rule: RecommendationRule
    schemes: dict[str, dict[str, Any]] = field(default_factory=dict)
    currency: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The contents of ``recommendation.json``."""
        return {
            "recommended": self.recommended,
            "closest": self.closest,
            "choice": self.choice,
            "currency": self.currency,
            "rule": {"text": self.rule.text(), "thresholds": self.rule.model_dump()},
            "schemes": self.schemes,
        }

    def to_json(self) -> str:
        """``recommendation.json`` as text (UTF-8, indented, no NaN)."""
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"

    def failed(self, scheme: str) -> list[dict[str, Any]]:
        """The tests a scheme failed."""
        return [r for r in self.schemes[scheme]["reasons"] if r["passed"] is False]


def pool_usage(pool_factor: pd.Series, periods: pd.Series) -> dict[str, Any]:
    """How often and how much a pool scaled pay down (one factor per period)."""
    per_period = pd.Series(np.asarray(pool_factor, float)).groupby(np.asarray(periods)).min()
    scaled = per_period[per_period < 1 - 1e-9]
    return {
        "periods": int(len(per_period)),
        "periods_scaled_down": int(len(scaled)),
        "mean_scale_down": _num(1 - scaled.mean()) if len(scaled) else 0.0,
        "max_scale_down": _num(1 - scaled.min()) if len(scaled) else 0.0,
    }


def _scaled(pool: Any) -> int:
    """Periods in which a pool scaled pay down (0 without a pool)."""
    return int(pool["periods_scaled_down"]) if pool is not None else 0


def _pool_held(pool: Any) -> str:
    scaled, n = pool["periods_scaled_down"], pool["periods"]
    return f"it scaled pay down in {scaled} of {n} periods" + (
        f", by {_pct(pool['mean_scale_down'])} on average" if scaled else ""
    )


def _budget_test(row: Mapping[str, Any], rule: RecommendationRule, pool: Any) -> _Test:
    """Within budget: tested on the figure; a pool that held it there is no merit.

    A pool keeps the cost within *its* amount: when that is the budget and the pool had to
    scale pay down, the budget holds by construction (not tested, and said with what it
    cost); a pool larger than the budget, or one that never bound, is tested like any scheme.
    """
    variance = _num(row.get("budget_variance"))
    if variance is None:
        return _Test("within_budget", None, None, rule.max_budget_overrun, "No budget given.")
    passed = variance <= rule.max_budget_overrun + 1e-12
    if passed and _scaled(pool):
        text = f"Within budget by construction (a pool scales pay down to fit): {_pool_held(pool)}."
        return _Test(
            "within_budget", None, variance, rule.max_budget_overrun, text, by_construction=True
        )
    side = "under" if variance <= 0 else "over"
    text = f"Backtest cost {_pct(abs(variance), rule.max_budget_overrun)} {side} the budget"
    if passed:
        text += "."
    elif rule.max_budget_overrun == 0:
        text += ", which the rule does not allow."
    else:
        text += f", more than the {_pct(rule.max_budget_overrun)} over it the rule allows."
    if pool is not None:
        text += (
            " Its pool never had to scale pay down."
            if passed
            else f" Its pool is larger than the budget: {_pool_held(pool)}."
        )
    return _Test(
        "within_budget", passed, variance, rule.max_budget_overrun, text,
        breach=max(0.0, variance - rule.max_budget_overrun),
    )  # fmt: skip


def _risk_test(p_over: float | None, rule: RecommendationRule, pool: Any) -> _Test:
    """The forecast's chance of overrunning; by construction only when a pool held the budget."""
    limit = rule.max_p_over_budget
    if p_over is None:
        return _Test("forecast_risk", None, None, limit, "No forecast against a budget.")
    passed = p_over <= limit + 1e-12
    text = f"Forecast chance of going over the budget: {_pct(p_over, limit)}"
    if passed and _scaled(pool):
        text += ", as its pool scales pay down to fit."
        return _Test("forecast_risk", None, p_over, limit, text, by_construction=True)
    text += "." if passed else f", above the {_pct(limit)} the rule allows."
    return _Test("forecast_risk", passed, p_over, limit, text, breach=max(0.0, p_over - limit))


def _target_test(share: float | None, rule: RecommendationRule) -> _Test:
    low, high = rule.min_pct_at_target, rule.max_pct_at_target
    if share is None:
        return _Test("share_at_target", None, None, [low, high], "The scheme sets no targets.")
    passed = low - 1e-12 <= share <= high + 1e-12
    text = f"{_pct(share, low if share < low else high)} of employee-periods reach target"
    if share < low:
        text += f", fewer than the {_pct(low)} the rule asks."
    elif share > high:
        text += f", more than {_pct(high)}: targets too easy to motivate."
    else:
        text += "."
    breach = max(0.0, low - share, share - high)
    return _Test("share_at_target", passed, share, [low, high], text, breach=breach)


def _corr_test(corr: float | None, rule: RecommendationRule) -> _Test:
    limit = rule.min_pay_performance_corr
    if corr is None:
        text = "No attainment to compare pay with (the scheme sets no targets)."
        return _Test("pay_follows_performance", None, None, limit, text)
    passed = corr >= limit - 1e-12
    text = f"Rank correlation of attainment and pay: {_corr(corr, limit)}"
    text += "." if passed else f", below the {limit:.2f} the rule asks."
    return _Test(
        "pay_follows_performance", passed, corr, limit, text, breach=max(0.0, limit - corr)
    )


def _gaming_test(gaming: float | None, rule: RecommendationRule) -> _Test:
    limit = rule.max_gaming_cost_pct
    if gaming is None:
        return _Test("gaming_cost", None, None, limit, "No gaming stress test was run.")
    passed = gaming <= limit + 1e-12
    text = f"Shifting results between periods would add {_pct(gaming, limit)} to the cost"
    text += "." if passed else f", more than the {_pct(limit)} the rule allows."
    return _Test("gaming_cost", passed, gaming, limit, text, breach=max(0.0, gaming - limit))


def _corr_tie(a: float, b: float, n: int) -> bool:
    """Two rank correlations the data cannot tell apart (Fisher z, 95%)."""
    if n <= 3:
        return True
    za, zb = (math.atanh(max(-0.999999, min(0.999999, x))) for x in (a, b))
    return abs(za - zb) < _Z95 * math.sqrt(2.0) * 1.03 / math.sqrt(n - 3)


def _pick(eligible: list[str], table: pd.DataFrame, rule: RecommendationRule, n: int):
    """The best eligible scheme, and the sentence saying why (ties named)."""
    corr = {s: _num(table.loc[s, "pay_performance_corr"]) for s in eligible}
    cost = {s: float(table.loc[s, "total_cost"]) for s in eligible}
    best = eligible[0]
    notes = []
    for other in eligible[1:]:
        cb, co = corr[best], corr[other]
        if cb is not None and co is not None and not _corr_tie(cb, co, n):
            if co > cb:
                notes.append(f"{other}'s pay follows performance more closely than {best}'s "
                             f"(rank correlation {co:.2f} against {cb:.2f})")  # fmt: skip
                best = other
            else:
                notes.append(f"{best}'s pay follows performance more closely than {other}'s "
                             f"(rank correlation {cb:.2f} against {co:.2f})")  # fmt: skip
            continue
        if (co is None) != (cb is None):  # only one of them can be measured on it
            measured, blind = (other, best) if cb is None else (best, other)
            notes.append(
                f"{measured}'s pay can be checked against performance (rank correlation "
                f"{corr[measured]:.2f}); {blind} sets no targets to check it with"
            )
            best = measured
            continue
        on_corr = (
            f"tie on pay for performance ({cb:.2f} and {co:.2f})"
            if cb is not None and co is not None
            else "cannot be compared on pay for performance"
        )
        low, high = sorted((cost[best], cost[other]))
        if high > 0 and (high - low) / high > rule.cost_tie:
            cheaper = best if cost[best] <= cost[other] else other
            dearer = other if cheaper == best else best
            notes.append(
                f"{best} and {other} {on_corr}; {cheaper} costs "
                f"{_pct((cost[dearer] - cost[cheaper]) / cost[dearer])} less than {dearer}"
            )
            best = cheaper
        else:
            notes.append(
                f"{best} and {other} {on_corr} and on cost (within {_pct(rule.cost_tie)}): "
                "the first listed is kept"
            )
    return best, "; ".join(notes) + "." if notes else f"{best} is the only eligible scheme."


def recommend_scheme(
    metrics: pd.DataFrame,
    *,
    p_over_budget: Mapping[str, float] | None = None,
    pools: Mapping[str, dict[str, Any]] | None = None,
    budgets: Mapping[str, float] | None = None,
    rule: RecommendationRule | Mapping[str, Any] | None = None,
    n_observations: int = 0,
    details: Mapping[str, Mapping[str, Any]] | None = None,
    currency: str | None = None,
) -> Recommendation:
    """Apply the decision rule to the schemes' metrics.

    Parameters
    ----------
    metrics : pandas.DataFrame
        One row per scheme (``SimulationResult.metrics``), in the order given by the user.
    p_over_budget : mapping, optional
        Scheme → the forecast's chance of going over the budget.
    pools : mapping, optional
        Scheme → :func:`pool_usage` for the schemes with a pool.
    budgets : mapping, optional
        Scheme → its budget over the periods evaluated.
    rule : RecommendationRule or mapping, optional
        The thresholds (the defaults when not given).
    n_observations : int
        Employee-periods evaluated: the resolution of the correlation comparison.
    details : mapping, optional
        Scheme → further figures for the words (``periods``, ``cost_per_period``,
        ``forecast_cost_p50``, ``forecast_cost_p95``), kept in its entry.
    currency : str, optional
        The run's currency, kept in the file (None: amounts carry no code).
    """
    rule = rule if isinstance(rule, RecommendationRule) else RecommendationRule(**(rule or {}))
    details = dict(details or {})
    p_over_budget, pools = dict(p_over_budget or {}), dict(pools or {})
    budgets = dict(budgets or {})
    schemes, breaches = {}, {}
    for name in metrics.index:
        row = metrics.loc[name]
        pool = pools.get(name)
        p_over = _num(p_over_budget.get(name))
        gaming = _num(row.get("gaming_cost_pct"))
        tests = [
            _budget_test(row, rule, pool),
            _risk_test(p_over, rule, pool),
            _target_test(_num(row.get("pct_at_target")), rule),
            _corr_test(_num(row.get("pay_performance_corr")), rule),
            _gaming_test(gaming, rule),
        ]
        failed = [t for t in tests if t.passed is False]
        breaches[name] = (len(failed), sum(t.breach for t in failed))
        schemes[str(name)] = {
            "total_cost": _num(row.get("total_cost")),
            "budget": _num(budgets.get(name)),
            "p_over_budget": p_over,
            "pct_at_target": _num(row.get("pct_at_target")),
            "pay_performance_corr": _num(row.get("pay_performance_corr")),
            "gaming_cost_pct": gaming,
            "eligible": not failed,
            "reasons": [t.as_dict() for t in tests],
            **({"pool": pool} if pool is not None else {}),
            **{k: v if isinstance(v, int) else _num(v) for k, v in details.get(name, {}).items()},
        }
    eligible = [str(s) for s in metrics.index if schemes[str(s)]["eligible"]]
    if eligible:
        chosen, choice = _pick(eligible, metrics, rule, n_observations)
        return Recommendation(chosen, None, choice, rule, schemes, currency)
    if not schemes:
        return Recommendation(None, None, "No schemes were compared.", rule, schemes, currency)
    closest = str(min(breaches, key=lambda s: breaches[s]))
    failed = "; ".join(
        r["text"].rstrip(".") for r in schemes[closest]["reasons"] if r["passed"] is False
    )
    choice = f"No scheme passes every test of the rule. The closest is {closest}: {failed}."
    return Recommendation(None, closest, choice, rule, schemes, currency)


def _moves(result: Any) -> dict[str, dict[str, int]]:
    """Per scheme, how many employees gain and lose against the baseline (none: no baseline)."""
    table = getattr(result, "winners_losers", None)
    if table is None or len(table) == 0 or "outcome" not in table.columns:
        return {}
    counts = table.groupby("scheme")["outcome"].value_counts().unstack(fill_value=0)
    moves = {
        str(name): {
            "employees_gaining": int(row.get("winner", 0)),
            "employees_losing": int(row.get("loser", 0)),
            "employees_unchanged": int(row.get("unchanged", 0)),
        }
        for name, row in counts.iterrows()
    }
    baseline = getattr(result, "baseline", None)
    if baseline is not None:  # against itself nobody gains or loses
        everyone = int(table["employee"].nunique()) if "employee" in table.columns else 0
        moves[str(baseline)] = {
            "employees_gaining": 0,
            "employees_losing": 0,
            "employees_unchanged": everyone,
        }
    return moves


def recommend_simulation(result: Any, rule: Any = None) -> Recommendation:
    """:func:`recommend_scheme` on a :class:`kpitools.engine.SimulationResult`.

    Each scheme's entry also keeps the periods it evaluated, its average cost per period,
    with a baseline how many employees gain, lose and stay unchanged against it, and, with a
    forecast, next period's median and 1-in-20 cost, for the report's words.
    """
    p_over, pools, budgets, details = {}, {}, {}, {}
    moves = _moves(result)
    for name, run in result.runs.items():
        periods = run.totals["period"]
        n_periods = int(periods.nunique())
        budget = getattr(run.scheme, "budget", None)
        if budget is not None:
            budgets[name] = float(budget) * n_periods
        if getattr(run.scheme, "pool", None) is not None:
            pools[name] = pool_usage(run.totals["pool_factor"], periods)
        cost = float(run.totals["payout"].sum())
        details[name] = {
            "periods": n_periods,
            "cost_per_period": cost / n_periods if n_periods else None,
            **moves.get(name, {}),
        }
        forecast = result.forecasts.get(name)
        if forecast is not None:
            p_over[name] = forecast.prob_over_budget
            details[name]["forecast_cost_p50"] = forecast.total_cost_p50
            details[name]["forecast_cost_p95"] = forecast.total_cost_p95
    return recommend_scheme(
        result.metrics,
        p_over_budget=p_over,
        pools=pools,
        budgets=budgets,
        rule=rule,
        n_observations=int(len(result.totals) / max(1, len(result.runs))),
        details=details,
        currency=getattr(result, "currency", None),
    )
