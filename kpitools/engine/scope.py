"""Team and manager pay: what ``scope: team`` and ``scope: reports`` measure (contract §9).

A component, gate or modifier with ``scope: team`` measures the employee's team (the
roster's ``team``, else the data's); with ``scope: reports`` the employees whose ``manager``
is this employee (a manager override). Teams and managers come from the roster and, where
it does not say, from the data's ``team`` and ``manager`` columns (each employee's latest
non-empty value; :func:`kpitools.engine.scope_groups.group_roster`). Either way the
group's attainment is the sum of the members' actuals over the sum of their targets, each
target set per member first by the item's own target method (so a ``fixed`` target of 100
makes 200 for two members); a ``mean`` KPI takes the members' mean actual over their mean
target, a ``ratio`` KPI its numerator's sum over its denominator's sum against the members'
targets weighted by their denominators.

How a run gets there (:func:`scoped_inputs`, called by :func:`kpitools.engine.prepare`):

1. **Members.** The scoped items (and, for a scheme paid wholly on groups, its own gates and
   modifiers) are prepared for everyone in the data, whatever their role: each member's
   actuals and targets on the scheme's periods (proration of the members' targets included).
2. **Group sums.** Per item, the members' values are summed per group and period in one
   pass (``np.bincount`` over group × period codes): no loop over employees.
3. **Who is paid.** A scheme with an own-scope component is evaluated on the usual rows
   (employees with data, of the scheme's ``roles``) and the scoped items read their group's
   values. A scheme whose components are all ``team`` or ``reports`` scope pays people from
   the roster and the data (managers named only in its ``manager`` column included):
   everyone of its ``roles`` (everyone without ``roles``) in each period in which
   their group has members with an actual, so a manager with no rows of their own is paid
   (a manager over nobody is not). Their pay and proration come from the roster as usual.

The payout table shows the group's actual and target on a scoped component's row, so the
attainment can be traced. With a ``team`` (``manager``) column in neither the roster nor
the data, a scoped item is an error naming its key path.

Examples
--------
The contract's example: a1 (80 of 100) and a2 (140 of 100) in one team, managed by m.

>>> import pandas as pd
>>> from kpitools.engine import run_scheme
>>> data = pd.DataFrame({"employee": ["a1", "a2"], "period": ["2025-01"] * 2,
...                      "kpi": ["revenue"] * 2, "actual": [80.0, 140.0]})
>>> roster = pd.DataFrame({"employee": ["a1", "a2", "m"], "team": ["T", "T", "T"],
...                        "manager": ["m", "m", None]})
>>> curve = {"points": [[0, 0], [2, 2]]}
>>> reps = {"name": "reps", "on_target_pay": 1000, "components": [
...     {"kpi": "revenue", "weight": 0.5, "target": 100, "curve": curve},
...     {"kpi": "revenue", "weight": 0.5, "target": 100, "curve": curve, "scope": "team"}]}
>>> run_scheme(data, reps, roster=roster, library=False).totals["payout"].tolist()
[950.0, 1250.0]
>>> boss = {"name": "boss", "on_target_pay": 2000, "components": [
...     {"kpi": "revenue", "weight": 1, "target": 100, "curve": curve, "scope": "reports"}]}
>>> run_scheme(data, boss, roster=roster, library=False).totals[["employee", "payout"]].values
array([['m', 2200.0]], dtype=object)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..data import Roster, load_roster, period_ordinals, resolve_library
from ..errors import DataValidationError, DefinitionError, did_you_mean
from ..scheme import Scheme, load_scheme
from .arrays import PayoutInputs
from .items import SchemeItem, kpi_direction, scheme_items
from .loading import read_table
from .money import round_cents
from .pay import on_target_pay_per_row
from .pools import funding_totals
from .proration import active_share, prorates, roster_values
from .restatements import latest_values
from .scope_groups import GROUP_COLUMN, group_roster
from .timeline import check_scoped_over_time, scoped_timeline

__all__ = ["GroupTotals", "group_totals", "has_scope", "scoped_inputs"]

_COLUMN = GROUP_COLUMN  # the column that makes each scope's groups
_ATTRIBUTES = ("team", "region", "manager")
_MEMBER_ITEM = re.compile(r"\bcomponents\[(\d+)\]")
_STEP = {"steps": [[0, 1]]}  # a neutral curve: the member run only needs actuals and targets


def has_scope(scheme: Scheme) -> bool:
    """Whether a scheme measures a group anywhere (``scope: team`` or ``reports``).

    Examples
    --------
    >>> s = load_scheme({"name": "s", "on_target_pay": 1, "components": [
    ...     {"kpi": "x", "weight": 1, "target": 1, "curve": {"steps": [[1, 1]]},
    ...      "scope": "team"}]})
    >>> has_scope(s), has_scope(s.set("components.0.scope", "own"))
    (True, False)
    """
    return any(item.spec.scoped for item in scheme_items(scheme))


@dataclass(frozen=True)
class GroupTotals:
    """One item's group values per group × period (flattened ``group * n_periods + period``).

    Attributes
    ----------
    groups : pandas.Index
        Group labels (teams, or managers' employee ids).
    periods : numpy.ndarray
        Period labels, sorted.
    actual, target : numpy.ndarray
        The group's actual and target (NaN where it has no member with an actual).
    members : numpy.ndarray
        How many members with an actual each group has in each period.
    """

    groups: pd.Index
    periods: np.ndarray
    actual: np.ndarray
    target: np.ndarray
    members: np.ndarray

    def at(self, group: Any, period: Any) -> tuple[np.ndarray, np.ndarray]:
        """The actual and target of each (group label, period label) pair (NaN: none)."""
        n_per = self.periods.size
        period = np.asarray(period, dtype=object)
        g = self.groups.get_indexer(np.asarray(group, dtype=object))
        p = pd.Index(self.periods, dtype=object).get_indexer(period)
        found = (g >= 0) & (p >= 0)
        flat = np.where(found, g * n_per + p, -1)
        have = found.copy()
        have[found] = self.members[flat[found]] > 0
        actual = np.full(period.size, np.nan)
        target = np.full(period.size, np.nan)
        actual[have] = self.actual[flat[have]]
        target[have] = self.target[flat[have]]
        return actual, target


def group_totals(
    group: Any,
    period: Any,
    actual: np.ndarray,
    target: np.ndarray,
    *,
    aggregation: str = "sum",
    parts: tuple[np.ndarray, np.ndarray] | None = None,
    needs_target: bool = True,
) -> GroupTotals:
    """Members' actuals and targets summed per group and period, vectorised.

    Parameters
    ----------
    group, period : array-like
        Each member row's group label (missing: in no group) and period label.
    actual, target : numpy.ndarray
        Each member row's actual and target (its own, set by the item's method).
    aggregation : {"sum", "last", "mean", "ratio"}
        The KPI's library aggregation: ``sum`` and ``last`` add up, ``mean`` averages,
        ``ratio`` (with ``parts``) is Σ numerator / Σ denominator against
        Σ (target × denominator) / Σ denominator.
    parts : (numerator, denominator), optional
        For a ratio KPI, each member row's numerator and denominator.
    needs_target : bool
        Whether a member counts only with a target (not for a commission on value).

    Returns
    -------
    GroupTotals

    Examples
    --------
    >>> t = group_totals(["T", "T", "U"], ["2025-01"] * 3, np.array([80.0, 140.0, 50.0]),
    ...                  np.array([100.0, 100.0, 40.0]))
    >>> t.at(["T", "U", "V"], ["2025-01"] * 3)
    (array([220.,  50.,  nan]), array([200.,  40.,  nan]))
    """
    group = np.asarray(group, dtype=object)
    period = np.asarray(period, dtype=object)
    actual = np.asarray(actual, dtype=float)
    target = np.asarray(target, dtype=float)
    valid = ~pd.isna(group) & ~np.isnan(actual)
    if needs_target:
        valid &= ~np.isnan(target)
    ratio = aggregation == "ratio" and parts is not None
    if ratio:
        num, den = (np.asarray(x, dtype=float) for x in parts)
        valid &= ~np.isnan(num) & ~np.isnan(den)
    codes, names = pd.factorize(group[valid])
    p_code, periods = pd.factorize(period[valid], sort=True)
    periods = np.asarray(periods, dtype=object)
    size = len(names) * periods.size
    flat = codes * periods.size + p_code

    def total(w: np.ndarray) -> np.ndarray:
        return np.bincount(flat, weights=w[valid], minlength=size)

    members = np.bincount(flat, minlength=size)
    with np.errstate(divide="ignore", invalid="ignore"):
        if ratio:
            den_sum = total(den)
            a, t = total(num) / den_sum, total(target * den) / den_sum
        else:
            a, t = total(actual), total(target)
            if aggregation == "mean":
                a, t = a / members, t / members
    return GroupTotals(pd.Index(names, dtype=object), periods, a, t, members)


def scoped_inputs(
    data: Any,
    scheme: Scheme,
    *,
    periods: Any,
    library: Any,
    roster: Any,
    prepare: Callable[..., PayoutInputs],
) -> PayoutInputs:
    """The payout inputs of a scheme with ``scope: team`` or ``reports`` items.

    Parameters
    ----------
    data, scheme, periods, library, roster
        As for :func:`kpitools.engine.prepare`; the roster, or the data, gives the teams
        and managers.
    prepare : callable
        :func:`kpitools.engine.prepare`, which prepares schemes without scoped items
        (passed in: this module sits below it).

    Returns
    -------
    PayoutInputs
        Scoped items carry their group's actual and target.

    Raises
    ------
    DefinitionError
        A ``team`` (``manager``) column in neither the roster nor the data; a clawback, or a
        true-up of a group's ratio KPI, not supported with scope yet; an unknown role.
    """
    items = scheme_items(scheme)
    lib = resolve_library(library)
    table = data if isinstance(data, pd.DataFrame) else read_table(data, lib)
    source = "the data" if isinstance(data, pd.DataFrame) else str(data)
    groups = group_roster(scheme, roster, table, source)  # roster's and data's teams, managers
    pay = None if roster is None else load_roster(roster)  # pay per person, proration
    if scheme.pays_over_time:
        check_scoped_over_time(scheme, items, lib)
    on_groups = all(c.scoped for c in scheme.components)
    measured = [it for it in items if it.spec.scoped or (on_groups and it.kind != "component")]
    own = None
    if on_groups:
        people, role = _eligible(scheme, groups, table)
    else:
        own = prepare(table, _own_view(scheme), periods=periods, library=library, roster=pay)
        people, role = np.unique(own.keys["employee"].to_numpy(dtype=object)), None
    member_scheme, parts = _member_scheme(scheme, measured, lib)
    rows = _members_rows(scheme, table, measured, people, groups)
    members = _run_members(prepare, rows, member_scheme, measured, periods, library, pay)
    totals = {
        it: _totals(it, j, members, parts.get(j), groups, lib)
        for j, it in enumerate(measured)
        if it.spec.scoped
    }
    if on_groups:
        base = _group_rows(scheme, items, totals, members, (groups, pay), people, role)
        base = base.replace(revenue=_group_revenue(scheme.components[0], members, base, groups))
        base = _group_funding(scheme, table, base, periods=periods, library=lib, source=source)
    else:
        base = own
    values = {
        it: _values(it, j, totals, members, base.keys, groups) for j, it in enumerate(measured)
    }
    notes = [_as_written(w, measured) for w in members.warnings if "have no actual" not in w]
    notes += _missing_notes(values)
    out = _with_values(base, items, values, notes, lib)
    if on_groups:  # the members' skipped periods, their items named as in the scheme
        reasons = [_as_written(r, measured) for r in members.skipped["reason"]]
        out = out.replace(skipped=members.skipped.assign(reason=reasons))
        if scheme.pays_over_time:  # (own rows have theirs from the own run)
            out = out.replace(timeline=scoped_timeline(scheme, items, out.keys, pay, lib))
    return out


def _run_members(prepare, rows, member_scheme, measured, periods, library, roster):
    """Every member's own actuals and targets of the measured items (errors as written)."""
    try:
        return prepare(rows, member_scheme, periods=periods, library=library, roster=roster)
    except DataValidationError as err:  # name the items as the scheme file does
        raise DataValidationError(_as_written(err.message, measured), err.failure_cases) from err
    except DefinitionError as err:
        raise type(err)(_as_written(err.message, measured)) from err


def _as_written(message: str, measured: list[SchemeItem]) -> str:
    """A message of the members' run, its ``components[j]`` named as in the scheme file."""
    return _MEMBER_ITEM.sub(lambda m: measured[int(m.group(1))].path, message)


def _members_rows(scheme, table: pd.DataFrame, measured, people, roster: Roster) -> pd.DataFrame:
    """The data rows of the people whose results count: the groups' members (and ``people``).

    Only the members of the groups of the people evaluated have their targets set, so that
    people in other teams (marketing, with no sales targets) do not stop a sales override.
    """
    wanted = set(people.tolist())
    staff = roster.table["employee"].to_numpy(dtype=object)
    for item in measured:
        if item.spec.scope == "team":
            teams = set(roster_values(people, roster, "team").tolist()) - {None}
            wanted.update(staff[roster.table["team"].isin(teams).to_numpy(dtype=bool)].tolist())
        elif item.spec.scope == "reports":
            reports = roster.table["manager"].isin(set(people.tolist())).to_numpy(dtype=bool)
            wanted.update(staff[reports].tolist())
    codes, employees = pd.factorize(table["employee"])  # each employee looked up once
    rows = pd.Index(employees).isin(wanted)[codes] & (codes >= 0)
    if not rows.any():
        raise DefinitionError(
            f"{scheme.source}: nobody the scheme pays has team members or direct reports with "
            f"rows in the data ({roster.file} gives the teams and managers).\n"
            "Suggestion: check the roster's team and manager columns and the scheme's roles:."
        )
    return table[rows]


def _own_view(scheme: Scheme) -> Scheme:
    """The scheme with every item measured on the employee's own rows (scope removed)."""
    data = scheme.to_dict()
    for section in ("components", "gates", "modifiers"):
        for item in data.get(section, ()):
            item.pop("scope", None)
    return load_scheme(data)


def _member_scheme(
    scheme: Scheme, measured: list[SchemeItem], library: Any
) -> tuple[Scheme, dict[int, tuple[int, int]]]:
    """A scheme whose components are the measured items, own scope, for everyone.

    Returns it and, per component of a ratio KPI, the positions of the modifiers that read
    its numerator and denominator.
    """
    comps, mods, parts = [], [], {}
    weighted = False
    for j, item in enumerate(measured):
        spec = item.spec
        comp: dict[str, Any] = {"kpi": spec.kpi, "direction": spec.direction,
                                "baseline": spec.baseline}  # fmt: skip
        if spec.target is not None:
            comp["target"] = spec.target.model_dump(mode="json", exclude_none=True)
        if spec.target is None:
            comp["commission"] = {"rate": 1}
        else:
            comp.update(weight=0.0 if weighted else 1.0, curve=_STEP)
            weighted = True
        comps.append({k: v for k, v in comp.items() if v is not None})
        kpi = library.get(spec.kpi) if library else None
        num, den = getattr(kpi, "numerator", None), getattr(kpi, "denominator", None)
        if item.spec.scoped and getattr(kpi, "aggregation", None) == "ratio" and num and den:
            parts[j] = (len(mods), len(mods) + 1)
            mods += [{"kpi": k, "target": 1, "curve": _STEP} for k in (num, den)]
    member = {
        "name": scheme.name,
        "period": scheme.period,
        "on_target_pay": 1,
        "revenue_kpi": scheme.revenue_kpi,
        "proration": scheme.proration,
        "fiscal_year_start": scheme.fiscal_year_start,
        "components": comps,
        "modifiers": mods,
    }
    return load_scheme({k: v for k, v in member.items() if v is not None}), parts


def _totals(item, j, members: PayoutInputs, part, roster: Roster, library) -> GroupTotals:
    """One scoped item's group sums from the members' rows."""
    keys = members.keys
    column = _COLUMN[item.spec.scope]
    group = roster_values(keys["employee"].to_numpy(dtype=object), roster, column)
    kpi = library.get(item.spec.kpi) if library else None
    return group_totals(
        group,
        keys["period"].to_numpy(dtype=object),
        members.actual[j],
        members.target[j],
        aggregation=getattr(kpi, "aggregation", None) or "sum",
        parts=None if part is None else tuple(members.modifier_actual[k] for k in part),
        needs_target=item.spec.target is not None,
    )


def _group_of(item: SchemeItem, employees: np.ndarray, roster: Roster) -> np.ndarray:
    """The group label of each employee for an item: their team, or themselves as manager."""
    if item.spec.scope == "team":
        return roster_values(employees, roster, "team")
    return employees


def _values(item, j, totals, members: PayoutInputs, keys: pd.DataFrame, roster: Roster):
    """An item's actuals and targets on the evaluated rows: the group's, or the member's own."""
    employees = keys["employee"].to_numpy(dtype=object)
    period = keys["period"].to_numpy(dtype=object)
    if item.spec.scoped:
        return totals[item].at(_group_of(item, employees, roster), period)
    own = pd.MultiIndex.from_arrays(
        [members.keys["employee"].to_numpy(dtype=object),
         members.keys["period"].to_numpy(dtype=object)]
    )  # fmt: skip
    pos = own.get_indexer(pd.MultiIndex.from_arrays([employees, period]))
    pick = np.maximum(pos, 0)
    actual = np.where(pos >= 0, members.actual[j][pick] if len(own) else np.nan, np.nan)
    target = np.where(pos >= 0, members.target[j][pick] if len(own) else np.nan, np.nan)
    return actual, target


def _group_rows(scheme, items, totals, members: PayoutInputs, rosters, people, role):
    """Inputs of a scheme paid wholly on groups: its people × the periods their group has data.

    ``rosters``: the groups' (:func:`group_roster`) and the one for pay (or ``None``).
    Actuals and targets are still to be filled in.
    """
    roster, pay = rosters
    table = roster.table
    periods = np.unique(members.keys["period"].to_numpy(dtype=object))
    paid = np.zeros((periods.size, people.size), dtype=bool)
    for item in items:
        if item.kind == "component":
            t = totals[item]
            g = t.groups.get_indexer(_group_of(item, people, roster))
            has = t.members.reshape(len(t.groups), t.periods.size) > 0
            cols = np.searchsorted(periods, t.periods)
            hit = np.zeros((periods.size, people.size), dtype=bool)
            in_group = g >= 0
            hit[np.ix_(cols, np.flatnonzero(in_group))] = has[g[in_group]].T
            paid |= hit
    p_idx, e_idx = np.nonzero(paid)
    keys = pd.DataFrame({"employee": people[e_idx], "period": periods[p_idx], "role": role[e_idx]})
    for col in _ATTRIBUTES:
        if col in table.columns:
            keys[col] = roster_values(keys["employee"].to_numpy(dtype=object), roster, col)
    return _pay_rows(scheme, keys, members, pay, role_known=not pd.isna(role).all())


def _group_funding(scheme: Scheme, table: pd.DataFrame, inputs: PayoutInputs, **roll):
    """The group rows with a funded pool's all-employee total per period (none: as given)."""
    if scheme.pool is None or scheme.pool.funded_by is None or not len(inputs.keys):
        return inputs
    per = period_ordinals(inputs.keys["period"])[1]
    return inputs.replace(pool_actual=funding_totals(scheme, latest_values(table), per, **roll))


def _eligible(scheme: Scheme, roster: Roster, table: pd.DataFrame):
    """The roster people the scheme pays (of its ``roles``), sorted by id, and their roles.

    A person's role is the roster's, else the one their data rows carry.
    """
    people = roster.table["employee"].to_numpy(dtype=object)
    role = np.full(people.size, None, dtype=object)
    if "role" in roster.table.columns:
        role = roster.table["role"].to_numpy(dtype=object)
    if "role" in table.columns:
        seen = table.drop_duplicates("employee").set_index("employee")["role"]
        role = np.where(pd.isna(role), pd.Series(people).map(seen).to_numpy(dtype=object), role)
    role = np.where(pd.isna(role), None, role)
    if scheme.roles is not None:
        present = sorted({r for r in role if r is not None})
        for i, r in enumerate(scheme.roles):
            if r not in present:
                raise DefinitionError(
                    f"{scheme.source}: roles[{i}]: role {r!r} is not in {roster.file}."
                    f"{did_you_mean(r, present)}\n"
                    f"Suggestion: list roles the roster has: {', '.join(present) or 'none'}."
                )
        keep = np.isin(role, list(scheme.roles))
        people, role = people[keep], role[keep]
    order = np.argsort(people.astype(str), kind="stable")
    return people[order], role[order]


def _pay_rows(scheme, keys: pd.DataFrame, members: PayoutInputs, roster: Roster | None, role_known):
    """The group rows' pay, proration and pool codes (actuals and revenue filled in later)."""
    notes = []
    share = None
    if prorates(scheme, roster) and len(keys):
        per = period_ordinals(keys["period"])[1]
        share = active_share(keys["employee"].to_numpy(dtype=object), per, scheme.period, roster)
        there = share > 0
        if not there.all():
            notes.append(
                f"{int((~there).sum()):,} employee-period(s) lie wholly outside the employee's "
                f"hire and leave dates in {roster.file} (active share 0): not paid, left out."
            )
            keys, share = keys[there].reset_index(drop=True), share[there]
    otp = on_target_pay_per_row(scheme, keys, role_known, roster=roster)
    if share is not None:
        otp = round_cents(otp * share)
    period = keys["period"].to_numpy(dtype=object)
    period_code = np.searchsorted(np.unique(period), period).astype(np.int64)
    n = len(keys)
    empty = tuple(np.full(n, np.nan) for _ in members.direction)
    inputs = PayoutInputs(
        keys=keys,
        actual=empty,
        target=empty,
        gate_actual=(),
        gate_target=(),
        modifier_actual=(),
        modifier_target=(),
        direction=(),
        gate_direction=(),
        modifier_direction=(),
        on_target_pay=otp,
        revenue=np.full(n, np.nan),  # the group's: set by the caller
        period_code=period_code,
        skipped=members.skipped,
        warnings=tuple(notes),
        proration=share,
        reversible=members.reversible,
    )
    return inputs


def _group_revenue(comp, members: PayoutInputs, base: PayoutInputs, roster: Roster) -> np.ndarray:
    """The revenue of each group row's group (that of the first component), for cost of sales."""
    item = SchemeItem("component", 0, comp)
    keys = members.keys
    totals = group_totals(
        roster_values(keys["employee"].to_numpy(dtype=object), roster, _COLUMN[comp.scope]),
        keys["period"].to_numpy(dtype=object),
        members.revenue,
        members.revenue,
        needs_target=False,
    )
    employees = base.keys["employee"].to_numpy(dtype=object)
    return totals.at(_group_of(item, employees, roster), base.keys["period"])[0]


def _missing_notes(values: dict[SchemeItem, tuple[np.ndarray, np.ndarray]]) -> list[str]:
    """What the scoped items' groups miss: employee-periods whose group has no actual."""
    effect = {
        "component": "that component pays 0 there",
        "gate": "the gate counts as missed there",
        "modifier": "the modifier is 1 (no change) there",
    }
    notes = []
    for item, (actual, _) in values.items():
        n = int(np.isnan(actual).sum())
        if item.spec.scoped and n:
            whose = "team" if item.spec.scope == "team" else "direct reports"
            notes.append(
                f"{item.label}: {n} employee-period(s) have no {whose} with an actual "
                f"(scope {item.spec.scope}); {effect[item.kind]}."
            )
    return notes


def _with_values(inputs: PayoutInputs, items, values, notes, library) -> PayoutInputs:
    """``inputs`` with the measured items' actuals and targets (and every direction) set."""
    fields: dict[str, tuple] = {}
    for kind, actual, target, direction in _FIELDS:
        own = [it for it in items if it.kind == kind]
        mine_a, mine_t = getattr(inputs, actual), getattr(inputs, target)
        fields[actual] = tuple(values[it][0] if it in values else mine_a[i]
                               for i, it in enumerate(own))  # fmt: skip
        fields[target] = tuple(values[it][1] if it in values else mine_t[i]
                               for i, it in enumerate(own))  # fmt: skip
        fields[direction] = tuple(kpi_direction(it.spec, library) for it in own)
    # an own run's missing actuals of a scoped item do not matter: the group's replace them
    stale = tuple(f"{it.label}: " for it in values if it.spec.scoped)
    kept = [w for w in inputs.warnings if not (w.startswith(stale) and "have no actual" in w)]
    return inputs.replace(**fields, warnings=tuple(dict.fromkeys([*kept, *notes])))


_FIELDS = (
    ("component", "actual", "target", "direction"),
    ("gate", "gate_actual", "gate_target", "gate_direction"),
    ("modifier", "modifier_actual", "modifier_target", "modifier_direction"),
)
