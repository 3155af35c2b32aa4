"""Engine results as text for people: metric values, the metrics table, skipped periods.

Every figure goes through :mod:`kpitools._util.format` (a missing one reads ``n/a``);
:func:`format_metric` only knows which kind of figure each metric is: money (``1,234,567``),
a share (``65.0%``), a change (``+3.2%``) or a plain number (``1.25``).

Examples
--------
>>> format_metric("total_cost", 1234567.4), format_metric("budget_variance", 0.032)
('1,234,567', '+3.2%')
>>> format_metric("gini", float("nan"))
'n/a'
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from .._util.format import MISSING, money, percent, text_table
from .metrics import MONEY_METRICS

__all__ = [
    "decimals",
    "describe_skipped",
    "format_metric",
    "format_metrics_table",
    "signed_money",
    "signed_percent",
]

# The kind of figure of each metric (and of each column of the comparison table).
_COUNTS = frozenset({"winners", "losers", "unchanged", "periods_compared"})
_PERCENT_DIGITS = {
    "pct_at_target": 1,
    "pct_zero_payout": 1,
    "near_threshold_share": 1,
    "cost_of_sales": 2,
    "gaming_cost_pct": 1,
    "share_winners": 0,
    "share_losers": 0,
    "pool_periods_scaled_down": 0,
    "pool_share_used": 1,
}
_SIGNED_PERCENT = frozenset({"budget_variance", "cost_change_pct"})


def signed_money(value: Any, currency: str | None = "") -> str:
    """A change of money in whole units, always with its sign: ``+2,441,351``, ``-9,325``.

    Examples
    --------
    >>> signed_money(2441351.2), signed_money(-0.4), signed_money(None), signed_money(5, "USD")
    ('+2,441,351', '-0', 'n/a', '+5 USD')
    """
    return money(value, currency, signed=True)


def signed_percent(value: Any, digits: int = 1) -> str:
    """A change as a percentage, always with its sign: ``+3.2%``, ``-14.4%``.

    Examples
    --------
    >>> signed_percent(0.032), signed_percent(-0.144), signed_percent(float("nan"))
    ('+3.2%', '-14.4%', 'n/a')
    """
    if _missing(value):
        return MISSING
    return f"{float(value):+.{digits}%}"


def decimals(value: Any, digits: int = 2) -> str:
    """A plain number with thousands separators and a fixed number of decimals.

    Examples
    --------
    >>> decimals(1234.5), decimals(0.8508898), decimals(None)
    ('1,234.50', '0.85', 'n/a')
    """
    if _missing(value):
        return MISSING
    return f"{float(value):,.{digits}f}"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_metric(name: str, value: float, currency: str | None = "") -> str:
    """One metric value as a person reads it: ``1,234,567 USD``, ``65.0%``, ``+3.2%``, ``1.25``.

    Parameters
    ----------
    name : str
        A metric of :data:`kpitools.engine.METRICS` or a column of the comparison table
        (``cost_change``, ``winners``, ``share_losers`` …).
    value : float
        Its value (None or NaN: ``n/a``).
    currency : str, optional
        The run's currency, written after money figures (none: the amount alone).

    Returns
    -------
    str

    Examples
    --------
    >>> format_metric("total_cost", 1234567.4), format_metric("pct_at_target", 0.65)
    ('1,234,567', '65.0%')
    >>> format_metric("total_cost", 1080, "USD"), format_metric("winners", 3, "USD")
    ('1,080 USD', '3')
    """
    if _missing(value):
        return MISSING
    value = float(value)
    if name == "cost_change":
        return signed_money(value, currency)
    if name in MONEY_METRICS:
        return money(value, currency)
    if name in _COUNTS:
        return money(value)  # whole units with thousands separators
    if name in _PERCENT_DIGITS:
        return percent(value, _PERCENT_DIGITS[name])
    if name in _SIGNED_PERCENT:
        return signed_percent(value, 1)
    return decimals(value, 2)


def format_metrics_table(metrics: pd.DataFrame, currency: str | None = "") -> str:
    """The metrics as a text table: one row per metric, one column per scheme.

    Money metrics carry ``currency`` (the run's), when there is one.

    Examples
    --------
    >>> m = pd.DataFrame({"total_cost": [1500000.0]}, index=pd.Index(["A"], name="scheme"))
    >>> print(format_metrics_table(m, "USD"))
    metric                   A
    total_cost   1,500,000 USD
    """
    names = [str(s) for s in metrics.index]
    rows = [
        [str(col), *(format_metric(col, v, currency) for v in metrics[col].tolist())]
        for col in metrics.columns
        if col != "baseline"
    ]
    return text_table(["metric", *names], rows, right=names, gap=3)


def describe_skipped(skipped: pd.DataFrame) -> str:
    """Skipped periods grouped per scheme and reason, e.g. ``2024-01 … 2024-12 (12 periods)``.

    Examples
    --------
    >>> s = pd.DataFrame({"scheme": ["A", "A"], "period": ["2024-01", "2024-02"],
    ...                   "reason": ["no history", "no history"]})
    >>> print(describe_skipped(s))
    A: 2024-01, 2024-02 (2 periods): no history
    """
    if skipped is None or skipped.empty:
        return ""
    lines = []
    cols = ["scheme", "reason"] if "scheme" in skipped else ["reason"]
    for key, group in skipped.groupby(cols, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        periods = list(dict.fromkeys(group["period"].astype(str)))
        shown = ", ".join(periods) if len(periods) <= 3 else f"{periods[0]} … {periods[-1]}"
        count = f"{len(periods)} period" + ("s" if len(periods) != 1 else "")
        prefix = f"{key[0]}: " if len(cols) == 2 else ""
        lines.append(f"{prefix}{shown} ({count}): {key[-1]}")
    return "\n".join(lines)
