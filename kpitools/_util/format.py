"""Plain-text output shared by the command line and the result objects: one table writer.

Examples
--------
>>> print(text_table(["kpi", "total"], [["revenue", "1,200"], ["units", "35"]], right={"total"}))
kpi      total
revenue  1,200
units       35
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["text_table", "money"]


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


def money(value: Any, currency: str = "") -> str:
    """An amount rounded to whole units with thousands separators, then the currency.

    Examples
    --------
    >>> money(1234567.4, "RUB"), money(float("nan"))
    ('1,234,567 RUB', 'n/a')
    """
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    text = f"{float(value):,.0f}"
    return f"{text} {currency}" if currency else text
