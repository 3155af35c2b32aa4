"""Tests for kpitools.report.zygote: warm kernels forked for batch workers."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from kpitools.report import run_batch


def _kernel_line(folder: Path) -> list[str]:
    nb = nbformat.read(folder / "report.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    return next(line for line in text.splitlines() if line.startswith("KERNEL")).split()


def test_each_client_gets_a_fresh_kernel_forked_warm(tmp_path, batch_inputs):
    manifest = batch_inputs(
        tmp_path / "in",
        [{"client": "One", "data": "data/good.csv"}, {"client": "Two", "data": "data/good.csv"}],
        formats="html",
    )
    result = run_batch(manifest, tmp_path / "out", jobs=1, progress=False)
    assert [r.status for r in result.results] == ["ok", "ok"]
    one, two = (_kernel_line(tmp_path / "out" / name) for name in ("One", "Two"))
    # Different kernels, both children of the same zygote, seaborn already imported there,
    # and nothing left over from the previous client.
    assert one[1] != two[1] and one[2] == two[2]
    assert one[3:] == ["True", "None"] and two[3:] == ["True", "None"]


def test_only_kernels_of_this_python_are_forked():
    from kpitools.report.zygote import kernel_argv

    launcher = ["-m", "ipykernel_launcher", "-f", "k.json", "--HistoryManager.hist_file=:memory:"]
    assert kernel_argv([sys.executable, *launcher]) == [
        "-f",
        "k.json",
        "--HistoryManager.hist_file=:memory:",
    ]
    assert kernel_argv(["/opt/other-env/bin/python", *launcher]) is None
    assert kernel_argv([sys.executable, "-m", "other_kernel", "-f", "k.json"]) is None


_HOLDER = """\
import os, sys, time
from kpitools.report import zygote as _zygote

zygote = _zygote.start(("ipykernel.kernelapp",))
kernel = zygote.spawn(["-f", sys.argv[1]], None, dict(os.environ))
print(zygote.pid, kernel, flush=True)
time.sleep(600)
"""


def _running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="zygotes are Linux only")
def test_a_killed_worker_leaves_no_zygote_or_kernel_holding_its_pipes(tmp_path):
    connection = tmp_path / "kernel.json"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(connection)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    zygote = kernel = None
    try:
        zygote, kernel = (int(pid) for pid in holder.stdout.readline().split())
        deadline = time.time() + 60
        while not connection.exists() and time.time() < deadline:
            time.sleep(0.05)  # the kernel writes its connection file once it is up
        assert connection.exists() and _running(zygote) and _running(kernel)
        holder.kill()
        # Nobody else holds the pipe: the read ends at once instead of hanging for ever.
        rest, _ = holder.communicate(timeout=30)
        deadline = time.time() + 10
        while (_running(zygote) or _running(kernel)) and time.time() < deadline:
            time.sleep(0.05)
        assert (rest, _running(zygote), _running(kernel)) == ("", False, False)
    finally:
        holder.kill()
        for pid in (zygote, kernel):
            with contextlib.suppress(ProcessLookupError, TypeError):
                os.kill(pid, signal.SIGKILL)
