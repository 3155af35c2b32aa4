"""Validating the long table: keys, periods, numbers, duplicates, unknown and negative KPIs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from .._util.threads import side_by_side
from ..errors import DefinitionError, did_you_mean
from .cells import _format_period, _has_line_break, _parse_one_period, _Text, parse_periods
from .columns import _DUPLICATES, _LONG_REQUIRED, ATTRIBUTES, CANONICAL_COLUMNS
from .kpi_checks import _check_library
from .layout import _detect_layout, _require, _wide_to_long_raw
from .numbers import (
    _currency_column,
    _formula_mask,
    _mixed_currencies,
    _numbers,
    _percent_mixed,
    _report_numbers,
    _row_currency,
    _some,
    _union,
)
from .plausible import check_plausible, flagged_value
from .quality import _CarefulNeeded
from .raw import _LazyRows, _Raw

__all__ = []


def _key_texts(
    frame: pd.DataFrame, kpi: pd.Series, then: Callable[[_Text, _Text | None], Any] | None = None
) -> tuple[_Text, _Text, _Text, dict[str, _Text], Any]:
    """Employee, KPI, period and attribute columns as :class:`_Text`; and ``then``'s result.

    On big tables the columns are encoded side by side in threads. ``then(kpi, role)``
    (the outlier check) follows the KPI column's encoding in its thread, beside the
    encoding of the other columns.
    """
    period = frame["period"]
    if pd.api.types.is_datetime64_any_dtype(period.dtype) or isinstance(
        period.dtype, pd.PeriodDtype
    ):
        period = parse_periods(period)
    attrs = [a for a in ATTRIBUTES if a in frame.columns]

    def kpi_first() -> tuple[_Text, _Text | None, Any]:
        kpi_text = _Text(kpi)
        role = _Text(frame["role"], lazy=True) if "role" in attrs else None
        return kpi_text, role, then(kpi_text, role) if then is not None else None

    others = [a for a in attrs if a != "role"]
    jobs = [kpi_first, partial(_Text, frame["employee"]), partial(_Text, period)]
    jobs += [partial(_Text, frame[a], lazy=True) for a in others]
    (kpi_text, role, result), employee, period_text, *texts = side_by_side(jobs, rows=len(frame))
    encoded = dict(zip(others, texts, strict=True)) | {"role": role}
    return employee, kpi_text, period_text, {a: encoded[a] for a in attrs}, result


@dataclass(kw_only=True)
class _Values:
    """The long table's columns as read, before the rows with problems are dropped.

    Masks are ``None`` when no row has the problem: the clean path allocates nothing.
    """

    rows: Any  # row number of each row as the user sees it
    employee: _Text
    kpi: _Text
    period_text: _Text
    attrs: dict[str, _Text]
    actual: np.ndarray
    target: np.ndarray
    bad: np.ndarray | None  # rows to drop
    percent: tuple[np.ndarray | None, np.ndarray | None]  # actual, target written with %
    value_cols: tuple[str | None, str | None]  # actual, target column (long tables)
    orig: dict[str, str]  # canonical → the column's name in the file
    period: _Text | None = None
    currency: np.ndarray | None = None  # each row's currency (None: none named; contract §8)
    as_of: _Text | None = None  # YYYY-MM, when the table has an as_of column
    plausible: dict[str, np.ndarray] | None = None  # the outlier check with no rows skipped


def _long_values(raw: _Raw, library: Any) -> _Values:
    """The columns of a long table, with every problem of its numbers noted.

    The outlier check runs beside the encoding of the keys, before the rows with other
    problems are known; :func:`_check_plausible` uses it when no such row counts.
    """
    issues, orig, frame = raw.issues, raw.original, raw.frame
    _require(raw, _LONG_REQUIRED, "long")
    for c in frame.columns:
        if c not in CANONICAL_COLUMNS:
            issues.add_general("ignored_column", orig[c], severity="warning")
    a_num = _numbers(frame["actual"], raw.decimal_comma)
    t_num = _numbers(frame["target"], raw.decimal_comma) if "target" in frame.columns else None
    rows = _LazyRows(raw)

    def outliers(kpi: _Text, role: _Text | None) -> dict[str, np.ndarray]:
        return _plausible(kpi, role, a_num.values, None, library)

    employee, kpi, period_text, attrs, plausible = _key_texts(frame, frame["kpi"], outliers)
    if raw.break_check:
        texts = {"employee": employee, "kpi": kpi, "period": period_text, **attrs}
        for c in raw.break_check:
            if texts[c].line_break if c in texts else _has_line_break(frame[c]):
                raise _CarefulNeeded(c)
    actual_col, target_col = orig["actual"], orig.get("target", "target")
    a_missing = _some(a_num.missing)
    if a_missing is not None:
        issues.add("missing_actual", actual_col, rows[a_missing])
    a_bad = _report_numbers(
        issues, a_num, _formula_mask(raw, "actual"), actual_col, rows, frame["actual"], "bad_actual"
    )
    t_bad = None
    if t_num is not None:
        t_bad = _report_numbers(
            issues, t_num, _formula_mask(raw, "target"), target_col, rows, frame["target"],
            "bad_target",
        )  # fmt: skip
    entries = [(a_num, actual_col)] + ([(t_num, target_col)] if t_num is not None else [])
    _percent_mixed(issues, kpi, entries, rows)
    _mixed_currencies(issues, kpi, entries, rows)
    given = None
    if "currency" in frame.columns:
        codes, c_given_bad = _currency_column(issues, frame["currency"], orig["currency"], rows)
        given = (codes, orig["currency"])
        t_bad = _union(t_bad, c_given_bad)
    currency, c_bad = _row_currency(issues, entries, rows, given)
    return _Values(
        plausible=plausible,
        as_of=_Text(frame["as_of"]) if "as_of" in frame.columns else None,
        rows=rows,
        employee=employee,
        kpi=kpi,
        period_text=period_text,
        attrs=attrs,
        actual=a_num.values,
        target=t_num.values if t_num is not None else np.full(len(frame), np.nan),
        bad=_union(a_missing, a_bad, t_bad, c_bad),
        percent=(a_num.percent, t_num.percent if t_num is not None else None),
        value_cols=(actual_col, target_col),
        orig=orig,
        currency=currency,
    )


def _wide_values(raw: _Raw) -> _Values:
    """The columns of a wide table, melted long (its number problems noted on the way)."""
    if any(_has_line_break(raw.frame[c]) for c in raw.break_check):
        raise _CarefulNeeded()
    melted = _wide_to_long_raw(raw)
    employee, kpi, period_text, attrs, _ = _key_texts(melted, melted["kpi"].astype("str"))
    a_bad = melted["_actual_bad"].to_numpy(dtype=bool)
    t_bad = melted["_target_bad"].to_numpy(dtype=bool)
    currency = melted["_currency"].to_numpy(dtype=object)
    return _Values(
        rows=melted["_row"].to_numpy(),
        employee=employee,
        kpi=kpi,
        period_text=period_text,
        attrs=attrs,
        actual=melted["_actual"].to_numpy(dtype=float),
        target=melted["_target"].to_numpy(dtype=float),
        bad=_union(_some(a_bad), _some(t_bad)),
        percent=(
            _some(melted["_actual_pct"].to_numpy(dtype=bool)),
            _some(melted["_target_pct"].to_numpy(dtype=bool)),
        ),
        value_cols=(None, None),
        orig={**raw.original, "kpi": "kpi"},
        currency=currency if pd.notna(currency).any() else None,
    )


def _check_keys(v: _Values, issues: Any) -> np.ndarray | None:
    """Read the periods; note missing or unreadable keys. Returns the rows with a bad key."""
    pt = v.period_text
    parsed = np.array(
        [_format_period(_parse_one_period(str(u)), None) for u in pt.uniques], dtype=object
    )
    v.period = period = pt.mapped(parsed)
    p_missing = pt.missing_rows()
    p_bad = None
    if period is not pt and (p_unread := period.missing_rows()) is not None:
        p_bad = _some(p_unread if p_missing is None else p_unread & ~p_missing)
    e_missing, k_missing = v.employee.missing_rows(), v.kpi.missing_rows()
    if e_missing is not None:
        issues.add("missing_employee", v.orig["employee"], v.rows[e_missing])
    if k_missing is not None:
        issues.add("missing_kpi", v.orig.get("kpi", "kpi"), v.rows[k_missing])
    if p_missing is not None:
        issues.add("missing_period", v.orig["period"], v.rows[p_missing])
    if p_bad is not None:
        issues.add("bad_period", v.orig["period"], v.rows[p_bad], pt.values(p_bad))
    key_bad = _union(e_missing, k_missing, p_missing, p_bad)
    v.bad = _union(v.bad, key_bad)
    _mixed_periods(v, issues)
    if v.as_of is not None:
        _check_as_of(v, issues)
    return key_bad


def _first_months(labels: np.ndarray) -> np.ndarray:
    """The month ordinal (year × 12 + month − 1) each period label starts in (−1: none)."""
    out = np.full(len(labels) + 1, -1, dtype=np.int64)  # the last: missing
    for i, label in enumerate(labels):
        parsed = _parse_one_period(str(label)) if label is not None else None
        if parsed is not None:
            year, kind, n = parsed
            out[i] = year * 12 + {"M": n - 1, "Q": 3 * (n - 1), "Y": 0}[kind]
    return out


def _check_as_of(v: _Values, issues: Any) -> None:
    """``as_of`` as ``YYYY-MM``: unreadable months, and months before the row's period."""
    text = v.as_of
    parsed = [_format_period(_parse_one_period(str(u)), "month") for u in text.uniques]
    v.as_of = as_of = text.mapped(np.array(parsed, dtype=object))
    column = v.orig["as_of"]
    unread = _some(as_of.missing & ~text.missing)
    if unread is not None:
        issues.add("bad_as_of", column, v.rows[unread], text.values(unread))
    known = _first_months(as_of.uniques)[as_of.codes]
    starts = _first_months(v.period.uniques)[v.period.codes]
    early = _some((known >= 0) & (starts >= 0) & (known < starts))
    if early is not None:
        shown = [
            f"{p} as of {a}"
            for p, a in zip(v.period.values(early), as_of.values(early), strict=True)
        ]
        issues.add("as_of_before_period", column, v.rows[early], shown)
    v.bad = _union(v.bad, unread, early)


def _note_restatements(v: _Values, issues: Any) -> None:
    """Rows restating an earlier-known value: explained as a warning, never an error."""
    key = _combine_codes([v.employee, v.period, v.kpi])
    ok = np.ones(len(key), dtype=bool) if v.bad is None else ~v.bad
    several = np.zeros(len(key), dtype=bool)  # among rows without errors only
    several[ok] = pd.Series(key[ok]).duplicated(keep=False).to_numpy()
    if not several.any():
        return
    known = _known_months(v)
    first = np.full(len(key), -1, dtype=np.int64)
    first[several] = pd.Series(known[several]).groupby(key[several]).transform("min").to_numpy()
    later = _some(several & (known > first))
    if later is not None:
        shown = [
            f"{e} × {p} × {k} as of {a}"
            for e, p, k, a in zip(
                v.employee.values(later),
                v.period.values(later),
                v.kpi.values(later),
                v.as_of.values(later),
                strict=True,
            )
        ]
        issues.add("restated", v.orig["as_of"], v.rows[later], shown, severity="warning")


def _known_months(v: _Values) -> np.ndarray:
    """The month each row's value was known in: its ``as_of``, else its period's first month."""
    known = _first_months(v.as_of.uniques)[v.as_of.codes]
    return np.where(known >= 0, known, _first_months(v.period.uniques)[v.period.codes])


@dataclass(frozen=True)
class _Codes:
    """Integer codes and their unique values, as :func:`_combine_codes` reads a column."""

    codes: np.ndarray
    uniques: np.ndarray


def _mixed_periods(v: _Values, issues: Any) -> None:
    """Rows of several kinds of period in one table: a warning pointing at the rarer kinds."""
    period = v.period
    kinds = np.array([_period_kind_of(str(u)) for u in period.uniques] + [""], dtype=object)
    present = [k for k in ("month", "quarter", "year") if (kinds == k).any()]
    if len(present) < 2:
        return
    row_kinds = kinds[period.codes]
    counts = {k: int((row_kinds == k).sum()) for k in present}
    counts = {k: n for k, n in counts.items() if n}
    if len(counts) < 2:
        return
    common = max(counts, key=counts.get)  # the odd ones out are most likely the rarer kinds
    odd = (row_kinds != common) & (row_kinds != "")
    shown = " and ".join(f"{n:,} {_KIND_WORD[k]}" for k, n in counts.items())
    issues.add(
        "mixed_periods",
        v.orig["period"],
        v.rows[odd],
        period.values(odd),
        severity="warning",
        note=f"({shown} rows)",
    )


_KIND_WORD = {"month": "monthly", "quarter": "quarterly", "year": "yearly"}


def _period_kind_of(label: str) -> str:
    return "quarter" if "-Q" in label else "year" if len(label) == 4 else "month"


_PLAUSIBLE_KEYS = {
    "size": "implausible_size",
    "limits": "beyond_limits",
    "outlier": "implausible_outlier",
}


def _check_plausible(v: _Values, issues: Any, library: Any, layout: str, strict: bool) -> None:
    """Implausible actuals (:mod:`.plausible`): warnings, or errors when ``strict``.

    A size of 10^15 or more is always an error: no payout can be computed from it.
    """
    found = v.plausible
    if found is None or (v.bad is not None and (v.bad & _judgeable(v)).any()):
        found = _plausible(v.kpi, v.attrs.get("role"), v.actual, v.bad, library)
    column = v.orig["actual"] if layout == "long" else None
    for kind, mask in found.items():
        shown = [
            flagged_value(kind, str(k), float(a), library)
            for k, a in zip(v.kpi.values(mask), v.actual[mask], strict=True)
        ]
        error = strict or kind == "size"
        severity = "error" if error else "warning"
        issues.add(_PLAUSIBLE_KEYS[kind], column, v.rows[mask], shown, severity=severity)
        if error:
            v.bad = _union(v.bad, mask)


def _plausible(
    kpi: _Text, role: _Text | None, actual: np.ndarray, skip: np.ndarray | None, library: Any
) -> dict[str, np.ndarray]:
    return check_plausible(
        kpi_codes=kpi.codes,
        kpi_ids=kpi.uniques,
        role_codes=None if role is None else role.codes,
        actual=actual,
        skip=skip,
        library=library,
    )


def _judgeable(v: _Values) -> np.ndarray:
    """The rows the outlier check judges when no row is skipped (a number and a KPI)."""
    return np.isfinite(v.actual) & (v.kpi.codes >= 0)


def _duplicated(v: _Values, key_bad: np.ndarray | None) -> np.ndarray | None:
    """Rows whose employee × period × KPI is given more than once (among readable keys)."""
    ok_key = slice(None) if key_bad is None else ~key_bad
    # with as_of, rows known in different months are versions of one value, not duplicates;
    # a row without as_of is known in its period's first month, like one that names it
    parts: list[Any] = [v.employee, v.period, v.kpi]
    if v.as_of is not None:
        codes, uniques = pd.factorize(_known_months(v))
        parts.append(_Codes(codes.astype(np.int64), uniques))
    space = int(np.prod([len(t.uniques) + 1 for t in parts], dtype=float))
    key = _combine_codes(parts, space)
    valid_keys = key[ok_key]
    dup = None
    if len(valid_keys) and space < 8 * len(valid_keys) + 1_000_000:
        seen = np.zeros(space, dtype=bool)  # O(n) and small: the key space is small
        seen[valid_keys] = True
        if np.count_nonzero(seen) < len(valid_keys):  # else every key is unique
            counts = np.bincount(valid_keys, minlength=space)
            dup = np.zeros(len(v.rows), dtype=bool)
            dup[ok_key] = counts[valid_keys] > 1
    elif len(valid_keys):
        dup = np.zeros(len(v.rows), dtype=bool)
        dup[ok_key] = pd.Series(valid_keys).duplicated(keep=False).to_numpy()
    return None if dup is None else _some(dup)


def _check_duplicates(
    v: _Values, issues: Any, key_bad: np.ndarray | None, duplicates: str
) -> np.ndarray | None:
    dup = _duplicated(v, key_bad)
    if dup is None:
        return None
    labels = [
        f"{e} × {p} × {k}"
        for e, p, k in zip(
            v.employee.values(dup), v.period.values(dup), v.kpi.values(dup), strict=True
        )
    ]
    if duplicates == "error":
        issues.add("duplicate", None, v.rows[dup], labels)
        v.bad = _union(v.bad, dup)
    else:
        issues.add("summed", None, v.rows[dup], labels, severity="warning")
        _mixed_sums(v, issues, dup)
    return dup


def _mixed_sums(v: _Values, issues: Any, dup: np.ndarray) -> None:
    """Duplicates to be summed whose amounts are in different currencies: an error."""
    if v.currency is None:
        return
    idx = np.flatnonzero(dup)
    key = _combine_codes([v.employee, v.period, v.kpi])[idx]
    cur = pd.Series(v.currency[idx], dtype=object).fillna("")
    mixed = cur.groupby(key).transform("nunique").to_numpy() > 1
    if not mixed.any():
        return
    mask = np.zeros(len(dup), dtype=bool)
    mask[idx[mixed]] = True
    shown = [
        f"{e} × {p} × {k}: {c or 'no currency'}"
        for e, p, k, c in zip(
            v.employee.values(mask), v.period.values(mask), v.kpi.values(mask),
            v.currency[mask], strict=True,
        )
    ]  # fmt: skip
    issues.add("currency_sum", None, v.rows[mask], shown)
    v.bad = _union(v.bad, mask)


def _table(
    v: _Values, has_target: bool, duplicates: str, dup: np.ndarray | None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The rows without problems as the long table, and what it holds."""
    keep = None if v.bad is None else ~v.bad
    keep_all = keep is None
    columns: dict[str, Any] = {
        "employee": v.employee.series(keep),
        "period": v.period.series(keep),
        "kpi": v.kpi.series(keep),
        "actual": v.actual if keep_all else v.actual[keep],
    }
    if has_target:
        columns["target"] = v.target if keep_all else v.target[keep]
    for a, values in v.attrs.items():
        columns[a] = values.series(keep)
    if v.currency is not None:
        columns["currency"] = pd.array(v.currency if keep_all else v.currency[keep], dtype="str")
    if v.as_of is not None:
        columns["as_of"] = v.as_of.series(keep)
    table = pd.DataFrame(columns, copy=False)  # no consolidation copy of the floats
    if duplicates == "sum" and dup is not None and (keep_all or dup[keep].any()):
        table = _sum_duplicates(table)
    stats = {
        "employees": len(v.employee.present(keep)),
        "periods": tuple(sorted(v.period.present(keep))),
        "kpis": tuple(v.kpi.present(keep)),
    }
    return table.reset_index(drop=True), stats


def _validate(
    raw: _Raw, layout: str, duplicates: str, library: Any, strict: bool = False
) -> tuple[pd.DataFrame, str, dict[str, Any]]:
    """Return the clean long table, the layout used and what it holds."""
    if duplicates not in _DUPLICATES:
        raise DefinitionError(
            f"Unknown duplicates option {duplicates!r}; use 'error' or 'sum'."
            f"{did_you_mean(duplicates, _DUPLICATES)}"
        )
    layout = _detect_layout(raw, layout)
    v = _long_values(raw, library) if layout == "long" else _wide_values(raw)
    key_bad = _check_keys(v, raw.issues)
    if library is not None:
        _check_library(v, raw.issues, library, layout)
    _check_plausible(v, raw.issues, library, layout, strict)
    dup = _check_duplicates(v, raw.issues, key_bad, duplicates)
    if v.as_of is not None:
        _note_restatements(v, raw.issues)
    has_target = "target" in raw.frame.columns if layout == "long" else np.isfinite(v.target).any()
    table, stats = _table(v, has_target, duplicates, dup)
    return table, layout, stats


def _combine_codes(columns: Sequence[_Text], space: float = np.inf) -> np.ndarray:
    """One integer per row for the combination of the columns' codes (missing = 0)."""
    key = columns[0].codes.astype(np.int32 if space < 2**31 else np.int64)  # small: fast
    key += 1
    for col in columns[1:]:  # in place: no full-length temporaries
        key *= len(col.uniques) + 1
        key += col.codes
        key += 1
    return key


def _sum_duplicates(table: pd.DataFrame) -> pd.DataFrame:
    agg: dict[str, Any] = {"actual": "sum"}
    if "target" in table.columns:
        agg["target"] = "first"
    for a in (*ATTRIBUTES, "currency"):
        if a in table.columns:
            agg[a] = "first"
    keys = ["employee", "period", "kpi"]
    if "as_of" in table.columns:  # versions known in one month are summed (no as_of: its period)
        periods = table["period"].to_numpy(dtype=object)
        labels, codes = np.unique(periods.astype(str), return_inverse=True)
        months = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in _first_months(labels)[:-1]]
        own = pd.Series(np.asarray(months, dtype=object)[codes], index=table.index)
        table = table.assign(_known=table["as_of"].astype(object).fillna(own))
        keys.append("_known")
        agg["as_of"] = "first"
    out = table.groupby(keys, sort=False, dropna=False).agg(agg)
    return out.reset_index()[[c for c in table.columns if c != "_known"]]
