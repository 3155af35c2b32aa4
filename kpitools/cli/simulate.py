"""``kpitools simulate`` and ``kpitools calibrate``: run schemes on history, solve a parameter.

The commands check their options, call :func:`kpitools.engine.simulate` or
:func:`kpitools.engine.calibrate`, print what came out and write the files asked for.
Errors about "the data" name the file the user gave instead.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from typing import Any

import click

from .._util.format import number, text_table
from ..data import parse_range
from ..engine import (
    SimulationResult,
    calibrate,
    check_metric_name,
    check_shift,
    describe_skipped,
    format_metric,
    simulate,
)
from ..errors import DefinitionError, KpitoolsError
from .options import (
    CONTEXT,
    by_option,
    currency_option,
    raw_csv_option,
    roster_option,
    strict_option,
    sum_duplicates_option,
    where_option,
)

__all__ = [
    "bullets",
    "calibrate_command",
    "check_periods_option",
    "naming_the_file",
    "simulate_command",
    "simulation_lines",
]

_PERIODS_HELP = "Periods to evaluate, FROM..TO (e.g. 2025-01..2025-12)."


@contextlib.contextmanager
def naming_the_file(data: Any) -> Iterator[None]:
    """Errors about a loaded table say "the data:"; name the file the user gave instead.

    Examples
    --------
    >>> with naming_the_file("sales.csv"):  # doctest: +SKIP
    ...     raise KpitoolsError("the data: no rows.")
    kpitools.errors.KpitoolsError: sales.csv: no rows.
    """
    try:
        yield
    except KpitoolsError as err:
        text = err.message
        if isinstance(data, str | os.PathLike) and text[:9] in ("the data:", "the data "):
            err.message = f"{os.fspath(data)}{text[len('the data') :]}"
            err.args = (err.message,)
        raise


def bullets(messages: Sequence[str]) -> str:
    """Messages as an indented list; a message of several lines keeps its lines together.

    Examples
    --------
    >>> print(bullets(["one", "two\\nmore"]))
      - one
      - two
        more
    """
    out = []
    for message in messages:
        first, *rest = str(message).splitlines() or [""]
        out.append(f"  - {first}")
        out.extend(f"    {line.strip()}" for line in rest)
    return "\n".join(out)


def check_periods_option(periods: str | None) -> None:
    """Validate ``--periods`` before any work; the message names the option."""
    try:
        parse_range(periods)
    except DefinitionError as err:
        raise DefinitionError(f"--{err}" if str(err).startswith("periods ") else str(err)) from err


def _check_forecast_option(forecast: int | None) -> None:
    if forecast is not None and forecast < 1:
        raise DefinitionError(
            f"--forecast {forecast}: the number of simulated periods must be at least 1.\n"
            "Suggestion: use e.g. --forecast 1000."
        )


def _check_stress_option(stress: float | None) -> None:
    """Validate ``--stress`` before any work; the message names the option."""
    if stress is None:
        return
    try:
        check_shift(stress)
    except DefinitionError:
        raise DefinitionError(
            f"--stress {stress:g}: the share of a period's actual that may move must lie above "
            "0 and at most 1.\nSuggestion: use e.g. --stress 0.10 (10% of the period's actual)."
        ) from None


def _stress_lines(result: SimulationResult) -> list[str]:
    """The gaming stress test: per scheme its cost and the employee who gains most."""
    if not result.stress:
        return []
    shift = next(iter(result.stress.values())).shift
    lines = [
        "",
        f"Gaming stress test (up to {number(shift, 'percent')} of a period's results moved to "
        "an adjacent period of the same year):",
    ]
    for name, r in result.stress.items():
        cost = format_metric("gaming_cost", r.gaming_cost, result.currency)
        pct = format_metric("gaming_cost_pct", r.gaming_cost_pct)
        line = f"  {name}: {cost} more ({pct} of its honest cost)"
        if len(r.by_employee):
            top = r.by_employee.iloc[0]
            extra = format_metric("gaming_cost", top["extra_pay"], result.currency)
            line += f"; most for {top['employee']}: {extra}"
        lines.append(line)
    return lines


def _comparison_lines(result: SimulationResult) -> list[str]:
    """Each scheme's cost change and winners and losers against the baseline."""
    lines = ["", f"Against the baseline {result.baseline}:"]
    for name in result.schemes:
        if name == result.baseline:
            continue
        row = result.compare.loc[name]
        winners = int(row["winners"])
        lines.append(
            f"  {name}: cost {format_metric('cost_change', row['cost_change'], result.currency)} "
            f"({format_metric('cost_change_pct', row['cost_change_pct'])}); "
            f"{winners} employee{'s win' if winners != 1 else ' wins'}, "
            f"{int(row['losers'])} lose, {int(row['unchanged'])} unchanged"
        )
    return lines


def simulation_lines(result: SimulationResult, data_file: str) -> list[str]:
    """What ``kpitools simulate`` prints: metrics, comparison, skipped periods, forecasts."""
    names = result.schemes
    shown = ", ".join(
        f"{n} (baseline)" if n == result.baseline and len(names) > 1 else n for n in names
    )
    lines = [
        f"Simulated {shown} on {data_file}: {number(len(result.totals))} employee-periods.",
        "",
        result.metrics_table(),
    ]
    if len(names) > 1:
        lines += _comparison_lines(result)
    lines += _stress_lines(result)
    if not result.skipped.empty:
        skipped = describe_skipped(result.skipped).splitlines()
        lines += ["", "Skipped periods:", *(f"  {line}" for line in skipped)]
    if result.warnings:
        lines += ["", "Warnings:", bullets(result.warnings)]
    for column, table in result.by.items():
        lines += ["", *_group_lines(column, table, result.currency)]
    for fc in result.forecasts.values():
        lines += ["", fc.describe()]
    return lines


_GROUP_METRICS = ("total_cost", "cost_per_employee", "pct_at_target", "payout_p50")


def _group_lines(column: str, table: Any, currency: str | None = None) -> list[str]:
    """The metrics per group value as a table: one row per scheme and value."""
    rows = [
        [r["scheme"], r[column], number(r["employees"])]
        + [format_metric(m, r[m], currency) for m in _GROUP_METRICS]
        for r in table.to_dict("records")
    ]
    headers = ["scheme", column, "employees", *_GROUP_METRICS]
    return [f"By {column}:", text_table(headers, rows, right=headers[2:], indent=2)]


@click.command("simulate", context_settings=CONTEXT)
@click.option("--data", "data_file", required=True, help="Historical data (long/wide table).")
@click.option("--scheme", "schemes", required=True, multiple=True, help="Scheme YAML (repeat).")
@click.option("--baseline", help="Scheme name to compare the others with.")
@click.option(
    "--out", type=click.Path(file_okay=False), help="Folder for payouts.csv, metrics.csv."
)
@click.option("--periods", help=_PERIODS_HELP)
@click.option("--forecast", type=int, help="Number of simulated next periods.")
@click.option("--seed", type=int, help="Random seed for the forecast.")
@click.option("--trend", is_flag=True, help="Forecast with each KPI's fitted growth.")
@click.option(
    "--stress",
    type=float,
    is_flag=False,
    flag_value=0.10,
    default=None,
    metavar="[SHIFT]",
    help="Gaming stress test: the most extra pay from moving up to SHIFT (default 0.10) of "
    "a period's results to an adjacent period; writes stress.csv.",
)
@roster_option
@where_option
@by_option
@strict_option
@sum_duplicates_option
@raw_csv_option
@currency_option
def simulate_command(
    data_file: str,
    schemes: tuple[str, ...],
    baseline: str | None,
    out: str | None,
    periods: str | None,
    forecast: int | None,
    seed: int | None,
    trend: bool,
    stress: float | None,
    roster: str | None,
    where: str | None,
    by: tuple[str, ...],
    strict: bool,
    sum_duplicates: bool,
    raw_csv: bool,
    currency: str | None,
) -> None:
    """Run bonus schemes against historical data; print and save their metrics.

    Writes payouts.csv and metrics.csv into --out (and winners_losers.csv with several
    schemes, metrics_by_<column>.csv with --by, forecast.csv with --forecast, stress.csv
    with --stress).

    \b
    Example:
      kpitools simulate --data data.csv --scheme templates/schemes/linear_commission.yaml \\
          --scheme templates/schemes/weighted_scorecard.yaml --out out --forecast 1000 --seed 1
      kpitools simulate --data deals_kpis.csv --roster roster.csv --where "region == East" \\
          --scheme s.yaml --by team --out out
      kpitools simulate --data data.csv --scheme s.yaml --stress 0.2 --out out
    """
    check_periods_option(periods)
    _check_forecast_option(forecast)
    _check_stress_option(stress)
    with naming_the_file(data_file):
        result = simulate(
            data_file,
            list(schemes),
            baseline=baseline,
            periods=periods,
            forecast=forecast,
            seed=seed,
            trend=trend,
            roster=roster,
            where=where,
            by=list(by),
            strict=strict,
            currency=currency,
            stress=stress,
            duplicates="sum" if sum_duplicates else "error",
        )
    for line in simulation_lines(result, data_file):
        click.echo(line)
    if out:
        written = result.save(out, raw_csv=raw_csv)
        click.echo("")
        click.echo("Wrote " + ", ".join(str(p) for p in written.values()))


@click.command("calibrate", context_settings=CONTEXT)
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
@click.option("--periods", help=_PERIODS_HELP)
@click.option("--out", "out_file", help="Write the calibrated scheme to this YAML file.")
@roster_option
@where_option
@sum_duplicates_option
@currency_option
def calibrate_command(
    data_file: str,
    scheme: str,
    param: str,
    metric: str,
    value: str,
    bounds: tuple[float, float] | None,
    periods: str | None,
    out_file: str | None,
    roster: str | None,
    where: str | None,
    sum_duplicates: bool,
    currency: str | None,
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
    check_metric_name(metric)
    check_periods_option(periods)
    with naming_the_file(data_file):
        result = calibrate(
            data_file, scheme, param, metric, value, bounds or None, periods=periods,
            roster=roster, where=where, currency=currency,
            duplicates="sum" if sum_duplicates else "error",
        )  # fmt: skip
    click.echo(result.describe())
    low, high = result.bounds
    click.echo(
        f"Searched {param} in [{low:g}, {high:g}] "
        f"({len(result.evaluations)} evaluations, {result.method})."
    )
    if result.warnings:
        click.echo("Warnings:")
        click.echo(bullets(result.warnings))
    if out_file:
        result.scheme.to_yaml(out_file)
        click.echo(f"Wrote the calibrated scheme to {out_file}")
