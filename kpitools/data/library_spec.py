"""What a KPI library file may say: pydantic models of its entries, and checks across them.

A library file (a top-level ``kpis:`` list, optionally ``version: 1``) is validated by
:class:`LibraryFileSpec` through :func:`kpitools._util.spec.validate`: every problem of
every entry at once, each naming the file, the line, the key path, what is wrong and the
fix, with a "did you mean" for unknown keys and values. What needs more than one entry (an
id given twice, a formula that does not fit its aggregation, a reference to an unknown id,
formulas that use each other in a cycle) is checked by the ``check_*`` functions once the
entries are valid, and reported in the same message shape by :class:`Problems`.

Examples
--------
>>> from kpitools._util.yamlfile import parse_yaml
>>> doc = parse_yaml("kpis:\\n  - id: calls\\n    are: sales\\n", file="my.yaml", what="KPI file")
>>> read_entries(doc)  # doctest: +ELLIPSIS
Traceback (most recent call last):
kpitools.errors.DefinitionError: my.yaml: line 2 (kpis[0].name): required key is missing.
Suggestion: add name: to kpis[0].
...
my.yaml: line 3 (kpis[0].are): unknown key. Did you mean 'area'?
Suggestion: use one of: id, name, area, ...
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import StrictBool, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError, ValidationError

from .._util.formula import parse
from .._util.graph import find_cycle
from .._util.spec import Spec, spec_error, translate, validate
from .._util.yamlfile import YamlDocument
from ..errors import DefinitionError, FormulaError, did_you_mean
from .kpi import (
    AGGREGATIONS,
    AREAS,
    DIRECTIONS,
    KPI,
    LEVELS,
    NONNEGATIVE_UNITS,
    TYPES,
    UNITS,
)

__all__ = [
    "KpiSpec",
    "LibraryFileSpec",
    "Problems",
    "read_entries",
    "check_entries",
    "check_references",
    "check_cycles",
]

#: Text that must not be empty (surrounding spaces are dropped).
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_LIST_FIX = {"kpis": "write each KPI as a list item starting with '- id: ...'."}


class KpiSpec(Spec):
    """One entry of a library file, as written (docs/designs.md); :meth:`to_kpi` builds the KPI."""

    id: Text
    name: Text
    area: Literal[AREAS]
    unit: Literal[UNITS]
    direction: Literal[DIRECTIONS]
    aggregation: Literal[AGGREGATIONS]
    formula: str | None = None
    type: Literal[TYPES]
    quantitative: StrictBool
    level: Literal[LEVELS]
    description: Text
    gaming_risk: Text | None = None
    counter_kpi: tuple[Text, ...] | None = None
    tags: tuple[Text, ...] | None = None
    nonnegative: StrictBool | None = None
    limits: tuple[float | None, float | None] | None = None
    reversible: StrictBool | None = None
    scale: tuple[float, float] | None = None

    @model_validator(mode="before")
    @classmethod
    def _mapping(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            raise spec_error(
                f"expected a mapping of KPI fields, got {data!r}",
                "write the entry as 'id: ...', 'name: ...' and the other fields.",
            )
        return data

    @field_validator("id", mode="after")
    @classmethod
    def _snake_case(cls, v: str) -> str:
        if not _ID.match(v):
            raise spec_error(
                f"{v!r} is not a snake_case id",
                "use lower-case letters, digits and '_', starting with a letter, e.g. 'win_rate'.",
            )
        return v

    @field_validator("formula", mode="after")
    @classmethod
    def _formula(cls, v: str | None) -> str | None:
        if v is None:
            return v
        try:
            names = parse(v).names
        except FormulaError as err:
            raise spec_error(str(err)) from None
        if not names:
            raise spec_error(
                f"{v!r} uses no KPI id",
                "a formula computes a KPI from other KPIs, e.g. 'won_deals / closed_deals'; "
                "a fixed number belongs in a target.",
            )
        return v.strip()

    @field_validator("counter_kpi", "tags", mode="before")
    @classmethod
    def _one_or_more(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("counter_kpi", "tags", mode="after")
    @classmethod
    def _once_each(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if v is None else tuple(dict.fromkeys(v))

    @field_validator("limits", mode="after")
    @classmethod
    def _limits(cls, v: tuple[float | None, float | None] | None) -> Any:
        if v is None:
            return v
        lo, hi = v
        finite = all(b is None or math.isfinite(b) for b in v)
        ordered = lo is None or hi is None or lo < hi
        if not finite or not ordered or v == (None, None):
            raise spec_error(
                f"limits {list(v)!r} are not a range",
                "write [low, high] with low < high, e.g. [0, 1] for a share or [1, 5] for a "
                "rating; null for no limit on one side.",
            )
        return v

    @model_validator(mode="after")
    def _rating_scale(self) -> KpiSpec:
        if self.type == "rating" and self.scale is None:
            raise spec_error(
                "a rating KPI needs its 'scale'",
                "add scale: [low, high], e.g. scale: [0, 5] for a rating from 0 to 5.",
            )
        if self.scale is not None:
            lo, hi = self.scale
            if self.type != "rating":
                raise spec_error(
                    f"scale belongs to a rating KPI (type: rating), not type: {self.type}",
                    "write type: rating for a rated objective, or use limits: [low, high] for "
                    "a plausible range of any KPI.",
                )
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                raise spec_error(
                    f"scale {list(self.scale)!r} is not a range",
                    "write [low, high] with low < high, e.g. [0, 5].",
                )
        return self

    def to_kpi(self) -> KPI:
        """The :class:`~kpitools.data.KPI` this entry defines (with its defaults filled in)."""
        values = self.model_dump(exclude_none=True)
        values.setdefault("nonnegative", self.unit in NONNEGATIVE_UNITS)
        return KPI(**values)


class LibraryFileSpec(Spec):
    """A whole library file: ``version`` (1, the default) and the ``kpis`` list."""

    version: Any = 1
    kpis: tuple[KpiSpec, ...]

    @field_validator("version", mode="after")
    @classmethod
    def _version(cls, v: Any) -> Any:
        if v != 1 or isinstance(v, bool):
            raise spec_error(
                f"{v!r} is not a library format this kpitools reads",
                "write 'version: 1' or leave the key out.",
            )
        return v


def read_entries(doc: YamlDocument) -> tuple[KPI, ...]:
    """The KPIs of one library file, each entry valid on its own.

    Raises
    ------
    DefinitionError
        Listing every problem of the file (see the module docstring).
    """
    if doc.data is None:
        raise DefinitionError(
            f"{doc.file}: the KPI library file is empty.\n"
            "Suggestion: write a top-level 'kpis:' list of KPI entries."
        )
    if not isinstance(doc.data, dict):
        raise DefinitionError(
            f"{doc.file}: the top level must be a mapping with a 'kpis:' list, "
            f"got {type(doc.data).__name__}.\nSuggestion: start the file with 'kpis:'."
        )
    spec = validate(LibraryFileSpec, doc.data, source=doc, list_fix=_LIST_FIX)
    return tuple(entry.to_kpi() for entry in spec.kpis)


class Problems:
    """Problems found across KPI entries, raised together as one message.

    Each is reported like a problem of :func:`kpitools._util.spec.validate`: the file, the
    line of its key path, what is wrong and the fix.
    """

    def __init__(self) -> None:
        self._by_file: dict[str, tuple[YamlDocument, list[dict[str, Any]]]] = {}

    def add(self, doc: YamlDocument, loc: Sequence[str | int], what: str, fix: str = "") -> None:
        """Note a problem at key path ``loc`` (``("kpis", 3, "formula")``) of ``doc``."""
        error = PydanticCustomError("kpitools", "{what}", {"what": what, "suggestion": fix})
        errors = self._by_file.setdefault(doc.file, (doc, []))[1]
        errors.append({"type": error, "loc": tuple(loc), "input": None})

    def __bool__(self) -> bool:
        return bool(self._by_file)

    def raise_any(self) -> None:
        """Raise every problem noted so far as one :class:`DefinitionError` (if any)."""
        if not self._by_file:
            return
        messages = []
        for doc, errors in self._by_file.values():
            exc = ValidationError.from_exception_data("KPI library", errors)
            messages.append(translate(exc, doc.file, lines=doc.lines).message)
        raise DefinitionError("\n".join(messages))


def check_entries(
    doc: YamlDocument, kpis: Sequence[KPI], problems: Problems
) -> list[tuple[int, KPI]]:
    """Check the entries of one file together; return (index, KPI) without repeated ids.

    A formula that divides by a KPI makes a rate, which needs ``aggregation: ratio`` (and
    ``ratio`` needs such a formula); an id is defined once per file.
    """
    seen: dict[str, int] = {}
    kept = []
    for i, kpi in enumerate(kpis):
        _check_aggregation(doc, i, kpi, problems)
        if kpi.id in seen:
            problems.add(
                doc,
                ("kpis", i, "id"),
                f"{kpi.id!r} is already defined at kpis[{seen[kpi.id]}] in this file",
                "remove or rename one of them; to replace a KPI of an earlier library, "
                "define it in a file loaded after that library.",
            )
            continue
        seen[kpi.id] = i
        kept.append((i, kpi))
    return kept


def _check_aggregation(doc: YamlDocument, i: int, kpi: KPI, problems: Problems) -> None:
    where = ("kpis", i, "aggregation")
    if kpi.aggregation == "ratio" and not kpi.divides_by_kpi:
        problems.add(
            doc,
            where,
            "'ratio' needs a formula that divides by a KPI, e.g. 'won_deals / closed_deals', "
            "so the value over several periods can be recomputed from summed inputs",
            "add the formula, or use 'sum', 'mean' or 'last'.",
        )
    elif kpi.divides_by_kpi and kpi.aggregation != "ratio":
        problems.add(
            doc,
            where,
            f"{kpi.aggregation!r} does not fit the formula {kpi.formula!r}, which divides "
            "by a KPI: a rate must be recomputed from summed inputs over periods, never "
            "summed or averaged",
            "use aggregation: ratio.",
        )


def check_references(
    kpis: Mapping[str, KPI], origin: Mapping[str, tuple[YamlDocument, int]], problems: Problems
) -> None:
    """Every counter KPI and formula input is a library id; a ratio's inputs are sums.

    ``origin`` gives the file and entry index of each KPI, for messages.
    """
    for kpi in kpis.values():
        doc, i = origin[kpi.id]
        for c in kpi.counter_kpi:
            if c == kpi.id:
                problems.add(
                    doc,
                    ("kpis", i, "counter_kpi"),
                    "a KPI cannot be its own counter KPI",
                    "name a different KPI that keeps this one honest.",
                )
            elif c not in kpis:
                problems.add(
                    doc,
                    ("kpis", i, "counter_kpi"),
                    f"{c!r} is not in the KPI library.{did_you_mean(c, kpis)}",
                    "name a library id, or define that KPI in your library file.",
                )
        for name in kpi.inputs:
            _check_input(kpis, kpi, name, (doc, i), problems)


def _check_input(
    kpis: Mapping[str, KPI],
    kpi: KPI,
    name: str,
    at: tuple[YamlDocument, int],
    problems: Problems,
) -> None:
    doc, i = at
    if name not in kpis:
        problems.add(
            doc,
            ("kpis", i, "formula"),
            f"{name!r} in {kpi.formula!r} is not in the KPI library.{did_you_mean(name, kpis)}",
            "a formula may use only library ids and numbers.",
        )
    elif kpi.aggregation == "ratio" and kpis[name].aggregation != "sum":
        problems.add(
            doc,
            ("kpis", i, "formula"),
            f"input {name!r} has aggregation {kpis[name].aggregation!r}, but a "
            "'ratio' KPI is recomputed from the sums of its inputs over periods",
            "use inputs whose aggregation is 'sum' (amounts and counts).",
        )


def check_cycles(
    kpis: Mapping[str, KPI], origin: Mapping[str, tuple[YamlDocument, int]], problems: Problems
) -> None:
    """No formulas that use each other in a cycle (the first one in file order is named)."""
    cycle = find_cycle({kpi_id: k.inputs for kpi_id, k in kpis.items()})
    if cycle:
        doc, i = origin[cycle[0]]
        problems.add(
            doc,
            ("kpis", i, "formula"),
            f"formulas refer to each other in a cycle: {' -> '.join(cycle)}",
            "compute at least one KPI of the cycle from data, without a formula.",
        )
