"""kpitools.report: client reports made by running the report notebook, one client or a batch.

What happens where:

- the report's content: :func:`build_context` (:mod:`.context`) checks the data (joined
  with a roster, filtered), solves the design and simulates the schemes once (roster,
  filter, groups and scheme overrides: :mod:`.scope`); the sections (:mod:`.sections`, by
  theme in :mod:`.summary`, :mod:`.goals`, :mod:`.history`, :mod:`.schemes`,
  :mod:`.groups`, :mod:`.quality`) turn it into blocks (:mod:`.blocks`); the decision
  rule's outcome (``recommendation.json``) is put in words by :mod:`.recommendation`;
  ``payouts.xlsx`` comes from :func:`write_workbook` (:mod:`.xlsx`), pay statements from
  :func:`write_statements` (:mod:`.statements`);
- one report: :func:`make_report` checks its settings (:mod:`.params`, :mod:`.branding`,
  :mod:`.job`) and reads its input files as ``kpitools simulate`` does (:mod:`.inputs`: a
  bad input stops it with simulate's message), runs the notebook with papermill
  (:mod:`.run`, :mod:`.kernel`) and writes
  each output format registered in :data:`OUTPUT_FORMATS` (:mod:`.formats`: HTML and PDF
  through :mod:`.render`), atomically (:mod:`.folders`), with a ``manifest.json``
  (:mod:`.provenance`);
- a batch: :func:`run_batch` reads the manifest (:mod:`.manifest`), plans and runs every
  client (:mod:`.batch`) on an executor registered in :data:`EXECUTORS`
  (:mod:`.executors`, with warm kernels from :mod:`.zygote`), skipping up-to-date
  reports with ``resume=True`` (:mod:`.resume`).

Examples
--------
>>> from kpitools.report import make_report, run_batch
>>> make_report("Acme", data="data.csv", design="design.yaml",
...             schemes=["scheme.yaml"], out="reports")  # doctest: +SKIP
>>> run_batch("templates/batch/manifest.yaml", "reports/batch").ok  # doctest: +SKIP
True
"""

from __future__ import annotations

from .batch import BatchInterruptedError, BatchResult, plan_batch, run_batch
from .blocks import Figure, esc, money, pct, render_blocks, show
from .branding import BRANDING_DEFAULTS, validate_branding
from .context import DEMO_DESIGN, DEMO_SCHEMES, ReportContext, build_context
from .executors import EXECUTORS, get_executor, register_executor
from .folders import clean_stale_temp
from .formats import OUTPUT_FORMATS, REPORT_FORMATS, OutputFormat, Rendering, check_formats
from .job import ReportJob, default_notebook_path, prepare_job
from .manifest import BatchManifest, load_manifest
from .params import parse_param_options, parse_rule_options, validate_parameters
from .provenance import file_sha256, kpitools_sha256
from .recommendation import (
    RECOMMENDATION_FILE,
    read_recommendation,
    recommendation_blocks,
    summary_sentences,
    write_recommendation,
)
from .render import default_template_dir, render_html, write_pdf
from .resume import is_up_to_date, stale_reason
from .run import ReportFailedError, ReportResult, make_report, run_job
from .sections import (
    SECTIONS,
    cap_and_outliers,
    cost_by_group,
    data_quality,
    deal_timing,
    example_pay,
    executive_summary,
    forecast_risk,
    gaming_stress,
    goals_and_cascade,
    history_and_weak_spots,
    kpi_set_check,
    mechanics_in_use,
    method_and_assumptions,
    recommendation,
    scheme_comparison,
    summary_page,
    winners_and_losers,
)
from .statements import write_report_statements, write_statements
from .xlsx import workbook_tables, write_workbook, write_xlsx

__all__ = [
    "BRANDING_DEFAULTS",
    "BatchInterruptedError",
    "BatchManifest",
    "BatchResult",
    "DEMO_DESIGN",
    "DEMO_SCHEMES",
    "EXECUTORS",
    "Figure",
    "OUTPUT_FORMATS",
    "OutputFormat",
    "REPORT_FORMATS",
    "Rendering",
    "ReportContext",
    "ReportFailedError",
    "ReportJob",
    "ReportResult",
    "SECTIONS",
    "build_context",
    "cap_and_outliers",
    "check_formats",
    "clean_stale_temp",
    "cost_by_group",
    "data_quality",
    "deal_timing",
    "default_notebook_path",
    "default_template_dir",
    "esc",
    "example_pay",
    "executive_summary",
    "gaming_stress",
    "file_sha256",
    "forecast_risk",
    "get_executor",
    "goals_and_cascade",
    "history_and_weak_spots",
    "is_up_to_date",
    "kpi_set_check",
    "kpitools_sha256",
    "load_manifest",
    "make_report",
    "mechanics_in_use",
    "method_and_assumptions",
    "money",
    "parse_param_options",
    "parse_rule_options",
    "pct",
    "plan_batch",
    "prepare_job",
    "RECOMMENDATION_FILE",
    "read_recommendation",
    "recommendation",
    "recommendation_blocks",
    "register_executor",
    "render_blocks",
    "render_html",
    "run_batch",
    "run_job",
    "scheme_comparison",
    "show",
    "stale_reason",
    "summary_page",
    "summary_sentences",
    "validate_branding",
    "validate_parameters",
    "winners_and_losers",
    "workbook_tables",
    "write_pdf",
    "write_recommendation",
    "write_report_statements",
    "write_statements",
    "write_workbook",
    "write_xlsx",
]
