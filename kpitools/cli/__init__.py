"""The ``kpitools`` command line: click commands that parse options and call the API.

Nothing here computes anything. One module per verb group, each imported only when its
verb runs (:class:`~kpitools.cli.lazy.LazyGroup`), so ``kpitools --help`` answers at once:

- ``demo``: the demo company (:mod:`kpitools.cli.demo`);
- ``data check | aggregate | timing`` (:mod:`kpitools.cli.data`);
- ``design check | cascade | suggest`` (:mod:`kpitools.cli.design`);
- ``simulate`` and ``calibrate`` (:mod:`kpitools.cli.simulate`);
- ``report`` and ``batch`` (:mod:`kpitools.cli.report`);
- ``app``: the what-if dashboard (:mod:`kpitools.cli.app`).

:func:`main` is the console script. Errors raised on purpose (:class:`KpitoolsError`) print
one clear message and exit with their code (2 for bad input), never a traceback; Ctrl-C
prints ``Interrupted.`` and exits 130.

Examples
--------
>>> main(["--version"])  # doctest: +SKIP
kpitools, version 0.1.0
0
"""

from __future__ import annotations

import os
import traceback

import click

from ..errors import KpitoolsError
from .lazy import LazyCommand, LazyGroup
from .options import CONTEXT

__all__ = ["VERBS", "cli", "main"]


def _verb(module: str, attribute: str, short_help: str) -> LazyCommand:
    return LazyCommand(f"{__name__}.{module}", attribute, short_help)


#: Each verb of ``kpitools``: its module and command there, and the first line of its help.
VERBS = {
    "app": _verb(
        "app", "app", "Serve the what-if dashboard (Voilà, no code) on localhost; Ctrl-C stops it."
    ),
    "batch": _verb(
        "report", "batch", "Make reports for every client of a batch manifest, in parallel."
    ),
    "calibrate": _verb(
        "simulate", "calibrate_command", "Solve one scheme parameter so that a metric hits a value."
    ),
    "data": _verb("data", "data", "Load, check and aggregate historical performance data."),
    "demo": _verb("demo", "demo", "Generate the demo company, check its data and summarise it."),
    "design": _verb("design", "design", "Goals, driver cascades and KPI sets per role."),
    "report": _verb(
        "report", "report", "Make a client-ready report (HTML, PDF, XLSX) through papermill."
    ),
    "simulate": _verb(
        "simulate",
        "simulate_command",
        "Run bonus schemes against historical data; print and save their metrics.",
    ),
}


@click.group(cls=LazyGroup, lazy_commands=VERBS, context_settings=CONTEXT)
@click.version_option(package_name="kpitools")
def cli() -> None:
    """kpitools: design KPI systems and bonus schemes, and report them to clients.

    \b
    Quick start:
      kpitools demo --out reports/demo
      kpitools data check data.csv
    """


def _internal_error(exc: Exception) -> int:
    """The last line of defence: a short message that asks for a bug report, exit 3."""
    if os.environ.get("KPITOOLS_DEBUG"):
        traceback.print_exc()
    click.echo(
        f"Internal error: {type(exc).__name__}: {exc}\n"
        "This is a bug in kpitools. Run again with KPITOOLS_DEBUG=1 to see the traceback "
        "and report it.",
        err=True,
    )
    return 3


def _os_error(exc: OSError) -> str:
    """An error of the file system as one clear message naming the path."""
    where = exc.filename if exc.filename is not None else "a file"
    what = exc.strerror or str(exc)
    return (
        f"Error: {where}: {what}.\n"
        "Suggestion: check that the output folder's parent exists and is a folder you can "
        "write to (not a file), and that the disk has room; nothing was written there."
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script: clear messages instead of tracebacks.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after ``kpitools`` (default: the command line's).

    Returns
    -------
    int
        The exit code: 0 success, 1 checks found errors or reports failed, 2 bad usage or
        bad input, 3 a bug in kpitools, 130 interrupted.
    """
    try:
        # outside standalone mode click returns ctx.exit(code)'s code instead of exiting
        rv = cli.main(args=argv, prog_name="kpitools", standalone_mode=False)
        if isinstance(rv, int) and not isinstance(rv, bool):
            return rv
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:  # click's name for Ctrl-C (KeyboardInterrupt)
        click.echo("Interrupted.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return 2
    except KpitoolsError as exc:
        click.echo(f"Error: {exc}", err=True)
        return exc.exit_code
    except OSError as exc:  # a folder that cannot be made or written, a disk that is full
        click.echo(_os_error(exc), err=True)
        return 2
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except Exception as exc:  # noqa: BLE001 - last line of defence: never a bare traceback
        return _internal_error(exc)
    return 0
