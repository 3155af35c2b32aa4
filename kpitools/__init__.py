"""kpitools: design KPI systems and bonus schemes, simulate them on history, report to clients.

The public API is imported lazily (PEP 562), so ``import kpitools`` and the command line start
fast and only load pandas, scipy or matplotlib when a function that needs them is used.

Examples
--------
>>> import kpitools as kt
>>> company = kt.make_demo_company()                                   # doctest: +SKIP
>>> schemes = ["templates/schemes/linear_commission.yaml"]
>>> result = kt.simulate(company.data, schemes)                        # doctest: +SKIP
>>> result.metrics                                                     # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version

from .errors import (
    DataValidationError,
    DefinitionError,
    FormulaError,
    KpitoolsError,
)

try:
    __version__ = version("kpitools")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

#: public name -> module that defines it
_LAZY = {
    # data
    "load": "data",
    "check": "data",
    "save": "data",
    "to_wide": "data",
    "from_wide": "data",
    "aggregate_events": "data",
    "DataQualityReport": "data",
    "parse_formula": "formula",
    # demo company
    "make_demo_company": "demo",
    "demo_data": "demo",
    "write_demo": "demo",
    "DemoCompany": "demo",
    # KPI library and design
    "load_library": "library",
    "Library": "library",
    "KPI": "library",
    "compute_formula_kpis": "library",
    "load_design": "design",
    "Design": "design",
    "cascade": "design",
    "coverage": "design",
    "sensitivity": "design",
    "gap_analysis": "design",
    "CascadeResult": "design",
    "SensitivityResult": "design",
    "GapResult": "design",
    "run_checks": "checks",
    "CheckSettings": "checks",
    "CheckReport": "checks",
    "Finding": "checks",
    "suggest": "suggest",
    # schemes and simulation
    "load_scheme": "schemes",
    "Scheme": "schemes",
    "run_scheme": "payout",
    "prepare": "payout",
    "compute": "payout",
    "SchemeRun": "payout",
    "prepare_base": "payout",
    "set_targets": "payout",
    "PreparedData": "payout",
    "simulate": "metrics",
    "SimulationResult": "metrics",
    "compute_metrics": "metrics",
    "calibrate": "metrics",
    "CalibrationResult": "metrics",
    "winners_losers": "metrics",
    "forecast": "forecast",
    "ForecastResult": "forecast",
    "period_end_timing": "timing",
    "TimingResult": "timing",
    # live what-if
    "SchemeExplorer": "widgets",
    "GoalExplorer": "widgets",
    # reports
    "make_report": "report",
    "run_batch": "batch",
    "load_manifest": "batch",
}
_ALIASES = {"parse_formula": "parse"}

__all__ = [
    "__version__",
    "KpitoolsError",
    "DefinitionError",
    "DataValidationError",
    "FormulaError",
    *_LAZY,
]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kpitools' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), _ALIASES.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
