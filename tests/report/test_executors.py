"""Tests for kpitools.report.executors: the executor registry, local and Dask executors."""

from __future__ import annotations

import time

import pytest

from kpitools.cli import main
from kpitools.errors import DefinitionError
from kpitools.report import (
    EXECUTORS,
    ReportResult,
    get_executor,
    register_executor,
    run_batch,
)
from kpitools.report import executors as executors_mod


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
            "Suggestion: use one of: local, dask.\n",
        ),
    ],
)
def test_bad_batch_options_exit_2_and_write_nothing(
    tmp_path, capsys, option, message, batch_inputs
):
    manifest = batch_inputs(tmp_path / "in", [{"client": "A", "data": "data/good.csv"}])
    assert main(["batch", str(manifest), "--out", str(tmp_path / "out"), *option]) == 2
    assert capsys.readouterr().err == message
    assert not (tmp_path / "out").exists()


def test_unreachable_dask_scheduler_is_a_clear_message(tmp_path, capsys, monkeypatch, batch_inputs):
    monkeypatch.setattr(executors_mod, "DASK_CONNECT_SECONDS", 1)  # default 10 s
    manifest = batch_inputs(tmp_path / "in", [{"client": "A", "data": "data/good.csv"}])
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


def test_unknown_executor_lists_the_known_ones():
    with pytest.raises(DefinitionError) as err:
        get_executor("dusk")
    assert str(err.value) == (
        "Unknown executor 'dusk'. Did you mean 'dask'?\nSuggestion: use one of: local, dask."
    )


# --------------------------------------------------------------------------- dask
def test_dask_executor_on_a_local_cluster(tmp_path, batch_inputs, complete_report):
    from distributed import LocalCluster

    manifest = batch_inputs(
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
    assert complete_report(tmp_path / "out" / "Alpha")
    assert result.results[1].error == (
        "ValueError: column 'actual' of the data is not numeric (notebook cell [3])"
    )


def test_a_registered_executor_runs_the_batch(tmp_path, batch_inputs, monkeypatch):
    # registered for this test only (a copy of the registry's table)
    monkeypatch.setattr(EXECUTORS, "_items", dict(EXECUTORS._items))
    ran = []

    @register_executor("serial")
    def run_serial(jobs, *, n_jobs, scheduler=None):
        for job in jobs:
            ran.append((job.client, n_jobs))
            yield ReportResult(client=job.client, status="ok", folder=str(job.folder))

    assert get_executor("serial") is run_serial and EXECUTORS.names()[-1] == "serial"
    clients = [{"client": name, "data": "data/good.csv"} for name in ("A", "B")]
    manifest = batch_inputs(tmp_path / "in", clients)
    result = run_batch(manifest, tmp_path / "out", executor="serial", jobs=4, progress=False)
    assert [(r.client, r.status) for r in result.results] == [("A", "ok"), ("B", "ok")]
    assert ran == [("A", 2), ("B", 2)] and result.executor == "serial" and result.n_jobs == 2
