"""Settings and options shared by the ``kpitools`` commands.

Kept apart from the commands so that ``kpitools --help`` can build the root group from
them without importing any command module (and with it pandas).
"""

from __future__ import annotations

import click

__all__ = [
    "CONTEXT",
    "by_option",
    "currency_option",
    "library_option",
    "raw_csv_option",
    "roster_option",
    "strict_option",
    "sum_duplicates_option",
    "where_option",
]

#: click context settings of every command: ``-h`` as well as ``--help``, 100 columns.
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

#: ``--library FILE`` (repeatable): the user's own KPI library files, passed as ``library_files``.
library_option = click.option(
    "--library",
    "library_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="Your own KPI library file, added to the built-in one (repeat).",
)

#: ``--roster FILE``: who is who (team, region, manager, hire and leave dates, FTE, pay).
roster_option = click.option(
    "--roster",
    type=click.Path(dir_okay=False),
    help="Roster (CSV/XLSX, one row per employee): joined to the data by employee.",
)

#: ``--where EXPR``: only the rows where a filter holds.
where_option = click.option(
    "--where",
    help='Only rows where this holds, e.g. "region == East" or "team in [A, B]".',
)

#: ``--by COLUMN`` (repeatable): metrics per group value.
by_option = click.option(
    "--by",
    "by",
    multiple=True,
    help="Also the metrics per value of this column (team, region, a roster column; repeat).",
)

#: ``--raw-csv``: CSV cells exactly as they are, without the formula escaping.
raw_csv_option = click.option(
    "--raw-csv",
    is_flag=True,
    help="Write CSV cells as they are (for scripts): no leading ' before = + - @ in text.",
)

#: ``--strict``: implausible values are errors, not warnings.
strict_option = click.option(
    "--strict",
    is_flag=True,
    help="Treat implausible values (outliers, values beyond a KPI's limits) as errors.",
)

#: ``--currency CODE``: the run's currency, over the ``currency:`` of its scheme and design files.
currency_option = click.option(
    "--currency",
    metavar="CODE",
    help="The run's currency (ISO 4217, e.g. USD): overrides currency: in the scheme and "
    "design files; every money figure carries it.",
)

#: ``--sum-duplicates``: duplicate employee × period × KPI rows summed, not an error.
sum_duplicates_option = click.option(
    "--sum-duplicates",
    is_flag=True,
    help="Sum duplicate employee×period×KPI rows (a warning lists them) instead of stopping.",
)
