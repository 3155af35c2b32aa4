"""Faults around a report: a missing notebook kernel, an output folder that cannot be written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kpitools.cli import main
from kpitools.report import make_report

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
DESIGN = str(TEMPLATES / "designs" / "b2b_sales.yaml")
SCHEME = str(TEMPLATES / "schemes" / "linear_commission.yaml")


def test_a_missing_kernel_fails_the_report_with_a_clear_error(tmp_path, demo_csv):
    result = make_report(
        client="Acme",
        data=demo_csv,
        design=DESIGN,
        schemes=[SCHEME],
        out=tmp_path / "out",
        kernel_name="no_such_kernel",
        formats=["html"],
    )
    assert result.status == "failed"
    assert result.error == (
        "NoSuchKernel: no Jupyter kernel named 'no_such_kernel' is installed.\n"
        "Suggestion: install it in the environment the report runs in (python -m ipykernel "
        "install --user --name no_such_kernel), or use the 'python3' kernel."
    )
    assert not (tmp_path / "out" / "Acme" / "report.html").exists()


@pytest.mark.parametrize(
    "verb",
    [
        ["simulate", "--scheme", SCHEME, "--data"],
        ["report", "--client", "X", "--design", DESIGN, "--scheme", SCHEME, "--data"],
    ],
)
def test_an_output_folder_that_cannot_be_made_is_a_clear_error(tmp_path, demo_csv, capsys, verb):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    out = blocker / "out"
    assert main([*verb, str(demo_csv), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Error: {out}") or err.startswith(f"Error: {blocker}")
    assert err.endswith(
        ": Not a directory.\nSuggestion: check that the output folder's parent exists and is a "
        "folder you can write to (not a file), and that the disk has room; nothing was written "
        "there.\n"
    )
    assert blocker.read_text() == "x"


def test_aggregate_into_a_folder_that_is_a_file(tmp_path, capsys):
    (tmp_path / "deals.csv").write_text("agent,date\nA,2025-01-05\n")
    (tmp_path / "a-file").write_text("x")
    args = ["data", "aggregate", str(tmp_path / "deals.csv"), "--employee", "agent", "--date"]
    out = tmp_path / "a-file" / "kpis.csv"
    assert main([*args, "date", "--measure", "deals=count", "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines()[0] == f"Error: {tmp_path / 'a-file'}: File exists."


def _batch(manifest: Path, out: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "kpitools.cli", "batch", str(manifest), "--out", str(out)]
    return subprocess.Popen(
        [*command, "--jobs", "1", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_a_batch_killed_with_sigkill_is_finished_by_resume(tmp_path, batch_inputs, complete_report):
    clients = [{"client": f"Client {i}", "data": "data/good.csv"} for i in range(3)]
    manifest = batch_inputs(tmp_path / "in", clients, formats="html")
    out = tmp_path / "out"
    proc = _batch(manifest, out)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:  # one report done, the next one being written
            done = [p for p in out.glob("*") if not p.name.startswith(".")] if out.exists() else []
            # a report being made: its temp folder exists from the start of its job
            if done and [p for p in out.glob(".kpitools-tmp/*") if p.is_dir()]:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the batch ended before it could be killed"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    finished = {p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")}
    assert 1 <= len(finished) < 3 and all(complete_report(out / name) for name in finished)
    resumed = _batch(manifest, out, "--resume")
    stdout, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr
    folders = sorted(p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert folders == ["Client-0", "Client-1", "Client-2"]
    record = json.loads((out / "batch.json").read_text())  # the batch's own record, complete
    statuses = [c["status"] for c in record["clients"]]
    # the reports finished before the kill are kept (skipped), the others made now
    assert statuses.count("skipped") == len(finished) and statuses.count("ok") == 3 - len(finished)
    assert all(complete_report(out / name) for name in folders)
    assert not list(out.glob(".kpitools-tmp/*"))


def test_two_batches_writing_to_one_folder_both_end_with_valid_files(
    tmp_path, batch_inputs, complete_report
):
    clients = [{"client": f"Client {i}", "data": "data/good.csv"} for i in range(2)]
    manifest = batch_inputs(tmp_path / "in", clients, formats="html")
    out = tmp_path / "out"
    first, second = _batch(manifest, out), _batch(manifest, out)
    for proc in (first, second):
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
    folders = sorted(p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert folders == ["Client-0", "Client-1"]
    json.loads((out / "batch.json").read_text())  # whole, whichever batch wrote it last
    for name in folders:
        assert complete_report(out / name)
        assert json.loads((out / name / "manifest.json").read_text())["status"] == "ok"
