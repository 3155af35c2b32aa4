"""Comparing schemes with a baseline: who wins, who loses, and what it costs.

:func:`winners_losers` compares each employee's total pay under each scheme with the
baseline scheme's; :func:`compare_schemes` adds the cost change and the winner and loser
counts to each scheme's metrics.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DefinitionError
from .hints import suggest_name

__all__ = ["WINNERS_COLUMNS", "compare_schemes", "winners_losers"]

_SAME = 0.5  # RUB: differences below half a ruble are "unchanged"

#: The columns of the winners and losers table (``winners_losers.csv``), in order.
WINNERS_COLUMNS: tuple[str, ...] = (
    "scheme",
    "employee",
    "baseline",
    "baseline_total",
    "scheme_total",
    "difference",
    "difference_pct",
    "outcome",
    "periods_compared",
)


def winners_losers(totals: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per employee: total pay under each scheme against the baseline scheme.

    Each scheme is compared with the baseline over the periods **both** evaluated (a scheme
    whose targets need a year of history starts later); only when they share no period (a
    monthly and a quarterly scheme) are their totals over their own periods compared.

    Parameters
    ----------
    totals : DataFrame
        Totals of every scheme (``scheme, employee, period, payout``; one row per
        employee-period).
    baseline : str
        The scheme everything is compared with.

    Returns
    -------
    DataFrame
        One row per employee and non-baseline scheme: ``scheme, employee, baseline,
        baseline_total, scheme_total, difference, difference_pct, outcome,
        periods_compared`` where ``outcome`` is ``winner``, ``loser`` or ``unchanged``
        (within half a ruble). An employee evaluated under only one of the two schemes
        counts as paid 0 by the other.

    Examples
    --------
    >>> t = pd.DataFrame({"scheme": ["A", "A", "B", "B"], "employee": ["1", "2", "1", "2"],
    ...                   "period": ["2025-01"] * 4, "payout": [100.0, 50.0, 120.0, 40.0]})
    >>> winners_losers(t, "A")["outcome"].tolist()
    ['winner', 'loser']
    """
    scheme_col = totals["scheme"].astype(str)
    schemes = pd.unique(scheme_col).tolist()  # in order of appearance, without a Python loop
    if baseline not in schemes:
        raise DefinitionError(
            f"Baseline scheme {baseline!r} is not among the simulated schemes."
            f"{suggest_name(baseline, schemes)}\n"
            f"Suggestion: use one of {', '.join(repr(s) for s in schemes)}."
        )
    if len(schemes) == 1:
        return _empty_winners()
    period_col = totals["period"].astype(str)
    periods = {n: set(pd.unique(g).tolist()) for n, g in period_col.groupby(scheme_col, sort=False)}
    frames = []
    for name in schemes:
        if name == baseline:
            continue
        common = periods[name] & periods[baseline]
        pair = scheme_col.isin([name, baseline])
        if common:
            pair &= period_col.isin(common)
        sub = totals[pair.to_numpy()]
        per = sub.groupby([sub["employee"], scheme_col[pair]], sort=False)["payout"].sum()
        wide = per.unstack(-1).reindex(columns=[baseline, name]).fillna(0.0).sort_index()
        compared = len(common) if common else len(periods[name])
        frames.append(_against_baseline(wide, name, baseline, compared))
    return pd.concat(frames, ignore_index=True)[list(WINNERS_COLUMNS)]


def _against_baseline(wide: pd.DataFrame, name: str, baseline: str, compared: int):
    """The rows of one scheme: each employee's total against the baseline's (``wide``)."""
    # sums of cents, rounded so that the CSV shows 416.67, not 416.66999999999996
    base = np.round(wide[baseline].to_numpy(float), 2)
    other = np.round(wide[name].to_numpy(float), 2)
    diff = np.round(other - base, 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(base > 0, diff / np.where(base > 0, base, 1.0), np.nan)
    outcome = np.where(diff >= _SAME, "winner", np.where(diff <= -_SAME, "loser", "unchanged"))
    return pd.DataFrame(
        {
            "scheme": name,
            "employee": wide.index.to_numpy(),
            "baseline": baseline,
            "baseline_total": base,
            "scheme_total": other,
            "difference": diff,
            "difference_pct": pct,
            "outcome": outcome,
            "periods_compared": compared,
        }
    )


def _empty_winners() -> pd.DataFrame:
    empty = {c: pd.Series(dtype=float) for c in WINNERS_COLUMNS}
    for c in ("scheme", "employee", "baseline", "outcome"):
        empty[c] = pd.Series(dtype=str)
    empty["periods_compared"] = pd.Series(dtype="int64")
    return pd.DataFrame(empty)[list(WINNERS_COLUMNS)]


def compare_schemes(metrics: pd.DataFrame, winners: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """One row per scheme: its metrics, the cost change and winners/losers against a baseline.

    Parameters
    ----------
    metrics : DataFrame
        Metrics per scheme (index ``scheme``).
    winners : DataFrame
        The output of :func:`winners_losers`.
    baseline : str
        The baseline scheme.

    Returns
    -------
    DataFrame
        ``metrics`` plus ``baseline, periods_compared, cost_change, cost_change_pct, winners,
        losers, unchanged, share_winners, share_losers``. The cost change is summed over the
        periods both schemes evaluated (like the winners and losers); counts are employees;
        the baseline's own row has no change and everybody unchanged.

    Examples
    --------
    >>> t = pd.DataFrame({"scheme": ["A", "B"], "employee": ["1", "1"],
    ...                   "period": ["2025-01"] * 2, "payout": [100.0, 90.0]})
    >>> m = pd.DataFrame({"total_cost": [100.0, 90.0]}, index=pd.Index(["A", "B"], name="scheme"))
    >>> row = compare_schemes(m, winners_losers(t, "A"), "A").loc["B"]
    >>> float(row["cost_change"]), int(row["losers"])
    (-10.0, 1)
    """
    out = metrics.copy()
    by = winners.groupby("scheme", sort=False)
    n_emp = by["employee"].nunique().reindex(out.index)
    change = by["difference"].sum().reindex(out.index)
    base_total = by["baseline_total"].sum().reindex(out.index)
    counts = (
        winners.groupby(["scheme", "outcome"]).size().unstack("outcome", fill_value=0)
        if len(winners)
        else pd.DataFrame()
    ).reindex(index=out.index, columns=["winner", "loser", "unchanged"])
    out["baseline"] = baseline
    out["periods_compared"] = by["periods_compared"].first().reindex(out.index)
    out["cost_change"] = change
    with np.errstate(invalid="ignore", divide="ignore"):
        out["cost_change_pct"] = np.where(base_total > 0, change / base_total, np.nan)
    out["winners"] = counts["winner"].fillna(0).astype("int64")
    out["losers"] = counts["loser"].fillna(0).astype("int64")
    out["unchanged"] = counts["unchanged"].fillna(0).astype("int64")
    if baseline in out.index:
        n_base = int(winners["employee"].nunique()) if len(winners) else 0
        out.loc[baseline, ["cost_change", "cost_change_pct"]] = 0.0
        out.loc[baseline, "unchanged"] = n_base
        out.loc[baseline, "periods_compared"] = np.nan
        n_emp.loc[baseline] = n_base
    denom = n_emp.to_numpy(float)
    safe = np.where(denom > 0, denom, 1.0)
    out["share_winners"] = np.where(denom > 0, out["winners"] / safe, np.nan)
    out["share_losers"] = np.where(denom > 0, out["losers"] / safe, np.nan)
    return out
