"""The columns of the long and wide tables, and how a header cell is normalised."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["ATTRIBUTES", "CANONICAL_COLUMNS", "normalise_column"]


ATTRIBUTES: tuple[str, ...] = ("role", "team", "region", "manager")


CANONICAL_COLUMNS: tuple[str, ...] = (
    "employee", "period", "kpi", "actual", "target", *ATTRIBUTES, "currency", "as_of",
)  # fmt: skip
"""``as_of`` (``YYYY-MM``, optional): the month a value was known in; a later row for the
same employee × period × KPI restates it (docs/plan-mechanics.md)."""


_LONG_REQUIRED = ("employee", "period", "kpi", "actual")


_WIDE_REQUIRED = ("employee", "period")


_LAYOUTS = ("auto", "long", "wide")


_DUPLICATES = ("error", "sum")


_WS = re.compile(r"\s+")


def normalise_column(name: Any) -> str:
    """Column name as matched: stripped, lower case, inner spaces as ``_``.

    Examples
    --------
    >>> normalise_column("  Team Lead ")
    'team_lead'
    """
    return _WS.sub("_", str(name).replace("\ufeff", "").strip().lower())


_TEXT_COLUMNS = {"employee", "period", "kpi", *ATTRIBUTES, "currency", "as_of"}
