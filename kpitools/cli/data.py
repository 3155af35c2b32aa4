"""``kpitools data``: check a data file, aggregate an event table, find quarter-end timing."""

from __future__ import annotations

import click

from .._util.format import number
from ..data import check, check_output_path, load_library, run_aggregation, save
from ..engine import period_end_timing
from .options import (
    CONTEXT,
    currency_option,
    library_option,
    raw_csv_option,
    roster_option,
    strict_option,
    sum_duplicates_option,
    where_option,
)

__all__ = ["data"]


@click.group(context_settings=CONTEXT)
def data() -> None:
    """Load, check and aggregate historical performance data."""


@data.command("check", context_settings=CONTEXT)
@click.argument("file", metavar="FILE")
@click.option(
    "--layout",
    type=click.Choice(["auto", "long", "wide"]),
    default="auto",
    show_default=True,
    help="Long (kpi, actual columns) or wide (one column per KPI); auto guesses.",
)
@sum_duplicates_option
@click.option("--sheet", help="XLSX sheet name (default: the first sheet).")
@library_option
@click.option("--no-library", is_flag=True, help="Do not check KPI ids against the library.")
@roster_option
@where_option
@strict_option
@currency_option
def data_check(
    file: str,
    layout: str,
    sum_duplicates: bool,
    sheet: str | None,
    library_files: tuple[str, ...],
    no_library: bool,
    roster: str | None,
    where: str | None,
    strict: bool,
    currency: str | None,
) -> None:
    """Print a data quality report for a long or wide table (exit 2 on errors).

    Unknown KPIs (not in the KPI library) are warnings; negative values of KPIs that
    cannot be negative are errors. Warnings alone exit 0. The report shows, per KPI, the
    unit, rows, employees and the smallest, median and largest value read. Implausible
    values (outside a KPI's stated limits, far outliers per KPI and role) are warnings,
    errors with --strict; values of 10^15 or more are errors. With --roster
    the roster is checked and joined (who is in one file only); with --where, the values
    are those of the rows the filter keeps.

    \b
    Example:
      kpitools data check reports/demo/data.csv --roster reports/demo/roster.csv
      kpitools data check sales.xlsx --sheet 2025 --sum-duplicates --where "region == East"
    """
    library = False if no_library else load_library(*library_files)
    report = check(
        file,
        layout=layout,
        duplicates="sum" if sum_duplicates else "error",
        library=library,
        sheet=sheet,
        roster=roster,
        where=where,
        strict=strict,
        currency=currency,
    )
    click.echo(str(report))
    if not report.ok:
        raise SystemExit(2)


@data.command("aggregate", context_settings=CONTEXT)
@click.argument("events", metavar="EVENTS")
@click.option("--employee", required=True, help="Column with the employee id.")
@click.option("--date", "date_col", required=True, help="Column with the event date.")
@click.option(
    "--measure",
    "measures",
    required=True,
    multiple=True,
    metavar="NAME=EXPR",
    help="A KPI to build, e.g. 'deals=count' (repeat).",
)
@click.option("--out", required=True, help="Where to write the long table (.csv/.xlsx/.parquet).")
@click.option(
    "--attr",
    "attributes",
    multiple=True,
    metavar="COL|NAME=COL",
    help="Carry a column such as team (most frequent value per employee-period; repeat).",
)
@click.option(
    "--period",
    "freq",
    type=click.Choice(["month", "quarter"]),
    default="month",
    show_default=True,
    help="Period of the KPIs.",
)
@click.option("--sheet", help="XLSX sheet name (default: the first sheet).")
@click.option(
    "--where",
    help='Only the events where this holds, e.g. "close_date >= 2025-03-10" (before counting).',
)
@click.option(
    "--credit",
    metavar="EVENT_COLUMN:SHARE_COLUMN",
    help="Split credit: rows with one event id share it by their share column (0-1).",
)
@raw_csv_option
def data_aggregate(
    events: str,
    employee: str,
    date_col: str,
    measures: tuple[str, ...],
    out: str,
    attributes: tuple[str, ...],
    freq: str,
    sheet: str | None,
    where: str | None,
    credit: str | None,
    raw_csv: bool,
) -> None:
    """Build monthly KPIs per employee from an event table (deals, orders, shifts).

    \b
    Measures: NAME=count | sum(col) | mean(col) | nunique(col) [where col == value],
    conditions also != < > <= >= 'in [a, b]' and 'between a and b' (dates compare as
    dates), joined with 'and'; a value that never occurs in its column is an error; or a ratio of
    other measures: win_rate=won/closed. Months with no events inside an employee's
    first..last event month count 0 for count/sum/nunique.

    \b
    Example:
      kpitools data aggregate deals.csv --employee sales_agent --date close_date \\
          --measure 'won_revenue=sum(close_value) where deal_stage == Won' \\
          --measure 'deals=count' --attr regional_office --out kpis.csv
    """
    check_output_path(out)  # a bad --out fails before the (possibly long) aggregation
    table, issues = run_aggregation(
        events,
        employee=employee,
        date=date_col,
        measures=measures,
        freq=freq,
        attributes=attributes,
        sheet=sheet,
        where=where,
        credit=credit,
    )
    for line in issues.lines(severity="warning"):
        click.echo(f"Warning: {line[2:]}" if line.startswith("- ") else line, err=True)
    save(table, out, raw_csv=raw_csv)
    click.echo(
        f"Wrote {number(len(table))} rows ({number(table['employee'].nunique())} employees, "
        f"{number(table['period'].nunique())} periods, {number(table['kpi'].nunique())} KPIs) "
        f"to {out}."
    )


@data.command("timing", context_settings=CONTEXT)
@click.argument("file", metavar="FILE")
@click.option("--kpi", default="revenue", show_default=True, help="A KPI that adds up.")
@click.option(
    "--period",
    type=click.Choice(["quarter", "year"]),
    default="quarter",
    show_default=True,
    help="Whose last month is examined.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the per-employee table as JSON.")
def data_timing(file: str, kpi: str, period: str, as_json: bool) -> None:
    """Find who books an unusual share of each quarter's KPI in its last month.

    Results held back to quarter ends (or pulled in with discounts) are what a quarterly
    bonus with thresholds invites. Each employee's last-month share of every whole quarter
    is compared with their peers' (same role) median share in that quarter.

    \b
    Example:
      kpitools data timing reports/demo/data.csv --kpi revenue
      kpitools data timing data.csv --kpi units_sold --period year --json
    """
    result = period_end_timing(file, kpi, period=period)
    if as_json:
        click.echo(result.table.to_json(orient="records", indent=2))
        for line in result.limits:  # the JSON stays a list; what it cannot judge goes to stderr
            click.echo(f"Note: {line}", err=True)
    else:
        click.echo(result.text())
