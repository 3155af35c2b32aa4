"""``--resume``: whether a client's report is up to date, and if not, why it must run again.

A report is up to date when its folder holds a complete, successful report made from the
same inputs: the client's files by their contents, its parameters and formats, the
notebook, the template and kpitools' own code (the ``input_hash`` of its
``manifest.json``), with every output file as it was written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .job import ReportJob
from .params import parameters_without_paths
from .provenance import dir_sha256, file_sha256, kpitools_sha256
from .run import MANIFEST_NAME

__all__ = ["is_up_to_date", "stale_reason"]


def is_up_to_date(job: ReportJob) -> bool:
    """True when the job's folder holds a complete, successful report of the same inputs.

    Examples
    --------
    >>> is_up_to_date(job)  # doctest: +SKIP
    True
    """
    return stale_reason(job) is None


def _changed_inputs(job: ReportJob, manifest: dict[str, Any]) -> str:
    """What differs between the job and the report its folder holds, in a few words."""
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
    if (manifest.get("template") or {}).get("sha256") != dir_sha256(Path(job.template)):
        changed.append("template")
    if manifest.get("kpitools_sha256") != kpitools_sha256():
        changed.append("kpitools")
    return "changed: " + ", ".join(dict.fromkeys(changed)) if changed else "inputs changed"


def stale_reason(job: ReportJob) -> str | None:
    """Why the job's report must be (re)made, in a few words; None when it is up to date.

    Inputs are the client's files (data, design, schemes, logo), its parameters and
    formats, the notebook, the template and kpitools' own code.

    Examples
    --------
    >>> stale_reason(job)  # doctest: +SKIP
    'changed: data, budget'
    """
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
        return _changed_inputs(job, manifest)
    for output in manifest.get("outputs") or []:
        file = job.folder / str(output.get("file"))
        if not file.is_file() or file_sha256(file) != output.get("sha256"):
            return f"{output.get('file')} was changed or removed"
    return None
