"""The history a forecast draws from, and the period it forecasts.

A forecast resamples each employee's own past periods (:func:`resample_periods`), optionally
scaled by each KPI's fitted growth (:func:`fit_growth`); the targets are those the scheme's
target methods set for the period after the data, from placeholder rows
(:func:`next_period_rows`); data that ends inside a scheme period loses that partial period
first (:func:`drop_partial_last_period`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..data import KINDS, convert, format_period, months_in, period_ordinals
from ..errors import DefinitionError

__all__ = [
    "drop_partial_last_period",
    "fit_growth",
    "next_period_rows",
    "resample_periods",
    "scheme_kpis",
]


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


_ATTRIBUTES = ("role", "team", "region", "manager")


def scheme_kpis(scheme: Any) -> list[str]:
    """Every KPI a scheme reads (components, gates, modifiers, ``revenue_kpi``, a pool's)."""
    kpis = [c.kpi for c in scheme.components]
    kpis += [g.kpi for g in scheme.gates] + [m.kpi for m in scheme.modifiers]
    if scheme.revenue_kpi:
        kpis.append(scheme.revenue_kpi)
    if scheme.pool is not None and scheme.pool.funded_by is not None:
        kpis.append(scheme.pool.funded_by.kpi)
    return list(dict.fromkeys(kpis))


def next_period_rows(
    table: pd.DataFrame, scheme: Any, kpis: list[str]
) -> tuple[pd.DataFrame, int, str]:
    """Placeholder rows for every month (or quarter) of the period after the data.

    One row per employee active in the data's last scheme period × KPI × month of the next
    period, ``actual`` 0 (only the targets are wanted from them), the last ``target`` in force
    carried forward, and the employee's latest grouping attributes.

    Returns
    -------
    rows : pandas.DataFrame
        The placeholder rows, in the long table's columns.
    next_period : int
        The ordinal of the period after the data, at the scheme's period.
    label : str
        Its label (``2027-01``, ``2027-Q1``).
    """
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
    per_scheme = months_in(scheme.period) // months_in(data_kind)
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


def drop_partial_last_period(
    table: pd.DataFrame, scheme: Any, kpis: list[str]
) -> tuple[pd.DataFrame, str]:
    """The data without its last scheme period when the data covers only part of it.

    Data to the end of November under a quarterly scheme: October and November make no
    quarter to resample (their sums are two thirds of one) nor a base for the next quarter's
    targets. The forecast is then of that quarter itself, from the whole quarters before it.
    """
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
