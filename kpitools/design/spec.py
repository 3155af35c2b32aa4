"""Design files: strategic goals → driver formulas → KPIs per role.

A design says what the company wants (goals with targets), how each goal breaks
down into drivers (formulas over other goals), which numbers are assumptions,
and which KPIs each role is paid on. This module loads and validates it and
does the maths on the goal tree:

- :meth:`Design.cascade` solves every goal (one unknown per formula; exact
  inversion along the expression tree, or ``brentq`` when the unknown appears
  more than once) and rolls known drivers up into their goals;
- :func:`coverage` compares role targets × headcount with the goal they serve;
- :func:`sensitivity` gives each driver's elasticity on the top goal and a ±10%
  tornado;
- :func:`gap_analysis` splits the gap between a goal and its actual into driver
  contributions that add up exactly to the gap (sums exactly, products and
  quotients by log-mean Divisia, applied recursively through mixed trees).

Examples
--------
>>> d = load_design({
...     "period": "2027-02",
...     "goals": [
...         {"id": "revenue", "target": 2_000_000, "formula": "units_sold * avg_price"},
...         {"id": "units_sold"},
...         {"id": "avg_price", "value": 10_000},
...     ],
...     "roles": [],
... }, library={})
>>> d.cascade().values["units_sold"]
200.0
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._util.format import text_table
from .._util.formula import BinOp, Expr, Name, Neg, Number, parse
from .._util.yamlfile import read_yaml
from ..errors import DefinitionError, FormulaError, did_you_mean

__all__ = [
    "Goal",
    "KPIDef",
    "RoleKPI",
    "Role",
    "Design",
    "CascadeResult",
    "SensitivityResult",
    "GapResult",
    "load_design",
    "cascade",
    "coverage",
    "sensitivity",
    "gap_analysis",
    "format_value",
    "format_coverage",
]

UNITS = ("currency", "count", "ratio", "percent", "days", "score")
DIRECTIONS = ("higher", "lower")
AGGREGATIONS = ("sum", "mean", "last", "ratio")
TYPES = ("leading", "lagging")
LEVELS = ("individual", "team", "company")

_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_EXPONENT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+\Z")
_PERIOD = re.compile(r"\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?\Z")

_EXAMPLE = "templates/designs/sales_generator.yaml"
_TOP_KEYS = ("client", "period", "currency", "description", "goals", "roles")
_GOAL_KEYS = ("id", "name", "target", "value", "formula", "unit", "kpi", "description")
_ROLE_KEYS = ("id", "name", "headcount", "on_target_pay", "level", "kpis", "description")
_KPI_FIELDS = (
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
)
_ROLE_KPI_KEYS = ("kpi", "goal", "weight", "target", *_KPI_FIELDS)


# --------------------------------------------------------------------------- formatting
def format_value(value: float | None, unit: str | None = None, currency: str | None = None) -> str:
    """Format a number for people: thousands separators, the currency, a percent sign.

    Examples
    --------
    >>> format_value(2_000_000, "currency", "RUB")
    '2,000,000 RUB'
    >>> format_value(0.25, "percent")
    '25%'
    >>> format_value(1234.5)
    '1,234.5'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "?"
    v = float(value)
    if unit == "percent":
        return f"{_plain(v * 100)}%"
    text = _plain(v)
    if unit == "currency" and currency:
        text += f" {currency}"
    return text


def _plain(v: float) -> str:
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "0"
    if abs(v) >= 100 or float(v).is_integer():
        if abs(v - round(v)) < 1e-9 * max(1.0, abs(v)):
            return f"{round(v):,}"
        return f"{v:,.2f}".rstrip("0").rstrip(".")
    if abs(v) >= 1:
        return f"{v:,.2f}".rstrip("0").rstrip(".")
    return f"{v:.4g}"


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
    type: str | None = None
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
        return f"roles[{self.index}]"

    @property
    def kpi_ids(self) -> tuple[str, ...]:
        return tuple(k.kpi for k in self.kpis)

    @property
    def weights(self) -> dict[str, float]:
        return {k.kpi: k.weight for k in self.kpis if k.weight is not None}


@dataclass(frozen=True, kw_only=True)
class Design:
    """A validated design file. Build it with :func:`load_design`."""

    client: str | None = None
    period: str | None = None
    currency: str | None = None
    description: str | None = None
    goals: tuple[Goal, ...] = ()
    roles: tuple[Role, ...] = ()
    source: str = "design"
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    # ---- lookups
    @cached_property
    def goal_ids(self) -> tuple[str, ...]:
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
        """``file, key.path (line N)`` for messages."""
        line = self.lines.get(path)
        return f"{self.source}, {path}" + (f" (line {line})" if line else "")

    # ---- tables and maths
    def role_kpis(self) -> pd.DataFrame:
        """One row per role × KPI: ``role, kpi, name, goal, weight, target, headcount,
        on_target_pay, unit, type, level, location``.
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

    def cascade(self) -> CascadeResult:
        """Solve every goal; see :func:`cascade`."""
        return cascade(self)

    def sensitivity(
        self,
        goal: str | None = None,
        step: float = 0.10,
        values: Mapping[str, float] | None = None,
    ) -> SensitivityResult:
        """Elasticities and ±``step`` tornado of ``goal``; see :func:`sensitivity`."""
        return sensitivity(self, goal=goal, step=step, values=values)

    def coverage(self, by: str = "goal") -> pd.DataFrame:
        """Role targets × headcount against each goal; see :func:`coverage`."""
        return coverage(self, by=by)

    def gap_analysis(self, actuals: Mapping[str, float], goal: str | None = None) -> GapResult:
        """Why the goal was missed; see :func:`gap_analysis`."""
        return gap_analysis(self, actuals, goal=goal)

    def __repr__(self) -> str:
        n_kpis = sum(len(r.kpis) for r in self.roles)
        return (
            f"<Design {self.client or self.source!r}: period {self.period}, "
            f"{len(self.goals)} goals, {len(self.roles)} roles, {n_kpis} KPIs>"
        )


# --------------------------------------------------------------------------- loading
class _Loader:
    """Validates a raw mapping into a :class:`Design`, with key paths in every message."""

    def __init__(self, source: str, lines: Mapping[str, int], library: Any):
        self.source = source
        self.lines = lines
        self.library = library
        self.inline: dict[str, Mapping] = {}  # KPI id → the first entry that defines it inline

    def where(self, path: str) -> str:
        line = self.lines.get(path)
        return f"{self.source}, {path}" + (f" (line {line})" if line else "")

    def fail(self, path: str, what: str, fix: str) -> DefinitionError:
        return DefinitionError(f"{self.where(path)}: {what}\nSuggestion: {fix}")

    # ---- typed fields
    def keys(self, obj: Mapping, allowed: Iterable[str], path: str) -> None:
        allowed = tuple(allowed)
        for key in obj:
            if key not in allowed:
                kp = f"{path}.{key}" if path else str(key)
                raise self.fail(
                    kp,
                    f"unknown key {key!r}.{did_you_mean(str(key), allowed)}",
                    f"use only these keys here: {', '.join(allowed)}.",
                )

    def mapping(self, obj: Any, path: str, what: str) -> Mapping:
        if not isinstance(obj, Mapping):
            raise self.fail(
                path,
                f"{what} must be a mapping of keys to values, got {_show(obj)}.",
                f"write {what} as 'key: value' lines.",
            )
        return obj

    def listing(self, obj: Any, path: str, example: str) -> list:
        if obj is None:
            return []
        if not isinstance(obj, list):
            raise self.fail(
                path,
                f"must be a list, got {_show(obj)}.",
                f"write one '- ' item per line, e.g. '- {example}'.",
            )
        return obj

    def number(self, obj: Any, path: str, *, minimum: float | None = None, strict=False) -> float:
        if isinstance(obj, str) and _EXPONENT.match(obj.strip()):
            obj = float(obj)  # YAML 1.1 reads 1e6 as text; YAML 1.2 and JSON read a number
        if isinstance(obj, bool) or not isinstance(obj, int | float):
            raise self.fail(
                path,
                f"must be a number, got {_show(obj)}.",
                "write a plain number such as 2000000 or 0.25 (no spaces, no currency).",
            )
        value = float(obj)
        if not math.isfinite(value):
            raise self.fail(path, f"must be a finite number, got {obj!r}.", "write a number.")
        if minimum is not None and (value <= minimum if strict else value < minimum):
            bound = f"above {_plain(minimum)}" if strict else f"at least {_plain(minimum)}"
            raise self.fail(
                path, f"must be {bound}, got {_plain(value)}.", f"use a number {bound}."
            )
        return value

    def text(self, obj: Any, path: str) -> str:
        if isinstance(obj, bool) or obj is None or not isinstance(obj, str | int | float):
            raise self.fail(path, f"must be text, got {_show(obj)}.", "write plain text.")
        return str(obj)

    def ident(self, obj: Any, path: str, what: str) -> str:
        if not isinstance(obj, str) or not _ID.match(obj) or obj.startswith("__"):
            raise self.fail(
                path,
                f"{what} {_show(obj)} is not a valid id.",
                "use letters, digits and '_' only, starting with a letter (e.g. units_sold).",
            )
        return obj

    def formula(self, obj: Any, path: str) -> str:
        """A formula as text that :func:`kpitools._util.formula.parse` accepts."""
        if not isinstance(obj, str):
            raise self.fail(
                path,
                f"must be a formula as text, got {_show(obj)}.",
                "write it with ids, e.g. 'units_sold * avg_price'.",
            )
        try:
            parse(obj)
        except FormulaError as err:
            msg = err.message
            if "Suggestion:" not in msg:
                msg += f"\nSuggestion: {_FORMULA_HINT}"
            raise FormulaError(f"{self.where(path)}: {msg}") from None
        return obj

    def choice(self, obj: Any, path: str, choices: tuple[str, ...]) -> str:
        if obj not in choices:
            raise self.fail(
                path,
                f"{_show(obj)} is not allowed.{did_you_mean(str(obj), choices)}",
                f"use one of: {', '.join(choices)}.",
            )
        return obj

    def boolean(self, obj: Any, path: str) -> bool:
        if not isinstance(obj, bool):
            raise self.fail(
                path, f"must be true or false, got {_show(obj)}.", "write true or false."
            )
        return obj

    def strings(self, obj: Any, path: str) -> tuple[str, ...]:
        if obj is None:
            return ()
        if isinstance(obj, str):
            return (obj,)
        items = self.listing(obj, path, "id")
        return tuple(self.text(v, f"{path}[{i}]") for i, v in enumerate(items))

    def period(self, obj: Any, path: str) -> str:
        if isinstance(obj, _dt.date):
            return obj.strftime("%Y-%m")
        text = str(obj) if isinstance(obj, int | str) and not isinstance(obj, bool) else None
        if text is None or not _PERIOD.match(text):
            raise self.fail(
                path,
                f"{_show(obj)} is not a period.",
                "write the month as YYYY-MM (2027-02), a quarter as YYYY-Qn (2027-Q1) or a year.",
            )
        return text

    # ---- sections
    def design(self, raw: Any) -> Design:
        if raw is None:
            raise DefinitionError(
                f"{self.source}: the design file is empty.\nSuggestion: start from {_EXAMPLE}."
            )
        raw = self.mapping(raw, "(top level)", "the design")
        self.keys(raw, _TOP_KEYS, "")
        period = self.period(raw["period"], "period") if raw.get("period") is not None else None
        currency = self.text(raw["currency"], "currency") if raw.get("currency") else None
        goals = self.goals(self.listing(raw.get("goals"), "goals", "id: revenue"))
        raw_roles = self.listing(raw.get("roles"), "roles", "id: sales_rep")
        self.inline = _inline_definitions(raw_roles)
        roles = self.roles(raw_roles, goals)
        self.goal_kpis(goals, roles)
        return Design(
            client=self.text(raw["client"], "client") if raw.get("client") else None,
            period=period,
            currency=currency,
            description=self.text(raw["description"], "description")
            if raw.get("description")
            else None,
            goals=goals,
            roles=roles,
            source=self.source,
            lines=dict(self.lines),
        )

    def goals(self, items: list) -> tuple[Goal, ...]:
        goals: list[Goal] = []
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            path = f"goals[{i}]"
            item = self.mapping(item, path, "a goal")
            self.keys(item, _GOAL_KEYS, path)
            if "id" not in item:
                raise self.fail(
                    path, "the goal has no 'id'.", "add 'id: revenue' (letters, digits, _)."
                )
            gid = self.ident(item["id"], f"{path}.id", "goal id")
            if gid in seen:
                raise self.fail(
                    f"{path}.id",
                    f"goal id {gid!r} is already used by goals[{seen[gid]}].",
                    "give every goal its own id.",
                )
            seen[gid] = i
            target = (
                self.number(item["target"], f"{path}.target")
                if item.get("target") is not None
                else None
            )
            value = (
                self.number(item["value"], f"{path}.value")
                if item.get("value") is not None
                else None
            )
            if target is not None and value is not None:
                raise self.fail(
                    path,
                    f"goal {gid!r} has both a target ({_plain(target)}) and a value "
                    f"({_plain(value)}).",
                    "keep 'target' for what the company wants, or 'value' for an assumption "
                    "held fixed, not both.",
                )
            formula = expr = None
            if item.get("formula") is not None:
                formula = self.formula(item["formula"], f"{path}.formula")
                expr = parse(formula)
            unit = self.choice(item["unit"], f"{path}.unit", UNITS) if item.get("unit") else None
            kpi = self.ident(item["kpi"], f"{path}.kpi", "KPI id") if item.get("kpi") else None
            measured_by = _lib_get(self.library, kpi or gid)
            if unit is None and measured_by is not None:
                unit = getattr(measured_by, "unit", None)
            direction = getattr(measured_by, "direction", None) or "higher"
            goals.append(
                Goal(
                    id=gid,
                    name=self.text(item["name"], f"{path}.name") if item.get("name") else gid,
                    target=target,
                    value=value,
                    formula=formula,
                    expr=expr,
                    unit=unit,
                    kpi=kpi,
                    direction=direction,
                    description=item.get("description"),
                    index=i,
                )
            )
        ids = [g.id for g in goals]
        for g in goals:
            for n in g.drivers:
                if n not in seen:
                    raise self.fail(
                        f"goals[{g.index}].formula",
                        f"formula {g.formula!r} of goal {g.id!r} uses unknown id {n!r}."
                        f"{did_you_mean(n, ids)}",
                        f"every name in a formula must be a goal id; add a goal 'id: {n}' "
                        "or fix the spelling.",
                    )
        cycle = _find_cycle(goals)
        if cycle:
            first = next(g for g in goals if g.id == cycle[0])
            raise self.fail(
                f"goals[{first.index}].formula",
                f"the goal formulas form a cycle: {' → '.join(cycle)}.",
                "a goal cannot depend on itself; remove one of these formulas or one of its ids.",
            )
        return tuple(goals)

    def goal_kpis(self, goals: tuple[Goal, ...], roles: tuple[Role, ...]) -> None:
        """A goal's ``kpi:`` must name a library KPI or a role's KPI: a typo there would
        silently leave the goal unmeasured (and its coverage unchecked).
        """
        role_ids = list(dict.fromkeys(k.kpi for r in roles for k in r.kpis))
        known = list(dict.fromkeys(role_ids + _lib_ids(self.library)))
        for g in goals:
            if g.kpi is None or g.kpi in role_ids or _lib_get(self.library, g.kpi) is not None:
                continue
            raise self.fail(
                f"{g.location}.kpi",
                f"goal {g.id!r} is measured by unknown KPI {g.kpi!r}: it is not in the KPI "
                f"library and no role has it.{did_you_mean(g.kpi, known)}",
                "use a library id or the id of a role's KPI, or drop 'kpi:' if the goal's own "
                "id names its KPI.",
            )

    def roles(self, items: list, goals: tuple[Goal, ...]) -> tuple[Role, ...]:
        goal_ids = [g.id for g in goals]
        roles: list[Role] = []
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            path = f"roles[{i}]"
            item = self.mapping(item, path, "a role")
            self.keys(item, _ROLE_KEYS, path)
            if "id" not in item:
                raise self.fail(path, "the role has no 'id'.", "add 'id: sales_rep'.")
            rid = self.ident(item["id"], f"{path}.id", "role id")
            if rid in seen:
                raise self.fail(
                    f"{path}.id",
                    f"role id {rid!r} is already used by roles[{seen[rid]}].",
                    "give every role its own id.",
                )
            seen[rid] = i
            if item.get("headcount") is None:
                raise self.fail(
                    path,
                    f"role {rid!r} has no 'headcount'.",
                    "add 'headcount: 4' (the number of people in the role).",
                )
            headcount = self.number(item["headcount"], f"{path}.headcount", minimum=0, strict=True)
            otp = None
            if item.get("on_target_pay") is not None:
                otp = self.number(item["on_target_pay"], f"{path}.on_target_pay", minimum=0)
            level = (
                self.choice(item["level"], f"{path}.level", LEVELS)
                if item.get("level")
                else "individual"
            )
            kpis: list[RoleKPI] = []
            kseen: dict[str, int] = {}
            for j, k in enumerate(
                self.listing(item.get("kpis"), f"{path}.kpis", "kpi: units_sold")
            ):
                kp = f"{path}.kpis[{j}]"
                rk = self.role_kpi(k, kp, i, j, goal_ids)
                if rk.kpi in kseen:
                    raise self.fail(
                        f"{kp}.kpi",
                        f"KPI {rk.kpi!r} is already in role {rid!r} at "
                        f"{path}.kpis[{kseen[rk.kpi]}].",
                        "list each KPI once per role.",
                    )
                kseen[rk.kpi] = j
                kpis.append(rk)
            roles.append(
                Role(
                    id=rid,
                    name=self.text(item["name"], f"{path}.name") if item.get("name") else rid,
                    headcount=headcount,
                    on_target_pay=otp,
                    level=level,
                    kpis=tuple(kpis),
                    description=item.get("description"),
                    index=i,
                )
            )
        return tuple(roles)

    def role_kpi(self, item: Any, path: str, ri: int, j: int, goal_ids: list[str]) -> RoleKPI:
        if isinstance(item, str):
            item = {"kpi": item}
        item = self.mapping(item, path, "a role's KPI")
        self.keys(item, _ROLE_KPI_KEYS, path)
        if "kpi" not in item:
            raise self.fail(
                path, "the entry has no 'kpi'.", "add 'kpi: units_sold' (a library id)."
            )
        kid = self.ident(item["kpi"], f"{path}.kpi", "KPI id")
        goal = None
        if item.get("goal") is not None:
            goal = self.text(item["goal"], f"{path}.goal")
            if goal not in goal_ids:
                raise self.fail(
                    f"{path}.goal",
                    f"KPI {kid!r} serves unknown goal {goal!r}.{did_you_mean(goal, goal_ids)}",
                    f"use one of the goal ids: {', '.join(goal_ids) or '(none: add goals first)'}.",
                )
        weight = None
        if item.get("weight") is not None:
            weight = self.number(item["weight"], f"{path}.weight", minimum=0)
            if weight > 1:
                raise self.fail(
                    f"{path}.weight",
                    f"weight {_plain(weight)} is above 1: a weight is a share of on-target pay.",
                    f"write {_plain(weight / 100)} for {_plain(weight)}%.",
                )
        target = (
            self.number(item["target"], f"{path}.target")
            if item.get("target") is not None
            else None
        )
        definition = self.definition(kid, item, path)
        return RoleKPI(
            kpi=kid,
            definition=definition,
            goal=goal,
            weight=weight,
            target=target,
            role_index=ri,
            index=j,
        )

    def definition(self, kid: str, item: Mapping, path: str) -> KPIDef:
        base = _lib_get(self.library, kid)
        inline = {k: item[k] for k in _KPI_FIELDS if item.get(k) is not None}
        if base is None and "name" not in inline and kid in self.inline:
            # defined inline in another role of this design: the same KPI here
            inline = {**self.inline[kid], **inline}
        if base is None and "name" not in inline:
            known = _lib_ids(self.library)
            raise self.fail(
                f"{path}.kpi",
                f"unknown KPI {kid!r}: it is not in the KPI library and not defined inline."
                f"{did_you_mean(kid, known)}",
                "use a library id, or define the KPI here with at least 'name:' "
                "(and unit, direction, type, level).",
            )
        fields: dict[str, Any] = {}
        if base is not None:
            for f in _KPI_FIELDS:
                v = getattr(base, f, None)
                if v is not None:
                    fields[f] = tuple(v) if f in ("counter_kpi", "tags") else v
        checks = {
            "unit": UNITS,
            "direction": DIRECTIONS,
            "aggregation": AGGREGATIONS,
            "type": TYPES,
            "level": LEVELS,
        }
        for f, v in inline.items():
            fp = f"{path}.{f}"
            if f in checks:
                fields[f] = self.choice(v, fp, checks[f])
            elif f == "quantitative":
                fields[f] = self.boolean(v, fp)
            elif f in ("counter_kpi", "tags"):
                fields[f] = self.strings(v, fp)
            elif f == "formula":
                fields[f] = self.formula(v, fp)
            else:
                fields[f] = self.text(v, fp)
        source = "library" if not inline else ("inline" if base is None else "library+inline")
        return KPIDef(
            id=kid,
            name=str(fields.get("name", kid)),
            area=fields.get("area"),
            unit=fields.get("unit"),
            direction=fields.get("direction") or "higher",
            aggregation=fields.get("aggregation"),
            formula=fields.get("formula"),
            type=fields.get("type"),
            quantitative=bool(fields.get("quantitative", True)),
            level=fields.get("level") or "individual",
            description=fields.get("description"),
            gaming_risk=fields.get("gaming_risk") or None,
            counter_kpi=tuple(fields.get("counter_kpi", ())),
            tags=tuple(fields.get("tags", ())),
            source=source,
        )


_FORMULA_HINT = (
    "a formula may only use goal ids, numbers, + - * / and parentheses, "
    "e.g. 'units_sold * avg_price'."
)
_ZERO_HINT = "give the divisor a value other than 0, or change the formula."


def _show(obj: Any) -> str:
    if isinstance(obj, Mapping):
        return "a mapping"
    if isinstance(obj, list):
        return "a list"
    if obj is None:
        return "nothing"
    return repr(obj)


def _inline_definitions(raw_roles: list) -> dict[str, Mapping]:
    """KPI id → the inline fields of the first role entry that defines it (with ``name:``),
    so another role can list the same KPI by id alone.
    """
    out: dict[str, Mapping] = {}
    for role in raw_roles:
        kpis = role.get("kpis") if isinstance(role, Mapping) else None
        for item in kpis if isinstance(kpis, list) else ():
            if not isinstance(item, Mapping) or item.get("name") is None:
                continue
            kid = item.get("kpi")
            if isinstance(kid, str) and kid not in out:
                out[kid] = {k: item[k] for k in _KPI_FIELDS if item.get(k) is not None}
    return out


def _find_cycle(goals: Iterable[Goal]) -> list[str] | None:
    """The first cycle in the formula graph (file order), as ``[a, b, a]``."""
    graph = {g.id: g.drivers for g in goals}
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    for start in graph:
        if state.get(start):
            continue
        stack = [(start, iter(graph[start]))]
        path = [start]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(graph[nxt])))
    return None


def _default_library() -> Any:
    from ..data import load_library

    return load_library()


def _lib_get(library: Any, kid: str) -> Any:
    if library is None:
        return None
    if isinstance(library, Mapping):
        return library.get(kid)
    return library.get(kid)


def _lib_ids(library: Any) -> list[str]:
    if library is None:
        return []
    if isinstance(library, Mapping):
        return list(library)
    return list(getattr(library, "ids", []))


def load_design(source: str | os.PathLike | Mapping | Design, library: Any = None) -> Design:
    """Load and validate a design file (or a mapping with the same keys).

    Parameters
    ----------
    source : path, mapping or Design
        A YAML file (read with ``yaml.safe_load`` only), or its content as a mapping.
    library : Library or mapping, optional
        KPI library used to resolve role KPIs; default: the bundled library. Pass
        ``{}`` for none (every KPI must then be defined inline).

    Raises
    ------
    DefinitionError
        Naming the file, the key path (``roles[0].kpis[1].goal``) and line, what is
        wrong and how to fix it. Unknown ids get a "did you mean"; formula cycles are
        named (``a → b → a``); YAML tags that would build Python objects are refused.

    Examples
    --------
    >>> d = load_design("templates/designs/sales_generator.yaml")  # doctest: +SKIP
    >>> d.cascade().values["units_sold"]  # doctest: +SKIP
    200.0
    """
    if isinstance(source, Design):
        return source
    if library is None:
        library = _default_library()
    if isinstance(source, Mapping):
        return _Loader("design", {}, library).design(source)
    path = Path(source)
    doc = read_yaml(path, what="design file", example=_EXAMPLE)
    return _Loader(str(path), doc.lines, library).design(doc.data)


# --------------------------------------------------------------------------- cascade
@dataclass(frozen=True, kw_only=True)
class CascadeResult:
    """Every goal's value after cascading targets down and rolling drivers up.

    Attributes
    ----------
    values : dict
        Goal id → value (NaN when nothing determines it).
    how : dict
        Goal id → ``target`` | ``assumption`` | ``solved`` | ``computed`` | ``unknown``.
    solved : tuple
        Ids whose value the cascade found (``solved`` from a goal above, or
        ``computed`` from the drivers below).
    summary : DataFrame
        ``goal, name, value, how, formula, unit, display`` in file order.
    """

    design: Design
    values: dict[str, float]
    how: dict[str, str]
    methods: dict[str, str] = field(default_factory=dict)

    @property
    def solved(self) -> tuple[str, ...]:
        return tuple(g for g, h in self.how.items() if h in ("solved", "computed"))

    @property
    def unknown(self) -> tuple[str, ...]:
        return tuple(g for g, h in self.how.items() if h == "unknown")

    @cached_property
    def summary(self) -> pd.DataFrame:
        d = self.design
        rows = []
        for g in d.goals:
            unit = d.unit_of(g.id)
            rows.append(
                {
                    "goal": g.id,
                    "name": g.name,
                    "value": self.values[g.id],
                    "how": self.how[g.id],
                    "formula": g.formula or "",
                    "unit": unit or "",
                    "display": format_value(self.values[g.id], unit, d.currency),
                }
            )
        df = pd.DataFrame(
            rows, columns=["goal", "name", "value", "how", "formula", "unit", "display"]
        )
        df["value"] = df["value"].astype("float64")
        return df

    def to_dict(self) -> dict[str, float | None]:
        """Goal id → value, ``None`` for unknown (JSON-ready)."""
        return {k: (None if math.isnan(v) else v) for k, v in self.values.items()}

    def __str__(self) -> str:
        s = self.summary
        table = pd.DataFrame(
            {
                "goal": s["goal"],
                "name": s["name"],
                "value": s["display"],
                "how": s["how"],
                "formula": s["formula"],
            }
        )
        head = f"Goal cascade: {self.design.client or self.design.source}"
        if self.design.period:
            head += f", period {self.design.period}"
        return head + "\n" + _text_table(table, right=("value",))

    def __repr__(self) -> str:
        return (
            f"<CascadeResult: {len(self.values)} goals, {len(self.solved)} solved, "
            f"{len(self.unknown)} unknown>"
        )

    def _repr_html_(self) -> str:
        s = self.summary.drop(columns=["value", "unit"]).rename(columns={"display": "value"})
        return "<h4>Goal cascade</h4>" + s.to_html(index=False)


def _text_table(df: pd.DataFrame, right: Iterable[str] = ()) -> str:
    """A plain aligned text table (no index), numbers right-aligned."""
    return text_table(df.columns, df.itertuples(index=False), right=right, rule=True)


def _count(expr: Expr, name: str) -> int:
    if isinstance(expr, Name):
        return int(expr.id == name)
    if isinstance(expr, Neg):
        return _count(expr.operand, name)
    if isinstance(expr, BinOp):
        return _count(expr.left, name) + _count(expr.right, name)
    return 0


class _NoSolution(Exception):
    pass


def _invert(expr: Expr, x: str, t: float, env: Mapping[str, float]) -> float:
    """Solve ``expr == t`` for ``x`` (appearing exactly once) by walking down the tree."""
    node = expr
    while True:
        if isinstance(node, Name):
            return t
        if isinstance(node, Neg):
            node, t = node.operand, -t
            continue
        assert isinstance(node, BinOp)
        in_left = _count(node.left, x) > 0
        other = node.right if in_left else node.left
        v = float(other.evaluate(env))
        op = node.op
        if op == "+":
            t = t - v
        elif op == "-":
            t = t + v if in_left else v - t
        elif op == "*":
            if v == 0:
                raise _NoSolution(f"{str(other)!r} is 0, so the product is 0 whatever {x!r} is")
            t = t / v
        elif in_left:  # x / v = t
            t = t * v
        else:  # v / x = t
            if t == 0:
                raise _NoSolution(f"{x!r} would have to be infinite")
            t = v / t
        node = node.left if in_left else node.right


def _brentq(expr: Expr, x: str, t: float, env: Mapping[str, float]) -> float:
    """Solve ``expr == t`` for ``x`` (appearing more than once): scan for a sign change, brentq.

    Picks the smallest positive root, else the negative root closest to zero.
    """
    from scipy.optimize import brentq

    env = dict(env)

    def h(v):
        env[x] = v
        with np.errstate(all="ignore"):
            return np.asarray(expr.evaluate(env, on_zero_division="nan"), dtype=float) - t

    exps = np.arange(-6.0, 15.0 + 1e-9, 0.01)  # 2,100 points a side, evaluated at once
    pos = np.concatenate([[0.0], 10.0**exps])
    for grid in (pos, -pos):
        vals = h(grid)
        if np.ndim(vals) == 0:  # x cancelled out: the formula does not depend on it
            vals = np.full(grid.shape, float(vals))
        ok = np.isfinite(vals)
        exact = np.flatnonzero(ok & (vals == 0))
        if exact.size:
            return float(grid[exact[0]])
        sign = np.sign(vals)
        change = np.flatnonzero(ok[:-1] & ok[1:] & (sign[:-1] * sign[1:] < 0))
        for i in change:
            a, b = sorted((grid[i], grid[i + 1]))
            # to the last bits of a double (rtol 4 eps is brentq's finest)
            root = brentq(
                lambda v: float(h(v)), a, b, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=200
            )
            miss = abs(float(h(root)))
            if miss <= 1e-6 * max(1.0, abs(t)):
                # a shorter decimal that fits at least as well is the answer a person writes:
                # (price - 80) / price = 0.2 gives 100, not 99.9999999999999
                short = float(f"{root:.12g}")
                return short if abs(float(h(short))) <= miss else float(root)
    raise _NoSolution(f"no value of {x!r} between -1e15 and 1e15 reaches it")


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def _tidy(v: float) -> float:
    """``v`` to 15 significant digits (what a spreadsheet shows), dropping binary noise.

    700,000 / (0.07 × 1,000) is 10,000 to a consultant, not 9,999.999999999998;
    0.3 − 0.1 is 0.2, not 0.19999999999999998.
    """
    if v == 0:
        return 0.0  # never -0.0
    if not math.isfinite(v):
        return v
    return float(f"{v:.15g}")


def _same(a: float, b: float) -> bool:
    """Equal but for floating-point rounding (a relative 1e-9): one unit short of
    2,000,000 is short, not "covered".
    """
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def cascade(design: Design) -> CascadeResult:
    """Solve every goal of ``design``.

    Goals with a ``target`` or a ``value`` are known. A formula whose goal and
    drivers are all known but one solves for that one: the goal itself is computed
    from its drivers (roll-up), a driver is found by inverting the formula along
    its expression tree when it appears once, or with ``scipy.optimize.brentq``
    when it appears more than once. Solved values flow on until nothing changes.

    Raises
    ------
    DefinitionError
        A formula left with two or more unknowns (named), division by zero, a
        formula that cannot reach its goal, or a given target that contradicts its
        formula.

    Examples
    --------
    >>> d = load_design({"goals": [
    ...     {"id": "revenue", "target": 2e6, "formula": "units * price"},
    ...     {"id": "units"}, {"id": "price", "value": 1e4}]}, library={})
    >>> cascade(d).values
    {'revenue': 2000000.0, 'units': 200.0, 'price': 10000.0}
    """
    design = load_design(design) if not isinstance(design, Design) else design
    values: dict[str, float] = {}
    how: dict[str, str] = {}
    methods: dict[str, str] = {}
    for g in design.goals:
        if g.target is not None:
            values[g.id], how[g.id] = g.target, "target"
        elif g.value is not None:
            values[g.id], how[g.id] = g.value, "assumption"
    eqs = {g.id: g for g in design.goals if g.expr is not None}
    uses: dict[str, list[str]] = {g.id: [] for g in design.goals}
    for gid, g in eqs.items():
        for n in {gid, *g.drivers}:
            uses[n].append(gid)
    pending = dict.fromkeys(eqs)
    queue = deque(eqs)
    while queue:
        gid = queue.popleft()
        if gid not in pending:
            continue
        g = eqs[gid]
        unknown = [n for n in (gid, *g.drivers) if n not in values]
        if len(unknown) > 1:
            continue
        del pending[gid]
        where = design.where(f"{g.location}.formula")
        if not unknown or unknown == [gid]:
            try:
                got = float(g.expr.evaluate(values))
            except FormulaError as err:
                raise FormulaError(
                    f"{where}: goal {gid!r}: {err.message}\nSuggestion: {_ZERO_HINT}"
                ) from None
            if not unknown:
                if not _close(got, values[gid]):
                    shown = ", ".join(f"{n} = {_plain(values[n])}" for n in g.drivers)
                    raise DefinitionError(
                        f"{where}: goal {gid!r} is {_plain(values[gid])} ({how[gid]}) but its "
                        f"formula {g.formula!r} gives {_plain(got)} ({shown}).\n"
                        f"Suggestion: remove the target of {gid!r} or of one of its drivers, "
                        "or make them agree."
                    )
                continue
            values[gid], how[gid], methods[gid] = _tidy(got), "computed", "formula"
            queue.extend(uses[gid])
            continue
        x = unknown[0]
        try:
            if _count(g.expr, x) == 1:
                v, method = _invert(g.expr, x, values[gid], values), "inverted"
            else:
                v, method = _brentq(g.expr, x, values[gid], values), "brentq"
        except _NoSolution as err:
            raise DefinitionError(
                f"{where}: cannot solve {gid} = {g.formula} for {x!r} with {gid} = "
                f"{_plain(values[gid])}: {err}.\n"
                f"Suggestion: change the assumptions in the formula or give {x!r} a target."
            ) from None
        except FormulaError as err:
            raise FormulaError(
                f"{where}: goal {gid!r}: {err.message}\nSuggestion: {_ZERO_HINT}"
            ) from None
        values[x], how[x], methods[x] = _tidy(v), "solved", method
        queue.extend(uses[x])
    if pending:
        gid = next(iter(pending))
        g = eqs[gid]
        unknown = [n for n in (gid, *g.drivers) if n not in values]
        names = ", ".join(repr(n) for n in unknown)
        raise DefinitionError(
            f"{design.where(f'{g.location}.formula')}: cannot solve {gid} = {g.formula}: "
            f"{len(unknown)} unknowns ({names}); a formula solves for one unknown only.\n"
            "Suggestion: give a target or an assumed value ('value:') to all but one of "
            f"{names}."
        )
    for g in design.goals:
        if g.id not in values:
            values[g.id], how[g.id] = math.nan, "unknown"
    ordered = {g.id: float(values[g.id]) for g in design.goals}
    return CascadeResult(
        design=design,
        values=ordered,
        how={g.id: how[g.id] for g in design.goals},
        methods=methods,
    )


# --------------------------------------------------------------------------- coverage
_COVERAGE_COLUMNS = [
    "goal",
    "name",
    "kpi",
    "goal_value",
    "covered",
    "gap",
    "share",
    "status",
    "by_role",
]


_ROLE_COVERAGE_COLUMNS = [
    "role",
    "goal",
    "kpi",
    "headcount",
    "target",
    "contribution",
    "goal_value",
    "share_of_goal",
    "location",
]


def coverage(
    design: Design, values: Mapping[str, float] | None = None, by: str = "goal"
) -> pd.DataFrame:
    """What the roles' targets add up to if everyone hits target, against each goal.

    A role KPI covers a goal when it measures the goal itself (its id is the goal's
    ``kpi:``, or the goal's id). Summed KPIs (units, revenue, leads) add up as
    target × headcount over the roles; mean and ratio KPIs compare the
    headcount-weighted mean target with the goal.

    Parameters
    ----------
    values : mapping, optional
        Goal values (default: the cascade).
    by : {"goal", "role"}
        One row per goal, or one row per role × goal it covers.

    Returns
    -------
    DataFrame
        ``by="goal"``: ``goal, name, kpi, goal_value, covered, gap`` (covered − goal),
        ``share`` (covered / goal), ``status`` (``covered``, ``short``, ``over``,
        ``no target``, ``not measured``), ``by_role`` (e.g. ``sales_department: 4 × 50``).
        ``by="role"``: ``role, goal, kpi, headcount, target, contribution`` (target ×
        headcount for summed KPIs, the target for mean and ratio KPIs),
        ``goal_value, share_of_goal`` (summed KPIs only), ``location``.

    Examples
    --------
    >>> coverage(load_design("templates/designs/sales_generator.yaml"))  # doctest: +SKIP
    """
    if by not in ("goal", "role"):
        raise DefinitionError(
            f"coverage: by={by!r} is not known.{did_you_mean(str(by), ['goal', 'role'])}\n"
            "Suggestion: use by='goal' or by='role'."
        )
    if values is None:
        values = cascade(design).values
    by_kpi: dict[str, list[tuple[Role, RoleKPI]]] = {}
    for r in design.roles:
        for k in r.kpis:
            by_kpi.setdefault(k.kpi, []).append((r, k))
    if by == "role":
        return _coverage_by_role(design, values, by_kpi)
    rows = []
    for g in design.goals:
        gv = values.get(g.id, math.nan)
        parts, total, heads, agg, direction = [], 0.0, 0.0, None, "higher"
        missing_target = False
        for r, k in by_kpi.get(g.measure, ()):
            if k.goal is not None and k.goal != g.id:
                continue
            agg = k.definition.aggregation or "sum"
            direction = k.definition.direction
            if k.target is None:
                missing_target = True
                continue
            parts.append(f"{r.id}: {_plain(r.headcount)} × {_plain(k.target)}")
            total += k.target * r.headcount
            heads += r.headcount
        if agg is None:
            status, covered = "not measured", math.nan
        elif not parts:
            status, covered = "no target", math.nan
        else:
            covered = total if agg == "sum" else total / heads
            if math.isnan(gv):
                status = "no goal value"
            elif _same(covered, gv):
                status = "covered"
            elif (covered < gv) == (direction == "higher"):
                status = "short"
            else:
                status = "over"
        if missing_target and parts:
            parts.append("(some without target)")
        rows.append(
            {
                "goal": g.id,
                "name": g.name,
                "kpi": g.measure if agg is not None else None,
                "goal_value": gv,
                "covered": covered,
                "gap": covered - gv,
                "share": covered / gv if gv not in (0.0,) and not math.isnan(gv) else math.nan,
                "status": status,
                "by_role": "; ".join(parts),
            }
        )
    df = pd.DataFrame(rows, columns=_COVERAGE_COLUMNS)
    for c in ("goal_value", "covered", "gap", "share"):
        df[c] = df[c].astype("float64")
    return df


def format_coverage(design: Design, table: pd.DataFrame | None = None) -> str:
    """The measured goals of :func:`coverage` as a readable text table."""
    cov = coverage(design) if table is None else table
    cov = cov[cov["status"] != "not measured"]
    if cov.empty:
        return "Coverage: no goal is measured by a role KPI."
    units = {g: design.unit_of(g) for g in cov["goal"]}
    shown = pd.DataFrame(
        {
            "goal": cov["goal"],
            "goal value": [
                format_value(v, units[g], design.currency)
                for g, v in zip(cov["goal"], cov["goal_value"], strict=True)
            ],
            "role targets": [
                format_value(v, units[g], design.currency)
                for g, v in zip(cov["goal"], cov["covered"], strict=True)
            ],
            "share": cov["share"].map(lambda v: "" if math.isnan(v) else f"{v:.0%}"),
            "status": cov["status"],
            "by role (headcount × target)": cov["by_role"],
        }
    )
    return "Coverage: role targets × headcount against each goal\n" + _text_table(
        shown, right=("goal value", "role targets", "share")
    )


def _coverage_by_role(design: Design, values: Mapping[str, float], by_kpi) -> pd.DataFrame:
    rows = []
    for g in design.goals:
        gv = values.get(g.id, math.nan)
        for r, k in by_kpi.get(g.measure, ()):
            if k.goal is not None and k.goal != g.id:
                continue
            summed = (k.definition.aggregation or "sum") == "sum"
            target = math.nan if k.target is None else k.target
            contribution = target * r.headcount if summed else target
            rows.append(
                {
                    "role": r.id,
                    "goal": g.id,
                    "kpi": k.kpi,
                    "headcount": r.headcount,
                    "target": target,
                    "contribution": contribution,
                    "goal_value": gv,
                    "share_of_goal": contribution / gv if summed and gv else math.nan,
                    "location": k.location,
                }
            )
    df = pd.DataFrame(rows, columns=_ROLE_COVERAGE_COLUMNS)
    for c in ("headcount", "target", "contribution", "goal_value", "share_of_goal"):
        df[c] = df[c].astype("float64")
    order = {r.id: r.index for r in design.roles}
    return df.sort_values("role", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- sensitivity
def _adjoints(design: Design, top: str, values: Mapping[str, float]) -> dict[str, float]:
    """D top / d node for every node below ``top`` (reverse mode through the formulas)."""
    adj = {top: 1.0}
    below = set(design.descendants(top)) | {top}
    for gid in reversed(design.order):
        if gid not in below or gid not in adj:
            continue
        g = design.goal(gid)
        if g.expr is None:
            continue
        _backprop(g.expr, adj[gid], values, adj)
    return adj


def _backprop(node: Expr, a: float, env: Mapping[str, float], adj: dict[str, float]) -> None:
    if isinstance(node, Number) or a == 0:
        return
    if isinstance(node, Name):
        adj[node.id] = adj.get(node.id, 0.0) + a
    elif isinstance(node, Neg):
        _backprop(node.operand, -a, env, adj)
    elif isinstance(node, BinOp):
        if node.op == "+":
            _backprop(node.left, a, env, adj)
            _backprop(node.right, a, env, adj)
        elif node.op == "-":
            _backprop(node.left, a, env, adj)
            _backprop(node.right, -a, env, adj)
        else:
            left = float(node.left.evaluate(env, on_zero_division="nan"))
            right = float(node.right.evaluate(env, on_zero_division="nan"))
            if node.op == "*":
                _backprop(node.left, a * right, env, adj)
                _backprop(node.right, a * left, env, adj)
            else:
                with np.errstate(all="ignore"):
                    inv = 1.0 / right if right != 0 else math.nan
                _backprop(node.left, a * inv, env, adj)
                _backprop(node.right, -a * left * inv * inv, env, adj)


def _perturbed_top(
    design: Design, values: Mapping[str, float], top: str, drivers: tuple[str, ...], step: float
) -> tuple[np.ndarray, np.ndarray]:
    """The top goal with each driver alone at ×(1 − step) and ×(1 + step).

    One vectorised pass up the tree: every goal holds an array with one column per
    (driver, direction); a driver's own columns are overridden with its moved value.
    """
    n = len(drivers)
    col = {d: i for i, d in enumerate(drivers)}
    factors = np.concatenate([np.full(n, 1 - step), np.full(n, 1 + step)])
    env: dict[str, Any] = {}
    for gid in sorted({top, *drivers}, key=design.order_index.__getitem__):
        g = design.goal(gid)
        base = float(values[gid])
        if g.expr is not None:
            with np.errstate(all="ignore"):
                arr = np.array(g.expr.evaluate(env, on_zero_division="nan"), dtype=float)
            arr = np.broadcast_to(arr, (2 * n,)).copy()
        else:
            arr = np.full(2 * n, base)
        if gid in col:
            i = col[gid]
            arr[[i, n + i]] = base * factors[[i, n + i]]
        env[gid] = arr
    out = env[top]
    return out[:n], out[n:]


@dataclass(frozen=True, kw_only=True)
class SensitivityResult:
    """How much the top goal moves with each driver.

    Attributes
    ----------
    goal : str
        The goal analysed (the design's top goal unless given).
    base : float
        Its value from the cascade.
    step : float
        The tornado's relative change (0.10 for ±10%).
    elasticities : Series
        Driver id → elasticity: % change of the goal per 1% change of the driver.
    tornado : DataFrame
        ``driver, name, value, low, high, goal_at_low, goal_at_high, swing, elasticity``
        sorted by swing, largest first.
    """

    goal: str
    base: float
    step: float
    tornado: pd.DataFrame
    design: Design | None = field(default=None, repr=False, compare=False)

    @property
    def elasticities(self) -> pd.Series:
        return pd.Series(
            self.tornado["elasticity"].to_numpy(), index=self.tornado["driver"], name="elasticity"
        )

    @property
    def summary(self) -> pd.DataFrame:
        return self.tornado

    def __str__(self) -> str:
        t = self.tornado
        pct = f"{self.step:.0%}"
        table = pd.DataFrame(
            {
                "driver": t["driver"],
                "elasticity": t["elasticity"].map(lambda v: f"{v:.3g}"),
                f"goal at -{pct}": t["goal_at_low"].map(_plain),
                f"goal at +{pct}": t["goal_at_high"].map(_plain),
                "swing": t["swing"].map(_plain),
            }
        )
        return (
            f"Sensitivity of {self.goal} (base {_plain(self.base)}), ±{pct} per driver\n"
            + _text_table(table, right=table.columns[1:])
        )

    def __repr__(self) -> str:
        return f"<SensitivityResult of {self.goal!r}: {len(self.tornado)} drivers>"

    def _repr_html_(self) -> str:
        return f"<h4>Sensitivity of {self.goal}</h4>" + self.tornado.to_html(index=False)


_TORNADO_COLUMNS = [
    "driver",
    "name",
    "value",
    "low",
    "high",
    "goal_at_low",
    "goal_at_high",
    "swing",
    "elasticity",
    "leaf",
]


def sensitivity(
    design: Design,
    goal: str | None = None,
    step: float = 0.10,
    values: Mapping[str, float] | None = None,
) -> SensitivityResult:
    """Elasticity of ``goal`` (default: the top goal) to every driver below it, and a tornado.

    The elasticity is exact (derivatives through the formulas, chain rule across
    goals): ``d goal / d driver × driver / goal``. The tornado moves each driver
    by ±``step`` alone, holding the others, and recomputes the goal.

    Examples
    --------
    >>> d = load_design({"goals": [
    ...     {"id": "revenue", "target": 2e6, "formula": "units * price"},
    ...     {"id": "units"}, {"id": "price", "value": 1e4}]}, library={})
    >>> sensitivity(d).elasticities.to_dict()
    {'units': 1.0, 'price': 1.0}
    """
    if values is None:
        values = cascade(design).values
    top = goal or design.top_goal
    if top is None:
        raise DefinitionError(f"{design.source}: the design has no goals.\nSuggestion: add goals.")
    design.goal(top)
    base = float(values[top])
    drivers = design.descendants(top)
    adj = _adjoints(design, top, values)
    at_low, at_high = _perturbed_top(design, values, top, drivers, step)
    rows = []
    for i, d in enumerate(drivers):
        x = float(values[d])
        lo, hi = x * (1 - step), x * (1 + step)
        g_lo, g_hi = float(at_low[i]), float(at_high[i])
        el = adj.get(d, 0.0) * x / base if base != 0 else math.nan
        rows.append(
            {
                "driver": d,
                "name": design.goal(d).name,
                "value": x,
                "low": lo,
                "high": hi,
                "goal_at_low": g_lo,
                "goal_at_high": g_hi,
                # a swing within rounding of the base is no swing
                "swing": 0.0
                if abs(g_hi - g_lo) <= 1e-12 * max(1.0, abs(base))
                else abs(g_hi - g_lo),
                "elasticity": el,
                "leaf": design.goal(d).expr is None,
            }
        )
    df = pd.DataFrame(rows, columns=_TORNADO_COLUMNS)
    for c in _TORNADO_COLUMNS[2:9]:
        df[c] = df[c].astype("float64")
    df["leaf"] = df["leaf"].astype(bool)
    df = df.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    return SensitivityResult(goal=top, base=base, step=step, tornado=df, design=design)


# --------------------------------------------------------------------------- gap analysis
def _logmean(p: float, q: float) -> float:
    if p == q or abs(p - q) <= 1e-12 * abs(q):
        return p
    return (p - q) / math.log(p / q)


def _split(node: Expr, e0: Mapping[str, float], e1: Mapping[str, float]) -> dict[str, float]:
    """Contributions of each name to ``node(e1) - node(e0)``; they add up to it exactly.

    Sums split exactly; products and quotients by log-mean Divisia (LMDI) when
    both factors keep their sign, else by the symmetric (Shapley) split; each
    factor's share is passed down to its own terms in proportion.
    """
    if isinstance(node, Number):
        return {}
    if isinstance(node, Name):
        delta = e1[node.id] - e0[node.id]
        return {node.id: delta} if delta != 0 else {}
    if isinstance(node, Neg):
        return {k: -v for k, v in _split(node.operand, e0, e1).items()}
    assert isinstance(node, BinOp)
    if node.op in "+-":
        out = dict(_split(node.left, e0, e1))
        sign = 1.0 if node.op == "+" else -1.0
        for k, v in _split(node.right, e0, e1).items():
            out[k] = out.get(k, 0.0) + sign * v
        return out
    a0, a1 = float(node.left.evaluate(e0)), float(node.left.evaluate(e1))
    b0, b1 = float(node.right.evaluate(e0)), float(node.right.evaluate(e1))
    f = (lambda a, b: a * b) if node.op == "*" else (lambda a, b: a / b)
    y0, y1 = f(a0, b0), f(a1, b1)
    if a0 * a1 > 0 and b0 * b1 > 0:
        lm = _logmean(y1, y0)
        ca = lm * math.log(a1 / a0)
        cb = (1.0 if node.op == "*" else -1.0) * lm * math.log(b1 / b0)
    else:
        ca = 0.5 * ((f(a1, b0) - f(a0, b0)) + (f(a1, b1) - f(a0, b1)))
        cb = (y1 - y0) - ca
    out: dict[str, float] = {}
    for sub, c in ((node.left, ca), (node.right, cb)):
        if c == 0:
            continue
        parts = _split(sub, e0, e1)
        total = math.fsum(parts.values())
        if total == 0:
            continue
        for k, v in parts.items():
            out[k] = out.get(k, 0.0) + c * v / total
    return out


@dataclass(frozen=True, kw_only=True)
class GapResult:
    """Why a goal was missed: the gap split into driver contributions.

    Attributes
    ----------
    goal : str
    plan, actual, gap : float
        ``gap = actual - plan``.
    contributions : DataFrame
        One row per driver (and one per goal whose given actual its own drivers do
        not explain, ``kind == "unexplained"``): ``driver, name, kind, plan,
        actual, change, change_pct, contribution, share``. The contributions add up
        to ``gap``. Sorted with the most costly driver first.
    detail : DataFrame
        The same for every goal in the tree (intermediate goals carry the sum of
        their drivers' contributions).
    assumed_on_plan : tuple
        Drivers without an actual, taken at their plan value.
    """

    goal: str
    plan: float
    actual: float
    contributions: pd.DataFrame
    detail: pd.DataFrame
    assumed_on_plan: tuple[str, ...] = ()
    direction: str = "higher"

    @property
    def gap(self) -> float:
        return self.actual - self.plan

    @property
    def worst(self) -> str | None:
        """The driver that cost the most (most negative contribution for a higher-is-better
        goal, most positive for a lower-is-better one); ``None`` if nothing cost anything.
        """
        c = self.contributions
        if c.empty:
            return None
        s = c["contribution"] if self.direction == "higher" else -c["contribution"]
        i = int(np.argmin(s.to_numpy()))
        return str(c["driver"].iloc[i]) if s.iloc[i] < 0 else None

    @property
    def summary(self) -> pd.DataFrame:
        return self.contributions

    def __str__(self) -> str:
        c = self.contributions
        table = pd.DataFrame(
            {
                "driver": c["driver"] + np.where(c["kind"] == "unexplained", " (unexplained)", ""),
                "plan": c["plan"].map(_plain),
                "actual": c["actual"].map(_plain),
                "change": c["change_pct"].map(lambda v: "" if math.isnan(v) else f"{v:+.1%}"),
                "contribution": c["contribution"].map(_plain),
                # round first so that a share of -0.1% reads 0%, not -0%
                "share": c["share"].map(
                    lambda v: "" if math.isnan(v) else f"{round(v, 2) + 0:.0%}"
                ),
            }
        )
        head = (
            f"Gap analysis of {self.goal}: plan {_plain(self.plan)}, actual "
            f"{_plain(self.actual)}, gap {_plain(self.gap)}"
        )
        if self.worst:
            head += f"; {self.worst} cost the most"
        return head + "\n" + _text_table(table, right=table.columns[1:])

    def __repr__(self) -> str:
        return f"<GapResult {self.goal!r}: gap {_plain(self.gap)}, worst {self.worst!r}>"

    def _repr_html_(self) -> str:
        return (
            f"<h4>Gap analysis of {self.goal}: plan {_plain(self.plan)}, actual "
            f"{_plain(self.actual)}, gap {_plain(self.gap)}</h4>"
            + self.contributions.to_html(index=False)
        )


_GAP_COLUMNS = [
    "driver",
    "name",
    "kind",
    "plan",
    "actual",
    "change",
    "change_pct",
    "contribution",
    "share",
]


def gap_analysis(
    design: Design,
    actuals: Mapping[str, float],
    goal: str | None = None,
    plan: Mapping[str, float] | None = None,
) -> GapResult:
    """Split the gap between a goal's plan and its actual into driver contributions.

    The actual of each goal is the one given in ``actuals``, else its formula over
    its drivers' actuals, else (a driver with no actual) its plan value. At each
    formula the change splits exactly: sums term by term, products and quotients
    by log-mean Divisia (LMDI), mixed trees recursively; contributions therefore
    add up exactly (to rounding) to the gap.

    Parameters
    ----------
    actuals : mapping
        Goal id → actual value for the period (drivers, and any goal measured directly).
        Actuals of goals outside the analysed goal's tree play no part.
    goal : str, optional
        Goal to explain (default: the top goal).
    plan : mapping, optional
        Planned values (default: the cascade).

    Examples
    --------
    >>> d = load_design({"goals": [
    ...     {"id": "revenue", "target": 2e6, "formula": "units * price"},
    ...     {"id": "units"}, {"id": "price", "value": 1e4}]}, library={})
    >>> r = gap_analysis(d, {"units": 180, "price": 10_000})
    >>> r.gap, r.worst
    (-200000.0, 'units')
    """
    design = load_design(design) if not isinstance(design, Design) else design
    if plan is None:
        plan = cascade(design).values
    top = goal or design.top_goal
    if top is None:
        raise DefinitionError(f"{design.source}: the design has no goals.\nSuggestion: add goals.")
    design.goal(top)
    for k, v in actuals.items():
        if k not in design.goal_ids:
            raise DefinitionError(
                f"{design.source}: actual given for unknown goal {k!r}."
                f"{did_you_mean(k, design.goal_ids)}\n"
                f"Suggestion: use goal ids: {', '.join(design.goal_ids)}."
            )
        if (
            isinstance(v, bool)
            or not isinstance(v, int | float | np.number)
            or not math.isfinite(v)
        ):
            raise DefinitionError(
                f"{design.source}: the actual of {k!r} must be a finite number, got {v!r}.\n"
                "Suggestion: give a number."
            )
    tree = [top, *design.descendants(top)]
    for n in tree:
        if math.isnan(plan.get(n, math.nan)):
            raise DefinitionError(
                f"{design.source}: goal {n!r} has no planned value, so there is no gap to "
                f"explain.\nSuggestion: give {n!r} a target or a value, or run the cascade first."
            )
    pos = {g: i for i, g in enumerate(design.order)}
    bottom_up = sorted(tree, key=pos.__getitem__)
    has_actual_below: dict[str, bool] = {}
    act: dict[str, float] = {}
    formula_act: dict[str, float] = {}
    assumed: list[str] = []
    for n in bottom_up:
        g = design.goal(n)
        below = any(has_actual_below[d] or d in actuals for d in g.drivers)
        has_actual_below[n] = below
        if g.expr is not None and below:
            try:
                formula_act[n] = float(g.expr.evaluate(act))
            except FormulaError as err:
                raise FormulaError(
                    f"{design.source}: actuals of goal {n!r}: {err.message}\n"
                    f"Suggestion: {_ZERO_HINT}"
                ) from None
        if n in actuals:
            act[n] = float(actuals[n])
        elif n in formula_act:
            act[n] = formula_act[n]
        else:
            act[n] = float(plan[n])
            if g.expr is None:
                assumed.append(n)
    contrib: dict[str, float] = {top: act[top] - float(plan[top])}
    unexplained: dict[str, float] = {}
    for n in reversed(bottom_up):
        g = design.goal(n)
        c = contrib.get(n, 0.0)
        if g.expr is None or not has_actual_below[n]:
            continue
        if c == 0:
            continue
        parts = _split(g.expr, plan, act)
        resid = act[n] - formula_act[n]
        # normalise by what the parts add up to, so the shares add up to c exactly
        denom = math.fsum(parts.values()) + resid
        if denom == 0:
            unexplained[n] = unexplained.get(n, 0.0) + c
            continue
        for k, v in parts.items():
            contrib[k] = contrib.get(k, 0.0) + c * v / denom
        if resid != 0:
            unexplained[n] = unexplained.get(n, 0.0) + c * resid / denom
    gap = act[top] - float(plan[top])
    direction = design.goal(top).direction
    detail_rows, rows = [], []
    for n in tree:
        g = design.goal(n)
        p, a = float(plan[n]), act[n]
        row = {
            "driver": n,
            "name": g.name,
            "kind": "goal" if (g.expr is not None and has_actual_below[n]) else "driver",
            "plan": p,
            "actual": a,
            "change": a - p,
            "change_pct": (a - p) / abs(p) if p != 0 else math.nan,
            "contribution": contrib.get(n, 0.0),
            "share": contrib.get(n, 0.0) / gap if gap != 0 else math.nan,
        }
        detail_rows.append(row)
        if n != top and row["kind"] == "driver":
            rows.append(row)
        if n in unexplained:
            extra = dict(row, kind="unexplained", contribution=unexplained[n])
            extra["plan"], extra["actual"] = formula_act[n], a
            extra["change"] = a - formula_act[n]
            extra["change_pct"] = (
                extra["change"] / abs(extra["plan"]) if extra["plan"] else math.nan
            )
            extra["share"] = unexplained[n] / gap if gap != 0 else math.nan
            rows.append(extra)
    if not has_actual_below[top]:
        rows.append(dict(detail_rows[0], kind="driver"))
    contributions = pd.DataFrame(rows, columns=_GAP_COLUMNS)
    for c in _GAP_COLUMNS[3:]:
        contributions[c] = contributions[c].astype("float64")
    key = contributions["contribution"] if direction == "higher" else -contributions["contribution"]
    contributions = contributions.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(
        drop=True
    )
    detail = pd.DataFrame(detail_rows, columns=_GAP_COLUMNS)
    return GapResult(
        goal=top,
        plan=float(plan[top]),
        actual=act[top],
        contributions=contributions,
        detail=detail,
        assumed_on_plan=tuple(sorted(assumed, key=lambda n: design.goal(n).index)),
        direction=direction,
    )
