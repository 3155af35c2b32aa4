"""The report's closing sections: data quality, and the method and assumptions."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from .._util.format import count, number
from .blocks import esc, money
from .context import ReportContext
from .goals import plain_ids
from .problems import SUGGESTION

__all__ = ["data_quality", "method_and_assumptions", "without_folders"]

_COMPONENT = re.compile(r"components\[\d+\] \(([^)]*)\): ")
#: A file's path (``/tmp/acme/roster.csv``, ``C:\\clients\\data.xlsx``): its folders.
_FOLDERS = re.compile(r"(?<![\w/\\])(?:[A-Za-z]:)?[\\/](?:[^\s\\/:]+[\\/])+(?=[^\s\\/:]+)")


def without_folders(text: str) -> str:
    """Text with each file's folders dropped: a client report shows the file's name only.

    Examples
    --------
    >>> without_folders("7 employees of /tmp/acme/roster.csv have no rows")
    '7 employees of roster.csv have no rows'
    """
    return _FOLDERS.sub("", text)


def _issues_table(issues: pd.DataFrame) -> pd.DataFrame:
    issues = issues.copy()
    if "count" in issues:  # 1,234 rows, not 1234
        issues["count"] = issues["count"].map(count)
    if "severity" in issues:
        issues["severity"] = issues["severity"].astype(str).str.capitalize()
    return issues.rename(columns=str.capitalize)


def _skipped_table(ctx: ReportContext) -> pd.DataFrame:
    """Skipped periods per scheme and reason, with KPI names instead of key paths."""
    skipped = ctx.simulation.skipped
    cols = ["scheme", "reason"] if "scheme" in skipped else ["reason"]
    rows = []
    for key, group in skipped.groupby(cols, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        periods = list(dict.fromkeys(group["period"].astype(str)))
        shown = ", ".join(periods) if len(periods) <= 3 else f"{periods[0]} to {periods[-1]}"
        reason = _COMPONENT.sub(lambda m: f"{ctx.kpi_name(m.group(1))}: ", str(key[-1]))
        rows.append(
            {
                **({"Scheme": str(key[0])} if len(cols) == 2 else {}),
                "Periods": f"{shown} ({len(periods)})",
                "Why": reason,
            }
        )
    return pd.DataFrame(rows)


def _calculation_notes(ctx: ReportContext) -> str:
    """The payout calculation's warnings, with KPI names instead of key paths."""
    notes = [
        plain_ids(ctx, _COMPONENT.sub(lambda m: f"{ctx.kpi_name(m.group(1))}: ", f"{w} "))
        for w in ctx.simulation.warnings
    ]
    return "Notes from the payout calculation:\n\n" + "\n".join(
        f"- {esc(without_folders(n.strip()))}" for n in notes
    )


def data_quality(ctx: ReportContext) -> list[Any]:
    """Rows read and kept, each issue, and periods a scheme could not evaluate."""
    q = ctx.quality
    blocks: list[Any] = [
        "## Data quality\n\n"
        f"Source: {esc(ctx.data_source)}. {count(q.rows_read)} rows read, "
        f"{count(q.rows_kept)} kept; "
        f"{count(q.employees)} employees, {count(len(q.periods))} periods, {len(q.kpis)} KPIs."
    ]
    blocks.append(_issues_table(q.issues) if len(q.issues) else "No issue found.")
    if ctx.simulation is not None and len(ctx.simulation.skipped):
        blocks.append(
            "Periods not evaluated: a target set from history needs data from before them."
        )
        blocks.append(_skipped_table(ctx))
    if ctx.simulation is not None and ctx.simulation.warnings:
        blocks.append(_calculation_notes(ctx))
    return blocks


def _kpitools_version() -> str:
    try:
        return version("kpitools")
    except PackageNotFoundError:  # pragma: no cover - source tree
        return "unknown"


def _scope_items(ctx: ReportContext) -> list[str]:
    """The roster, the filter and the scheme parameters changed for this report, if any."""
    items = []
    if ctx.roster is not None:
        items.append(
            f"Roster: {esc(Path(ctx.roster.file).name)}, {count(len(ctx.roster))} employees; its "
            f"{esc(', '.join(ctx.roster.attributes) or 'columns')} joined to the data by employee."
        )
    if ctx.where:
        rows = len(ctx.data)
        items.append(
            f"Filter: only the rows where {esc(ctx.where)}: {count(rows)} of "
            f"{count(ctx.quality.rows_kept)} rows, "
            f"{count(ctx.data['employee'].nunique())} employees."
        )
    for scheme, changes in ctx.overrides.items():
        shown = "; ".join(
            f"{esc(path)} = "
            + (number(value) if isinstance(value, int | float) and not isinstance(value, bool)
               else esc(value))
            for path, value in changes.items()
        )  # fmt: skip
        items.append(f"Changed for this report in {esc(scheme)}: {shown}.")
    return items


def _proration_items(ctx: ReportContext) -> list[str]:
    """Who was paid for part of a period (joined, left, part-time), per scheme."""
    if ctx.simulation is None:
        return []
    parts = []
    for name, run in ctx.simulation.runs.items():
        totals = run.totals
        if "proration" not in totals.columns:
            continue
        partial = totals.loc[totals["proration"] < 1, "employee"].nunique()
        if partial:
            parts.append(f"{esc(name)}: {count(partial)} employee{'s' if partial != 1 else ''}")
    if not parts:
        return []
    return [
        "Pay is prorated for the people who joined, left or worked part-time in a period "
        "(on-target pay, cap and summed targets × FTE × days active ÷ days in the period, from "
        f"the roster's hire and leave dates): {'; '.join(parts)}."
    ]


def method_and_assumptions(ctx: ReportContext) -> list[Any]:
    """How the numbers were made: inputs, rules and settings."""
    schemes = ", ".join(esc(s) for s in ctx.schemes) or "none"
    budget = money(ctx.budget, ctx.currency) if ctx.budget is not None else "the schemes' own"
    skipped = ctx.simulation is not None and len(ctx.simulation.skipped)
    items = [
        f"Data: {esc(ctx.data_source)}, {esc(ctx.period_range)}.",
        *_scope_items(ctx),
        f"Schemes compared: {schemes}; periods: "
        + (esc(ctx.periods) if ctx.periods else "all in the data")
        + (" (some not evaluated, see Data quality)." if skipped else "."),
        "Payouts follow each scheme file: component payouts, then gates, sum, modifiers, cap "
        "and pool proration; reaching a threshold exactly counts as reaching it.",
        "Targets set from history use only data from before the period they apply to.",
        *_proration_items(ctx),
        f"Budget per period: {budget}.",
        esc(ctx.money.describe()),
        *(esc(note.split(SUGGESTION)[0]) for note in ctx.currency_notes),
        f"Forecast: {count(ctx.forecast_draws)} draws, seed {esc(ctx.seed)}.",
        f"Made with kpitools {esc(_kpitools_version())}; every input file's sha256 is in "
        "manifest.json next to this report.",
    ]
    return ["## Method and assumptions\n\n" + "\n".join(f"- {i}" for i in items)]
