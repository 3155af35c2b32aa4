"""The run's currency, and every amount converted into it before anything is summed.

Contract §8. A run (a simulation, a calibration, a forecast, a report) has one currency:
the ``currency:`` its scheme and design files agree on, or ``--currency`` over them
(:func:`resolve_currency`); with none given money is shown without a code, and no
currency is ever invented. ``fx: {EUR: 1.08}`` in a scheme or design gives the units of
the run's currency per unit of another.

:func:`convert_inputs` is the one place amounts change currency: called by
:func:`kpitools.engine.load_inputs` after the roster join, it converts

- the actual and target of each row whose amounts are in another currency: written so in
  the data (``$1,100`` keeps its dollars; a ``currency`` column), else the employee's pay
  currency (the roster's ``currency``) for KPIs whose library unit is ``currency``;
- the roster's ``on_target_pay`` and ``salary`` of employees paid in another currency.

A currency without a rate is an error naming the currency, the employees and the file.

Examples
--------
>>> run = resolve_currency([("s.yaml", "USD", {"EUR": 1.08})])
>>> run.code, run.rate("EUR"), run.rate("USD")
('USD', 1.08, 1.0)
>>> table = pd.DataFrame({"employee": ["a", "b"], "period": ["2025-01"] * 2,
...     "kpi": ["revenue"] * 2, "actual": [1000.0, 1000.0], "currency": ["EUR", None]})
>>> out, _, notes = convert_inputs(table, None, run, library=False)
>>> out["actual"].tolist(), list(out.columns)
([1080.0, 1000.0], ['employee', 'period', 'kpi', 'actual'])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._util.currency import check_option_code, currency_name
from .._util.format import number
from ..errors import DataValidationError, DefinitionError

__all__ = ["RunCurrency", "convert_inputs", "resolve_currency", "run_currency"]

_FX_FIX = "units of the run's currency per unit of each other"
_PAY_COLUMNS = ("on_target_pay", "salary")
# signs that do not name one currency (the data reader keeps them as written)
_AMBIGUOUS = {"¥": "yen or yuan: write JPY or CNY"}


@dataclass(frozen=True, kw_only=True)
class RunCurrency:
    """The currency of one run and the rates into it.

    Attributes
    ----------
    code : str or None
        ISO 4217 code of every amount of the run; None: none given (shown without a code).
    fx : mapping
        Another currency → units of ``code`` per unit of it.
    source : str
        What gave ``code``: a file, ``--currency`` (or the report's ``currency``), or "".
    notes : tuple of str
        Files whose own ``currency:`` the override replaced.
    """

    code: str | None = None
    fx: Mapping[str, float] = field(default_factory=dict)
    source: str = ""
    notes: tuple[str, ...] = ()

    def rate(self, code: str | None) -> float | None:
        """Units of the run's currency per unit of ``code`` (1 for its own; None: no rate)."""
        if code is None or code == self.code:
            return 1.0
        return self.fx.get(code)

    def describe(self) -> str:
        """One sentence for the report's assumptions and the terminal.

        Examples
        --------
        >>> print(RunCurrency(code="USD", fx={"EUR": 1.08}, source="s.yaml").describe())
        Money in USD (US Dollar), from s.yaml; other currencies converted at 1 EUR = 1.08 USD.
        >>> print(RunCurrency().describe())
        No currency was given (no currency: in the schemes or design, no --currency): money is shown without a code.
        """  # noqa: E501
        if self.code is None:
            return (
                "No currency was given (no currency: in the schemes or design, no "
                "--currency): money is shown without a code."
            )
        text = f"Money in {self.code} ({currency_name(self.code)}), from {self.source}"
        if self.fx:
            rates = ", ".join(f"1 {c} = {number(r)} {self.code}" for c, r in self.fx.items())
            text += f"; other currencies converted at {rates}"
        return text + "."


def _merge_fx(inputs: Sequence[tuple[str, str | None, Mapping | None]]) -> dict[str, float]:
    """The rates of every input, one per currency; two files with two rates: an error."""
    rates: dict[str, tuple[float, str]] = {}
    for label, _, fx in inputs:
        for code, rate in (fx or {}).items():
            if code in rates and rates[code][0] != float(rate):
                first, where = rates[code]
                raise DefinitionError(
                    f"{where} gives fx: {{{code}: {number(first)}}}, but {label} gives fx: "
                    f"{{{code}: {number(rate)}}}; one run converts at one rate.\n"
                    f"Suggestion: give the same rate of {code} in both files, or in one only."
                )
            rates[code] = (float(rate), label)
    return {code: rate for code, (rate, _) in rates.items()}


def resolve_currency(
    inputs: Sequence[tuple[str, str | None, Mapping | None]],
    override: str | None = None,
    *,
    option: str = "--currency",
) -> RunCurrency:
    """The run's currency from its inputs' ``currency:`` and ``fx:``, and the override.

    Parameters
    ----------
    inputs : sequence of (label, code, fx)
        Each scheme or design file: its name, its ``currency:`` (or None), its ``fx:``.
    override : str, optional
        ``--currency`` (or the report's ``currency`` parameter): the run's currency whatever
        the files say (each file it overrides is noted).
    option : str
        How the override is named in messages.

    Raises
    ------
    DefinitionError
        Two files with different currencies and no override (naming both files, their codes
        and the fix); a bad override; two rates of one currency; rates without a currency;
        a rate other than 1 for the run's own currency.
    """
    stated = [(label, code) for label, code, _ in inputs if code]
    notes: list[str] = []
    if override not in (None, ""):
        code, source = check_option_code(override, option), option
        for label, own in stated:
            if own != code:
                notes.append(
                    f"{label} says currency: {own}; its amounts are read as {code} ({option} "
                    f"{code})."
                )
    elif stated:
        (source, code), *rest = stated
        for label, other in rest:
            if other != code:
                raise DefinitionError(
                    f"{source} says currency: {code}, but {label} says currency: {other}; all "
                    "inputs of one run must be in one currency.\n"
                    f"Suggestion: correct the currency: of one of the two files, or pass "
                    f"{option} {code} (or {other}) to read every amount in that currency."
                )
    else:
        code, source = None, ""
    fx = _merge_fx(inputs)
    _check_rates(fx, code, [label for label, _, rates in inputs if rates], option)
    fx.pop(code, None)
    return RunCurrency(code=code, fx=fx, source=source, notes=tuple(notes))


def _check_rates(fx: dict[str, float], code: str | None, labels: list[str], option: str) -> None:
    if fx and code is None:
        raise DefinitionError(
            f"{labels[0]}: fx: rates convert into the run's currency, but no input gives one.\n"
            f"Suggestion: add currency: <code> (the currency the rates convert into) next to "
            f"fx:, or pass {option} <code>."
        )
    if code is not None and fx.get(code, 1.0) != 1.0:
        raise DefinitionError(
            f"{labels[0]}: fx: {{{code}: {number(fx[code])}}}: {code} is the run's currency "
            f"(its rate is 1).\nSuggestion: remove {code} from fx: ({_FX_FIX})."
        )


def run_currency(
    schemes: Sequence[Any] = (), design: Any = None, override: str | None = None, **kw: Any
) -> RunCurrency:
    """:func:`resolve_currency` of a run's schemes (and design): their files in messages.

    Examples
    --------
    >>> from kpitools.scheme import load_scheme
    >>> s = load_scheme({"name": "s", "currency": "USD", "on_target_pay": 1, "components": [
    ...     {"kpi": "x", "commission": {"rate": 0.1}}]})
    >>> run_currency([s]).code, run_currency([s], override="EUR").notes
    ('USD', ("scheme 's' says currency: USD; its amounts are read as EUR (--currency EUR).",))
    """
    inputs = [(s.source, s.currency, s.fx) for s in schemes]
    if design is not None:
        inputs.append((design.source, design.currency, design.fx))
    return resolve_currency(inputs, override, **kw)


# --------------------------------------------------------------------------- conversion
@dataclass(frozen=True)
class _Rows:
    """Each row's currency as a code into ``labels`` (-1: none named), in whole arrays."""

    labels: list[str]  # the currencies named by the data and the roster
    code: np.ndarray  # per row: the currency its amounts are in
    written: np.ndarray  # per row: the data names it ($1,100 or the currency column)
    pay: np.ndarray  # per row: the employee's pay currency (-1: not given)
    emp: np.ndarray  # per row: the employee's code into ``employees``
    employees: np.ndarray
    kpi: np.ndarray  # per row: the KPI's code into ``kpis``
    kpis: np.ndarray
    units: dict[str, str | None]

    def who(self, mask: np.ndarray) -> list[str]:
        """The employees of the rows in ``mask``, in order of first appearance."""
        return [str(e) for e in self.employees[pd.unique(self.emp[mask])]]


def _codes(values: Any, labels: dict[str, int]) -> np.ndarray:
    """Codes of currency values into ``labels`` (extended as needed); missing → -1."""
    out = np.full(len(values), -1, dtype=np.int32)
    for i, v in enumerate(values):
        if isinstance(v, str) and v:
            out[i] = labels.setdefault(v, len(labels))
    return out


def _rows(table: pd.DataFrame, roster: Any, library: Any) -> _Rows:
    labels: dict[str, int] = {}
    emp, employees = pd.factorize(table["employee"])
    kpi, kpis = pd.factorize(table["kpi"])
    n = len(table)
    written = np.full(n, -1, dtype=np.int32)
    if "currency" in table.columns:
        w, named = pd.factorize(table["currency"])
        written = np.append(_codes(list(named), labels), -1).astype(np.int32)[w]
    pay = np.full(n, -1, dtype=np.int32)
    if roster is not None and "currency" in roster.table.columns:
        paid = roster.table.set_index("employee")["currency"]
        by_emp = _codes(list(paid.reindex(pd.Index(employees).astype(str))), labels)
        pay = np.append(by_emp, -1).astype(np.int32)[emp]
    get = getattr(library, "get", None) if library not in (None, False) else None
    units = {str(k): getattr(get(str(k)), "unit", None) if get else None for k in kpis}
    money = np.array([units[str(k)] == "currency" for k in kpis] + [False], dtype=bool)[kpi]
    code = np.where(written >= 0, written, np.where(money, pay, -1))
    return _Rows(
        labels=list(labels), code=code, written=written >= 0, pay=pay, emp=emp,
        employees=np.asarray(employees, dtype=object), kpi=kpi, kpis=np.asarray(kpis),
        units=units,
    )  # fmt: skip


def convert_inputs(
    table: pd.DataFrame,
    roster: Any,
    run: RunCurrency,
    *,
    library: Any,
    source: str = "the data",
) -> tuple[pd.DataFrame, Any, list[str]]:
    """Every amount of a run in the run's currency: the long table's and the roster's.

    Parameters
    ----------
    table : DataFrame
        The long table, joined with the roster; its ``currency`` column (amounts that named
        their currency) is used and dropped.
    roster : Roster or None
        Its ``currency`` column is each employee's pay currency.
    run : RunCurrency
        The run's currency and rates.
    library : Library or False
        The KPI library: the KPIs whose unit is ``currency`` are converted for employees
        paid in another currency.
    source : str
        The data's name, for messages.

    Returns
    -------
    table : DataFrame
        Without the ``currency`` column, amounts converted.
    roster : Roster or None
        ``on_target_pay`` and ``salary`` converted.
    notes : list of str
        What was converted, and what could not be told (KPIs of unknown unit).

    Raises
    ------
    DataValidationError
        A currency without a rate (naming it, its employees and the file), or amounts in
        several currencies in a run without one.
    """
    if "currency" not in table.columns and (
        roster is None or "currency" not in roster.table.columns
    ):
        return table, roster, []  # no amount names a currency: nothing to convert
    rows = _rows(table, roster, library)
    notes = _unknown_units(rows, run)
    if run.code is None:
        _no_run_currency(rows, roster, source, notes)
        return table.drop(columns="currency", errors="ignore"), roster, notes
    rate_of = np.array([_rate(run, c) for c in rows.labels] + [1.0])
    rates = rate_of[rows.code]
    problems = _missing_rates(rows, np.isnan(rates) & rows.written, source)
    new_roster, roster_problems, roster_note = _convert_roster(roster, run)
    problems += roster_problems
    if problems:
        shown = ", ".join(dict.fromkeys(c for c, _ in problems))
        raise DataValidationError(
            "\n".join(text for _, text in problems)
            + f"\nSuggestion: add fx: {{{shown.split(', ')[0]}: <{run.code} per unit>}} for "
            f"{shown} to the scheme or design ({_FX_FIX})."
        )
    out = table.drop(columns="currency", errors="ignore")
    changed = rates != 1.0
    if changed.any():
        out = out.copy()
        for col in ("actual", "target"):
            if col in out.columns:
                out[col] = out[col].to_numpy(dtype=float) * rates
        notes.append(_converted_note(rows, changed, run))
    if roster_note:
        notes.append(roster_note)
    return out, new_roster, notes


def _rate(run: RunCurrency, code: str) -> float:
    rate = run.rate(code)
    return np.nan if rate is None else float(rate)


def _shown_currency(code: str) -> str:
    return f"{code} ({_AMBIGUOUS[code]})" if code in _AMBIGUOUS else code


def _list(names: Sequence[str], limit: int = 10) -> str:
    return ", ".join(names[:limit]) + (" …" if len(names) > limit else "")


def _missing_rates(rows: _Rows, missing: np.ndarray, source: str) -> list[tuple[str, str]]:
    """(currency, message) for each currency written in the data that has no rate.

    Rows in an employee's pay currency are left to the roster's check (one message per
    currency, naming the roster).
    """
    out = []
    if not missing.any():
        return out
    for c in pd.unique(rows.code[missing]):
        mask = missing & (rows.code == c)
        code, who, n = rows.labels[c], rows.who(mask), int(mask.sum())
        out.append(
            (
                code,
                f"No rate for {_shown_currency(code)}: {n:,} amount{'s' if n != 1 else ''} "
                f"written in {code} in {source}, of employee{'s' if len(who) != 1 else ''} "
                f"{_list(who)}.",
            )
        )
    return out


def _convert_roster(roster: Any, run: RunCurrency) -> tuple[Any, list[tuple[str, str]], str]:
    """The roster with its pay in the run's currency; problems; what was converted."""
    if roster is None or "currency" not in roster.table.columns:
        return roster, [], ""
    frame = roster.table
    cur = frame["currency"].astype(object).to_numpy()
    rates = np.array([1.0 if pd.isna(c) else _rate(run, c) for c in cur], dtype=float)
    missing = np.isnan(rates)
    problems = []
    for code in pd.unique(cur[missing]):
        who = frame["employee"].astype(str).to_numpy()[missing & (cur == code)].tolist()
        problems.append(
            (
                str(code),
                f"No rate for {_shown_currency(str(code))}: employee"
                f"{'s' if len(who) != 1 else ''} {_list(who)} of {roster.file} "
                f"{'are' if len(who) != 1 else 'is'} paid in {code}.",
            )
        )
    pay = [c for c in _PAY_COLUMNS if c in frame.columns]
    changed = rates != 1.0
    if problems or not pay or not changed.any():
        return roster, problems, ""
    table = frame.copy()
    for col in pay:
        table[col] = frame[col].to_numpy(dtype=float) * rates
    n = int((changed & frame[pay].notna().any(axis=1).to_numpy()).sum())
    note = (
        f"{roster.file}: {' and '.join(pay)} of {n:,} employee{'s' if n != 1 else ''} paid in "
        f"other currencies converted to {run.code}."
    )
    return dataclasses.replace(roster, table=table), [], note


def _converted_note(rows: _Rows, changed: np.ndarray, run: RunCurrency) -> str:
    parts = []
    counts = np.bincount(rows.code[changed], minlength=len(rows.labels))
    for c in pd.unique(rows.code[changed]):
        code, n = rows.labels[c], int(counts[c])
        n_emp = len(pd.unique(rows.emp[changed & (rows.code == c)]))
        parts.append(
            f"{n:,} amount{'s' if n != 1 else ''} in {code} "
            f"({n_emp:,} employee{'s' if n_emp != 1 else ''}) at 1 {code} = "
            f"{number(run.rate(code))} {run.code}"
        )
    return f"Converted to {run.code} before anything was summed: " + "; ".join(parts) + "."


def _unknown_units(rows: _Rows, run: RunCurrency) -> list[str]:
    """KPIs of unknown unit of employees paid in another currency: said, not guessed."""
    own = rows.labels.index(run.code) if run.code in rows.labels else -2
    foreign = (rows.pay >= 0) & (rows.pay != own) & ~rows.written
    if not foreign.any():
        return []
    found = [str(rows.kpis[k]) for k in pd.unique(rows.kpi[foreign])]
    unknown = [k for k in found if rows.units.get(k) is None]
    if not unknown:
        return []
    n = len(pd.unique(rows.emp[foreign]))
    return [
        f"{_list(unknown)}: not in the KPI library, so kpitools cannot tell whether "
        f"{'they are' if len(unknown) != 1 else 'it is'} money; the amounts of the {n:,} "
        f"employee{'s' if n != 1 else ''} paid in other currencies were not converted.\n"
        "Suggestion: add the KPI to your own library with unit: currency if it is money "
        "(nothing to do if it is not)."
    ]


def _no_run_currency(rows: _Rows, roster: Any, source: str, notes: list[str]) -> None:
    """Without a run currency: one currency in the inputs is noted, several are an error."""
    found = [rows.labels[c] for c in pd.unique(rows.code[rows.code >= 0])]
    if roster is not None and "currency" in roster.table.columns:
        found += [c for c in roster.table["currency"].dropna().unique() if c not in found]
    if not found:
        return
    if len(found) == 1:
        notes.append(
            f"The amounts are in {found[0]} ({source}), but no scheme or design gives the "
            "run's currency: money is shown without a code.\n"
            f"Suggestion: add currency: {found[0]} to the scheme (or pass --currency "
            f"{found[0]})."
        )
        return
    raise DataValidationError(
        f"{source}: the amounts are in {', '.join(map(str, found))}, but no scheme or design "
        "gives the run's currency to convert them into.\n"
        f"Suggestion: add currency: <code> and fx: {{{found[-1]}: …}} to the scheme or design "
        f"({_FX_FIX}), or pass --currency <code>."
    )
