"""Tests for kpitools.report.batch: planning a batch, running it, resume, kill safety.

Every batch runs real notebooks in real kernels. A small purpose-built notebook
(conftest.py) keeps the tests fast; the shipped report notebook is exercised in
test_report_notebook.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import nbformat
import pytest

from kpitools.cli import main
from kpitools.errors import DefinitionError
from kpitools.report import (
    BatchResult,
    ReportResult,
    clean_stale_temp,
    is_up_to_date,
    plan_batch,
    run_batch,
    stale_reason,
)


def test_bad_formats_name_the_manifest_and_client(tmp_path, batch_inputs):
    manifest = batch_inputs(
        tmp_path / "in",
        [
            {"client": "Docx", "data": "data/good.csv", "formats": "html,docx"},
            {"client": "Number", "data": "data/good.csv", "formats": 5},
        ],
    )
    with pytest.raises(DefinitionError) as err:
        plan_batch(manifest, tmp_path / "out")
    assert str(err.value) == (
        f"{manifest}: line 11 (clients[0].formats): Unknown report format 'docx'.\n"
        "Suggestion: use a comma-separated list of html, pdf, xlsx.\n"
        f"{manifest}: line 14 (clients[1].formats): Report formats must be text like "
        "'html,pdf,xlsx', got 5.\n"
        "Suggestion: use a comma-separated list of html, pdf, xlsx."
    )
    assert not (tmp_path / "out").exists()


def test_client_name_with_control_characters_is_refused(tmp_path, batch_inputs):
    # a terminal escape would clear the consultant's screen in the closing summary
    manifest = batch_inputs(
        tmp_path / "in",
        [
            {"client": "Acme\x1b[2J", "data": "data/good.csv"},
            {"client": "Two\nlines", "data": "data/good.csv"},
        ],
    )
    with pytest.raises(DefinitionError) as err:
        plan_batch(manifest, tmp_path / "out")
    assert str(err.value) == (
        f"{manifest}: line 9 (clients[0].client): the client name 'Acme\\x1b[2J' holds a "
        "control character (a line break, tab or terminal escape).\n"
        "Suggestion: write the client name on one line, as plain text.\n"
        f"{manifest}: line 11 (clients[1].client): the client name 'Two\\nlines' holds a "
        "control character (a line break, tab or terminal escape).\n"
        "Suggestion: write the client name on one line, as plain text."
    )


def test_summary_shortens_long_client_names():
    long = "Very long client name " * 4  # 88 characters
    result = BatchResult(
        results=(ReportResult(client=long, status="ok", folder="/r/x", seconds=1.25),),
        seconds=2.0,
        executor="local",
        n_jobs=1,
    )
    assert result.format_summary().splitlines() == [
        "client                                    status  seconds  output / error",
        "-------------------------------------------------------------------------",
        "Very long client name Very long client …  ok          1.2  /r/x",
        "1 ok, 0 skipped, 0 failed in 2.0 s (local, 1 job)",
    ]


def test_every_client_is_checked_before_any_work(tmp_path, batch_inputs):
    manifest = batch_inputs(
        tmp_path / "in",
        [
            {"client": "Good", "data": "data/good.csv"},
            {"client": "Typo", "data": "data/good.csv", "budgett": 10},
            {"client": "Missing", "data": "data/none.csv", "budget": "lots"},
        ],
    )
    with pytest.raises(DefinitionError) as err:
        plan_batch(manifest, tmp_path / "out")
    root = (tmp_path / "in").resolve()
    nb = root / "nb.ipynb"
    # every problem of every client: Missing's wrong budget and its missing file too
    assert str(err.value) == (
        f"{manifest}: line 13 (clients[1].budgett): Unknown report parameter 'budgett'. Did "
        "you mean 'budget'? Known parameters: branding, budget, client, currency, data, design, "
        "schemes.\n"
        f"Suggestion: use the names and types of the parameters cell of {nb}.\n"
        f"{manifest}: line 16 (clients[2].budget): Report parameter 'budget' must be "
        "Optional[float], got str 'lots'.\n"
        f"Suggestion: use the names and types of the parameters cell of {nb}.\n"
        f"{manifest}: line 15 (clients[2].data): file not found: {root / 'data' / 'none.csv'}.\n"
        f"Suggestion: check the paths (relative paths are read from {root})."
    )
    assert not (tmp_path / "out").exists()


def test_paths_are_relative_to_the_manifest(tmp_path, batch_inputs):
    manifest = batch_inputs(tmp_path / "in", [{"client": "Good", "data": "data/good.csv"}])
    (job,) = plan_batch(manifest, tmp_path / "out")
    root = (tmp_path / "in").resolve()
    assert job.parameters["data"] == str(root / "data" / "good.csv")
    assert job.parameters["schemes"] == [str(root / "scheme.yaml")]
    assert job.notebook == str(root / "nb.ipynb")
    assert job.formats == ("html", "xlsx")
    assert job.folder == (tmp_path / "out").resolve() / "Good"


# --------------------------------------------------------------------------- local batch
@pytest.fixture(scope="module")
def batch_run(tmp_path_factory, batch_inputs):
    root = tmp_path_factory.mktemp("batch")
    manifest = batch_inputs(
        root / "in",
        [
            {"client": "Alpha", "data": "data/good.csv"},
            {"client": "Broken & Co", "data": "data/bad.csv"},
            {"client": "Gamma", "data": "data/good.csv", "budget": 1000},
        ],
    )
    out = root / "out"
    started = time.time()
    code = main(["batch", str(manifest), "--out", str(out), "--jobs", "2"])
    return {"manifest": manifest, "out": out, "code": code, "started": started}


def test_batch_with_a_broken_client_exits_1_and_keeps_the_others(batch_run, complete_report):
    assert batch_run["code"] == 1
    out = batch_run["out"]
    assert sorted(p.name for p in out.iterdir()) == ["Alpha", "Broken-Co", "Gamma", "batch.json"]
    for name in ("Alpha", "Gamma"):
        assert sorted(p.name for p in (out / name).iterdir()) == [
            "manifest.json",
            "payouts.xlsx",
            "report.html",
            "report.ipynb",
        ]
        assert complete_report(out / name)
    broken = out / "Broken-Co"
    assert sorted(p.name for p in broken.iterdir()) == ["manifest.json", "report.ipynb"]
    nb = nbformat.read(broken / "report.ipynb", as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert [e.ename for e in errors] == ["ValueError"]
    manifest = json.loads((broken / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert manifest["error"] == (
        "ValueError: column 'actual' of the data is not numeric (notebook cell [3])"
    )
    record = json.loads((out / "batch.json").read_text())
    assert record["manifest"]["path"] == str(batch_run["manifest"].resolve())
    assert [(c["client"], c["status"], c["where"], c["overrides"]) for c in record["clients"]] == [
        ("Alpha", "ok", None, {}),
        ("Broken & Co", "failed", None, {}),
        ("Gamma", "ok", None, {}),
    ]
    assert record["clients"][1]["error"] == manifest["error"]


def test_batch_summary_names_the_failed_client(batch_run):
    result = run_batch(batch_run["manifest"], batch_run["out"], resume=True, progress=False)
    assert [(r.client, r.status) for r in result.results] == [
        ("Alpha", "skipped"),
        ("Broken & Co", "failed"),  # failed clients always run again
        ("Gamma", "skipped"),
    ]
    text = result.format_summary()
    lines = text.splitlines()
    assert lines[0].split() == ["client", "status", "seconds", "output", "/", "error"]
    assert lines[3].startswith("Broken & Co  failed")
    assert lines[3].endswith(
        "ValueError: column 'actual' of the data is not numeric (notebook cell [3])"
    )
    assert lines[-1].startswith("0 ok, 2 skipped, 1 failed in ")
    assert list(result.summary.columns) == ["client", "status", "seconds", "output"]


def test_resume_reruns_only_changed_or_missing_clients(batch_run):
    manifest, out = batch_run["manifest"], batch_run["out"]
    before = {n: (out / n / "report.html").stat().st_mtime_ns for n in ("Alpha", "Gamma")}
    jobs = plan_batch(manifest, out)
    assert [is_up_to_date(j) for j in jobs] == [True, False, True]
    # Gamma's inputs change (a parameter); Alpha's report loses a file.
    text = manifest.read_text().replace("budget: 1000", "budget: 2000")
    manifest.write_text(text)
    (out / "Alpha" / "payouts.xlsx").unlink()
    result = run_batch(manifest, out, resume=True, jobs=2, progress=False)
    statuses = {r.client: r.status for r in result.results}
    assert statuses == {"Alpha": "ok", "Broken & Co": "failed", "Gamma": "ok"}
    after = {n: (out / n / "report.html").stat().st_mtime_ns for n in ("Alpha", "Gamma")}
    assert all(after[n] > before[n] for n in after)
    gamma = json.loads((out / "Gamma" / "manifest.json").read_text())
    assert gamma["parameters"]["budget"] == 2000.0
    # The summary says why each client ran again.
    lines = result.format_summary().splitlines()
    assert lines[2].split(None, 3)[:2] == ["Alpha", "ok"]
    assert lines[2].endswith(f"{out / 'Alpha'} (re-run: payouts.xlsx was changed or removed)")
    assert lines[4].endswith(f"{out / 'Gamma'} (re-run: changed: budget)")
    # A third run with nothing changed runs only the broken client, and says why.
    again = run_batch(manifest, out, resume=True, progress=False)
    assert [r.status for r in again.results] == ["skipped", "failed", "skipped"]
    assert (out / "Gamma" / "report.html").stat().st_mtime_ns == after["Gamma"]
    assert again.extra["reasons"] == {"Broken & Co": "the last run failed"}
    assert again.format_summary().splitlines()[2].endswith(f"inputs unchanged: {out / 'Alpha'}")


def test_stale_reason_names_what_changed(batch_run, tmp_path):
    # Copy the finished inputs, then change one data file, the design and a parameter.
    import shutil

    root = tmp_path / "in"
    shutil.copytree(batch_run["manifest"].parent, root)
    out = tmp_path / "out"
    shutil.copytree(batch_run["out"], out)
    manifest = root / "manifest.yaml"
    alpha = plan_batch(manifest, out)[0]
    assert stale_reason(alpha) is None  # in another folder, the same files: up to date
    (root / "data" / "good.csv").write_text("employee,period,kpi,actual\n001,2025-01,revenue,1\n")
    (root / "design.yaml").write_text("client: y\n")
    manifest.write_text(manifest.read_text().replace("currency: EUR", "currency: USD"))
    reasons = [stale_reason(j) for j in plan_batch(manifest, out)]
    assert reasons == [
        "changed: data, design, currency",
        "the last run failed",
        "changed: data, design, currency",
    ]
    (out / "Alpha" / "manifest.json").write_text("{not json")
    assert stale_reason(plan_batch(manifest, out)[0]) == "its manifest.json is unreadable"
    shutil.rmtree(out / "Alpha")
    assert stale_reason(plan_batch(manifest, out)[0]) == "no report yet"


def test_killed_batch_leaves_no_half_written_report(tmp_path, batch_inputs, complete_report):
    clients = [{"client": f"Client {i}", "data": "data/good.csv"} for i in range(5)]
    manifest = batch_inputs(tmp_path / "in", clients, formats="html,pdf,xlsx")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "kpitools.cli", "batch", str(manifest), "--out", str(out)]
    proc = subprocess.Popen(
        [*command, "--jobs", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 120
        # Wait until one report is finished and another one is being written.
        while time.time() < deadline:
            done = [p for p in out.glob("*") if not p.name.startswith(".")] if out.exists() else []
            # a report being made: its temp folder exists from the start of its job
            busy = [p for p in out.glob(".kpitools-tmp/*") if p.is_dir()] if out.exists() else []
            if done and busy:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the batch ended before it could be killed"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the batch, its workers and the fork server
        proc.wait()
    folders = [p for p in out.iterdir() if not p.name.startswith(".")]
    assert 1 <= len(folders) < 5
    for folder in folders:
        assert complete_report(folder), folder
        assert json.loads((folder / "manifest.json").read_text())["status"] == "ok"
    leftovers = list(out.glob(".kpitools-tmp/*"))
    assert leftovers  # the killed work stayed out of sight, in the hidden temp folder
    # The next run removes what dead processes left (a killed process takes a moment to die).
    removed, deadline = 0, time.time() + 20
    while (out / ".kpitools-tmp").exists() and time.time() < deadline:
        removed += clean_stale_temp(out)
        time.sleep(0.1)
    assert removed == len(leftovers)
    assert not (out / ".kpitools-tmp").exists()


def test_ctrl_c_stops_the_batch_and_resume_skips_only_finished(
    tmp_path, batch_inputs, complete_report
):
    # Ctrl-C in a terminal sends SIGINT to the batch, its workers and their kernels.
    clients = [{"client": f"Client {i}", "data": "data/good.csv"} for i in range(4)]
    manifest = batch_inputs(tmp_path / "in", clients, formats="html")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "kpitools.cli", "batch", str(manifest), "--out", str(out)]
    proc = subprocess.Popen(
        [*command, "--jobs", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline:  # one report finished, another being written
            done = [p for p in out.glob("*") if not p.name.startswith(".")] if out.exists() else []
            # a report being made: its temp folder exists from the start of its job
            busy = [p for p in out.glob(".kpitools-tmp/*") if p.is_dir()] if out.exists() else []
            if done and busy:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the batch ended before it could be interrupted"
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130
    assert err.splitlines()[-2:] == [
        f"Error: batch interrupted: the reports already finished are kept in {out}; "
        "unfinished ones left nothing behind.",
        "Suggestion: run the same command with --resume to make only the missing reports.",
    ]
    # The reports not yet started did not start after Ctrl-C: at most the two running ones
    # could finish (at least one had finished before).
    finished = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert 1 <= len(finished) <= 3
    assert all(complete_report(out / name) for name in finished)
    assert not list(out.glob(".kpitools-tmp/*/*"))
    # --resume skips exactly the finished ones (running it: test_resume_reruns_only_...)
    jobs = plan_batch(manifest, out)
    assert [is_up_to_date(j) for j in jobs] == [j.folder.name in finished for j in jobs]


def test_a_killed_worker_costs_only_a_rerun(tmp_path, batch_inputs, complete_report):
    clients = [{"client": f"Client {i}", "data": "data/good.csv"} for i in range(4)]
    manifest = batch_inputs(tmp_path / "in", clients, formats="html,pdf")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "kpitools.cli", "batch", str(manifest), "--out", str(out)]
    proc = subprocess.Popen(
        [*command, "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        deadline, victim = time.time() + 120, None
        while victim is None and time.time() < deadline:
            # a report being written: its temp folder is named after its worker's pid
            busy = list(out.glob(".kpitools-tmp/*/report.ipynb")) if out.exists() else []
            if busy:
                victim = int(busy[0].parent.name.split("-")[-2])
            time.sleep(0.05)
        assert victim is not None, "no report started"
        os.kill(victim, signal.SIGKILL)
        stdout, _ = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, stdout
    assert sorted(p.name for p in out.iterdir()) == [f"Client-{i}" for i in range(4)] + [
        "batch.json"
    ]
    assert all(complete_report(out / f"Client-{i}") for i in range(4))
    assert stdout.splitlines()[-1].startswith("4 ok, 0 skipped, 0 failed")
