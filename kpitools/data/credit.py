"""Split credit: an event (a deal) credited to several employees, each for a share of it.

An event table with ``--credit deal_id:share`` has one row per employee and event: the rows
sharing an event id are one event, and each row's ``share`` (a number from 0 to 1, or a
percentage such as ``60%``) is that employee's part of it. Measures then count shares, not
rows: ``sum(close_value)`` adds value × share, ``count`` adds the share (half a deal is 0.5
of a deal), ``mean`` is weighted by the shares; ``nunique`` is not split. Each row carries
the whole event's value, so the rows of one event must agree on every summed column.

Every problem is listed with its rows: a share that is not a number from 0 to 1, the shares
of an event that do not add up to 1, an empty share on an event with several rows, and rows
of one event with different values. An event written on one row without a share counts
wholly for its employee.

Examples
--------
>>> parse_credit("deal_id:share")
('deal_id', 'share')
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import DefinitionError
from .columns import normalise_column

__all__ = ["SHARE_TOLERANCE", "credit_shares", "parse_credit"]

#: How far the shares of one event may add up from 1 (rounding in the export).
SHARE_TOLERANCE = 1e-6


def parse_credit(spec: str | tuple[str, str] | None) -> tuple[str, str] | None:
    """``"EVENT_COLUMN:SHARE_COLUMN"`` (or a pair) as two normalised column names."""
    if spec is None:
        return None
    parts = spec.split(":") if isinstance(spec, str) else list(spec)
    names = [normalise_column(p) for p in parts]
    if len(names) != 2 or not all(names):
        raise DefinitionError(
            f"--credit {spec!r}: write the event id column and the share column, "
            "e.g. --credit deal_id:share.\n"
            "Suggestion: the rows with one event id are one event; each row's share (0 to 1) "
            "is its employee's part."
        )
    return names[0], names[1]


def credit_shares(
    raw: Any, cols: Any, valid: np.ndarray, credit: tuple[str, str], value_columns: list[str]
) -> np.ndarray:
    """Each row's share of its event (1 where no split), problems added to ``raw.issues``.

    Parameters
    ----------
    raw, cols
        The event table as read and its parsed columns.
    valid : numpy.ndarray of bool
        The rows that count (an employee and a date, inside the filter).
    credit : (str, str)
        The event id column and the share column.
    value_columns : list of str
        Columns summed or averaged by a measure: one value per event.
    """
    event_col, share_col = credit
    numbers, missing, bad = cols.numbers(share_col)
    share = np.where(missing | bad, np.nan, numbers)
    event = cols.text(event_col).to_numpy(dtype=object)
    has_event = valid & ~pd.isna(event)
    label = raw.original[share_col]
    text = cols.text(share_col)
    out_of_range = valid & ~missing & ~bad & ((numbers < 0) | (numbers > 1))
    _add(raw, "bad_share", label, (bad & valid) | out_of_range, text)
    share[out_of_range] = np.nan  # reported once, not again in its event's total
    frame = pd.DataFrame({"event": event[has_event], "share": share[has_event]})
    frame["row"] = np.flatnonzero(has_event)
    size = frame.groupby("event", sort=False)["share"].transform("size").to_numpy()
    empty = (missing & ~bad & ~out_of_range)[has_event]
    frame.loc[empty & (size == 1), "share"] = 1.0
    unsplit = np.zeros(len(valid), dtype=bool)
    unsplit[frame["row"].to_numpy()[empty & (size > 1)]] = True
    _add(raw, "missing_share", label, unsplit, None)
    _check_totals(raw, frame, label)
    for col in value_columns:
        _check_values(raw, cols, frame, col)
    result = np.ones(len(valid))
    result[frame["row"].to_numpy()] = frame["share"].fillna(0.0).to_numpy()
    single = valid & pd.isna(event)  # no event id: the row is an event of its own
    result[single] = np.where(np.isnan(share[single]), 1.0, share[single])
    return result


def _add(raw: Any, key: str, label: str, mask: np.ndarray, text: Any, note: str = "") -> None:
    if mask.any():
        values = None if text is None else np.asarray(text, dtype=object)[mask]
        raw.issues.add(key, label, raw.rows[mask], values, note=note)


def _check_totals(raw: Any, frame: pd.DataFrame, label: str) -> None:
    """The shares of each event add up to 1."""
    known = frame.dropna(subset=["share"])
    totals = known.groupby("event", sort=False)["share"].sum()
    off = totals[(totals - 1.0).abs() > SHARE_TOLERANCE]
    if off.empty:
        return
    rows = known[known["event"].isin(off.index)]
    mask = np.zeros(len(raw.rows), dtype=bool)
    mask[rows["row"].to_numpy()] = True
    shown = np.empty(len(raw.rows), dtype=object)
    shown[rows["row"].to_numpy()] = [f"{e}: total {totals[e]:g}" for e in rows["event"].to_numpy()]
    _add(raw, "share_total", label, mask, shown)


def _check_values(raw: Any, cols: Any, frame: pd.DataFrame, col: str) -> None:
    """The rows of one event carry the same value of a summed column."""
    numbers, _, _ = cols.numbers(col)
    values = pd.Series(numbers[frame["row"].to_numpy()], index=frame.index)
    differ = values.groupby(frame["event"], sort=False).transform("nunique") > 1
    if not differ.any():
        return
    mask = np.zeros(len(raw.rows), dtype=bool)
    mask[frame["row"].to_numpy()[differ.to_numpy()]] = True
    _add(raw, "split_value", raw.original[col], mask, cols.text(col))
