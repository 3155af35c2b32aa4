"""The one place where numbers become text for people.

The terminal, result objects, the report, the what-if explorer and plots all format
through these functions, so a figure reads the same everywhere and a missing one is always
``n/a``.

Examples
--------
>>> print(text_table(["kpi", "total"], [["revenue", "1,200"], ["units", "35"]], right={"total"}))
kpi      total
revenue  1,200
units       35
>>> number(2_000_000, "currency", "RUB"), number(0.25, "percent"), number(None)
('2,000,000 RUB', '25%', 'n/a')
>>> money(1234567.4, "RUB"), percent(0.6549, 1), short_number(36_700_000, "currency", "RUB")
('1,234,567 RUB', '65.5%', '36.7M RUB')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "MISSING",
    "text_table",
    "frame_table",
    "money",
    "money_format",
    "number",
    "percent",
    "short_number",
]

#: What a missing or non-finite figure reads as, everywhere.
MISSING = "n/a"


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def text_table(
    headers: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    right: Iterable[Any] = (),
    rule: bool = False,
    gap: int = 2,
    indent: int = 0,
    header: bool = True,
) -> str:
    """Align ``rows`` under ``headers`` in columns; a column named in ``right`` is right-aligned.

    Parameters
    ----------
    rule : bool
        Draw a line of dashes under the header, as wide as each column.
    gap, indent : int
        Spaces between columns and before each line.
    header : bool
        ``False`` leaves the header line out (its names still set the alignment).

    Empty cells (``None``, NaN) print as nothing; trailing spaces are dropped.
    """
    right = {str(h) for h in right}
    names = [str(h) for h in headers]
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(names)]
    pad, sep = " " * indent, " " * gap

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if h in right else v.ljust(w)
            for v, w, h in zip(values, widths, names, strict=True)
        ]
        return (pad + sep.join(parts)).rstrip()

    lines = [line(names)] if header else []
    if rule:
        lines.append(pad + sep.join("-" * w for w in widths))
    lines += [line(r) for r in cells]
    return "\n".join(lines)


def frame_table(frame: Any, right: Iterable[Any] = ()) -> str:
    """A DataFrame as a :func:`text_table` with a rule under the header (no index).

    Examples
    --------
    >>> import pandas as pd
    >>> print(frame_table(pd.DataFrame({"goal": ["revenue"], "value": ["2,000,000"]}), ["value"]))
    goal         value
    -------  ---------
    revenue  2,000,000
    """
    return text_table(frame.columns, frame.itertuples(index=False), right=right, rule=True)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def money(value: Any, currency: str | None = "", *, digits: int = 0, signed: bool = False) -> str:
    """An amount with thousands separators, then the run's currency code when there is one.

    Every money figure kpitools shows as text comes from here, so an amount always carries
    the currency of its run (contract §8); with no currency (``None`` or ``""``) the
    amount stands alone: no currency is ever invented.

    Parameters
    ----------
    value : number
        The amount (None, NaN or infinite: ``n/a``).
    currency : str, optional
        An ISO 4217 code, written after the amount.
    digits : int
        Decimals (0: whole units, as totals are shown; 2: to the cent).
    signed : bool
        Always show the sign (a change: ``+2,441,351 USD``).

    Examples
    --------
    >>> money(1234567.4, "RUB"), money(float("nan")), money(1080, "USD", digits=2)
    ('1,234,567 RUB', 'n/a', '1,080.00 USD')
    >>> money(-9325.4, "EUR", signed=True), money(12.5, None)
    ('-9,325 EUR', '12')
    """
    if value is None or not math.isfinite(float(value)):
        return MISSING
    text = f"{float(value):{'+' if signed else ''},.{int(digits)}f}"
    return f"{text} {currency}" if currency else text


def number(value: Any, unit: str | None = None, currency: str | None = None) -> str:
    """A number as a person reads it: thousands separators, a percent sign, the currency.

    Whole numbers print without decimals, others with up to two (four significant digits
    below 1); a ``percent`` value is a fraction (0.25 is 25%).

    Examples
    --------
    >>> number(2_000_000, "currency", "RUB"), number(0.25, "percent"), number(1234.5)
    ('2,000,000 RUB', '25%', '1,234.5')
    """
    if _missing(value):
        return MISSING
    v = float(value)
    if unit == "percent":
        return f"{_plain(v * 100)}%"
    text = _plain(v)
    if unit == "currency" and currency:
        return f"{text} {currency}"
    return text


def _plain(v: float) -> str:
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "0"
    if abs(v) >= 1e15:  # beyond any amount: 1e+308, not 309 digits
        return f"{v:.3g}"
    if abs(v) >= 100 or float(v).is_integer():
        if abs(v - round(v)) < 1e-9 * max(1.0, abs(v)):
            return f"{round(v):,}"
        return f"{v:,.2f}".rstrip("0").rstrip(".")
    if abs(v) >= 1:
        return f"{v:,.2f}".rstrip("0").rstrip(".")
    return f"{v:.4g}"


def percent(value: Any, digits: int = 0) -> str:
    """A share as a percentage: ``percent(0.6549)`` is ``'65%'``, with one digit ``'65.5%'``."""
    if _missing(value):
        return MISSING
    return f"{float(value):.{digits}%}"


def short_number(value: Any, unit: str | None = None, currency: str | None = None) -> str:
    """:func:`number` with thousands and millions abbreviated (three significant digits).

    For tight places (plot labels): 36,700,000 RUB reads ``36.7M RUB``; 999,999 is ``1M``.

    Examples
    --------
    >>> short_number(36_700_000, "currency", "RUB"), short_number(250_000), short_number(950)
    ('36.7M RUB', '250K', '950')
    """
    if _missing(value) or unit == "percent" or not math.isfinite(float(value)):
        return number(value, unit, currency)
    r = float(f"{float(value):.3g}")
    for limit, scale, suffix in (
        (1e12, 1e12, "T"),
        (1e9, 1e9, "B"),
        (1e6, 1e6, "M"),
        (1e5, 1e3, "K"),
    ):
        if abs(r) >= limit:
            text = f"{r / scale:.3g}" + suffix
            return f"{text} {currency}" if unit == "currency" and currency else text
    return number(value, unit, currency)


def money_format(currency: str | None = "", *, digits: int = 2) -> str:
    """The spreadsheet number format of money in a currency: ``#,##0.00 "USD"``.

    The same figure as :func:`money` in a cell that stays a number: thousands separators,
    ``digits`` decimals, then the code (quoted, so Excel shows it as text); with no
    currency, the amount alone.

    Examples
    --------
    >>> money_format("USD"), money_format(None), money_format("EUR", digits=0)
    ('#,##0.00 "USD"', '#,##0.00', '#,##0 "EUR"')
    """
    fmt = "#,##0" + ("." + "0" * int(digits) if digits else "")
    code = "".join(ch for ch in str(currency or "") if ch not in '"\\').strip()
    return f'{fmt} "{code}"' if code else fmt
