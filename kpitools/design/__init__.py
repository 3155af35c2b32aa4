"""kpitools.design."""

from __future__ import annotations

from .checks import (
    RULES,
    CheckSettings,
    Finding,
    get_rule,
    run_checks,
)
from .library import (
    AGGREGATIONS,
    AREAS,
    DIRECTIONS,
    KPI,
    LEVELS,
    TYPES,
    UNITS,
    Library,
    Override,
    compute_formula_kpis,
    default_library_path,
    load_library,
)
from .plots import (
    plot_gap,
    plot_goal_tree,
    plot_tornado,
    plot_weight_matrix,
)
from .spec import (
    Design,
    cascade,
    coverage,
    format_coverage,
    format_value,
    gap_analysis,
    load_design,
    sensitivity,
)
from .suggest import (
    SUGGESTION_COLUMNS,
    format_suggestions,
    suggest,
)

__all__ = [
    "AGGREGATIONS",
    "AREAS",
    "CheckSettings",
    "DIRECTIONS",
    "Design",
    "Finding",
    "KPI",
    "LEVELS",
    "Library",
    "Override",
    "RULES",
    "SUGGESTION_COLUMNS",
    "TYPES",
    "UNITS",
    "cascade",
    "compute_formula_kpis",
    "coverage",
    "default_library_path",
    "format_coverage",
    "format_suggestions",
    "format_value",
    "gap_analysis",
    "get_rule",
    "load_design",
    "load_library",
    "plot_gap",
    "plot_goal_tree",
    "plot_tornado",
    "plot_weight_matrix",
    "run_checks",
    "sensitivity",
    "suggest",
]
