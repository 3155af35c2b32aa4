"""Command-line glue of simulate and calibrate (temporary home until the CLI is split)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from typing import Any

from ..data import parse_range
from ..engine import (
    CalibrationResult,
    SimulationResult,
    calibrate,
    check_metric_name,
    describe_skipped,
    format_metric,
    simulate,
)
from ..errors import DefinitionError, KpitoolsError


@contextlib.contextmanager
def _naming_the_file(data: Any):
    """Errors about a loaded table say "the data:"; name the file the user gave instead."""
    try:
        yield
    except KpitoolsError as err:
        text = err.message
        if isinstance(data, str | os.PathLike) and text[:9] in ("the data:", "the data "):
            err.message = f"{os.fspath(data)}{text[len('the data') :]}"
            err.args = (err.message,)
        raise


def _bullets(messages: Sequence[str]) -> str:
    """Messages as an indented list; a message of several lines keeps its lines together."""
    out = []
    for message in messages:
        first, *rest = str(message).splitlines() or [""]
        out.append(f"  - {first}")
        out.extend(f"    {line.strip()}" for line in rest)
    return "\n".join(out)


def _check_periods_option(periods: str | None) -> None:
    """Validate ``--periods`` before any work; the message names the option."""
    try:
        parse_range(periods)
    except DefinitionError as err:
        raise DefinitionError(f"--{err}" if str(err).startswith("periods ") else str(err)) from err


def run_simulate_command(
    data_file: str,
    schemes: Sequence[str],
    *,
    baseline: str | None = None,
    out: str | None = None,
    periods: str | None = None,
    forecast: int | None = None,
    seed: int | None = None,
    trend: bool = False,
    echo: Any = print,
) -> SimulationResult:
    """``kpitools simulate``: run, print the metrics table, write the files into ``out``."""
    _check_periods_option(periods)
    if forecast is not None and forecast < 1:
        raise DefinitionError(
            f"--forecast {forecast}: the number of simulated periods must be at least 1.\n"
            "Suggestion: use e.g. --forecast 1000."
        )
    with _naming_the_file(data_file):
        result = simulate(
            data_file,
            list(schemes),
            baseline=baseline,
            periods=periods,
            forecast=forecast,
            seed=seed,
            trend=trend,
        )
    names = result.schemes
    shown = ", ".join(
        f"{n} (baseline)" if n == result.baseline and len(names) > 1 else n for n in names
    )
    echo(f"Simulated {shown} on {data_file}: {len(result.totals):,} employee-periods.")
    echo("")
    echo(result.metrics_table())
    if len(names) > 1:
        echo("")
        echo(f"Against the baseline {result.baseline}:")
        for name in names:
            if name == result.baseline:
                continue
            row = result.compare.loc[name]
            echo(
                f"  {name}: cost {format_metric('cost_change', row['cost_change'])} "
                f"({format_metric('cost_change_pct', row['cost_change_pct'])}); "
                f"{int(row['winners'])} employee{'s win' if int(row['winners']) != 1 else ' wins'}"
                f", {int(row['losers'])} lose, "
                f"{int(row['unchanged'])} unchanged"
            )
    if not result.skipped.empty:
        echo("")
        echo("Skipped periods:")
        for line in describe_skipped(result.skipped).splitlines():
            echo(f"  {line}")
    if result.warnings:
        echo("")
        echo("Warnings:")
        echo(_bullets(result.warnings))
    for fc in result.forecasts.values():
        echo("")
        echo(fc.describe())
    if out:
        written = result.save(out)
        echo("")
        echo("Wrote " + ", ".join(str(p) for p in written.values()))
    return result


def run_calibrate_command(
    data_file: str,
    scheme: str,
    *,
    param: str,
    metric: str,
    to: float | str,
    bounds: tuple[float, float] | None = None,
    periods: str | None = None,
    out: str | None = None,
    echo: Any = print,
) -> CalibrationResult:
    """``kpitools calibrate``: solve, print the value and the achieved metric, write the YAML."""
    check_metric_name(metric)
    _check_periods_option(periods)
    with _naming_the_file(data_file):
        result = calibrate(data_file, scheme, param, metric, to, bounds or None, periods=periods)
    echo(result.describe())
    echo(
        f"Searched {param} in [{result.bounds[0]:g}, {result.bounds[1]:g}] "
        f"({len(result.evaluations)} evaluations, {result.method})."
    )
    if result.warnings:
        echo("Warnings:")
        echo(_bullets(result.warnings))
    if out:
        result.scheme.to_yaml(out)
        echo(f"Wrote the calibrated scheme to {out}")
    return result
