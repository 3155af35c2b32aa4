"""The KPI library: what each KPI means, how it aggregates, and how it can be gamed.

This module is the library's one import point; the work is done by:

- :mod:`~kpitools.data.kpi`: :class:`KPI`, :class:`Library`, the vocabularies (``AREAS``,
  ``UNITS`` …);
- :mod:`~kpitools.data.library_spec`: what a library file may say (pydantic models, every
  problem at once with file, line and key path) and the checks across entries;
- :mod:`~kpitools.data.library_files`: :func:`load_library` (the shipped file, user files
  merged over it), :func:`default_library_path` and :func:`resolve_library`, the one rule
  for every ``library=`` argument;
- :mod:`~kpitools.data.formula_kpis`: :func:`compute_formula_kpis` from a long table.

Examples
--------
>>> lib = load_library()
>>> lib["win_rate"].numerator, lib["win_rate"].denominator
('won_deals', 'closed_deals')
>>> lib["romi"].recompute_from_sums({"revenue": 300.0, "marketing_cost": 100.0})
2.0
"""

from __future__ import annotations

from .formula_kpis import compute_formula_kpis
from .kpi import AGGREGATIONS, AREAS, DIRECTIONS, KPI, LEVELS, TYPES, UNITS, Library, Override
from .library_files import default_library_path, load_library, resolve_library

__all__ = [
    "AREAS",
    "UNITS",
    "DIRECTIONS",
    "AGGREGATIONS",
    "TYPES",
    "LEVELS",
    "KPI",
    "Library",
    "Override",
    "load_library",
    "resolve_library",
    "default_library_path",
    "compute_formula_kpis",
]
