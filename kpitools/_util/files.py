"""Small file helpers used everywhere: atomic writes, safe names, shipped files.

One place per job: every module that writes a file calls :func:`atomic_write`
so that a crash never leaves half a file behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_write", "atomic_path", "safe_name", "shipped"]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it into place on success.

    Use it for writers that want a file name (``DataFrame.to_csv``, openpyxl,
    WeasyPrint). On any exception the temporary file is removed and ``path`` is
    left as it was.

    Examples
    --------
    >>> with atomic_path("out/payouts.csv") as tmp:  # doctest: +SKIP
    ...     df.to_csv(tmp, index=False)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp creates 0600; give the final file the mode an ordinary open() would.
    os.chmod(tmp_path, 0o666 & ~_umask())
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, data: str | bytes, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, then rename)."""
    with atomic_path(path) as tmp:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding=encoding)
    return Path(path)


_UNSAFE = re.compile(r"[^\w.-]+")


def safe_name(name: str, max_length: int = 80) -> str:
    """Turn any client name into a folder name that cannot escape its parent.

    Letters and digits of any script are kept, anything else (slashes, dots at
    the ends, spaces, markup) becomes ``-``; an empty result becomes ``client``.

    Examples
    --------
    >>> safe_name("../../etc/passwd")
    'etc-passwd'
    >>> safe_name("Acme <b>Corp</b>")
    'Acme-b-Corp-b'
    """
    text = unicodedata.normalize("NFKC", str(name))
    text = _UNSAFE.sub("-", text).strip("-._")
    text = text[:max_length].strip("-._")
    return text or "client"


def shipped(*parts: str) -> Path:
    """A file shipped with kpitools: ``shipped("templates", "kpi_library.yaml")``.

    ``templates/`` and ``notebooks/`` sit next to the package in the source tree (and
    in an editable install); a wheel carries them inside the package folder. The
    first of the two that exists is returned, else the source-tree path (for the
    error message of whoever opens it).

    Examples
    --------
    >>> shipped("templates", "kpi_library.yaml").name
    'kpi_library.yaml'
    """
    package = Path(__file__).resolve().parent.parent  # kpitools/, above _util/
    for root in (package, package.parent):
        path = root.joinpath(*parts)
        if path.exists():
            return path
    return package.parent.joinpath(*parts)
