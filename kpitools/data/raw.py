"""The raw table: every cell as text with its row number, before validation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .columns import normalise_column
from .quality import _fatal, _Issues

__all__ = []


# --------------------------------------------------------------------------- reading
@dataclass
class _Raw:
    """A table as read: normalised column names, text or numeric columns, user row numbers."""

    frame: pd.DataFrame
    row_numbers: np.ndarray | int  # an int: rows are numbered on from it (made when needed)
    name: str
    kind: str
    decimal_comma: bool
    original: dict[str, str]
    issues: _Issues
    # text columns whose values a long-table validation must check for line breaks
    # (the fast CSV reader leaves that to the unique values; see _CarefulNeeded)
    break_check: tuple[str, ...] = ()
    # XLSX: per number column, the row numbers of formulas Excel never calculated (the
    # cells hold the formula text)
    formulas: dict[str, np.ndarray] = field(default_factory=dict)
    # XLSX: the first rows under the header, every cell as text (a header further down
    # can be wider than the title row read as the header)
    head: tuple[tuple[int, tuple[str, ...]], ...] = ()

    @property
    def rows(self) -> np.ndarray:
        """The user's row number of every row of ``frame``."""
        if isinstance(self.row_numbers, int):  # a million-row arange only if asked for
            start = self.row_numbers
            self.row_numbers = np.arange(start, start + len(self.frame), dtype=np.int64)
        return self.row_numbers


class _LazyRows:
    """Row numbers indexed like an array, built only when a problem needs them."""

    def __init__(self, raw: _Raw):
        self._raw = raw

    def __len__(self) -> int:
        return len(self._raw.frame)

    def __getitem__(self, index: Any) -> np.ndarray:
        return self._raw.rows[index]


def _check_names(header: Sequence[Any], name: str) -> dict[str, str]:
    """Normalised name -> name as written; duplicates after normalising are fatal."""
    original: dict[str, str] = {}
    for raw in header:
        norm = normalise_column(raw)
        if norm == "" or norm.startswith("unnamed:"):
            norm = f"column_{len(original) + 1}"
        if norm in original:
            raise _fatal(
                name,
                f"{name}: columns {original[norm]!r} and {str(raw).strip()!r} both mean "
                f"{norm!r} (names are matched ignoring case and spaces).\n"
                "Suggestion: rename or delete one of them.",
                norm,
            )
        original[norm] = str(raw).replace("\ufeff", "").strip()
    return original


def _finish(
    frame: pd.DataFrame,
    rows: np.ndarray | int,
    name: str,
    kind: str,
    *,
    decimal_comma: bool,
    original: dict[str, str],
    issues: _Issues | None = None,
    blank: bool = True,
) -> _Raw:
    """Name the columns, drop blank lines (``blank=False``: the reader knows there are none)."""
    frame.columns = list(original)
    empty = frame.isna().all(axis=1).to_numpy() if blank else None
    if empty is not None and empty.any():
        frame = frame.loc[~empty].reset_index(drop=True)
        rows = np.asarray(rows)[~empty]
    if len(frame) == 0 and issues is not None and issues.n_errors:
        raise issues.error(issues.headline("read"))  # every row was bad: say why, not "no rows"
    if len(frame) == 0:
        raise _fatal(
            name,
            f"{name}: no data rows: only a header ({', '.join(original.values())}).\n"
            "Suggestion: export the data again with its rows.",
        )
    return _Raw(frame, rows, name, kind, decimal_comma, original, issues or _Issues(name))
