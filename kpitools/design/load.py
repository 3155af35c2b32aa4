"""Reading a design file (or a mapping) into a :class:`~kpitools.design.model.Design`.

Two passes, each reporting every problem it finds at once, in the one message shape of
:mod:`kpitools._util.spec`: the file's keys and values (:mod:`.schema`), then what needs
the whole file — ids given twice, formulas over unknown goals or in a cycle, roles' KPIs
that are neither in the KPI library nor defined inline, unknown goals served, a
``roster:`` file that is not there. The roster is then read with
:func:`kpitools.data.load_roster`.

An inline KPI's ``type`` (leading or lagging) is what the design gives, else that of the
library KPI of the same name (case and spacing aside), else ``"unknown"``: a KPI is never
called lagging for want of a word.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from .._util.formula import parse
from .._util.graph import find_cycle
from .._util.spec import Problems, validate
from .._util.yamlfile import YamlDocument, read_yaml
from ..data import load_roster, resolve_library
from ..errors import DefinitionError, did_you_mean
from .model import UNKNOWN_TYPE, Design, Goal, KPIDef, Role, RoleKPI
from .schema import KPI_FIELDS, DesignSpec, GoalSpec, RoleKPISpec, RoleSpec

__all__ = ["load_design"]

_EXAMPLE = "templates/designs/sales_generator.yaml"


class _Library:
    """The KPI library a design is read with: a Library, a plain mapping, or none."""

    def __init__(self, library: Any) -> None:
        self.library = library

    def get(self, kpi: str) -> Any:
        return None if self.library is None else self.library.get(kpi)

    def ids(self) -> list[str]:
        if self.library is None:
            return []
        if isinstance(self.library, Mapping):
            return list(self.library)
        return list(getattr(self.library, "ids", []))

    def by_name(self, name: Any) -> Any:
        """The library KPI named ``name`` (case and spacing aside), or None."""
        return self._names.get(_name_key(name))

    @cached_property
    def _names(self) -> dict[str, Any]:
        if self.library is None:
            return {}
        entries = self.library.values() if isinstance(self.library, Mapping) else self.library
        out: dict[str, Any] = {}
        for kpi in entries:
            out.setdefault(_name_key(getattr(kpi, "name", None)), kpi)
        out.pop("", None)
        return out


def _name_key(name: Any) -> str:
    return " ".join(str(name or "").split()).casefold()


def _goals(specs: list[GoalSpec], library: _Library, problems: Problems) -> tuple[Goal, ...]:
    goals, seen = [], {}
    for i, g in enumerate(specs):
        if g.id in seen:
            problems.add(
                f"goals[{i}].id",
                f"goal id {g.id!r} is already used by goals[{seen[g.id]}]",
                "give every goal its own id.",
            )
        seen.setdefault(g.id, i)
        measured_by = library.get(g.kpi or g.id)
        goals.append(
            Goal(
                id=g.id,
                name=g.name or g.id,
                target=g.target,
                value=g.value,
                formula=g.formula,
                expr=parse(g.formula) if g.formula is not None else None,
                unit=g.unit or getattr(measured_by, "unit", None),
                kpi=g.kpi,
                direction=getattr(measured_by, "direction", None) or "higher",
                aggregation=getattr(measured_by, "aggregation", None),
                description=g.description,
                index=i,
            )
        )
    _check_formulas(goals, problems)
    return tuple(goals)


def _check_formulas(goals: list[Goal], problems: Problems) -> None:
    ids = [g.id for g in goals]
    for g in goals:
        for name in dict.fromkeys(n for n in g.drivers if n not in ids):
            problems.add(
                f"goals[{g.index}].formula",
                f"formula {g.formula!r} of goal {g.id!r} uses unknown id {name!r}."
                f"{did_you_mean(name, ids)}",
                f"every name in a formula must be a goal id; add a goal 'id: {name}' "
                "or fix the spelling.",
            )
    cycle = find_cycle({g.id: g.drivers for g in goals})
    if cycle:
        first = next(g for g in goals if g.id == cycle[0])
        problems.add(
            f"goals[{first.index}].formula",
            f"the goal formulas form a cycle: {' → '.join(cycle)}",
            "a goal cannot depend on itself; remove one of these formulas or one of its ids.",
        )


def _inline_definitions(roles: list[RoleSpec]) -> dict[str, dict[str, Any]]:
    """KPI id → the inline fields of the first role entry that defines it (with ``name:``).

    Another role can then list the same KPI by its id alone.
    """
    out: dict[str, dict[str, Any]] = {}
    for role in roles:
        for k in role.kpis:
            if k.name is not None:
                out.setdefault(k.kpi, k.inline())
    return out


def _definition(
    k: RoleKPISpec, path: str, library: _Library, inline: Mapping, problems: Problems
) -> KPIDef:
    base = library.get(k.kpi)
    given = k.inline()
    if base is None and "name" not in given and k.kpi in inline:
        given = {**inline[k.kpi], **given}  # defined inline in another role: the same KPI
    if base is None and "name" not in given:
        problems.add(
            f"{path}.kpi",
            f"unknown KPI {k.kpi!r}: it is not in the KPI library and not defined inline."
            f"{did_you_mean(k.kpi, library.ids())}",
            "use a library id, or define the KPI here with at least 'name:' "
            "(and unit, direction, type, level).",
        )
    fields = {f: getattr(base, f, None) for f in KPI_FIELDS} if base is not None else {}
    fields = {f: v for f, v in fields.items() if v is not None} | given
    source = "library" if not given else ("inline" if base is None else "library+inline")
    if fields.get("type") is None:
        fields["type"] = getattr(library.by_name(fields.get("name")), "type", None) or UNKNOWN_TYPE
    return KPIDef(
        id=k.kpi,
        name=str(fields.get("name", k.kpi)),
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


def _role_kpis(
    spec: RoleSpec, i: int, goal_ids: list[str], library: _Library, inline: Mapping,
    problems: Problems,
) -> tuple[RoleKPI, ...]:  # fmt: skip
    kpis, seen = [], {}
    for j, k in enumerate(spec.kpis):
        path = f"roles[{i}].kpis[{j}]"
        if k.kpi in seen:
            problems.add(
                f"{path}.kpi",
                f"KPI {k.kpi!r} is already in role {spec.id!r} at roles[{i}].kpis[{seen[k.kpi]}]",
                "list each KPI once per role.",
            )
        seen.setdefault(k.kpi, j)
        if k.goal is not None and k.goal not in goal_ids:
            problems.add(
                f"{path}.goal",
                f"KPI {k.kpi!r} serves unknown goal {k.goal!r}.{did_you_mean(k.goal, goal_ids)}",
                f"use one of the goal ids: {', '.join(goal_ids) or '(none: add goals first)'}.",
            )
        kpis.append(
            RoleKPI(
                kpi=k.kpi,
                definition=_definition(k, path, library, inline, problems),
                goal=k.goal,
                weight=k.weight,
                target=k.target,
                role_index=i,
                index=j,
            )
        )
    return tuple(kpis)


def _roles(
    specs: list[RoleSpec], goals: tuple[Goal, ...], library: _Library, problems: Problems
) -> tuple[Role, ...]:
    goal_ids = list(dict.fromkeys(g.id for g in goals))
    inline = _inline_definitions(specs)
    roles, seen = [], {}
    for i, r in enumerate(specs):
        if r.id in seen:
            problems.add(
                f"roles[{i}].id",
                f"role id {r.id!r} is already used by roles[{seen[r.id]}]",
                "give every role its own id.",
            )
        seen.setdefault(r.id, i)
        roles.append(
            Role(
                id=r.id,
                name=r.name or r.id,
                headcount=r.headcount,
                on_target_pay=r.on_target_pay,
                level=r.level,
                kpis=_role_kpis(r, i, goal_ids, library, inline, problems),
                description=r.description,
                index=i,
            )
        )
    return tuple(roles)


def _check_goal_kpis(
    goals: tuple[Goal, ...], roles: tuple[Role, ...], library: _Library, problems: Problems
) -> None:
    """A goal's ``kpi:`` must name a library KPI or a role's KPI.

    A typo there would silently leave the goal unmeasured (and its coverage unchecked).
    """
    role_ids = list(dict.fromkeys(k.kpi for r in roles for k in r.kpis))
    known = list(dict.fromkeys(role_ids + library.ids()))
    for g in goals:
        if g.kpi is None or g.kpi in role_ids or library.get(g.kpi) is not None:
            continue
        problems.add(
            f"{g.location}.kpi",
            f"goal {g.id!r} is measured by unknown KPI {g.kpi!r}: it is not in the KPI "
            f"library and no role has it.{did_you_mean(g.kpi, known)}",
            "use a library id or the id of a role's KPI, or drop 'kpi:' if the goal's own "
            "id names its KPI.",
        )


def _roster_path(given: str | None, source: YamlDocument | str, problems: Problems) -> Path | None:
    """The ``roster:`` file, relative to the design file (to the working folder for a mapping)."""
    if given is None:
        return None
    folder = Path(source.file).parent if isinstance(source, YamlDocument) else Path()
    path = folder / Path(given).expanduser()
    if not path.is_file():
        where = f" (looked for {path})" if path != Path(given) else ""
        problems.add(
            "roster",
            f"roster file {given!r} does not exist{where}",
            "give the roster's path relative to the design file, e.g. 'roster: roster.csv' "
            "for a file beside it.",
        )
        return None
    return path


def build_design(data: Any, source: YamlDocument | str, library: Any) -> Design:
    """Validate ``data`` (a design file's content) and build the :class:`Design`."""
    label = source.file if isinstance(source, YamlDocument) else source
    if data is None:
        raise DefinitionError(
            f"{label}: the design file is empty.\nSuggestion: start from {_EXAMPLE}."
        )
    if not isinstance(data, Mapping):
        raise DefinitionError(
            f"{label}: the design must be a mapping of keys to values (client, period, goals, "
            f"roles, …).\nSuggestion: write the design as 'key: value' lines; see {_EXAMPLE}."
        )
    spec = validate(DesignSpec, data, source=source)
    lines = source.lines if isinstance(source, YamlDocument) else {}
    problems, kpis = Problems(label, lines), _Library(library)
    goals = _goals(spec.goals, kpis, problems)
    roles = _roles(spec.roles, goals, kpis, problems)
    _check_goal_kpis(goals, roles, kpis, problems)
    roster = _roster_path(spec.roster, source, problems)
    problems.raise_any()
    return Design(
        client=spec.client,
        period=spec.period,
        currency=spec.currency,
        fx=dict(spec.fx or {}),
        locale=spec.locale,
        description=spec.description,
        goals=goals,
        roles=roles,
        checks=spec.checks.given() if spec.checks is not None else {},
        recommendation=(
            spec.recommendation.model_dump(exclude_unset=True) if spec.recommendation else {}
        ),
        roster_file=str(roster) if roster is not None else None,
        roster=load_roster(roster) if roster is not None else None,
        source=label,
        lines=dict(lines),
    )


def load_design(source: str | os.PathLike | Mapping | Design, library: Any = None) -> Design:
    """Load and validate a design file (or a mapping with the same keys).

    Parameters
    ----------
    source : path, mapping or Design
        A YAML file (read with ``yaml.safe_load`` only), or its content as a mapping.
        Besides goals and roles it may give ``checks:`` (thresholds of the design checks,
        :class:`~kpitools.design.CheckSettings`), ``recommendation:`` (thresholds of the
        decision rule, :class:`~kpitools.design.RecommendationRule`) and ``roster:`` (a
        roster file, relative
        to the design file; read with :func:`kpitools.data.load_roster` into
        ``design.roster``).
    library : Library, mapping or False, optional
        KPI library used to resolve role KPIs; the shipped library by default
        (:func:`kpitools.data.resolve_library`). ``{}`` or ``False`` for none: every KPI must
        then be defined inline.

    Raises
    ------
    DefinitionError
        Every problem of the file at once, each naming the file, the line and key path
        (``roles[0].kpis[1].goal``), what is wrong and how to fix it. Unknown ids get a
        "did you mean"; formula cycles are named (``a → b → a``); YAML tags that would
        build Python objects are refused.

    Examples
    --------
    >>> from kpitools.design import cascade
    >>> d = load_design("templates/designs/sales_generator.yaml")
    >>> cascade(d).values["units_sold"]
    200.0
    """
    if isinstance(source, Design):
        return source
    library = library if isinstance(library, Mapping) else resolve_library(library)
    if isinstance(source, Mapping):
        return build_design(source, "design", library)
    doc = read_yaml(Path(source), what="design file", example=_EXAMPLE)
    return build_design(doc.data, doc, library)
