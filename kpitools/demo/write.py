"""Writing the demo company's files: ``data.csv``, ``deals.csv``, ``employees.csv``, ``roster.csv``.

Each file is written atomically, with 15 significant digits: exact for cents, and counts
print as ``12``, not ``12.0``. The same company always gives byte-identical files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .._util.files import atomic_path
from ..errors import KpitoolsError

__all__ = ["DEMO_FILES", "write_frames"]

#: The demo company's files: frame name -> file name.
DEMO_FILES = {
    "data": "data.csv",
    "deals": "deals.csv",
    "employees": "employees.csv",
    "roster": "roster.csv",
}


def write_frames(frames: Mapping[str, pd.DataFrame], out_dir: str | os.PathLike) -> dict[str, Path]:
    """Write the frames named in :data:`DEMO_FILES` into ``out_dir`` (created if needed).

    Parameters
    ----------
    frames : mapping of str to pandas.DataFrame
        ``data``, ``deals``, ``employees`` and ``roster``.
    out_dir : path
        The folder.

    Returns
    -------
    dict of str to pathlib.Path
        Frame name -> the file written.

    Raises
    ------
    KpitoolsError
        If ``out_dir`` is a file.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise KpitoolsError(
            f"Cannot write the demo company into {str(out)!r}: it is a file, not a folder.\n"
            "Suggestion: pass a folder name, e.g. --out reports/demo."
        )
    paths = {}
    for key, name in DEMO_FILES.items():
        path = out / name
        with atomic_path(path) as tmp:
            frames[key].to_csv(tmp, index=False, float_format="%.15g", lineterminator="\n")
        paths[key] = path
    return paths
