"""Tests for kpitools.report.batch: manifests, executors (local and Dask), resume, kill safety.

Every batch runs real notebooks in real kernels. A small purpose-built notebook keeps
the tests fast; the shipped report notebook is exercised in tests/test_report.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from kpitools.cli import main
from kpitools.errors import DefinitionError
from kpitools.report import (
    clean_stale_temp,
    file_sha256,
    get_executor,
    is_up_to_date,
    load_manifest,
    plan_batch,
    run_batch,
    stale_reason,
)

PARAMETERS = """\
from typing import Optional
client: str = "Demo"
data: str = ""
design: str = ""
schemes: list[str] = []
budget: Optional[float] = None
currency: str = "RUB"
branding: dict = {}
xlsx_path: str = ""
"""

BODY = """\
import html
import pandas as pd
from IPython.display import HTML, Markdown, display
from kpitools.report import write_xlsx

df = pd.read_csv(data, dtype={"employee": str})
if not pd.api.types.is_numeric_dtype(df["actual"]):
    raise ValueError("column 'actual' of the data is not numeric")
display(Markdown(f"## Payouts of {html.escape(client)}"))
display(HTML(df.to_html(index=False)))
if xlsx_path:
    write_xlsx({"payouts": df}, xlsx_path, currency=currency)
"""


KERNEL = """\
import os, sys
print("KERNEL", os.getpid(), os.getppid(), "seaborn" in sys.modules, globals().get("LEAK"))
LEAK = client
"""


def _notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    params = nbformat.v4.new_code_cell(PARAMETERS)
    params.metadata["tags"] = ["parameters"]
    kernel = nbformat.v4.new_code_cell(KERNEL)
    kernel.metadata["tags"] = ["remove_cell"]
    nb.cells = [params, nbformat.v4.new_code_cell(BODY), kernel]
    nbformat.write(nb, path)
    return path


def _write_inputs(root: Path, clients: list[dict], formats: str = "html,xlsx") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    _notebook(root / "nb.ipynb")
    good = pd.DataFrame(
        {
            "employee": ["001", "002"],
            "period": ["2025-01", "2025-01"],
            "kpi": ["revenue", "revenue"],
            "actual": [1500.0, 2500.0],
        }
    )
    (root / "data").mkdir(exist_ok=True)
    good.to_csv(root / "data" / "good.csv", index=False)
    good.assign(actual=["1500", "lots"]).to_csv(root / "data" / "bad.csv", index=False)
    (root / "design.yaml").write_text("client: x\n")
    (root / "scheme.yaml").write_text("name: s\n")
    manifest = {
        "defaults": {
            "design": "design.yaml",
            "schemes": ["scheme.yaml"],
            "notebook": "nb.ipynb",
            "formats": formats,
            "currency": "EUR",
        },
        "clients": clients,
    }
    path = root / "manifest.yaml"
    import yaml

    path.write_text(yaml.safe_dump(manifest, sort_keys=False))
    return path


def _complete(folder: Path) -> bool:
    """A client folder is complete when its manifest lists files that all match."""
    manifest = json.loads((folder / "manifest.json").read_text())
    return all(
        file_sha256(folder / item["file"]) == item["sha256"] for item in manifest["outputs"]
    ) and sorted(p.name for p in folder.iterdir()) == sorted(
        [item["file"] for item in manifest["outputs"]] + ["manifest.json"]
    )


# --------------------------------------------------------------------------- manifests
def test_manifest_merges_defaults_and_branding(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        "defaults:\n  currency: EUR\n  branding: {primary_color: '#111111', consultant: Jo}\n"
        "  data: ''\n  design: d.yaml\n  schemes: [s.yaml]\n"
        "clients:\n  - {client: A, branding: {primary_color: '#222222'}}\n"
        "  - {client: B, currency: USD}\n"
    )
    files = {"data": "", "design": "d.yaml", "schemes": ["s.yaml"]}
    assert load_manifest(path) == [
        {
            **files,
            "currency": "EUR",
            "branding": {"primary_color": "#222222", "consultant": "Jo"},
            "client": "A",
        },
        {
            **files,
            "currency": "USD",
            "branding": {"primary_color": "#111111", "consultant": "Jo"},
            "client": "B",
        },
    ]


def test_manifest_problems_are_listed_together(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        "default: {}\nclients:\n  - {client: 'Acme/1', data: a.csv, design: d.yaml, schemes: []}\n"
        "  - {data: x.csv}\n  - just text\n"
        "  - {client: 'Acme 1', data: b.csv, design: d.yaml, schemes: []}\n"
    )
    with pytest.raises(DefinitionError) as err:
        load_manifest(path)
    assert str(err.value) == (
        f"{path}: unknown key 'default'. Did you mean 'defaults'?\n"
        f"{path}: clients[1] has no 'client' name.\n"
        f"{path}: clients[2] must be a mapping with at least 'client:'.\n"
        f"{path}: clients[3] (Acme 1): would share the output folder 'Acme-1' with "
        "clients[0] (Acme/1); folder names ignore case and punctuation, so rename one of them.\n"
        "Suggestion: fix the manifest (see templates/batch/manifest.yaml for an example)."
    )


def test_manifest_client_without_its_files_is_refused(tmp_path):
    # without 'data' the report notebook would silently use the demo company
    path = tmp_path / "m.yaml"
    path.write_text(
        "defaults:\n  design: d.yaml\nclients:\n  - {client: Acme, schemes: [s.yaml]}\n"
        "  - {client: Beta}\n"
    )
    with pytest.raises(DefinitionError) as err:
        load_manifest(path)
    assert str(err.value) == (
        f"{path}: clients[0] (Acme): missing 'data'; give it under the client or under "
        "'defaults:' (data: \"\" means the demo company).\n"
        f"{path}: clients[1] (Beta): missing 'data', 'schemes'; give it under the client or "
        "under 'defaults:' (data: \"\" means the demo company).\n"
        "Suggestion: fix the manifest (see templates/batch/manifest.yaml for an example)."
    )


def test_client_names_differing_only_in_case_are_refused(tmp_path):
    # "Acme" and "ACME" would be one folder on a case-insensitive disk (macOS, Windows)
    path = tmp_path / "m.yaml"
    path.write_text(
        "defaults: {data: '', design: d.yaml, schemes: []}\n"
        "clients:\n  - {client: Acme}\n  - {client: ACME}\n"
    )
    with pytest.raises(DefinitionError) as err:
        load_manifest(path)
    assert str(err.value) == (
        f"{path}: clients[1] (ACME): would share the output folder 'ACME' with clients[0] "
        "(Acme); folder names ignore case and punctuation, so rename one of them.\n"
        "Suggestion: fix the manifest (see templates/batch/manifest.yaml for an example)."
    )


def test_bad_formats_name_the_manifest_and_client(tmp_path):
    manifest = _write_inputs(
        tmp_path / "in",
        [
            {"client": "Docx", "data": "data/good.csv", "formats": "html,docx"},
            {"client": "Number", "data": "data/good.csv", "formats": 5},
        ],
    )
    with pytest.raises(DefinitionError) as err:
        plan_batch(manifest, tmp_path / "out")
    assert str(err.value) == (
        f"{manifest}: clients[0] (Docx): Unknown report format 'docx'.\n"
        "Suggestion: use a comma-separated list of html, pdf, xlsx.\n"
        f"{manifest}: clients[1] (Number): Report formats must be text like 'html,pdf,xlsx', "
        "got 5.\n"
        "Suggestion: use a comma-separated list of html, pdf, xlsx."
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            ["--jobs", "0"],
            "Error: --jobs must be at least 1, got 0.\n"
            "Suggestion: leave it out to use every core.\n",
        ),
        (
            ["--executor", "Dask"],
            "Error: Unknown executor 'Dask'. Did you mean 'dask'?\n"
            "Suggestion: use one of: dask, local.\n",
        ),
    ],
)
def test_bad_batch_options_exit_2_and_write_nothing(tmp_path, capsys, option, message):
    manifest = _write_inputs(tmp_path / "in", [{"client": "A", "data": "data/good.csv"}])
    assert main(["batch", str(manifest), "--out", str(tmp_path / "out"), *option]) == 2
    assert capsys.readouterr().err == message
    assert not (tmp_path / "out").exists()


def test_unreachable_dask_scheduler_is_a_clear_message(tmp_path, capsys, monkeypatch):
    import kpitools.report.batch as batch_mod

    monkeypatch.setattr(batch_mod, "DASK_CONNECT_SECONDS", 1)  # default 10 s
    manifest = _write_inputs(tmp_path / "in", [{"client": "A", "data": "data/good.csv"}])
    out = tmp_path / "out"
    args = ["batch", str(manifest), "--out", str(out), "--executor", "dask"]
    started = time.perf_counter()
    assert main([*args, "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert time.perf_counter() - started < 15
    assert capsys.readouterr().err.splitlines()[-2:] == [
        "Error: --scheduler tcp://127.0.0.1:1: cannot reach a Dask scheduler there (Timed out "
        "trying to connect to tcp://127.0.0.1:1 after 1 s).",
        "Suggestion: start one with 'dask scheduler' and pass the address it prints "
        "(e.g. tcp://10.0.0.5:8786), or leave out --scheduler to use a local cluster.",
    ]
    assert not out.exists()


def test_client_name_with_control_characters_is_refused(tmp_path):
    # a terminal escape would clear the consultant's screen in the closing summary
    manifest = _write_inputs(
        tmp_path / "in",
        [
            {"client": "Acme\x1b[2J", "data": "data/good.csv"},
            {"client": "Two\nlines", "data": "data/good.csv"},
        ],
    )
    with pytest.raises(DefinitionError) as err:
        plan_batch(manifest, tmp_path / "out")
    assert str(err.value) == (
        f"{manifest}: clients[0] (Acme\x1b[2J): the client name 'Acme\\x1b[2J' holds a control "
        "character (a line break, tab or terminal escape).\n"
        "Suggestion: write the client name on one line, as plain text.\n"
        f"{manifest}: clients[1] (Two\nlines): the client name 'Two\\nlines' holds a control "
        "character (a line break, tab or terminal escape).\n"
        "Suggestion: write the client name on one line, as plain text."
    )


def test_summary_shortens_long_client_names():
    from kpitools.report import BatchResult, ReportResult

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


def test_manifest_yaml_error_names_the_line(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("clients:\n  - {client: A\n")
    with pytest.raises(DefinitionError) as err:
        load_manifest(path)
    assert str(err.value) == (
        f"{path}: line 3, column 1: invalid YAML: expected ',' or '}}', but got "
        "'<stream end>'.\n"
        "Suggestion: check the indentation and the ':' after each key on that line (use "
        "spaces, not tabs), and quote text that contains ': ' or '#'."
    )


def test_manifest_key_given_twice_is_refused(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("clients:\n  - client: A\n    data: a.csv\n    data: b.csv\n")
    with pytest.raises(DefinitionError) as err:
        load_manifest(path)
    assert str(err.value) == (
        f"{path}: line 4, column 5 (clients[0].data): the key 'data' is given twice "
        "(first on line 3).\n"
        "Suggestion: keep only one of them (YAML would silently use the last)."
    )


def test_every_client_is_checked_before_any_work(tmp_path):
    manifest = _write_inputs(
        tmp_path / "in",
        [
            {"client": "Good", "data": "data/good.csv"},
            {"client": "Typo", "data": "data/good.csv", "budgett": 10},
            {"client": "Missing", "data": "data/none.csv", "budget": "lots"},
        ],
    )
    with pytest.raises(DefinitionError) as err:
        plan_batch(manifest, tmp_path / "out")
    nb = tmp_path / "in" / "nb.ipynb"
    assert str(err.value) == (
        f"{manifest}: clients[1] (Typo): Unknown report parameter 'budgett'. Did you mean "
        "'budget'? Known parameters: branding, budget, client, currency, data, design, schemes.\n"
        f"Suggestion: use the names and types of the parameters cell of {nb}.\n"
        f"{manifest}: clients[2] (Missing): Report parameter 'budget' must be Optional[float], "
        "got str 'lots'.\n"
        f"Suggestion: use the names and types of the parameters cell of {nb}."
    )
    assert not (tmp_path / "out").exists()


def test_paths_are_relative_to_the_manifest(tmp_path):
    manifest = _write_inputs(tmp_path / "in", [{"client": "Good", "data": "data/good.csv"}])
    (job,) = plan_batch(manifest, tmp_path / "out")
    root = (tmp_path / "in").resolve()
    assert job.parameters["data"] == str(root / "data" / "good.csv")
    assert job.parameters["schemes"] == [str(root / "scheme.yaml")]
    assert job.notebook == str(root / "nb.ipynb")
    assert job.formats == ("html", "xlsx")
    assert job.folder == (tmp_path / "out").resolve() / "Good"


def test_unknown_executor_lists_the_known_ones():
    with pytest.raises(DefinitionError) as err:
        get_executor("dusk")
    assert str(err.value) == (
        "Unknown executor 'dusk'. Did you mean 'dask'?\nSuggestion: use one of: dask, local."
    )


# --------------------------------------------------------------------------- local batch
@pytest.fixture(scope="module")
def batch_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    manifest = _write_inputs(
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


def test_batch_with_a_broken_client_exits_1_and_keeps_the_others(batch_run):
    assert batch_run["code"] == 1
    out = batch_run["out"]
    assert sorted(p.name for p in out.iterdir()) == ["Alpha", "Broken-Co", "Gamma"]
    for name in ("Alpha", "Gamma"):
        assert sorted(p.name for p in (out / name).iterdir()) == [
            "manifest.json",
            "payouts.xlsx",
            "report.html",
            "report.ipynb",
        ]
        assert _complete(out / name)
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


def test_killed_batch_leaves_no_half_written_report(tmp_path):
    clients = [{"client": f"Client {i}", "data": "data/good.csv"} for i in range(5)]
    manifest = _write_inputs(tmp_path / "in", clients, formats="html,pdf,xlsx")
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
            busy = list(out.glob(".kpitools-tmp/*/report.ipynb")) if out.exists() else []
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
        assert _complete(folder), folder
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


def test_ctrl_c_stops_the_batch_and_resume_skips_only_finished(tmp_path):
    # Ctrl-C in a terminal sends SIGINT to the batch, its workers and their kernels.
    clients = [{"client": f"Client {i}", "data": "data/good.csv"} for i in range(4)]
    manifest = _write_inputs(tmp_path / "in", clients, formats="html")
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
            busy = list(out.glob(".kpitools-tmp/*/report.ipynb")) if out.exists() else []
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
    assert all(_complete(out / name) for name in finished)
    assert not list(out.glob(".kpitools-tmp/*/*"))
    # --resume skips exactly the finished ones (running it: test_resume_reruns_only_...)
    jobs = plan_batch(manifest, out)
    assert [is_up_to_date(j) for j in jobs] == [j.folder.name in finished for j in jobs]


def test_a_killed_worker_costs_only_a_rerun(tmp_path):
    clients = [{"client": f"Client {i}", "data": "data/good.csv"} for i in range(4)]
    manifest = _write_inputs(tmp_path / "in", clients, formats="html,pdf")
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
    assert sorted(p.name for p in out.iterdir()) == [f"Client-{i}" for i in range(4)]
    assert all(_complete(out / f"Client-{i}") for i in range(4))
    assert stdout.splitlines()[-1].startswith("4 ok, 0 skipped, 0 failed")


# --------------------------------------------------------------------------- dask
def test_dask_executor_on_a_local_cluster(tmp_path):
    from distributed import LocalCluster

    manifest = _write_inputs(
        tmp_path / "in",
        [
            {"client": "Alpha", "data": "data/good.csv"},
            {"client": "Broken", "data": "data/bad.csv"},
        ],
    )
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        result = run_batch(
            manifest,
            tmp_path / "out",
            executor="dask",
            scheduler=cluster.scheduler_address,
            jobs=2,
            progress=False,
        )
    assert [(r.client, r.status) for r in result.results] == [("Alpha", "ok"), ("Broken", "failed")]
    assert not result.ok and result.executor == "dask"
    assert _complete(tmp_path / "out" / "Alpha")
    assert result.results[1].error == (
        "ValueError: column 'actual' of the data is not numeric (notebook cell [3])"
    )


def _kernel_line(folder: Path) -> list[str]:
    nb = nbformat.read(folder / "report.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    return next(line for line in text.splitlines() if line.startswith("KERNEL")).split()


def test_each_client_gets_a_fresh_kernel_forked_warm(tmp_path):
    manifest = _write_inputs(
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
