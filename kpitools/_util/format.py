"""The one place where numbers, money and dates become text for people.

The terminal, result objects, the report, the what-if explorer and plots all format
through these functions, so a figure reads the same everywhere and a missing one is always
``n/a``. Numbers, money and dates follow a locale through Babel (CLDR): the locale given to
a function, else the active one (:func:`set_locale`, :func:`use_locale`; ``en_US`` unless a
report sets the client's). In ``en_US`` an amount keeps its ISO code after it
(``1,234,567 RUB``, the product's pinned form); in any other locale money takes that
locale's own pattern and symbol (``ru_RU``: ``1 234 567,50 ₽``, with no-break spaces).

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
>>> money(1234567.5, "RUB", digits=2, locale="ru_RU").replace("\\xa0", " ")
'1 234 567,50 ₽'
>>> date_text("2026-12-03", locale="ru_RU").replace("\\u202f", " ")
'3 декабря 2026 г.'
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_compact_currency, format_compact_decimal, parse_pattern

from ..errors import DefinitionError

__all__ = [
    "DEFAULT_LOCALE",
    "MISSING",
    "check_locale",
    "count",
    "current_locale",
    "date_text",
    "period_text",
    "set_locale",
    "use_locale",
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

#: The locale of every figure unless a client's is set: the product's own (pinned) forms.
DEFAULT_LOCALE = "en_US"

_ACTIVE = [DEFAULT_LOCALE]  # the active locale: one per process (a report's kernel)


@functools.lru_cache(maxsize=64)
def _parse_locale(code: str) -> Locale:
    return Locale.parse(code.replace("-", "_"))


def check_locale(value: Any, *, where: str = "locale") -> str:
    """A locale code checked against Babel's (CLDR) and written ``ll_CC``: ``ru-RU`` is ``ru_RU``.

    Parameters
    ----------
    value : str
        A locale such as ``en_US``, ``de_DE`` or ``ru_RU`` (``-`` or ``_``).
    where : str
        What set it (``design.yaml: locale``, ``--locale``), named in the error.

    Raises
    ------
    DefinitionError
        Not text, or a locale Babel does not know.

    Examples
    --------
    >>> check_locale("ru-RU"), check_locale("de_DE")
    ('ru_RU', 'de_DE')
    """
    text = str(value).strip() if isinstance(value, str) else ""
    try:
        if not text:
            raise ValueError(text)
        return str(_parse_locale(text))
    except (ValueError, TypeError, UnknownLocaleError):
        raise DefinitionError(
            f"{where}: unknown locale {value!r}.\n"
            "Suggestion: use a language and country code such as en_US, en_GB, de_DE or ru_RU."
        ) from None


def current_locale() -> str:
    """The active locale (``en_US`` unless :func:`set_locale` or :func:`use_locale` changed it)."""
    return _ACTIVE[0]


def set_locale(locale: str | None) -> str:
    """Make ``locale`` (checked; None: ``en_US``) the active one for every figure; return it.

    A report's context sets the client's locale once, so every section, table and chart of
    that report formats in it.
    """
    _ACTIVE[0] = check_locale(locale) if locale else DEFAULT_LOCALE
    return _ACTIVE[0]


@contextlib.contextmanager
def use_locale(locale: str | None) -> Iterator[str]:
    """The active locale set to ``locale`` inside a ``with`` block, restored after it.

    Examples
    --------
    >>> with use_locale("de_DE"):
    ...     number(1234.5)
    '1.234,5'
    >>> number(1234.5)
    '1,234.5'
    """
    before = _ACTIVE[0]
    try:
        yield set_locale(locale)
    finally:
        _ACTIVE[0] = before


def _locale(locale: str | None) -> str:
    return check_locale(locale) if locale else _ACTIVE[0]


@functools.lru_cache(maxsize=256)
def _pattern(code: str, kind: str, digits: int) -> Any:
    """The locale's standard ``kind`` pattern (decimal, percent, currency) with ``digits``."""
    loc = _parse_locale(code)
    base = {
        "decimal": loc.decimal_formats[None],
        "percent": loc.percent_formats[None],
        "currency": loc.currency_formats["standard"],
    }[kind]
    pattern = parse_pattern(base.pattern)
    pattern.frac_prec = (digits, digits)
    return pattern


def _localize(text: str, code: str) -> str:
    """An ``en_US`` number text (``1,234.5``) with the locale's group and decimal symbols."""
    if code == DEFAULT_LOCALE:
        return text
    symbols = _parse_locale(code).number_symbols.get("latn", _parse_locale(code).number_symbols)
    group, decimal = symbols.get("group", ","), symbols.get("decimal", ".")
    return "".join(group if ch == "," else decimal if ch == "." else ch for ch in text)


def count(value: Any, *, locale: str | None = None) -> str:
    """A whole count with the locale's thousands separator: ``count(1234)`` is ``'1,234'``.

    Examples
    --------
    >>> count(1234), count(1234, locale="de_DE"), count(None)
    ('1,234', '1.234', 'n/a')
    """
    if _missing(value) or not math.isfinite(float(value)):
        return MISSING
    return _localize(f"{round(float(value)):,}", _locale(locale))


def date_text(value: Any, *, locale: str | None = None) -> str:
    """A date in words in the locale: ``December 3, 2026``; ``ru_RU``: ``3 декабря 2026 г.``.

    ``value`` is a date, a datetime or an ISO text (``2026-12-03``).

    Examples
    --------
    >>> date_text("2026-12-03"), date_text(dt.date(2026, 12, 3), locale="de_DE")
    ('December 3, 2026', '3. Dezember 2026')
    """
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value, format="long", locale=_parse_locale(_locale(locale)))


def period_text(label: Any, *, locale: str | None = None) -> str:
    """A period label in words in the locale: ``2024-01`` → ``January 2024``.

    Quarters read ``Q1 2024`` (``ru_RU``: ``1-й кв. 2024``), years stay as they are; a label
    that is none of these is returned unchanged.

    Examples
    --------
    >>> period_text("2024-01"), period_text("2024-Q3"), period_text("2024")
    ('January 2024', 'Q3 2024', '2024')
    >>> period_text("2024-01", locale="de_DE")
    'Januar 2024'
    """
    text = str(label)
    loc = _parse_locale(_locale(locale))
    try:
        if len(text) == 7 and text[4] == "-" and text[5:].isdigit():
            return format_date(dt.date(int(text[:4]), int(text[5:]), 1), "LLLL y", locale=loc)
        if len(text) == 7 and text[4:6] == "-Q" and text[6] in "1234":
            first = dt.date(int(text[:4]), 3 * int(text[6]) - 2, 1)
            return format_date(first, "QQQ y", locale=loc)
    except ValueError:  # not a real month: as written
        return text
    return text


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


def money(
    value: Any,
    currency: str | None = "",
    *,
    digits: int = 0,
    signed: bool = False,
    locale: str | None = None,
) -> str:
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
    locale : str, optional
        Default: the active one. Outside ``en_US`` the locale's currency pattern and symbol.

    Examples
    --------
    >>> money(1234567.4, "RUB"), money(float("nan")), money(1080, "USD", digits=2)
    ('1,234,567 RUB', 'n/a', '1,080.00 USD')
    >>> money(-9325.4, "EUR", signed=True), money(12.5, None)
    ('-9,325 EUR', '12')
    >>> money(1080, "USD", locale="de_DE").replace("\\xa0", " ")
    '1.080 $'
    """
    if value is None or not math.isfinite(float(value)):
        return MISSING
    code = _locale(locale)
    v = float(value)
    if code != DEFAULT_LOCALE:
        kind = "currency" if currency else "decimal"
        text = _pattern(code, kind, int(digits)).apply(
            v, _parse_locale(code), currency=currency or None, currency_digits=False
        )
        return f"+{text}" if signed and v >= 0 else text
    text = f"{v:{'+' if signed else ''},.{int(digits)}f}"
    return f"{text} {currency}" if currency else text


def number(
    value: Any, unit: str | None = None, currency: str | None = None, *, locale: str | None = None
) -> str:
    """A number as a person reads it: thousands separators, a percent sign, the currency.

    Whole numbers print without decimals, others with up to two (four significant digits
    below 1); a ``percent`` value is a fraction (0.25 is 25%).

    Examples
    --------
    >>> number(2_000_000, "currency", "RUB"), number(0.25, "percent"), number(1234.5)
    ('2,000,000 RUB', '25%', '1,234.5')
    >>> number(0.125, "percent", locale="ru_RU").replace("\\xa0", " ")
    '12,5 %'
    """
    if _missing(value):
        return MISSING
    v = float(value)
    code = _locale(locale)
    if unit == "percent":
        if code == DEFAULT_LOCALE:
            return f"{_plain(v * 100)}%"
        pattern = _pattern(code, "percent", 0)
        return f"{pattern.prefix[0]}{_localize(_plain(v * 100), code)}{pattern.suffix[0]}"
    if unit == "currency" and currency and code != DEFAULT_LOCALE and math.isfinite(v):
        digits = 0 if abs(v) >= 100 or v.is_integer() else 2
        return money(v, currency, digits=digits, locale=code)
    text = _localize(_plain(v), code)
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


def percent(value: Any, digits: int = 0, *, locale: str | None = None) -> str:
    """A share as a percentage: ``percent(0.6549)`` is ``'65%'``, with one digit ``'65.5%'``.

    Examples
    --------
    >>> percent(0.6549, 1), percent(0.6549, 1, locale="ru_RU").replace("\\xa0", " ")
    ('65.5%', '65,5 %')
    """
    if _missing(value):
        return MISSING
    code = _locale(locale)
    v = float(value)
    if code == DEFAULT_LOCALE or not math.isfinite(v):
        return f"{v:.{digits}%}"
    return _pattern(code, "percent", int(digits)).apply(v, _parse_locale(code))


def short_number(
    value: Any, unit: str | None = None, currency: str | None = None, *, locale: str | None = None
) -> str:
    """:func:`number` with thousands and millions abbreviated (three significant digits).

    For tight places (plot labels): 36,700,000 RUB reads ``36.7M RUB``; 999,999 is ``1M``.

    Examples
    --------
    >>> short_number(36_700_000, "currency", "RUB"), short_number(250_000), short_number(950)
    ('36.7M RUB', '250K', '950')
    >>> short_number(36_700_000, "currency", "RUB", locale="ru_RU").replace("\\xa0", " ")
    '36,7 млн ₽'
    """
    code = _locale(locale)
    if _missing(value) or unit == "percent" or not math.isfinite(float(value)):
        return number(value, unit, currency, locale=code)
    r = float(f"{float(value):.3g}")
    if code != DEFAULT_LOCALE:
        loc = _parse_locale(code)
        if unit == "currency" and currency:
            return format_compact_currency(r, currency, locale=loc, fraction_digits=2)
        return format_compact_decimal(r, locale=loc, fraction_digits=2)
    for limit, scale, suffix in (
        (1e12, 1e12, "T"),
        (1e9, 1e9, "B"),
        (1e6, 1e6, "M"),
        (1e5, 1e3, "K"),
    ):
        if abs(r) >= limit:
            text = f"{r / scale:.3g}" + suffix
            return f"{text} {currency}" if unit == "currency" and currency else text
    return number(value, unit, currency, locale=code)


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
