"""``kpitools app``: the what-if dashboard, on the user's data or the demo company's.

The dashboard itself is :func:`kpitools.whatif.serve`. Without ``--data`` the command
writes the demo company's long table and roster into a temporary folder and serves the
dashboard on them: the demo company is this layer's to know, not the what-if explorer's.
"""

from __future__ import annotations

import tempfile

import click

from ..demo import make_demo_company
from ..errors import DefinitionError
from ..whatif import serve
from .options import CONTEXT, roster_option

__all__ = ["app"]


@click.command(context_settings=CONTEXT)
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default 8866, else free).")
@click.option("--no-browser", is_flag=True, help="Do not open the dashboard in a browser.")
@click.option("--data", "data_file", help="Historical data (default: the demo company).")
@click.option("--scheme", help="Scheme YAML or template name (default: weighted_scorecard).")
@roster_option
def app(
    port: int | None,
    no_browser: bool,
    data_file: str | None,
    scheme: str | None,
    roster: str | None,
) -> None:
    """Serve the what-if dashboard (Voilà, no code) on localhost; Ctrl-C stops it.

    With --roster the explorer prorates pay for hires and leavers, takes each person's
    on-target pay from it and knows teams and managers (as kpitools simulate does).

    \b
    Example:
      kpitools app --port 8866 --no-browser
      kpitools app --data data.csv --roster roster.csv --scheme new_hire_draw
    """
    if roster is not None and data_file is None:
        raise DefinitionError(
            "--roster: a roster goes with its own data, and without --data the dashboard "
            "shows the demo company, which has its roster already.\n"
            "Suggestion: give the data the roster belongs to (--data FILE --roster FILE)."
        )
    with tempfile.TemporaryDirectory(prefix="kpitools-app-") as folder:
        if data_file is None:
            written = make_demo_company().write(folder)
            data_file, roster = str(written["data"]), str(written["roster"])
        code = serve(
            port=port,
            open_browser=not no_browser,
            data=data_file,
            scheme=scheme,
            roster=roster,
            echo=click.echo,
        )
    if code:
        raise SystemExit(code)
