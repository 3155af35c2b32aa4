"""kpitools.design."""

from __future__ import annotations

from .checks import (
    RULES,
    CheckSettings,
    Finding,
    get_rule,
    run_checks,
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
    "CheckSettings",
    "Design",
    "Finding",
    "RULES",
    "SUGGESTION_COLUMNS",
    "cascade",
    "coverage",
    "format_coverage",
    "format_suggestions",
    "format_value",
    "gap_analysis",
    "get_rule",
    "load_design",
    "plot_gap",
    "plot_goal_tree",
    "plot_tornado",
    "plot_weight_matrix",
    "run_checks",
    "sensitivity",
    "suggest",
]
