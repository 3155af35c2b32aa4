"""kpitools.design: strategic goals → driver formulas → KPIs per role, and their checks.

A design file (:func:`load_design`, validated through :mod:`.schema`) says what the company
wants, how each goal breaks down into drivers, and which KPIs each role is paid on
(:mod:`.model`). The maths on the goal tree: :func:`cascade` (targets flow down the
formulas), :func:`coverage` (do role targets add up to the goals?), :func:`sensitivity` (each
driver's elasticity, a ±10% tornado) and :func:`gap_analysis` (why a goal was missed). The
rules of a good KPI set run with :func:`run_checks` (a registry of rules, :data:`RULES`;
add your own with :func:`register_rule`); :func:`suggest` proposes KPIs from the library.
The charts (:func:`plot_goal_tree`, :func:`plot_tornado`, …) take ``ax=None`` and return it.

Examples
--------
>>> from kpitools.design import cascade, load_design
>>> cascade(load_design("templates/designs/sales_generator.yaml")).values["units_sold"]
200.0
"""

from __future__ import annotations

from .cascade import CascadeResult, cascade
from .checks import CheckReport, run_checks
from .coverage import COVERAGE_TOLERANCE, coverage, covering, format_coverage
from .decision import RecommendationRule, recommendation_rule
from .gap import GapResult, gap_analysis
from .load import load_design
from .model import UNKNOWN_TYPE, Design, Goal, KPIDef, Role, RoleKPI
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
    "COVERAGE_TOLERANCE",
    "covering",
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
    "RecommendationRule",
    "recommendation_rule",
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
    "UNKNOWN_TYPE",
]
