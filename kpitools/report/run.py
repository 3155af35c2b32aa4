"""Run one report: the notebook through papermill, then each output format, moved into place.

One report is one job (:class:`~kpitools.report.job.ReportJob`). The notebook runs in its
own kernel, with its parameters injected by papermill, inside a hidden temporary folder
(:mod:`kpitools.report.folders`); the outputs are written there and the folder is renamed
into ``OUT/<safe client name>/`` only when complete.

The folder of a finished client holds ``report.html``, ``report.pdf``, ``payouts.xlsx``
(:mod:`kpitools.report.formats`), ``recommendation.json`` (the decision rule's outcome,
whatever the formats), ``statements/<employee>.pdf`` when asked for, the executed
``report.ipynb`` for audit and ``manifest.json`` (inputs with sha256, parameters, package
versions, timings). A client
whose notebook fails keeps ``report.ipynb`` with the error and a ``manifest.json`` saying
why.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._util.files import atomic_write, safe_name
from ..errors import KpitoolsError
from .folders import clean_stale_temp, move_into_place, temp_folder
from .formats import OUTPUT_FORMATS, REPORT_FORMATS, Rendering
from .inputs import check_inputs
from .job import ReportJob, prepare_job
from .kernel import quiet_kernel_manager
from .provenance import dir_sha256, file_sha256, kpitools_sha256, notebook_timings, package_versions
from .recommendation import RECOMMENDATION_FILE

__all__ = [
    "MANIFEST_NAME",
    "NOTEBOOK_NAME",
    "ReportFailedError",
    "ReportResult",
    "make_report",
    "run_job",
]

#: The input files whose paths :func:`make_report`'s up-front check reads as given.
_GIVEN = ("data", "design", "schemes", "roster")

MANIFEST_NAME = "manifest.json"
NOTEBOOK_NAME = "report.ipynb"


class ReportFailedError(KpitoolsError):
    """Some reports failed (their notebooks raised); the CLI exits with code 1."""

    exit_code = 1


@dataclass(frozen=True, kw_only=True)
class ReportResult:
    """What happened to one report: ``status`` is ``ok``, ``failed`` or ``skipped``."""

    client: str
    status: str
    folder: str
    seconds: float = 0.0
    error: str | None = None
    timings: Mapping[str, float] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True unless the report failed."""
        return self.status != "failed"

    def __repr__(self) -> str:
        what = self.error if self.error else ", ".join(self.outputs)
        return f"ReportResult({self.client!r}, {self.status}, {self.seconds:.1f} s: {what})"


def _error_text(exc: BaseException) -> str:
    ename = getattr(exc, "ename", None)
    if ename is not None:
        evalue = str(getattr(exc, "evalue", "")).strip()
        count = getattr(exc, "exec_count", None)
        where = f" (notebook cell [{count}])" if count is not None else ""
        return f"{ename}: {evalue}{where}"
    if type(exc).__name__ == "NoSuchKernel":  # jupyter_client's: the kernel is not installed
        name = getattr(exc, "name", "") or str(exc).rsplit(" ", 1)[-1]
        return (
            f"NoSuchKernel: no Jupyter kernel named {name!r} is installed.\n"
            f"Suggestion: install it in the environment the report runs in "
            f"(python -m ipykernel install --user --name {name}), or use the 'python3' kernel."
        )
    return f"{type(exc).__name__}: {exc}".strip()


def _manifest_record(job: ReportJob, **fields: Any) -> dict[str, Any]:
    """The contents of ``manifest.json``: how the report was made, and ``fields``."""
    return {
        "kpitools_manifest": 1,
        "client": job.client,
        "folder": safe_name(job.client),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "input_hash": job.input_hash,
        "notebook": {"path": job.notebook, "sha256": file_sha256(job.notebook)},
        "template": {"path": job.template, "sha256": dir_sha256(Path(job.template))},
        "inputs": [{"name": n, "path": p, "sha256": h} for n, p, h in job.inputs],
        "parameters": dict(job.parameters),
        "formats": list(job.formats),
        "kpitools_sha256": kpitools_sha256(),
        "packages": package_versions(),
        **fields,
    }


def _outputs_list(folder: Path) -> list[dict[str, Any]]:
    """Every file made, with its size and hash (``statements/a.pdf`` in its subfolder)."""
    return [
        {"file": p.relative_to(folder).as_posix(), "bytes": p.stat().st_size,
         "sha256": file_sha256(p)}
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST_NAME
    ]  # fmt: skip


def _execute(job: ReportJob, nb_path: Path, params: Mapping[str, Any]) -> Any:
    """Run the notebook with papermill in its own kernel; return the executed notebook."""
    import papermill  # heavy (nbclient, jupyter_client): loaded only when a report runs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return papermill.execute_notebook(
            job.notebook,
            str(nb_path),
            parameters=dict(params),
            kernel_name=job.kernel_name,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            cwd=str(nb_path.parent),
            # the executed notebook is complete: no need for a polite shutdown
            shutdown_kernel="immediate",
            kernel_manager_class=quiet_kernel_manager(),
        )


def _make(job: ReportJob, tmp: Path, timings: dict[str, float]) -> str | None:
    """Execute the notebook and write every format into ``tmp``; the error text, if any.

    On failure only the executed notebook (with its error) stays in ``tmp``.
    """
    # recommendation.json goes beside every report, whatever the formats
    params = {**job.parameters, "recommendation_path": RECOMMENDATION_FILE}
    formats = [OUTPUT_FORMATS.get(name) for name in job.formats]
    for fmt in formats:
        if fmt.notebook_parameter:
            params[fmt.notebook_parameter] = fmt.file  # relative to the kernel's cwd: tmp
    nb_path = tmp / NOTEBOOK_NAME
    try:
        t0 = time.perf_counter()
        nb = _execute(job, nb_path, params)
        timings["notebook_total"] = round(time.perf_counter() - t0, 3)
        timings.update(notebook_timings(nb))
        rendering = Rendering(
            notebook=nb,
            folder=tmp,
            client=job.client,
            template=job.template,
            branding=params.get("branding"),
            locale=params.get("locale"),
        )
        for fmt in formats:
            t0 = time.perf_counter()
            fmt.write(rendering)
            if fmt.timing:
                timings[fmt.timing] = round(time.perf_counter() - t0, 3)
    except Exception as exc:  # noqa: BLE001 - a failing client is a result, not a crash
        if nb_path.is_file():
            import nbformat  # only to read the timings of a failed notebook

            with contextlib.suppress(Exception):
                timings.update(notebook_timings(nbformat.read(nb_path, as_version=4)))
        for leftover in tmp.iterdir():
            if leftover.name != NOTEBOOK_NAME:
                leftover.unlink() if leftover.is_file() else shutil.rmtree(leftover)
        return _error_text(exc)
    return None


def run_job(job: ReportJob) -> ReportResult:
    """Run one report: execute the notebook, render the outputs, move them into place.

    Never raises for a failing notebook: the result says ``failed``, the executed
    notebook with its error is kept as ``report.ipynb`` and ``manifest.json``
    records the error. Safe to call in a worker process (jobs and results pickle).

    Examples
    --------
    >>> run_job(prepare_job("Acme", params, "out")).status  # doctest: +SKIP
    'ok'
    """
    started = time.perf_counter()
    final = job.folder
    tmp = temp_folder(Path(job.out_dir), job.client)
    timings: dict[str, float] = {}
    try:
        error = _make(job, tmp, timings)
        timings["total"] = round(time.perf_counter() - started, 3)
        status = "failed" if error else "ok"
        manifest = _manifest_record(
            job, status=status, error=error, timings=timings, outputs=_outputs_list(tmp)
        )
        atomic_write(tmp / MANIFEST_NAME, json.dumps(manifest, indent=2, default=str) + "\n")
        move_into_place(tmp, final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    outputs = tuple(sorted(p.name for p in final.iterdir() if p.is_file()))
    return ReportResult(
        client=job.client,
        status=status,
        folder=str(final),
        seconds=round(time.perf_counter() - started, 3),
        error=error,
        timings=timings,
        outputs=outputs,
    )


def make_report(
    client: str,
    *,
    data: str | os.PathLike,
    design: str | os.PathLike,
    schemes: Sequence[str | os.PathLike],
    out: str | os.PathLike,
    formats: str | Sequence[str] = REPORT_FORMATS,
    template: str | os.PathLike | None = None,
    notebook: str | os.PathLike | None = None,
    kernel_name: str = "python3",
    roster: str | os.PathLike | None = None,
    by: str | Sequence[str] = (),
    **parameters: Any,
) -> ReportResult:
    """Make one client report into ``out/<safe client name>/``.

    Parameters are checked before any work (see :func:`kpitools.report.validate_parameters`),
    then the design, schemes, data and roster are read as ``kpitools simulate`` reads them
    (:func:`kpitools.report.inputs.check_inputs`): a bad input raises before any notebook
    runs and nothing is written;
    other report parameters (``budget``, ``currency``, ``forecast_draws``, ``seed``,
    ``branding``, ``where``, ``overrides``, ...) pass as keywords. A ``roster`` file adds the
    section "Cost and attainment by …" per team and region, or per ``by`` column; the roster,
    ``where`` and ``overrides`` are checked against the files before any work
    (:mod:`kpitools.report.scope`).

    Returns
    -------
    ReportResult
        ``status`` is ``failed`` (with ``error``) when the notebook failed.

    Raises
    ------
    DefinitionError
        Unknown or mistyped parameters, missing input files, a bad template folder.
    KpitoolsError
        A bad input file (``DefinitionError``, ``DataValidationError``): simulate's message.

    Examples
    --------
    >>> make_report("Acme", data="data.csv", design="design.yaml",
    ...             schemes=["scheme.yaml"], out="reports", roster="roster.csv",
    ...             where="region == East", by=["team"])  # doctest: +SKIP
    ReportResult('Acme', ok, 9.8 s: manifest.json, payouts.xlsx, report.html, ...)
    """
    params = {
        **parameters,
        "data": str(data),
        "design": str(design),
        "schemes": [str(s) for s in schemes],
    }
    if roster is not None:
        params["roster"] = os.fspath(roster)
    if by:
        params["by"] = [by] if isinstance(by, str) else list(by)
    job = prepare_job(
        client,
        params,
        out,
        formats=formats,
        notebook=notebook,
        template=template,
        kernel_name=kernel_name,
    )
    # the files as given (read from the current folder, as the job's): messages name them so
    check_inputs({**job.parameters, **{k: v for k, v in params.items() if k in _GIVEN}})
    result = run_job(job)
    clean_stale_temp(job.out_dir)
    return result
