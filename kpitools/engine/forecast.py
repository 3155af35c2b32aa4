"""Forecast a scheme's cost: simulated next periods resampled from each employee's history.

How one draw is made:

- the employees are those active in the last period of the data;
- for each draw and employee, one of that employee's own past periods (at the scheme's
  period, rolled up like the payout engine does) is picked at random, and **all** of its KPIs
  are taken together, so KPIs keep their correlation (a good month for revenue is a good
  month for units);
- with ``trend=True`` every KPI value is scaled by that KPI's fitted growth from the period it
  was taken from to the forecast period (a log-linear fit of the average per employee and
  period; KPIs with a zero or negative average keep no trend);
- targets are those the scheme's target methods set for the period after the data, from the
  full history (the ``target`` column of the last period, for ``from_data``);
- when the data ends inside a scheme period (monthly data to November, a quarterly scheme),
  the months of that incomplete period are left out (with a note in ``warnings``) and the
  forecast is of that period: two months make no quarter to resample;
- every draw is one period: ``pool`` proration works within a draw.

All draws go through the payout engine at once (in chunks of ``chunk_rows`` employee-draws to
bound memory), and every metric is computed for every draw with whole-array maths. The
history a draw comes from is built in :mod:`kpitools.engine.history`.

Examples
--------
>>> from kpitools.demo import make_demo_company  # doctest: +SKIP
>>> fc = forecast(make_demo_company().data, "templates/schemes/tiered_accelerator.yaml",
...               n=1000, seed=1)  # doctest: +SKIP
>>> fc.summary.loc["total_cost", ["p5", "p50", "p95"]]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from warnings import catch_warnings, simplefilter

import numpy as np
import pandas as pd

from .._util.format import percent
from ..data import format_periods, roll_up
from ..errors import DefinitionError
from ..scheme import Scheme
from .arrays import PayoutInputs
from .compute import compute
from .currency import run_currency
from .describe import format_metric
from .history import (
    drop_partial_last_period,
    fit_growth,
    next_period_rows,
    resample_periods,
    scheme_kpis,
)
from .loading import library_for_run, load_inputs, load_schemes
from .metrics import METRICS, metric_arrays
from .pools import period_funding
from .prepare import prepare
from .scope import has_scope
from .scope_groups import group_roster
from .team_history import group_history, history_kpi
from .thresholds import component_thresholds, near_measures

__all__ = ["ForecastResult", "forecast", "forecast_loaded"]

SUMMARY_QUANTILES = (5, 50, 95)


@dataclass(frozen=True, kw_only=True, repr=False)
class ForecastResult:
    """Distribution of every metric over simulated next periods.

    Attributes
    ----------
    scheme_name : str
    period : str
        The forecast period (the one after the data).
    n : int
        Number of draws.
    seed : int or None
    trend : bool
    budget : float or None
        Budget per period the overrun chance is measured against.
    draws : DataFrame
        One row per draw, one column per metric of :data:`kpitools.engine.METRICS`.
    employees : int
        Employees simulated in each draw.
    growth : Series
        Fitted growth per period of each KPI (1.0 = flat), when ``trend`` is on.
    targets : DataFrame
        The targets set for the forecast period (one row per employee, one column per
        component, gate and modifier).
    warnings : tuple of str
    actuals : DataFrame or None
        With ``keep_actuals=True``: every simulated employee-period (``draw, employee,
        sampled_period`` and one column per KPI, trend applied).
    currency : str or None
        The run's currency (contract §8): shown after money figures.
    """

    scheme_name: str
    period: str
    n: int
    seed: int | None
    trend: bool
    budget: float | None
    draws: pd.DataFrame
    employees: int
    growth: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    targets: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: tuple[str, ...] = ()
    actuals: pd.DataFrame | None = None
    currency: str | None = None

    def _cost_quantile(self, q: float) -> float:
        return float(np.percentile(self.draws["total_cost"].to_numpy(float), q))

    @property
    def total_cost_p5(self) -> float:
        """5th percentile of the total cost per period."""
        return self._cost_quantile(5)

    @property
    def total_cost_p50(self) -> float:
        """Median total cost per period."""
        return self._cost_quantile(50)

    @property
    def total_cost_p95(self) -> float:
        """95th percentile of the total cost per period."""
        return self._cost_quantile(95)

    @property
    def prob_over_budget(self) -> float:
        """Share of draws whose total cost exceeds the budget (NaN without a budget)."""
        if self.budget is None:
            return float("nan")
        return float(np.mean(self.draws["total_cost"].to_numpy(float) > self.budget))

    @property
    def summary(self) -> pd.DataFrame:
        """The distribution of each metric over the draws (NaN draws left out).

        One row per metric: ``mean, p5, p50, p95``; plus a row ``prob_over_budget`` (its
        value in every column).
        """
        values = self.draws[list(METRICS)].to_numpy(float)
        with np.errstate(all="ignore"), catch_warnings():
            simplefilter("ignore", RuntimeWarning)  # a metric that is NaN in every draw
            q = np.nanpercentile(values, SUMMARY_QUANTILES, axis=0)
            mean = np.nanmean(values, axis=0)
        out = pd.DataFrame(
            {"mean": mean, "p5": q[0], "p50": q[1], "p95": q[2]},
            index=pd.Index(list(METRICS), name="metric"),
        )
        out.loc["prob_over_budget"] = self.prob_over_budget
        return out

    def describe(self) -> str:
        """A few lines for the command line: cost quantiles and the chance of overrun."""
        lines = [
            f"Forecast of {self.period} for {self.scheme_name}: {self.n:,} draws × "
            f"{self.employees:,} employees (seed {self.seed}, "
            f"{'with' if self.trend else 'no'} trend)",
            f"  total_cost p5 {format_metric('total_cost', self.total_cost_p5, self.currency)}, "
            f"p50 {format_metric('total_cost', self.total_cost_p50, self.currency)}, "
            f"p95 {format_metric('total_cost', self.total_cost_p95, self.currency)}",
        ]
        if self.budget is not None:
            lines.append(
                f"  chance that cost exceeds the budget of "
                f"{format_metric('total_cost', self.budget, self.currency)}: "
                f"{percent(self.prob_over_budget, 1)}"
            )
        for w in self.warnings:
            first, *rest = w.splitlines() or [""]
            lines.append(f"  note: {first}")
            lines.extend(f"        {line.strip()}" for line in rest)
        return "\n".join(lines)

    def __repr__(self) -> str:
        over = (
            ""
            if self.budget is None
            else f", P(cost > budget) = {percent(self.prob_over_budget, 1)}"
        )
        return (
            f"<kpitools.ForecastResult: {self.scheme_name!r} {self.period}, {self.n:,} draws × "
            f"{self.employees:,} employees, total_cost p50 "
            f"{format_metric('total_cost', self.total_cost_p50, self.currency)}{over}>"
        )

    def _repr_html_(self) -> str:
        head = f"<p><b>Forecast</b> {self.scheme_name}: {self.period}, {self.n:,} draws</p>"
        return head + self.summary.to_html(float_format=lambda v: f"{v:,.4g}")


def forecast(
    data: Any,
    scheme: Any,
    n: int = 1000,
    seed: int | None = None,
    trend: bool = False,
    *,
    library: Any = None,
    budget: float | None = None,
    chunk_rows: int = 1_000_000,
    keep_actuals: bool = False,
    currency: str | None = None,
) -> ForecastResult:
    """Simulate ``n`` next periods of a scheme from each employee's own history.

    See the module docstring for how a draw is made.

    Parameters
    ----------
    data : str, path or DataFrame
        Historical data (loaded with :func:`kpitools.data.load`).
    scheme : Scheme, path or mapping
        The scheme.
    n : int
        Number of simulated periods (draws).
    seed : int, optional
        Seed of :func:`numpy.random.default_rng`: the same seed gives the same draws.
    trend : bool
        Scale each KPI by its fitted growth (:func:`kpitools.engine.fit_growth`).
    library : optional
        KPI library, as for :func:`kpitools.engine.prepare`.
    budget : float, optional
        Budget per period for the overrun chance; the scheme's ``budget`` by default.
    chunk_rows : int
        Employee-draws computed at once (bounds memory).
    keep_actuals : bool
        Keep every simulated employee-period's KPIs in ``ForecastResult.actuals`` (for
        small ``n``: it holds n × employees rows).
    currency : str, optional
        The run's currency over the scheme's ``currency:`` (contract §8); amounts in other
        currencies are converted with the scheme's ``fx:``.

    Returns
    -------
    ForecastResult

    Examples
    --------
    One employee with three months of history: each draw pays one of them again.

    >>> data = pd.DataFrame({"employee": ["a"] * 3, "period": ["2025-01", "2025-02", "2025-03"],
    ...                      "kpi": ["sales"] * 3, "actual": [80.0, 100.0, 120.0]})
    >>> scheme = {"name": "s", "on_target_pay": 1000, "components": [
    ...     {"kpi": "sales", "weight": 1, "target": 100, "curve": {"points": [[0, 0], [2, 2]]}}]}
    >>> fc = forecast(data, scheme, n=1000, seed=1, library=False)
    >>> fc.period, sorted(set(fc.draws["total_cost"])), fc.total_cost_p50
    ('2025-04', [800.0, 1000.0, 1200.0], 1000.0)
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise DefinitionError(
            f"forecast: n = {n!r}: the number of simulated periods must be a whole number of at "
            "least 1.\nSuggestion: use e.g. n=1000."
        )
    (scheme,) = load_schemes(scheme)
    library = library_for_run(library)
    run = run_currency([scheme], override=currency)
    table, load_warnings, _ = load_inputs(data, library=library, currency=run)
    return forecast_loaded(
        table,
        scheme,
        n=int(n),
        seed=seed,
        trend=trend,
        library=library,
        budget=budget,
        chunk_rows=chunk_rows,
        keep_actuals=keep_actuals,
        warnings=[*run.notes, *load_warnings],
        currency=run.code,
    )


def forecast_loaded(
    table: pd.DataFrame,
    scheme: Scheme,
    *,
    n: int,
    seed: int | None,
    trend: bool,
    library: Any,
    budget: float | None = None,
    chunk_rows: int = 1_000_000,
    keep_actuals: bool = False,
    warnings: Sequence[str] = (),
    currency: str | None = None,
    roster: Any = None,
) -> ForecastResult:
    """:func:`forecast` on a long table that is already loaded and validated.

    ``library`` is a resolved library or ``False`` (see
    :func:`kpitools.engine.library_for_run`); ``warnings`` are carried into the result,
    ``currency`` (the run's, its amounts already converted) labels its money, and
    ``roster`` gives pay per person and prorates the next period (leavers gone, part-timers
    at their FTE).
    :func:`kpitools.engine.simulate` calls this so that the data is loaded once.
    """
    present = set(pd.unique(table["kpi"].astype(str)).tolist())
    kpis = [k for k in scheme_kpis(scheme) if k in present]
    table, note = drop_partial_last_period(table, scheme, kpis)
    notes = list(warnings) + ([note] if note else [])
    placeholders, nxt, label = next_period_rows(table, scheme, kpis)
    extended = pd.concat([table, placeholders], ignore_index=True)
    nxt_inputs = prepare(
        extended, scheme, periods=(label, label), library=library, roster=roster
    ).replace(timeline=None)  # one simulated period at a time: it pays what it earns
    if not len(nxt_inputs.keys):
        reasons = "; ".join(nxt_inputs.skipped["reason"].astype(str))
        raise DefinitionError(
            f"{scheme.source}: no targets can be set for {label}: {reasons or 'no data'}.\n"
            "Suggestion: check the scheme's target methods against the data's history."
        )
    extra = None
    if has_scope(scheme):  # a team's or a manager's reports' past (engine.team_history)
        people = nxt_inputs.keys["employee"].unique()
        extra = group_history(table, scheme, people, group_roster(scheme, roster, table), library)
    history = _History.build(
        table, scheme, kpis, nxt_inputs, nxt, trend=trend, library=library, extra=extra
    )
    notes += history.limits(scheme.period)
    budget = scheme.budget if budget is None else float(budget)
    draws = _Draws(scheme, nxt_inputs, history, budget=budget, keep_actuals=keep_actuals)
    rng = np.random.default_rng(seed)
    per_chunk = max(1, int(chunk_rows) // max(history.n_employees, 1))
    done = 0
    while done < n:
        size = min(per_chunk, n - done)
        draws.add(resample_periods(history.counts, size, rng).reshape(-1), size, done)
        done += size
    notes += draws.missing_notes(n)
    keys = nxt_inputs.keys
    targets = keys[["employee", "role"]].copy()
    for i in range(len(scheme.components)):
        targets[f"target_{scheme.component_label(i)}"] = nxt_inputs.target[i]
    return ForecastResult(
        scheme_name=scheme.name,
        period=label,
        n=int(n),
        seed=seed,
        trend=bool(trend),
        budget=budget,
        draws=draws.table(),
        employees=history.n_employees,
        growth=history.growth,
        targets=targets,
        warnings=tuple(notes),
        actuals=pd.concat(draws.kept, ignore_index=True) if keep_actuals else None,
        currency=currency,
    )


@dataclass(frozen=True, eq=False)
class _History:
    """Each forecast employee's past periods at the scheme's period, one column per KPI."""

    employees: np.ndarray  # the employees of the forecast, in the order of its keys
    kpis: list[str]
    values: np.ndarray  # (history rows, KPIs), sorted by employee then period; trend applied
    period: np.ndarray  # the period (ordinal) of each history row
    counts: np.ndarray  # history rows per employee
    growth: pd.Series
    fitted_on: pd.Series  # with a trend: periods each KPI's growth was fitted on

    @property
    def n_employees(self) -> int:
        """Employees simulated in each draw."""
        return len(self.employees)

    @classmethod
    def build(cls, table, scheme, kpis, nxt_inputs, nxt, *, trend, library, extra=None):
        """The history of the employees of ``nxt_inputs``, rolled up like the engine does.

        ``extra`` (rolled-up ``employee, period, kpi, actual`` rows) adds columns: the groups'
        past of team and manager pay (:func:`kpitools.engine.team_history.group_history`).
        """
        employees = nxt_inputs.keys["employee"].astype(str).to_numpy()
        sub = table[table["kpi"].astype(str).isin(kpis).to_numpy()]
        rolled = roll_up(sub, scheme.period, library=None if library is False else library).values
        if extra is not None and len(extra):
            columns = ["employee", "period", "kpi", "actual"]
            rolled = pd.concat([rolled[columns].astype(object), extra], ignore_index=True)
            kpis = [*kpis, *pd.unique(extra["kpi"]).tolist()]
        wide = rolled.pivot_table(
            index=["employee", "period"], columns="kpi", values="actual", aggfunc="first"
        )
        wide = wide.reindex(columns=kpis)
        emp_level = wide.index.get_level_values("employee").astype(str)
        position = pd.Series(np.arange(len(employees)), index=employees)
        pos = position.reindex(emp_level).to_numpy(float)
        keep = ~np.isnan(pos)
        order = np.lexsort((wide.index.get_level_values("period").to_numpy()[keep], pos[keep]))
        hist = wide[keep].iloc[order]
        hist_pos = pos[keep][order].astype(np.int64)
        hist_period = hist.index.get_level_values("period").to_numpy(np.int64)
        values = hist.to_numpy(float)
        growth = pd.Series(dtype=float)
        fitted_on = pd.Series(dtype="int64")
        if trend:
            growth = fit_growth(rolled[["period", "kpi", "actual"]]).reindex(kpis).fillna(1.0)
            fitted_on = rolled.groupby("kpi")["period"].nunique().reindex(kpis).dropna()
            steps = (nxt - hist_period).astype(float)
            values = values * np.power(growth.to_numpy(float)[None, :], steps[:, None])
        return cls(
            employees=employees,
            kpis=kpis,
            values=values,
            period=hist_period,
            counts=np.bincount(hist_pos, minlength=len(employees)),
            growth=growth,
            fitted_on=fitted_on.astype("int64"),
        )

    def limits(self, period: str) -> list[str]:
        """What the history is too short for: a trend fit, a spread of draws."""
        notes = [
            f"trend of {kpi}: fitting a growth needs at least 2 {period}s of history; found "
            f"{n}, so no trend is applied to it."
            for kpi, n in self.fitted_on.items()
            if n < 2
        ]
        single = self.employees[self.counts == 1]
        if single.size:
            shown = ", ".join(sorted(single.astype(str))[:6])
            more = f" and {single.size - 6} more" if single.size > 6 else ""
            notes.append(
                f"{single.size} of {self.n_employees} employees have only 1 past {period} to "
                f"resample ({shown}{more}): every draw repeats it, so their pay has no spread."
            )
        return notes

    def take(self, kpi: str | None, idx: np.ndarray) -> np.ndarray:
        """A KPI's values in the history rows ``idx`` (NaN for a KPI the data lacks)."""
        if kpi in self.kpis:
            return self.values[idx, self.kpis.index(kpi)]
        return np.full(idx.size, np.nan)


class _Draws:
    """The draws of a forecast, chunk by chunk: every metric per draw."""

    def __init__(self, scheme, nxt_inputs, history: _History, *, budget, keep_actuals):
        self.scheme = scheme
        self.nxt = nxt_inputs
        self.history = history
        self.budget = budget
        self.keep_actuals = keep_actuals
        self.thresholds = component_thresholds(scheme)
        self.parts: list[dict[str, np.ndarray]] = []
        self.missing = np.zeros(len(scheme.components))
        self.kept: list[pd.DataFrame] = []

    def inputs(self, idx: np.ndarray, size: int, done: int) -> PayoutInputs:
        """The engine's inputs of ``size`` draws (from draw ``done`` on) of history rows."""
        scheme, nxt, h = self.scheme, self.nxt, self.history
        n_emp = h.n_employees

        def tile(arrays):
            return tuple(np.tile(a, size) for a in arrays)

        actual = tuple(h.take(history_kpi(c), idx) for c in scheme.components)
        self.missing += [np.isnan(a).sum() for a in actual]
        keys = {
            "employee": pd.Categorical.from_codes(
                np.tile(np.arange(n_emp), size), categories=h.employees
            ),
            "draw": np.repeat(np.arange(done, done + size), n_emp),
        }
        if any(c.active is not None for c in scheme.components):  # a SPIF's window
            keys["period"] = np.tile(nxt.keys["period"].to_numpy(dtype=object), size)
        funded = scheme.pool.funded_by if scheme.pool is not None else None
        code = np.repeat(np.arange(size, dtype=np.int64), n_emp)
        return nxt.replace(
            keys=pd.DataFrame(keys),
            pool_actual=None if funded is None else period_funding(h.take(funded.kpi, idx), code),
            actual=actual,
            target=tile(nxt.target),
            gate_actual=tuple(h.take(history_kpi(g), idx) for g in scheme.gates),
            gate_target=tile(nxt.gate_target),
            modifier_actual=tuple(h.take(history_kpi(m), idx) for m in scheme.modifiers),
            modifier_target=tile(nxt.modifier_target),
            on_target_pay=np.tile(nxt.on_target_pay, size),
            revenue=h.take(scheme.revenue_kpi, idx),
            period_code=code,
            proration=None if nxt.proration is None else np.tile(nxt.proration, size),
        )

    def add(self, idx: np.ndarray, size: int, done: int) -> None:
        """Compute ``size`` more draws from the history rows ``idx`` (size × employees)."""
        scheme, h = self.scheme, self.history
        inputs = self.inputs(idx, size, done)
        arrays = compute(scheme, inputs)
        if self.keep_actuals:
            self.kept.append(
                pd.DataFrame(
                    {
                        "draw": inputs.keys["draw"].to_numpy(),
                        "employee": np.tile(h.employees, size),
                        "sampled_period": format_periods(h.period[idx], scheme.period),
                        **{k: h.take(k, idx) for k in h.kpis},
                    }
                )
            )
        shape = (size, h.n_employees)
        self.parts.append(
            metric_arrays(
                arrays.payout.reshape(shape),
                inputs.on_target_pay.reshape(shape),
                arrays.weighted_attainment.reshape(shape),
                revenue=inputs.revenue.reshape(shape),
                component_attainment=[
                    a.reshape(shape)
                    for a in near_measures(scheme, arrays.attainment, inputs.actual)
                ],
                thresholds=self.thresholds,
                n_employees=h.n_employees,
                n_periods=1,
                budget=self.budget,
            )
        )

    def table(self) -> pd.DataFrame:
        """One row per draw, one column per metric."""
        draws = pd.DataFrame({m: np.concatenate([p[m] for p in self.parts]) for m in METRICS})
        draws.index.name = "draw"
        return draws

    def missing_notes(self, n: int) -> list[str]:
        """A note per component whose sampled past periods lack its KPI."""
        total = n * self.history.n_employees
        return [
            f"components[{i}] ({c.kpi}): {percent(self.missing[i] / total, 1)} of the simulated "
            "employee-periods have no actual (the sampled past period lacks the KPI); the "
            "component pays 0 there."
            for i, c in enumerate(self.scheme.components)
            if self.missing[i]
        ]
