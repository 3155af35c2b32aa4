"""Reading a design file (or a mapping) into a :class:`~kpitools.design.model.Design`."""

from __future__ import annotations

import datetime as _dt
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .._util.format import number
from .._util.formula import parse
from .._util.yamlfile import read_yaml
from ..errors import DefinitionError, FormulaError, did_you_mean
from .model import (
    _EXPONENT,
    _ID,
    _PERIOD,
    AGGREGATIONS,
    DIRECTIONS,
    LEVELS,
    TYPES,
    UNITS,
    Design,
    Goal,
    KPIDef,
    Role,
    RoleKPI,
)

__all__ = ["load_design"]


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
            bound = f"above {number(minimum)}" if strict else f"at least {number(minimum)}"
            raise self.fail(
                path, f"must be {bound}, got {number(value)}.", f"use a number {bound}."
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
                    f"goal {gid!r} has both a target ({number(target)}) and a value "
                    f"({number(value)}).",
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
                    f"weight {number(weight)} is above 1: a weight is a share of on-target pay.",
                    f"write {number(weight / 100)} for {number(weight)}%.",
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
    >>> cascade(d).values["units_sold"]  # doctest: +SKIP
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
