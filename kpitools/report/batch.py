"""Batch reports: one manifest, many clients, run in parallel by a pluggable executor.

A batch manifest (YAML) has ``defaults:`` and ``clients:``; each client names its
``client``, ``data``, ``design``, ``schemes`` and any other report parameter, and
may also set ``formats``, ``template`` or ``notebook``. Paths are relative to the
manifest. Every client is checked before any work starts, then each runs in its own
process with its own kernel. A failing client never stops the others: it keeps its
executed notebook with the error and shows in the closing summary.

Executors are registered by name: ``local`` (a process pool on this machine) and
``dask`` (a ``dask.distributed`` cluster: ``--scheduler ADDRESS``, or a local
cluster of worker processes). With ``resume=True`` a client is skipped when its
folder holds a complete report made from the same inputs (file hashes, parameters,
notebook and template: the ``input_hash`` of its ``manifest.json``).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing as mp
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._util.files import safe_name
from .._util.format import text_table
from .._util.yamlfile import read_yaml
from ..errors import DefinitionError, KpitoolsError, did_you_mean
from .run import (
    MANIFEST_NAME,
    REPORT_FORMATS,
    ReportJob,
    ReportResult,
    _dir_sha256,
    clean_stale_temp,
    file_sha256,
    kpitools_sha256,
    parameters_without_paths,
    prepare_job,
    run_job,
)

__all__ = [
    "BatchInterruptedError",
    "BatchResult",
    "EXECUTORS",
    "register_executor",
    "get_executor",
    "load_manifest",
    "plan_batch",
    "run_batch",
    "is_up_to_date",
    "stale_reason",
]

#: Manifest keys that are batch options rather than notebook parameters.
JOB_OPTIONS = ("formats", "template", "notebook")
TOP_KEYS = ("defaults", "clients")
#: Seconds to wait for a Dask scheduler given by ``--scheduler``.
DASK_CONNECT_SECONDS = 10

#: Keys every client must have, given under the client or under ``defaults:``.
REQUIRED_KEYS = ("data", "design", "schemes")


# --------------------------------------------------------------------------- manifest
def load_manifest(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Read a batch manifest and return one merged settings dict per client.

    Client settings override ``defaults``; a ``branding`` mapping is merged key by
    key. The manifest is read with ``yaml.safe_load``.

    Raises
    ------
    DefinitionError
        A missing file, bad YAML or a key given twice (see ``kpitools._util.yamlfile``), unknown
        top-level keys, a client entry that is not a mapping or has no ``client`` name,
        two clients with the same folder name (ignoring case), a client without
        ``data``, ``design`` or ``schemes``.

    Examples
    --------
    >>> clients = load_manifest("templates/batch/manifest.yaml")
    >>> [c["client"] for c in clients][:1]
    ['Northstar Components']
    """
    path = Path(path)
    raw = read_yaml(path, what="batch manifest", example="templates/batch/manifest.yaml").data
    if not isinstance(raw, dict):
        raise DefinitionError(
            f"{path}: a batch manifest must be a mapping with 'defaults:' and 'clients:'.\n"
            "Suggestion: see templates/batch/manifest.yaml."
        )
    problems = [
        f"{path}: unknown key {key!r}.{did_you_mean(str(key), TOP_KEYS)}"
        for key in raw
        if key not in TOP_KEYS
    ]
    defaults = raw.get("defaults") or {}
    clients = raw.get("clients")
    if not isinstance(defaults, dict):
        problems.append(f"{path}: defaults must be a mapping of report parameters.")
        defaults = {}
    if not isinstance(clients, list) or not clients:
        problems.append(f"{path}: clients must be a non-empty list.")
        clients = []
    merged: list[dict[str, Any]] = []
    folders: dict[str, int] = {}
    for i, entry in enumerate(clients):
        where = f"{path}: clients[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{where} must be a mapping with at least 'client:'.")
            continue
        name = entry.get("client")
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{where} has no 'client' name.")
            continue
        folder = safe_name(name)
        # casefold: "Acme" and "ACME" are one folder on a case-insensitive disk
        first = folders.get(folder.casefold())
        if first is not None:
            problems.append(
                f"{where} ({name}): would share the output folder {folder!r} with "
                f"clients[{first}] ({clients[first]['client']}); folder names ignore case "
                "and punctuation, so rename one of them."
            )
        folders.setdefault(folder.casefold(), i)
        settings = {**defaults, **entry}
        absent = [key for key in REQUIRED_KEYS if key not in settings]
        if absent:
            problems.append(
                f"{where} ({name}): missing {', '.join(repr(k) for k in absent)}; give "
                "it under the client or under 'defaults:' (data: \"\" means the demo company)."
            )
        if isinstance(defaults.get("branding"), dict) and isinstance(entry.get("branding"), dict):
            settings["branding"] = {**defaults["branding"], **entry["branding"]}
        merged.append(settings)
    if problems:
        raise DefinitionError(
            "\n".join(problems) + "\nSuggestion: fix the manifest (see "
            "templates/batch/manifest.yaml for an example)."
        )
    return merged


def plan_batch(
    manifest: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    kernel_name: str = "python3",
) -> list[ReportJob]:
    """Check every client of a manifest and return their jobs, before any work.

    All problems of all clients are reported at once.

    Examples
    --------
    >>> jobs = plan_batch("templates/batch/manifest.yaml", "reports/batch")  # doctest: +SKIP
    """
    manifest = Path(manifest)
    jobs: list[ReportJob] = []
    problems: list[str] = []
    for i, settings in enumerate(load_manifest(manifest)):
        settings = dict(settings)
        client = settings.pop("client")
        options = {k: settings.pop(k) for k in JOB_OPTIONS if k in settings}
        base = manifest.parent.resolve()

        def under(value, base=base):
            return str(value if Path(value).is_absolute() else base / value)

        try:
            jobs.append(
                prepare_job(
                    client,
                    settings,
                    out_dir,
                    formats=options.get("formats", REPORT_FORMATS),
                    notebook=under(options["notebook"]) if options.get("notebook") else None,
                    template=under(options["template"]) if options.get("template") else None,
                    base_dir=base,
                    kernel_name=kernel_name,
                    where=f"{manifest}: clients[{i}] ({client})",
                )
            )
        except KpitoolsError as exc:
            problems.append(str(exc))
    if problems:
        raise DefinitionError("\n".join(problems))
    return jobs


def is_up_to_date(job: ReportJob) -> bool:
    """True when the job's folder holds a complete, successful report of the same inputs.

    Examples
    --------
    >>> is_up_to_date(job)  # doctest: +SKIP
    True
    """
    return stale_reason(job) is None


def stale_reason(job: ReportJob) -> str | None:
    """Why the job's report must be (re)made, in a few words; None when it is up to date.

    Inputs are the client's files (data, design, schemes, logo), its parameters and
    formats, the notebook, the template and kpitools' own code.

    Examples
    --------
    >>> stale_reason(job)  # doctest: +SKIP
    'changed: data, budget'
    """
    import json

    try:
        manifest = json.loads((job.folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except OSError:
        return "no report yet"
    except ValueError:
        return "its manifest.json is unreadable"
    if not isinstance(manifest, dict):
        return "its manifest.json is unreadable"
    if manifest.get("status") != "ok":
        return "the last run failed"
    if manifest.get("input_hash") != job.input_hash:
        old = {str(i.get("name")): i.get("sha256") for i in manifest.get("inputs") or []}
        new = {name: sha for name, _, sha in job.inputs}
        changed = [n for n in new if old.get(n) != new[n]] + [n for n in old if n not in new]
        before = parameters_without_paths(manifest.get("parameters") or {})
        now = json.loads(json.dumps(parameters_without_paths(job.parameters), default=str))
        changed += [k for k in sorted(set(before) | set(now)) if before.get(k) != now.get(k)]
        if manifest.get("formats") != list(job.formats):
            changed.append("formats")
        if (manifest.get("notebook") or {}).get("sha256") != file_sha256(job.notebook):
            changed.append("notebook")
        if (manifest.get("template") or {}).get("sha256") != _dir_sha256(Path(job.template)):
            changed.append("template")
        if manifest.get("kpitools_sha256") != kpitools_sha256():
            changed.append("kpitools")
        return "changed: " + ", ".join(dict.fromkeys(changed)) if changed else "inputs changed"
    for output in manifest.get("outputs") or []:
        file = job.folder / str(output.get("file"))
        if not file.is_file() or file_sha256(file) != output.get("sha256"):
            return f"{output.get('file')} was changed or removed"
    return None


# --------------------------------------------------------------------------- executors
EXECUTORS: dict[str, Callable[..., Iterator[ReportResult]]] = {}


def register_executor(name: str):
    """Register ``func(jobs, *, n_jobs, scheduler) -> iterator of ReportResult`` by name.

    Results may come in any order. A job whose worker dies must still yield a
    ``failed`` result.

    Examples
    --------
    >>> @register_executor("serial")  # doctest: +SKIP
    ... def run_serial(jobs, *, n_jobs, scheduler=None):
    ...     yield from map(run_job, jobs)
    """

    def decorate(func):
        EXECUTORS[name] = func
        return func

    return decorate


def get_executor(name: str) -> Callable[..., Iterator[ReportResult]]:
    """Return the executor registered as ``name``; a miss lists the known names.

    Examples
    --------
    >>> get_executor("local").__name__
    'run_local'
    """
    try:
        return EXECUTORS[name]
    except KeyError:
        raise DefinitionError(
            f"Unknown executor {name!r}.{did_you_mean(name, EXECUTORS)}\n"
            f"Suggestion: use one of: {', '.join(sorted(EXECUTORS))}."
        ) from None


def _died(job: ReportJob, why: str) -> ReportResult:
    return ReportResult(client=job.client, status="failed", folder=str(job.folder), error=why)


_INTERRUPTED = False


def _stop_on_sigint(signum, frame) -> None:
    """Ctrl-C in a local worker: stop the running report once, start no other one."""
    global _INTERRUPTED
    if _INTERRUPTED:
        return  # a second Ctrl-C must not break the clean-up of the first
    _INTERRUPTED = True
    raise KeyboardInterrupt


def _run_local_job(job: ReportJob) -> ReportResult:
    if _INTERRUPTED:
        raise KeyboardInterrupt("the batch was interrupted")
    return run_job(job)


def warm_worker(zygote: bool = False) -> None:
    """Import what every report needs once per worker process, not once per report.

    With ``zygote=True`` (a single-threaded worker of the local executor) the worker
    first forks a kernel zygote, from which each report's fresh kernel is forked with
    its modules already imported (see :mod:`kpitools.report.zygote`).
    """
    if zygote:
        from . import zygote as _zygote

        signal.signal(signal.SIGINT, _stop_on_sigint)
        _zygote.start()
    import nbconvert  # noqa: F401
    import openpyxl  # noqa: F401
    import papermill  # noqa: F401
    import weasyprint  # noqa: F401

    from . import run as report

    report._exporter(str(report.default_template_dir()))


@register_executor("local")
def run_local(
    jobs: Sequence[ReportJob], *, n_jobs: int, scheduler: str | None = None
) -> Iterator[ReportResult]:
    """Run jobs in a pool of worker processes on this machine.

    Workers are forked from a clean fork server that has already imported papermill
    and nbconvert, so no report pays for those imports again; each worker forks its
    reports' kernels from a warm zygote (:mod:`kpitools.report.zygote`).
    """
    if scheduler:
        raise DefinitionError(
            "--scheduler is only used by the dask executor.\n"
            "Suggestion: add '--executor dask', or drop --scheduler."
        )
    try:
        context = mp.get_context("forkserver")
        context.set_forkserver_preload(["kpitools.report", "papermill", "nbconvert"])
    except ValueError:  # pragma: no cover - platforms without fork servers
        context = mp.get_context("spawn")
    pending = list(jobs)
    # A worker that dies (killed, out of memory) breaks the whole pool: every report
    # not yet finished then runs once more in a new pool; twice broken means failed.
    for attempt in range(2):
        broken: list[ReportJob] = []
        with cf.ProcessPoolExecutor(
            max_workers=n_jobs, mp_context=context, initializer=warm_worker, initargs=(True,)
        ) as pool:
            futures = {pool.submit(_run_local_job, job): job for job in pending}
            try:
                for future in cf.as_completed(futures):
                    job = futures[future]
                    try:
                        yield future.result()
                    except cf.process.BrokenProcessPool:
                        if attempt == 0:
                            broken.append(job)
                        else:
                            yield _died(job, "the worker process died (killed or out of memory)")
                    except Exception as exc:  # noqa: BLE001 - one client never stops the others
                        yield _died(job, f"{type(exc).__name__}: {exc}")
            except BaseException:
                # Ctrl-C (or the caller stopped reading): reports not yet started never
                # start; leaving the pool then waits only for those already running.
                workers = list((getattr(pool, "_processes", None) or {}).values())
                pool.shutdown(wait=False, cancel_futures=True)
                # Workers stop their report (its temp folder is removed) and skip the
                # ones already handed to them; a terminal's Ctrl-C reached them already.
                for proc in workers:
                    with contextlib.suppress(OSError):
                        os.kill(proc.pid, signal.SIGINT)
                raise
        if not broken:
            return
        pending = broken


@register_executor("dask")
def run_dask(
    jobs: Sequence[ReportJob], *, n_jobs: int, scheduler: str | None = None
) -> Iterator[ReportResult]:
    """Run jobs on a Dask cluster: at ``scheduler``, or a local cluster of processes.

    With a remote scheduler every worker must see the same paths (a shared disk) and
    have kpitools installed.
    """
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout=DASK_CONNECT_SECONDS)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            why = str(exc).strip() or type(exc).__name__
            raise DefinitionError(
                f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({why}).\n"
                "Suggestion: start one with 'dask scheduler' and pass the address it prints "
                "(e.g. tcp://10.0.0.5:8786), or leave out --scheduler to use a local cluster."
            ) from None
    else:
        cluster = LocalCluster(
            n_workers=n_jobs,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
    try:
        client.run(warm_worker)
        futures = client.map(
            run_job,
            list(jobs),
            pure=False,
            key=[f"kpitools-report-{safe_name(j.client)}-{j.input_hash[:12]}" for j in jobs],
        )
        by_key = {f.key: job for f, job in zip(futures, jobs, strict=True)}
        for future in as_completed(futures):
            job = by_key[future.key]
            try:
                yield future.result()
            except Exception as exc:  # noqa: BLE001 - one client never stops the others
                yield _died(job, f"{type(exc).__name__}: {exc}")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --------------------------------------------------------------------------- running
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

    def format_summary(self) -> str:
        """The closing summary table as text."""
        rows = []
        reasons = self.extra.get("reasons") or {}
        for r in self.results:
            error = (r.error or "").splitlines()[0] if r.error else ""
            if r.status == "skipped":
                output = f"inputs unchanged: {r.folder}"
            elif r.client in reasons and not error:
                output = f"{r.folder} (re-run: {reasons[r.client]})"
            else:
                output = error or r.folder
            name = r.client if len(r.client) <= 40 else r.client[:39] + "…"
            rows.append((name, r.status, f"{r.seconds:.1f}", output))
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
) -> BatchResult:
    """Make the report of every client of a batch manifest.

    Parameters
    ----------
    manifest : path
        The batch manifest (``defaults:`` + ``clients:``).
    out_dir : path
        Each client's report goes to ``out_dir/<safe client name>/``.
    jobs : int, optional
        Parallel reports; default the number of cores.
    executor : {"local", "dask"}
        See :data:`EXECUTORS`.
    scheduler : str, optional
        Dask scheduler address; without it ``dask`` starts a local cluster.
    resume : bool
        Skip clients whose report is complete and made from the same inputs.
    progress : bool
        Show a tqdm progress bar on stderr.

    Returns
    -------
    BatchResult
        ``.ok`` is False when any client failed; ``.summary`` / ``format_summary()``.

    Raises
    ------
    DefinitionError
        Any client with bad parameters or missing files (nothing is run then).

    Examples
    --------
    >>> run_batch("templates/batch/manifest.yaml", "reports/batch").ok  # doctest: +SKIP
    True
    """
    from tqdm.auto import tqdm

    started = time.perf_counter()
    run = get_executor(executor)
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
    planned = plan_batch(manifest, out_dir, kernel_name=kernel_name)
    created = not Path(out_dir).exists()
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    clean_stale_temp(out_dir)
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
    position = {id(planned[i]): i for i in todo}
    n_jobs = max(1, min(n_jobs, len(todo) or 1))
    bar = tqdm(
        total=len(planned),
        initial=len(planned) - len(todo),
        desc="reports",
        unit="client",
        disable=not progress,
        file=sys.stderr,
    )
    try:
        if todo:
            todo_jobs = [planned[i] for i in todo]
            by_client = {j.client: position[id(j)] for j in todo_jobs}
            for result in run(todo_jobs, n_jobs=n_jobs, scheduler=scheduler):
                results[by_client[result.client]] = result
                bar.set_postfix_str(f"{result.client[:30]} {result.status}", refresh=False)
                bar.update(1)
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
        bar.close()
        clean_stale_temp(out_dir)
    ordered = tuple(results[i] for i in range(len(planned)) if i in results)
    return BatchResult(
        results=ordered,
        seconds=round(time.perf_counter() - started, 3),
        executor=executor,
        n_jobs=n_jobs,
        out_dir=str(out_dir),
        extra={"resume": resume, "reasons": reasons if resume else {}},
    )
