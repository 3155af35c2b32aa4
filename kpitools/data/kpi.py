"""A KPI and a library of KPIs: what each KPI means, how it aggregates, how it can be gamed.

:class:`KPI` is one library entry (docs/designs.md), :class:`Library` a validated, read-only
set of them keyed by id. Both are plain values: reading library files is
:mod:`kpitools.data.library_files`, checking them :mod:`kpitools.data.library_spec`.

A KPI with ``aggregation: ratio`` is never averaged over periods: its value over several
periods is its formula evaluated on the summed inputs (:meth:`KPI.recompute_from_sums`), so
``sum(won_deals) / sum(closed_deals)``.

Examples
--------
>>> k = KPI(id="win_rate", name="Win rate", area="sales", unit="percent",
...         direction="higher", aggregation="ratio", formula="won_deals / closed_deals",
...         type="lagging", quantitative=True, level="individual",
...         description="Share of closed deals that were won.")
>>> k.recompute_from_sums({"won_deals": 3, "closed_deals": 12})
0.25
>>> Library({"win_rate": k}).formula_kpis == (k,)
True
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from .._util.formula import BinOp, Expr, Name, parse
from .._util.graph import dependency_order
from ..errors import DefinitionError, did_you_mean

__all__ = [
    "AREAS",
    "UNITS",
    "DIRECTIONS",
    "AGGREGATIONS",
    "TYPES",
    "LEVELS",
    "VOCABULARIES",
    "NONNEGATIVE_UNITS",
    "KPI",
    "Override",
    "Library",
]

AREAS = ("sales", "marketing", "customer_service", "operations", "finance", "hr", "management")
UNITS = ("currency", "count", "ratio", "percent", "days", "score")
DIRECTIONS = ("higher", "lower")
AGGREGATIONS = ("sum", "mean", "last", "ratio")
TYPES = ("leading", "lagging", "rating")
LEVELS = ("individual", "team", "company")

#: The KPI fields with a fixed set of values, and those values.
VOCABULARIES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "area": AREAS,
        "unit": UNITS,
        "direction": DIRECTIONS,
        "aggregation": AGGREGATIONS,
        "type": TYPES,
        "level": LEVELS,
    }
)
#: Units whose values can never be below zero unless the file says otherwise.
NONNEGATIVE_UNITS = frozenset({"count", "days"})


def _quoted(values: Iterable[str]) -> str:
    return ", ".join(repr(v) for v in values)


@dataclass(frozen=True, kw_only=True)
class KPI:
    """One library entry (docs/designs.md), immutable.

    ``counter_kpi`` and ``tags`` are tuples; ``nonnegative`` says whether a negative
    actual is a data error (defaults to True for ``count`` and ``days`` units); ``limits``
    (low, high; ``None`` for no limit on a side) is the range outside which a value is
    implausible (``(0, 1)`` for a share, ``(1, 5)`` for a rating): a data warning;
    ``reversible`` says that a period may net out negative (credit notes, returns and
    cancelled deals booked in the month they are issued): a negative actual of a
    nonnegative KPI is then a warning, not an error, and commission on it is negative
    (recovered from that period's payment). A ``type: rating`` KPI (a manager's rating of
    objectives, a customer's score) has a ``scale`` (low, high): a value off it is a data
    error, and a scheme maps it with ``basis: score``.

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
    limits: tuple[float | None, float | None] | None = None
    reversible: bool = False
    scale: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        # KPIs built in code (inline design KPIs, notebooks) get the same checks as files
        for name in ("counter_kpi", "tags"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, (value,))
            elif not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))
        for name, allowed in VOCABULARIES.items():
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

    @property
    def divides_by_kpi(self) -> bool:
        """True when the formula divides by a KPI somewhere: the KPI is a rate."""
        return self.expr is not None and _divides_by_kpi(self.expr)

    def recompute_from_sums(self, sums: Mapping[str, Any]) -> Any:
        """Value over several periods from the summed inputs (``aggregation: ratio``).

        Parameters
        ----------
        sums : mapping
            The sum over the periods of every input id (numbers, numpy arrays or
            pandas Series). A zero divisor gives NaN (no rate), never an infinity.

        Examples
        --------
        >>> from kpitools.data import load_library
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


def _divides_by_kpi(expr: Expr) -> bool:
    if isinstance(expr, BinOp):
        if expr.op == "/" and expr.right.names:
            return True
        return _divides_by_kpi(expr.left) or _divides_by_kpi(expr.right)
    return False


@dataclass(frozen=True)
class Override:
    """A KPI of an earlier file replaced by a later file with the same id."""

    id: str
    previous: str
    source: str


class Library:
    """A validated, read-only set of KPIs keyed by id (build it with ``load_library``).

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
    >>> from kpitools.data import load_library
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
    def dependencies(self) -> dict[str, tuple[str, ...]]:
        """Id -> the ids its formula uses (a graph for :mod:`kpitools._util.graph`)."""
        return {kpi_id: k.inputs for kpi_id, k in self._kpis.items()}

    @property
    def formula_kpis(self) -> tuple[KPI, ...]:
        """KPIs with a formula, ordered so that every KPI comes after its inputs."""
        order = dependency_order(self.dependencies)
        return tuple(self._kpis[i] for i in order if self._kpis[i].formula is not None)

    def to_frame(self) -> pd.DataFrame:
        """One row per KPI with every field (lists joined by ``", "``), plus ``source``.

        Examples
        --------
        >>> from kpitools.data import load_library
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
