"""Batch executors, registered by name: where the reports of a batch run.

An executor is ``func(jobs, *, n_jobs, scheduler) -> iterator of ReportResult``; results
may come in any order, and a job whose worker dies must still yield a ``failed`` result.
Built in: ``local`` (a pool of worker processes on this machine, each forking its reports'
kernels from a warm zygote) and ``dask`` (a ``dask.distributed`` cluster: ``--scheduler
ADDRESS``, or a local cluster of worker processes).

Examples
--------
>>> EXECUTORS.names()
['local', 'dask']
>>> @EXECUTORS.register("serial")  # doctest: +SKIP
... def run_serial(jobs, *, n_jobs, scheduler=None):
...     yield from map(run_job, jobs)
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing as mp
import os
import signal
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import Any

from .._util.files import safe_name
from .._util.registry import Registry
from ..errors import DefinitionError
from .job import ReportJob
from .render import default_template_dir, html_exporter
from .run import ReportResult, run_job
from .zygote import start as start_zygote

__all__ = [
    "DASK_CONNECT_SECONDS",
    "EXECUTORS",
    "get_executor",
    "register_executor",
    "run_dask",
    "run_local",
    "warm_worker",
]

#: Seconds to wait for a Dask scheduler given by ``--scheduler``.
DASK_CONNECT_SECONDS = 10

Executor = Callable[..., Iterator[ReportResult]]

#: The batch executors by name.
EXECUTORS: Registry[Executor] = Registry("executor")


def register_executor(name: str) -> Callable[[Executor], Executor]:
    """Register an executor by name (a decorator): ``EXECUTORS.register(name)``."""
    return EXECUTORS.register(name)


def get_executor(name: str) -> Executor:
    """Return the executor registered as ``name``; a miss lists the known names.

    Examples
    --------
    >>> get_executor("local").__name__
    'run_local'
    """
    return EXECUTORS.get(name)


def _died(job: ReportJob, why: str) -> ReportResult:
    return ReportResult(client=job.client, status="failed", folder=str(job.folder), error=why)


def _no_scheduler(scheduler: str | None) -> None:
    if scheduler:
        raise DefinitionError(
            "--scheduler is only used by the dask executor.\n"
            "Suggestion: add '--executor dask', or drop --scheduler."
        )


_INTERRUPTED = False


def _stop_on_sigint(signum: int, frame: Any) -> None:
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
        signal.signal(signal.SIGINT, _stop_on_sigint)
        start_zygote()
    # heavy, and the point of warming up: loaded once here instead of in every report
    import nbconvert  # noqa: F401
    import openpyxl  # noqa: F401
    import papermill  # noqa: F401
    import weasyprint  # noqa: F401

    html_exporter(str(default_template_dir()))


def _local_context() -> Any:
    """Workers forked from a clean fork server that has imported papermill and nbconvert."""
    try:
        context = mp.get_context("forkserver")
        context.set_forkserver_preload(["kpitools.report", "papermill", "nbconvert"])
    except ValueError:  # pragma: no cover - platforms without fork servers
        context = mp.get_context("spawn")
    return context


def _stop_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Ctrl-C: queued reports never start, running ones stop and clean up."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    # Workers stop their report (its temp folder is removed) and skip the ones already
    # handed to them; a terminal's Ctrl-C reached them already.
    for proc in workers:
        with contextlib.suppress(OSError):
            os.kill(proc.pid, signal.SIGINT)


def _run_pool(
    jobs: list[ReportJob], context: Any, n_jobs: int, *, last: bool
) -> Generator[ReportResult, None, list[ReportJob]]:
    """Yield the results of one pool; return the jobs a dead worker took down, to run again.

    On the ``last`` try those jobs fail instead.
    """
    broken: list[ReportJob] = []
    with cf.ProcessPoolExecutor(
        max_workers=n_jobs, mp_context=context, initializer=warm_worker, initargs=(True,)
    ) as pool:
        futures = {pool.submit(_run_local_job, job): job for job in jobs}
        try:
            for future in cf.as_completed(futures):
                job = futures[future]
                try:
                    yield future.result()
                except cf.process.BrokenProcessPool:
                    if not last:
                        broken.append(job)
                    else:
                        yield _died(job, "the worker process died (killed or out of memory)")
                except Exception as exc:  # noqa: BLE001 - one client never stops the others
                    yield _died(job, f"{type(exc).__name__}: {exc}")
        except BaseException:
            # Ctrl-C (or the caller stopped reading): leaving the pool then waits only
            # for the reports already running.
            _stop_pool(pool)
            raise
    return broken


@EXECUTORS.register("local")
def run_local(
    jobs: Sequence[ReportJob], *, n_jobs: int, scheduler: str | None = None
) -> Iterator[ReportResult]:
    """Run jobs in a pool of worker processes on this machine.

    Workers are forked from a clean fork server that has already imported papermill
    and nbconvert, so no report pays for those imports again; each worker forks its
    reports' kernels from a warm zygote (:mod:`kpitools.report.zygote`). A worker that
    dies (killed, out of memory) breaks the whole pool: every report not yet finished
    then runs once more in a new pool; twice broken means failed.
    """
    _no_scheduler(scheduler)
    context = _local_context()
    pending = list(jobs)
    for attempt in range(2):
        pending = yield from _run_pool(pending, context, n_jobs, last=attempt == 1)
        if not pending:
            return


def _dask_client(scheduler: str | None, n_jobs: int) -> tuple[Any, Any]:
    """A client of the scheduler at ``scheduler``, or of a new local cluster (also returned)."""
    from distributed import Client, LocalCluster  # optional heavy dependency: dask only

    if not scheduler:
        cluster = LocalCluster(
            n_workers=n_jobs, threads_per_worker=1, processes=True, dashboard_address=None
        )
        return Client(cluster), cluster
    try:
        return Client(scheduler, timeout=DASK_CONNECT_SECONDS), None
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        why = str(exc).strip() or type(exc).__name__
        raise DefinitionError(
            f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({why}).\n"
            "Suggestion: start one with 'dask scheduler' and pass the address it prints "
            "(e.g. tcp://10.0.0.5:8786), or leave out --scheduler to use a local cluster."
        ) from None


@EXECUTORS.register("dask")
def run_dask(
    jobs: Sequence[ReportJob], *, n_jobs: int, scheduler: str | None = None
) -> Iterator[ReportResult]:
    """Run jobs on a Dask cluster: at ``scheduler``, or a local cluster of processes.

    With a remote scheduler every worker must see the same paths (a shared disk) and
    have kpitools installed.
    """
    from distributed import as_completed  # optional heavy dependency: dask only

    client, cluster = _dask_client(scheduler, n_jobs)
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
