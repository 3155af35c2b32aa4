"""``kpitools report`` and ``kpitools batch``: client reports, one or many in parallel."""

from __future__ import annotations

from pathlib import Path

import click

from ..report import (
    ReportFailedError,
    make_report,
    parse_param_options,
    parse_rule_options,
    run_batch,
)
from .options import CONTEXT, by_option, currency_option, roster_option, where_option
from .simulate import naming_the_file

__all__ = ["batch", "report"]


@click.command(context_settings=CONTEXT)
@click.option("--client", required=True, help="Client name shown in the report.")
@click.option("--data", "data_file", required=True, help="Historical data.")
@click.option("--design", "design_file", required=True, help="Design YAML.")
@click.option("--scheme", "schemes", required=True, multiple=True, help="Scheme YAML (repeat).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--format", "formats", default="html,pdf,xlsx", show_default=True)
@click.option("--baseline", help="Scheme name the others are compared with.")
@click.option("--periods", help="Periods to evaluate, FROM..TO.")
@click.option("--budget", type=float, help="Bonus budget per period.")
@currency_option
@click.option("--forecast", "forecast_draws", type=int, help="Simulated next periods.")
@click.option("--seed", type=int, help="Random seed of the forecast.")
@click.option("--locale", help="Numbers, money and dates as in this locale (en_US, ru_RU …).")
@roster_option
@where_option
@by_option
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
    "--rule",
    "rules",
    multiple=True,
    metavar="KEY=VALUE",
    help="A threshold of the decision rule over the design's recommendation:, "
    "e.g. max_p_over_budget=0.1 (repeat).",
)
@click.option(
    "--statements",
    is_flag=True,
    default=None,
    help="Also write statements/<employee>.pdf: a page per scheme, how the payment came about.",
)
@click.option(
    "--statements-period",
    metavar="PERIOD",
    help="The statements' period as in payouts.csv (2025-03, 2025-Q1); implies --statements. "
    "Default: each employee's last period.",
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
    by: tuple[str, ...],
    rules: tuple[str, ...],
    **options,
) -> None:
    """Make a client-ready report (HTML, PDF, XLSX) through papermill.

    Writes OUT/<client>/: report.html, report.pdf, payouts.xlsx, recommendation.json
    (the decision rule's outcome: the report's words come from it), the executed
    report.ipynb and manifest.json; with --statements also statements/<employee>.pdf.
    Before the notebook runs, the data, design, schemes and roster are read as
    'kpitools simulate' reads them: a bad input prints simulate's message and exits 2,
    writing nothing. Exit code 1 when the notebook fails (its executed notebook with the
    error is kept).
    With --roster the report shows cost and attainment by team and region (or by each
    --by column). --rule KEY=VALUE sets a threshold of the decision rule (see
    docs/recommendation-and-statements.md).

    \b
    Example:
      kpitools report --client "Demo Co" --data data.csv --design d.yaml --scheme s.yaml --out out
      kpitools report --client "East" --data data.csv --roster roster.csv \\
          --where "region == East" --by team --design d.yaml --scheme s.yaml --out out
    """
    params = {k: v for k, v in options.items() if v is not None}
    if params.get("statements_period"):
        params["statements"] = True
    if by:
        params["by"] = list(by)
    params.update(parse_param_options(extra))
    if rules:
        given = params.get("recommendation")
        params["recommendation"] = {
            **(given if isinstance(given, dict) else {}),
            **parse_rule_options(rules),
        }
    if logo:
        params["branding"] = {**params.get("branding", {}), "logo": logo}
    with naming_the_file(data_file):  # bad input: simulate's message, exit 2, nothing written
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
    statements = Path(result.folder) / "statements"
    if statements.is_dir():
        count = sum(1 for _ in statements.glob("*.pdf"))
        click.echo(f"{statements}/ ({count} statements)")


@click.command(context_settings=CONTEXT)
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
@currency_option
def batch(
    manifest: str,
    out: str,
    jobs: int | None,
    executor: str,
    scheduler: str | None,
    resume: bool,
    currency: str | None,
) -> None:
    """Make reports for every client of a batch manifest, in parallel.

    The manifest has 'defaults:' and 'clients:' (each with client, data, design,
    schemes and any report parameter; paths relative to the manifest). Prints a
    summary table; exit code 1 when any client failed.

    \b
    Example:
      kpitools batch templates/batch/manifest.yaml --out reports/batch --jobs 2
    """
    result = run_batch(
        manifest, out, jobs=jobs, executor=executor, scheduler=scheduler, resume=resume,
        currency=currency,
    )  # fmt: skip
    click.echo(result.format_summary())
    if not result.ok:
        names = ", ".join(r.client for r in result.failed)
        raise ReportFailedError(
            f"{len(result.failed)} of {len(result.results)} reports failed: {names}.\n"
            "Suggestion: open report.ipynb in their folders to see each error in context."
        )
