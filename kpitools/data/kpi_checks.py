"""Checks of the long table's values against the KPI library.

Unknown KPIs, whole percentages, negative values, ratings off their scale. Each check takes
the table's columns as :class:`kpitools.data.validate._Values` (``v``), notes what it finds
in ``issues`` and marks the rows with an error in ``v.bad``.
"""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np

from .numbers import _some, _union, _whole_percentages

__all__ = []


def _check_library(v: Any, issues: Any, library: Any, layout: str) -> None:
    """Against the KPI library: unknown KPIs, whole percentages, negative values."""
    kpi = v.kpi
    known = np.array([library.get(str(k)) is not None for k in kpi.uniques] + [True])
    unknown = ~known[kpi.codes]
    if unknown.any():
        names = list(dict.fromkeys(kpi.values(unknown).tolist()))
        ids = [str(k.id) for k in library] if not hasattr(library, "ids") else library.ids
        close = {n: difflib.get_close_matches(n, list(ids), n=1) for n in names[:5]}
        pairs = [f"{n!r} → {c[0]!r}" for n, c in close.items() if c]
        hints = [f"\n  Did you mean {', '.join(pairs)}?"] if pairs else []
        issues.add(
            "unknown_kpi",
            v.orig.get("kpi", "kpi") if layout == "long" else None,
            v.rows[unknown],
            kpi.values(unknown),
            severity="warning",
            note=" ".join(hints),
        )
    percent_unit = np.array(
        [getattr(library.get(str(k)), "unit", None) == "percent" for k in kpi.uniques] + [False]
    )
    if percent_unit.any():
        for values, written, column, what in (
            (v.actual, v.percent[0], v.value_cols[0], ""),
            (v.target, v.percent[1], v.value_cols[1], "target "),
        ):
            _whole_percentages(
                issues, kpi, percent_unit, v.percent, values, written, column, what, v.rows
            )
    _check_negative(v, issues, library, layout)
    _check_scale(v, issues, library, layout)


def _check_scale(v: Any, issues: Any, library: Any, layout: str) -> None:
    """Ratings off their KPI's ``scale`` (``type: rating`` in the library): errors."""
    scales = [getattr(library.get(str(k)), "scale", None) for k in v.kpi.uniques]
    if not any(s is not None for s in scales):
        return
    lo = np.array([s[0] if s else -np.inf for s in scales] + [-np.inf])
    hi = np.array([s[1] if s else np.inf for s in scales] + [np.inf])
    codes = v.kpi.codes
    off = _some((v.actual < lo[codes]) | (v.actual > hi[codes]))  # NaN is on no side
    if off is None:
        return
    shown = [
        f"{k} = {float(a)!r} (scale {_as_range(library.get(str(k)).scale)})"
        for k, a in zip(v.kpi.values(off), v.actual[off], strict=True)
    ]
    issues.add("off_scale", v.orig["actual"] if layout == "long" else None, v.rows[off], shown)
    v.bad = _union(v.bad, off)


def _as_range(scale: tuple[float, float]) -> str:
    """``0 to 5``: a scale as the message shows it."""
    return " to ".join(f"{float(b):g}" for b in scale)


def _check_negative(v: Any, issues: Any, library: Any, layout: str) -> None:
    """Negative actuals of KPIs that cannot be negative: errors, or warnings when reversible.

    A ``reversible`` KPI (revenue, units, margin) nets credit notes and returns off in the
    month they are issued, so a negative month is real: kept, with a warning.
    """
    kpis = [library.get(str(k)) for k in v.kpi.uniques]
    nonneg = np.array([bool(getattr(k, "nonnegative", False)) for k in kpis] + [False])
    if not nonneg.any():
        return
    reversible = np.array([bool(getattr(k, "reversible", False)) for k in kpis] + [False])
    below = nonneg[v.kpi.codes] & (v.actual < 0)
    column = v.orig["actual"] if layout == "long" else None
    for key, mask in (
        ("negative", below & ~reversible[v.kpi.codes]),
        ("negative_reversible", below & reversible[v.kpi.codes]),
    ):
        some = _some(mask)
        if some is None:
            continue
        shown = [
            f"{k} = {float(a)!r}" for k, a in zip(v.kpi.values(some), v.actual[some], strict=True)
        ]
        if key == "negative":
            issues.add(key, column, v.rows[some], shown)
            v.bad = _union(v.bad, some)
        else:
            issues.add(key, column, v.rows[some], shown, severity="warning")
