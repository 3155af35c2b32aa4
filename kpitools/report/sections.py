"""The report's sections, in the order the report shows them.

Each section is a function of the report's context (:class:`ReportContext`) returning a
list of blocks (:mod:`kpitools.report.blocks`); an empty list leaves the section out. The
report notebook (``notebooks/03_client_report.ipynb``) stays thin: it builds the context
from its parameters and shows each section. The sections live in modules by theme:
:mod:`~kpitools.report.summary`, :mod:`~kpitools.report.goals`,
:mod:`~kpitools.report.history`, :mod:`~kpitools.report.schemes`,
:mod:`~kpitools.report.groups`, :mod:`~kpitools.report.winners`,
:mod:`~kpitools.report.examples`, :mod:`~kpitools.report.extremes`,
:mod:`~kpitools.report.mechanics`, :mod:`~kpitools.report.stress` and
:mod:`~kpitools.report.quality`.

A notebook of its own can follow the shipped one: ``from kpitools.report import sections as
rs``, then ``rs.build_context``, ``rs.show`` of each section and ``rs.write_workbook``; these
names are here for it.

Examples
--------
>>> [section.__name__ for section in SECTIONS][:3]
['executive_summary', 'goals_and_cascade', 'kpi_set_check']
"""

from __future__ import annotations

from .blocks import Figure, esc, money, pct, render_blocks, show
from .context import DEMO_DESIGN, DEMO_SCHEMES, ReportContext, build_context
from .examples import example_pay
from .extremes import cap_and_outliers
from .goals import goals_and_cascade, kpi_set_check
from .groups import cost_by_group
from .history import deal_timing, history_and_weak_spots
from .mechanics import mechanics_in_use
from .quality import data_quality, method_and_assumptions
from .schemes import forecast_risk, recommendation, scheme_comparison
from .stress import gaming_stress
from .summary import executive_summary
from .summary_page import summary_page
from .winners import winners_and_losers
from .xlsx import workbook_tables, write_workbook

__all__ = [
    "DEMO_DESIGN",
    "DEMO_SCHEMES",
    "Figure",
    "ReportContext",
    "SECTIONS",
    "build_context",
    "cap_and_outliers",
    "cost_by_group",
    "data_quality",
    "deal_timing",
    "esc",
    "example_pay",
    "executive_summary",
    "forecast_risk",
    "gaming_stress",
    "goals_and_cascade",
    "history_and_weak_spots",
    "kpi_set_check",
    "mechanics_in_use",
    "method_and_assumptions",
    "money",
    "pct",
    "recommendation",
    "render_blocks",
    "scheme_comparison",
    "show",
    "summary_page",
    "winners_and_losers",
    "workbook_tables",
    "write_workbook",
]

#: The report's sections, in order.
SECTIONS = (
    executive_summary,
    goals_and_cascade,
    kpi_set_check,
    history_and_weak_spots,
    scheme_comparison,
    winners_and_losers,
    example_pay,
    cost_by_group,
    cap_and_outliers,
    mechanics_in_use,
    gaming_stress,
    recommendation,
    forecast_risk,
    data_quality,
    method_and_assumptions,
)
