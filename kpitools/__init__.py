"""kpitools: design KPI systems and bonus schemes, simulate them on history, report to clients.

``import kpitools as kt`` gives the verbs a notebook needs; everything else lives in the
subpackage whose job it is (``kpitools.data``, ``kpitools.design``, ``kpitools.scheme``,
``kpitools.engine``, ``kpitools.report``, …; see docs/architecture.md).

==================  ==============================================================
load_data           the long table from a CSV/XLSX/Parquet file or a DataFrame
check_data          the data quality report of a file (every problem, with rows)
aggregate_events    monthly KPIs per employee from event rows (deals, orders)
load_library        the KPI library, with your own files added
load_design         a design file: goals, drivers, roles and their KPIs
cascade             solve the goal tree: targets flow down the driver formulas
check               the KPI-set rules on a design (too many KPIs, coverage, …)
suggest             candidate KPIs for a role, ranked, with reasons
load_scheme         a scheme file: targets, curves, commissions, gates, caps
simulate            what each scheme would have paid on the history, and metrics
compare             one row per scheme against a baseline: cost change, winners, losers
calibrate           solve one scheme parameter so that a metric hits a value
forecast            the cost distribution of the next period, by resampling history
SchemeExplorer      live what-if on a scheme (ipywidgets)
GoalExplorer        live what-if on a design's assumptions (ipywidgets)
make_report         a client-ready report: HTML, PDF, XLSX, the executed notebook
run_batch           reports for every client of a manifest, in parallel
make_demo_company   the bundled demo company (deterministic)
plots               every plot, each taking ``ax=None`` and returning the axes
==================  ==============================================================

The verbs are imported lazily (PEP 562): ``import kpitools`` and the command line start
fast, and pandas, scipy or matplotlib load only when a verb that needs them is used.

Examples
--------
>>> import kpitools as kt
>>> company = kt.make_demo_company()  # doctest: +SKIP
>>> schemes = ["templates/schemes/linear_commission.yaml"]
>>> result = kt.simulate(company.data, schemes)  # doctest: +SKIP
>>> result.metrics  # doctest: +SKIP
"""

from __future__ import annotations

import importlib

from .errors import DataValidationError, DefinitionError, FormulaError, KpitoolsError

#: public name -> (subpackage, name there)
_VERBS = {
    "load_data": ("data", "load"),
    "check_data": ("data", "check"),
    "aggregate_events": ("data", "aggregate_events"),
    "load_library": ("data", "load_library"),
    "load_design": ("design", "load_design"),
    "cascade": ("design", "cascade"),
    "check": ("design", "run_checks"),
    "suggest": ("design", "suggest"),
    "load_scheme": ("scheme", "load_scheme"),
    "simulate": ("engine", "simulate"),
    "compare": ("engine", "compare"),
    "calibrate": ("engine", "calibrate"),
    "forecast": ("engine", "forecast"),
    "SchemeExplorer": ("whatif", "SchemeExplorer"),
    "GoalExplorer": ("whatif", "GoalExplorer"),
    "make_report": ("report", "make_report"),
    "run_batch": ("report", "run_batch"),
    "make_demo_company": ("demo", "make_demo_company"),
}

__all__ = [
    "__version__",
    "KpitoolsError",
    "DefinitionError",
    "DataValidationError",
    "FormulaError",
    *_VERBS,
    "plots",
]


def _version() -> str:
    """The installed version (importlib.metadata is slow to import: only when asked)."""
    from importlib.metadata import PackageNotFoundError, version  # slow: only when asked

    try:
        return version("kpitools")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"


def __getattr__(name: str):
    if name == "__version__":
        value = _version()
    elif name == "plots":
        value = importlib.import_module(".plots", __name__)
    elif name in _VERBS:
        package, attr = _VERBS[name]
        value = getattr(importlib.import_module(f".{package}", __name__), attr)
    else:
        raise AttributeError(f"module 'kpitools' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
