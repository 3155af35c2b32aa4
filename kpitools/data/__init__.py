"""kpitools.data."""

from __future__ import annotations

from .events import (
    Aggregate,
    Condition,
    Ratio,
    parse_measure,
    parse_measures,
    run_aggregation,
)
from .periods import (
    KINDS,
    convert,
    format_period,
    format_periods,
    lag_year,
    months_in,
    parse_period,
    parse_range,
    period_ordinals,
    periods_in_scope,
    ratio_inputs,
    roll_up,
    select,
    unique_sorted,
)
from .table import (
    DataQualityReport,
    aggregate_events,
    check,
    check_output_path,
    load,
    save,
)

__all__ = [
    "Aggregate",
    "Condition",
    "DataQualityReport",
    "KINDS",
    "Ratio",
    "aggregate_events",
    "check",
    "check_output_path",
    "convert",
    "format_period",
    "format_periods",
    "lag_year",
    "load",
    "months_in",
    "parse_measure",
    "parse_measures",
    "parse_period",
    "parse_range",
    "period_ordinals",
    "periods_in_scope",
    "ratio_inputs",
    "roll_up",
    "run_aggregation",
    "save",
    "select",
    "unique_sorted",
]
