"""The executive summary's page: the layout, with the sentences given by the decision rule.

:func:`summary_page` lays out one page: the recommendation in one sentence (set off), what
changes for whom, the cost and its risk, and the decisions the client must take next, with
a small table of the key figures of every scheme under them. It writes no sentence of its
own about which scheme is best: the words come from the caller (the decision rule's
``recommendation.json``, :mod:`kpitools.report.recommend`), so the page never contradicts
the file. The figures table is the same as the scheme comparison's, through the one
formatter.

Examples
--------
>>> blocks = summary_page(ctx, recommendation="Adopt Tiered accelerator.",
...                       changes=["Reps gain 41% on median."], cost=["1.6M RUB a month."],
...                       decisions=["Approve the budget."])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from .._util.format import count, percent
from .blocks import PAGE_END, esc, money
from .context import ReportContext

__all__ = ["PAGE_END", "key_figures", "summary_page"]


def key_figures(ctx: ReportContext) -> pd.DataFrame:
    """Every scheme's cost per period, against its budget, share at target and who gains.

    The cost per period is :meth:`ReportContext.cost_per_period` (as the comparison); the
    gain / lose counts against the baseline are those of ``recommendation.json``.
    """
    sim = ctx.simulation
    cost = ctx.cost_per_period()
    counted = (ctx.recommendation or {}).get("schemes") or {}  # gain / lose, as in the file
    rows = []
    for name in ctx.schemes:
        metrics = sim.metrics.loc[name]
        if name == sim.baseline:
            moves = "current"
        elif counted.get(name, {}).get("employees_gaining") is not None:
            entry = counted[name]
            moves = f"{count(entry['employees_gaining'])} / {count(entry['employees_losing'])}"
        else:
            moves = "n/a"
        variance = metrics.get("budget_variance")
        rows.append(
            {
                "Scheme": esc(name),
                "Cost per period": money(cost.get(name), ctx.currency),
                "Against budget": (
                    "no budget"
                    if pd.isna(variance)
                    else f"{'+' if variance > 0 else ''}{percent(variance)}"
                ),
                "At or above target": percent(metrics.get("pct_at_target")),
                "Gain / lose": moves,
            }
        )
    return pd.DataFrame(rows)


def _bullets(title: str, items: Sequence[str]) -> str:
    return f"**{title}**\n\n" + "\n".join(f"- {item}" for item in items) if items else ""


def summary_page(
    ctx: ReportContext,
    *,
    recommendation: str,
    changes: Sequence[str] = (),
    cost: Sequence[str] = (),
    decisions: Sequence[str] = (),
    why: Sequence[str] = (),
    findings: Sequence[str] = (),
) -> list[Any]:
    """The executive summary on one page, from the decision rule's sentences.

    Parameters
    ----------
    ctx : ReportContext
        The report's context (the key figures table).
    recommendation : str
        The recommendation in one sentence (markdown; escape any client text in it).
    changes, cost, decisions : sequence of str
        What changes for whom; the cost and its risk; the decisions the client must take
        next (numbered). Empty: the heading is left out.
    why, findings : sequence of str
        Why this scheme and not the others; what the history and the checks show.

    Returns
    -------
    list
        Blocks for :func:`kpitools.report.show`; the page ends after them in print.
    """
    lead = (
        f"This report for **{esc(ctx.client)}** reviews {count(ctx.data['employee'].nunique())} "
        f"employees' results from {esc(ctx.period_range)}"
        + (f" and compares {count(len(ctx.schemes))} bonus schemes." if ctx.schemes else ".")
    )
    head = "\n\n".join(
        ["## Executive summary", lead, "> " + " ".join(str(recommendation).split())]
    )  # the recommendation set off as a call-out
    blocks: list[Any] = [head]
    if ctx.simulation is not None:  # the key figures right under it, on the same page
        blocks += ["Key figures per scheme (gain / lose: against the current scheme):"]
        blocks.append(key_figures(ctx))
    numbered = (
        "**Decisions for you**\n\n"
        + "\n".join(f"{i}. {item}" for i, item in enumerate(decisions, start=1))
        if decisions
        else ""
    )
    # each part a block of its own, so a long summary flows on rather than leaving a gap
    blocks += [
        part
        for part in (
            _bullets("What changes for whom", changes),
            _bullets("Cost and its risk", cost),
            _bullets("Why", why),
            numbered,
            _bullets("What the history and the data show", findings),
        )
        if part
    ]
    blocks.append(PAGE_END)
    return blocks
