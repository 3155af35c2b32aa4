"""Loading the KPI library: the shipped file, user files merged over it, and ``library=``.

The shipped library lives in ``templates/kpi_library.yaml`` (see
:func:`default_library_path`). Users add their own files in the same format (a top-level
``kpis:`` list, optionally ``version``); files loaded later replace entries of earlier files
with the same id, and every replacement is recorded in :attr:`Library.overrides`.
:func:`resolve_library` is the one rule for every ``library=`` argument of kpitools.

Examples
--------
>>> lib = load_library()
>>> len(lib) >= 60, lib.paths == (str(default_library_path()),)
(True, True)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .._util.files import shipped
from .._util.yamlfile import YamlDocument, parse_yaml, read_text
from ..errors import DefinitionError
from .kpi import KPI, Library, Override
from .library_spec import Problems, check_cycles, check_entries, check_references, read_entries

__all__ = ["default_library_path", "load_library", "resolve_library", "read_library_text"]

# Libraries are immutable, so loading the same unchanged files again returns the same object;
# validated files are kept too, because pure-Python YAML parsing is the slow part.
_CACHE: dict[tuple, Library] = {}
_FILES: dict[tuple[str, str], tuple[YamlDocument, tuple[KPI, ...]]] = {}
_CACHE_SIZE = 32
_WHAT = "KPI library file"


def default_library_path() -> Path:
    """The shipped library: ``templates/kpi_library.yaml``.

    Examples
    --------
    >>> default_library_path().name
    'kpi_library.yaml'
    """
    return shipped("templates", "kpi_library.yaml")


def resolve_library(library: Any = None) -> Library | None:
    """The KPI library a call means, the one rule for every ``library=`` argument.

    ``None`` is the shipped library (none, in a source tree without ``templates/``);
    ``False`` is no library; a path, or a list of paths, is the shipped library plus those
    files (:func:`load_library`); a library object is used as it is.

    Examples
    --------
    >>> resolve_library(False) is None, len(resolve_library()) >= 60
    (True, True)
    """
    if library is False:
        return None
    if library is None:
        return load_library() if default_library_path().exists() else None
    if isinstance(library, str | bytes) or hasattr(library, "__fspath__"):
        return load_library(library)
    if isinstance(library, list | tuple):
        return load_library(*library)
    return library


def load_library(*extra_paths: str | os.PathLike, include_default: bool = True) -> Library:
    """Load the shipped KPI library and any user library files, validated.

    Parameters
    ----------
    *extra_paths : path
        User library files (same format: a top-level ``kpis:`` list, optionally
        ``version``). A later file replaces an earlier file's KPI with the same id;
        the replacements are listed in :attr:`Library.overrides`.
    include_default : bool
        Start from the shipped library (:func:`default_library_path`).

    Raises
    ------
    DefinitionError
        Listing every problem, each naming the file, the line, the key path
        (``kpis[12].direction``), what is wrong and how to fix it: unknown keys and ids get
        a "did you mean"; malformed YAML gets its line and column; YAML tags such as
        ``!!python/object`` are refused.

    Examples
    --------
    >>> lib = load_library()
    >>> len(lib) >= 60, "sales" in lib.areas
    (True, True)
    """
    paths = [default_library_path()] if include_default else []
    paths += [Path(p) for p in extra_paths]
    if not paths:
        raise DefinitionError(
            "No KPI library file to load.\n"
            "Suggestion: pass a library file or keep include_default=True."
        )
    texts = [
        read_library_text(p, is_default=include_default and i == 0) for i, p in enumerate(paths)
    ]
    key = tuple((str(p.resolve()), t) for p, t in zip(paths, texts, strict=True))
    if key in _CACHE:
        return _CACHE[key]
    files, errors = [], []
    for p, t in zip(paths, texts, strict=True):
        try:
            files.append(_read_file(p, t))
        except DefinitionError as err:  # report the problems of every file at once
            errors.append(err.message)
    if errors:
        raise DefinitionError("\n".join(errors))
    library = _merge(files)
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.clear()
    _CACHE[key] = library
    return library


def read_library_text(path: Path, *, is_default: bool = False) -> str:
    """The text of a library file; the shipped one missing is explained as such.

    Raises
    ------
    DefinitionError
        The file is missing, a folder, unreadable or not UTF-8.
    """
    if is_default and not path.exists():
        raise DefinitionError(
            f"{path}: the shipped KPI library is missing.\n"
            "Suggestion: reinstall kpitools from its source tree, or pass your own "
            "library file with include_default=False."
        )
    return read_text(path, what=_WHAT)


def _read_file(path: Path, text: str) -> tuple[YamlDocument, tuple[KPI, ...]]:
    """One file parsed and its entries validated (cached by path and text)."""
    cache_key = (str(path.resolve()), text)
    if cache_key not in _FILES:
        doc = parse_yaml(text, file=str(path), what=_WHAT)
        kpis = read_entries(doc)
        if len(_FILES) > _CACHE_SIZE:
            _FILES.clear()
        _FILES[cache_key] = (doc, kpis)
    return _FILES[cache_key]


def _merge(files: list[tuple[YamlDocument, tuple[KPI, ...]]]) -> Library:
    """The files' KPIs in one library, later files replacing earlier ones; checked."""
    kpis: dict[str, KPI] = {}
    origin: dict[str, tuple[YamlDocument, int]] = {}
    overrides: list[Override] = []
    problems = Problems()
    for doc, entries in files:
        for i, kpi in check_entries(doc, entries, problems):
            if kpi.id in kpis:
                overrides.append(Override(kpi.id, origin[kpi.id][0].file, doc.file))
                del kpis[kpi.id]  # the replacement takes the later file's position
            kpis[kpi.id] = kpi
            origin[kpi.id] = (doc, i)
    problems.raise_any()
    check_references(kpis, origin, problems)
    problems.raise_any()
    check_cycles(kpis, origin, problems)
    problems.raise_any()
    return Library(
        kpis=kpis,
        sources={k: v[0].file for k, v in origin.items()},
        overrides=tuple(overrides),
        paths=tuple(doc.file for doc, _ in files),
    )
