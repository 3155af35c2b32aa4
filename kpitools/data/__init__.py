"""Historical performance data: read, validate, reshape and save the long table.

Also the KPI library (what each KPI is), event tables aggregated by measures, and periods
with their roll-up.

The canonical ("long") table has one row per employee × period × KPI::

    employee  period   kpi      actual   target  role  team  region  manager
    "007"     2025-01  revenue  120000.0  1e5    ...

``employee`` is text (``007`` stays ``007``), ``period`` is ``YYYY-MM`` (dates are
floored to their month) or ``YYYY-Qn`` for quarterly data, ``actual`` and ``target``
are floats (``target`` NaN where none). File order is kept.

Sources: CSV (``,``/``;``/tab delimited, decimal point or decimal comma, UTF-8 with or
without BOM, or cp1251), XLSX, Parquet, or a DataFrame; long or wide. Every problem is
collected (never only the first) and reported with the row number as the user sees it
in the file: the header of a CSV is line 1, so the first data row is row 2; in an XLSX
file it is the spreadsheet row; in Parquet the 1-based record number; for a DataFrame
the index label.

Choices written down here (a consultant's expectations):

- Blank lines are skipped; they are not data and keep row numbers exact.
- A *long* table with an empty ``actual`` is an error. In a *wide* table an empty
  cell means "no value for this KPI" (a role without that KPI): no row is made and the
  cells are reported as a warning.
- In a ``;`` or tab delimited CSV, and in XLSX text cells, a comma is the decimal
  separator (``1 234,5``); in a ``,`` delimited CSV a comma can only be a thousands
  separator inside quotes (``"1,234.5"``). Spaces inside numbers are thousands separators.
- Numbers as spreadsheets and CRMs export them are read, and each column that had such
  cells gets one warning listing them (``row 2 ('35%' → 0.35)``): a percentage becomes
  a fraction (``35%`` → 0.35, as percent KPIs are stored), a currency sign or code
  before or after the amount is dropped (``$ € £ ¥ ₽ ₸ ₴ руб. р. RUB USD EUR GBP CHF
  CNY JPY KZT UAH BYN``), accounting brackets make it negative (``(1,234)`` →
  -1234), as does SAP's trailing minus (``1.234,50-``); a currency with a dash alone
  is Excel's accounting zero (``$ -`` → 0). A Unicode minus (``−12``) and exponents
  (``1.2E+03``) are plain numbers; ``1,234.50`` and ``1.234,50`` (both separators)
  are read in any file. A number above 1 in a KPI whose other cells are written with
  % is kept as written and named in a warning (``12`` next to ``35%``: 12% or
  1,200%?); with a library, so is a percent KPI whose plain values are mostly above
  2 (``35`` typed for 35%).
- Excel error values (``#N/A``, ``#DIV/0!``, ``#VALUE!``, ``#REF!`` …) are errors of
  their own, not "not a number". In XLSX, a formula without a calculated value (a
  workbook written by a script) is an error, never an empty cell: the workbook is
  read a second time, with its formulas, only when a number column has empty cells.
- With ``duplicates="sum"`` duplicate employee × period × KPI rows are summed (the
  target is the first one given) and reported as a warning.
- Periods: ``2025-01``, ``2025-1``, ``2025/01``, ``202501``, ``01.2025``, ``Jan 2025``,
  dates and datetimes (``2025-01-15``, ``2025-01-15 00:00:00.000``, ``15.01.2025``,
  US ``1/15/2025``) become ``YYYY-MM``; ``2025Q1``, ``2025-Q1``, ``2025-q1``, ``Q1 2025``
  become ``YYYY-Qn``. Monthly and quarterly rows in one table are allowed (a KPI measured
  quarterly) but reported as a warning.
- Columns other than the canonical ones are ignored with a warning; in a wide table a
  column without any number is not a KPI (warning).
- A CSV record must fit on one line (no line breaks inside quoted values), which keeps
  line numbers and row numbers the same.
- Excel's first line ``sep=;`` (or ``sep=,``, ``sep=<tab>``) names the delimiter; it is
  skipped, so the header is line 2 and the first data row is row 3.
- A title above the header (``KPI for January``, then blank rows) is not skipped: the
  error names the row that holds the column names and asks to delete the rows above.
- XLSX employee ids typed as numbers become text (``7`` → ``"7"``, never ``"7.0"``);
  when other ids of the column keep leading zeros (``"007"``) the numeric cells are a
  warning, as Excel drops the zeros of ids typed as numbers.
- Two CSV readers, one result. A fast one (pandas' C parser, about 1.5× a bare
  ``pandas.read_csv``) takes the files it reads exactly as the careful one (arrow,
  which knows every line number) does; anything unusual goes to the careful one: a
  field too many or too few, blank lines, number cells that are not plain numbers
  (thousands separators, units, text, True/False, infinities), a line break inside
  quotes, bytes that are not UTF-8 after the first 64 KB. pandas pads a short row
  with empty cells, so empty cells in the *last* column are only accepted when the
  line ends in the file prove each of those rows complete. Ids such as ``007`` that
  look numeric stay with the fast reader, read as text. Tests compare both readers
  on the same files.

Examples
--------
>>> from kpitools.data import load, check
>>> df = load("history.csv")  # doctest: +SKIP
>>> print(check("history.xlsx", sheet="2025"))  # doctest: +SKIP
"""

from __future__ import annotations

from .cells import parse_dates, parse_periods
from .columns import ATTRIBUTES, CANONICAL_COLUMNS, normalise_column
from .conditions import Condition, apply_filter, parse_conditions
from .events import aggregate_events, run_aggregation
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
    resolve_library,
)
from .load import check, join_and_filter, load
from .measures import Aggregate, Ratio, parse_measure, parse_measures
from .periods import (
    KINDS,
    convert,
    format_period,
    format_periods,
    lag_year,
    months_in,
    parse_period,
    parse_range,
    period_ordinals,
    periods_in_scope,
    select,
    unique_sorted,
)
from .quality import DataQualityReport
from .reshape import check_output_path, from_wide, save, to_wide
from .rollup import RollUp, ratio_inputs, roll_up
from .roster import ROSTER_PRORATION, Roster, join_roster, load_roster

__all__ = [
    "Aggregate",
    "aggregate_events",
    "AGGREGATIONS",
    "apply_filter",
    "AREAS",
    "ATTRIBUTES",
    "CANONICAL_COLUMNS",
    "check",
    "check_output_path",
    "compute_formula_kpis",
    "Condition",
    "convert",
    "DataQualityReport",
    "default_library_path",
    "DIRECTIONS",
    "format_period",
    "format_periods",
    "from_wide",
    "join_and_filter",
    "join_roster",
    "KINDS",
    "KPI",
    "lag_year",
    "LEVELS",
    "Library",
    "load",
    "load_library",
    "load_roster",
    "months_in",
    "normalise_column",
    "Override",
    "parse_conditions",
    "parse_dates",
    "parse_measure",
    "parse_measures",
    "parse_period",
    "parse_periods",
    "parse_range",
    "period_ordinals",
    "periods_in_scope",
    "Ratio",
    "ratio_inputs",
    "resolve_library",
    "roll_up",
    "RollUp",
    "Roster",
    "ROSTER_PRORATION",
    "run_aggregation",
    "save",
    "select",
    "to_wide",
    "TYPES",
    "unique_sorted",
    "UNITS",
]
