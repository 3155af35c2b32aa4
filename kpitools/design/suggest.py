"""Suggestions: candidate KPIs per role from the library, ranked, each with its reason.

Four reasons, strongest first (a role without KPIs yet first gets the library
KPIs that **measure goal X** of the design, score 4, then the two below):

- **serves goal X's driver Y**: the library has a KPI that measures a goal below
  one the role already serves (score 4 for a direct driver, 3 deeper down);
- **counters the gaming risk of Z**: a counter KPI of a paid KPI that can be
  gamed and has no counter in the role (3);
- **adds the missing leading indicator**: the role has only lagging KPIs (2); when some
  of its KPIs are of unknown type (inline, no ``type:``), **adds a known leading
  indicator** (2);
- **adds a quality measure**: every KPI of the role is a volume count (1.5).

A KPI with several reasons adds their scores; candidates that are counters of, or
inputs to, the role's current KPIs get +0.5. Company-level KPIs are never
suggested to roles below company level (``not-controllable``). A role gets at
most ``max_kpis`` minus its current count.

Examples
--------
>>> from kpitools.design import load_design
>>> d = load_design("templates/designs/sales_generator.yaml")  # doctest: +SKIP
>>> suggest(d)[["role", "kpi", "reason"]].head(2)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._util.format import frame_table
from ..data import resolve_library
from .checks import CheckSettings
from .load import load_design
from .model import UNKNOWN_TYPE, Design, KPIDef, Role

__all__ = ["suggest", "format_suggestions", "SUGGESTION_COLUMNS"]

SUGGESTION_COLUMNS = ["role", "rank", "kpi", "name", "area", "type", "unit", "score", "reason"]
_LEVEL_RANK = {"individual": 0, "team": 1, "company": 2}


def _definition(kpi: Any) -> KPIDef:
    return KPIDef(
        id=kpi.id,
        name=kpi.name,
        area=getattr(kpi, "area", None),
        unit=getattr(kpi, "unit", None),
        direction=getattr(kpi, "direction", "higher") or "higher",
        aggregation=getattr(kpi, "aggregation", None),
        formula=getattr(kpi, "formula", None),
        type=getattr(kpi, "type", None),
        quantitative=bool(getattr(kpi, "quantitative", True)),
        level=getattr(kpi, "level", "individual") or "individual",
        gaming_risk=getattr(kpi, "gaming_risk", None),
        counter_kpi=tuple(getattr(kpi, "counter_kpi", ()) or ()),
        tags=tuple(getattr(kpi, "tags", ()) or ()),
    )


class _Candidates:
    def __init__(self, library: Any, exclude: set[str], role_level: str):
        self.library = library
        self.exclude = exclude
        self.max_level = _LEVEL_RANK.get(role_level, 0)
        self.items: dict[str, dict[str, Any]] = {}

    def add(self, kpi_id: str, score: float, reason: str) -> None:
        if kpi_id in self.exclude:
            return
        kpi = self.library.get(kpi_id)
        if kpi is None:
            return
        if getattr(kpi, "level", "individual") == "company" and self.max_level < 2:
            return
        item = self.items.setdefault(kpi_id, {"kpi": kpi, "kinds": {}})
        kind = reason.split(" goal ")[0].split(" of ")[0]  # one reason of each kind
        if kind not in item["kinds"] or item["kinds"][kind][0] < score:
            item["kinds"][kind] = (score, reason)

    def ranked(self) -> list[dict[str, Any]]:
        out = []
        for item in self.items.values():
            parts = sorted(item["kinds"].values(), key=lambda p: -p[0])
            out.append(
                {
                    "kpi": item["kpi"],
                    "score": sum(p[0] for p in parts),
                    "reasons": [p[1] for p in parts],
                }
            )
        return sorted(out, key=lambda it: -it["score"])


def suggest(
    design: Design | str,
    library: Any = None,
    role: str | None = None,
    settings: CheckSettings | None = None,
) -> pd.DataFrame:
    """Propose candidate KPIs for each role (or one role), ranked, with reasons.

    Parameters
    ----------
    design : Design or path
    library : Library, optional
        Where candidates come from (default: the bundled library).
    role : str, optional
        Only this role (an unknown id gets a "did you mean").
    settings : CheckSettings, optional
        ``max_kpis`` caps each role's suggestions at ``max_kpis`` − current count.

    Returns
    -------
    DataFrame
        ``role, rank, kpi, name, area, type, unit, score, reason`` (reasons joined
        with "; "), best first per role.

    Examples
    --------
    >>> df = suggest("templates/designs/sales_generator.yaml")  # doctest: +SKIP
    >>> df.loc[0, "reason"]  # doctest: +SKIP
    'counters the gaming risk of units_sold'
    """
    library = resolve_library(library)
    design = load_design(design, library=library)
    settings = settings or CheckSettings.for_design(design)
    roles = [design.role(role)] if role is not None else list(design.roles)
    rows: list[dict[str, Any]] = []
    for r in roles:
        room = settings.max_kpis - len(r.kpis)
        if room <= 0:
            continue
        ranked = _candidates_for(design, library, r).ranked()[:room]
        rows += [_row(r.id, i, it) for i, it in enumerate(ranked, start=1)]
    df = pd.DataFrame(rows, columns=SUGGESTION_COLUMNS)
    df["rank"] = df["rank"].astype("int64")
    df["score"] = df["score"].astype("float64")
    return df


def _row(role: str, rank: int, item: dict[str, Any]) -> dict[str, Any]:
    kpi = item["kpi"]
    return {
        "role": role,
        "rank": rank,
        "kpi": kpi.id,
        "name": kpi.name,
        "area": getattr(kpi, "area", None),
        "type": getattr(kpi, "type", None),
        "unit": getattr(kpi, "unit", None),
        "score": item["score"],
        "reason": "; ".join(item["reasons"]),
    }


def _candidates_for(design: Design, library: Any, r: Role) -> _Candidates:
    """Every candidate for role ``r``, scored by the reasons it has."""
    present = set(r.kpi_ids)
    cands = _Candidates(library, present, r.level)
    # 1. drivers of the goals the role serves
    for gid in dict.fromkeys(k.goal for k in r.kpis if k.goal is not None):
        direct = set(design.goal(gid).drivers)
        for d in design.goal(gid).drivers:
            cands.add(design.goal(d).measure, 4.0, f"serves goal {gid}'s driver {d}")
        for d in design.descendants(gid):
            if d not in direct:
                cands.add(design.goal(d).measure, 3.0, f"serves goal {gid}'s driver {d}")
    # 2. counters of paid KPIs that can be gamed
    for k in r.kpis:
        d = k.definition
        if bool(k.weight) and bool(r.on_target_pay) and d.gaming_risk:
            if not set(d.counter_kpi) & present:
                for c in d.counter_kpi:
                    cands.add(c, 3.0, f"counters the gaming risk of {k.kpi}")
    # 0. a role without KPIs yet: the library KPIs that measure the design's goals
    if not r.kpis:
        for g in design.goals:
            cands.add(g.measure, 4.0, f"measures goal {g.id}")
    _add_missing_kinds(cands, library, r)
    return cands


def _add_missing_kinds(cands: _Candidates, library: Any, r: Role) -> None:
    """3. the missing leading indicator and 4. a quality measure, from the same areas."""
    related = set()
    for k in r.kpis:
        related.update(k.definition.counter_kpi)
        related.update(getattr(library.get(k.kpi), "inputs", ()) or ())
    # the set as it stands: the role's KPIs, or for an empty role the goal measures above
    current = [k.definition for k in r.kpis]
    if not r.kpis:
        current = [_definition(it["kpi"]) for it in cands.items.values()]
    if not current:
        return
    areas = {d.area for d in current if d.area}
    pool = [kpi for kpi in library if getattr(kpi, "area", None) in areas]
    if not any(d.type == "leading" for d in current):
        unknown = [d.id for d in current if d.type == UNKNOWN_TYPE]
        reason = (
            f"adds a known leading indicator ({', '.join(unknown)}: type unknown)"
            if unknown
            else "adds the missing leading indicator"
        )
        for kpi in pool:
            if getattr(kpi, "type", None) == "leading":
                bonus = 0.5 if kpi.id in related else 0.0
                cands.add(kpi.id, 2.0 + bonus, reason)
    if all(d.is_volume for d in current):
        for kpi in pool:
            if _definition(kpi).is_quality:
                bonus = 0.5 if kpi.id in related else 0.0
                cands.add(kpi.id, 1.5 + bonus, "adds a quality measure")


def format_suggestions(
    design: Design,
    suggestions: pd.DataFrame,
    role: str | None = None,
    settings: CheckSettings | None = None,
) -> str:
    """The suggestions as readable text, one table per role (what the CLI prints)."""
    settings = settings or CheckSettings.for_design(design)
    roles = [design.role(role)] if role is not None else list(design.roles)
    blocks = []
    for r in roles:
        n = len(r.kpis)
        label = r.id if r.name == r.id else f"{r.id} ({r.name})"
        room = max(0, settings.max_kpis - n)
        head = f"{label}: {n} KPI{'s' * (n != 1)}, room for {room}"
        part = suggestions[suggestions["role"] == r.id]
        if room == 0:
            blocks.append(
                f"{head}\n  No suggestions: the role already has {n} KPIs, the most one "
                f"person can watch ({settings.max_kpis})."
            )
        elif part.empty:
            blocks.append(f"{head}\n  No suggestions: the library has nothing the role lacks.")
        else:
            table = part[["rank", "kpi", "name", "type", "reason"]]
            body = frame_table(table, right=("rank",))
            blocks.append(head + "\n" + "\n".join("  " + line for line in body.splitlines()))
    return "\n\n".join(blocks)
