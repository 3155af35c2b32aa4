"""Long or wide: detecting the layout, the required columns, and a wide table turned long."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DefinitionError, did_you_mean
from .columns import _LAYOUTS, _TEXT_COLUMNS, _WIDE_REQUIRED, ATTRIBUTES, normalise_column
from .numbers import (
    _currency_column,
    _formula_mask,
    _mask,
    _mixed_currencies,
    _Numbers,
    _percent_mixed,
    _read_numbers,
    _report_numbers,
    _row_currency,
)
from .quality import _fatal
from .raw import _Raw

__all__ = []


# --------------------------------------------------------------------------- validation
def _detect_layout(raw: _Raw, layout: str) -> str:
    if layout not in _LAYOUTS:
        raise DefinitionError(
            f"Unknown layout {layout!r}; use one of {', '.join(_LAYOUTS)}."
            f"{did_you_mean(layout, _LAYOUTS)}"
        )
    if layout != "auto":
        return layout
    cols = set(raw.frame.columns)
    # a ``kpi`` or an ``actual`` column only a long table has: the other one is then missing
    # (misspelt), which the long table's check names, rather than a wide table's KPI
    return "long" if {"kpi", "actual"} & cols else "wide"


def _require(raw: _Raw, required: Sequence[str], layout: str) -> None:
    missing = [c for c in required if c not in raw.frame.columns]
    if not missing:
        return
    found = ", ".join(repr(v) for v in raw.original.values())
    below = _header_below(raw, required)
    if below is not None:
        row, names = below
        raise _fatal(
            raw.name,
            f"{raw.name}: the header is not on the first line: row {row} holds the column "
            f"names ({', '.join(names)}); the first line read as the header was: {found}.\n"
            f"Suggestion: delete the rows above row {row} (titles, notes, blank lines) so that "
            "the column names are on the first line, then load the file again.",
            ", ".join(missing),
        )
    hints = "".join(
        f"\nFor {m!r}:{did_you_mean(m, list(raw.frame.columns))}"
        for m in missing
        if did_you_mean(m, list(raw.frame.columns))
    )
    need = (
        "employee, period, kpi, actual (+ optional target, role, team, region, manager)"
        if layout == "long"
        else "employee, period and one column per KPI"
    )
    raise _fatal(
        raw.name,
        f"{raw.name}: missing column{'s' if len(missing) > 1 else ''} "
        f"{', '.join(repr(m) for m in missing)} for a {layout} table.\n"
        f"Found columns: {found}.\n"
        f"A {layout} table needs {need}.{hints}\n"
        "Suggestion: rename the columns (case and spaces do not matter), or pass "
        "layout='long'/'wide' (kpitools data check --layout) if the layout was guessed wrongly."
        + (
            "\nA file with one row per event (deal, order, shift) is turned into KPIs with "
            "'kpitools data aggregate' (Python: kpitools.data.aggregate_events)."
            if layout == "wide"
            else ""
        ),
        ", ".join(missing),
    )


def _header_below(raw: _Raw, required: Sequence[str]) -> tuple[int, list[str]] | None:
    """A row among the first 20 whose cells name every required column (a title above the header).

    Returns the user's row number and the cells of that row, or None.
    """
    head = raw.head or tuple(
        (int(raw.rows[i]), tuple(cells))
        for i, cells in enumerate(raw.frame.head(20).itertuples(index=False))
    )
    for row, cells in head:  # at most 20 rows
        # a title line without delimiters makes the sniffer guess wrong: split whole lines too
        texts = [
            t.strip()
            for v in cells
            if isinstance(v, str)
            for t in re.split(r"[;,\t]", v)
            if t.strip()
        ]
        if set(required) <= {normalise_column(v) for v in texts}:
            return row, texts
    return None


def _wide_numeric(columns: list[str]) -> list[str]:
    return [c for c in columns if c not in _TEXT_COLUMNS]


def _long_numeric(columns: list[str]) -> list[str]:
    return [c for c in columns if c in ("actual", "target")]


def _numeric_hint(layout: str) -> Callable[[list[str]], list[str]]:
    def hint(columns: list[str]) -> list[str]:
        mode = layout
        if mode == "auto":
            mode = "long" if {"kpi", "actual"} <= set(columns) else "wide"
        return _long_numeric(columns) if mode == "long" else _wide_numeric(columns)

    return hint


def _wide_columns(raw: _Raw) -> tuple[list[str], dict[str, str], list[str]]:
    """The attribute columns, ``target_<kpi>`` columns by KPI, and KPI columns of a wide table."""
    frame, issues = raw.frame, raw.issues
    attrs = [a for a in ATTRIBUTES if a in frame.columns]
    targets = {c[len("target_") :]: c for c in frame.columns if c.startswith("target_")}
    kpis = [
        c
        for c in frame.columns
        if c not in ("employee", "period", "currency", *attrs)
        and not c.startswith("target_")
        and c not in ("kpi", "actual", "target")
    ]
    for c in ("kpi", "actual", "target"):
        if c in frame.columns:
            issues.add_general(
                "ignored_column",
                raw.original[c],
                severity="warning",
                note="(a wide table has one column per KPI; pass layout='long' for a long one)",
            )
    return attrs, targets, kpis


def _kpi_numbers(raw: _Raw, kpis: list[str], targets: dict[str, str]) -> dict[str, _Numbers]:
    """Each KPI column's numbers; a column without any is not a KPI (a warning)."""
    issues = raw.issues
    numbers: dict[str, _Numbers] = {}
    for c in kpis:
        num = _read_numbers(raw.frame[c], decimal_comma=raw.decimal_comma)
        usable = ~num.missing & ~num.bad
        if num.bad.any() and not usable.any() and c not in raw.formulas:
            issues.add_general("not_numeric_column", raw.original[c], severity="warning")
            continue
        numbers[c] = num
    for kpi, tcol in targets.items():
        if kpi not in numbers:
            issues.add_general("orphan_target", raw.original[tcol], severity="warning")
    if not numbers:
        found = ", ".join(repr(v) for v in raw.original.values())
        raise _fatal(
            raw.name,
            f"{raw.name}: no KPI columns with numbers; found columns: {found}.\n"
            "A wide table needs employee, period and one column per KPI; a long table needs "
            "employee, period, kpi, actual.\n"
            "Suggestion: add the KPI columns, or rename the columns of a long table.",
        )
    return numbers


def _target_of(raw: _Raw, tcol: str | None, n: int) -> tuple[Any, np.ndarray, np.ndarray, Any]:
    """A KPI's target column read (values, bad, written with %, numbers), or no target."""
    if tcol is None:
        nothing = np.zeros(n, dtype=bool)
        return np.full(n, np.nan), nothing, nothing, None
    t_num = _read_numbers(raw.frame[tcol], decimal_comma=raw.decimal_comma)
    t_bad = _report_numbers(
        raw.issues,
        t_num,
        _formula_mask(raw, tcol),
        raw.original[tcol],
        raw.rows,
        raw.frame[tcol],
        "bad_target",
    )
    t_bad = np.zeros(n, dtype=bool) if t_bad is None else t_bad
    return t_num.values, t_bad, _mask(t_num.percent, n), t_num


def _melt_one(
    raw: _Raw, k: int, c: str, num: _Numbers, tcol: str | None, given: Any = None
) -> pd.DataFrame:
    """The rows of one KPI column (empty cells are no row: a warning).

    ``given``: the ``currency`` column read (codes, its name), or None.
    """
    frame, issues, n = raw.frame, raw.issues, len(raw.frame)
    if num.missing.any():
        issues.add("empty_cell", raw.original[c], raw.rows[num.missing], severity="warning")
    bad = _report_numbers(
        issues, num, _formula_mask(raw, c), raw.original[c], raw.rows, frame[c], "bad_actual"
    )
    bad = np.zeros(n, dtype=bool) if bad is None else bad
    t_values, t_bad, t_pct, t_num = _target_of(raw, tcol, n)
    entries = [(num, raw.original[c])]
    if t_num is not None:
        entries.append((t_num, raw.original[tcol]))
    _percent_mixed(issues, None, entries, raw.rows)
    _mixed_currencies(issues, None, entries, raw.rows)
    currency, c_bad = _row_currency(issues, entries, raw.rows, given)
    if c_bad is not None:
        bad = bad | c_bad
    idx = np.flatnonzero(~num.missing)
    return pd.DataFrame(
        {
            "_pos": idx,
            "_k": k,
            "kpi": c,
            "_actual": num.values[idx],
            "_actual_bad": bad[idx],
            "_actual_pct": _mask(num.percent, n)[idx],
            "_target_pct": t_pct[idx],
            "_actual_text": frame[c].to_numpy(dtype=object)[idx],
            "_actual_col": raw.original[c],
            "_target": t_values[idx],
            "_target_bad": t_bad[idx],
            "_target_text": frame[tcol].to_numpy(dtype=object)[idx] if tcol else None,
            "_target_col": raw.original.get(tcol or "", "target"),
            "_currency": None if currency is None else currency[idx],
        }
    )


def _wide_to_long_raw(raw: _Raw) -> pd.DataFrame:
    """Melt a wide raw table: columns employee, period, kpi, actual, target, attrs, _row."""
    _require(raw, _WIDE_REQUIRED, "wide")
    frame = raw.frame
    attrs, targets, kpis = _wide_columns(raw)
    numbers = _kpi_numbers(raw, kpis, targets)
    given = None
    if "currency" in frame.columns:
        codes, _ = _currency_column(raw.issues, frame["currency"], raw.original["currency"],
                                        raw.rows)  # fmt: skip
        given = (codes, raw.original["currency"])
    parts = [
        _melt_one(raw, k, c, num, targets.get(c), given)
        for k, (c, num) in enumerate(numbers.items())
    ]
    melted = pd.concat(parts, ignore_index=True).sort_values(["_pos", "_k"], kind="stable")
    pos = melted["_pos"].to_numpy()
    out = pd.DataFrame(
        {
            "employee": frame["employee"].to_numpy()[pos],
            "period": frame["period"].to_numpy()[pos],
        }
    )
    for col in melted.columns:
        if col not in ("_pos", "_k"):
            out[col] = melted[col].to_numpy()
    for a in attrs:
        out[a] = frame[a].to_numpy()[pos]
    out["_row"] = raw.rows[pos]
    return out
