"""Small file helpers used everywhere: atomic writes, safe names, shipped files, CSV.

One place per job: every module that writes a file calls :func:`atomic_write`
so that a crash never leaves half a file behind, and every CSV file kpitools writes
goes through :func:`write_csv`, which makes text cells safe to open in a spreadsheet
(:func:`formula_safe`).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv

from .threads import side_by_side, thread_count

__all__ = [
    "FORMULA_START",
    "atomic_path",
    "atomic_write",
    "formula_safe",
    "safe_name",
    "shipped",
    "write_csv",
]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it into place on success.

    Use it for writers that want a file name (``DataFrame.to_csv``, openpyxl,
    WeasyPrint). On any exception the temporary file is removed and ``path`` is
    left as it was.

    Examples
    --------
    >>> with atomic_path("out/payouts.csv") as tmp:  # doctest: +SKIP
    ...     df.to_csv(tmp, index=False)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp creates 0600; give the final file the mode an ordinary open() would.
    os.chmod(tmp_path, 0o666 & ~_umask())
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, data: str | bytes, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, then rename)."""
    with atomic_path(path) as tmp:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding=encoding)
    return Path(path)


_UNSAFE = re.compile(r"[^\w.-]+")


def safe_name(name: str, max_length: int = 80) -> str:
    """Turn any client name into a folder name that cannot escape its parent.

    Letters and digits of any script are kept, anything else (slashes, dots at
    the ends, spaces, markup) becomes ``-``; an empty result becomes ``client``.

    Examples
    --------
    >>> safe_name("../../etc/passwd")
    'etc-passwd'
    >>> safe_name("Acme <b>Corp</b>")
    'Acme-b-Corp-b'
    """
    text = unicodedata.normalize("NFKC", str(name))
    text = _UNSAFE.sub("-", text).strip("-._")
    text = text[:max_length].strip("-._")
    return text or "client"


def shipped(*parts: str) -> Path:
    """A file shipped with kpitools: ``shipped("templates", "kpi_library.yaml")``.

    ``templates/`` and ``notebooks/`` sit next to the package in the source tree (and
    in an editable install); a wheel carries them inside the package folder. The
    first of the two that exists is returned, else the source-tree path (for the
    error message of whoever opens it).

    Examples
    --------
    >>> shipped("templates", "kpi_library.yaml").name
    'kpi_library.yaml'
    """
    package = Path(__file__).resolve().parent.parent  # kpitools/, above _util/
    for root in (package, package.parent):
        path = root.joinpath(*parts)
        if path.exists():
            return path
    return package.parent.joinpath(*parts)


#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# A cell that is a plain number ("-5", "+1.5e3") is a number to a spreadsheet, not a formula.
_PLAIN_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def _is_text(series: pd.Series) -> bool:
    dtype = series.dtype
    return (
        pd.api.types.is_object_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_string_dtype(dtype)
    )


def _escape(text: pd.Series) -> pd.Series:
    """Prefix ``'`` to the cells of a text column that a spreadsheet would run."""
    try:
        starts = text.str.startswith(FORMULA_START, na=False).astype(bool)
    except AttributeError:  # no text at all in the column (numbers kept as objects)
        return text
    if not starts.any():
        return text
    candidates = text[starts].astype(str)
    risky = candidates[~candidates.str.fullmatch(_PLAIN_NUMBER)]
    if risky.empty:
        return text
    out = text.astype(object).copy()
    out[risky.index] = "'" + risky
    return out


def formula_safe(table: pd.DataFrame) -> pd.DataFrame:
    """The table with every text cell a spreadsheet would run as a formula made inert.

    As OWASP recommends against CSV injection, a text cell (or column name) that begins
    with ``= + - @``, a tab or a carriage return gets a leading ``'``: Excel, LibreOffice
    and Google Sheets then show it as typed. Numbers are never touched: numeric columns
    stay as they are, and a text cell that is a plain number (``-5``, ``+1.5e3``) is kept.

    Examples
    --------
    >>> formula_safe(pd.DataFrame({"employee": ["=1+2", "-5", "Ann"], "payout": [-1.0, 2, 3]}))
      employee  payout
    0    '=1+2    -1.0
    1       -5     2.0
    2      Ann     3.0
    """
    out = table.copy()
    for i in range(table.shape[1]):
        col = table.iloc[:, i]
        if _is_text(col):
            escaped = _escape(col.astype(object))
            if escaped is not col:
                out.isetitem(i, escaped)
    header = _escape(pd.Series(list(table.columns), dtype=object))
    out.columns = list(header) if len(header) else out.columns
    return out


def write_csv(
    table: pd.DataFrame, path: str | os.PathLike, *, raw: bool = False, plain: bool = False
) -> Path:
    """Write a table as UTF-8 CSV, formula-safe unless ``raw`` (the one CSV writer).

    Every CSV file kpitools writes goes through here; write to the temporary path of
    :func:`atomic_path` for an atomic file. Text cells a spreadsheet would run as a
    formula are escaped (:func:`formula_safe`) unless ``raw=True`` (``--raw-csv``, for
    scripts that want the cells as they were).

    Parameters
    ----------
    table : DataFrame
        The table; its index is not written.
    path : path
        Where to write.
    raw : bool, default False
        Write text cells exactly as they are.
    plain : bool, default False
        False: pyarrow's writer (an order of magnitude faster than ``DataFrame.to_csv`` on
        a payout table; every text cell quoted, NaN empty, booleans ``true``/``false``).
        True: the look of a hand-made file (text quoted only where needed; floats in the
        shortest form that reads back to the same number, whole ones without ``.0``).

    Examples
    --------
    >>> table = pd.DataFrame({"employee": ["=cmd"], "payout": [1.5]})
    >>> write_csv(table, "out.csv")  # doctest: +SKIP
    """
    if plain:
        frame = table if raw else formula_safe(table)
        _plain_numbers(frame).to_csv(path, index=False, lineterminator="\n")
        return Path(path)
    frame = table.copy(deep=False)  # copy on write: the columns replaced below only
    for i in range(frame.shape[1]):
        col = frame.iloc[:, i]
        if col.dtype == object:
            frame.isetitem(i, col.astype(str).where(col.notna()))
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    if not raw:  # in arrow's kernels: a payout table of a million rows costs milliseconds
        arrow = _arrow_formula_safe(arrow)
    _write_arrow_csv(arrow, path)
    return Path(path)


def _write_arrow_csv(arrow: pa.Table, path: str | os.PathLike) -> None:
    """Write with the arrow CSV writer; a big table in slices, side by side in threads.

    A row's text does not depend on the rows around it, so the slices (the first with the
    header) joined in order are byte for byte the file one call writes; arrow formats
    without the GIL, so two cores take about half the time.
    """
    options = csv.WriteOptions(quoting_style="needed")
    workers = thread_count(arrow.num_rows)
    if workers < 2:
        csv.write_csv(arrow, str(path), write_options=options)
        return
    bounds = np.linspace(0, arrow.num_rows, workers + 1).astype(np.int64)

    def part(i: int) -> pa.Buffer:
        sink = pa.BufferOutputStream()
        sliced = arrow.slice(int(bounds[i]), int(bounds[i + 1] - bounds[i]))
        head = csv.WriteOptions(quoting_style="needed", include_header=i == 0)
        csv.write_csv(sliced, sink, write_options=head)
        return sink.getvalue()

    parts = side_by_side([partial(part, i) for i in range(workers)], rows=arrow.num_rows)
    with open(path, "wb") as fh:
        for buffer in parts:
            fh.write(memoryview(buffer))


def _arrow_formula_safe(table: pa.Table) -> pa.Table:
    """:func:`formula_safe` on an arrow table: text columns and column names."""
    columns = []
    for col in table.columns:
        kind = col.type.value_type if pa.types.is_dictionary(col.type) else col.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            if pa.types.is_dictionary(col.type):
                col = col.cast(kind)
            if not _may_start_formula(col):
                columns.append(col)
                continue
            first = pc.utf8_slice_codeunits(col, 0, 1)
            starts = pc.is_in(first, value_set=pa.array(FORMULA_START))
            if pc.any(starts).as_py():  # rare: only then look for plain numbers
                number = pc.match_substring_regex(col, f"^(?:{_PLAIN_NUMBER})$")
                risky = pc.and_(starts, pc.invert(number))
                quote, empty = pa.scalar("'", col.type), pa.scalar("", col.type)
                col = pc.if_else(risky, pc.binary_join_element_wise(quote, col, empty), col)
        columns.append(col)
    names = [f"'{n}" if _is_formula(n) else n for n in table.column_names]
    return pa.table(columns, names=names)


_FORMULA_BYTES = np.frombuffer("".join(FORMULA_START).encode(), dtype=np.uint8)


def _may_start_formula(col: pa.ChunkedArray) -> bool:
    """Whether any value of a string column may start like a formula (no false "no").

    Reads each value's first byte straight from the arrow buffers (every formula start is
    ASCII, so one byte in UTF-8): about ten times cheaper than slicing the strings. A null
    with leftover bytes can only answer "maybe", which the exact check then settles.
    """
    for chunk in col.chunks:
        if len(chunk) == 0:
            continue
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return True  # another layout (string views …): the exact check decides
        _, offsets, data = chunk.buffers()
        if data is None:
            continue  # every value empty
        wide = pa.types.is_large_string(chunk.type)
        offs = np.frombuffer(offsets, dtype=np.int64 if wide else np.int32)
        offs = offs[chunk.offset : chunk.offset + len(chunk) + 1]
        starts = offs[:-1][offs[1:] > offs[:-1]]
        if np.isin(np.frombuffer(data, dtype=np.uint8)[starts], _FORMULA_BYTES).any():
            return True
    return False


def _is_formula(text: str) -> bool:
    return text.startswith(FORMULA_START) and re.fullmatch(_PLAIN_NUMBER, text) is None


def _plain_numbers(df: pd.DataFrame) -> pd.DataFrame:
    """Float columns as text: whole numbers without ``.0``, others in shortest round-trip form."""
    out = df.copy()
    for i in range(df.shape[1]):
        if not pd.api.types.is_float_dtype(df.iloc[:, i].dtype):
            continue
        values = df.iloc[:, i].to_numpy(dtype=float, na_value=np.nan)
        finite = np.isfinite(values)
        whole = finite & (np.abs(values) < 2**53) & (values == np.round(values))
        text = values.astype(str)  # numpy's shortest repr: reads back to the same float
        text[whole] = values[whole].astype(np.int64).astype(str)
        text[np.isnan(values)] = ""
        out.isetitem(i, text)
    return out
