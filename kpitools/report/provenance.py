"""How a report was made, for its ``manifest.json``: hashes, package versions, timings.

A batch also leaves ``batch.json`` (:func:`batch_record`): the manifest with its sha256 and,
per client, its status, its input files with their sha256 and what its report covers (the
roster, the filter, the group columns and the scheme overrides).

Files count by their contents (sha256), folders by the hashes of their files, kpitools by
the hash of all its code; a report made from other inputs or other code is not up to date
(see :mod:`kpitools.report.resume`).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

__all__ = [
    "BATCH_RECORD",
    "PACKAGES",
    "batch_record",
    "dir_sha256",
    "file_sha256",
    "kpitools_sha256",
    "notebook_timings",
    "package_versions",
]

#: The file a batch writes into its output folder: how each client's report was made.
BATCH_RECORD = "batch.json"

#: Packages whose versions every manifest records.
PACKAGES = (
    "kpitools",
    "numpy",
    "pandas",
    "scipy",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbconvert",
    "nbformat",
    "nbclient",
    "ipykernel",
    "jupyter_client",
    "weasyprint",
    "openpyxl",
    "pyyaml",
    "pydantic",
)


def file_sha256(path: str | os.PathLike) -> str:
    """Return the hex sha256 of a file's bytes (read in chunks).

    Examples
    --------
    >>> len(file_sha256("templates/report/conf.json"))
    64
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def dir_sha256(path: Path) -> str:
    """The sha256 of a folder: every file's relative path and contents, in order.

    Examples
    --------
    >>> len(dir_sha256(Path("templates/report")))
    64
    """
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(file.relative_to(path).as_posix().encode())
        digest.update(file_sha256(file).encode())
    return digest.hexdigest()


@functools.cache
def kpitools_sha256() -> str:
    """The hash of kpitools' own code: a report made by other code is not up to date.

    Examples
    --------
    >>> len(kpitools_sha256())
    64
    """
    package = Path(__file__).resolve().parent.parent  # all of kpitools, not only report/
    digest = hashlib.sha256()
    for file in sorted(package.rglob("*.py")):
        digest.update(file.relative_to(package).as_posix().encode())
        digest.update(file_sha256(file).encode())
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    """Python's version and those of :data:`PACKAGES` (``not installed`` when missing).

    Examples
    --------
    >>> sorted(package_versions())[:2]
    ['ipykernel', 'jupyter_client']
    """
    found = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def _parse_time(text: Any) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def notebook_timings(nb: Any) -> dict[str, float]:
    """Kernel start and cell execution seconds from papermill's notebook metadata.

    Returns
    -------
    dict
        ``kernel_start`` (papermill's start to the first cell), ``execution`` (first cell
        start to last cell end) and ``cells`` (the sum of the cells' durations), each when
        known.
    """
    meta = nb.metadata.get("papermill", {})
    started = _parse_time(meta.get("start_time"))
    cells = [c.metadata.get("papermill", {}) for c in nb.cells if c.cell_type == "code"]
    starts = [t for t in (_parse_time(c.get("start_time")) for c in cells) if t]
    ends = [t for t in (_parse_time(c.get("end_time")) for c in cells) if t]
    out: dict[str, float] = {}
    if started and starts:
        out["kernel_start"] = round((min(starts) - started).total_seconds(), 3)
    if starts and ends:
        out["execution"] = round((max(ends) - min(starts)).total_seconds(), 3)
        out["cells"] = round(sum(float(c.get("duration") or 0.0) for c in cells), 3)
    return out


def _client_record(job: Any, result: Any) -> dict[str, Any]:
    """One client of ``batch.json``: status, input files, roster, filter, groups, overrides."""
    params = job.parameters
    inputs = [{"name": n, "path": p, "sha256": h} for n, p, h in job.inputs]
    roster = next((item for item in inputs if item["name"] == "roster"), None)
    return {
        "client": job.client,
        "folder": str(job.folder),
        "status": result.status if result is not None else "not run",
        "error": result.error if result is not None else None,
        "data": params.get("data") or "",  # empty: the demo company
        "roster": roster,
        "where": params.get("where") or None,
        "by": list(params.get("by") or []),
        "overrides": dict(params.get("overrides") or {}),
        "inputs": inputs,
    }


def batch_record(
    manifest: str | os.PathLike, jobs: Any, results: Any, **fields: Any
) -> dict[str, Any]:
    """The contents of ``batch.json``: the manifest, then each client in manifest order.

    Parameters
    ----------
    manifest : path
        The batch manifest (recorded with its sha256).
    jobs : sequence of ReportJob
        The planned jobs.
    results : mapping of int to ReportResult
        The result of each job, by its index in ``jobs``.
    **fields
        Recorded as they are (seconds, executor, n_jobs, resume).
    """
    return {
        "kpitools_batch": 1,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "manifest": {"path": str(Path(manifest).resolve()), "sha256": file_sha256(manifest)},
        **fields,
        "clients": [_client_record(job, results.get(i)) for i, job in enumerate(jobs)],
    }
