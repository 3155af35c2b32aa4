"""Output folders written atomically, and what killed runs left behind cleaned up.

A report is built in a hidden temporary folder and renamed into ``OUT/<safe client name>/``
only when complete, so a crash or a killed worker never leaves half a report.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
from pathlib import Path

from .._util.files import safe_name

__all__ = ["TEMP_DIR_NAME", "clean_stale_temp", "move_into_place", "temp_folder"]

#: The hidden folder of ``OUT`` that holds reports being written.
TEMP_DIR_NAME = ".kpitools-tmp"


def temp_folder(out_dir: Path, client: str) -> Path:
    """A new temporary folder for a client's report, named after it and this process.

    The process id in the name lets :func:`clean_stale_temp` tell a dead run's folder
    from a running one's.
    """
    root = out_dir / TEMP_DIR_NAME
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f"{safe_name(client, 40)}-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()
    return tmp


def move_into_place(tmp: Path, final: Path) -> None:
    """Rename the finished temp folder to ``final``; an older report is replaced whole."""
    old = None
    if final.exists():
        old = tmp.parent / f"{tmp.name}-old"
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _alive(pid: int) -> bool:
    """True when process ``pid`` runs (a killed worker not yet reaped is a zombie: dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def clean_stale_temp(out_dir: str | os.PathLike) -> int:
    """Remove temp folders left by killed runs (whose process no longer exists).

    Examples
    --------
    >>> clean_stale_temp("reports/batch")  # doctest: +SKIP
    0
    """
    root = Path(out_dir) / TEMP_DIR_NAME
    if not root.is_dir():
        return 0
    removed = 0
    for entry in root.iterdir():
        match = re.search(r"-(\d+)-[0-9a-f]{8}(?:-old)?$", entry.name)
        if not match:
            continue
        if _alive(int(match.group(1))):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed += 1
    with contextlib.suppress(OSError):
        root.rmdir()
    return removed
