"""The public entry points: load and check a long or wide table."""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import pandas as pd

from .._util.currency import check_option_code
from .columns import _LAYOUTS
from .conditions import apply_filter
from .layout import _detect_layout, _numeric_hint
from .library import resolve_library
from .quality import DataQualityReport, _CarefulNeeded, _Issues
from .read import _read
from .roster import Roster, join_roster, load_roster
from .validate import _validate
from .values import kpi_values

__all__ = ["check", "join_and_filter", "load"]


def _run(
    source: Any,
    *,
    layout: str,
    duplicates: str,
    library: Any,
    sheet: str | int | None,
    strict: bool = False,
    currency: str | None = None,
    values: bool = True,
) -> tuple[DataQualityReport, _Issues]:
    """Read and validate; ``values=False`` leaves the values per KPI out (``load`` shows none)."""
    if layout not in _LAYOUTS:
        _detect_layout(None, layout)  # type: ignore[arg-type]
    library = resolve_library(library)
    raw = _read(source, sheet=sheet, numeric=_numeric_hint(layout))
    try:
        table, used, stats = _validate(raw, layout, duplicates, library, strict)
    except _CarefulNeeded:  # a quoted line break: only the careful reader counts lines right
        raw = _read(source, sheet=sheet, numeric=_numeric_hint(layout), careful=True)
        table, used, stats = _validate(raw, layout, duplicates, library, strict)
    issues = raw.issues
    ok = issues.n_errors == 0
    summary = issues.summary()
    report = DataQualityReport(
        file=raw.name,
        layout=used,
        rows_read=len(raw.frame) + int((issues.frame()["_key"] == "bad_row").sum()),
        rows_kept=len(table),
        issues=summary.drop(columns=[c for c in ("_key", "_unit") if c in summary]),
        failure_cases=issues.frame().drop(columns="_key"),
        data=table if ok else None,
        employees=stats["employees"],
        periods=stats["periods"],
        kpis=stats["kpis"],
        values=kpi_values(table, library, currency) if values else pd.DataFrame(),
        _lines=tuple(issues.lines()),
    )
    return report, issues


def check(
    source: Any,
    *,
    layout: str = "auto",
    duplicates: str = "error",
    library: Any = None,
    sheet: str | int | None = None,
    roster: Any = None,
    where: str | None = None,
    strict: bool = False,
    currency: str | None = None,
) -> DataQualityReport:
    """Read and validate a data file; report every problem instead of raising.

    A file that cannot be read at all (missing, empty, binary, unknown encoding,
    required columns missing) still raises :class:`DataValidationError`.

    Parameters
    ----------
    source : path or DataFrame
        CSV, XLSX or Parquet file, or a DataFrame; long or wide.
    layout : {"auto", "long", "wide"}
        ``"auto"``: long if there is a ``kpi`` or an ``actual`` column, else wide.
    duplicates : {"error", "sum"}
        Duplicate employee × period × KPI rows are an error, or summed (a warning).
    library : Library, path, or False, optional
        The KPI library (:func:`resolve_library`: the shipped one by default, ``False`` for
        none): unknown KPIs become warnings, negative values of KPIs that cannot be negative
        errors.
    sheet : str or int, optional
        XLSX sheet (default: the first).
    roster : path, DataFrame or Roster, optional
        Checked too, and joined to the clean table (:func:`join_and_filter`): the report's
        notes say what it holds and which employees are in one file only.
    where : str, optional
        A filter applied to the clean table: the notes say how many rows it keeps, and the
        values per KPI are those of the rows kept.
    strict : bool, default False
        Implausible values (:mod:`kpitools.data.plausible`: values outside a KPI's stated
        limits, far outliers per KPI and role) are errors instead of warnings. A magnitude
        of 10^15 or more is always an error.

    Raises
    ------
    DataValidationError, DefinitionError
        A file that cannot be read; a roster with problems; a filter that does not parse,
        names a value that never occurs, or keeps no rows.
    currency : str, optional
        The run's currency (ISO 4217): the values of money KPIs whose amounts name no
        currency are shown in it (amounts written ``$1,100`` keep their own).

    Examples
    --------
    >>> report = check("data.csv")  # doctest: +SKIP
    >>> print(report)  # doctest: +SKIP
    >>> report.ok, report.rows_kept  # doctest: +SKIP
    (True, 1200)
    """
    if currency is not None:
        currency = check_option_code(currency)
    report, _ = _run(
        source, layout=layout, duplicates=duplicates, library=library, sheet=sheet,
        strict=strict, currency=currency,
    )  # fmt: skip
    if not report.ok or (roster is None and not where):
        return report
    return _narrowed(report, roster, where, library, currency)


def _narrowed(
    report: DataQualityReport, roster: Any, where: str | None, library: Any, currency: Any
) -> DataQualityReport:
    """The report of the clean table joined with the roster and filtered, with notes."""
    assert report.data is not None
    table, notes, loaded = join_and_filter(
        report.data, roster=roster, where=where, source=report.file
    )
    if loaded is not None:
        attributes = ", ".join(loaded.attributes) or "none"
        notes.insert(
            0, f"roster {loaded.file}: {len(loaded.table):,} employees; attributes: {attributes}."
        )
    if where:
        notes.append(
            f"where {where}: kept {len(table):,} of {len(report.data):,} rows "
            f"({_count(table['employee'].nunique(), 'employee')})."
        )
    values = kpi_values(table, library, currency)
    return replace(report, data=table, values=values, notes=tuple(notes))


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def join_and_filter(
    table: pd.DataFrame, *, roster: Any = None, where: str | None = None, source: str = "the data"
) -> tuple[pd.DataFrame, list[str], Roster | None]:
    """Join a clean long table with a roster, then keep the rows where a filter holds.

    The roster comes first, so a filter may use its columns (``region == East``).

    Parameters
    ----------
    table : pandas.DataFrame
        The canonical long table (:func:`load`).
    roster : path, DataFrame or Roster, optional
        :func:`kpitools.data.load_roster`.
    where : str, optional
        :func:`kpitools.data.apply_filter`.
    source : str
        The data's name in messages.

    Returns
    -------
    table : pandas.DataFrame
    warnings : list of str
        The roster's warnings and the employees in one of the two only.
    roster : Roster or None
    """
    notes: list[str] = []
    loaded = None
    if roster is not None:
        loaded = load_roster(roster)
        table, joined = join_roster(table, loaded, source=source)
        notes += [*loaded.warnings, *joined]
    if where:
        table = apply_filter(table, where, source=source)
    return table, notes, loaded


def load(
    source: Any,
    *,
    layout: str = "auto",
    duplicates: str = "error",
    library: Any = None,
    sheet: str | int | None = None,
    roster: Any = None,
    where: str | None = None,
    strict: bool = False,
) -> pd.DataFrame:
    """Load a long or wide table as the validated canonical long table.

    Parameters are those of :func:`check`, and:

    roster : path, DataFrame or Roster, optional
        Its attributes (team, region, manager, any other column) join the table by
        employee (:func:`kpitools.data.join_roster`).
    where : str, optional
        Only the rows where this filter holds (:func:`kpitools.data.apply_filter`), applied
        after the roster is joined.
    strict : bool, default False
        Implausible values are errors, not warnings (see :func:`check`).

    Warnings (unknown KPIs, summed duplicates, empty wide cells, ignored columns, employees
    in one of data and roster only) are issued with :func:`warnings.warn`.

    Returns
    -------
    pandas.DataFrame
        Columns ``employee, period, kpi, actual`` (+ ``target``, ``role``, ``team``,
        ``region``, ``manager`` when present), in file order.

    Raises
    ------
    DataValidationError
        With every problem in the message (up to 10 example rows per problem plus the
        count) and all bad rows in ``.failure_cases``.

    Examples
    --------
    >>> df = load("data.csv")  # doctest: +SKIP
    >>> df.columns.tolist()  # doctest: +SKIP
    ['employee', 'period', 'kpi', 'actual', 'target', 'team']
    """
    report, issues = _run(
        source, layout=layout, duplicates=duplicates, library=library, sheet=sheet, strict=strict,
        values=False,
    )  # fmt: skip
    if not report.ok:
        raise issues.error(issues.headline("loaded"))
    if report.n_warnings:
        text = "\n".join([f"{report.file}: warnings:", *issues.lines(severity="warning")])
        warnings.warn(text, UserWarning, stacklevel=2)
    assert report.data is not None
    table, notes, _ = join_and_filter(report.data, roster=roster, where=where, source=report.file)
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    return table
