"""The report's section "Plan mechanics in use": what each mechanic of each scheme did.

For every scheme, each mechanic it uses, with what it did over the periods evaluated: the
cap (how often it cut pay), gates (how often one closed), modifiers (how often they
changed pay), a pool (in how many periods it scaled pay down, by how much on average and
what that took from pay), proration (hires, leavers, part-timers), and for a scheme that
pays over time (draw, true-up, clawback) the payment columns: earned, paid, adjustments
and the draw balance (docs/plan-mechanics.md). A mechanic a scheme does not use is not
listed; a pool is never praised for staying within its budget, which it does by design.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._util.format import count, percent
from ..engine import STEP_COLUMNS
from .blocks import esc, money
from .context import ReportContext

__all__ = ["mechanics_in_use", "mechanics_table", "payment_columns"]


def _things(n: int, noun: str) -> str:
    """``One gate``, ``2 gates``: how many of a mechanic, as a sentence starts."""
    return f"One {noun}" if n == 1 else f"{count(n)} {noun}s"


def _cap(run: Any, ctx: ReportContext) -> str | None:
    cap = getattr(run.scheme, "cap", None)
    if cap is None:
        return None
    t = run.totals
    cut = t["before_cap"].astype(float) > t["after_cap"].astype(float) + 0.005
    return (
        f"Cap at {cap:g}× on-target pay: cut {count(cut.sum())} of {count(len(t))} "
        f"employee-periods ({percent(cut.mean(), 1)}), taking "
        f"{money((t['before_cap'] - t['after_cap']).clip(lower=0).sum(), ctx.currency)} "
        "from pay."
    )


def _gates(run: Any, ctx: ReportContext) -> str | None:
    if not run.scheme.gates:
        return None
    closed = ~run.totals["gate_passed"].astype(bool)
    return (
        f"{_things(len(run.scheme.gates), 'gate')} closed for {count(closed.sum())} "
        f"employee-periods ({percent(closed.mean(), 1)})."
    )


def _modifiers(run: Any, ctx: ReportContext) -> str | None:
    if not run.scheme.modifiers:
        return None
    mod = run.totals["modifier"].astype(float)
    down, up = (mod < 1 - 1e-9).mean(), (mod > 1 + 1e-9).mean()
    return (
        f"{_things(len(run.scheme.modifiers), 'modifier')} lowered pay in {percent(down, 1)} "
        f"and raised it in {percent(up, 1)} of employee-periods."
    )


def _pool(run: Any, ctx: ReportContext) -> str | None:
    if getattr(run.scheme, "pool", None) is None:
        return None
    pool = run.scheme.pool
    if getattr(pool, "funded_by", None) is not None:
        return _funded_pool(run, ctx)
    t = run.totals
    factor = t.groupby("period")["pool_factor"].first().astype(float)
    scaled = factor < 1 - 1e-9
    taken = (t["after_cap"].astype(float) - t["payout"].astype(float)).clip(lower=0).sum()
    average = factor[scaled].mean() if scaled.any() else np.nan
    return (
        f"Pool: stays within its budget by design, by scaling pay down; it did so in "
        f"{count(scaled.sum())} of {count(len(factor))} periods"
        + (f" (to {percent(average)} of earned pay on average)" if scaled.any() else "")
        + f", taking {money(taken, ctx.currency)} from what people earned."
    )


def _funded_pool(run: Any, ctx: ReportContext) -> str:
    """A pool funded by a KPI: its size per period, what it paid, how often it scaled pay."""
    pool = run.scheme.pool
    funding, table = pool.funded_by, run.pools
    size, paid, earned = (table[c].astype(float) for c in ("pool", "paid", "earned"))
    scaled = table["scale"].astype(float) < 1 - 1e-9
    how = (
        "the whole pool is paid out in proportion to what people earned"
        if pool.mode == "all"
        else "pay is scaled down only where it would exceed the pool"
    )
    return (
        f"Pool funded by {esc(ctx.kpi_name(funding.kpi))}: {percent(funding.rate, 1)} of the "
        f"period's total above {money(funding.above, ctx.currency)}; {how}. Over "
        f"{count(len(table))} periods the pool was {money(size.sum(), ctx.currency)} in all "
        f"(from {money(size.min(), ctx.currency)} to {money(size.max(), ctx.currency)} a "
        f"period); people earned {money(earned.sum(), ctx.currency)} and were paid "
        f"{money(paid.sum(), ctx.currency)}; pay was scaled down in {count(scaled.sum())} "
        "periods."
    )


def _proration(run: Any, ctx: ReportContext) -> str | None:
    if "proration" not in run.totals:
        return None
    t = run.totals
    part = t["proration"].astype(float) < 1 - 1e-9
    if not part.any():
        return None
    return (
        f"Proration: {count(part.sum())} employee-periods of "
        f"{count(t.loc[part, 'employee'].nunique())} employees paid for part of the period "
        "(hires, leavers, part-timers)."
    )


def _over_time(run: Any, ctx: ReportContext) -> str | None:
    used = [
        name
        for name, key in (("draw", "draw"), ("true-up", "true_up"), ("clawback", "clawback"))
        if getattr(run.scheme, key, None) is not None
    ]
    if not used:
        return None
    return (
        f"Pays over time ({', '.join(used)}): what a period earned and what it paid differ; "
        "the payment columns below show how."
    )


_MECHANICS = (
    ("Cap", _cap),
    ("Gates", _gates),
    ("Modifiers", _modifiers),
    ("Pool", _pool),
    ("Proration", _proration),
    ("Draw, true-up, clawback", _over_time),
)


def mechanics_table(ctx: ReportContext) -> pd.DataFrame:
    """One row per scheme and mechanic it uses: ``Scheme, Mechanic, What it did`` (text)."""
    rows = []
    for name, run in ctx.simulation.runs.items():
        for mechanic, describe in _MECHANICS:
            text = describe(run, ctx)
            if text:
                rows.append({"Scheme": esc(name), "Mechanic": mechanic, "What it did": text})
    return pd.DataFrame(rows, columns=["Scheme", "Mechanic", "What it did"])


def payment_columns(ctx: ReportContext, name: str) -> pd.DataFrame | None:
    """A scheme's payment columns summed per period (a scheme that pays over time), or None."""
    run = ctx.simulation.runs[name]
    payouts = run.payouts
    if not set(STEP_COLUMNS) <= set(payouts.columns):
        return None
    total = payouts[payouts["component"] == "total"]
    per = total.groupby("period", sort=True)[["earned", "adjustment", "payment"]].sum()
    balance = total.groupby("period", sort=True)["draw_balance"].sum()
    return pd.DataFrame(
        {
            "Period": [esc(p) for p in per.index],
            "Earned": [money(v, ctx.currency) for v in per["earned"]],
            "Adjustments": [money(v, ctx.currency) for v in per["adjustment"]],
            "Paid": [money(v, ctx.currency) for v in per["payment"]],
            "Draw balance": [money(v, ctx.currency) for v in balance],
        }
    )


def mechanics_in_use(ctx: ReportContext) -> list[Any]:
    """Every mechanic each scheme uses and what it did; payment columns where they apply."""
    if ctx.simulation is None:
        return []
    table = mechanics_table(ctx)
    if table.empty:
        return []
    blocks: list[Any] = [
        "## Plan mechanics in use\n\n"
        "What each mechanic of each scheme did over the periods evaluated. Amounts are "
        "totals over those periods.",
        table,
    ]
    for name in ctx.schemes:
        steps = payment_columns(ctx, name)
        if steps is not None:
            blocks += [f"**{esc(name)}**: from what each period earned to what it paid", steps]
    return blocks
