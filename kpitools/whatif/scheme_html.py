"""The text of the scheme explorer, as HTML: the headline, captions, metrics table, status.

Figures are formatted through :mod:`kpitools._util.format` and the engine's metric catalogue
(:func:`kpitools.engine.format_metric`), so a figure reads as in ``kpitools simulate``.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

from .._util.format import MISSING, money, number, percent
from ..engine import format_metric
from .evaluate import Evaluation

__all__ = [
    "METRIC_LABELS",
    "caption_html",
    "change_text",
    "data_info",
    "headline_html",
    "metrics_html",
    "payments_html",
]

#: The metrics of the table, in order, with what the table calls them.
METRIC_LABELS = {
    "total_cost": "total cost",
    "cost_per_employee": "cost per employee",
    "cost_of_sales": "cost of sales",
    "pct_at_target": "at target (≥ 100%)",
    "pct_zero_payout": "paid nothing",
    "payout_p10": "payout p10 (× on-target)",
    "payout_p50": "payout median (× on-target)",
    "payout_p90": "payout p90 (× on-target)",
    "leverage": "leverage (p90 ÷ p50)",
    "pay_performance_corr": "pay-performance correlation",
    "gini": "Gini of payouts",
    "near_threshold_share": "just below a threshold",
    "budget_variance": "against budget",
}
_MONEY = {"total_cost", "cost_per_employee"}
_SHARES = {"cost_of_sales", "near_threshold_share", "budget_variance"}  # and every pct_*
_TABLE_STYLE = (
    "<style>.kpitools-metrics td,.kpitools-metrics th{padding:1px 8px;text-align:right}"
    ".kpitools-metrics td:first-child,.kpitools-metrics th:first-child{text-align:left}"
    "</style>"
)


def change_text(name: str, before: float, after: float) -> str:
    """The change of a metric, signed: money in whole units, shares in points, else 2 decimals.

    Examples
    --------
    >>> change_text("total_cost", 1000, 1500.4), change_text("pct_at_target", 0.5, 0.62)
    ('+500', '+12.0%')
    >>> change_text("leverage", 2.0, 1.75), change_text("gini", 0.3, float("nan"))
    ('-0.25', 'n/a')
    """
    delta = float(after) - float(before)
    if not math.isfinite(delta):
        return MISSING
    if name in _MONEY:
        return format_metric("cost_change", delta)
    if name.startswith("pct") or name in _SHARES:
        return f"{delta:+.1%}"
    return f"{delta:+.2f}"


def metrics_html(start: Any, now: Any) -> str:
    """The metrics table: each metric at the start, now, and the change.

    Parameters
    ----------
    start, now : pandas.Series
        Metrics of the starting and the current scheme.
    """
    rows = []
    for name, label in METRIC_LABELS.items():
        a, b = float(start[name]), float(now[name])
        rows.append(
            f"<tr><td>{escape(label)}</td><td>{format_metric(name, a)}</td>"
            f"<td><b>{format_metric(name, b)}</b></td><td>{change_text(name, a, b)}</td></tr>"
        )
    head = "<tr><th>metric</th><th>start</th><th>now</th><th>change</th></tr>"
    return f'{_TABLE_STYLE}<table class="kpitools-metrics">{head}{"".join(rows)}</table>'


def headline_html(now: Any, start: Any, winners: int, losers: int, currency: str) -> str:
    """The line above the figures: total cost, against the start and the budget, who gains.

    Parameters
    ----------
    now, start : pandas.Series
        Metrics of the current and the starting scheme.
    winners, losers : int
        Employees who gain and lose against the start.
    currency : str
        Shown with the total cost.
    """
    cost, cost0 = float(now["total_cost"]), float(start["total_cost"])
    parts = [f"Total cost: <b class='kpitools-total-cost-value'>{money(cost, currency)}</b>"]
    if cost0 > 0:
        parts.append(
            f"{format_metric('cost_change_pct', (cost - cost0) / cost0)} against the start"
        )
    if math.isfinite(now["budget_variance"]):
        parts.append(
            f"{format_metric('budget_variance', now['budget_variance'])} against the budget"
        )
    if math.isfinite(now["cost_of_sales"]):
        parts.append(f"{format_metric('cost_of_sales', now['cost_of_sales'])} of revenue")
    parts.append(f"{winners} gain, {losers} lose")
    return "<div style='font-size:1.25em;padding:4px 0'>" + " · ".join(parts) + "</div>"


def caption_html(text: str) -> str:
    """A figure's caption: its title (up to the first ": ") in bold, then the rest.

    Examples
    --------
    >>> caption_html("Cost per period: 1,000 RUB in all")
    '<b>Cost per period</b>: 1,000 RUB in all'
    """
    head, _, rest = text.partition(": ")
    return f"<b>{escape(head)}</b>: {escape(rest)}"


def data_info(now: Evaluation) -> str:
    """What the evaluation covers: employees, periods, employee-periods, skipped periods."""
    info = (
        f"{now.prepared.n_employees} employees, {len(now.cost_by_period)} periods, "
        f"{number(now.inputs.n)} employee-periods"
    )
    skipped = now.inputs.skipped
    if len(skipped):
        info += f"; {len(skipped)} period(s) skipped (no history for a target)"
    return f"<span style='color:#555'>{escape(info)}</span>"


def payments_html(table: Any, employee: str, currency: str) -> str:
    """One employee's payments: a row per period, from what it earned to what it paid.

    Parameters
    ----------
    table : pandas.DataFrame
        :meth:`kpitools.whatif.evaluate.Evaluator.payments` (``period``, ``proration`` …).
    employee : str
        Named in the heading.
    currency : str
        Shown in the heading; the amounts are shown to the cent.
    """
    unit = f" ({escape(currency)})" if currency else ""
    if table.empty:
        return f"<i>{escape(employee)} is not evaluated under this scheme.</i>"
    head = "".join(f"<th>{escape(c.replace('_', ' '))}</th>" for c in table.columns)
    rows = []
    for record in table.itertuples(index=False):
        cells = []
        for column, value in zip(table.columns, record, strict=True):
            if column == "period":
                cells.append(f"<td>{escape(str(value))}</td>")
            elif column == "proration":
                cells.append(f"<td>{percent(value, 1)}</td>")
            else:
                cells.append(f"<td>{money(value, None, digits=2)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    title = f"<b>Payments of {escape(employee)}</b>{unit}"
    return (
        f'{_TABLE_STYLE}{title}<table class="kpitools-metrics kpitools-payments">'
        f"<tr>{head}</tr>{''.join(rows)}</table>"
    )
