"""kpitools.engine."""

from __future__ import annotations

from .forecast import (
    ForecastResult,
    fit_growth,
    forecast,
    resample_periods,
)
from .metrics import (
    METRICS,
    SimulationResult,
    calibrate,
    check_metric_name,
    compare_schemes,
    compute_metrics,
    describe_skipped,
    format_metric,
    format_metrics_table,
    metric_arrays,
    metrics_from_arrays,
    metrics_from_totals,
    run_calibrate_command,
    run_simulate_command,
    simulate,
    winners_losers,
    write_csv,
)
from .payout import (
    PayoutInputs,
    attainment,
    compute,
    prepare,
    prepare_base,
    round_cents,
    run_scheme,
    set_targets,
)
from .timing import (
    period_end_timing,
)

__all__ = [
    "ForecastResult",
    "METRICS",
    "PayoutInputs",
    "SimulationResult",
    "attainment",
    "calibrate",
    "check_metric_name",
    "compare_schemes",
    "compute",
    "compute_metrics",
    "describe_skipped",
    "fit_growth",
    "forecast",
    "format_metric",
    "format_metrics_table",
    "metric_arrays",
    "metrics_from_arrays",
    "metrics_from_totals",
    "period_end_timing",
    "prepare",
    "prepare_base",
    "resample_periods",
    "round_cents",
    "run_calibrate_command",
    "run_scheme",
    "run_simulate_command",
    "set_targets",
    "simulate",
    "winners_losers",
    "write_csv",
]
