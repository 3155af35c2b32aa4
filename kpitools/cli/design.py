"""``kpitools design``: check a design's KPI sets, solve its goal tree, suggest KPIs."""

from __future__ import annotations

import json

import click

from ..data import Library, load, load_library
from ..design import (
    CheckSettings,
    Design,
    cascade,
    format_coverage,
    format_suggestions,
    load_design,
    run_checks,
    sensitivity,
    suggest,
)
from .options import CONTEXT, library_option

__all__ = ["design"]


@click.group(context_settings=CONTEXT)
def design() -> None:
    """Goals, driver cascades and KPI sets per role."""


def _load_design(design_file: str, library_files: tuple[str, ...]) -> tuple[Design, Library]:
    """The design file read against the shipped KPI library plus the user's files."""
    library = load_library(*library_files)
    return load_design(design_file, library=library), library


@design.command("check", context_settings=CONTEXT)
@click.argument("design_file", metavar="DESIGN.yaml")
@click.option("--data", "data_file", help="Historical data for the 'not-achievable' check.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option(
    "--max-kpis",
    type=click.IntRange(min=1),
    help="KPIs per role at most (default: the design's checks:, else 7).",
)
@click.option(
    "--min-weight",
    type=click.FloatRange(0, 1),
    help="Smallest weight, a share (default: the design's checks:, else 0.05 = 5%).",
)
@library_option
def design_check(
    design_file: str,
    data_file: str | None,
    as_json: bool,
    max_kpis: int | None,
    min_weight: float | None,
    library_files: tuple[str, ...],
) -> None:
    """Check a design's KPI sets against the rules (exit 1 on errors).

    Thresholds come from the design's 'checks:' (max_kpis, min_weight, achievable_low,
    achievable_high, coverage_tolerance), else the defaults; the options override them.

    \b
    Example:
      kpitools design check templates/designs/sales_generator.yaml
      kpitools design check templates/designs/b2b_sales.yaml --data data.csv --json
    """
    design_obj, _ = _load_design(design_file, library_files)
    settings = CheckSettings.for_design(design_obj, max_kpis=max_kpis, min_weight=min_weight)
    history = load(data_file, library=False) if data_file else None
    report_ = run_checks(design_obj, data=history, settings=settings)
    click.echo(report_.to_json() if as_json else str(report_))
    if not report_.ok:
        raise SystemExit(1)


@design.command("cascade", context_settings=CONTEXT)
@click.argument("design_file", metavar="DESIGN.yaml")
@click.option("--json", "as_json", is_flag=True, help="Print every goal's solved value as JSON.")
@library_option
def design_cascade(design_file: str, as_json: bool, library_files: tuple[str, ...]) -> None:
    """Solve the goal tree: cascade targets down through the driver formulas.

    \b
    Example:
      kpitools design cascade templates/designs/sales_generator.yaml
      kpitools design cascade templates/designs/sales_generator.yaml --json
    """
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
    help="KPIs per role at most (default: the design's checks:, else 7).",
)
@library_option
def design_suggest(
    design_file: str, role: str | None, max_kpis: int | None, library_files: tuple[str, ...]
) -> None:
    """Suggest candidate KPIs per role from the KPI library.

    \b
    Example:
      kpitools design suggest templates/designs/sales_generator.yaml --role sales_department
    """
    design_obj, library = _load_design(design_file, library_files)
    settings = CheckSettings.for_design(design_obj, max_kpis=max_kpis)
    table = suggest(design_obj, library=library, role=role, settings=settings)
    click.echo(format_suggestions(design_obj, table, role=role, settings=settings))
