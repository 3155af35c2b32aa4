"""The KPI library: what each KPI means, how it aggregates, and how it can be gamed.

The shipped library lives in ``templates/kpi_library.yaml`` (see
:func:`default_library_path`). Users add their own files in the same format (a
top-level ``kpis:`` list, optionally ``version``); files loaded later replace
entries of earlier files with the same id, and every replacement is recorded in
:attr:`Library.overrides`.

A formula KPI (``win_rate = won_deals / closed_deals``) can be computed from a long
data table with :func:`compute_formula_kpis`. A KPI with ``aggregation: ratio`` is
never averaged over periods: its value over several periods is its formula
evaluated on the summed inputs (:meth:`KPI.recompute_from_sums`), so
``sum(won_deals) / sum(closed_deals)``.

Examples
--------
>>> lib = load_library()
>>> lib["win_rate"].numerator, lib["win_rate"].denominator
('won_deals', 'closed_deals')
>>> lib["romi"].recompute_from_sums({"revenue": 300.0, "marketing_cost": 100.0})
2.0
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .._util.formula import BinOp, Expr, Name, parse
from .._util.yamlfile import parse_yaml, read_text
from ..errors import DataValidationError, DefinitionError, FormulaError, did_you_mean

__all__ = [
    "AREAS",
    "UNITS",
    "DIRECTIONS",
    "AGGREGATIONS",
    "TYPES",
    "LEVELS",
    "KPI",
    "Library",
    "Override",
    "load_library",
    "resolve_library",
    "default_library_path",
    "compute_formula_kpis",
]

AREAS = ("sales", "marketing", "customer_service", "operations", "finance", "hr", "management")
UNITS = ("currency", "count", "ratio", "percent", "days", "score")
DIRECTIONS = ("higher", "lower")
AGGREGATIONS = ("sum", "mean", "last", "ratio")
TYPES = ("leading", "lagging")
LEVELS = ("individual", "team", "company")

_ENUMS: dict[str, tuple[str, ...]] = {
    "area": AREAS,
    "unit": UNITS,
    "direction": DIRECTIONS,
    "aggregation": AGGREGATIONS,
    "type": TYPES,
    "level": LEVELS,
}
_REQUIRED = (
    "id",
    "name",
    "area",
    "unit",
    "direction",
    "aggregation",
    "type",
    "quantitative",
    "level",
    "description",
)
_OPTIONAL = ("formula", "gaming_risk", "counter_kpi", "tags", "nonnegative")
_FIELDS = (  # the contract's order
    "id",
    "name",
    "area",
    "unit",
    "direction",
    "aggregation",
    "formula",
    "type",
    "quantitative",
    "level",
    "description",
    "gaming_risk",
    "counter_kpi",
    "tags",
    "nonnegative",
)
_TOP_LEVEL = ("version", "kpis")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
# Units whose values can never be below zero unless the file says otherwise.
_NONNEGATIVE_UNITS = frozenset({"count", "days"})


# --------------------------------------------------------------------------- KPI
@dataclass(frozen=True, kw_only=True)
class KPI:
    """One library entry (contract §2), immutable.

    ``counter_kpi`` and ``tags`` are tuples; ``nonnegative`` says whether a negative
    actual is a data error (defaults to True for ``count`` and ``days`` units).

    Examples
    --------
    >>> k = KPI(id="win_rate", name="Win rate", area="sales", unit="percent",
    ...         direction="higher", aggregation="ratio", formula="won_deals / closed_deals",
    ...         type="lagging", quantitative=True, level="individual",
    ...         description="Share of closed deals that were won.")
    >>> k.numerator, k.denominator, k.inputs
    ('won_deals', 'closed_deals', ('won_deals', 'closed_deals'))
    """

    id: str
    name: str
    area: str
    unit: str
    direction: str
    aggregation: str
    formula: str | None = None
    type: str
    quantitative: bool
    level: str
    description: str
    gaming_risk: str = ""
    counter_kpi: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    nonnegative: bool = False

    def __post_init__(self) -> None:
        # KPIs built in code (inline design KPIs, notebooks) get the same checks as files
        for name in ("counter_kpi", "tags"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, (value,))
            elif not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))
        for name, allowed in _ENUMS.items():
            value = getattr(self, name)
            if value not in allowed:
                raise DefinitionError(
                    f"KPI {self.id!r}: {name} {value!r} is not allowed."
                    f"{did_you_mean(str(value), allowed)}\n"
                    f"Suggestion: use one of {_quoted(allowed)}."
                )

    @cached_property
    def expr(self) -> Expr | None:
        """The parsed :attr:`formula`, or None."""
        return None if self.formula is None else parse(self.formula)

    @property
    def inputs(self) -> tuple[str, ...]:
        """KPI ids the formula uses, in order of first appearance (empty without one)."""
        return () if self.expr is None else self.expr.names

    @property
    def numerator(self) -> str | None:
        """The ``a`` of a formula that is exactly ``a / b`` of two ids, else None."""
        e = self.expr
        if isinstance(e, BinOp) and e.op == "/" and isinstance(e.left, Name):
            if isinstance(e.right, Name):
                return e.left.id
        return None

    @property
    def denominator(self) -> str | None:
        """The ``b`` of a formula that is exactly ``a / b`` of two ids, else None."""
        return self.expr.right.id if self.numerator is not None else None  # type: ignore[union-attr]

    @property
    def is_ratio(self) -> bool:
        """True when the KPI is recomputed from summed inputs, never averaged."""
        return self.aggregation == "ratio"

    def recompute_from_sums(self, sums: Mapping[str, Any]) -> Any:
        """Value over several periods from the summed inputs (``aggregation: ratio``).

        Parameters
        ----------
        sums : mapping
            The sum over the periods of every input id (numbers, numpy arrays or
            pandas Series). A zero divisor gives NaN (no rate), never an infinity.

        Examples
        --------
        >>> lib = load_library()
        >>> lib["win_rate"].recompute_from_sums({"won_deals": 3, "closed_deals": 12})
        0.25
        """
        if self.expr is None:
            raise DefinitionError(
                f"KPI {self.id!r} has no formula, so it cannot be recomputed from sums.\n"
                f"Suggestion: aggregate it by its aggregation {self.aggregation!r} instead."
            )
        return self.expr.evaluate(sums, on_zero_division="nan")

    def to_dict(self) -> dict[str, Any]:
        """The entry as it would be written in a library file (lists, not tuples)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True)
class Override:
    """A KPI of an earlier file replaced by a later file with the same id."""

    id: str
    previous: str
    source: str


# --------------------------------------------------------------------------- Library
class Library:
    """A validated, read-only set of KPIs keyed by id (build it with :func:`load_library`).

    Attributes
    ----------
    kpis : mapping
        id -> :class:`KPI`, in file order (read-only).
    sources : mapping
        id -> the file that defined the KPI (read-only).
    overrides : tuple of Override
        KPIs of an earlier file replaced by a later file.
    paths : tuple of str
        The files loaded, in order.

    Examples
    --------
    >>> lib = load_library()
    >>> "revenue" in lib, lib.get("no_such_kpi") is None
    (True, True)
    >>> lib["revenue"].aggregation
    'sum'
    """

    def __init__(
        self,
        kpis: Mapping[str, KPI],
        *,
        sources: Mapping[str, str] | None = None,
        overrides: Iterable[Override] = (),
        paths: Iterable[str] = (),
    ):
        self._kpis = dict(kpis)
        self._sources = dict(sources or {})
        self.overrides = tuple(overrides)
        self.paths = tuple(paths)

    @property
    def kpis(self) -> Mapping[str, KPI]:
        """Id -> KPI, read-only (the object is shared by every caller of load_library)."""
        return MappingProxyType(self._kpis)

    @property
    def sources(self) -> Mapping[str, str]:
        """Id -> the file that defined the KPI, read-only."""
        return MappingProxyType(self._sources)

    def get(self, kpi_id: str, default: KPI | None = None) -> KPI | None:
        """The KPI with this id, or ``default``."""
        return self._kpis.get(kpi_id, default)

    def __getitem__(self, kpi_id: str) -> KPI:
        try:
            return self._kpis[kpi_id]
        except KeyError:
            raise DefinitionError(
                f"KPI {kpi_id!r} is not in the KPI library.{did_you_mean(kpi_id, self._kpis)}\n"
                "Suggestion: use a library id (see kpitools.data.library.load_library().ids) "
                "or add the KPI to your own library file."
            ) from None

    def __contains__(self, kpi_id: object) -> bool:
        return kpi_id in self._kpis

    def __len__(self) -> int:
        return len(self._kpis)

    def __iter__(self) -> Iterator[KPI]:
        return iter(self._kpis.values())

    @property
    def ids(self) -> tuple[str, ...]:
        """All ids, in file order."""
        return tuple(self._kpis)

    @property
    def areas(self) -> tuple[str, ...]:
        """The areas that have at least one KPI, in the order of :data:`AREAS`."""
        present = {k.area for k in self}
        return tuple(a for a in AREAS if a in present)

    def in_area(self, area: str) -> tuple[KPI, ...]:
        """The KPIs of one area, in file order."""
        if area not in AREAS:
            raise DefinitionError(
                f"Unknown area {area!r}.{did_you_mean(area, AREAS)}\n"
                f"Suggestion: use one of {_quoted(AREAS)}."
            )
        return tuple(k for k in self if k.area == area)

    @property
    def formula_kpis(self) -> tuple[KPI, ...]:
        """KPIs with a formula, ordered so that every KPI comes after its inputs."""
        order = _topological(self._kpis)
        return tuple(self._kpis[i] for i in order if self._kpis[i].formula is not None)

    def to_frame(self) -> pd.DataFrame:
        """One row per KPI with every field (lists joined by ``", "``), plus ``source``.

        Examples
        --------
        >>> load_library().to_frame().loc[lambda d: d.id == "cpl", "formula"].item()
        'marketing_cost / leads'
        """
        rows = []
        for k in self:
            row = k.to_dict()
            row["counter_kpi"] = ", ".join(k.counter_kpi)
            row["tags"] = ", ".join(k.tags)
            row["source"] = self._sources.get(k.id, "")
            rows.append(row)
        columns = [f.name for f in fields(KPI)] + ["source"]
        return pd.DataFrame(rows, columns=columns)

    def __repr__(self) -> str:
        files = ", ".join(Path(p).name for p in self.paths) or "no files"
        return f"<Library: {len(self)} KPIs in {len(self.areas)} areas from {files}>"

    def _repr_html_(self) -> str:
        frame = self.to_frame()[["id", "name", "area", "unit", "direction", "formula"]]
        return f"<p>{repr(self)[1:-1]}</p>" + frame.to_html(index=False, na_rep="")


# --------------------------------------------------------------------------- loading
def default_library_path() -> Path:
    """The shipped library: ``templates/kpi_library.yaml``.

    Examples
    --------
    >>> default_library_path().name
    'kpi_library.yaml'
    """
    from .._util.files import shipped

    return shipped("templates", "kpi_library.yaml")


# Libraries are immutable, so loading the same unchanged files again returns the same object;
# parsed files are kept too, because pure-Python YAML parsing is the slow part.
_CACHE: dict[tuple, Library] = {}
_PARSED: dict[tuple[str, str], list[Any]] = {}
_WHAT = "KPI library file"


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
        Naming the file, the key path (``kpis[12].direction``), what is wrong and
        how to fix it: unknown fields and ids get a "did you mean"; malformed YAML
        gets its line and column; YAML tags such as ``!!python/object`` are refused.

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
    texts = [_read_text(p, is_default=include_default and i == 0) for i, p in enumerate(paths)]
    key = tuple((str(p.resolve()), t) for p, t in zip(paths, texts, strict=True))
    if key in _CACHE:
        return _CACHE[key]
    library = _load([(p, _parse(p, t)) for p, t in zip(paths, texts, strict=True)])
    if len(_CACHE) > 32:
        _CACHE.clear()
    _CACHE[key] = library
    return library


def _load(files: list[tuple[Path, list[Any]]]) -> Library:
    kpis: dict[str, KPI] = {}
    origin: dict[str, tuple[str, int]] = {}
    overrides: list[Override] = []
    problems: list[str] = []
    for path, entries in files:
        seen: dict[str, int] = {}
        for i, entry in enumerate(entries):
            kpi = _build_kpi(entry, str(path), i, problems)
            if kpi is None:
                continue
            if kpi.id in seen:
                problems.append(
                    _problem(
                        str(path),
                        f"kpis[{i}].id",
                        f"{kpi.id!r} is already defined at kpis[{seen[kpi.id]}] in this file",
                        "remove or rename one of them; to replace a KPI of an earlier library, "
                        "define it in a file loaded after that library",
                    )
                )
                continue
            seen[kpi.id] = i
            if kpi.id in kpis:
                overrides.append(Override(kpi.id, origin[kpi.id][0], str(path)))
                del kpis[kpi.id]  # the replacement takes the later file's position
            kpis[kpi.id] = kpi
            origin[kpi.id] = (str(path), i)
    _raise(problems)
    _check_references(kpis, origin, problems)
    _raise(problems)
    return Library(
        kpis=kpis,
        sources={k: v[0] for k, v in origin.items()},
        overrides=tuple(overrides),
        paths=tuple(str(p) for p, _ in files),
    )


def _problem(file: str, where: str, what: str, fix: str | None = None) -> str:
    text = f"{file}: {where}: {what}"
    if not text.endswith((".", "?")):
        text += "."
    if fix:
        text += f"\nSuggestion: {fix}."
    return text


def _raise(problems: list[str]) -> None:
    if not problems:
        return
    if len(problems) == 1:
        raise DefinitionError(problems[0])
    body = "\n".join("- " + p.replace("\n", "\n  ") for p in problems)
    raise DefinitionError(f"{len(problems)} problems in the KPI library:\n{body}")


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(repr(v) for v in values)


def _read_text(path: Path, *, is_default: bool = False) -> str:
    if is_default and not path.exists():
        raise DefinitionError(
            f"{path}: the shipped KPI library is missing.\n"
            "Suggestion: reinstall kpitools from its source tree, or pass your own "
            "library file with include_default=False."
        )
    return read_text(path, what=_WHAT)


def _parse(path: Path, text: str) -> list[Any]:
    file = str(path)
    cache_key = (str(path.resolve()), text)
    if cache_key in _PARSED:
        return _PARSED[cache_key]
    data = parse_yaml(text, file=file, what=_WHAT).data
    if data is None:
        raise DefinitionError(
            f"{file}: the KPI library file is empty.\n"
            "Suggestion: write a top-level 'kpis:' list of KPI entries."
        )
    if not isinstance(data, dict):
        raise DefinitionError(
            f"{file}: the top level must be a mapping with a 'kpis:' list, "
            f"got {_kind(data)}.\nSuggestion: start the file with 'kpis:'."
        )
    problems = []
    for key in data:
        if key not in _TOP_LEVEL:
            problems.append(
                _problem(
                    file,
                    str(key),
                    f"unknown top-level key.{did_you_mean(str(key), _TOP_LEVEL)}",
                    f"a library file has only {_quoted(_TOP_LEVEL)}",
                )
            )
    version = data.get("version", 1)
    if version != 1 or isinstance(version, bool):
        problems.append(
            _problem(
                file,
                "version",
                f"{version!r} is not a library format this kpitools reads",
                "write 'version: 1' or leave the key out",
            )
        )
    if "kpis" not in data:
        problems.append(
            _problem(file, "kpis", "missing", "write a top-level 'kpis:' list of KPI entries")
        )
    elif not isinstance(data["kpis"], list):
        problems.append(
            _problem(
                file,
                "kpis",
                f"must be a list of KPI entries, got {_kind(data['kpis'])}",
                "write each KPI as a list item starting with '- id: ...'",
            )
        )
    _raise(problems)
    if len(_PARSED) > 32:
        _PARSED.clear()
    _PARSED[cache_key] = data["kpis"]
    return data["kpis"]


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}"
    return type(value).__name__


def _build_kpi(entry: Any, file: str, i: int, problems: list[str]) -> KPI | None:
    base = f"kpis[{i}]"
    if not isinstance(entry, dict):
        problems.append(
            _problem(
                file,
                base,
                f"must be a mapping of KPI fields, got {_kind(entry)}",
                "write the entry as 'id: ...', 'name: ...' and the other fields",
            )
        )
        return None
    before = len(problems)
    kpi_id = entry.get("id")
    label = f" (KPI {kpi_id!r})" if isinstance(kpi_id, str) else ""

    def bad(key: str, what: str, fix: str | None = None) -> None:
        problems.append(_problem(file, f"{base}.{key}{label}", what, fix))

    for key in entry:
        if key not in _FIELDS:
            bad(
                str(key),
                f"unknown field.{did_you_mean(str(key), _FIELDS)}",
                f"a KPI entry has the fields {', '.join(_FIELDS)}",
            )
    for key in _REQUIRED:
        if key not in entry or entry[key] is None:
            bad(key, "missing", f"every KPI needs {', '.join(_REQUIRED)}")
    values: dict[str, Any] = {}
    for key in ("id", "name", "description", "gaming_risk"):
        if entry.get(key) is None:
            continue
        value = entry[key]
        if not isinstance(value, str) or not value.strip():
            bad(key, f"must be non-empty text, got {_kind(value)}")
            continue
        values[key] = value.strip()
    if "id" in values and not _ID.match(values["id"]):
        bad(
            "id",
            f"{values['id']!r} is not a snake_case id",
            "use lower-case letters, digits and '_', starting with a letter, e.g. 'win_rate'",
        )
    for key, allowed in _ENUMS.items():
        value = entry.get(key)
        if value is None:
            continue
        if value not in allowed:
            bad(
                key,
                f"{value!r} is not allowed.{did_you_mean(str(value), allowed)}",
                f"use one of {_quoted(allowed)}",
            )
            continue
        values[key] = value
    for key in ("quantitative", "nonnegative"):
        value = entry.get(key)
        if value is None:
            continue
        if not isinstance(value, bool):
            bad(key, f"must be true or false, got {_kind(value)}")
            continue
        values[key] = value
    formula = entry.get("formula")
    if formula is not None:
        if not isinstance(formula, str):
            bad("formula", f"must be text such as 'won_deals / closed_deals', got {_kind(formula)}")
        else:
            try:
                parse(formula)
            except FormulaError as err:
                bad("formula", str(err).rstrip("."))
            else:
                if not parse(formula).names:
                    bad(
                        "formula",
                        f"{formula!r} uses no KPI id",
                        "a formula computes a KPI from other KPIs, e.g. "
                        "'won_deals / closed_deals'; a fixed number belongs in a target",
                    )
                values["formula"] = formula.strip()
    for key in ("counter_kpi", "tags"):
        value = entry.get(key)
        if value is None:
            continue
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) and v for v in items):
            bad(key, f"must be an id or a list of ids, got {_kind(value)}")
            continue
        values[key] = tuple(dict.fromkeys(v.strip() for v in items))
    if len(problems) > before:
        return None
    values.setdefault("nonnegative", values["unit"] in _NONNEGATIVE_UNITS)
    kpi = KPI(**values)
    _check_aggregation(kpi, file, f"{base}.aggregation{label}", problems)
    return None if len(problems) > before else kpi


def _divides_by_kpi(expr: Expr) -> bool:
    if isinstance(expr, BinOp):
        if expr.op == "/" and expr.right.names:
            return True
        return _divides_by_kpi(expr.left) or _divides_by_kpi(expr.right)
    return False


def _check_aggregation(kpi: KPI, file: str, where: str, problems: list[str]) -> None:
    if kpi.aggregation == "ratio" and (kpi.expr is None or not _divides_by_kpi(kpi.expr)):
        problems.append(
            _problem(
                file,
                where,
                "'ratio' needs a formula that divides by a KPI, e.g. 'won_deals / closed_deals', "
                "so the value over several periods can be recomputed from summed inputs",
                "add the formula, or use 'sum', 'mean' or 'last'",
            )
        )
    elif kpi.expr is not None and _divides_by_kpi(kpi.expr) and kpi.aggregation != "ratio":
        problems.append(
            _problem(
                file,
                where,
                f"{kpi.aggregation!r} does not fit the formula {kpi.formula!r}, which divides "
                "by a KPI: a rate must be recomputed from summed inputs over periods, never "
                "summed or averaged",
                "use aggregation: ratio",
            )
        )


def _check_references(
    kpis: dict[str, KPI], origin: dict[str, tuple[str, int]], problems: list[str]
) -> None:
    for kpi in kpis.values():
        file, i = origin[kpi.id]
        label = f" (KPI {kpi.id!r})"
        for c in kpi.counter_kpi:
            if c == kpi.id:
                problems.append(
                    _problem(
                        file,
                        f"kpis[{i}].counter_kpi{label}",
                        "a KPI cannot be its own counter KPI",
                        "name a different KPI that keeps this one honest",
                    )
                )
            elif c not in kpis:
                problems.append(
                    _problem(
                        file,
                        f"kpis[{i}].counter_kpi{label}",
                        f"{c!r} is not in the KPI library.{did_you_mean(c, kpis)}",
                        "name a library id, or define that KPI in your library file",
                    )
                )
        for name in kpi.inputs:
            if name not in kpis:
                problems.append(
                    _problem(
                        file,
                        f"kpis[{i}].formula{label}",
                        f"{name!r} in {kpi.formula!r} is not in the KPI library."
                        f"{did_you_mean(name, kpis)}",
                        "a formula may use only library ids and numbers",
                    )
                )
            elif kpi.aggregation == "ratio" and kpis[name].aggregation != "sum":
                problems.append(
                    _problem(
                        file,
                        f"kpis[{i}].formula{label}",
                        f"input {name!r} has aggregation {kpis[name].aggregation!r}, but a "
                        "'ratio' KPI is recomputed from the sums of its inputs over periods",
                        "use inputs whose aggregation is 'sum' (amounts and counts)",
                    )
                )
    if problems:
        return
    cycle = _find_cycle(kpis)
    if cycle:
        file, i = origin[cycle[0]]
        problems.append(
            _problem(
                file,
                f"kpis[{i}].formula (KPI {cycle[0]!r})",
                f"formulas refer to each other in a cycle: {' -> '.join(cycle)}",
                "compute at least one KPI of the cycle from data, without a formula",
            )
        )


def _find_cycle(kpis: Mapping[str, KPI]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in kpis[node].inputs:
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt in kpis and nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for kpi_id in kpis:
        if kpi_id not in state:
            found = visit(kpi_id)
            if found:
                return found
    return None


def _topological(kpis: Mapping[str, KPI]) -> list[str]:
    done: dict[str, None] = {}

    def visit(node: str) -> None:
        if node in done or node not in kpis:
            return
        for nxt in kpis[node].inputs:
            visit(nxt)
        done[node] = None

    for kpi_id in kpis:
        visit(kpi_id)
    return list(done)


# --------------------------------------------------------------------------- computing
_KEYS = ("employee", "period")
_ATTRIBUTES = ("role", "team", "region", "manager")


def compute_formula_kpis(
    long: pd.DataFrame, library: Library | None = None, ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """Compute formula KPIs per employee × period from a long table.

    The table is pivoted once; each formula is evaluated on whole columns, in an
    order where inputs come first (so ``gross_margin = revenue - cogs`` can feed
    ``gross_margin_pct``). A KPI is computed for an employee × period when all its
    inputs are there and the table does not already hold that KPI there (rows are
    never duplicated). A division by zero (``0 / 0`` closed deals) yields no rate:
    such rows are dropped and counted in ``result.attrs["dropped"]``, a dict
    ``{kpi id: rows dropped}`` holding only KPIs with drops.

    Parameters
    ----------
    long : DataFrame
        Columns ``employee, period, kpi, actual`` [, ``target``, ``role``, ``team``,
        ``region``, ``manager``]; one row per employee × period × KPI.
    library : Library, optional
        Defaults to :func:`load_library`.
    ids : iterable of str, optional
        Formula KPIs to compute; by default every formula KPI of the library.

    Returns
    -------
    DataFrame
        New long rows with the columns of ``long`` (``target`` NaN; attribute
        columns carried over from the employee × period), ordered by first
        appearance of the employee × period, then by KPI.

    Examples
    --------
    >>> long = pd.DataFrame({"employee": ["007", "007"], "period": ["2026-01"] * 2,
    ...                      "kpi": ["won_deals", "closed_deals"], "actual": [3.0, 12.0]})
    >>> compute_formula_kpis(long, ids=["win_rate"])
      employee   period       kpi  actual
    0      007  2026-01  win_rate    0.25
    """
    library = load_library() if library is None else library
    missing = [c for c in (*_KEYS, "kpi", "actual") if c not in long.columns]
    if missing:
        raise DefinitionError(
            f"compute_formula_kpis needs the columns employee, period, kpi, actual; "
            f"missing {_quoted(missing)} (found {_quoted(map(str, long.columns))}).\n"
            "Suggestion: load the data with kpitools.data.load first."
        )
    wanted = _wanted(library, ids)
    columns = list(long.columns)
    empty = long.iloc[0:0][columns].copy()
    empty.attrs = {"dropped": {}}
    if not wanted or long.empty:
        return empty

    keys = long[list(_KEYS)]
    dup = long.duplicated(subset=[*_KEYS, "kpi"], keep=False)
    if dup.any():
        cases = long.loc[dup, [*_KEYS, "kpi", "actual"]].copy()
        cases.insert(0, "row", cases.index + 1)
        raise DataValidationError(
            f"compute_formula_kpis: {int(dup.sum())} rows repeat an employee × period × KPI.\n"
            "Suggestion: load the data with kpitools.data.load, which reports or sums them.",
            cases,
        )
    order = keys.drop_duplicates()
    index = pd.MultiIndex.from_frame(order)
    wide = long.pivot(index=list(_KEYS), columns="kpi", values="actual").reindex(index)
    wide.columns = wide.columns.astype(object)

    # formula KPIs needed for `wanted`, inputs first
    needed: dict[str, None] = {}

    def need(kpi_id: str) -> None:
        kpi = library.get(kpi_id)
        if kpi is None or kpi_id in needed:
            return
        for name in kpi.inputs:
            need(name)
        if kpi.formula is not None:
            needed[kpi_id] = None

    for kpi_id in wanted:
        need(kpi_id)

    env: dict[str, pd.Series] = {c: wide[c].astype("float64") for c in wide.columns}
    nan = pd.Series(np.nan, index=index, dtype="float64")
    blocks: list[pd.DataFrame] = []
    dropped: dict[str, int] = {}
    for position, kpi_id in enumerate(needed):
        kpi = library[kpi_id]
        inputs = [env.get(name, nan) for name in kpi.inputs]
        have_inputs = np.logical_and.reduce([s.notna().to_numpy() for s in inputs])
        if not have_inputs.any():
            continue
        value = kpi.expr.evaluate(
            dict(zip(kpi.inputs, inputs, strict=True)), on_zero_division="nan"
        )
        value = pd.Series(value, index=index, dtype="float64")
        existing = env.get(kpi_id)
        new = have_inputs & (existing.isna().to_numpy() if existing is not None else True)
        undefined = new & value.isna().to_numpy()
        if kpi_id in wanted and undefined.any():
            dropped[kpi_id] = int(undefined.sum())
        fill = new & ~undefined
        env[kpi_id] = value if existing is None else existing.where(~fill, value)
        if kpi_id in wanted and fill.any():
            block = order[fill].copy()
            block["kpi"] = kpi_id
            block["actual"] = value.to_numpy()[fill]
            block["_row"] = np.flatnonzero(fill)
            block["_kpi"] = position
            blocks.append(block)
    if not blocks:
        empty.attrs = {"dropped": dropped}
        return empty
    out = pd.concat(blocks, ignore_index=True).sort_values(["_row", "_kpi"], kind="stable")
    if "target" in columns:
        out["target"] = np.nan
    attributes = [c for c in _ATTRIBUTES if c in columns]
    if attributes:
        first = long.groupby(list(_KEYS), sort=False)[attributes].first()
        out = out.join(first, on=list(_KEYS))
    extra = [c for c in columns if c not in out.columns]
    for c in extra:  # columns of unknown meaning cannot be carried to computed rows
        out[c] = long[c].iloc[0:0].reindex(range(len(out))).to_numpy()
    out = out[columns].reset_index(drop=True)
    if not isinstance(long["kpi"].dtype, pd.CategoricalDtype):  # new ids are not categories
        out["kpi"] = out["kpi"].astype(long["kpi"].dtype)
    out.attrs = {"dropped": dropped}
    return out


def _wanted(library: Library, ids: Iterable[str] | None) -> dict[str, None]:
    if ids is None:
        return {k.id: None for k in library.formula_kpis}
    if isinstance(ids, str):
        ids = [ids]
    wanted: dict[str, None] = {}
    formula_ids = [k.id for k in library.formula_kpis]
    for kpi_id in ids:
        kpi = library.get(kpi_id)
        if kpi is None or kpi.formula is None:
            what = "is not in the KPI library" if kpi is None else "has no formula"
            raise DefinitionError(
                f"compute_formula_kpis: KPI {kpi_id!r} {what}."
                f"{did_you_mean(kpi_id, formula_ids)}\n"
                "Suggestion: pass ids of formula KPIs, e.g. 'win_rate' or 'romi'."
            )
        wanted[kpi_id] = None
    return wanted
