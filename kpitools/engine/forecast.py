"""Forecast a scheme's cost: simulated next periods resampled from each employee's history.

How one draw is made (contract §5):

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
bound memory), and every metric is computed for every draw with whole-array maths.

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

import numpy as np
import pandas as pd

from .metrics import METRICS, format_metric

__all__ = ["ForecastResult", "forecast", "forecast_loaded", "fit_growth", "resample_periods"]

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
        One row per draw, one column per metric of :data:`kpitools.engine.metrics.METRICS`.
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
        """One row per metric: ``mean, p5, p50, p95`` over the draws (NaN draws left out);
        plus a row ``prob_over_budget`` (its value in every column).
        """
        values = self.draws[list(METRICS)].to_numpy(float)
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
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
            f"  total_cost p5 {format_metric('total_cost', self.total_cost_p5)}, "
            f"p50 {format_metric('total_cost', self.total_cost_p50)}, "
            f"p95 {format_metric('total_cost', self.total_cost_p95)}",
        ]
        if self.budget is not None:
            lines.append(
                f"  chance that cost exceeds the budget of "
                f"{format_metric('total_cost', self.budget)}: {self.prob_over_budget:.1%}"
            )
        for w in self.warnings:
            first, *rest = w.splitlines() or [""]
            lines.append(f"  note: {first}")
            lines.extend(f"        {line.strip()}" for line in rest)
        return "\n".join(lines)

    def __repr__(self) -> str:
        over = "" if self.budget is None else f", P(cost > budget) = {self.prob_over_budget:.1%}"
        return (
            f"<kpitools.ForecastResult: {self.scheme_name!r} {self.period}, {self.n:,} draws × "
            f"{self.employees:,} employees, total_cost p50 "
            f"{format_metric('total_cost', self.total_cost_p50)}{over}>"
        )

    def _repr_html_(self) -> str:
        head = f"<p><b>Forecast</b> {self.scheme_name}: {self.period}, {self.n:,} draws</p>"
        return head + self.summary.to_html(float_format=lambda v: f"{v:,.4g}")


def resample_periods(counts: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """For each draw and employee, the row of one of that employee's own past periods.

    Parameters
    ----------
    counts : array of int
        Number of past periods of each employee; employee ``e``'s rows are
        ``start[e] … start[e] + counts[e] - 1`` in a table sorted by employee.
    n : int
        Number of draws.
    rng : numpy Generator

    Returns
    -------
    ndarray of int, shape (n, employees)
        Row numbers into the history table.

    Examples
    --------
    >>> idx = resample_periods(np.array([2, 1]), 3, np.random.default_rng(0))
    >>> idx.shape, set(idx[:, 1].tolist())
    ((3, 2), {2})
    """
    counts = np.asarray(counts, dtype=np.int64)
    start = np.concatenate(([0], np.cumsum(counts)[:-1]))
    u = rng.random((n, len(counts)))
    pick = np.minimum((u * counts).astype(np.int64), counts - 1)
    return start + pick


def fit_growth(history: pd.DataFrame) -> pd.Series:
    """Growth per period of each KPI: exp(slope) of log(mean per employee) against period.

    Parameters
    ----------
    history : DataFrame
        ``period`` (integer ordinal), ``kpi``, ``actual``.

    Returns
    -------
    Series
        KPI → growth factor per period (1.0 where the mean is ever ≤ 0 or fewer than two
        periods are known).

    Examples
    --------
    >>> h = pd.DataFrame({"period": [0, 1, 2], "kpi": "x", "actual": [100.0, 110.0, 121.0]})
    >>> round(float(fit_growth(h)["x"]), 6)
    1.1
    """
    means = history.groupby(["kpi", "period"], sort=True)["actual"].mean()
    out = {}
    for kpi, series in means.groupby(level="kpi", sort=False):
        y = series.to_numpy(float)
        x = series.index.get_level_values("period").to_numpy(float)
        if len(y) < 2 or not np.all(np.isfinite(y)) or np.any(y <= 0):
            out[kpi] = 1.0
            continue
        slope = np.polyfit(x, np.log(y), 1)[0]
        out[kpi] = float(np.exp(slope))
    return pd.Series(out, name="growth", dtype=float)


# --------------------------------------------------------------------------- forecast
_ATTRIBUTES = ("role", "team", "region", "manager")


def _scheme_kpis(scheme: Any) -> list[str]:
    kpis = [c.kpi for c in scheme.components]
    kpis += [g.kpi for g in scheme.gates] + [m.kpi for m in scheme.modifiers]
    if scheme.revenue_kpi:
        kpis.append(scheme.revenue_kpi)
    return list(dict.fromkeys(kpis))


def _next_period_rows(
    table: pd.DataFrame, scheme: Any, kpis: list[str]
) -> tuple[pd.DataFrame, int, str]:
    """Placeholder rows for every month (or quarter) of the period after the data.

    One row per employee active in the data's last scheme period × KPI × month of the next
    period, ``actual`` 0 (only the targets are wanted from them), the last ``target`` in force
    carried forward, and the employee's latest grouping attributes.
    """
    from ..data import convert, format_period, period_ordinals
    from ..errors import DefinitionError

    kinds, ords, _bad = period_ordinals(table["period"])
    data_kind = str(kinds[0]) if len(kinds) else scheme.period
    scheme_ords = convert(ords, data_kind, scheme.period)
    last = int(scheme_ords.max())
    nxt = last + 1
    in_scope = table["kpi"].astype(str).isin(kpis).to_numpy()
    comp_kpis = {c.kpi for c in scheme.components}
    active_mask = (scheme_ords == last) & table["kpi"].astype(str).isin(comp_kpis).to_numpy()
    active = pd.unique(table["employee"].astype(str).to_numpy()[active_mask])
    if not len(active):
        raise DefinitionError(
            f"{scheme.source}: nobody has an actual for the scheme's KPIs in the data's last "
            f"period ({format_period(last, scheme.period)}), so there is nobody to forecast.\n"
            "Suggestion: check that the data reaches the latest period."
        )
    hist = table[in_scope].assign(_ord=ords[in_scope]).sort_values("_ord", kind="stable")
    hist = hist[hist["employee"].astype(str).isin(active).to_numpy()]
    last_target = (
        hist.groupby([hist["employee"].astype(str), hist["kpi"].astype(str)])["target"].last()
        if "target" in hist
        else None
    )
    attrs = [a for a in _ATTRIBUTES if a in table.columns]
    latest = hist.groupby(hist["employee"].astype(str))[attrs].last() if attrs else None
    ratio = {"month": 1, "quarter": 3, "year": 12}
    per_scheme = ratio[scheme.period] // ratio[data_kind]
    labels = [format_period(nxt * per_scheme + k, data_kind) for k in range(per_scheme)]
    emp = np.repeat(active, len(kpis) * len(labels))
    kpi = np.tile(np.repeat(np.asarray(kpis, dtype=object), len(labels)), len(active))
    period = np.tile(np.asarray(labels, dtype=object), len(active) * len(kpis))
    rows = pd.DataFrame({"employee": emp, "period": period, "kpi": kpi, "actual": 0.0})
    if last_target is not None:
        idx = pd.MultiIndex.from_arrays([rows["employee"], rows["kpi"]])
        rows["target"] = last_target.reindex(idx).to_numpy(float)
    for a in attrs:
        rows[a] = latest[a].reindex(rows["employee"]).to_numpy(dtype=object)
    return rows, nxt, format_period(nxt, scheme.period)


def _drop_partial_last_period(
    table: pd.DataFrame, scheme: Any, kpis: list[str]
) -> tuple[pd.DataFrame, str]:
    """The data without its last scheme period when the data covers only part of it.

    Data to the end of November under a quarterly scheme: October and November make no
    quarter to resample (their sums are two thirds of one) nor a base for the next quarter's
    targets. The forecast is then of that quarter itself, from the whole quarters before it.
    """
    from ..data import KINDS, convert, format_period, months_in, period_ordinals

    kinds, ords, _bad = period_ordinals(table["period"])
    if not len(ords):
        return table, ""
    data_kind = str(kinds[0])
    if data_kind not in KINDS or KINDS.index(data_kind) >= KINDS.index(scheme.period):
        return table, ""
    in_scope = table["kpi"].astype(str).isin(kpis).to_numpy()
    if not in_scope.any():
        return table, ""
    n_sub = months_in(scheme.period) // months_in(data_kind)
    scheme_ords = convert(ords, data_kind, scheme.period)
    last = int(scheme_ords[in_scope].max())
    have = int(ords[in_scope].max())
    earlier = in_scope & (scheme_ords < last)
    if have >= (last + 1) * n_sub - 1 or not earlier.any():
        return table, ""
    first = format_period(last * n_sub, data_kind)
    upto = format_period(have, data_kind)
    span = first if first == upto else f"{first} to {upto}"
    note = (
        f"the data ends inside {format_period(last, scheme.period)} ({span} only): those "
        f"{data_kind}s are left out, so that the forecast of "
        f"{format_period(last, scheme.period)} resamples whole {scheme.period}s."
    )
    return table[scheme_ords < last], note


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
) -> ForecastResult:
    """Simulate ``n`` next periods of a scheme from each employee's own history.

    See the module docstring for how a draw is made.

    Parameters
    ----------
    data : str, path or DataFrame
        Historical data (loaded with :func:`kpitools.data.load`).
    scheme : Scheme, path or mapping
    n : int
        Number of simulated periods (draws).
    seed : int, optional
        Seed of :func:`numpy.random.default_rng`: the same seed gives the same draws.
    trend : bool
        Scale each KPI by its fitted growth (:func:`fit_growth`).
    library : optional
        KPI library, as for :func:`kpitools.engine.payout.prepare`.
    budget : float, optional
        Budget per period for the overrun chance; the scheme's ``budget`` by default.
    chunk_rows : int
        Employee-draws computed at once (bounds memory).
    keep_actuals : bool
        Keep every simulated employee-period's KPIs in ``ForecastResult.actuals`` (for
        small ``n``: it holds n × employees rows).

    Returns
    -------
    ForecastResult

    Examples
    --------
    >>> fc = forecast("data.csv", "scheme.yaml", n=10_000, seed=42)  # doctest: +SKIP
    >>> fc.total_cost_p50, fc.prob_over_budget  # doctest: +SKIP
    """
    from ..errors import DefinitionError
    from .metrics import _load_schemes, load_data_with_warnings, resolve_library

    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise DefinitionError(
            f"forecast: n = {n!r}: the number of simulated periods must be a whole number of at "
            "least 1.\nSuggestion: use e.g. n=1000."
        )
    (scheme,) = _load_schemes(scheme)
    library = resolve_library(library)
    table, load_warnings = load_data_with_warnings(data, library=library)
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
        warnings=load_warnings,
    )


def forecast_loaded(
    table: pd.DataFrame,
    scheme: Any,
    *,
    n: int,
    seed: int | None,
    trend: bool,
    library: Any,
    budget: float | None = None,
    chunk_rows: int = 1_000_000,
    keep_actuals: bool = False,
    warnings: Sequence[str] = (),
) -> ForecastResult:
    """:func:`forecast` on a long table that is already loaded and validated.

    ``library`` is a resolved library or ``False``
    (see :func:`kpitools.engine.metrics.resolve_library`);
    ``warnings`` are carried into the result. :func:`kpitools.engine.metrics.simulate` calls this so
    that the data is loaded once.
    """
    from ..data import format_periods, roll_up
    from ..errors import DefinitionError
    from .metrics import _component_thresholds, _near_measures, metric_arrays
    from .payout import compute, prepare

    lib = None if library is False else library
    load_warnings = list(warnings)
    present = set(pd.unique(table["kpi"].astype(str)).tolist())
    kpis = [k for k in _scheme_kpis(scheme) if k in present]
    table, note = _drop_partial_last_period(table, scheme, kpis)
    if note:
        load_warnings.append(note)
    placeholders, nxt, label = _next_period_rows(table, scheme, kpis)
    extended = pd.concat([table, placeholders], ignore_index=True)
    # ``lib`` is None when there is no library; prepare() reads None as "the shipped one".
    nxt_inputs = prepare(
        extended, scheme, periods=(label, label), library=False if lib is None else lib
    )
    keys = nxt_inputs.keys
    if not len(keys):
        reasons = "; ".join(nxt_inputs.skipped["reason"].astype(str))
        raise DefinitionError(
            f"{scheme.source}: no targets can be set for {label}: {reasons or 'no data'}.\n"
            "Suggestion: check the scheme's target methods against the data's history."
        )
    employees = keys["employee"].astype(str).to_numpy()

    # History at the scheme's period, one row per employee-period, one column per KPI.
    sub = table[table["kpi"].astype(str).isin(kpis).to_numpy()]
    rolled = roll_up(sub, scheme.period, library=lib).values
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
    counts = np.bincount(hist_pos, minlength=len(employees))
    values = hist.to_numpy(float)  # (history rows, KPIs)
    growth = pd.Series(dtype=float)
    if trend:
        growth = fit_growth(rolled[["period", "kpi", "actual"]]).reindex(kpis).fillna(1.0)
        steps = (nxt - hist_period).astype(float)
        values = values * np.power(growth.to_numpy(float)[None, :], steps[:, None])
    col = {k: i for i, k in enumerate(kpis)}

    budget = scheme.budget if budget is None else float(budget)
    thresholds = _component_thresholds(scheme)
    rng = np.random.default_rng(seed)
    n_emp = len(employees)
    per_chunk = max(1, int(chunk_rows) // max(n_emp, 1))
    parts: list[dict[str, np.ndarray]] = []
    missing = np.zeros(len(scheme.components))
    kept: list[pd.DataFrame] = []

    def tile(arrays):
        return tuple(np.tile(a, size) for a in arrays)

    done = 0
    while done < n:
        size = min(per_chunk, n - done)
        idx = resample_periods(counts, size, rng).reshape(-1)  # (size × employees,)

        def take(kpi, idx=idx):
            return values[idx, col[kpi]] if kpi in col else np.full(idx.size, np.nan)

        actual = tuple(take(c.kpi) for c in scheme.components)
        missing += [np.isnan(a).sum() for a in actual]
        inputs = nxt_inputs.replace(
            keys=pd.DataFrame(
                {
                    "employee": pd.Categorical.from_codes(
                        np.tile(np.arange(n_emp), size), categories=employees
                    ),
                    "draw": np.repeat(np.arange(done, done + size), n_emp),
                }
            ),
            actual=actual,
            target=tile(nxt_inputs.target),
            gate_actual=tuple(take(g.kpi) for g in scheme.gates),
            gate_target=tile(nxt_inputs.gate_target),
            modifier_actual=tuple(take(m.kpi) for m in scheme.modifiers),
            modifier_target=tile(nxt_inputs.modifier_target),
            on_target_pay=np.tile(nxt_inputs.on_target_pay, size),
            revenue=(take(scheme.revenue_kpi) if scheme.revenue_kpi else np.full(idx.size, np.nan)),
            period_code=np.repeat(np.arange(size, dtype=np.int64), n_emp),
        )
        arrays = compute(scheme, inputs)
        if keep_actuals:
            kept.append(
                pd.DataFrame(
                    {
                        "draw": inputs.keys["draw"].to_numpy(),
                        "employee": np.tile(employees, size),
                        "sampled_period": format_periods(hist_period[idx], scheme.period),
                        **{k: values[idx, col[k]] for k in kpis},
                    }
                )
            )
        shape = (size, n_emp)
        parts.append(
            metric_arrays(
                arrays.payout.reshape(shape),
                inputs.on_target_pay.reshape(shape),
                arrays.weighted_attainment.reshape(shape),
                revenue=inputs.revenue.reshape(shape),
                component_attainment=[
                    a.reshape(shape)
                    for a in _near_measures(scheme, arrays.attainment, inputs.actual)
                ],
                thresholds=thresholds,
                n_employees=n_emp,
                n_periods=1,
                budget=budget,
            )
        )
        done += size
    draws = pd.DataFrame({m: np.concatenate([p[m] for p in parts]) for m in METRICS})
    draws.index.name = "draw"
    warnings = list(load_warnings)
    for i, c in enumerate(scheme.components):
        if missing[i]:
            warnings.append(
                f"components[{i}] ({c.kpi}): {missing[i] / (n * n_emp):.1%} of the simulated "
                "employee-periods have no actual (the sampled past period lacks the KPI); the "
                "component pays 0 there."
            )
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
        draws=draws,
        employees=n_emp,
        growth=growth,
        targets=targets,
        warnings=tuple(warnings),
        actuals=pd.concat(kept, ignore_index=True) if keep_actuals else None,
    )
