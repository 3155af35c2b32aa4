"""Windows: ``active: {from: YYYY-MM, to: YYYY-MM}`` on a component (a SPIF).

Outside its window a component pays 0. The bounds are months, inclusive; in a quarterly or
yearly scheme they must cover whole periods (a window starts on a period's first month and
ends on a period's last), so that a period is either wholly inside or wholly outside.

Examples
--------
>>> w = Window.model_validate({"from": "2025-03", "to": "2025-05"})
>>> w.first, w.last
(24302, 24304)
>>> window_problems(w, "quarter")  # doctest: +ELLIPSIS
[('from', "a quarterly scheme's window starts with a quarter, not in month 2025-03", ...)]
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, create_model, field_validator, model_validator

from .._util.spec import Spec, spec_error

__all__ = ["Window", "month_index", "scheme_window_problems", "window_problems"]

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}
_WHAT = {"quarter": ("a quarterly", "a quarter"), "year": ("a yearly", "a year")}


def month_index(text: str) -> int:
    """The month ``YYYY-MM`` as a count of months (year × 12 + month − 1).

    Examples
    --------
    >>> month_index("2025-03") - month_index("2024-12")
    3
    """
    m = _MONTH.match(text)
    if m is None:
        raise ValueError(f"{text!r} is not a month YYYY-MM")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def _month(v: Any) -> str:
    text = str(v).strip() if isinstance(v, str | int) and not isinstance(v, bool) else None
    if text is None or _MONTH.match(text) is None:
        raise spec_error(f"{v!r} is not a month", "write the month as YYYY-MM, e.g. 2025-03.")
    return text


# ``from`` is a Python keyword: the fields are declared by name so the file's keys are the
# model's own (and a scheme dumps back to ``{from: …, to: …}``).
_WindowFields = create_model(
    "_WindowFields",
    __base__=Spec,
    **{"from": (str, Field(min_length=1)), "to": (str, Field(min_length=1))},
)


class Window(_WindowFields):
    """``active: {from: YYYY-MM, to: YYYY-MM}``: the months (inclusive) a component pays in."""

    @field_validator("from", "to", mode="before")
    @classmethod
    def _months(cls, v):
        return _month(v)

    @model_validator(mode="after")
    def _order(self):
        start, end = getattr(self, "from"), self.to
        if month_index(start) > month_index(end):
            raise spec_error(
                f"the window starts ({start}) after it ends ({end})",
                "write from: as the first month and to: as the last month of the window.",
            )
        return self

    @property
    def first(self) -> int:
        """The first month of the window (:func:`month_index`)."""
        return month_index(getattr(self, "from"))

    @property
    def last(self) -> int:
        """The last month of the window (:func:`month_index`)."""
        return month_index(self.to)


def window_problems(window: Window, period: str) -> list[tuple[str, str, str]]:
    """The window's bounds that cut a quarterly or yearly scheme's period: (key, what, fix)."""
    size = _PERIOD_MONTHS[period]
    if size == 1:
        return []
    scheme_kind, one = _WHAT[period]
    out = []
    start, end = getattr(window, "from"), window.to
    if window.first % size:
        out.append(
            (
                "from",
                f"{scheme_kind} scheme's window starts with {one}, not in month {start}",
                f"start the window on the first month of {one} (a period is paid wholly or "
                "not at all), or pay the component monthly in a scheme of its own.",
            )
        )
    if (window.last + 1) % size:
        out.append(
            (
                "to",
                f"{scheme_kind} scheme's window ends with {one}, not in month {end}",
                f"end the window on the last month of {one}.",
            )
        )
    return out


def scheme_window_problems(scheme: Any) -> list[tuple[str, str, str]]:
    """Every component window of a scheme that cuts one of its periods: (path, what, fix)."""
    out = []
    for i, comp in enumerate(scheme.components):
        if comp.active is not None:
            for key, what, fix in window_problems(comp.active, scheme.period):
                out.append((f"components[{i}].active.{key}", what, fix))
    return out
