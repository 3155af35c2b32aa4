"""Batch reports: one manifest, many clients, run in parallel by an executor.

Every client of the manifest (:mod:`kpitools.report.manifest`) is checked before any work
starts (:func:`plan_batch`), then each runs in its own process with its own kernel
(:mod:`kpitools.report.executors`). A failing client never stops the others: it keeps its
executed notebook with the error and shows in the closing summary. With ``resume=True`` a
client is skipped when its folder holds a complete report made from the same inputs
(:mod:`kpitools.report.resume`). The batch ends by writing ``OUT/batch.json``: each
client's status, inputs, roster, filter, groups and overrides
(:func:`kpitools.report.provenance.batch_record`).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._util.files import atomic_write
from .._util.format import text_table
from ..errors import DefinitionError, KpitoolsError
from .executors import get_executor
from .folders import clean_stale_temp
from .formats import REPORT_FORMATS
from .job import ReportJob, check_job
from .manifest import JOB_OPTIONS, load_manifest, manifest_error, read_manifest, setting_path
from .problems import Problem
from .provenance import BATCH_RECORD, batch_record
from .resume import stale_reason
from .run import ReportResult

__all__ = [
    "BatchInterruptedError",
    "BatchResult",
    "load_manifest",
    "plan_batch",
    "run_batch",
]


def _under(base: Path, value: Any) -> str:
    return str(value if Path(value).is_absolute() else base / value)


def _check_client(
    settings: Mapping[str, Any], out_dir: str | os.PathLike, base: Path, kernel_name: str
) -> tuple[ReportJob | None, list[Problem]]:
    settings = dict(settings)
    client = settings.pop("client")
    options = {k: settings.pop(k) for k in JOB_OPTIONS if k in settings}
    return check_job(
        client,
        settings,
        out_dir,
        formats=options.get("formats", REPORT_FORMATS),
        notebook=_under(base, options["notebook"]) if options.get("notebook") else None,
        template=_under(base, options["template"]) if options.get("template") else None,
        base_dir=base,
        kernel_name=kernel_name,
    )


def plan_batch(
    manifest: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    kernel_name: str = "python3",
    currency: str | None = None,
) -> list[ReportJob]:
    """Check every client of a manifest and return their jobs, before any work.

    The manifest is validated first (:func:`kpitools.report.load_manifest`), then each
    client's report parameters against the notebook, and its input files (relative to
    the manifest). All problems of all clients are reported at once, each with its line
    and key path in the manifest.

    Raises
    ------
    DefinitionError
        Any problem; nothing is run then.

    Examples
    --------
    >>> jobs = plan_batch("templates/batch/manifest.yaml", "reports/batch")  # doctest: +SKIP
    """
    doc, clients = read_manifest(manifest)
    base = Path(manifest).parent.resolve()
    jobs: list[ReportJob] = []
    problems: list[tuple[str, Problem]] = []
    for i, settings in enumerate(clients):
        settings = {**settings, "currency": currency} if currency else settings
        job, found = _check_client(settings, out_dir, base, kernel_name)
        problems += [(setting_path(doc, i, p.key), p) for p in found]
        if job is not None:
            jobs.append(job)
    if problems:
        raise manifest_error(doc, problems)
    return jobs


class BatchInterruptedError(KpitoolsError):
    """The batch was interrupted (Ctrl-C); finished reports are kept."""

    exit_code = 130


@dataclass(frozen=True, kw_only=True)
class BatchResult:
    """Results of a batch, in manifest order, with a summary table."""

    results: tuple[ReportResult, ...]
    seconds: float
    executor: str
    n_jobs: int
    out_dir: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when no client failed."""
        return all(r.ok for r in self.results)

    @property
    def failed(self) -> list[ReportResult]:
        """The clients that failed."""
        return [r for r in self.results if not r.ok]

    @property
    def summary(self) -> pd.DataFrame:
        """One row per client: ``client, status, seconds, output`` (folder or error)."""
        return pd.DataFrame(
            {
                "client": [r.client for r in self.results],
                "status": [r.status for r in self.results],
                "seconds": [round(r.seconds, 1) for r in self.results],
                "output": [r.error if r.error else r.folder for r in self.results],
            }
        )

    def _output(self, result: ReportResult, reasons: Mapping[str, str]) -> str:
        """The summary's last column: the folder (and why it ran again) or the error."""
        error = (result.error or "").splitlines()[0] if result.error else ""
        if result.status == "skipped":
            return f"inputs unchanged: {result.folder}"
        if result.client in reasons and not error:
            return f"{result.folder} (re-run: {reasons[result.client]})"
        return error or result.folder

    def format_summary(self) -> str:
        """The closing summary table as text."""
        reasons = self.extra.get("reasons") or {}
        rows = [
            (
                r.client if len(r.client) <= 40 else r.client[:39] + "…",
                r.status,
                f"{r.seconds:.1f}",
                self._output(r, reasons),
            )
            for r in self.results
        ]
        header = ("client", "status", "seconds", "output / error")
        lines = text_table(header, rows, right={"seconds"}).splitlines()
        lines.insert(1, "-" * max(len(line) for line in lines))
        counts = {s: sum(r.status == s for r in self.results) for s in ("ok", "skipped", "failed")}
        plural = "" if self.n_jobs == 1 else "s"
        lines.append(
            f"{counts['ok']} ok, {counts['skipped']} skipped, {counts['failed']} failed "
            f"in {self.seconds:.1f} s ({self.executor}, {self.n_jobs} job{plural})"
        )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self.summary.to_html(index=False)

    def __repr__(self) -> str:
        return self.format_summary()


def _n_jobs(jobs: int | None, executor: str, scheduler: str | None) -> int:
    """The number of parallel reports asked for, after checking the batch options."""
    if scheduler and executor != "dask":
        raise DefinitionError(
            "--scheduler is only used by the dask executor.\n"
            "Suggestion: add '--executor dask', or drop --scheduler."
        )
    n_jobs = int(jobs) if jobs is not None else (os.cpu_count() or 1)
    if n_jobs < 1:
        raise DefinitionError(
            f"--jobs must be at least 1, got {jobs}.\nSuggestion: leave it out to use every core."
        )
    return n_jobs


def _sort_out(
    planned: list[ReportJob], resume: bool
) -> tuple[dict[int, ReportResult], list[int], dict[str, str]]:
    """Skip the clients whose report is up to date; the others run, each with its reason."""
    results: dict[int, ReportResult] = {}
    todo: list[int] = []
    reasons: dict[str, str] = {}
    for i, job in enumerate(planned):
        why = stale_reason(job) if resume else "not resumed"
        if why is None:
            results[i] = ReportResult(
                client=job.client, status="skipped", folder=str(job.folder), error=None
            )
        else:
            reasons[job.client] = why
            todo.append(i)
    return results, todo, reasons


def _run_todo(
    planned: list[ReportJob],
    todo: list[int],
    results: dict[int, ReportResult],
    run: Any,
    *,
    n_jobs: int,
    scheduler: str | None,
    progress: bool,
) -> None:
    """Run the jobs ``todo`` (indices of ``planned``) into ``results``, with a progress bar."""
    from tqdm.auto import tqdm  # tqdm.auto looks for IPython: only when a batch runs

    bar = tqdm(
        total=len(planned),
        initial=len(planned) - len(todo),
        desc="reports",
        unit="client",
        disable=not progress,
        file=sys.stderr,
    )
    try:
        by_client = {planned[i].client: i for i in todo}
        work = [planned[i] for i in todo]
        for result in run(work, n_jobs=n_jobs, scheduler=scheduler) if work else ():
            results[by_client[result.client]] = result
            bar.set_postfix_str(f"{result.client[:30]} {result.status}", refresh=False)
            bar.update(1)
    finally:
        bar.close()


def _run_guarded(
    planned: Any,
    todo: Any,
    results: dict,
    run: Any,
    out_dir: str | os.PathLike,
    created: bool,
    **options: Any,
) -> None:
    """Run the reports still to make; on Ctrl-C or an error, leave nothing half-written."""
    try:
        _run_todo(planned, todo, results, run, **options)
    except KeyboardInterrupt:
        raise BatchInterruptedError(
            f"batch interrupted: the reports already finished are kept in {out_dir}; "
            "unfinished ones left nothing behind.\n"
            "Suggestion: run the same command with --resume to make only the missing reports."
        ) from None
    except KpitoolsError:
        if created and not results:  # e.g. no Dask scheduler: leave nothing behind
            clean_stale_temp(out_dir)
            with contextlib.suppress(OSError):
                Path(out_dir).rmdir()
        raise
    finally:
        clean_stale_temp(out_dir)


def run_batch(
    manifest: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    jobs: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = True,
    kernel_name: str = "python3",
    currency: str | None = None,
) -> BatchResult:
    """Make the report of every client of a batch manifest.

    Parameters
    ----------
    manifest : path
        The batch manifest (``defaults:`` + ``clients:``).
    out_dir : path
        Each client's report goes to ``out_dir/<safe client name>/``; ``out_dir/batch.json``
        records the batch (each client's status, inputs, roster, filter, groups, overrides).
    jobs : int, optional
        Parallel reports; default the number of cores.
    executor : {"local", "dask"}
        See :data:`kpitools.report.EXECUTORS`.
    scheduler : str, optional
        Dask scheduler address; without it ``dask`` starts a local cluster.
    resume : bool
        Skip clients whose report is complete and made from the same inputs.
    progress : bool
        Show a tqdm progress bar on stderr.
    kernel_name : str
        The Jupyter kernel that runs the notebooks.
    currency : str, optional
        Every client's currency, over the manifest's and the files' (``--currency``).

    Returns
    -------
    BatchResult
        ``.ok`` is False when any client failed; ``.summary`` / ``format_summary()``.

    Raises
    ------
    DefinitionError
        Any client with bad parameters or missing files (nothing is run then).
    BatchInterruptedError
        Ctrl-C: the finished reports are kept, the others left nothing behind.

    Examples
    --------
    >>> run_batch("templates/batch/manifest.yaml", "reports/batch").ok  # doctest: +SKIP
    True
    """
    started = time.perf_counter()
    run = get_executor(executor)
    n_jobs = _n_jobs(jobs, executor, scheduler)
    planned = plan_batch(manifest, out_dir, kernel_name=kernel_name, currency=currency)
    created = not Path(out_dir).exists()
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    clean_stale_temp(out_dir)
    results, todo, reasons = _sort_out(planned, resume)
    n_jobs = max(1, min(n_jobs, len(todo) or 1))
    _run_guarded(
        planned, todo, results, run, out_dir, created, n_jobs=n_jobs, scheduler=scheduler,
        progress=progress,
    )  # fmt: skip
    seconds = round(time.perf_counter() - started, 3)
    record = batch_record(
        manifest, planned, results, seconds=seconds, executor=executor, n_jobs=n_jobs, resume=resume
    )
    atomic_write(Path(out_dir) / BATCH_RECORD, json.dumps(record, indent=2, default=str) + "\n")
    return BatchResult(
        results=tuple(results[i] for i in range(len(planned)) if i in results),
        seconds=seconds,
        executor=executor,
        n_jobs=n_jobs,
        out_dir=str(out_dir),
        extra={"resume": resume, "reasons": reasons if resume else {}},
    )
