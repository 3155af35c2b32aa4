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

from .errors import DataValidationError, DefinitionError, FormulaError, KpitoolsError

try:
    __version__ = version("kpitools")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

#: public name -> module that defines it
_LAZY = {
    # data
    "load": "data.table",
    "check": "data.table",
    "save": "data.table",
    "to_wide": "data.table",
    "from_wide": "data.table",
    "aggregate_events": "data.table",
    "DataQualityReport": "data.table",
    "parse_formula": "_util.formula",
    # demo company
    "make_demo_company": "demo.company",
    "demo_data": "demo.company",
    "write_demo": "demo.company",
    "DemoCompany": "demo.company",
    # KPI library and design
    "load_library": "data.library",
    "Library": "data.library",
    "KPI": "data.library",
    "compute_formula_kpis": "data.library",
    "load_design": "design.spec",
    "Design": "design.spec",
    "cascade": "design.spec",
    "coverage": "design.spec",
    "sensitivity": "design.spec",
    "gap_analysis": "design.spec",
    "CascadeResult": "design.spec",
    "SensitivityResult": "design.spec",
    "GapResult": "design.spec",
    "run_checks": "design.checks",
    "CheckSettings": "design.checks",
    "CheckReport": "design.checks",
    "Finding": "design.checks",
    "suggest": "design.suggest",
    # schemes and simulation
    "load_scheme": "scheme.spec",
    "Scheme": "scheme.spec",
    "run_scheme": "engine.payout",
    "prepare": "engine.payout",
    "compute": "engine.payout",
    "SchemeRun": "engine.payout",
    "prepare_base": "engine.payout",
    "set_targets": "engine.payout",
    "PreparedData": "engine.payout",
    "simulate": "engine.metrics",
    "SimulationResult": "engine.metrics",
    "compute_metrics": "engine.metrics",
    "calibrate": "engine.metrics",
    "CalibrationResult": "engine.metrics",
    "winners_losers": "engine.metrics",
    "forecast": "engine.forecast",
    "ForecastResult": "engine.forecast",
    "period_end_timing": "engine.timing",
    "TimingResult": "engine.timing",
    # live what-if
    "SchemeExplorer": "whatif.widgets",
    "GoalExplorer": "whatif.widgets",
    # reports
    "make_report": "report.run",
    "run_batch": "report.batch",
    "load_manifest": "report.batch",
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
