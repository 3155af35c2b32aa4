"""Deal timing: who books a suspicious share of each quarter in its last month.

A quarterly (or yearly) bonus invites people to hold results back and land them in the
period's last month ("sandbagging"), or to pull next period's deals in with discounts.
Monthly history shows it: for every employee and every whole quarter they worked, the
*last-month share* is the last month's value over the quarter's total. Seasonality moves
everybody's share alike, so each share is compared with the median share of the
employee's peers (same ``role``, else everyone) in the same quarter. An employee is
flagged when their excess over the peers is large (``min_excess``, 10 points by default)
and consistent: a one-sided one-sample t-test of the per-quarter excesses gives a p-value
under ``alpha`` (0.01), over at least ``min_periods`` quarters (4).

Only quarters in which the employee has all months, none negative, and a positive total
count: a new hire's first part-quarter says nothing about timing. An employee with fewer
whole quarters than ``min_periods`` is not judged, and the result says so
(:attr:`TimingResult.limits`: "needs 4 whole quarters per employee; found 3 (employees …)"):
a short history is never read as an all-clear.

Examples
--------
>>> from kpitools.demo import make_demo_company
>>> result = period_end_timing(make_demo_company().data, "revenue")
>>> result.flagged
['E014', 'E019', 'E023', 'E035']
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._util.format import MISSING, percent, text_table
from ..data import period_ordinals, resolve_library
from ..errors import DefinitionError, did_you_mean
from .describe import signed_percent
from .loading import load_data

__all__ = ["TimingResult", "period_end_timing"]

_MONTHS = {"quarter": 3, "year": 12}


@dataclass(frozen=True)
class TimingResult:
    """What :func:`period_end_timing` found.

    Attributes
    ----------
    kpi, period : str
        The KPI looked at and the period whose last month is examined.
    table : pandas.DataFrame
        One row per employee with at least one whole period: ``employee``, ``periods``
        (whole periods counted), ``last_month_share`` (mean), ``peer_share`` (mean of the
        peers' medians), ``excess`` (mean of share − peer median), ``p_value`` and
        ``flagged``; sorted by p-value.
    alpha, min_excess : float
        The thresholds used.
    min_periods : int
        Fewest whole periods for a verdict.
    too_short : pandas.Series
        Employee → whole periods found, for every employee of the KPI with fewer than
        ``min_periods`` (0 when none is whole): they are not judged (see :attr:`limits`).
    """

    kpi: str
    period: str
    table: pd.DataFrame
    alpha: float
    min_excess: float
    min_periods: int
    too_short: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))

    @property
    def judged(self) -> pd.DataFrame:
        """The rows of :attr:`table` with enough whole periods for a verdict."""
        return self.table[self.table["periods"] >= self.min_periods]

    @property
    def needs(self) -> str:
        """What the rule needs and what the data has, or ``""`` when every employee has enough.

        ``needs 4 whole quarters per employee; found 3 (employees A, B)``.
        """
        if self.too_short.empty:
            return ""
        return (
            f"needs {self.min_periods} whole {self.period}s per employee; found "
            f"{_found(self.too_short)}"
        )

    @property
    def limits(self) -> tuple[str, ...]:
        """What the data is too short for, one sentence each (empty: nothing)."""
        if not self.needs:
            return ()
        who = len(self.too_short)
        return (
            f"Deal timing of {self.kpi}: {who} employee{'s' * (who != 1)} not judged: the "
            f"rule {self.needs}.",
        )

    @property
    def flagged(self) -> list[str]:
        """The flagged employees, in id order."""
        return sorted(self.table.loc[self.table["flagged"], "employee"].astype(str))

    @property
    def summary(self) -> str:
        """One sentence for a client (see :meth:`sentence`)."""
        return self.sentence()

    def sentence(self, kpi_name: str | None = None) -> str:
        """The finding in a client's words, naming the KPI as ``kpi_name`` (its id by default)."""
        name = kpi_name or self.kpi
        if self.judged.empty:
            return (
                f"Whether {name} is held back to {self.period} ends cannot be judged: the rule "
                f"{self.needs or f'needs {self.min_periods} whole {self.period}s per employee'}."
            )
        typical = percent(float(self.table["peer_share"].mean()))
        rows = self.table[self.table["flagged"]]
        if rows.empty:
            text = (
                f"Nobody books an unusual share of a {self.period}'s {name} in its last "
                f"month (typically {typical})."
            )
        else:
            low, high = (percent(rows["last_month_share"].agg(f)) for f in ("min", "max"))
            people = "person books" if len(rows) == 1 else "people book"
            text = (
                f"{len(rows)} {people} {low if low == high else f'{low}–{high}'} of each "
                f"{self.period}'s {name} in its last month, against a typical {typical} "
                f"({', '.join(self.flagged)}): results held back to {self.period} ends, which "
                f"a {self.period}ly scheme with thresholds would reward."
            )
        if self.needs:
            who = len(self.too_short)
            text += (
                f" {who} employee{'s are' if who != 1 else ' is'} not judged: the rule "
                f"{self.needs}."
            )
        return text

    def text(self, rows: int = 10) -> str:
        """The summary and the employees nearest to a flag, as printed by the command line."""
        top = self.table.head(max(int(rows), len(self.flagged)))
        body = [
            (
                r.employee,
                f"{r.periods:d}",
                percent(r.last_month_share, 1),
                percent(r.peer_share, 1),
                signed_percent(r.excess, 1),
                _p_text(r.p_value),
                "yes" if r.flagged else "",
            )
            for r in top.itertuples()
        ]
        headers = ("employee", f"{self.period}s", "last month", "peers", "excess", "p", "flag")
        table = text_table(headers, body, right=headers[1:6], rule=True)
        rule = (
            f"Flagged: {self.min_excess * 100:g} points or more above the peers' median share, "
            f"p < {self.alpha:g} (one-sided t-test), at least {self.min_periods} whole "
            f"{self.period}s."
        )
        return f"{self.summary}\n\n{table}\n\n{rule}"

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(self.summary)}</p>" + self.table.to_html(index=False)

    def __repr__(self) -> str:
        return f"TimingResult({self.summary!r})"


def _found(counts: pd.Series, shown: int = 6) -> str:
    """``3 (employees A, B), 2 (employee C) and 0 (employees D, E and 4 more)``."""
    parts = []
    for m in sorted(set(counts.tolist()), reverse=True):
        ids = sorted(counts.index[counts == m].astype(str))
        more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
        names = ", ".join(ids[:shown]) + more
        parts.append(f"{m} (employee{'s' * (len(ids) != 1)} {names})")
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _p_text(p: float) -> str:
    if np.isnan(p):
        return MISSING
    return "<0.0001" if p < 0.0001 else f"{p:.4f}"


def period_end_timing(
    data: Any,
    kpi: str = "revenue",
    *,
    period: str = "quarter",
    alpha: float = 0.01,
    min_excess: float = 0.10,
    min_periods: int = 4,
    library: Any = None,
) -> TimingResult:
    """Find employees who book an unusual share of each period's ``kpi`` in its last month.

    Parameters
    ----------
    data : str, path or pandas.DataFrame
        The monthly long table (loaded with :func:`kpitools.data.load` when a path).
    kpi : str
        A KPI that adds up over months (revenue, units, won deals).
    period : {"quarter", "year"}
        Whose last month is examined.
    alpha : float
        Largest one-sided p-value that flags (0.01).
    min_excess : float
        Smallest mean excess over the peers' share that flags (0.10 = 10 points).
    min_periods : int
        Fewest whole periods an employee needs for a verdict (4).
    library : Library, optional
        To check that ``kpi`` adds up; the shipped library by default, False for none.

    Returns
    -------
    TimingResult

    Raises
    ------
    DefinitionError
        An unknown KPI (with "did you mean"), a KPI that does not add up (a ratio or an
        average), data that is not monthly, or bad settings.

    Examples
    --------
    >>> period_end_timing("data.csv", "revenue").summary  # doctest: +SKIP
    '4 people book 67%–78% of a quarter's revenue in its last month against a typical 38% …'
    """
    _check_settings(period, alpha, min_excess, min_periods)
    rows, months = _monthly_rows(data, kpi, library)
    shares = _period_shares(rows, months, _MONTHS[period])
    table = _per_employee(shares, alpha=alpha, min_excess=min_excess, min_periods=min_periods)
    found = table.set_index("employee")["periods"].reindex(
        pd.unique(rows["employee"].astype(str)), fill_value=0
    )
    return TimingResult(
        kpi,
        period,
        table,
        float(alpha),
        float(min_excess),
        int(min_periods),
        too_short=found[found < int(min_periods)].astype("int64"),
    )


def _check_settings(period: str, alpha: float, min_excess: float, min_periods: int) -> None:
    if period not in _MONTHS:
        raise DefinitionError(
            f"period {period!r}: the last month of a quarter or a year can be examined."
            f"{did_you_mean(period, list(_MONTHS))}\nSuggestion: use period='quarter' or 'year'."
        )
    if not (0 < alpha < 1) or min_excess < 0 or int(min_periods) < 2:
        raise DefinitionError(
            f"alpha={alpha}, min_excess={min_excess}, min_periods={min_periods}: alpha must be "
            "between 0 and 1, min_excess 0 or more, min_periods 2 or more.\n"
            "Suggestion: keep the defaults (0.01, 0.10, 4) unless you have a reason."
        )


def _monthly_rows(data: Any, kpi: str, library: Any) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows of a KPI that adds up, and their month ordinals (the data must be monthly)."""
    lib = resolve_library(library)
    table = load_data(data, library=lib if lib is not None else False)
    known = sorted(table["kpi"].astype(str).unique())
    if kpi not in known:
        summed = [k for k in known if _aggregation(lib, k) == "sum"]
        raise DefinitionError(
            f"KPI {kpi!r} is not in the data.{did_you_mean(kpi, known)}\n"
            f"Suggestion: name a KPI that adds up over months, one of: {', '.join(summed)}."
        )
    if _aggregation(lib, kpi) != "sum":
        raise DefinitionError(
            f"KPI {kpi!r} is aggregated by {_aggregation(lib, kpi)!r}, not summed: a month's "
            "share of a quarter means nothing for it.\n"
            "Suggestion: look at a KPI that adds up (revenue, units_sold, won_deals)."
        )
    rows = table[table["kpi"].astype(str) == kpi]
    kinds, months, _ = period_ordinals(rows["period"])
    if (kinds != "month").any():
        raise DefinitionError(
            f"KPI {kpi!r}: the data has {sorted(set(kinds) - {'month'})[0] or 'unreadable'} "
            "periods; the last month of a quarter can only be seen in monthly data.\n"
            "Suggestion: give monthly data (periods as YYYY-MM)."
        )
    return rows, months


def _period_shares(rows: pd.DataFrame, months: np.ndarray, span: int) -> pd.DataFrame:
    """Per employee and whole period: the last month's share, the peers' median, the excess.

    Only periods with all ``span`` months, none negative, and a positive total count.
    """
    frame = pd.DataFrame(
        {
            "employee": rows["employee"].astype(str).to_numpy(),
            "block": months // span,
            "last": (months % span == span - 1),
            "actual": rows["actual"].to_numpy(dtype=float),
            "peers": rows["role"].astype(str).to_numpy() if "role" in rows else "",
        }
    )
    grouped = frame.groupby(["employee", "block"], sort=False)
    whole = grouped.agg(
        n=("actual", "size"),
        total=("actual", "sum"),
        low=("actual", "min"),
        peers=("peers", "first"),
    )
    whole["last"] = frame[frame["last"]].groupby(["employee", "block"])["actual"].sum()
    ok = (whole["n"] == span) & (whole["low"] >= 0) & (whole["total"] > 0)
    whole = whole[ok & whole["last"].notna()].reset_index()
    whole["share"] = whole["last"] / whole["total"]
    whole["peer_share"] = whole.groupby(["peers", "block"])["share"].transform("median")
    whole["excess"] = whole["share"] - whole["peer_share"]
    return whole


def _per_employee(
    whole: pd.DataFrame, *, alpha: float, min_excess: float, min_periods: int
) -> pd.DataFrame:
    """Per employee: means over their whole periods, the one-sided t-test's p-value, the flag."""
    # scipy takes seconds to import: only when timing is looked at
    from scipy import stats  # scipy loads only for the timing test

    per = whole.groupby("employee").agg(
        periods=("share", "size"),
        last_month_share=("share", "mean"),
        peer_share=("peer_share", "mean"),
        excess=("excess", "mean"),
        sd=("excess", "std"),
    )
    n = per["periods"].to_numpy(dtype=float)
    se = per["sd"].to_numpy(dtype=float) / np.sqrt(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = per["excess"].to_numpy(dtype=float) / se
        p = np.where(n >= 2, stats.t.sf(t, np.maximum(n - 1, 1)), np.nan)
    # identical excess every quarter (sd 0): consistent by construction
    p = np.where((n >= 2) & (se == 0), np.where(per["excess"] > 0, 0.0, 1.0), p)
    per["p_value"] = p
    per["flagged"] = (
        (per["periods"] >= int(min_periods))
        & (per["excess"] >= min_excess)
        & (per["p_value"] < alpha)
    )
    return (
        per.drop(columns="sd")
        .reset_index()
        .sort_values(["p_value", "employee"], na_position="last", ignore_index=True)
    )


def _aggregation(library: Any, kpi: str) -> str:
    """The KPI's aggregation in the library; ``sum`` when unknown (the user knows it)."""
    spec = None if library is None else library.get(kpi)
    return "sum" if spec is None else spec.aggregation
