"""Number cells as spreadsheets export them (signs, codes, separators, percentages)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._util.currency import check_code
from .cells import _as_text, _str_mapper, _Text
from .quality import _Issues, _show_many
from .raw import _Raw

__all__ = []


# Number patterns are text run by arrow's regex engine (RE2) over whole columns: no
# \s or \d (pandas would fall back to Python's re, one cell at a time).
# Spaces (no-break, figure, thin ones too) and apostrophes group thousands.
_NUM_CLEAN = "[ \t\n\r\f\v\u00a0\u2007\u2009\u202f']"


_THOUSANDS_DOT = r"^[-+]?[0-9]{1,3}(\.[0-9]{3})+(,[0-9]*)?$"


_THOUSANDS_COMMA = r"^[-+]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$"


# both separators, grouped: unambiguous in any file (1.234,50 and 1,234.50)
_GROUPED_DOT_DECIMAL_COMMA = r"^[-+]?[0-9]{1,3}(\.[0-9]{3})+,[0-9]+$"


_GROUPED_COMMA_DECIMAL_DOT = r"^[-+]?[0-9]{1,3}(,[0-9]{3})+\.[0-9]+$"


# Excel's error values as a sheet shows them and CSV exports write them: English, and
# the Russian and German names a localised Excel writes
_EXCEL_ERROR = (
    r"(?i)^#(?:N/A|DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA|FIELD!|"
    r"BLOCKED!|CONNECT!|BUSY!|UNKNOWN!|"
    r"Н/Д|ДЕЛ/0!|ЗНАЧ!|ССЫЛКА!|ИМЯ\?|ЧИСЛО!|ПУСТО!|"
    r"NV|WERT!|BEZUG!|ZAHL!)$"
)


# currency signs and codes written before or after an amount (a short, explicit list)
_CURRENCY = r"US\$|\$|€|£|¥|₽|₸|₴|руб\.?|р\.?|RUB|RUR|USD|EUR|GBP|CHF|CNY|JPY|KZT|UAH|BYN"


# the currency each sign or code stands for (¥ is yen or yuan: left as written)
_CURRENCY_CODES = {
    **dict.fromkeys(["$", "us$", "usd"], "USD"),
    **dict.fromkeys(["€", "eur"], "EUR"),
    **dict.fromkeys(["£", "gbp"], "GBP"),
    **dict.fromkeys(["₽", "руб", "руб.", "р", "р.", "rub", "rur"], "RUB"),
    **dict.fromkeys(["₸", "kzt"], "KZT"),
    **dict.fromkeys(["₴", "uah"], "UAH"),
    "¥": "¥",
    "jpy": "JPY",
    "cny": "CNY",
    "byn": "BYN",
    "chf": "CHF",
}


# a number dressed as a sheet shows it (spaces already removed): accounting brackets,
# a sign, a currency before or after, a percent sign, SAP's trailing minus (1.234,50-);
# a currency with a dash alone is Excel's accounting zero ($ -, - ₽)
_DRESSED = re.compile(
    rf"^(?P<open>\()?(?P<s1>[-+])?(?P<pre>{_CURRENCY})?(?P<s2>[-+])?"
    r"(?:(?P<num>(?:\d[\d.,]*|[.,]\d+)(?:[eE][-+]?\d+)?)(?P<s3>-)?|(?P<zero>-+))"
    rf"(?P<pct>%)?(?P<post>{_CURRENCY})?(?P<close>\))?$",
    re.IGNORECASE,
)


@dataclass
class _Numbers:
    """A number column as read: floats and masks (None: no row has it)."""

    values: np.ndarray
    missing: np.ndarray | None
    bad: np.ndarray | None  # not a number (Excel errors not included)
    excel: np.ndarray | None = None  # an Excel error value (#N/A, #DIV/0! …)
    converted: np.ndarray | None = None  # read from %, a currency or accounting brackets
    percent: np.ndarray | None = None  # written with %
    shown: np.ndarray | None = None  # "'35%' → 0.35" for each converted row, in row order
    currency: np.ndarray | None = None  # per row: the currency written (USD, EUR …) or None


def _normalise_number_text(cleaned: pd.Series, decimal_comma: bool) -> pd.Series:
    """Number text (no spaces) with the decimal separator as ``.`` and no grouping."""
    both = cleaned.str.match(
        _GROUPED_COMMA_DECIMAL_DOT if decimal_comma else _GROUPED_DOT_DECIMAL_COMMA
    )
    both = both.fillna(False).to_numpy(dtype=bool)
    if decimal_comma:
        dotted = cleaned.str.match(_THOUSANDS_DOT).fillna(False).to_numpy(dtype=bool)
        out = cleaned.mask(dotted, cleaned.str.replace(".", "", regex=False))
        out = out.mask(both, cleaned.str.replace(",", "", regex=False))
        return out.mask(~both, out.str.replace(",", ".", regex=False))
    grouped = cleaned.str.match(_THOUSANDS_COMMA).fillna(False).to_numpy(dtype=bool)
    out = cleaned.mask(grouped, cleaned.str.replace(",", "", regex=False))
    dotted = cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    return out.mask(both, dotted)


def _extract(text: pd.Series, pattern: re.Pattern) -> dict[str, pd.Series]:
    """The named groups of ``pattern`` in every cell ("" where absent).

    Arrow's RE2 engine, not a Python loop over the cells.
    """
    flags = "(?i)" if pattern.flags & re.IGNORECASE else ""
    arr = pa.array(text, type=pa.large_string(), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    found = pc.extract_regex(arr, flags + pattern.pattern)
    mapper = _str_mapper(pa)
    return {
        name: pc.fill_null(found.field(i), "").to_pandas(types_mapper=mapper)
        for i, name in enumerate(pattern.groupindex)
    }


def _show_floats(values: np.ndarray) -> pd.Series:
    """Floats as text for messages, vectorised: whole numbers without ``.0``."""
    whole = np.isfinite(values) & (np.abs(values) < 2**53) & (values == np.round(values))
    as_int = pc.cast(pa.array(np.where(whole, values, 0).astype(np.int64)), pa.string())
    as_float = pc.cast(pa.array(values), pa.string())
    return pd.Series(
        pc.if_else(pa.array(whole), as_int, as_float).to_numpy(zero_copy_only=False), dtype="str"
    )


_PLAIN_NUMBER = r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$"


def _to_float(text: pd.Series) -> np.ndarray:
    """Normalised number text -> floats; anything else -> NaN (arrow, whole column)."""
    arr = pa.array(text, type=pa.large_string(), from_pandas=True)
    plain = pc.match_substring_regex(arr, _PLAIN_NUMBER)
    arr = pc.if_else(plain, arr, pa.scalar(None, pa.large_string()))
    return pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)


def _read_numbers(values: pd.Series, *, decimal_comma: bool) -> _Numbers:
    """Read a number column; vectorised, text is never evaluated.

    Plain numbers (thousands separators, a decimal comma where the file uses one, a
    Unicode minus ``−``, exponents) are read silently. Cells written with ``%``
    (``35%`` → 0.35), a currency sign or code (``$1,234.50``, ``1 234 руб.``) or
    accounting brackets (``(1,234)`` → -1234), a trailing minus (``1.234,50-``) or as
    an accounting zero (``$ -``) are read too and marked ``converted`` so the caller
    can say so; Excel error values (``#N/A``) are marked ``excel``.
    """
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        if values.dtype == np.float64:
            out = values.to_numpy()  # no copy
        else:
            out = values.to_numpy(dtype=float, na_value=np.nan)
        return _Numbers(out, np.isnan(out), np.isinf(out))
    is_text = pd.api.types.is_string_dtype(values.dtype) and values.dtype != object
    text = values if is_text else _as_text(values)
    plain = _arrow_floats(text)
    if plain is not None:
        return plain
    cleaned = text.str.replace(_NUM_CLEAN, "", regex=True).str.replace("\u2212", "-", regex=False)
    missing = (cleaned.isna() | (cleaned == "")).to_numpy(dtype=bool)
    out = _to_float(_normalise_number_text(cleaned.where(~missing), decimal_comma))
    result = _Numbers(out, missing, (~np.isfinite(out)) & ~missing)
    if result.bad.any():  # only the cells that are not plain numbers: usually few
        idx = np.flatnonzero(result.bad)
        _take_dressed(result, text, idx, _Dressed(cleaned.iloc[idx], decimal_comma))
    return result


def _arrow_floats(text: pd.Series) -> _Numbers | None:
    """A column of plain numbers, read by arrow in one pass; None when any cell is not."""
    missing = text.isna().to_numpy()
    try:
        out = pc.cast(pa.array(text, from_pandas=True), pa.float64()).to_numpy(zero_copy_only=False)
    except Exception:  # noqa: BLE001 - any failure: take the careful path
        return None
    bad = (~np.isfinite(out)) & ~missing
    return None if bad.any() else _Numbers(out, missing, bad)


class _Dressed:
    """Cells that are not plain numbers, parsed as spreadsheets dress them."""

    def __init__(self, odd: pd.Series, decimal_comma: bool) -> None:
        odd = odd.reset_index(drop=True)
        self.excel = odd.str.fullmatch(_EXCEL_ERROR).fillna(False).to_numpy(dtype=bool)
        self.parts = parts = _extract(odd, _DRESSED)
        self.has = has = {k: (v != "").to_numpy() for k, v in parts.items()}
        sign = parts["s1"].where(has["s1"], parts["s2"])
        signed = has["s1"] | has["s2"]
        valid = (
            has["num"]
            & (has["open"] == has["close"])
            & ~(has["s1"] & has["s2"])
            & ~(has["open"] & (signed | has["s3"]))
            & ~(signed & has["s3"])
            & ~(has["pre"] & has["post"])
            & ~(has["pct"] & (has["pre"] | has["post"]))
            & (has["open"] | has["pct"] | has["pre"] | has["post"] | has["s3"])
        )
        zero = (
            has["zero"]
            & (has["pre"] != has["post"])
            & ~(has["open"] | has["close"] | signed | has["pct"])
        )
        num = _normalise_number_text(parts["num"].where(valid, None), decimal_comma)
        exact_pct = has["pct"] & ~num.str.contains("[eE]", regex=True).fillna(False).to_numpy(bool)
        number = _to_float(num.mask(exact_pct, num + "e-2"))  # 35.1% → 0.351 exactly as typed
        number = np.where(has["pct"] & ~exact_pct, number / 100, number)
        negative = has["open"] | has["s3"] | (sign == "-").to_numpy()
        self.number = number = np.where(negative, -number, number)
        number[zero] = 0.0
        self.ok = (valid | zero) & np.isfinite(number)


def _take_dressed(result: _Numbers, text: pd.Series, idx: np.ndarray, d: _Dressed) -> None:
    """Put the dressed cells that read as numbers into ``result``, noting how each read."""
    out, bad, ok = result.values, result.bad, d.ok
    if d.excel.any():
        result.excel = np.zeros(len(out), dtype=bool)
        result.excel[idx[d.excel]] = True
        bad[idx[d.excel]] = False
    if not ok.any():
        return
    rows = idx[ok]
    result.values = out = out.copy() if not out.flags.writeable else out
    out[rows] = d.number[ok]
    bad[rows] = False
    result.converted = np.zeros(len(out), dtype=bool)
    result.converted[rows] = True
    if d.has["pct"][ok].any():
        result.percent = np.zeros(len(out), dtype=bool)
        result.percent[idx[ok & d.has["pct"]]] = True
    typed = text.iloc[rows].str.strip().reset_index(drop=True)
    result.shown = ("'" + typed + "' → " + _show_floats(d.number[ok])).to_numpy(dtype=object)
    written = (d.parts["pre"] + d.parts["post"]).str.lower()[ok]
    if (written != "").any():
        codes = written.map(_CURRENCY_CODES).to_numpy(dtype=object)
        result.currency = np.full(len(out), None, dtype=object)
        result.currency[rows] = np.where(written != "", codes, None)


def _numbers(values: pd.Series, decimal_comma: bool) -> _Numbers:
    """:func:`_read_numbers`, with no masks (None) for a column of finite floats."""
    if values.dtype == np.float64:
        out = values.to_numpy()
        if np.isfinite(out).all():
            return _Numbers(out, None, None)
    return _read_numbers(values, decimal_comma=decimal_comma)


def _mask(mask: np.ndarray | None, n: int) -> np.ndarray:
    return np.zeros(n, dtype=bool) if mask is None else mask


def _whole_percentages(
    issues: _Issues,
    kpi: _Text,
    percent_unit: np.ndarray,
    written_pct: tuple[np.ndarray | None, np.ndarray | None],
    values: np.ndarray,
    written: np.ndarray | None,
    column: str | None,
    what: str,
    rows: Any,
) -> None:
    """Warn about a percent KPI whose plain values are mostly above 2 (200%).

    Percent KPIs (library unit ``percent``) are stored as fractions: such values were most
    likely typed as whole percentages (35 for 35%). KPIs with cells written with % are
    left to :func:`_percent_mixed`.
    """
    codes = kpi.codes
    with_pct = np.zeros(len(percent_unit), dtype=bool)
    for mask in written_pct:
        if mask is not None:
            with_pct[codes[mask]] = True
    with_pct[-1] = False
    plain = np.isfinite(values) & (percent_unit & ~with_pct)[codes]
    if written is not None:
        plain &= ~written
    if not plain.any():
        return
    median = pd.Series(np.abs(values[plain])).groupby(codes[plain]).median()
    looks = np.zeros(len(percent_unit), dtype=bool)
    looks[median.index[median.to_numpy() > 2]] = True
    flag = _some(plain & looks[codes] & (np.abs(values) > 1))
    if flag is None:
        return
    what = what if column is None else ""  # a wide table: one warning for both columns
    shown = pd.Series(kpi.values(flag), dtype="str") + f" {what}= " + _show_floats(values[flag])
    issues.add("whole_percent", column, rows[flag], shown.array, severity="warning")


def _formula_mask(raw: _Raw, column: str) -> np.ndarray | None:
    """XLSX: the rows whose cell in ``column`` is a formula Excel never calculated."""
    rows = raw.formulas.get(column)
    return None if rows is None else _some(np.isin(raw.rows, rows))


def _report_numbers(
    issues: _Issues,
    num: _Numbers,
    formula: np.ndarray | None,
    column: str,
    rows: Any,
    text: pd.Series,
    bad_key: str,
) -> np.ndarray | None:
    """Report a number column's problems; return the unusable rows (None: none).

    Bad cells, Excel errors, uncalculated formulas, and the cells read from %, a currency
    or brackets.
    """
    bad = num.bad if formula is None or num.bad is None else num.bad & ~formula
    bad, excel = _some(bad), _some(num.excel)
    if bad is not None:
        issues.add(bad_key, column, rows[bad], text[bad])
    if excel is not None:
        issues.add("excel_error", column, rows[excel], text[excel])
    if formula is not None:
        issues.add("formula", column, rows[formula], text[formula])
    if num.converted is not None:
        issues.add("converted", column, rows[num.converted], num.shown, severity="warning")
    return _union(bad, excel, formula)


def _mixed_currencies(
    issues: _Issues, kpi: _Text | None, entries: Sequence[tuple[_Numbers, str]], rows: Any
) -> None:
    """Warn about amounts of one KPI written in several currencies (never converted).

    The cells in a currency other than the KPI's most frequent one are named. ``kpi``:
    the KPI of each row (long table), None for one wide column (with its target column).
    """
    if all(num.currency is None for num, _ in entries):
        return
    parts = []
    for e, (num, _) in enumerate(entries):
        if num.currency is None:
            continue
        pos = np.flatnonzero(pd.notna(num.currency))
        codes = kpi.codes[pos] if kpi is not None else np.zeros(len(pos), dtype=np.int32)
        parts.append(pd.DataFrame({"e": e, "pos": pos, "k": codes, "cur": num.currency[pos]}))
    cells = pd.concat(parts, ignore_index=True)
    cells = cells[cells["k"] >= 0]
    if cells.groupby("k")["cur"].nunique().max() < 2:
        return
    counts = cells.groupby(["k", "cur"]).size().rename("n").reset_index()
    main = counts.sort_values(["k", "n"], ascending=[True, False], kind="stable")
    main = main.drop_duplicates("k").set_index("k")["cur"]
    odd = cells[cells["cur"].to_numpy() != main.reindex(cells["k"]).to_numpy()]
    for e, grp in odd.groupby("e", sort=True):
        num, column = entries[int(e)]
        pos = np.sort(grp["pos"].to_numpy())
        text = (
            pd.Series(num.currency[pos], dtype="str")
            + " beside "
            + pd.Series(
                main.reindex(kpi.codes[pos] if kpi is not None else np.zeros(len(pos))).to_numpy(),
                dtype="str",
            )
        )
        if kpi is not None:
            text = pd.Series(kpi.values(pos), dtype="str") + ": " + text
        issues.add("mixed_currency", column, rows[pos], text.array, severity="warning")


def _currency_column(
    issues: _Issues, given: pd.Series, column: str, rows: Any
) -> tuple[np.ndarray, np.ndarray | None]:
    """A ``currency`` column read: ISO 4217 codes per row (None: empty), and its bad rows."""
    text = _as_text(given).str.strip()
    codes, uniques = pd.factorize(text.where(text != ""))
    known = []
    for u in uniques:
        try:
            known.append(check_code(u))
        except ValueError:
            known.append("")
    lookup = np.array([*known, None], dtype=object)
    out = lookup[codes]
    bad = _some(out == "")
    if bad is not None:
        issues.add("bad_currency", column, rows[bad], text[bad].array)
        out[bad] = None
    return out, bad


def _row_currency(
    issues: _Issues,
    entries: Sequence[tuple[_Numbers, str]],
    rows: Any,
    given: tuple[np.ndarray, str] | None = None,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Each row's currency, and the rows whose amounts name two (an error).

    The currency a row's amounts are in: written beside them (``$1,100`` is USD, contract
    §8: never silently the run's) or given by the ``currency`` column (``given``: its
    codes and its name). None for the whole table when no row names one; a row without
    one is None (the employee's currency, else the run's, decides later).
    """
    out = None if given is None else given[0].copy()
    source = None if given is None else np.where(pd.notna(out), given[1], None)
    bad = None
    for num, column in entries:
        if num.currency is None:
            continue
        written = pd.notna(num.currency)
        if out is None:
            out = np.full(len(num.currency), None, dtype=object)
            source = out.copy()
        clash = _some(written & pd.notna(out) & (out != num.currency))
        if clash is not None:
            shown = (
                pd.Series(num.currency[clash], dtype="str")
                + ", but "
                + pd.Series(out[clash], dtype="str")
                + " in "
                + pd.Series(source[clash], dtype="str")
            )
            issues.add("currency_conflict", column, rows[clash], shown.array)
            bad = _union(bad, clash)
        fill = written & pd.isna(out)
        out = np.where(fill, num.currency, out)
        source = np.where(fill, column, source)
    return out, bad


def _percent_mixed(
    issues: _Issues, kpi: _Text | None, entries: Sequence[tuple[_Numbers, str]], rows: Any
) -> None:
    """Warn about plain numbers above 1 in a KPI that other cells write as percentages.

    ``35%`` is read as 0.35: a ``12`` beside it may mean 12% (0.12) or 12 (1,200%).
    Nothing is guessed: the number is kept as written and named. ``kpi``: the KPI of
    each row (long table), None for one wide column (with its target column).
    """
    if all(num.percent is None for num, _ in entries):
        return
    size = len(entries[0][0].values)
    codes = kpi.codes if kpi is not None else np.zeros(size, dtype=np.int32)
    n_groups = len(kpi.uniques) if kpi is not None else 1
    has_pct = np.zeros(n_groups + 1, dtype=bool)  # the last slot: rows without a KPI
    for num, _ in entries:
        if num.percent is not None:
            has_pct[codes[num.percent]] = True
    has_pct[-1] = False
    for num, column in entries:
        values = num.values
        plain = has_pct[codes] & np.isfinite(values) & (np.abs(values) > 1)
        if num.converted is not None:
            plain &= ~num.converted
        plain = _some(plain)
        if plain is None:
            continue
        shown = _show_many(pd.Series(values[plain]))
        if kpi is not None:
            shown = (pd.Series(kpi.values(plain), dtype="str") + " = " + pd.Series(shown)).array
        issues.add("percent_mixed", column, rows[plain], shown, severity="warning")


def _some(mask: np.ndarray | None) -> np.ndarray | None:
    """The mask, or None when it selects no row."""
    return mask if mask is not None and mask.any() else None


def _union(*masks: np.ndarray | None) -> np.ndarray | None:
    present = [m for m in masks if m is not None]
    if not present:
        return None
    out = present[0].copy()
    for m in present[1:]:
        out |= m
    return out
