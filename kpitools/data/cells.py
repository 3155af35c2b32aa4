"""Text cells and period cells as spreadsheets and CRMs export them."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["parse_periods"]


def _has_line_break(values: pd.Series) -> bool:
    """Whether any text of an arrow-backed column holds a CR or LF (scans the bytes)."""
    return _scan_bytes(values, (b"\n", b"\r"))


def _needs_strip(values: pd.Series) -> bool:
    """False when no text of an arrow-backed column can change under ``str.strip()``.

    Every byte ``str.strip()`` may remove is at most 0x20 (space, tab, line breaks,
    other ASCII separators) or part of a non-ASCII character (0x80 and up): bytes
    strictly between them are plain printable ASCII. Two reductions over the bytes,
    no copy, instead of hashing every row.
    """
    for chunk in _arrow_chunks(values):
        data = chunk.buffers()[2]
        if data is None or data.size == 0:
            continue
        raw = np.frombuffer(data, dtype=np.uint8)
        if raw.min() <= 0x20 or raw.max() >= 0x80:
            return True
    return False


def _scan_bytes(values: pd.Series, needles: tuple[bytes, ...]) -> bool:
    for chunk in _arrow_chunks(values):
        data = chunk.buffers()[2]
        if data is None:
            continue
        text = data.to_pybytes()  # `in` on bytes is a memchr: far faster than numpy here
        if any(n in text for n in needles):
            return True
    return False


def _str_mapper(pa):
    dtype = pd.StringDtype(na_value=np.nan)
    mapping = {pa.string(): dtype, pa.large_string(): dtype}
    return mapping.get


def _cell_text(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, _dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, _dt.date | _dt.time):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- values
def _as_text(values: pd.Series) -> pd.Series:
    """Text column: stripped, empty -> NaN; whole-number floats without ``.0``."""
    if pd.api.types.is_bool_dtype(values.dtype):
        out = values.astype("str")
    elif pd.api.types.is_integer_dtype(values.dtype):
        out = values.astype("str")
    elif pd.api.types.is_float_dtype(values.dtype):
        arr = values.to_numpy(dtype=float, na_value=np.nan)
        whole = np.isfinite(arr) & (np.mod(np.nan_to_num(arr, posinf=0.5, neginf=0.5), 1) == 0)
        text = np.where(whole, np.char.mod("%d", np.where(whole, arr, 0)), arr.astype(str))
        out = pd.Series(text, dtype="str").where(~np.isnan(arr))
    elif pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = values.dt.strftime("%Y-%m-%d %H:%M:%S")
    elif isinstance(values.dtype, pd.PeriodDtype):
        out = values.astype("str")
    else:
        if not pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
            values = values.map(_cell_text, na_action="ignore")
        out = values.astype("str")
    out = out.str.strip()
    return out.where(out != "")


def _arrow_chunks(values: pd.Series) -> list:
    """The arrow chunks behind an arrow-backed text column (no copy)."""
    arr = values.array.__arrow_array__()
    return list(arr.chunks) if isinstance(arr, pa.ChunkedArray) else [arr]


def _is_arrow_text(values: pd.Series) -> bool:
    dtype = values.dtype
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def _arrow_factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of an arrow-backed text column, without int64 copies.

    int32 codes (-1 = missing); unique values in order of first appearance.
    """
    encoded = pc.dictionary_encode(pa.chunked_array(_arrow_chunks(values), type=pa.large_string()))
    # the chunks share one growing dictionary; joined in arrow's pool, which reuses memory
    indices = pa.concat_arrays(
        [chunk.indices for chunk in encoded.chunks] or [pa.array([], pa.int32())]
    )
    if indices.null_count:
        indices = pc.fill_null(indices, -1)
    codes = indices.to_numpy(zero_copy_only=False)
    last = encoded.chunk(encoded.num_chunks - 1).dictionary if encoded.num_chunks else []
    return codes.astype(np.int32, copy=False), np.asarray(last.to_pylist(), dtype=object)


def _arrow_unique(values: pd.Series) -> np.ndarray:

    uniques = pc.unique(pa.chunked_array(_arrow_chunks(values), type=pa.large_string()))
    return np.asarray(uniques.drop_null().to_pylist(), dtype=object)


class _Text:
    """A text column as codes into cleaned unique values (stripped; empty = missing).

    Cleaning, period parsing and duplicate keys work on the few unique values; the
    column itself is only rebuilt when cleaning changed something. With ``lazy=True``
    (grouping attributes) the codes are only computed if something asks for them.
    """

    uniques: np.ndarray  # None only while a lazy column has not been encoded

    def __init__(self, values: pd.Series, *, lazy: bool = False):
        is_str = pd.api.types.is_string_dtype(values.dtype) and values.dtype != object
        codes: np.ndarray | None
        self._all_present = True  # every unique value occurs in the column
        if isinstance(values.dtype, pd.CategoricalDtype) and pd.api.types.is_string_dtype(
            values.cat.categories.dtype
        ):
            source = None
            codes = values.cat.codes.to_numpy()
            uniques = values.cat.categories
            self._all_present = False  # a DataFrame's categories may be unused
        else:
            source = values if is_str else _as_text(values)
            if not _is_arrow_text(source):
                codes, uniques = pd.factorize(source)
            elif lazy and not _needs_strip(source):  # nothing to clean: no work at all
                self._codes, self.uniques, self._source = None, None, source
                self.line_break = False
                return
            elif lazy:
                codes, uniques = None, _arrow_unique(source)
            else:
                codes, uniques = _arrow_factorize(source)
        raw = np.asarray(uniques, dtype=object)
        self.line_break = any("\n" in u or "\r" in u for u in map(str, raw))
        stripped = np.array([str(u).strip() for u in raw], dtype=object)
        changed = bool((stripped != raw).any())
        if changed:
            if codes is None:
                codes, raw = _arrow_factorize(source)
                stripped = np.array([str(u).strip() for u in raw], dtype=object)
            empty = stripped == ""
            new_codes, new_uniques = pd.factorize(pd.Series(np.where(empty, None, stripped)))
            remap = np.append(np.where(empty, -1, new_codes), -1)
            codes = remap[codes]
            raw = np.asarray(new_uniques, dtype=object)
        if codes is not None:
            codes = np.asarray(codes)
            if codes.dtype.kind != "i" or codes.dtype.itemsize < 4:
                codes = codes.astype(np.int32 if len(raw) < 2**31 - 1 else np.int64)
        self._codes = codes
        self.uniques = raw
        self._source = None if changed else source

    @property
    def codes(self) -> np.ndarray:
        if self._codes is None:  # lazy: the source is clean arrow text
            self._codes, self.uniques = _arrow_factorize(self._source)
        return self._codes

    @property
    def missing(self) -> np.ndarray:
        return self.codes < 0

    def missing_rows(self) -> np.ndarray | None:
        """The rows without a value, or None when every row has one."""
        codes = self.codes
        return codes < 0 if len(codes) and codes.min() < 0 else None

    def values(self, mask: np.ndarray) -> np.ndarray:
        """The cleaned text of the rows in ``mask`` (for messages)."""
        return np.append(self.uniques, None)[self.codes[mask]]

    def series(self, keep: np.ndarray | None = None) -> pd.Series:
        """The cleaned column (``str`` dtype), optionally only the rows in ``keep``."""
        if self._source is not None and keep is None:
            return self._source.reset_index(drop=True)
        if self._source is not None and self._codes is None:
            return self._source[keep].reset_index(drop=True)
        codes = self.codes if keep is None else self.codes[keep]
        return pd.Series(pd.array(self.uniques, dtype="str").take(codes, allow_fill=True))

    def present(self, keep: np.ndarray | None) -> list[str]:
        """Unique values among the kept rows (None: all), in the order of the unique values.

        Unique values come from factorize or the CSV reader's dictionary, so they are in
        order of first appearance.
        """
        if self._all_present and keep is None:
            return [str(u) for u in self.uniques]
        codes = self.codes if keep is None else self.codes[keep]
        seen = np.bincount(codes[codes >= 0], minlength=len(self.uniques)) > 0
        return [str(u) for u in self.uniques[seen]]

    def mapped(self, values: np.ndarray) -> _Text:
        """A new column whose unique value ``i`` becomes ``values[i]`` (None = missing)."""
        same = len(values) == len(self.uniques) and all(
            v == u for v, u in zip(values, self.uniques, strict=True)
        )
        if same:
            return self
        out = object.__new__(_Text)
        codes, uniques = pd.factorize(pd.Series(values, dtype=object))
        remap = np.append(codes, -1)
        out._codes = remap[self.codes]
        out.uniques = np.asarray(uniques, dtype=object)
        out._source = None
        out._all_present = self._all_present
        out.line_break = self.line_break
        return out


_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}


_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?"


_PERIOD_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "ym"),
    (re.compile(r"^(\d{4})(?:\.0)?$"), "y"),
    (re.compile(r"^(\d{4})\s*[-_ ]?\s*[Qq]([1-4])$"), "yq"),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + "$"), "ymd"),
    (re.compile(r"^(\d{4})[/.](\d{1,2})$"), "ym"),
    (re.compile(r"^(\d{4})(\d{2})$"), "ym"),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})" + _TIME + "$"), "dmy"),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})" + _TIME + "$"), "mdy"),
    (re.compile(r"^(\d{1,2})[./-](\d{4})$"), "my"),
    (re.compile(r"^[Qq]([1-4])\s*[-_/ ]?\s*(\d{4})$"), "qy"),
    (re.compile(r"^([A-Za-z]{3,9})\.?[\s\-]+(\d{4})$"), "mony"),
    (re.compile(r"^(\d{4})[\s\-]+([A-Za-z]{3,9})$"), "ymon"),
]


def _parse_one_period(text: str) -> tuple[int, str, int] | None:
    """``(year, "M"|"Q"|"Y", month, quarter or 0)`` or None; validates calendar dates."""
    text = text.strip()
    for pattern, kind in _PERIOD_PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        g = m.groups()
        if kind == "y":
            year, freq, n = int(g[0]), "Y", 0
        elif kind == "yq":
            year, freq, n = int(g[0]), "Q", int(g[1])
        elif kind == "qy":
            year, freq, n = int(g[1]), "Q", int(g[0])
        elif kind in ("mony", "ymon"):
            mon, yr = (g[0], g[1]) if kind == "mony" else (g[1], g[0])
            if mon.lower() not in _MONTHS:
                return None
            year, freq, n = int(yr), "M", _MONTHS[mon.lower()]
        else:
            if kind == "ym":
                year, month, day = int(g[0]), int(g[1]), 1
            elif kind == "my":
                year, month, day = int(g[1]), int(g[0]), 1
            elif kind == "ymd":
                year, month, day = int(g[0]), int(g[1]), int(g[2])
            elif kind == "dmy":
                year, month, day = int(g[2]), int(g[1]), int(g[0])
            else:  # mdy
                year, month, day = int(g[2]), int(g[0]), int(g[1])
            try:
                _dt.date(year, month, day)
            except ValueError:
                return None
            freq, n = "M", month
        if not 1900 <= year <= 2199:
            return None
        return year, freq, n
    return None


def _format_period(parsed: tuple[int, str, int] | None, freq: str | None) -> Any:
    if parsed is None:
        return None
    year, kind, n = parsed
    if kind == "Y":
        return None if freq in ("month", "quarter") else f"{year}"
    if freq == "quarter" and kind == "M":
        return f"{year}-Q{(n - 1) // 3 + 1}"
    if freq == "month" and kind == "Q":
        return None
    return f"{year}-Q{n}" if kind == "Q" else f"{year}-{n:02d}"


def parse_periods(values: Any, *, freq: str | None = None) -> pd.Series:
    """Normalise periods to ``YYYY-MM`` / ``YYYY-Qn`` / ``YYYY``; unreadable values become NaN.

    Unique values are parsed once and mapped back, so a million rows with a few hundred
    distinct periods cost a few hundred parses.

    Parameters
    ----------
    values : array-like
        Text such as ``2025-01``, ``2025-1``, ``2025-01-15``, ``2025-01-15 00:00:00``,
        ``01.2025``, ``15.01.2025``, ``1/15/2025`` (US order), ``Jan 2025``,
        ``2025Q1``, ``2025-Q1``, ``2025-q1``, ``Q1 2025``, a year ``2025``; or datetimes /
        periods.
    freq : {None, "month", "quarter"}
        ``None`` keeps monthly data monthly and quarterly data quarterly;
        ``"quarter"`` turns months into their quarter; ``"month"`` rejects quarters.

    Examples
    --------
    >>> parse_periods(["2025-1", "2025-01-15 00:00:00", "2025q2", "2025", "13.2025"]).tolist()
    ['2025-01', '2025-01', '2025-Q2', '2025', nan]
    """
    return _periods(values, freq)[0]


def _periods(values: Any, freq: str | None) -> tuple[pd.Series, np.ndarray]:
    """Normalised periods and the mask of missing (empty) values."""
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        fmt = series.dt.to_period("M").astype("str")
        series = fmt.where(series.notna())
    elif isinstance(series.dtype, pd.PeriodDtype):
        series = series.astype("str").where(series.notna())
    text = _as_text(series)
    codes, uniques = pd.factorize(text)
    mapped = np.array(
        [_format_period(_parse_one_period(str(u)), freq) for u in uniques] + [None], dtype=object
    )
    out = mapped[codes]  # code -1 (missing) picks the trailing None
    return pd.Series(pd.array(out, dtype="str"), index=series.index), codes < 0


_DATE_KINDS = ("ymd", "dmy", "mdy")


def _parse_one_date(text: str) -> _dt.date | None:
    """A calendar date written as ``2025-03-10``, ``10.03.2025`` or ``3/10/2025`` (US)."""
    text = text.strip()
    for pattern, kind in _PERIOD_PATTERNS:
        if kind not in _DATE_KINDS:
            continue
        m = pattern.match(text)
        if not m:
            continue
        g = [int(x) for x in m.groups()]
        year, month, day = {"ymd": (g[0], g[1], g[2]), "dmy": (g[2], g[1], g[0])}.get(
            kind, (g[2], g[0], g[1])
        )
        try:
            return _dt.date(year, month, day)
        except ValueError:
            return None
    return None


def parse_dates(values: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dates of a column: ``(datetime64[D] values, missing, unreadable)``.

    Unique values are parsed once. Datetimes are taken as they are (their day).

    Examples
    --------
    >>> days, missing, bad = parse_dates(["2025-03-10", "10.03.2025", "", "soon"])
    >>> [str(d) for d in days], missing.tolist(), bad.tolist()
    (['2025-03-10', '2025-03-10', 'NaT', 'NaT'], [False, False, True, False], [False, False, False, True])
    """  # noqa: E501
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        days = series.to_numpy(dtype="datetime64[D]")
        missing = series.isna().to_numpy()
        return days, missing, np.zeros(len(series), dtype=bool)
    text = _as_text(series)
    codes, uniques = pd.factorize(text)
    parsed = [_parse_one_date(str(u)) for u in uniques]
    table = np.array([np.datetime64(d, "D") if d else np.datetime64("NaT") for d in parsed]
                     + [np.datetime64("NaT")], dtype="datetime64[D]")  # fmt: skip
    days = table[codes]
    missing = (codes < 0) | (text.fillna("").str.strip() == "").to_numpy()
    bad = np.isnat(days) & ~missing
    return days, missing, bad
