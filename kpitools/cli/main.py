"""The ``kpitools`` command: click commands that parse options and call the API.

Nothing here computes anything. Errors raised on purpose (:class:`KpitoolsError`)
print one clear message and exit with code 2, never a traceback.
"""

from __future__ import annotations

import os
import traceback

import click

from ..errors import KpitoolsError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


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
    from ..demo import run_demo

    run_demo(out, echo=click.echo)


# --------------------------------------------------------------------------- data
@cli.group(context_settings=CONTEXT)
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
@click.option("--sum-duplicates", is_flag=True, help="Sum duplicate employee×period×KPI rows.")
@click.option("--sheet", help="XLSX sheet name (default: the first sheet).")
@click.option(
    "--library",
    "library_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Your own KPI library file, added to the built-in one (repeat).",
)
@click.option("--no-library", is_flag=True, help="Do not check KPI ids against the library.")
def data_check(
    file: str,
    layout: str,
    sum_duplicates: bool,
    sheet: str | None,
    library_files: tuple[str, ...],
    no_library: bool,
) -> None:
    """Print a data quality report for a long or wide table (exit 2 on errors).

    Unknown KPIs (not in the KPI library) are warnings; negative values of KPIs that
    cannot be negative are errors. Warnings alone exit 0.

    \b
    Example:
      kpitools data check reports/demo/data.csv
      kpitools data check sales.xlsx --sheet 2025 --sum-duplicates
    """
    from ..data import check

    library = False
    if not no_library:
        from ..data import load_library

        library = load_library(*library_files)
    report = check(
        file,
        layout=layout,
        duplicates="sum" if sum_duplicates else "error",
        library=library,
        sheet=sheet,
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
def data_aggregate(
    events: str,
    employee: str,
    date_col: str,
    measures: tuple[str, ...],
    out: str,
    attributes: tuple[str, ...],
    freq: str,
    sheet: str | None,
) -> None:
    """Build monthly KPIs per employee from an event table (deals, orders, shifts).

    \b
    Measures: NAME=count | sum(col) | mean(col) | nunique(col) [where col == value],
    conditions also != < > <= >= and 'in (a, b)', joined with 'and'; or a ratio of
    other measures: win_rate=won/closed. Months with no events inside an employee's
    first..last event month count 0 for count/sum/nunique.

    \b
    Example:
      kpitools data aggregate deals.csv --employee sales_agent --date close_date \\
          --measure 'won_revenue=sum(close_value) where deal_stage == Won' \\
          --measure 'deals=count' --attr regional_office --out kpis.csv
    """
    from ..data import check_output_path, run_aggregation, save

    check_output_path(out)  # a bad --out fails before the (possibly long) aggregation
    table, issues = run_aggregation(
        events,
        employee=employee,
        date=date_col,
        measures=measures,
        freq=freq,
        attributes=attributes,
        sheet=sheet,
    )
    for line in issues.lines(severity="warning"):
        click.echo(f"Warning: {line[2:]}" if line.startswith("- ") else line, err=True)
    save(table, out)
    click.echo(
        f"Wrote {len(table):,} rows ({table['employee'].nunique():,} employees, "
        f"{table['period'].nunique():,} periods, {table['kpi'].nunique():,} KPIs) to {out}."
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
    from ..engine import period_end_timing

    result = period_end_timing(file, kpi, period=period)
    if as_json:
        click.echo(result.table.to_json(orient="records", indent=2))
    else:
        click.echo(result.text())


# --------------------------------------------------------------------------- design
@cli.group(context_settings=CONTEXT)
def design() -> None:
    """Goals, driver cascades and KPI sets per role."""


_design_library = click.option(
    "--library",
    "library_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Your own KPI library file, added to the built-in one (repeat).",
)


def _load_design(design_file: str, library_files: tuple[str, ...]):
    from ..data import load_library
    from ..design import load_design

    library = load_library(*library_files)
    return load_design(design_file, library=library), library


@design.command("check", context_settings=CONTEXT)
@click.argument("design_file", metavar="DESIGN.yaml")
@click.option("--data", "data_file", help="Historical data for the 'not-achievable' check.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option(
    "--max-kpis",
    type=click.IntRange(min=1),
    default=7,
    show_default=True,
    help="KPIs per role at most.",
)
@click.option(
    "--min-weight",
    type=click.FloatRange(0, 1),
    default=0.05,
    show_default=True,
    help="Smallest weight (share, 0.05 = 5%).",
)
@_design_library
def design_check(
    design_file: str,
    data_file: str | None,
    as_json: bool,
    max_kpis: int,
    min_weight: float,
    library_files: tuple[str, ...],
) -> None:
    """Check a design's KPI sets against the rules (exit 1 on errors).

    \b
    Example:
      kpitools design check templates/designs/sales_generator.yaml
      kpitools design check templates/designs/b2b_sales.yaml --data data.csv --json
    """
    from ..design import CheckSettings, run_checks

    settings = CheckSettings(max_kpis=max_kpis, min_weight=min_weight)
    design_obj, _ = _load_design(design_file, library_files)
    history = None
    if data_file:
        from ..data import load

        history = load(data_file)
    report_ = run_checks(design_obj, data=history, settings=settings)
    click.echo(report_.to_json() if as_json else str(report_))
    if not report_.ok:
        raise SystemExit(1)


@design.command("cascade", context_settings=CONTEXT)
@click.argument("design_file", metavar="DESIGN.yaml")
@click.option("--json", "as_json", is_flag=True, help="Print every goal's solved value as JSON.")
@_design_library
def design_cascade(design_file: str, as_json: bool, library_files: tuple[str, ...]) -> None:
    """Solve the goal tree: cascade targets down through the driver formulas.

    \b
    Example:
      kpitools design cascade templates/designs/sales_generator.yaml
      kpitools design cascade templates/designs/sales_generator.yaml --json
    """
    import json

    from ..design import cascade, format_coverage, sensitivity

    design_obj, _ = _load_design(design_file, library_files)
    result = cascade(design_obj)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    click.echo(str(result))
    click.echo("\n" + format_coverage(design_obj))
    if design_obj.top_goal and design_obj.goal(design_obj.top_goal).expr is not None:
        click.echo("\n" + str(sensitivity(design_obj, values=result.values)))


@design.command("suggest", context_settings=CONTEXT)
@click.argument("design_file", metavar="DESIGN.yaml")
@click.option("--role", help="Only this role.")
@click.option(
    "--max-kpis",
    type=click.IntRange(min=1),
    default=7,
    show_default=True,
    help="KPIs per role at most.",
)
@_design_library
def design_suggest(
    design_file: str, role: str | None, max_kpis: int, library_files: tuple[str, ...]
) -> None:
    """Suggest candidate KPIs per role from the KPI library.

    \b
    Example:
      kpitools design suggest templates/designs/sales_generator.yaml --role sales_department
    """
    from ..design import CheckSettings, format_suggestions, suggest

    settings = CheckSettings(max_kpis=max_kpis)
    design_obj, library = _load_design(design_file, library_files)
    table = suggest(design_obj, library=library, role=role, settings=settings)
    click.echo(format_suggestions(design_obj, table, role=role, settings=settings))


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
@click.option("--trend", is_flag=True, help="Forecast with each KPI's fitted growth.")
def simulate(
    data_file: str,
    schemes: tuple[str, ...],
    baseline: str | None,
    out: str | None,
    periods: str | None,
    forecast: int | None,
    seed: int | None,
    trend: bool,
) -> None:
    """Run bonus schemes against historical data; print and save their metrics.

    Writes payouts.csv and metrics.csv into --out (and winners_losers.csv with several
    schemes, forecast.csv with --forecast).

    \b
    Example:
      kpitools simulate --data data.csv --scheme templates/schemes/linear_commission.yaml \\
          --scheme templates/schemes/weighted_scorecard.yaml --out out --forecast 1000 --seed 1
    """
    from .glue import run_simulate_command

    run_simulate_command(
        data_file,
        schemes,
        baseline=baseline,
        out=out,
        periods=periods,
        forecast=forecast,
        seed=seed,
        trend=trend,
        echo=click.echo,
    )


@cli.command(context_settings=CONTEXT)
@click.option("--data", "data_file", required=True, help="Historical data.")
@click.option("--scheme", required=True, help="Scheme YAML.")
@click.option("--param", required=True, help="Dotted path, e.g. components.0.target.rate.")
@click.option("--metric", required=True, help="Metric name, e.g. pct_at_target.")
@click.option(
    "--to",
    "value",
    required=True,
    help="Value the metric should hit, or 'budget' (total_cost = budget × periods).",
)
@click.option("--bounds", nargs=2, type=float, help="Lower and upper bound of the parameter.")
@click.option("--periods", help="Periods to evaluate, FROM..TO (e.g. 2025-01..2025-12).")
@click.option("--out", "out_file", help="Write the calibrated scheme to this YAML file.")
def calibrate(
    data_file: str,
    scheme: str,
    param: str,
    metric: str,
    value: str,
    bounds: tuple[float, float] | None,
    periods: str | None,
    out_file: str | None,
) -> None:
    """Solve one scheme parameter so that a metric hits a value.

    Without --bounds the parameter is searched from 0 to 3 times its value in the scheme.

    \b
    Example:
      kpitools calibrate --data data.csv --scheme s.yaml --param components.0.target.rate \\
          --metric pct_at_target --to 0.65 --bounds 0 0.5
      kpitools calibrate --data data.csv --scheme s.yaml --param on_target_pay \\
          --metric total_cost --to budget
    """
    from .glue import run_calibrate_command

    run_calibrate_command(
        data_file,
        scheme,
        param=param,
        metric=metric,
        to=value,
        bounds=bounds,
        periods=periods,
        out=out_file,
        echo=click.echo,
    )


# --------------------------------------------------------------------------- reports
@cli.command(context_settings=CONTEXT)
@click.option("--client", required=True, help="Client name shown in the report.")
@click.option("--data", "data_file", required=True, help="Historical data.")
@click.option("--design", "design_file", required=True, help="Design YAML.")
@click.option("--scheme", "schemes", required=True, multiple=True, help="Scheme YAML (repeat).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--format", "formats", default="html,pdf,xlsx", show_default=True)
@click.option("--baseline", help="Scheme name the others are compared with.")
@click.option("--periods", help="Periods to evaluate, FROM..TO.")
@click.option("--budget", type=float, help="Bonus budget per period.")
@click.option("--currency", help="Currency of money amounts (default: the notebook's).")
@click.option("--forecast", "forecast_draws", type=int, help="Simulated next periods.")
@click.option("--seed", type=int, help="Random seed of the forecast.")
@click.option(
    "--template",
    type=click.Path(file_okay=False, exists=True),
    help="Your own nbconvert template folder (a copy of templates/report).",
)
@click.option("--logo", type=click.Path(dir_okay=False, exists=True), help="Logo (SVG/PNG/JPEG).")
@click.option(
    "--notebook",
    type=click.Path(dir_okay=False, exists=True),
    help="Your own report notebook (default: notebooks/03_client_report.ipynb).",
)
@click.option(
    "--param",
    "extra",
    multiple=True,
    metavar="NAME=VALUE",
    help="Any other report parameter; VALUE is read as YAML (repeat).",
)
def report(
    client: str,
    data_file: str,
    design_file: str,
    schemes: tuple[str, ...],
    out: str,
    formats: str,
    template: str | None,
    logo: str | None,
    notebook: str | None,
    extra: tuple[str, ...],
    **options,
) -> None:
    """Make a client-ready report (HTML, PDF, XLSX) through papermill.

    Writes OUT/<client>/: report.html, report.pdf, payouts.xlsx, the executed
    report.ipynb and manifest.json. Exit code 1 when the notebook fails (its
    executed notebook with the error is kept).

    \b
    Example:
      kpitools report --client "Demo Co" --data data.csv --design d.yaml --scheme s.yaml --out out
    """
    from ..report import ReportFailedError, make_report, parse_param_options

    params = {k: v for k, v in options.items() if v is not None}
    params.update(parse_param_options(extra))
    if logo:
        params["branding"] = {**params.get("branding", {}), "logo": logo}
    result = make_report(
        client,
        data=data_file,
        design=design_file,
        schemes=list(schemes),
        out=out,
        formats=formats,
        template=template,
        notebook=notebook,
        **params,
    )
    if result.status != "ok":
        raise ReportFailedError(
            f"the report of {client} failed: {result.error}\n"
            f"Suggestion: open {result.folder}/report.ipynb to see the error in context."
        )
    for name in result.outputs:
        click.echo(f"{result.folder}/{name}")


@cli.command(context_settings=CONTEXT)
@click.argument("manifest", metavar="MANIFEST.yaml")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--jobs", type=int, help="Parallel jobs (default: number of cores).")
@click.option(
    "--executor",
    default="local",
    show_default=True,
    metavar="local|dask",
    help="Where the reports run: local processes or a Dask cluster.",
)
@click.option("--scheduler", help="Dask scheduler address (default: a local cluster).")
@click.option("--resume", is_flag=True, help="Skip clients whose inputs are unchanged.")
def batch(
    manifest: str,
    out: str,
    jobs: int | None,
    executor: str,
    scheduler: str | None,
    resume: bool,
) -> None:
    """Make reports for every client of a batch manifest, in parallel.

    The manifest has 'defaults:' and 'clients:' (each with client, data, design,
    schemes and any report parameter; paths relative to the manifest). Prints a
    summary table; exit code 1 when any client failed.

    \b
    Example:
      kpitools batch templates/batch/manifest.yaml --out reports/batch --jobs 2
    """
    from ..report import ReportFailedError, run_batch

    result = run_batch(
        manifest, out, jobs=jobs, executor=executor, scheduler=scheduler, resume=resume
    )
    click.echo(result.format_summary())
    if not result.ok:
        names = ", ".join(r.client for r in result.failed)
        raise ReportFailedError(
            f"{len(result.failed)} of {len(result.results)} reports failed: {names}.\n"
            "Suggestion: open report.ipynb in their folders to see each error in context."
        )


# --------------------------------------------------------------------------- app
@cli.command(context_settings=CONTEXT)
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default 8866, else free).")
@click.option("--no-browser", is_flag=True, help="Do not open the dashboard in a browser.")
@click.option("--data", "data_file", help="Historical data (default: the demo company).")
@click.option("--scheme", help="Scheme YAML or template name (default: weighted_scorecard).")
def app(port: int | None, no_browser: bool, data_file: str | None, scheme: str | None) -> None:
    """Serve the what-if dashboard (Voilà, no code) on localhost; Ctrl-C stops it.

    \b
    Example:
      kpitools app --port 8866 --no-browser
    """
    from ..whatif import serve

    code = serve(
        port=port, open_browser=not no_browser, data=data_file, scheme=scheme, echo=click.echo
    )
    if code:
        raise SystemExit(code)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script: clear messages instead of tracebacks."""
    try:
        # outside standalone mode click returns ctx.exit(code)'s code instead of exiting
        rv = cli.main(args=argv, prog_name="kpitools", standalone_mode=False)
        if isinstance(rv, int) and not isinstance(rv, bool):
            return rv
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:  # click's name for Ctrl-C (KeyboardInterrupt)
        click.echo("Interrupted.", err=True)
        return 130
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
