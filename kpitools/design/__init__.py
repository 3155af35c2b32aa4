"""kpitools.design."""

from __future__ import annotations

from .cascade import CascadeResult, cascade
from .checks import CheckReport, run_checks
from .coverage import coverage, format_coverage
from .gap import GapResult, gap_analysis
from .load import load_design
from .model import Design, Goal, KPIDef, Role, RoleKPI
from .plots import plot_gap, plot_tornado, plot_weight_matrix
from .rule import RULES, CheckSettings, Context, Finding, Rule, get_rule, register_rule
from .sensitivity import SensitivityResult, sensitivity
from .suggest import (
    SUGGESTION_COLUMNS,
    format_suggestions,
    suggest,
)
from .tree import plot_goal_tree
from .tree_layout import GOAL_COLOURS

__all__ = [
    "cascade",
    "CascadeResult",
    "CheckReport",
    "CheckSettings",
    "Context",
    "coverage",
    "Design",
    "Finding",
    "format_coverage",
    "format_suggestions",
    "gap_analysis",
    "GapResult",
    "get_rule",
    "Goal",
    "GOAL_COLOURS",
    "KPIDef",
    "load_design",
    "plot_gap",
    "plot_goal_tree",
    "plot_tornado",
    "plot_weight_matrix",
    "register_rule",
    "Role",
    "RoleKPI",
    "Rule",
    "RULES",
    "run_checks",
    "sensitivity",
    "SensitivityResult",
    "suggest",
    "SUGGESTION_COLUMNS",
]
