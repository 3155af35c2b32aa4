"""Rolling the long table up to a scheme's periods, each KPI by its own aggregation.

:func:`roll_up` turns the long table (docs/data.md) into one row per employee × scheme
period × KPI, aggregating each KPI its own way (the KPI library's ``aggregation``):

- ``sum``: added up (rounded to 10 decimals, so that sums of cents that should reach a
  threshold exactly do: 0.1 + 0.2 is 0.3 here);
- ``mean``: averaged over the months present;
- ``last``: the value of the latest month present;
- ``ratio``: recomputed as sum(numerator) / sum(denominator) from the ratio's two parts when
  the library names them and both are in the data, never averaged; where a part is missing
  the monthly values are averaged and a warning says how many employee-periods that hit.

A KPI the library does not know (or every KPI, with no library) is summed; when that
actually combines several months a warning names it. Targets (the data's ``target``
column) roll up the same way, except that a ratio's target, itself a rate, is averaged; a
period in which any month lacks a target gets no target.

A quarter (year) that the data covers only partly is never rolled up without a word: the
warnings name the periods at the data's edges that lack months (with the whole periods to
evaluate instead) and count the employee-periods of new hires, leavers and gaps.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from .._util.threads import side_by_side
from ..errors import DataValidationError, DefinitionError
from .columns import ATTRIBUTES
from .periods import (
    _LABEL,
    _MONTHS,
    KINDS,
    convert,
    format_period,
    months_in,
    period_codes,
    select,
    unique_sorted,
)

__all__ = ["ATTRIBUTES", "RollUp", "ratio_inputs", "roll_up"]


class RollUp:
    """Result of :func:`roll_up`.

    Attributes
    ----------
    values : pandas.DataFrame
        ``employee, emp, period (ordinal), kpi, actual, target, months`` (months of data
        combined), sorted by employee, period and KPI; ``emp`` numbers the employees in
        sorted order (an index into ``employees``).
    attributes : pandas.DataFrame
        ``employee, emp, period`` and the grouping columns present (``role, team, region,
        manager``), the latest month's non-empty value.
    employees : numpy.ndarray
        Employee ids, sorted.
    kind : str
        The scheme's period kind.
    warnings : list of str
    """

    def __init__(self, values, attributes, kind, warnings, employees=None):
        self.values = values
        self.attributes = attributes
        self.kind = kind
        self.warnings = warnings
        self.employees = employees

    def __repr__(self) -> str:
        return f"RollUp({len(self.values)} rows, {self.kind}, {len(self.warnings)} warnings)"


def _kpi_info(library: Any, kpi: str) -> tuple[str | None, tuple[str, ...], Any]:
    """(aggregation, formula inputs, recompute-from-sums function) of a KPI from the library."""
    k = library.get(kpi) if library is not None else None
    if k is None:
        return None, (), None
    inputs = tuple(getattr(k, "inputs", ()) or ())
    num, den = getattr(k, "numerator", None), getattr(k, "denominator", None)
    if not inputs and num and den:
        inputs = (num, den)
    recompute = getattr(k, "recompute_from_sums", None)
    if recompute is None and num and den:

        def recompute(sums, num=num, den=den):
            return np.asarray(sums[num], dtype=float) / np.asarray(sums[den], dtype=float)

    return getattr(k, "aggregation", None), inputs, recompute


def ratio_inputs(library: Any, kpis: Iterable[str]) -> set[str]:
    """The KPIs that the ratio KPIs among ``kpis`` are recomputed from (for filtering data)."""
    out: set[str] = set()
    for kpi in kpis:
        agg, inputs, _ = _kpi_info(library, kpi)
        if agg == "ratio":
            out.update(inputs)
    return out


def _period_kind(data: pd.DataFrame, kind: str, source: str) -> tuple[np.ndarray, str]:
    """The rows' period ordinals and their one kind, which must not be coarser than ``kind``."""
    codes, kinds, ords_u, bad = period_codes(data["period"])
    ords = ords_u[codes]
    if bad:
        rows = np.flatnonzero(np.isin(data["period"].astype(str).to_numpy(), bad))
        raise DataValidationError(
            f"{source}: {len(rows)} row(s) have a period that is not YYYY-MM, YYYY-Qn or "
            f"YYYY: {', '.join(repr(str(b)) for b in bad[:5])}.\n"
            "Suggestion: load the data with kpitools.data.load, which normalises dates.",
            pd.DataFrame(
                {
                    "row": rows + 2,
                    "column": "period",
                    "value": data["period"].to_numpy()[rows],
                    "problem": "not a period",
                }
            ),
        )
    present = sorted(set(kinds.tolist()), key=KINDS.index)  # every unique label occurs
    if len(present) > 1:
        raise DataValidationError(
            f"{source}: the periods mix {' and '.join(present)} labels.\n"
            "Suggestion: give all rows in one kind of period (e.g. months, YYYY-MM)."
        )
    data_kind = present[0] if present else kind
    if KINDS.index(data_kind) > KINDS.index(kind):
        raise DataValidationError(
            f"{source} has {data_kind} periods ({_LABEL[data_kind]}) but the scheme pays "
            f"per {kind}.\n"
            f"Suggestion: give {kind}ly data, or set the scheme's period to {data_kind}."
        )
    return ords, data_kind


def roll_up(
    data: pd.DataFrame,
    kind: str,
    *,
    library: Any = None,
    source: str = "the data",
    rows: Any = None,
    periods: Any = None,
) -> RollUp:
    """Roll a long table up to ``kind`` periods, each KPI by its aggregation.

    Parameters
    ----------
    data : pandas.DataFrame
        The canonical long table (``employee, period, kpi, actual`` and optionally
        ``target, role, team, region, manager``).
    kind : {"month", "quarter", "year"}
        The scheme's period.
    library : Library, optional
        Gives each KPI's ``aggregation`` and a ratio's numerator/denominator; without it
        every KPI is summed.
    source : str
        How to name the data in messages.
    rows : array of int, optional
        Position of each row in the user's table (for messages, when ``data`` is a part of
        it); the row number shown is position + 2 (the header is row 1).
    periods : optional
        The evaluation's selection (``"FROM..TO"``): periods outside it are not warned about
        when the data covers them only partly.

    Returns
    -------
    RollUp

    Raises
    ------
    DataValidationError
        Unreadable periods, mixed or too coarse periods, repeated employee × period × KPI
        rows.

    Examples
    --------
    >>> df = pd.DataFrame({"employee": ["a", "a"], "period": ["2025-01", "2025-02"],
    ...                    "kpi": ["sales", "sales"], "actual": [1.0, 2.0]})
    >>> roll_up(df, "quarter").values[["employee", "period", "actual"]].to_dict("records")
    [{'employee': 'a', 'period': 8100, 'actual': 3.0}]
    """
    if kind not in KINDS:
        raise DefinitionError(f"period {kind!r}: use one of: {', '.join(KINDS)}.")
    has_target = "target" in data.columns
    (ords, data_kind), (emp_code, employees), (kpi_code, kpi_names) = _key_codes(data, kind, source)
    employees = np.asarray(employees, dtype=object)
    kpi_names = np.asarray(kpi_names, dtype=object)
    emp = emp_code.astype(np.int64)
    kpi = kpi_code.astype(np.int64)
    per = convert(ords, data_kind, kind)
    actual = pd.to_numeric(data["actual"]).to_numpy(dtype=float, na_value=np.nan)
    target = (
        pd.to_numeric(data["target"]).to_numpy(dtype=float, na_value=np.nan)
        if has_target
        else np.full(len(data), np.nan)
    )
    _refuse_repeats(emp, kpi, ords, data, source, rows)
    warnings: list[str] = []
    if data_kind == kind:
        e, p, k = emp, per, kpi
        months = np.full(len(data), months_in(kind), dtype=np.int64)
    else:
        e, p, k, actual, target, months = _aggregate_months(
            emp, per, kpi, ords, actual, target, kpi_names, library, warnings
        )
        warnings.extend(_partial_periods(emp, per, ords, data_kind, kind, employees, periods))
    values = _values_frame(e, p, k, actual, target, months, employees, kpi_names)
    attributes = _attributes(data, emp, per, ords, employees)
    return RollUp(values, attributes, kind, warnings, employees)


def _key_codes(data: pd.DataFrame, kind: str, source: str) -> tuple[Any, Any, Any]:
    """Period ordinals and kind; employee and KPI codes numbered in sorted order.

    Sorted, so that every result is the same whatever the order of the input rows. On a
    big table the three columns are encoded side by side in threads: arrow's hashing of
    text releases the GIL. A period error is raised first, as it would be alone.
    """
    jobs = [
        partial(_period_kind, data, kind, source),
        partial(_sorted_codes, data["employee"]),
        partial(_sorted_codes, data["kpi"]),
    ]
    return tuple(side_by_side(jobs, rows=len(data)))


def _sorted_codes(values: pd.Series) -> tuple[np.ndarray, Any]:
    return pd.factorize(values.astype(str), sort=True)


def _dense(space: int, n: int) -> bool:
    """Whether a key space is small enough for a look-up table (one pass, no sort)."""
    return space <= 8 * n + 1_000_000


def _unique_order(key: np.ndarray, space: int) -> np.ndarray:
    """The order that sorts distinct integer keys in ``[0, space)``.

    A counting sort when the space is small, else a stable argsort.
    """
    if not _dense(space, key.size):
        return np.argsort(key, kind="stable")
    seen = np.zeros(space, dtype=bool)
    seen[key] = True
    rank = np.cumsum(seen) - 1
    order = np.empty(key.size, dtype=np.int64)
    order[rank[key]] = np.arange(key.size)
    return order


def _values_frame(e, p, k, actual, target, months, employees, kpi_names) -> pd.DataFrame:
    """The rolled-up values, ordered by employee, period and KPI."""
    if e.size:
        n_k, p0 = int(k.max()) + 1, int(p.min())
        n_p = int(p.max()) - p0 + 1
        order = _unique_order((e * n_p + (p - p0)) * n_k + k, (int(e.max()) + 1) * n_p * n_k)
    else:
        order = np.zeros(0, dtype=np.int64)
    return pd.DataFrame(
        {
            # categoricals: no per-row string conversion of large tables
            "employee": pd.Categorical.from_codes(e[order], categories=employees, validate=False),
            "emp": e[order],
            "period": p[order],
            "kpi": pd.Categorical.from_codes(k[order], categories=kpi_names, validate=False),
            "actual": actual[order],
            "target": target[order],
            "months": months[order],
        },
        copy=False,  # fresh arrays: no consolidation copy
    )


def _aggregate_months(emp, per, kpi, ords, actual, target, kpi_names, library, warnings):
    """Months rolled up into longer periods: codes, actuals, targets and months counted."""
    frame = pd.DataFrame(
        {"emp": emp, "period": per, "kpi": kpi, "month": ords, "actual": actual, "target": target}
    )
    agg = _aggregate(frame, kpi_names, library, warnings)
    e, p, k = (agg[c].to_numpy(dtype=np.int64) for c in ("emp", "period", "kpi"))
    return (
        e,
        p,
        k,
        agg["actual"].to_numpy(dtype=float),
        agg["target"].to_numpy(dtype=float),
        agg["months"].to_numpy(dtype=np.int64),
    )


def _partial_periods(emp, per, src, data_kind, kind, employees, periods) -> list[str]:
    """Warnings for scheme periods the data covers only partly.

    A consultant would not pay a quarter on two of its months without knowing it:

    - at the data's edges: a quarter (year) of which the data has only some months (quarters);
    - per employee, inside the periods the data covers: new hires, leavers and gaps.
    """
    if src.size == 0:
        return []
    n_sub = _MONTHS[kind] // _MONTHS[data_kind]
    unit = data_kind
    lo, hi = int(src.min()), int(src.max())
    uniq = unique_sorted(per)
    start = uniq * n_sub
    end = start + n_sub - 1
    edge = (start < lo) | (end > hi)
    shown = select(uniq, kind, periods)
    out = []
    parts = []
    for p, a, b in zip(uniq[edge & shown], start[edge & shown], end[edge & shown], strict=True):
        a, b = max(int(a), lo), min(int(b), hi)
        covered = f"{format_period(a, unit)}" + (f" to {format_period(b, unit)}" if b > a else "")
        parts.append(f"{format_period(p, kind)} ({b - a + 1} of its {n_sub} {unit}s: {covered})")
    if parts:
        whole = uniq[~edge]
        fix = (
            f"evaluate whole {kind}s only: periods {format_period(whole[0], kind)}.."
            f"{format_period(whole[-1], kind)} (--periods on the command line)."
            if whole.size
            else f"give data for whole {kind}s, or use a scheme paid per {unit}."
        )
        out.append(
            f"{' and '.join(parts)} {'is' if len(parts) == 1 else 'are'} only partly in the "
            f"data: {kind} sums there cover those {unit}s only, so attainment against a "
            f"whole-{kind} target is understated."
            f"\nSuggestion: {fix}"
        )
    # employee × scheme period: how many distinct months (quarters) have any row
    n_emp = int(emp.max()) + 1
    pair = unique_sorted(emp * (hi - lo + 1) + (src - lo))
    pair_emp = pair // (hi - lo + 1)
    pair_per = (pair % (hi - lo + 1) + lo) // n_sub
    p0 = int(uniq[0])
    counts = np.bincount((pair_per - p0) * n_emp + pair_emp)
    cell = np.flatnonzero(counts)
    cell_per = cell // n_emp + p0
    inside = ~edge[np.searchsorted(uniq, cell_per)] & select(cell_per, kind, periods)
    short = cell[(counts[cell] < n_sub) & inside]
    if short.size:
        first = short[0]
        who, when = employees[first % n_emp], format_period(first // n_emp + p0, kind)
        out.append(
            f"{short.size} employee-{kind}(s) have data for only some of their {unit}s (e.g. "
            f"employee {str(who)!r} in {when}: {counts[first]} of {n_sub}; new hires, leavers, "
            f"gaps): their {kind} sums cover those {unit}s only, and targets other than "
            "from_data are not pro-rated."
        )
    return out


def _refuse_repeats(emp, kpi, month, data, source: str, rows) -> None:
    """Repeated employee × period × KPI rows are an error, numbered as in the file."""
    if emp.size < 2:
        return
    span = int(month.max() - month.min()) + 1
    key = (emp * (int(kpi.max()) + 1) + kpi) * span + (month - month.min())
    space = (int(emp.max()) + 1) * (int(kpi.max()) + 1) * span
    if _dense(space, key.size):
        counts = np.bincount(key, minlength=space)
        if counts.max() < 2:
            return
        local = np.flatnonzero(counts[key] > 1)
    else:
        order = np.argsort(key, kind="stable")
        same = key[order][1:] == key[order][:-1]
        if not same.any():
            return
        local = np.sort(order[np.r_[same, False] | np.r_[False, same]])
    at = np.asarray(rows)[local] if rows is not None else local
    first = data.iloc[local[0]]
    raise DataValidationError(
        f"{source}: {local.size} rows repeat an employee × period × KPI, e.g. employee "
        f"{str(first['employee'])!r}, {first['period']}, {first['kpi']!r} "
        f"(rows {', '.join(str(r + 2) for r in at[:6])}).\n"
        "Suggestion: remove the repeats, or load the data with "
        "kpitools.data.load(..., duplicates='sum').",
        pd.DataFrame(
            {
                "row": at + 2,
                "column": "kpi",
                "value": data["kpi"].to_numpy()[local],
                "problem": "duplicate employee × period × KPI",
            }
        ),
    )


def _attributes(data, emp, per, month, employees: np.ndarray) -> pd.DataFrame:
    """Per employee-period, the latest month's non-empty value of each grouping column."""
    n_emp = max(len(employees), 1)
    key = (per - (per.min() if per.size else 0)) * n_emp + emp
    space = (int(key.max()) + 1) if key.size else 0
    if _dense(space, key.size):
        seen = np.zeros(space, dtype=bool)
        seen[key] = True
        uniq = np.flatnonzero(seen)
        pos = (np.cumsum(seen) - 1)[key]
    else:
        uniq = unique_sorted(key)
        pos = np.searchsorted(uniq, key)
    rep = np.zeros(uniq.size, dtype=np.int64)
    rep[pos] = np.arange(key.size)  # any row of the pair: gives its employee and period
    out = pd.DataFrame(
        {
            "employee": pd.Categorical.from_codes(emp[rep], categories=employees, validate=False),
            "emp": emp[rep],
            "period": per[rep],
        }
    )
    for a in ATTRIBUTES:
        if a not in data.columns:
            continue
        # integer codes of the values: no per-row text comparisons
        codes, names = pd.factorize(data[a])
        names = np.asarray(names, dtype=object)
        filled = codes >= 0
        blank = np.flatnonzero(names == "")
        if blank.size:
            filled &= codes != blank[0]
        out[a] = _latest_values(codes, names, filled, emp, key, month, pos, uniq.size)
    # from (period, employee) order to (employee, period): a stable sort by employee
    order = np.argsort(out["emp"].to_numpy(), kind="stable")
    return out.iloc[order].reset_index(drop=True)


def _latest_values(codes, names, filled, emp, key, month, pos, n_pairs: int) -> np.ndarray:
    """Per employee-period pair, the latest month's filled value of one grouping column.

    The usual column (a role, a team) has one value per employee: each pair with a
    filled row takes it, with no sort. Otherwise the rows are sorted by pair and month.
    """
    vals = np.full(n_pairs, None, dtype=object)
    all_filled = bool(filled.all())
    ok = slice(None) if all_filled else np.flatnonzero(filled)
    ok_emp, ok_codes = emp[ok], codes[ok]
    if not ok_emp.size:
        return vals
    one = np.full(int(emp.max()) + 1, -1, dtype=np.int64)
    one[ok_emp] = ok_codes  # one filled value of each employee (any: checked next)
    if (ok_codes == one[ok_emp]).all():
        pair_emp = np.zeros(n_pairs, dtype=np.int64)
        pair_emp[pos] = emp
        has = np.ones(n_pairs, dtype=bool) if all_filled else np.zeros(n_pairs, dtype=bool)
        has[pos[ok]] = True
        vals[has] = names[one[pair_emp[has]]]
        return vals
    ok = np.flatnonzero(filled)
    srt = ok[np.lexsort((month[ok], key[ok]))]
    last = srt[np.r_[key[srt][1:] != key[srt][:-1], True]]
    vals[pos[last]] = names[codes[last]]
    return vals


def _aggregate(
    frame: pd.DataFrame, kpi_names: np.ndarray, library: Any, warnings: list[str]
) -> pd.DataFrame:
    keys = ["emp", "period", "kpi"]
    info = [_kpi_info(library, str(k)) for k in kpi_names]
    agg = np.array([(i[0] or "sum") for i in info], dtype=object)
    g = frame.groupby(keys, sort=False)
    months = g.size()
    multi_kpis = set(months[months > 1].index.get_level_values("kpi").tolist())
    unknown = [kpi_names[c] for c in sorted(multi_kpis) if info[c][0] is None]
    if unknown:
        names = ", ".join(repr(str(k)) for k in unknown)
        where = "With no KPI library" if library is None else "Not in the KPI library"
        warnings.append(
            f"{where}, the monthly values of {names} were summed. If one of them is an "
            "average or a ratio, give its aggregation in a KPI library file."
        )
    agg_of = agg[frame["kpi"].to_numpy(dtype=np.int64)]
    parts = []
    for how in ("sum", "mean", "last", "ratio"):
        sub = frame[agg_of == how]
        if sub.empty:
            continue
        gs = sub.groupby(keys, sort=False)
        n = gs.size()
        full_target = gs["target"].count() == n
        if how == "sum":
            actual = gs["actual"].sum().round(10)
            target = gs["target"].sum().round(10)
        elif how == "last":
            latest = (
                sub.sort_values("month", kind="stable")
                .drop_duplicates(keys, keep="last")
                .set_index(keys)
            )
            actual = latest["actual"].reindex(n.index)
            target = latest["target"].reindex(n.index)
            full_target = target.notna()
        else:
            actual = gs["actual"].mean()
            target = gs["target"].mean()
        target = target.reindex(actual.index).where(full_target.reindex(actual.index))
        part = pd.DataFrame({"actual": actual, "target": target, "months": n})
        if how == "ratio":
            part = _recompute_ratios(part, frame, kpi_names, info, warnings)
        parts.append(part)
    values = pd.concat(parts) if parts else pd.DataFrame(columns=["actual", "target", "months"])
    return values.reset_index()


def _recompute_ratios(
    part: pd.DataFrame, frame: pd.DataFrame, kpi_names: np.ndarray, info, warnings
) -> pd.DataFrame:
    """Replace averaged ratio actuals by the formula over summed inputs where possible."""
    sums = frame.groupby(["emp", "period", "kpi"], sort=False)["actual"].sum()
    code_of = {str(name): c for c, name in enumerate(kpi_names)}
    out = part.copy()
    for code in pd.unique(part.index.get_level_values("kpi")):
        kpi = str(kpi_names[code])
        _, inputs, recompute = info[code]
        rows = part.index.get_level_values("kpi") == code
        idx = part.index[rows]
        ep = [idx.get_level_values("emp").to_numpy(), idx.get_level_values("period").to_numpy()]
        recomputed = np.full(len(idx), np.nan)
        if inputs and recompute is not None:
            values = {
                name: (
                    sums.reindex(
                        pd.MultiIndex.from_arrays([*ep, np.full(len(idx), code_of[name])])
                    ).to_numpy(dtype=float)
                    if name in code_of
                    else np.full(len(idx), np.nan)
                )
                for name in inputs
            }
            with np.errstate(divide="ignore", invalid="ignore"):
                r = np.asarray(recompute(values), dtype=float) * np.ones(len(idx))
            recomputed = np.where(np.isfinite(r), r, np.nan)
        have = ~np.isnan(recomputed)
        single = part.loc[rows, "months"].to_numpy() <= 1
        out.loc[rows, "actual"] = np.where(
            have, recomputed, part.loc[rows, "actual"].to_numpy(dtype=float)
        )
        averaged = int((~have & ~single).sum())
        if averaged:
            if inputs:
                names = ", ".join(inputs)
                parts_txt = f"the sums of {names} (not all in the data, or a zero divisor)"
            else:
                parts_txt = "its inputs (the library gives no formula)"
            warnings.append(
                f"KPI {kpi!r} is a ratio but could not be recomputed from {parts_txt} for "
                f"{averaged} employee-period(s): its monthly values were averaged there."
            )
    return out


def _levels(idx: pd.MultiIndex) -> list[np.ndarray]:
    return [idx.get_level_values(i).to_numpy() for i in range(idx.nlevels)]
