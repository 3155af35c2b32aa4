"""Reading a source into a raw table: sniffing, CSV (a fast and a careful reader), Parquet."""

from __future__ import annotations

import codecs
import csv
import mmap
import os
import re
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from ..errors import DataValidationError, DefinitionError
from .cells import _has_line_break, _is_arrow_text, _str_mapper
from .columns import _TEXT_COLUMNS
from .quality import _fatal, _Issues
from .raw import _check_names, _finish, _Raw
from .read_xlsx import _read_xlsx

__all__ = []


_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook is one: rename it to .xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook (save it as .xlsx or CSV)"),
    (b"PAR1", "a Parquet file (rename it to .parquet)"),
    (b"\xff\xfe", "UTF-16 text (save it as UTF-8)"),
    (b"\xfe\xff", "UTF-16 text (save it as UTF-8)"),
)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


_CSV_EXT = {".csv", ".txt", ".tsv"}


_XLSX_EXT = {".xlsx", ".xlsm"}


_PARQUET_EXT = {".parquet", ".pq"}


def _read(
    source: Any,
    *,
    sheet: str | int | None = None,
    numeric: Callable[[list[str]], Iterable[str]] | None = None,
    careful: bool = False,
) -> _Raw:
    """Read any supported source into a :class:`_Raw` (text columns stay text)."""
    if isinstance(source, pd.DataFrame):
        return _from_frame(source, "<DataFrame>")
    if not isinstance(source, str | os.PathLike):
        raise DefinitionError(
            f"Data source must be a file path or a pandas DataFrame, got {type(source).__name__}."
        )
    path = Path(source)
    name = str(path)  # as the user typed it
    if not path.exists():
        raise _fatal(name, f"{name}: file not found.\nSuggestion: check the path and its spelling.")
    if path.is_dir():
        raise _fatal(name, f"{name}: is a folder, not a data file.\nSuggestion: name the file.")
    ext = path.suffix.lower()
    if path.stat().st_size == 0:
        raise _fatal(name, f"{name}: the file is empty.\nSuggestion: export the data again.")
    if ext in _CSV_EXT:
        return _read_csv(path, name, numeric, careful=careful)
    if ext in _XLSX_EXT:
        return _read_xlsx(path, name, sheet, numeric)
    if ext in _PARQUET_EXT:
        return _read_parquet(path, name)
    if ext == ".xls":
        raise _fatal(
            name,
            f"{name}: old Excel .xls files are not supported.\n"
            "Suggestion: open it in Excel and save it as .xlsx or CSV.",
        )
    raise _fatal(
        name,
        f"{name}: unknown file type {ext or '(no extension)'!r}.\n"
        "Suggestion: use a .csv, .xlsx or .parquet file.",
    )


def _sniff_head(path: Path, name: str) -> tuple[str, str]:
    """Refuse binary files; guess the encoding from the first 64 KB; return (encoding, text)."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise _fatal(
                name,
                f"{name}: this is not a CSV text file: it looks like {what}.\n"
                "Suggestion: export the data as CSV (UTF-8), XLSX or Parquet.",
            )
    if b"\x00" in head:
        raise _fatal(
            name,
            f"{name}: this is not a CSV text file: it contains binary data (NUL bytes).\n"
            "Suggestion: export the data as CSV (UTF-8), XLSX or Parquet.",
        )
    try:  # a multi-byte character may be cut at the end of the head: not final
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = "cp1251"
    return encoding, _decode_head(head, encoding, name)


def _decode_head(head: bytes, encoding: str, name: str) -> str:
    text = head.decode(encoding, errors="ignore").lstrip("\ufeff")
    if _CONTROL.search(text):
        raise _fatal(
            name,
            f"{name}: this is not a CSV text file: it contains control characters "
            f"(read as {encoding}, it is neither valid UTF-8 text nor cp1251 text).\n"
            "Suggestion: export the data as CSV (UTF-8), XLSX or Parquet.",
        )
    return text


def _neither(path: Path, name: str, err: Exception) -> DataValidationError:
    """The file is not UTF-8 and not cp1251: name the first byte that fits neither."""
    # 0x98 is the one byte cp1251 leaves undefined
    where = " (byte 0x98 is not valid in either)" if b"\x98" in path.read_bytes() else ""
    return _fatal(
        name,
        f"{name}: cannot read the text: it is neither UTF-8 nor cp1251{where}.\n"
        "Suggestion: save the file as CSV UTF-8.",
    )


_SEP_LINE = re.compile(r"^sep=(.)\s*$", re.IGNORECASE)


_DELIMITERS = {",": "','", ";": "';'", "\t": "tab"}


def _sniff_header(text: str, name: str) -> tuple[str, list[str], int]:
    """``(delimiter, header names, lines to skip before the header)``.

    Excel writes a first line ``sep=;`` (or ``sep=,``) naming the delimiter: it is
    obeyed and skipped, so the header is line 2 and the first data row is row 3.
    """
    first = text.splitlines()[0] if text else ""
    sep = _SEP_LINE.match(first)
    skip = 1 if sep else 0
    if sep and sep.group(1) not in _DELIMITERS:
        raise _fatal(
            name,
            f"{name}: line 1 ({first.strip()!r}) asks for the delimiter {sep.group(1)!r}, "
            "which is not supported.\n"
            "Suggestion: save the file with ',', ';' or tab as the delimiter.",
        )
    lines = [ln for ln in text.splitlines()[skip:] if ln.strip()]
    if not lines:
        raise _fatal(name, f"{name}: the file is empty.\nSuggestion: export the data again.")
    header = lines[0]
    # blank lines above the header (some exports start with one) are skipped with it
    raw_lines = text.split("\n")
    while skip < len(raw_lines) and not raw_lines[skip].strip():
        skip += 1
    if sep:
        delimiter = sep.group(1)
    else:
        counts = {d: header.count(d) for d in _DELIMITERS}
        delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    names = next(csv.reader([header], delimiter=delimiter))
    return delimiter, names, skip


_FAST_CSV = True  # the tests switch it off to compare both readers on the same files


# what pandas would read as a number or a bool (a superset: a few more columns are read
# as text explicitly, which costs a little time, never a wrong value)
_NUMBER_LIKE = re.compile(
    r"^\s*[-+]?(\d[\d_]*\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$|^\s*(true|false|[-+]?inf\w*)\s*$",
    re.IGNORECASE,
)


def _read_csv(path: Path, name: str, numeric: Callable | None, *, careful: bool = False) -> _Raw:
    encoding, head = _sniff_head(path, name)
    if _FAST_CSV and numeric is not None and not careful:
        raw = _read_csv_fast(path, name, numeric, encoding, head)
        if raw is not None:
            return raw
    return _read_csv_careful(path, name, numeric, encoding, head)


def _read_csv_fast(
    path: Path, name: str, numeric: Callable, encoding: str, head: str
) -> _Raw | None:
    """The happy path: pandas' C parser, about twice as fast as the careful reader.

    It only accepts a file it reads exactly as :func:`_read_csv_careful` would; None
    sends anything unusual (a field too many or too few, blank lines, a cell that is
    not a number, a line break inside quotes, an encoding surprise) to the careful
    reader, which finds and reports each problem with its line number.
    """
    delimiter, header, skip = _sniff_header(head, name)
    if not head.splitlines()[skip].strip():
        return None  # blank lines before the header
    original = _check_names(header, name)
    columns = list(original)
    dtype = _text_dtypes(head, skip, delimiter, columns)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = pd.read_csv(
                path,
                sep=delimiter,
                header=0,
                names=columns,
                index_col=False,
                skiprows=skip,
                dtype=dtype,
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=False,
                decimal="," if delimiter != "," else ".",
                encoding=encoding,
                on_bad_lines="error",
                engine="c",
            )
    except Exception:  # noqa: BLE001 - whatever went wrong, the careful reader says it well
        return None
    if caught or len(frame) == 0:  # e.g. a first row with a field too many (a warning)
        return None
    if frame[columns[-1]].isna().any() and not _empty_last_cells(path, frame, skip, delimiter):
        return None  # a short row is padded with NaN: only the careful reader tells it apart
    break_check = _fast_columns(frame, columns, set(numeric(columns)))
    if break_check is None:
        return None
    raw = _finish(
        frame, 2 + skip, name, "csv", decimal_comma=delimiter != ",", original=original, blank=False
    )
    raw.break_check = tuple(break_check)
    return raw


def _text_dtypes(head: str, skip: int, delimiter: str, columns: list[str]) -> dict[str, str]:
    """Id columns pandas would read as numbers (``007``): read them as text (slower)."""
    sample = list(csv.reader(head.splitlines()[skip + 1 : skip + 200], delimiter=delimiter))
    # numbers are inferred, not forced to float64: forcing turns a block of True/False
    # into 1/0, inferring makes it a bool or mixed column, which is refused later
    dtype: dict[str, str] = {}
    for j, c in enumerate(columns):
        if c in _TEXT_COLUMNS:
            cells = [r[j] for r in sample if len(r) > j and r[j].strip()]
            if not cells or any(_NUMBER_LIKE.match(v) for v in cells):
                dtype[c] = "str"
    return dtype


def _fast_columns(frame: pd.DataFrame, columns: list[str], wanted: set[str]) -> list[str] | None:
    """The text columns to check for line breaks later; None sends the file to the careful reader.

    As for text, True/False or infinities in a number column, a quoted line break, or an
    id read as a number.
    """
    break_check: list[str] = []
    for c in columns:
        values = frame[c]
        if c in wanted:
            if values.dtype.kind in "iu":  # whole numbers: exact, as the careful reader
                frame[c] = values = values.astype(np.float64)
            if values.dtype != np.float64 or np.isinf(values.to_numpy()).any():
                return None
        elif _is_arrow_text(values):
            if c in _TEXT_COLUMNS:
                break_check.append(c)  # checked on its few unique values, if long
            elif _has_line_break(values):
                return None
        elif c in _TEXT_COLUMNS or values.dtype == object:
            return None
    return break_check


def _empty_last_cells(path: Path, frame: pd.DataFrame, skip: int, delimiter: str) -> bool:
    """Whether every missing value of the last column is an empty last cell.

    pandas pads a short row with NaN, as if its last cells were empty. A row whose
    last value is missing but whose second-to-last is not was read with that value as
    its next-to-last field: if the line then ends with the delimiter, the row has
    exactly one field per column. Any other case (or lines that do not match the rows
    one to one) goes to the careful reader.
    """
    if frame.shape[1] < 2:
        return False
    rows = np.flatnonzero(frame.iloc[:, -1].isna().to_numpy())
    if frame.iloc[:, -2].isna().to_numpy()[rows].any():
        return False
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return False
        # mapped, not read: the page cache is scanned in place (2-3x faster than a copy)
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    data = None
    try:
        data = np.frombuffer(mapped, dtype=np.uint8)
        step = 1 << 22  # newline positions chunk by chunk: no file-sized temporaries
        ends = [np.flatnonzero(data[i : i + step] == 10) + i for i in range(0, len(data), step)]
        ends.append(np.array([len(data)] if data[-1] != 10 else [], dtype=np.intp))
        line_end = np.concatenate(ends)
        first = skip + 1  # lines before the first data row
        if len(line_end) != first + len(frame):
            return False  # blank lines or line breaks inside quotes
        before = line_end[first + rows] - 1
        before -= (before > 0) & (data[np.maximum(before, 0)] == 13)  # \r\n
        last = data[np.maximum(before, 0)]  # a copy: the map can be closed
        return bool(((before >= 0) & (last == ord(delimiter))).all())
    finally:
        del data
        mapped.close()


_HOOK_LOCK = threading.Lock()


@contextmanager
def _undecodable_rows() -> Iterator[list[UnicodeDecodeError]]:
    """Collect the decoding errors of arrow's invalid-row handler instead of printing them.

    A row with the wrong number of fields and a byte that is not UTF-8 cannot be handed to
    the handler: arrow fails to decode it, Python prints "Exception ignored in …" with a
    traceback through the unraisable hook, and the read fails. The errors are collected
    here, so that the caller reads the file again in another encoding, silently.
    """
    caught: list[UnicodeDecodeError] = []
    with _HOOK_LOCK:
        previous = sys.unraisablehook

        def hook(unraisable: Any) -> None:
            if isinstance(unraisable.exc_value, UnicodeDecodeError):
                caught.append(unraisable.exc_value)
            else:
                previous(unraisable)

        sys.unraisablehook = hook
        try:
            yield caught
        finally:
            sys.unraisablehook = previous


def _arrow_attempt(
    path: Path,
    name: str,
    numeric: Callable | None,
    encoding: str,
    head: str,
    as_float: bool,
    use_threads: bool,
) -> tuple:
    """One read with arrow's CSV parser; bad rows are set aside with their line number."""
    delimiter, header, skip = _sniff_header(head, name)
    original = _check_names(header, name)
    wanted = set(numeric(list(original))) if numeric is not None else set()
    # id columns as dictionaries: codes and unique values come free from the parser
    as_dict = pa.dictionary(pa.int32(), pa.large_string())
    types = {
        raw: pa.float64()
        if as_float and norm in wanted
        else as_dict
        if numeric is not None and norm in _TEXT_COLUMNS
        else pa.large_string()
        for norm, raw in zip(original, header, strict=False)
    }
    bad: list = []

    def handler(row) -> str:
        bad.append(row)
        return "skip"

    with _undecodable_rows() as undecodable:
        try:
            table = pcsv.read_csv(
                path,
                read_options=pcsv.ReadOptions(
                    encoding="utf8" if encoding == "utf-8" else encoding,
                    use_threads=use_threads,
                    skip_rows=skip,
                ),
                parse_options=pcsv.ParseOptions(
                    delimiter=delimiter, ignore_empty_lines=False, invalid_row_handler=handler
                ),
                convert_options=pcsv.ConvertOptions(
                    column_types=types,
                    strings_can_be_null=True,
                    null_values=[""],
                    decimal_point="," if delimiter != "," else ".",
                ),
            )
        except pa.ArrowInvalid:
            if undecodable:  # a bad row that is not UTF-8: the caller tries cp1251
                raise undecodable[0] from None
            raise
    return table, bad, delimiter, header, original, wanted, skip


def _arrow_read(path: Path, name: str, numeric: Callable | None, encoding: str, head: str) -> tuple:
    """Numbers parsed by arrow; any bad number cell sends us to read them as text."""
    as_float = True
    try:
        out = _arrow_attempt(path, name, numeric, encoding, head, as_float, True)
    except pa.ArrowInvalid as err:
        if "conversion error" not in str(err):
            raise
        as_float = False
        out = _arrow_attempt(path, name, numeric, encoding, head, as_float, True)
    if out[1] and any(b.number is None for b in out[1]):  # only serial reads know lines
        out = _arrow_attempt(path, name, numeric, encoding, head, as_float, False)
    return out


def _arrow_read_any_encoding(
    path: Path, name: str, numeric: Callable | None, encoding: str, head: str
) -> tuple:
    """:func:`_arrow_read`, again as cp1251 when UTF-8 fails after the first 64 KB."""
    try:
        try:
            return _arrow_read(path, name, numeric, encoding, head)
        except (pa.ArrowInvalid, UnicodeDecodeError) as err:
            if encoding != "utf-8" or not ("UTF8" in str(err) or isinstance(err, UnicodeError)):
                raise
            encoding = "cp1251"  # invalid UTF-8 after the first 64 KB
            with open(path, "rb") as fh:
                head = _decode_head(fh.read(65536), encoding, name)
            return _arrow_read(path, name, numeric, encoding, head)
    except UnicodeDecodeError as err:
        raise _neither(path, name, err) from err
    except pa.ArrowInvalid as err:
        if encoding == "cp1251" and "decode" in str(err).lower():
            raise _neither(path, name, err) from err
        raise _fatal(
            name,
            f"{name}: cannot parse the CSV: {err}.\n"
            "Suggestion: check quoting and that every line has the same number of fields.",
        ) from err


def _read_csv_careful(
    path: Path, name: str, numeric: Callable | None, encoding: str, head: str
) -> _Raw:
    """Arrow's parser, which knows every line number: each problem is reported with its row."""
    table, bad, delimiter, header, original, wanted, skip = _arrow_read_any_encoding(
        path, name, numeric, encoding, head
    )
    issues = _Issues(name)
    n_total = table.num_rows + len(bad)
    rows = np.arange(2 + skip, n_total + 2 + skip, dtype=np.int64)
    if bad:
        bad_lines = np.array(sorted(b.number for b in bad), dtype=np.int64)
        rows = np.setdiff1d(rows, bad_lines, assume_unique=True)
        issues.add(
            "bad_row",
            None,
            [b.number for b in bad],
            [f"{b.actual_columns} of {len(header)} fields: {b.text[:60]}" for b in bad],
        )
    table = table.rename_columns(list(original)).unify_dictionaries()
    for col in wanted & set(table.column_names):
        if pa.types.is_floating(table.schema.field(col).type):
            continue
        try:
            cast = pc.cast(table[col], pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue  # the careful path reports the bad cells with their text
        table = table.set_column(table.column_names.index(col), col, cast)
    # split blocks + self-destruct: no consolidation copy, arrow memory freed as we go
    frame = table.to_pandas(types_mapper=_str_mapper(pa), split_blocks=True, self_destruct=True)
    del table
    return _finish(
        frame, rows, name, "csv", decimal_comma=delimiter != ",", original=original, issues=issues
    )


def _read_parquet(path: Path, name: str) -> _Raw:
    try:
        frame = pd.read_parquet(path)
    except Exception as err:  # noqa: BLE001 - pyarrow raises many types for bad files
        raise _fatal(
            name,
            f"{name}: not a readable Parquet file ({type(err).__name__}: {err}).\n"
            "Suggestion: write it again with pandas.DataFrame.to_parquet, or export CSV.",
        ) from err
    original = _check_names(list(frame.columns), name)
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    frame = frame.reset_index(drop=True)
    return _finish(frame, rows, name, "parquet", decimal_comma=False, original=original)


def _from_frame(df: pd.DataFrame, name: str) -> _Raw:
    original = _check_names(list(df.columns), name)
    index = df.index
    if pd.api.types.is_integer_dtype(index.dtype):
        rows = index.to_numpy(dtype=np.int64)
    else:
        rows = np.arange(len(df), dtype=np.int64)
    frame = df.reset_index(drop=True).copy()
    return _finish(frame, rows, name, "frame", decimal_comma=True, original=original)
