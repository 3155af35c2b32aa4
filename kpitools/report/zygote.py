"""Warm kernels for batch workers: kernels forked from a process that has imported everything.

Every report runs in a fresh kernel of its own (no state is shared between clients),
but a fresh ``python -m ipykernel_launcher`` spends seconds importing ipykernel, pandas,
matplotlib, seaborn, scipy and kpitools before the notebook's first line. A batch worker
therefore starts one *zygote* when it starts: a single-threaded process that imports
those modules once and then, on request, forks a child that becomes the kernel. The
child starts with every module already imported (copy-on-write memory), in its own
session, with the working directory and environment jupyter_client asked for.

Only batch workers use it (:func:`start` in the worker initializer); a plain
``kpitools report`` launches kernels the usual way. When the zygote is missing or
broken, kernels are launched the usual way too.

Nothing outlives its worker: the zygote and each kernel ask Linux to kill them when their
parent dies (``PR_SET_PDEATHSIG``), and each kernel also watches its parent as ipykernel
does. A kernel left behind by a killed worker would otherwise keep the batch command's
output pipe (through multiprocessing's fork server) open for ever.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

#: Imported once by the zygote. Not matplotlib_inline.backend_inline: it hooks itself into
#: IPython when imported, so each kernel must import it itself (the notebook's first cell).
PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "numpy",
    "pandas",
    "matplotlib.pyplot",
    "seaborn",
    "scipy.stats",
    "scipy.optimize",
    "kpitools.report",
    "kpitools.data",
    "kpitools.engine",
    "kpitools.design",
    "kpitools.plots",
    "kpitools.demo",
)

_ZYGOTE: Zygote | None = None


class Zygote:
    """Handle on a zygote process, talking over a socket pair (one JSON line each way)."""

    def __init__(self, pid: int, sock: socket.socket):
        self.pid = pid
        self.sock = sock
        self.reader = sock.makefile("r", encoding="utf-8")

    def spawn(self, argv: list[str], cwd: str | None, env: dict[str, str] | None) -> int:
        """Fork a kernel running ``argv`` (ipykernel arguments); return its pid."""
        request = {"argv": argv, "cwd": cwd, "env": env}
        self.sock.sendall((json.dumps(request) + "\n").encode("utf-8"))
        reply = self.reader.readline()
        if not reply:
            raise OSError("the kernel zygote has gone")
        return int(json.loads(reply)["pid"])


def start(preload: tuple[str, ...] = PRELOAD) -> Zygote | None:
    """Fork the zygote of this (single-threaded) process; call it before any kernel runs."""
    global _ZYGOTE
    if _ZYGOTE is not None or not sys.platform.startswith("linux"):
        return _ZYGOTE  # macOS frameworks do not survive fork(); Windows has none
    parent_sock, child_sock = socket.socketpair()
    worker = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the zygote
        parent_sock.close()
        try:
            _die_with_parent(worker)
            _detach_stdio()
            _serve(child_sock, preload)
        finally:
            os._exit(0)
    child_sock.close()
    _ZYGOTE = Zygote(pid, parent_sock)
    return _ZYGOTE


def current() -> Zygote | None:
    """The zygote of this process, if one was started."""
    return _ZYGOTE if _ZYGOTE is not None and _ZYGOTE.pid != os.getpid() else None


def _serve(sock: socket.socket, preload: tuple[str, ...]) -> None:  # pragma: no cover
    # As ipykernel does before matplotlib is imported: figures go to the notebook.
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    for name in preload:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    with contextlib.suppress(Exception):  # load fonts and glyph caches once, for every kernel
        # after MPLBACKEND is set, and never in the worker itself
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # warmed in the zygote only
        from matplotlib.figure import Figure  # warmed in the zygote only

        figure = Figure(figsize=(2, 1))
        figure.subplots().plot([0, 1], [0, 1], label="warm-up 0123456789")
        figure.legend()
        FigureCanvasAgg(figure).print_png(io.BytesIO())
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped automatically
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    reader = sock.makefile("r", encoding="utf-8")
    while True:
        line = reader.readline()
        if not line:  # the worker has gone: so do we
            return
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            sock.close()
            _become_kernel(request)
        sock.sendall((json.dumps({"pid": pid}) + "\n").encode("utf-8"))


def _become_kernel(request: dict[str, Any]) -> None:  # pragma: no cover - runs in a kernel
    code = 1
    try:
        zygote = os.getppid()
        _die_with_parent(zygote)
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _detach_stdio()
        env = request.get("env")
        if env:
            os.environ.clear()
            os.environ.update(env)
        # ipykernel watches its parent: that is the zygote, not the worker.
        os.environ["JPY_PARENT_PID"] = str(zygote)
        if request.get("cwd"):
            os.chdir(request["cwd"])
        sys.argv = ["ipykernel_launcher", *request["argv"]]
        from ipykernel.kernelapp import IPKernelApp  # preloaded by the zygote: costs nothing

        app = IPKernelApp.instance()
        # Its default was read from the environment when the zygote imported ipykernel.
        app.parent_handle = zygote
        app.initialize(request["argv"])
        app.start()
        code = 0
    finally:
        os._exit(code)


def _die_with_parent(parent: int) -> None:  # pragma: no cover - runs in a forked child
    """Be killed when ``parent`` dies (Linux ``prctl(PR_SET_PDEATHSIG, SIGKILL)``)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(0)


def _detach_stdio() -> None:  # pragma: no cover - runs in a forked child
    """Point stdin, stdout and stderr at /dev/null: hold none of the caller's pipes."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    if null > 2:
        os.close(null)


class ForkedProcess:
    """The part of ``subprocess.Popen`` that jupyter_client uses, for a forked kernel."""

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None
        self.stdin = self.stdout = self.stderr = None  # the kernel writes to /dev/null

    def poll(self) -> int | None:
        """The exit code once the kernel has ended (0: it is gone), else None."""
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0
            except PermissionError:
                pass
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the kernel to end; ``subprocess.TimeoutExpired`` after ``timeout`` s."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode or 0

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the kernel, if it still runs."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        """Ask the kernel to stop (SIGTERM)."""
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """Kill the kernel (SIGKILL)."""
        self.send_signal(signal.SIGKILL)


def kernel_argv(kernel_cmd: list[str]) -> list[str] | None:
    """The ipykernel arguments of ``python -m ipykernel_launcher ...``, else None.

    None too when the kernel's Python is not this one (a kernelspec pointing at another
    environment must run there, not be forked from here).
    """
    if not kernel_cmd or os.path.realpath(kernel_cmd[0]) != os.path.realpath(sys.executable):
        return None
    for i, part in enumerate(kernel_cmd[:-1]):
        if part == "-m" and kernel_cmd[i + 1] in ("ipykernel_launcher", "ipykernel"):
            return list(kernel_cmd[i + 2 :])
    return None
