"""The prepared base of a run: the rows the engine evaluates, before any target is set.

:func:`prepare_base` reads the data, checks that it has the scheme's KPIs (and roles),
rolls it up to the scheme's period and aligns every KPI on the employee-periods to
evaluate: one row per employee-period in which the employee has an actual for at least one
component KPI, sorted by period then employee. The result, a :class:`PreparedData`, fits
every scheme with the same period, KPIs and ``roles``; the what-if explorer keeps one, so
that a target change costs only the target methods (:func:`kpitools.engine.set_targets`),
not a new roll-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..data import (
    ROSTER_PRORATION,
    Roster,
    format_periods,
    load_roster,
    ratio_inputs,
    resolve_library,
    roll_up,
    select,
    unique_sorted,
)
from ..errors import DataValidationError, DefinitionError, did_you_mean
from ..scheme import Scheme, load_scheme
from .items import SchemeItem, scheme_items
from .loading import read_table
from .pools import funded_kpi, funding_totals
from .proration import active_share
from .restatements import latest_values

__all__ = ["KpiRows", "PreparedData", "base_signature", "prepare_base"]

_REQUIRED = ("employee", "period", "kpi", "actual")
_ATTRIBUTES = ("team", "region", "manager")


@dataclass(frozen=True, eq=False)
class KpiRows:
    """The rolled-up rows of one KPI, as target methods see them, and where they align.

    Attributes
    ----------
    frame : pandas.DataFrame
        ``employee, period`` (ordinal), ``role, actual, target, emp, peer``.
    dest : numpy.ndarray
        Positions in the keys of the rows present there.
    src : numpy.ndarray
        Those rows.
    actual : numpy.ndarray
        Aligned with the keys (NaN: no row); read-only.
    """

    frame: pd.DataFrame
    dest: np.ndarray
    src: np.ndarray
    actual: np.ndarray


@dataclass(frozen=True, eq=False)
class PreparedData:
    """What :func:`kpitools.engine.prepare` does before any target is set.

    Roll-up, eligibility and alignment. Build it with :func:`prepare_base`;
    :func:`kpitools.engine.set_targets` sets a scheme's targets on it. It fits every scheme
    with the same period, KPIs (of components, gates, modifiers and ``revenue_kpi``) and
    ``roles``: curves, weights, pay, cap, pool and target settings may differ.

    Attributes
    ----------
    source : str
        How messages name the data.
    kind : str
        The period kind.
    keys : pandas.DataFrame
        ``employee, period`` (ordinal), ``role`` (and ``team, region, manager`` when
        present): every employee-period with an actual for a component KPI, sorted by
        period then employee, before periods are selected.
    warnings : tuple of str
        Those of the roll-up.
    roster : Roster or None
        The roster (pay per person, proration).
    share : numpy.ndarray or None
        Each key's active share of its period from the roster's dates and ``fte``
        (:func:`kpitools.engine.proration.active_share`; ``None`` without them).
    parts : mapping
        KPI → actuals aligned with the keys, for the numerators and denominators of the
        ratio KPIs the scheme reads (a true-up recomputes ratios from their year's sums).
    funding : numpy.ndarray or None
        With a funded pool: each key's period total of the funding KPI over every employee
        in the data, whatever their role and whether evaluated or not (contract §9).
    """

    source: str
    kind: str
    signature: tuple
    known: frozenset
    library: Any
    periods: Any
    has_role: bool
    has_target_column: bool
    keys: pd.DataFrame
    per: np.ndarray
    in_range: np.ndarray
    rows: Mapping[str, KpiRows]
    revenue: np.ndarray
    role_code: np.ndarray
    role_names: np.ndarray
    warnings: tuple[str, ...]
    roster: Roster | None = None
    share: np.ndarray | None = None
    parts: Mapping[str, np.ndarray] = field(default_factory=dict)
    funding: np.ndarray | None = None
    # selected rows per set of skipped periods (target settings rarely change it)
    _selections: dict = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        """Employee-periods before periods are selected."""
        return len(self.keys)

    def fits(self, scheme: Any) -> bool:
        """Whether ``set_targets`` can use this for ``scheme`` (same period, KPIs, roles).

        Examples
        --------
        >>> data = pd.DataFrame({"employee": ["a"], "period": ["2025-01"], "kpi": ["x"],
        ...                      "actual": [1.0]})
        >>> s = load_scheme({"name": "s", "on_target_pay": 100, "components": [
        ...     {"kpi": "x", "weight": 1, "target": 2, "curve": {"steps": [[1, 1]]}}]})
        >>> base = prepare_base(data, s, library=False)
        >>> base.fits(s.set("components.0.target.value", 3)), base.fits(s.set("period", "year"))
        (True, False)
        """
        scheme = load_scheme(scheme)
        return base_signature(scheme, self.known, self.library) == self.signature

    def selection(self, skip_codes: np.ndarray) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
        """The rows kept (inside ``periods``, not skipped), their keys and period codes.

        Parameters
        ----------
        skip_codes : numpy.ndarray
            Ordinals of the periods a target method skipped.

        Returns
        -------
        rows : numpy.ndarray
            Positions in :attr:`keys`.
        keys : pandas.DataFrame
            ``employee, period`` (label), ``role`` (and ``team, region, manager``).
        period_code : numpy.ndarray
            Integer group of each row for the pool (0 … n_periods − 1).

        The last few selections are cached: treat the returned objects as read-only.
        """
        cache_key = skip_codes.tobytes()
        hit = self._selections.get(cache_key)
        if hit is not None:
            return hit
        keep = self.in_range & ~np.isin(self.per, skip_codes)
        rows = np.flatnonzero(keep)
        keys = self.keys.iloc[rows].reset_index(drop=True)
        per_kept = self.per[rows]
        uniq = unique_sorted(per_kept)
        period_code = np.searchsorted(uniq, per_kept).astype(np.int64)
        # each period's label made once, then taken by code (a million labels otherwise)
        labels = pd.array(format_periods(uniq, self.kind).astype(str), dtype="str")
        keys["period"] = labels.take(period_code)
        columns = ["employee", "period", "role"] + [c for c in _ATTRIBUTES if c in keys.columns]
        keys = keys[columns]
        if len(self._selections) >= 8:
            self._selections.pop(next(iter(self._selections)))
        self._selections[cache_key] = out = (rows, keys, period_code)
        return out

    def __repr__(self) -> str:
        return (
            f"PreparedData({self.n} employee-periods, {self.kind}, "
            f"KPIs {', '.join(sorted(self.rows))})"
        )


def base_signature(scheme: Scheme, known: Any, library: Any) -> tuple:
    """What a roll-up depends on in a scheme: its period, KPIs and roles.

    Returns
    -------
    tuple
        ``(period, roles, revenue_kpi, KPIs rolled up, component KPIs, funded pool's KPI)``.
    """
    needed = {it.spec.kpi for it in scheme_items(scheme)}
    if scheme.revenue_kpi is not None and scheme.revenue_kpi in known:
        needed.add(scheme.revenue_kpi)
    funded = funded_kpi(scheme)
    if funded is not None:  # a funded pool's KPI
        needed.add(funded)
    needed |= ratio_inputs(library, needed) & known
    comp = frozenset(c.kpi for c in scheme.components)
    return (scheme.period, scheme.roles, scheme.revenue_kpi, frozenset(needed), comp, funded)


def prepare_base(
    data: Any,
    scheme: Any,
    *,
    periods: Any = None,
    library: Any = None,
    roster: Any = None,
) -> PreparedData:
    """The part of :func:`kpitools.engine.prepare` that no target setting changes.

    Parameters
    ----------
    data, scheme, periods, library, roster
        As for :func:`kpitools.engine.prepare`; of the scheme only its period, KPIs,
        ``revenue_kpi`` and ``roles`` matter here.

    Returns
    -------
    PreparedData

    Examples
    --------
    >>> from kpitools.engine import set_targets
    >>> data = pd.DataFrame({"employee": ["a", "b"], "period": ["2025-01", "2025-01"],
    ...                      "kpi": ["sales", "sales"], "actual": [90.0, 130.0]})
    >>> s = load_scheme({"name": "s", "on_target_pay": 1000, "components": [
    ...     {"kpi": "sales", "weight": 1.0, "target": 100, "curve": {"steps": [[1, 1]]}}]})
    >>> base = prepare_base(data, s, library=False)
    >>> [set_targets(base, s.set("components.0.target.value", v)).target[0].tolist()
    ...  for v in (100, 120)]
    [[100.0, 100.0], [120.0, 120.0]]
    """
    scheme = load_scheme(scheme)
    library = resolve_library(library)
    table, source = _read_table(data, library)
    items = scheme_items(scheme)
    known, warnings = _check_scheme_kpis(scheme, items, table, source)
    signature = base_signature(scheme, known, library)
    rolled = _roll_up_rows(scheme, items, table, source, signature[3], periods, library)
    warnings.extend(rolled.warnings)
    kind = scheme.period
    has_role = "role" in rolled.attributes.columns
    grid = _KeyGrid(rolled, signature[4])
    by_kpi = _by_kpi(rolled.values)
    rows = {kpi: _kpi_rows(by_kpi[kpi], grid) for kpi in dict.fromkeys(it.spec.kpi for it in items)}
    per = grid.keys["period"].to_numpy(dtype=np.int64)
    in_range = select(per, kind, periods)
    _check_some_period_selected(per, in_range, kind, periods)
    revenue = _aligned(by_kpi, scheme.revenue_kpi, grid)
    parts = {k: _aligned(by_kpi, k, grid) for k in signature[3] - set(rows) if k in by_kpi}
    role_code, role_names = pd.factorize(grid.keys["role"].astype(object))
    funding = _funding(scheme, table, by_kpi, per, periods=periods, library=library, source=source)
    roster = None if roster is None else load_roster(roster)
    share = None
    if roster is not None and any(c in roster.table.columns for c in ROSTER_PRORATION):
        share = active_share(grid.keys["employee"].array, per, kind, roster)
        share.flags.writeable = False
    return PreparedData(
        source=source,
        kind=kind,
        signature=signature,
        known=frozenset(known),
        library=library,
        periods=periods,
        has_role=has_role,
        has_target_column="target" in table.columns,
        keys=grid.keys,
        per=per,
        in_range=in_range,
        rows=rows,
        revenue=revenue,
        role_code=np.asarray(role_code, dtype=np.int64),
        role_names=np.asarray(role_names, dtype=object),
        warnings=tuple(warnings),
        roster=roster,
        share=share,
        parts=parts,
        funding=funding,
    )


def _funding(
    scheme: Scheme,
    table: pd.DataFrame,
    by_kpi: Mapping[str, pd.DataFrame],
    per: np.ndarray,
    **roll: Any,
) -> np.ndarray | None:
    """Each key's period total of a funded pool's KPI over every employee in the data.

    Without ``roles`` the roll-up already holds every employee's rows of the KPI; with
    them, its rows are rolled up again for everyone (:func:`funding_totals`).
    """
    kpi = funded_kpi(scheme)
    if kpi is None:
        return None
    frame = by_kpi.get(kpi) if scheme.roles is None else None
    if scheme.roles is None and frame is None:
        return np.zeros(per.size)  # no rows of the KPI at all
    return funding_totals(scheme, table, per, frame=frame, **roll)


def _by_kpi(values: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each KPI's rolled-up rows, in the table's order: what later steps read of them.

    One stable sort of the KPI codes and one take of the columns used (a groupby would
    take every column).
    """
    kpi = pd.Categorical(values["kpi"])
    codes = kpi.codes.astype(np.int64)
    counts = np.bincount(codes, minlength=len(kpi.categories))
    order = np.argsort(codes, kind="stable")
    used = values[["employee", "emp", "period", "actual", "target"]].take(order)
    stops = np.cumsum(counts)
    return {
        str(name): used.iloc[stop - n : stop]
        for name, n, stop in zip(kpi.categories, counts, stops, strict=True)
        if n
    }


def _aligned(by_kpi: Mapping[str, pd.DataFrame], kpi: str | None, grid: _KeyGrid) -> np.ndarray:
    """A rolled-up KPI's actuals aligned with the keys (NaN where none, or no such KPI)."""
    out = np.full(grid.size, np.nan)
    if kpi is not None and kpi in by_kpi:
        f = by_kpi[kpi]
        dest, src = grid.align(grid.key_of(f))
        out[dest] = f["actual"].to_numpy(float)[src]
    return out


def _read_table(data: Any, library: Any) -> tuple[pd.DataFrame, str]:
    """The long table and how messages name it: a DataFrame as given, a path loaded.

    Values restated in a later ``as_of`` month are taken at their latest (a scheme with
    ``clawback:`` is run on the values as paid by :func:`kpitools.engine.run_scheme`).
    """
    if not isinstance(data, pd.DataFrame):
        return latest_values(read_table(data, library)), str(data)
    missing = [c for c in _REQUIRED if c not in data.columns]
    if missing:
        found = ", ".join(map(str, data.columns)) or "no columns"
        raise DataValidationError(
            f"the data: missing column(s) {', '.join(missing)} (found: {found}).\n"
            "Suggestion: give the long table (employee, period, kpi, actual), or load it "
            "with kpitools.data.load, which also reads wide tables."
        )
    return latest_values(data), "the data"


def _check_scheme_kpis(
    scheme: Scheme, items: list[SchemeItem], table: pd.DataFrame, source: str
) -> tuple[set[str], list[str]]:
    """The data's KPIs, once every KPI the scheme reads is among them; warnings so far."""
    known = set(pd.unique(table["kpi"].astype(str)).tolist())
    if not known:
        raise DataValidationError(
            f"{source}: the data has no rows.\n"
            "Suggestion: check the file, or the filter that produced the table."
        )
    for item in items:
        if item.spec.kpi not in known:
            shown = ", ".join(sorted(known)[:12]) + (", …" if len(known) > 12 else "")
            raise DefinitionError(
                f"{scheme.source}: {item.path}.kpi: KPI {item.spec.kpi!r} is not in "
                f"{source}.{did_you_mean(item.spec.kpi, known)}\n"
                f"Suggestion: add its rows to the data, or use a KPI the data has: {shown}."
            )
    funded = scheme.pool.funded_by if scheme.pool is not None else None
    if funded is not None and funded.kpi not in known:
        raise DefinitionError(
            f"{scheme.source}: pool.funded_by.kpi: KPI {funded.kpi!r} is not in "
            f"{source}.{did_you_mean(funded.kpi, known)}\n"
            "Suggestion: add its rows to the data (the pool is funded from their total per "
            "period), or fund the pool from a KPI the data has."
        )
    warnings: list[str] = []
    if scheme.revenue_kpi is not None and scheme.revenue_kpi not in known:
        warnings.append(
            f"revenue_kpi {scheme.revenue_kpi!r} is not in {source}: cost of sales "
            "cannot be computed."
        )
    return known, warnings


def _roll_up_rows(
    scheme: Scheme,
    items: list[SchemeItem],
    table: pd.DataFrame,
    source: str,
    kpis: frozenset,
    periods: Any,
    library: Any,
) -> Any:
    """The rows of the KPIs ``kpis`` (and of the scheme's ``roles``), rolled up."""
    wanted = table["kpi"].astype(str).isin(kpis).to_numpy()
    eligible = _eligible(scheme, table, source)
    if eligible is not None:
        wanted = wanted & eligible
    sub = table[wanted]
    if eligible is not None:
        _check_kpis_of_roles(scheme, items, sub, source)
    return roll_up(
        sub,
        scheme.period,
        library=library,
        source=source,
        rows=np.flatnonzero(wanted),
        periods=periods,
    )


def _eligible(scheme: Scheme, table: pd.DataFrame, source: str) -> np.ndarray | None:
    """Rows of the roles the scheme lists (``None``: the scheme has no ``roles``)."""
    if scheme.roles is None:
        return None
    listed = ", ".join(scheme.roles)
    if "role" not in table.columns:
        raise DefinitionError(
            f"{scheme.source}: roles: {source} has no 'role' column, so the roles to "
            f"evaluate ({listed}) cannot be found.\n"
            "Suggestion: add a role column to the data, or remove roles: from the scheme to "
            "evaluate everyone."
        )
    role = table["role"]
    present = sorted(pd.unique(role.dropna().astype(str)).tolist())
    for i, r in enumerate(scheme.roles):
        if r not in present:
            raise DefinitionError(
                f"{scheme.source}: roles[{i}]: role {r!r} is not in {source}."
                f"{did_you_mean(r, present)}\n"
                f"Suggestion: list roles the data has: {', '.join(present) or 'none'}."
            )
    return role.isin(scheme.roles).to_numpy(dtype=bool)


def _check_kpis_of_roles(
    scheme: Scheme, items: list[SchemeItem], sub: pd.DataFrame, source: str
) -> None:
    """Every KPI the scheme reads has rows for the roles it evaluates."""
    have = set(pd.unique(sub["kpi"].astype(str)).tolist())
    for item in items:
        if item.spec.kpi not in have:
            raise DefinitionError(
                f"{scheme.source}: {item.path}.kpi: KPI {item.spec.kpi!r} has no rows for the "
                f"roles the scheme evaluates ({', '.join(scheme.roles)}) in {source}.\n"
                "Suggestion: add the roles that have it to roles:, or use a KPI these roles have."
            )


class _KeyGrid:
    """The employee-periods to evaluate as one sorted integer key: (period, employee) order.

    ``keys`` holds their attributes (``employee, period, role`` …), one row per key;
    :meth:`align` finds where rows of any rolled-up frame land among them. The key space
    (periods × employees) is usually small enough for a direct look-up table, which finds
    every row's place in one pass instead of a sort and a binary search.
    """

    def __init__(self, rolled: Any, component_kpis: frozenset):
        values = rolled.values
        self.n_emp = max(len(rolled.employees), 1)
        per = values["period"].to_numpy(dtype=np.int64)
        self.p0 = int(per.min()) if len(values) else 0
        span = (int(per.max()) - self.p0 + 1) * self.n_emp if len(values) else 0
        self.span = span
        self.dense = span <= 8 * len(values) + 1_000_000
        in_comp = values["kpi"].isin(component_kpis).to_numpy()
        comp_keys = self.key_of(values)[in_comp]
        if self.dense:
            seen = np.zeros(span, dtype=bool)
            seen[comp_keys] = True
            self.sorted = np.flatnonzero(seen)
            self._pos = np.full(span + 1, -1, dtype=np.int64)  # the last: out of the grid
            self._pos[self.sorted] = np.arange(self.sorted.size)
        else:
            self.sorted = unique_sorted(comp_keys)
        attrs = rolled.attributes
        attr_key = self.key_of(attrs)
        if self.dense:  # one attribute row per employee-period
            self._attr_at = np.full(span + 1, -1, dtype=np.int64)
            self._attr_at[attr_key] = np.arange(len(attrs))
            keys = attrs.iloc[self._attr_at[self.sorted]].reset_index(drop=True)
        else:
            attrs = attrs.iloc[np.argsort(attr_key, kind="stable")].reset_index(drop=True)
            attr_key = self.key_of(attrs)
            keys = attrs.iloc[np.searchsorted(attr_key, self.sorted)].reset_index(drop=True)
        self.attr_key = attr_key
        if "role" in attrs.columns:
            roles = attrs["role"].to_numpy(dtype=object)
            codes, names = pd.factorize(np.where(pd.isna(roles), "", roles), sort=True)
            self.role_codes = codes.astype(np.int64)
            self.role_names = np.asarray(names, dtype=object)
        else:
            self.role_codes, self.role_names = None, np.array([""], dtype=object)
            keys["role"] = pd.Series([None] * len(keys), dtype=object)
        self.keys = keys

    @property
    def size(self) -> int:
        """Number of employee-periods."""
        return self.sorted.size

    def key_of(self, frame: pd.DataFrame) -> np.ndarray:
        """The integer key of each row of a frame with ``period`` (ordinal) and ``emp``."""
        per = frame["period"].to_numpy(dtype=np.int64)
        return (per - self.p0) * self.n_emp + frame["emp"].to_numpy(dtype=np.int64)

    def _inside(self, frame_key: np.ndarray) -> np.ndarray:
        """The keys, with those outside the grid's span sent to its last (empty) slot."""
        return np.where((frame_key >= 0) & (frame_key < self.span), frame_key, self.span)

    def align(self, frame_key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions in the keys of each frame row (those present), and the rows."""
        if self.dense:
            pos = self._pos[self._inside(frame_key)]
            hit = np.flatnonzero(pos >= 0)
            return pos[hit], hit
        pos = np.searchsorted(self.sorted, frame_key)
        pos = np.minimum(pos, max(self.sorted.size - 1, 0))
        hit = np.flatnonzero(self.sorted[pos] == frame_key) if self.sorted.size else pos[:0]
        return pos[hit], hit

    def role_codes_of(self, frame_key: np.ndarray) -> np.ndarray:
        """The role of each frame row as a code into :attr:`role_names` ("" where none)."""
        if self.role_codes is None:
            return np.zeros(len(frame_key), dtype=np.int64)
        if self.dense:
            return self.role_codes[self._attr_at[self._inside(frame_key)]]
        return self.role_codes[np.searchsorted(self.attr_key, frame_key)]


def _kpi_rows(frame: pd.DataFrame, grid: _KeyGrid) -> KpiRows:
    """One KPI's rolled-up rows as target methods see them, aligned on the grid."""
    frame = frame.reset_index(drop=True)
    fkey = grid.key_of(frame)
    peer = grid.role_codes_of(fkey)
    ctx_frame = pd.DataFrame(
        {
            "employee": frame["employee"].array,  # categorical: no string copies
            "period": frame["period"].to_numpy(dtype=np.int64),
            "role": pd.Categorical.from_codes(peer, categories=grid.role_names, validate=False),
            "actual": frame["actual"].to_numpy(float),
            "target": frame["target"].to_numpy(float),
            "emp": frame["emp"].to_numpy(dtype=np.int64),
            "peer": peer,
        },
        copy=False,  # fresh arrays: no consolidation copy
    )
    dest, src = grid.align(fkey)
    actual = np.full(grid.size, np.nan)
    actual[dest] = ctx_frame["actual"].to_numpy()[src]
    actual.flags.writeable = False
    return KpiRows(frame=ctx_frame, dest=dest, src=src, actual=actual)


def _check_some_period_selected(
    per: np.ndarray, in_range: np.ndarray, kind: str, periods: Any
) -> None:
    """``periods`` must select at least one of the data's periods."""
    if per.size and not in_range.any():
        lo, hi = format_periods([per.min(), per.max()], kind)
        raise DefinitionError(
            f"periods {periods!r}: none of the data's {kind}s is inside (the data has "
            f"{lo} to {hi}).\nSuggestion: choose periods within the data; a {kind} counts "
            "when it lies wholly inside FROM..TO."
        )
