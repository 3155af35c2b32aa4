"""The ``kpitools`` command: click commands that parse options and call the API.

Nothing here computes anything. Errors raised on purpose (:class:`KpitoolsError`)
print one clear message and exit with code 2, never a traceback.
"""

from __future__ import annotations

import os
import sys
import traceback

import click

from .errors import KpitoolsError, NotBuiltError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _not_built(verb: str, issue: int) -> None:
    raise NotBuiltError(
        f"'kpitools {verb}' is not built yet (planned in issue {issue}).\n"
        "Suggestion: see the README for what works today."
    )


@click.group(context_settings=CONTEXT)
@click.version_option(package_name="kpitools")
def cli() -> None:
    """kpitools: design KPI systems and bonus schemes, and report them to clients.

    \b
    Quick start:
      kpitools demo --out reports/demo
      kpitools data check data.csv
    """


# --------------------------------------------------------------------------- demo
@cli.command(context_settings=CONTEXT)
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default="reports/demo",
    show_default=True,
    help="Folder for the demo company's files.",
)
def demo(out: str) -> None:
    """Generate the demo company, check its data and summarise it.

    \b
    Example:
      kpitools demo --out reports/demo
    """
    from .demo import run_demo

    run_demo(out, echo=click.echo)


# --------------------------------------------------------------------------- data
@cli.group(context_settings=CONTEXT)
def data() -> None:
    """Load, check and aggregate historical performance data."""


@data.command("check", context_settings=CONTEXT)
@click.argument("file", metavar="FILE")
def data_check(file: str) -> None:
    """Print a data quality report for a long or wide table (exit 2 on errors).

    \b
    Example:
      kpitools data check reports/demo/data.csv
    """
    _not_built("data check", 2)


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
def data_aggregate(
    events: str, employee: str, date_col: str, measures: tuple[str, ...], out: str
) -> None:
    """Build monthly KPIs per employee from an event table (deals, orders, shifts).

    \b
    Example:
      kpitools data aggregate deals.csv --employee sales_agent --date close_date \\
          --measure 'won_revenue=sum(close_value) where deal_stage == Won' \\
          --measure 'deals=count' --out kpis.csv
    """
    _not_built("data aggregate", 2)


# --------------------------------------------------------------------------- design
@cli.group(context_settings=CONTEXT)
def design() -> None:
    """Goals, driver cascades and KPI sets per role."""


@design.command("check", context_settings=CONTEXT)
@click.argument("design_file", metavar="DESIGN.yaml")
@click.option("--data", "data_file", help="Historical data for the 'not-achievable' check.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def design_check(design_file: str, data_file: str | None, as_json: bool) -> None:
    """Check a design's KPI sets against the rules (exit 1 on errors).

    \b
    Example:
      kpitools design check templates/designs/sales_generator.yaml
    """
    _not_built("design check", 4)


@design.command("cascade", context_settings=CONTEXT)
@click.argument("design_file", metavar="DESIGN.yaml")
@click.option("--json", "as_json", is_flag=True, help="Print every goal's solved value as JSON.")
def design_cascade(design_file: str, as_json: bool) -> None:
    """Solve the goal tree: cascade targets down through the driver formulas.

    \b
    Example:
      kpitools design cascade templates/designs/sales_generator.yaml
    """
    _not_built("design cascade", 4)


@design.command("suggest", context_settings=CONTEXT)
@click.argument("design_file", metavar="DESIGN.yaml")
@click.option("--role", help="Only this role.")
def design_suggest(design_file: str, role: str | None) -> None:
    """Suggest candidate KPIs per role from the KPI library.

    \b
    Example:
      kpitools design suggest templates/designs/sales_generator.yaml --role sales_department
    """
    _not_built("design suggest", 4)


# --------------------------------------------------------------------------- simulate
@cli.command(context_settings=CONTEXT)
@click.option("--data", "data_file", required=True, help="Historical data (long/wide table).")
@click.option("--scheme", "schemes", required=True, multiple=True, help="Scheme YAML (repeat).")
@click.option("--baseline", help="Scheme name to compare the others with.")
@click.option(
    "--out", type=click.Path(file_okay=False), help="Folder for payouts.csv, metrics.csv."
)
@click.option("--periods", help="Periods to evaluate, FROM..TO (e.g. 2025-01..2025-12).")
@click.option("--forecast", type=int, help="Number of simulated next periods.")
@click.option("--seed", type=int, help="Random seed for the forecast.")
def simulate(**kwargs) -> None:
    """Run bonus schemes against historical data.

    \b
    Example:
      kpitools simulate --data data.csv --scheme templates/schemes/linear_commission.yaml --out out
    """
    _not_built("simulate", 3)


@cli.command(context_settings=CONTEXT)
@click.option("--data", "data_file", required=True, help="Historical data.")
@click.option("--scheme", required=True, help="Scheme YAML.")
@click.option("--param", required=True, help="Dotted path, e.g. components.0.target.rate.")
@click.option("--metric", required=True, help="Metric name, e.g. pct_at_target.")
@click.option("--to", "value", required=True, type=float, help="Value the metric should hit.")
@click.option("--bounds", nargs=2, type=float, help="Lower and upper bound of the parameter.")
def calibrate(**kwargs) -> None:
    """Solve one scheme parameter so that a metric hits a value.

    \b
    Example:
      kpitools calibrate --data data.csv --scheme s.yaml --param components.0.target.rate \\
          --metric pct_at_target --to 0.65 --bounds 0 0.5
    """
    _not_built("calibrate", 3)


# --------------------------------------------------------------------------- reports
@cli.command(context_settings=CONTEXT)
@click.option("--client", required=True, help="Client name shown in the report.")
@click.option("--data", "data_file", required=True, help="Historical data.")
@click.option("--design", "design_file", required=True, help="Design YAML.")
@click.option("--scheme", "schemes", required=True, multiple=True, help="Scheme YAML (repeat).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--format", "formats", default="html,pdf,xlsx", show_default=True)
def report(**kwargs) -> None:
    """Make a client-ready report (HTML, PDF, XLSX) through papermill.

    \b
    Example:
      kpitools report --client "Demo Co" --data data.csv --design d.yaml --scheme s.yaml --out out
    """
    _not_built("report", 5)


@cli.command(context_settings=CONTEXT)
@click.argument("manifest", metavar="MANIFEST.yaml")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--jobs", type=int, help="Parallel jobs (default: number of cores).")
@click.option(
    "--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True
)
@click.option("--scheduler", help="Dask scheduler address (default: a local cluster).")
@click.option("--resume", is_flag=True, help="Skip clients whose inputs are unchanged.")
def batch(**kwargs) -> None:
    """Make reports for every client of a batch manifest, in parallel.

    \b
    Example:
      kpitools batch templates/batch/manifest.yaml --out reports/batch
    """
    _not_built("batch", 5)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script: clear messages instead of tracebacks."""
    try:
        cli.main(args=argv, prog_name="kpitools", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 2
    except click.ClickException as exc:
        exc.show()
        return 2
    except KpitoolsError as exc:
        click.echo(f"Error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except Exception as exc:  # noqa: BLE001 - last line of defence: never a bare traceback
        if os.environ.get("KPITOOLS_DEBUG"):
            traceback.print_exc()
        click.echo(
            f"Internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in kpitools. Run again with KPITOOLS_DEBUG=1 to see the traceback "
            "and report it.",
            err=True,
        )
        return 3
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
