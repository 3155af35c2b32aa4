"""``kpitools app``: the what-if notebook served as a dashboard (Voilà, no code visible).

The dashboard is ``notebooks/02_scheme_whatif.ipynb`` rendered by Voilà on localhost: the
client's managers move the sliders of a :class:`kpitools.whatif.SchemeExplorer` in their
browser and never see a line of code. Data and scheme default to the notebook's own (the
demo company and the weighted scorecard); ``data``, ``scheme`` and ``roster`` pass others to
the notebook through the environment (:mod:`kpitools.whatif.inputs`).

Examples
--------
>>> voila_command(Path("whatif.ipynb"), 8866, open_browser=False)[3:7]
['whatif.ipynb', '--port=8866', '--Voila.ip=127.0.0.1', '--no-browser']
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._util.files import shipped
from ..engine import load_inputs, run_scheme
from ..errors import DefinitionError, KpitoolsError
from .inputs import DEFAULT_SCHEME, ENV_DATA, ENV_ROSTER, ENV_SCHEME, resolve_template

__all__ = [
    "DEFAULT_PORT",
    "WHATIF_NOTEBOOK",
    "default_notebook",
    "free_port",
    "serve",
    "voila_command",
]

DEFAULT_PORT = 8866
WHATIF_NOTEBOOK = "02_scheme_whatif.ipynb"
_START_TIMEOUT = 60.0  # seconds to wait for Voilà to listen


def default_notebook() -> Path:
    """The what-if notebook of the source tree (``notebooks/02_scheme_whatif.ipynb``).

    Raises
    ------
    DefinitionError
        When the notebook is not there (an installed package without the notebooks).

    Examples
    --------
    >>> default_notebook().name
    '02_scheme_whatif.ipynb'
    """
    path = shipped("notebooks", WHATIF_NOTEBOOK)
    if not path.is_file():
        raise DefinitionError(
            f"The what-if notebook is not found at {path}.\n"
            "Suggestion: reinstall kpitools (pip install --force-reinstall kpitools), or run "
            f"kpitools app from a source checkout (it serves notebooks/{WHATIF_NOTEBOOK})."
        )
    return path


# --------------------------------------------------------------------------- ports
def free_port() -> int:
    """A TCP port on localhost that nothing listens on right now.

    Examples
    --------
    >>> 1024 <= free_port() <= 65535
    True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _choose_port(port: int | None) -> int:
    """The port asked for if it is free (an error if not); else 8866 if free, else any."""
    if port is None:
        return DEFAULT_PORT if _port_free(DEFAULT_PORT) else free_port()
    if not _port_free(port):
        raise KpitoolsError(
            f"Port {port} on localhost is already in use.\n"
            "Suggestion: pass another --port, or leave it out to take a free one."
        )
    return port


# --------------------------------------------------------------------------- inputs
def _require_voila() -> None:
    try:
        import voila  # noqa: F401 - an optional server: only checked for, never used here
    except ImportError:
        raise KpitoolsError(
            "kpitools app needs Voilà, which is not installed.\n"
            "Suggestion: pip install 'voila>=0.5'."
        ) from None


def _notebook_env(data: str | None, scheme: str | None, roster: str | None) -> dict[str, str]:
    """The environment of Voilà: ours, plus the data, scheme and roster files for the notebook.

    Values of these variables left in the user's shell are dropped: the notebook gets only
    the files given to this call.
    """
    env = {k: v for k, v in os.environ.items() if k not in (ENV_DATA, ENV_SCHEME, ENV_ROSTER)}
    for value, name, what in ((data, ENV_DATA, "data"), (roster, ENV_ROSTER, "roster")):
        if value is not None:
            if not Path(value).is_file():
                raise DefinitionError(
                    f"{value}: {what} file not found.\nSuggestion: check the path."
                )
            env[name] = str(Path(value).resolve())
    if scheme is not None:
        env[ENV_SCHEME] = str(resolve_template(scheme, "schemes").resolve())
    return env


def _check_inputs(data: Any, scheme: str | None, roster: str | None = None) -> None:
    """Run the scheme on the data (and roster) once, so that a mismatch is told here.

    Raises the :class:`KpitoolsError` the notebook would show (a KPI not in the data, no
    usable target, a roster that cannot be read …) before Voilà starts, not in the page.
    """
    with warnings.catch_warnings():  # data warnings are `kpitools data check`'s, as in the page
        warnings.simplefilter("ignore")
        scheme_file = resolve_template(scheme or DEFAULT_SCHEME, "schemes")
        if roster is None:
            run_scheme(data, scheme_file)
            return
        # as the explorer does: the roster's columns joined to the data first
        table, _notes, loaded = load_inputs(data, library=None, roster=roster)
        run_scheme(table, scheme_file, roster=loaded)


# --------------------------------------------------------------------------- Voilà
def voila_command(notebook: Path, port: int, *, open_browser: bool) -> list[str]:
    """The Voilà command line: localhost only, sources stripped, no tracebacks to clients.

    Examples
    --------
    >>> voila_command(Path("nb.ipynb"), 9000, open_browser=True)[-3:]
    ['--strip_sources=True', '--show_tracebacks=False', '--theme=light']
    """
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
    ]
    if not open_browser:
        cmd.append("--no-browser")
    cmd += ["--strip_sources=True", "--show_tracebacks=False", "--theme=light"]
    return cmd


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _wait_until_listening(proc: subprocess.Popen, port: int) -> None:
    """Wait for Voilà to listen; an error if it stops or takes too long."""
    deadline = time.monotonic() + _START_TIMEOUT
    while not _listening(port):
        if proc.poll() is not None:
            raise KpitoolsError(
                f"Voilà stopped (exit code {proc.returncode}) before it served the "
                "dashboard.\nSuggestion: see its messages above."
            )
        if time.monotonic() > deadline:
            raise KpitoolsError(
                f"Voilà did not listen on port {port} within {_START_TIMEOUT:.0f} s.\n"
                "Suggestion: try again, or pass another --port."
            )
        time.sleep(0.2)


def _stop(proc: subprocess.Popen) -> None:
    """Stop Voilà if it still runs: politely, then for good after 10 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _run(proc: subprocess.Popen, port: int, echo: Callable[[str], None]) -> int:
    """Tell the address once Voilà listens, and wait for it; Ctrl-C or SIGTERM stop it."""
    # A terminated kpitools app (SIGTERM) stops Voilà too, as Ctrl-C does.
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if main else None
    try:
        _wait_until_listening(proc, port)
        echo(f"What-if dashboard: http://localhost:{port}/  (Ctrl-C to stop)")
        return proc.wait()
    except KeyboardInterrupt:
        echo("Stopping the dashboard.")
        return 0
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
        _stop(proc)


def serve(
    *,
    port: int | None = None,
    open_browser: bool = True,
    data: str | None = None,
    scheme: str | None = None,
    roster: str | None = None,
    default_data: Any = None,
    echo: Callable[[str], None] = print,
) -> int:
    """Serve the what-if dashboard with Voilà until interrupted; return Voilà's exit code.

    Parameters
    ----------
    port : int, optional
        Port on localhost; 8866 when free, else any free port.
    open_browser : bool
        Open the dashboard in the default browser.
    data, scheme : str, optional
        A data file and a scheme file (or template name) for the notebook instead of its
        defaults (the demo company and the weighted scorecard). Given either, the scheme is
        run on the data once before Voilà starts, so that a mismatch is told here.
    roster : str, optional
        A roster file for the explorer (proration from hire and leave dates, pay per person,
        teams and managers); checked with the data before Voilà starts.
    default_data : DataFrame, optional
        The notebook's default data, which a ``scheme`` given without ``data`` is checked on
        (the command line passes the demo company). Without it such a scheme is checked only
        when the page runs it.
    echo : callable
        Where the address and messages go.

    Raises
    ------
    KpitoolsError
        Voilà is not installed, the port is taken, a file is missing, the scheme cannot run
        on the data (with the roster), or Voilà stopped before it listened.

    Examples
    --------
    >>> serve(port=8866, open_browser=False)  # doctest: +SKIP
    What-if dashboard: http://localhost:8866/  (Ctrl-C to stop)
    """
    _require_voila()
    if roster is not None and data is None:
        raise DefinitionError(
            "roster: a roster goes with the data it belongs to; without data the dashboard "
            "shows the demo company, which has its own.\nSuggestion: pass data= too."
        )
    notebook = default_notebook()
    env = _notebook_env(data, scheme, roster)
    if data is not None or scheme is not None or roster is not None:
        checked_on = env.get(ENV_DATA) or default_data
        if checked_on is not None:
            _check_inputs(checked_on, env.get(ENV_SCHEME), env.get(ENV_ROSTER))
    port = _choose_port(port)
    proc = subprocess.Popen(
        voila_command(notebook, port, open_browser=open_browser),
        cwd=notebook.parent,
        env=env,
    )
    return _run(proc, port, echo)
