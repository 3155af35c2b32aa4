"""Text columns built fast from integer codes: labels, zero-padded ids, ISO dates.

The generator works on integer arrays (people, months, KPIs as codes); these helpers turn
them into the text columns of the demo company's frames through pyarrow, which is much
faster than formatting a million strings in Python.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["iso_dates", "numbered_ids", "text_column"]


def text_column(codes: np.ndarray, labels: Sequence[str]) -> pd.Series:
    """A text column from integer codes into ``labels``.

    Examples
    --------
    >>> text_column(np.array([1, 0, 1]), ["Lost", "Won"]).tolist()
    ['Won', 'Lost', 'Won']
    """
    array = pa.DictionaryArray.from_arrays(
        pa.array(np.asarray(codes, dtype=np.int64)), pa.array(list(labels), pa.string())
    )
    return pd.Series(array.cast(pa.large_string()).to_pandas())


def numbered_ids(prefix: str, numbers: np.ndarray, min_width: int) -> pd.Series:
    """``prefix`` + zero-padded numbers, at least ``min_width`` digits.

    Examples
    --------
    >>> numbered_ids("D", np.array([1, 25]), 6).tolist()
    ['D000001', 'D000025']
    """
    numbers = np.asarray(numbers, dtype=np.int64)
    width = max(min_width, len(str(int(numbers.max()))) if numbers.size else min_width)
    digits = pc.utf8_lpad(pa.array(numbers).cast(pa.string()), width=width, padding="0")
    return pd.Series(pc.binary_join_element_wise(prefix, digits, "").to_pandas())


def iso_dates(dates: np.ndarray, unit: str) -> list[str]:
    """Dates as ISO text at ``unit`` precision (``"M"``: ``2024-01``, ``"D"``: ``2024-01-31``).

    Examples
    --------
    >>> iso_dates(np.array(["2024-01"], dtype="datetime64[M]"), "M")
    ['2024-01']
    """
    return [str(x) for x in np.datetime_as_string(dates, unit=unit)]
