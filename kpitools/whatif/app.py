"""``kpitools app``: the what-if notebook served as a dashboard (Voilà, no code visible).

The dashboard is ``notebooks/02_scheme_whatif.ipynb`` rendered by Voilà on localhost: the
client's managers move the sliders of a :class:`kpitools.whatif.SchemeExplorer` in their
browser and never see a line of code. Data and scheme default to the demo company and the
weighted scorecard; ``--data`` and ``--scheme`` pass others to the notebook through the
environment (``KPITOOLS_APP_DATA``, ``KPITOOLS_APP_SCHEME``), which the notebook reads with
:func:`whatif_inputs`.

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
from ..errors import DefinitionError, KpitoolsError

__all__ = [
    "DEFAULT_PORT",
    "DEFAULT_SCHEME",
    "WHATIF_NOTEBOOK",
    "default_notebook",
    "free_port",
    "resolve_template",
    "serve",
    "voila_command",
    "whatif_inputs",
]

DEFAULT_PORT = 8866
WHATIF_NOTEBOOK = "02_scheme_whatif.ipynb"
DEFAULT_SCHEME = "weighted_scorecard.yaml"
ENV_DATA = "KPITOOLS_APP_DATA"
ENV_SCHEME = "KPITOOLS_APP_SCHEME"
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


def resolve_template(name: str | os.PathLike, kind: str = "schemes") -> Path:
    """A file path as given if it exists, else the file of that name in ``templates/<kind>/``.

    Examples
    --------
    >>> resolve_template("weighted_scorecard.yaml").name
    'weighted_scorecard.yaml'
    """
    path = Path(name)
    if path.is_file():
        return path
    folder = shipped("templates", kind)
    candidate = folder / path.name
    if candidate.is_file():
        return candidate
    known = sorted(p.name for p in folder.glob("*.yaml")) if folder.is_dir() else []
    from ..errors import did_you_mean

    raise DefinitionError(
        f"{name}: no such file, and no template of that name in {folder}."
        f"{did_you_mean(path.name, known)}\n"
        f"Suggestion: give a path to a {kind[:-1]} file, or one of: "
        f"{', '.join(known) or '(none)'}."
    )


def whatif_inputs(
    data: Any = None,
    scheme: str | os.PathLike = DEFAULT_SCHEME,
    *,
    n_employees: int = 60,
    seed: int | None = None,
) -> tuple[Any, Path]:
    """The data and scheme file of the what-if notebook, as its parameters and the app say.

    ``KPITOOLS_APP_DATA`` / ``KPITOOLS_APP_SCHEME`` (set by ``kpitools app --data/--scheme``)
    override the parameters; no data means the demo company.

    Returns
    -------
    (DataFrame or path, pathlib.Path)
        The data to pass to :class:`~kpitools.whatif.SchemeExplorer`, and the scheme file.

    Examples
    --------
    >>> data, scheme = whatif_inputs(n_employees=12)  # doctest: +SKIP
    """
    data = os.environ.get(ENV_DATA) or data
    scheme = os.environ.get(ENV_SCHEME) or scheme
    if data is None:
        from ..demo import DEFAULT_SEED, make_demo_company

        seed = DEFAULT_SEED if seed is None else seed
        data = make_demo_company(seed, n_employees=n_employees).data
    return data, resolve_template(scheme, "schemes")


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


def voila_command(notebook: Path, port: int, *, open_browser: bool) -> list[str]:
    """The Voilà command line: localhost only, sources stripped, no tracebacks to clients."""
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


def _check_inputs(data: str | None, scheme: str | None) -> None:
    """Run the scheme on the data once, so that a mismatch is told here, not in the page.

    Raises the :class:`KpitoolsError` the notebook would show (a KPI not in the data, no
    usable target …) before Voilà starts.
    """
    from ..engine import run_scheme

    if data is None:
        from ..demo import DEFAULT_SEED, make_demo_company

        data = make_demo_company(DEFAULT_SEED).data
    with warnings.catch_warnings():  # data warnings are `kpitools data check`'s, as in the page
        warnings.simplefilter("ignore")
        run_scheme(data, resolve_template(scheme or DEFAULT_SCHEME, "schemes"))


def serve(
    *,
    port: int | None = None,
    open_browser: bool = True,
    data: str | None = None,
    scheme: str | None = None,
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
        A data file and a scheme file (or template name) for the notebook instead of the
        demo company and the weighted scorecard.
    echo : callable
        Where the address and messages go.

    Raises
    ------
    KpitoolsError
        Voilà is not installed, the port is taken, a file is missing, or Voilà stopped
        before it listened.

    Examples
    --------
    >>> serve(port=8866, open_browser=False)  # doctest: +SKIP
    What-if dashboard: http://localhost:8866/  (Ctrl-C to stop)
    """
    try:
        import voila  # noqa: F401
    except ImportError:
        raise KpitoolsError(
            "kpitools app needs Voilà, which is not installed.\n"
            "Suggestion: pip install 'voila>=0.5'."
        ) from None
    notebook = default_notebook()
    env = dict(os.environ)
    if data is not None:
        if not Path(data).is_file():
            raise DefinitionError(f"{data}: data file not found.\nSuggestion: check the path.")
        env[ENV_DATA] = str(Path(data).resolve())
    if scheme is not None:
        env[ENV_SCHEME] = str(resolve_template(scheme, "schemes").resolve())
    if data is not None or scheme is not None:
        _check_inputs(env.get(ENV_DATA), env.get(ENV_SCHEME))
    if port is None:
        port = DEFAULT_PORT if _port_free(DEFAULT_PORT) else free_port()
    elif not _port_free(port):
        raise KpitoolsError(
            f"Port {port} on localhost is already in use.\n"
            "Suggestion: pass another --port, or leave it out to take a free one."
        )
    proc = subprocess.Popen(
        voila_command(notebook, port, open_browser=open_browser),
        cwd=notebook.parent,
        env=env,
    )
    # A terminated kpitools app (SIGTERM) stops Voilà too, as Ctrl-C does.
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if main else None
    try:
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
        echo(f"What-if dashboard: http://localhost:{port}/  (Ctrl-C to stop)")
        return proc.wait()
    except KeyboardInterrupt:
        echo("Stopping the dashboard.")
        return 0
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
