"""Validating the long table: keys, periods, numbers, duplicates, unknown and negative KPIs."""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DefinitionError, did_you_mean
from .cells import _format_period, _has_line_break, _parse_one_period, _Text, parse_periods
from .columns import _DUPLICATES, _LONG_REQUIRED, ATTRIBUTES, CANONICAL_COLUMNS
from .layout import _detect_layout, _require, _wide_to_long_raw
from .numbers import (
    _formula_mask,
    _mixed_currencies,
    _numbers,
    _percent_mixed,
    _report_numbers,
    _some,
    _union,
    _whole_percentages,
)
from .quality import _CarefulNeeded
from .raw import _LazyRows, _Raw

__all__ = []


_PARALLEL_ROWS = 200_000


def _key_texts(frame: pd.DataFrame, kpi: pd.Series) -> tuple[_Text, _Text, _Text, dict[str, _Text]]:
    """Employee, KPI, period and attribute columns as :class:`_Text`.

    On big tables the columns are encoded side by side in threads: the arrow kernels
    doing the work release the GIL.
    """
    period = frame["period"]
    if pd.api.types.is_datetime64_any_dtype(period.dtype) or isinstance(
        period.dtype, pd.PeriodDtype
    ):
        period = parse_periods(period)
    attrs = [a for a in ATTRIBUTES if a in frame.columns]
    specs = [(frame["employee"], False), (kpi, False), (period, False)]
    specs += [(frame[a], True) for a in attrs]
    workers = min(len(specs), os.cpu_count() or 1, 4)
    if workers > 1 and len(frame) >= _PARALLEL_ROWS:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers) as pool:
            texts = list(pool.map(lambda spec: _Text(spec[0], lazy=spec[1]), specs))
    else:
        texts = [_Text(values, lazy=lazy) for values, lazy in specs]
    return texts[0], texts[1], texts[2], dict(zip(attrs, texts[3:], strict=True))


def _validate(
    raw: _Raw, layout: str, duplicates: str, library: Any
) -> tuple[pd.DataFrame, str, dict[str, Any]]:
    """Return the clean long table, the layout used and the number of rows kept."""
    if duplicates not in _DUPLICATES:
        raise DefinitionError(
            f"Unknown duplicates option {duplicates!r}; use 'error' or 'sum'."
            f"{did_you_mean(duplicates, _DUPLICATES)}"
        )
    layout = _detect_layout(raw, layout)
    issues = raw.issues
    orig = raw.original
    if layout == "long":
        _require(raw, _LONG_REQUIRED, "long")
        frame = raw.frame
        for c in frame.columns:
            if c not in CANONICAL_COLUMNS:
                issues.add_general("ignored_column", orig[c], severity="warning")
        a_num = _numbers(frame["actual"], raw.decimal_comma)
        t_num = _numbers(frame["target"], raw.decimal_comma) if "target" in frame.columns else None
        actual, a_missing = a_num.values, a_num.missing
        target = t_num.values if t_num is not None else np.full(len(frame), np.nan)
        rows = _LazyRows(raw)
        employee, kpi, period_text, attrs = _key_texts(frame, frame["kpi"])
        if raw.break_check:
            texts = {"employee": employee, "kpi": kpi, "period": period_text, **attrs}
            for c in raw.break_check:
                if texts[c].line_break if c in texts else _has_line_break(frame[c]):
                    raise _CarefulNeeded(c)
        actual_col, target_col = orig["actual"], orig.get("target", "target")
        actual_text = frame["actual"]
        target_text = frame["target"] if "target" in frame.columns else None
        a_missing = _some(a_missing)
        if a_missing is not None:
            issues.add("missing_actual", actual_col, rows[a_missing])
        a_bad = _report_numbers(
            issues, a_num, _formula_mask(raw, "actual"), actual_col, rows, actual_text, "bad_actual"
        )
        t_bad = None
        if t_num is not None:
            t_bad = _report_numbers(
                issues,
                t_num,
                _formula_mask(raw, "target"),
                target_col,
                rows,
                target_text,
                "bad_target",
            )
        entries = [(a_num, actual_col)] + ([(t_num, target_col)] if t_num is not None else [])
        _percent_mixed(issues, kpi, entries, rows)
        _mixed_currencies(issues, kpi, entries, rows)
        bad_any = _union(a_missing, a_bad, t_bad)
        a_pct, t_pct = a_num.percent, t_num.percent if t_num is not None else None
        value_cols = (actual_col, target_col)
    else:
        if any(_has_line_break(raw.frame[c]) for c in raw.break_check):
            raise _CarefulNeeded()
        melted = _wide_to_long_raw(raw)
        rows = melted["_row"].to_numpy()
        employee, kpi, period_text, attrs = _key_texts(melted, melted["kpi"].astype("str"))
        actual = melted["_actual"].to_numpy(dtype=float)
        target = melted["_target"].to_numpy(dtype=float)
        a_bad = melted["_actual_bad"].to_numpy(dtype=bool)
        t_bad = melted["_target_bad"].to_numpy(dtype=bool)
        bad_any = _union(_some(a_bad), _some(t_bad))
        orig = {**orig, "kpi": "kpi"}
        a_pct = _some(melted["_actual_pct"].to_numpy(dtype=bool))
        t_pct = _some(melted["_target_pct"].to_numpy(dtype=bool))
        value_cols = (None, None)

    parsed = np.array(
        [_format_period(_parse_one_period(str(u)), None) for u in period_text.uniques],
        dtype=object,
    )
    period = period_text.mapped(parsed)
    # masks are None when no row has the problem: the clean path allocates nothing
    p_missing = period_text.missing_rows()
    p_bad = None
    if period is not period_text and (p_unread := period.missing_rows()) is not None:
        p_bad = _some(p_unread if p_missing is None else p_unread & ~p_missing)
    e_missing = employee.missing_rows()
    k_missing = kpi.missing_rows()
    if e_missing is not None:
        issues.add("missing_employee", orig["employee"], rows[e_missing])
    if k_missing is not None:
        issues.add("missing_kpi", orig.get("kpi", "kpi"), rows[k_missing])
    if p_missing is not None:
        issues.add("missing_period", orig["period"], rows[p_missing])
    if p_bad is not None:
        issues.add("bad_period", orig["period"], rows[p_bad], period_text.values(p_bad))
    key_bad = _union(e_missing, k_missing, p_missing, p_bad)
    bad_any = _union(bad_any, key_bad)
    quarterly = np.array(["-Q" in str(u) for u in period.uniques] + [False])
    if quarterly.any() and not quarterly[:-1].all():
        is_q = quarterly[period.codes]
        n_q = int(is_q.sum())
        n_m = int((~is_q & ~period.missing).sum())
        if n_q and n_m:  # point at the rarer kind: most likely the odd ones out
            odd = is_q if n_q <= n_m else ~is_q & ~period.missing
            issues.add(
                "mixed_periods",
                orig["period"],
                rows[odd],
                period.values(odd),
                severity="warning",
                note=f"({n_m:,} monthly and {n_q:,} quarterly rows)",
            )

    if library is not None:
        kpi_codes, kpi_uniques = kpi.codes, kpi.uniques
        known = np.array([library.get(str(k)) is not None for k in kpi_uniques] + [True])
        nonneg = np.array(
            [bool(getattr(library.get(str(k)), "nonnegative", False)) for k in kpi_uniques]
            + [False]
        )
        unknown = ~known[kpi_codes]
        if unknown.any():
            names = list(dict.fromkeys(kpi.values(unknown).tolist()))
            ids = [str(k.id) for k in library] if not hasattr(library, "ids") else library.ids
            close = {n: difflib.get_close_matches(n, list(ids), n=1) for n in names[:5]}
            pairs = [f"{n!r} → {c[0]!r}" for n, c in close.items() if c]
            hints = [f"\n  Did you mean {', '.join(pairs)}?"] if pairs else []
            issues.add(
                "unknown_kpi",
                orig.get("kpi", "kpi") if layout == "long" else None,
                rows[unknown],
                kpi.values(unknown),
                severity="warning",
                note=" ".join(hints),
            )
        percent_unit = np.array(
            [getattr(library.get(str(k)), "unit", None) == "percent" for k in kpi_uniques] + [False]
        )
        if percent_unit.any():
            for values, written, column, what in (
                (actual, a_pct, value_cols[0], ""),
                (target, t_pct, value_cols[1], "target "),
            ):
                _whole_percentages(
                    issues, kpi, percent_unit, (a_pct, t_pct), values, written, column, what, rows
                )
        negative = _some(nonneg[kpi_codes] & (actual < 0)) if nonneg.any() else None
        if negative is not None:
            col = orig["actual"] if layout == "long" else None
            issues.add(
                "negative",
                col,
                rows[negative],
                [
                    f"{k} = {float(a)!r}"
                    for k, a in zip(kpi.values(negative), actual[negative], strict=True)
                ],
            )
            bad_any = _union(bad_any, negative)

    # duplicates among rows whose key could be read
    ok_key = slice(None) if key_bad is None else ~key_bad
    space = int(np.prod([len(t.uniques) + 1 for t in (employee, period, kpi)], dtype=float))
    key = _combine_codes([employee, period, kpi], space)
    valid_keys = key[ok_key]
    dup = None
    if len(valid_keys) and space < 8 * len(valid_keys) + 1_000_000:
        seen = np.zeros(space, dtype=bool)  # O(n) and small: the key space is small
        seen[valid_keys] = True
        if np.count_nonzero(seen) < len(valid_keys):  # else every key is unique
            counts = np.bincount(valid_keys, minlength=space)
            dup = np.zeros(len(rows), dtype=bool)
            dup[ok_key] = counts[valid_keys] > 1
    elif len(valid_keys):
        dup = np.zeros(len(rows), dtype=bool)
        dup[ok_key] = pd.Series(valid_keys).duplicated(keep=False).to_numpy()
    dup = None if dup is None else _some(dup)
    if dup is not None:
        labels = [
            f"{e} × {p} × {k}"
            for e, p, k in zip(
                employee.values(dup), period.values(dup), kpi.values(dup), strict=True
            )
        ]
        if duplicates == "error":
            issues.add("duplicate", None, rows[dup], labels)
            bad_any = _union(bad_any, dup)
        else:
            issues.add("summed", None, rows[dup], labels, severity="warning")

    keep = None if bad_any is None else ~bad_any
    keep_all = keep is None
    columns: dict[str, Any] = {
        "employee": employee.series(keep),
        "period": period.series(keep),
        "kpi": kpi.series(keep),
        "actual": actual if keep_all else actual[keep],
    }
    has_target = "target" in raw.frame.columns if layout == "long" else np.isfinite(target).any()
    if has_target:
        columns["target"] = target if keep_all else target[keep]
    for a, values in attrs.items():
        columns[a] = values.series(keep)
    table = pd.DataFrame(columns, copy=False)  # no consolidation copy of the floats
    if duplicates == "sum" and dup is not None and (keep_all or dup[keep].any()):
        table = _sum_duplicates(table)
    stats = {
        "employees": len(employee.present(keep)),
        "periods": tuple(sorted(period.present(keep))),
        "kpis": tuple(kpi.present(keep)),
    }
    return table.reset_index(drop=True), layout, stats


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
    for a in ATTRIBUTES:
        if a in table.columns:
            agg[a] = "first"
    out = table.groupby(["employee", "period", "kpi"], sort=False, dropna=False).agg(agg)
    return out.reset_index()[list(table.columns)]
