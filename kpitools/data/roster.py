"""The roster: who is who — team, region, manager, hire and leave dates, FTE, pay.

One row per employee, read by the same rules as the data (CSV or XLSX, delimiters,
decimal commas, encodings, numbers as exported, row numbers in every message). Columns:

==================  =================================================================
``employee``        the employee id, text (required)
``role``, ``team``, ``region``   grouping attributes (any other column is one too)
``manager``         the employee id of the person's manager
``hire_date``, ``leave_date``    dates; an empty leave date means still there
``fte``             the share of full time, 0 < fte ≤ 1 (default 1)
``on_target_pay``, ``salary``    numbers, per employee
``currency``        the employee's pay currency (ISO 4217, e.g. ``EUR``)
==================  =================================================================

Every problem is listed at once with its rows: a missing or repeated employee, a manager
who is not in the roster, managers in a circle, a leave date before the hire date, an FTE
out of range, unreadable dates or numbers, a currency that is not a three-letter code.
:func:`join_roster` adds the roster's attributes to the long table by employee; a value
that differs from one the data already carries is an error naming both files; employees
in the data but not the roster are kept (a warning with their count), roster rows with no
data are listed, never invented.

Examples
--------
>>> roster = load_roster(pd.DataFrame({"employee": ["a", "b"], "team": ["T1", "T1"],
...                                    "manager": ["b", None]}))
>>> roster.attributes
('team', 'manager')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._util.format import frame_table
from .._util.graph import find_cycle
from ..errors import DataValidationError
from .cells import _as_text, parse_dates
from .columns import ATTRIBUTES
from .numbers import _read_numbers
from .quality import _fatal
from .raw import _Raw
from .read import _read

__all__ = [
    "Roster",
    "load_roster",
    "join_roster",
    "ROSTER_DATES",
    "ROSTER_NUMBERS",
    "ROSTER_PRORATION",
]

ROSTER_DATES = ("hire_date", "leave_date")
ROSTER_NUMBERS = ("fte", "on_target_pay", "salary")
#: The roster columns that prorate pay (engine: fte × days active / days in the period).
ROSTER_PRORATION = ("hire_date", "leave_date", "fte")
_CURRENCY = re.compile(r"[A-Z]{3}\Z")


@dataclass(frozen=True, kw_only=True)
class Roster:
    """A validated roster: ``table`` has one row per employee, in file order.

    Text columns (``employee``, attributes, ``manager``, ``currency``) are text (a missing
    value is pandas' missing text); ``hire_date``/``leave_date`` are ``datetime64[D]``
    (``NaT`` when not given); ``fte`` is 1 where not given; pay columns are floats.
    """

    table: pd.DataFrame
    file: str
    warnings: tuple[str, ...] = field(default=())

    @property
    def attributes(self) -> tuple[str, ...]:
        """The grouping columns: role, team, region, manager and any other text column."""
        skip = {"employee", "currency", *ROSTER_DATES, *ROSTER_NUMBERS}
        return tuple(c for c in self.table.columns if c not in skip)

    @property
    def employees(self) -> list[str]:
        """Every employee id, in file order."""
        return self.table["employee"].tolist()

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        return f"<Roster {self.file}: {len(self)} employees; {', '.join(self.attributes)}>"

    def __str__(self) -> str:
        return f"{self.file}: {len(self)} employees\n" + frame_table(self.table.astype(str))

    def _repr_html_(self) -> str:
        return f"<h4>Roster {self.file}: {len(self)} employees</h4>" + self.table.to_html(
            index=False
        )


class _Checker:
    """Collects every roster problem with its rows."""

    def __init__(self, raw: _Raw):
        self.raw, self.issues, self.rows = raw, raw.issues, raw.rows

    def add(self, key: str, column: str | None, mask: np.ndarray, values: Any, **kw: Any) -> None:
        if mask.any():
            shown = None if values is None else np.asarray(values, dtype=object)[mask]
            label = self.raw.original.get(column, column) if column else None
            self.issues.add(key, label, self.rows[mask], shown, **kw)


def _text(raw: _Raw, col: str) -> np.ndarray:
    values = _as_text(raw.frame[col]).str.strip()
    out = values.to_numpy(dtype=object)
    out[values.isna().to_numpy() | (values == "").fillna(False).to_numpy(dtype=bool)] = None
    return out


def _ids(raw: _Raw, check: _Checker) -> np.ndarray:
    employee = _text(raw, "employee")
    missing = np.array([e is None for e in employee], dtype=bool)
    check.add("missing_employee", "employee", missing, None)
    dup = pd.Series(employee).duplicated(keep=False).to_numpy() & ~missing
    check.add("roster_duplicate", "employee", dup, employee)
    return employee


def _managers(raw: _Raw, employee: np.ndarray, check: _Checker) -> np.ndarray | None:
    if "manager" not in raw.frame.columns:
        return None
    manager = _text(raw, "manager")
    known = {e for e in employee if e is not None}
    unknown = np.array([m is not None and m not in known for m in manager], dtype=bool)
    # HR rosters often leave out the top of the chain: a warning, not a reason to stop
    check.add("roster_unknown_manager", "manager", unknown, manager, severity="warning")
    own = np.array([m is not None and m == e for m, e in zip(manager, employee, strict=True)])
    graph = {e: [m] for e, m in zip(employee, manager, strict=True) if e and m and m in known}
    cycle = find_cycle(graph)
    in_cycle = own | np.isin(employee, cycle or [])
    check.add(
        "roster_manager_cycle",
        "manager",
        in_cycle,
        manager,
        note=f"({' → '.join(cycle)})" if cycle else "",
    )
    return manager


def _dates(raw: _Raw, check: _Checker) -> dict[str, np.ndarray]:
    out = {}
    for col in ROSTER_DATES:
        if col in raw.frame.columns:
            days, _, bad = parse_dates(raw.frame[col])
            check.add("roster_bad_date", col, bad, raw.frame[col].to_numpy(dtype=object))
            out[col] = days
    if len(out) == 2:
        hire, leave = out["hire_date"], out["leave_date"]
        with np.errstate(invalid="ignore"):
            early = ~np.isnat(hire) & ~np.isnat(leave) & (leave < hire)
        shown = [f"hired {h}, left {v}" for h, v in zip(hire, leave, strict=True)]
        check.add("roster_leave_before_hire", "leave_date", early, shown)
    return out


def _numbers(raw: _Raw, check: _Checker) -> dict[str, np.ndarray]:
    out = {}
    for col in ROSTER_NUMBERS:
        if col not in raw.frame.columns:
            continue
        num = _read_numbers(raw.frame[col], decimal_comma=raw.decimal_comma)
        bad = num.bad if num.excel is None else num.bad | num.excel
        check.add("roster_bad_number", col, bad, raw.frame[col].to_numpy(dtype=object))
        values = np.where(bad, np.nan, num.values)
        written = raw.frame[col].to_numpy(dtype=object)
        with np.errstate(invalid="ignore"):
            if col == "fte":
                wrong = ~np.isnan(values) & ((values <= 0) | (values > 1))
                check.add("roster_fte", col, wrong, written)
            else:
                check.add("roster_negative", col, ~np.isnan(values) & (values < 0), written)
        out[col] = values
    return out


def _currency(raw: _Raw, check: _Checker) -> np.ndarray | None:
    if "currency" not in raw.frame.columns:
        return None
    code = _text(raw, "currency")
    upper = np.array([c.upper() if isinstance(c, str) else None for c in code], dtype=object)
    bad = np.array([c is not None and not _CURRENCY.match(c) for c in upper], dtype=bool)
    check.add("roster_currency", "currency", bad, code)
    return upper


def load_roster(source: Any, *, sheet: str | int | None = None) -> Roster:
    """Read and validate a roster (CSV, XLSX or a DataFrame); see the module docstring.

    Raises
    ------
    DataValidationError
        Every problem with its rows (missing ``employee`` column: named with the columns
        found).
    """
    if isinstance(source, Roster):
        return source
    raw = _read(source, sheet=sheet)
    if "employee" not in raw.frame.columns:
        found = ", ".join(repr(v) for v in raw.original.values())
        raise _fatal(
            raw.name,
            f"{raw.name}: a roster needs an 'employee' column; found columns: {found}.\n"
            "Suggestion: name the column of employee ids 'employee'.",
            "employee",
        )
    check = _Checker(raw)
    employee = _ids(raw, check)
    columns: dict[str, Any] = {"employee": employee}
    for col in raw.frame.columns:
        if col not in ("employee", "manager", "currency", *ROSTER_DATES, *ROSTER_NUMBERS):
            columns[col] = _text(raw, col)
    manager = _managers(raw, employee, check)
    if manager is not None:
        columns["manager"] = manager
    columns |= _dates(raw, check) | _numbers(raw, check)
    currency = _currency(raw, check)
    if currency is not None:
        columns["currency"] = currency
    if raw.issues.n_errors:
        raise raw.issues.error(raw.issues.headline("loaded"))
    table = pd.DataFrame(columns)
    if "fte" in table.columns:
        table["fte"] = table["fte"].fillna(1.0)
    order = [c for c in raw.frame.columns if c in table.columns]
    lines = tuple(raw.issues.lines(severity="warning"))
    name = "the roster" if raw.name == "<DataFrame>" else raw.name
    return Roster(table=table[order], file=name, warnings=lines)


def join_roster(
    data: pd.DataFrame, roster: Roster | Any, *, source: str = "the data"
) -> tuple[pd.DataFrame, list[str]]:
    """The long table with the roster's attributes, and what the join found (warnings).

    Raises
    ------
    DataValidationError
        An attribute given by both with different values for the same employee.
    """
    roster = load_roster(roster)
    table = roster.table.set_index("employee")
    employees = data["employee"].astype(str)
    out = data.copy()
    conflicts = []
    for col in roster.attributes:
        mapped = employees.map(table[col]).to_numpy(dtype=object)
        if col in data.columns:
            given = data[col].to_numpy(dtype=object)
            differ = ~pd.isna(mapped) & ~pd.isna(given) & (mapped != given)
            for e in dict.fromkeys(employees[differ].tolist()):
                first = int(np.flatnonzero(differ & (employees.to_numpy() == e))[0])
                conflicts.append(
                    f"- employee {e!r}: {col} {given[first]!r} in {source}, "
                    f"{mapped[first]!r} in {roster.file}"
                )
            mapped = np.where(pd.isna(given), mapped, given)
        out[col] = pd.array(mapped, dtype="str") if col in ATTRIBUTES else mapped
    if conflicts:
        raise DataValidationError(
            f"{source} and {roster.file} disagree on {len(conflicts):,} employee attribute"
            f"{'s' if len(conflicts) != 1 else ''}:\n"
            + "\n".join(conflicts[:20])
            + ("\n- …" if len(conflicts) > 20 else "")
            + "\nSuggestion: correct one of the two files, or drop the column from the data "
            "and let the roster say it."
        )
    return out, _coverage_warnings(set(employees), roster, source)


def _coverage_warnings(in_data: set[str], roster: Roster, source: str) -> list[str]:
    in_roster = set(roster.employees)
    out = []
    missing = sorted(in_data - in_roster)
    if missing:
        out.append(
            f"{len(missing):,} employee{'s' if len(missing) != 1 else ''} of {source} "
            f"{'are' if len(missing) != 1 else 'is'} not in {roster.file} (kept, without roster "
            f"attributes): {', '.join(missing[:10])}{' …' if len(missing) > 10 else ''}."
        )
    idle = [e for e in roster.employees if e not in in_data]
    if idle:
        out.append(
            f"{len(idle):,} employee{'s' if len(idle) != 1 else ''} of {roster.file} "
            f"{'have' if len(idle) != 1 else 'has'} no rows in {source} (no results "
            f"invented; paid only by team or manager schemes): "
            f"{', '.join(idle[:10])}{' …' if len(idle) > 10 else ''}."
        )
    return out
