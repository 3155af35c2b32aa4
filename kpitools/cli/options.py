"""Settings and options shared by the ``kpitools`` commands.

Kept apart from the commands so that ``kpitools --help`` can build the root group from
them without importing any command module (and with it pandas).
"""

from __future__ import annotations

import click

__all__ = ["CONTEXT", "library_option"]

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
