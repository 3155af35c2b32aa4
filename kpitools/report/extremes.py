"""The report's section "At the cap and outliers": who hits the cap, who is paid far over target.

Per scheme, from the payout totals (one row per employee-period): how many employee-periods
the cap cut (``before_cap`` above ``after_cap``) and their share, how many employees it cut
at least once; and the outliers, employee-periods paid more than :data:`OUTLIER_MULTIPLE`
times their on-target pay (prorated), with the largest multiple and who was paid it. A
scheme without a cap shows ``no cap``, never a made-up zero.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._util.format import count, number, percent
from .blocks import esc, money
from .context import ReportContext

__all__ = ["OUTLIER_MULTIPLE", "cap_and_outliers", "extremes_table"]

#: An employee-period paid more than this many times on-target pay is an outlier.
OUTLIER_MULTIPLE = 3.0
#: Outliers listed by name (the largest multiples).
MAX_LISTED = 5


def _multiple(totals: pd.DataFrame) -> pd.Series:
    """Payout as a multiple of on-target pay (the engine's, already prorated); NaN without."""
    base = totals["on_target_pay"].astype(float)
    return totals["payout"].astype(float) / base.where(base > 0)


def extremes_table(ctx: ReportContext) -> pd.DataFrame:
    """Per scheme, the figures of the section as numbers (not text).

    Columns ``scheme, cap, rows, capped, capped_share, capped_employees, outliers,
    outlier_share, max_multiple, max_employee, max_period``.
    """
    records = []
    for name, run in ctx.simulation.runs.items():
        totals = run.totals
        cap = getattr(run.scheme, "cap", None)
        capped = (
            (totals["before_cap"].astype(float) > totals["after_cap"].astype(float) + 0.005)
            if cap is not None and {"before_cap", "after_cap"} <= set(totals.columns)
            else pd.Series(False, index=totals.index)
        )
        multiple = _multiple(totals)
        over = multiple > OUTLIER_MULTIPLE
        top = multiple.idxmax() if multiple.notna().any() else None
        records.append(
            {
                "scheme": name,
                "cap": np.nan if cap is None else float(cap),
                "rows": len(totals),
                "capped": int(capped.sum()) if cap is not None else np.nan,
                "capped_share": capped.mean() if cap is not None and len(totals) else np.nan,
                "capped_employees": (
                    totals.loc[capped, "employee"].nunique() if cap is not None else np.nan
                ),
                "outliers": int(over.sum()),
                "outlier_share": over.mean() if len(totals) else np.nan,
                "max_multiple": multiple.max(),
                "max_employee": None if top is None else totals.at[top, "employee"],
                "max_period": None if top is None else totals.at[top, "period"],
            }
        )
    return pd.DataFrame(records)


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    """The summary as the reader sees it: a column per scheme."""
    rows = {
        "Cap (× on-target pay)": [
            "no cap" if pd.isna(c) else f"{number(c)}×" for c in table["cap"]
        ],
        "Employee-periods at the cap": [
            "no cap" if pd.isna(n) else f"{count(n)} ({percent(s, 1)})"
            for n, s in zip(table["capped"], table["capped_share"], strict=True)
        ],
        "Employees ever at the cap": [
            "no cap" if pd.isna(n) else count(n) for n in table["capped_employees"]
        ],
        f"Paid over {number(OUTLIER_MULTIPLE)}× on-target": [
            f"{count(n)} ({percent(s, 1)})"
            for n, s in zip(table["outliers"], table["outlier_share"], strict=True)
        ],
        "Highest multiple": [
            "n/a" if pd.isna(m) else f"{number(round(m, 1))}×" for m in table["max_multiple"]
        ],
    }
    shown = pd.DataFrame({"": list(rows)})
    for i, scheme in enumerate(table["scheme"]):
        shown[esc(scheme)] = [values[i] for values in rows.values()]
    return shown


def _listed(ctx: ReportContext) -> pd.DataFrame:
    """The largest outliers of every scheme, by name."""
    frames = []
    for name, run in ctx.simulation.runs.items():
        totals = run.totals.assign(_multiple=_multiple(run.totals))
        over = totals[totals["_multiple"] > OUTLIER_MULTIPLE]
        frames.append(over.nlargest(MAX_LISTED, "_multiple").assign(_scheme=name))
    found = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if found.empty:
        return found
    return pd.DataFrame(
        {
            "Scheme": found["_scheme"].map(esc).to_numpy(),
            "Employee": found["employee"].map(esc).to_numpy(),
            "Period": found["period"].map(esc).to_numpy(),
            "Paid": [money(v, ctx.currency) for v in found["payout"]],
            "On-target pay": [money(v, ctx.currency) for v in found["on_target_pay"]],
            "Multiple": [f"{number(round(m, 1))}×" for m in found["_multiple"]],
        }
    )


def cap_and_outliers(ctx: ReportContext) -> list[Any]:
    """People at the cap (count, share) and outliers paid over 3× on-target pay, per scheme."""
    if ctx.simulation is None:
        return []
    table = extremes_table(ctx)
    blocks: list[Any] = [
        "## At the cap and outliers\n\n"
        "How often each scheme's cap cut a payment, and who was paid more than "
        f"{number(OUTLIER_MULTIPLE)} times their on-target pay in a period (prorated for "
        "part-timers, hires and leavers). Many people at the cap means the cap, not "
        "performance, sets pay; large multiples mean an uncapped scheme can pay far over "
        "plan.",
        _shown(table),
    ]
    listed = _listed(ctx)
    if not listed.empty:
        blocks += [
            f"The largest payments over {number(OUTLIER_MULTIPLE)}× on-target pay "
            f"(at most {MAX_LISTED} per scheme):",
            listed,
        ]
    return blocks
