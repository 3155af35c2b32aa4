"""The design model: goals, the KPIs of each role, and the goal tree they form.

A design says what the company wants (goals with targets), how each goal breaks down
into drivers (formulas over other goals), which numbers are assumptions, and which KPIs
each role is paid on. These frozen objects are built by :func:`kpitools.design.load_design`;
the maths on the tree lives in :mod:`.cascade`, :mod:`.coverage`, :mod:`.sensitivity` and
:mod:`.gap`.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from .._util.formula import Expr
from ..errors import DefinitionError, did_you_mean

__all__ = [
    "AGGREGATIONS",
    "DIRECTIONS",
    "Design",
    "Goal",
    "KPIDef",
    "LEVELS",
    "Role",
    "RoleKPI",
    "TYPES",
    "UNITS",
    "UNKNOWN_TYPE",
]


UNITS = ("currency", "count", "ratio", "percent", "days", "score")


DIRECTIONS = ("higher", "lower")


AGGREGATIONS = ("sum", "mean", "last", "ratio")


TYPES = ("leading", "lagging")

#: The type of an inline KPI whose design gives none and that no library KPI matches by
#: id or name: neither leading nor lagging, and the checks say so.
UNKNOWN_TYPE = "unknown"


LEVELS = ("individual", "team", "company")


_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


_EXPONENT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+\Z")


_PERIOD = re.compile(r"\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?\Z")


# --------------------------------------------------------------------------- formatting
# --------------------------------------------------------------------------- model
@dataclass(frozen=True, kw_only=True)
class Goal:
    """A strategic goal or a driver of one.

    ``target`` is what the company wants; ``value`` is an assumption held fixed
    when cascading (a price, a conversion rate); ``formula`` says how the goal
    decomposes into drivers (other goal ids).
    """

    id: str
    name: str
    target: float | None = None
    value: float | None = None
    formula: str | None = None
    expr: Expr | None = field(default=None, compare=False, repr=False)
    unit: str | None = None
    kpi: str | None = None
    direction: str = "higher"
    aggregation: str | None = None
    description: str | None = None
    index: int = 0

    @property
    def given(self) -> float | None:
        """The target, else the assumed value, else ``None``."""
        return self.target if self.target is not None else self.value

    @property
    def drivers(self) -> tuple[str, ...]:
        """Goal ids in the formula, in order of first appearance."""
        return self.expr.names if self.expr is not None else ()

    @property
    def measure(self) -> str:
        """The KPI id that measures this goal (``kpi:``, else the goal's own id)."""
        return self.kpi or self.id

    @property
    def location(self) -> str:
        """Where the goal is in the design file (a key path)."""
        return f"goals[{self.index}]"


@dataclass(frozen=True, kw_only=True)
class KPIDef:
    """What a role's KPI is: the library entry, with any inline fields on top."""

    id: str
    name: str
    area: str | None = None
    unit: str | None = None
    direction: str = "higher"
    aggregation: str | None = None
    formula: str | None = None
    type: str = UNKNOWN_TYPE  # "leading" | "lagging" | "unknown"
    quantitative: bool = True
    level: str = "individual"
    description: str | None = None
    gaming_risk: str | None = None
    counter_kpi: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    source: str = "library"  # "library" | "inline" | "library+inline"

    @property
    def is_volume(self) -> bool:
        """A volume count (units, leads, revenue): rewards quantity, not quality."""
        if not self.quantitative or "quality" in self.tags:
            return False
        return self.unit in ("count", "currency") and self.aggregation in (None, "sum")

    @property
    def is_quality(self) -> bool:
        """Whether the KPI measures quality rather than volume."""
        return not self.is_volume


@dataclass(frozen=True, kw_only=True)
class RoleKPI:
    """One KPI in a role's set: which KPI, which goal it serves, its weight and target."""

    kpi: str
    definition: KPIDef
    goal: str | None = None
    weight: float | None = None
    target: float | None = None
    role_index: int = 0
    index: int = 0

    @property
    def location(self) -> str:
        """Where the KPI is in the design file (a key path)."""
        return f"roles[{self.role_index}].kpis[{self.index}]"


@dataclass(frozen=True, kw_only=True)
class Role:
    """A group of people paid the same way: headcount, on-target pay, KPIs."""

    id: str
    name: str
    headcount: float
    on_target_pay: float | None = None
    level: str = "individual"
    kpis: tuple[RoleKPI, ...] = ()
    description: str | None = None
    index: int = 0

    @property
    def location(self) -> str:
        """Where the role is in the design file (a key path)."""
        return f"roles[{self.index}]"

    @property
    def kpi_ids(self) -> tuple[str, ...]:
        """The ids of the role's KPIs, in file order."""
        return tuple(k.kpi for k in self.kpis)

    @property
    def weights(self) -> dict[str, float]:
        """KPI id → weight, for the KPIs that have one."""
        return {k.kpi: k.weight for k in self.kpis if k.weight is not None}


@dataclass(frozen=True, kw_only=True)
class Design:
    """A validated design file. Build it with :func:`load_design`.

    ``checks`` holds the thresholds the file's ``checks:`` sets (the others keep their
    defaults), ``recommendation`` those of the decision rule its ``recommendation:`` sets
    (:class:`kpitools.design.RecommendationRule`); ``roster`` the roster its ``roster:`` names (a
    :class:`kpitools.data.Roster`, read from ``roster_file``), or None.
    """

    client: str | None = None
    period: str | None = None
    currency: str | None = None
    fx: Mapping[str, float] = field(default_factory=dict)
    locale: str | None = None
    description: str | None = None
    goals: tuple[Goal, ...] = ()
    roles: tuple[Role, ...] = ()
    checks: Mapping[str, float] = field(default_factory=dict)
    recommendation: Mapping[str, float] = field(default_factory=dict)
    roster_file: str | None = None
    roster: Any = field(default=None, compare=False, repr=False)
    source: str = "design"
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    # ---- lookups
    @cached_property
    def goal_ids(self) -> tuple[str, ...]:
        """Every goal id, in file order."""
        return tuple(g.id for g in self.goals)

    @cached_property
    def _goal_map(self) -> dict[str, Goal]:
        return {g.id: g for g in self.goals}

    def goal(self, goal_id: str) -> Goal:
        """The goal with this id; a :class:`DefinitionError` with "did you mean" if none."""
        try:
            return self._goal_map[goal_id]
        except KeyError:
            raise DefinitionError(
                f"{self.source}: no goal {goal_id!r}.{did_you_mean(goal_id, self.goal_ids)}\n"
                f"Suggestion: use one of the goal ids: {', '.join(self.goal_ids) or '(none)'}."
            ) from None

    def role(self, role_id: str) -> Role:
        """The role with this id; a :class:`DefinitionError` with "did you mean" if none."""
        for r in self.roles:
            if r.id == role_id:
                return r
        ids = [r.id for r in self.roles]
        raise DefinitionError(
            f"{self.source}: no role {role_id!r}.{did_you_mean(role_id, ids)}\n"
            f"Suggestion: use one of the role ids: {', '.join(ids) or '(none)'}."
        )

    # ---- the goal graph
    @cached_property
    def parents(self) -> dict[str, tuple[str, ...]]:
        """For each goal, the goals whose formula uses it."""
        out: dict[str, list[str]] = {g.id: [] for g in self.goals}
        for g in self.goals:
            for d in g.drivers:
                out[d].append(g.id)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def order(self) -> tuple[str, ...]:
        """Goal ids with every driver before the goals that use it."""
        seen: set[str] = set()
        out: list[str] = []
        for g in self.goals:
            if g.id in seen:
                continue
            stack = [(g.id, iter(self._goal_map[g.id].drivers))]
            seen.add(g.id)
            while stack:
                node, it = stack[-1]
                nxt = next(it, None)
                if nxt is None:
                    stack.pop()
                    out.append(node)
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, iter(self._goal_map[nxt].drivers)))
        return tuple(out)

    @cached_property
    def order_index(self) -> dict[str, int]:
        """Position of each goal in :attr:`order`."""
        return {g: i for i, g in enumerate(self.order)}

    @cached_property
    def top_goal(self) -> str | None:
        """The first goal (file order) that drives no other goal and has a formula.

        Falls back to the first goal that drives nothing, then to the first goal.
        """
        roots = [g for g in self.goals if not self.parents[g.id]]
        for g in roots:
            if g.expr is not None:
                return g.id
        if roots:
            return roots[0].id
        return self.goals[0].id if self.goals else None

    def descendants(self, goal_id: str) -> tuple[str, ...]:
        """Every goal below ``goal_id`` in the tree (breadth first, each once)."""
        seen: dict[str, None] = {}
        queue = deque(self.goal(goal_id).drivers)
        while queue:
            n = queue.popleft()
            if n in seen:
                continue
            seen[n] = None
            queue.extend(self._goal_map[n].drivers)
        return tuple(seen)

    def depth(self) -> dict[str, int]:
        """Layer of each goal: 0 for goals that drive nothing, else 1 + deepest parent."""
        out: dict[str, int] = {}
        for gid in reversed(self.order):
            ps = self.parents[gid]
            out[gid] = 1 + max(out[p] for p in ps) if ps else 0
        return out

    def unit_of(self, goal_id: str) -> str | None:
        """A goal's unit: its ``unit:``, else the unit of the KPI that measures it."""
        g = self.goal(goal_id)
        return g.unit or self._kpi_units.get(g.measure)

    @cached_property
    def _kpi_units(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for r in self.roles:
            for k in r.kpis:
                out.setdefault(k.kpi, k.definition.unit)
        return out

    def where(self, path: str) -> str:
        """``file: line N (key.path)`` for messages, the shape of every file error."""
        line = self.lines.get(path)
        return f"{self.source}: line {line} ({path})" if line else f"{self.source}: {path}"

    # ---- tables and maths
    def role_kpis(self) -> pd.DataFrame:
        """One row per role × KPI.

        Columns: ``role, kpi, name, goal, weight, target, headcount, on_target_pay, unit,
        type, level, location``.
        """
        rows = [
            {
                "role": r.id,
                "kpi": k.kpi,
                "name": k.definition.name,
                "goal": k.goal,
                "weight": k.weight,
                "target": k.target,
                "headcount": r.headcount,
                "on_target_pay": r.on_target_pay,
                "unit": k.definition.unit,
                "type": k.definition.type,
                "level": k.definition.level,
                "location": k.location,
            }
            for r in self.roles
            for k in r.kpis
        ]
        cols = [
            "role",
            "kpi",
            "name",
            "goal",
            "weight",
            "target",
            "headcount",
            "on_target_pay",
            "unit",
            "type",
            "level",
            "location",
        ]
        df = pd.DataFrame(rows, columns=cols)
        for c in ("weight", "target", "headcount", "on_target_pay"):
            df[c] = df[c].astype("float64")
        return df

    def __repr__(self) -> str:
        n_kpis = sum(len(r.kpis) for r in self.roles)
        return (
            f"<Design {self.client or self.source!r}: period {self.period}, "
            f"{len(self.goals)} goals, {len(self.roles)} roles, {n_kpis} KPIs>"
        )
