"""``kpitools app``: the what-if dashboard, on the user's data or the demo company's.

The dashboard itself is :func:`kpitools.whatif.serve`. Without ``--data`` the command
writes the demo company's long table into a temporary folder and serves the dashboard on
it: the demo company is this layer's to know, not the what-if explorer's.
"""

from __future__ import annotations

import tempfile

import click

from ..demo import make_demo_company
from ..whatif import serve
from .options import CONTEXT

__all__ = ["app"]


@click.command(context_settings=CONTEXT)
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default 8866, else free).")
@click.option("--no-browser", is_flag=True, help="Do not open the dashboard in a browser.")
@click.option("--data", "data_file", help="Historical data (default: the demo company).")
@click.option("--scheme", help="Scheme YAML or template name (default: weighted_scorecard).")
def app(port: int | None, no_browser: bool, data_file: str | None, scheme: str | None) -> None:
    """Serve the what-if dashboard (Voilà, no code) on localhost; Ctrl-C stops it.

    \b
    Example:
      kpitools app --port 8866 --no-browser
    """
    with tempfile.TemporaryDirectory(prefix="kpitools-app-") as folder:
        if data_file is None:
            data_file = str(make_demo_company().write(folder)["data"])
        code = serve(
            port=port, open_browser=not no_browser, data=data_file, scheme=scheme, echo=click.echo
        )
    if code:
        raise SystemExit(code)
