"""kpitools.engine: what a bonus scheme pays on historical data, and what that costs.

The engine turns a long table of actuals (:mod:`kpitools.data`) and a scheme
(:mod:`kpitools.scheme`) into payouts and metrics:

- :func:`prepare` (``base``, ``prepare``): roll the data up to the scheme's period, set and
  check every target, align everything as numpy arrays (:class:`PayoutInputs`);
  :func:`prepare_base` + :func:`set_targets` split it so that a target change skips the
  roll-up.
- :func:`compute` (``compute``, ``money``): the vectorised payout maths (attainment, curves,
  gates, modifiers, cap, pool to the cent); the plan mechanics (docs/plan-mechanics.md):
  ``proration``, ``payment`` (earned → paid: ``trueup``, ``draws``, along each employee's
  ``timeline``), ``restatements``.
- :func:`run_currency` and :func:`convert_inputs` (``currency``): the run's one currency
  and every amount converted into it, once, in :func:`load_inputs`.
- :func:`run_scheme` (``run``): both, laid out as the payout table (:data:`PAYOUT_COLUMNS`).
- :func:`compute_metrics` (``metrics``): the metrics of a run; :func:`simulate`
  (``simulate``, ``compare``) several schemes against a baseline, :func:`compare` its
  comparison table alone; :func:`calibrate`
  (``calibrate``) one parameter to hit a metric; :func:`forecast` (``forecast``,
  ``history``) next periods resampled from each employee's history;
  :func:`period_end_timing` (``timing``) who books results at period ends;
  :func:`recommend_simulation` (``recommend``) the decision rule that picks a scheme;
  :func:`stress_test` (``stress``) the most extra pay from shifting results between periods.
- :func:`format_metric`, :func:`format_metrics_table`, :func:`describe_skipped`
  (``describe``): results as text.
"""

from __future__ import annotations

from .arrays import STEP_COLUMNS, PaymentSteps, PayoutArrays, PayoutInputs
from .base import PreparedData, prepare_base
from .calibrate import CalibrationResult, calibrate
from .compare import WINNERS_COLUMNS, compare_schemes, winners_losers
from .compute import attainment, compute
from .currency import RunCurrency, convert_inputs, resolve_currency, run_currency
from .describe import describe_skipped, format_metric, format_metrics_table
from .forecast import ForecastResult, forecast
from .groups import NO_GROUP, group_columns, metrics_by_group
from .history import fit_growth, resample_periods
from .loading import library_for_run, load_data_with_warnings, load_inputs, load_schemes
from .metrics import (
    MECHANIC_METRICS,
    METRICS,
    MONEY_METRICS,
    STEP_METRICS,
    STRESS_METRICS,
    check_metric_name,
    compute_metrics,
    metric_arrays,
    metrics_from_arrays,
    metrics_from_totals,
    with_gaming_cost,
)
from .money import round_cents
from .pay import on_target_pay_per_row
from .prepare import prepare, set_targets
from .recommend import (
    Recommendation,
    RecommendationRule,
    pool_usage,
    recommend_scheme,
    recommend_simulation,
)
from .run import PAYOUT_COLUMNS, SchemeRun, needs_whole_run, run_scheme
from .scope import has_scope
from .simulate import SimulationResult, compare, simulate, write_csv
from .stress import DEFAULT_SHIFT, check_shift, stress_test
from .stress_result import MOVE_COLUMNS, STRESS_COLUMNS, StressResult
from .timing import TimingResult, period_end_timing

__all__ = [
    "attainment",
    "calibrate",
    "CalibrationResult",
    "check_metric_name",
    "check_shift",
    "DEFAULT_SHIFT",
    "compare",
    "compare_schemes",
    "compute",
    "compute_metrics",
    "convert_inputs",
    "describe_skipped",
    "fit_growth",
    "forecast",
    "ForecastResult",
    "format_metric",
    "format_metrics_table",
    "group_columns",
    "library_for_run",
    "load_data_with_warnings",
    "load_inputs",
    "load_schemes",
    "MECHANIC_METRICS",
    "metric_arrays",
    "METRICS",
    "metrics_by_group",
    "metrics_from_arrays",
    "metrics_from_totals",
    "has_scope",
    "MONEY_METRICS",
    "MOVE_COLUMNS",
    "NO_GROUP",
    "on_target_pay_per_row",
    "PAYOUT_COLUMNS",
    "resolve_currency",
    "RunCurrency",
    "run_currency",
    "PaymentSteps",
    "PayoutArrays",
    "PayoutInputs",
    "period_end_timing",
    "pool_usage",
    "prepare",
    "prepare_base",
    "PreparedData",
    "recommend_scheme",
    "recommend_simulation",
    "Recommendation",
    "RecommendationRule",
    "resample_periods",
    "round_cents",
    "needs_whole_run",
    "run_scheme",
    "SchemeRun",
    "set_targets",
    "simulate",
    "SimulationResult",
    "STEP_COLUMNS",
    "STEP_METRICS",
    "STRESS_COLUMNS",
    "STRESS_METRICS",
    "stress_test",
    "StressResult",
    "TimingResult",
    "WINNERS_COLUMNS",
    "winners_losers",
    "with_gaming_cost",
    "write_csv",
]
