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

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .metrics import METRICS, format_metric

__all__ = ["ForecastResult", "forecast", "fit_growth", "resample_periods"]

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
        One row per draw, one column per metric of :data:`kpitools.metrics.METRICS`.
    employees : int
        Employees simulated in each draw.
    growth : Series
        Fitted growth per period of each KPI (1.0 = flat), when ``trend`` is on.
    targets : DataFrame
        The targets set for the forecast period (one row per employee, one column per
        component, gate and modifier).
    warnings : tuple of str
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
        plus a row ``prob_over_budget`` (its value in every column)."""
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
