"""The gaming stress test: the most extra pay a scheme gives for shifting results in time.

For each scheme and employee, :func:`stress_test` finds the most extra pay available by
moving amounts of ``sum``-aggregated KPIs between adjacent periods of the same (fiscal) year,
at most ``shift`` × the source period's actual out of a period (contract §9; the method and
its limits: docs/gaming-stress-test.md).

The search is exact, not sampled. A move of ``t`` between periods *p* and *p + 1* changes
the pay of those two periods only, and each period's pay is piecewise linear in its own
actual (curves, tiers, thresholds, gates and caps are kinks or jumps at known attainments),
so the best ``t`` of a pair lies at a bound (0 or ``shift`` × a period's actual) or where one
of the two periods reaches a kink or a jump: a short list of candidate amounts per pair,
evaluated with the engine's own payout maths on whole arrays (every employee-period pair ×
candidate at once). The scheme's cap is a kink of the total, found by interpolation between
the other kinks. The best set of moves, each period in at most one move, is then a dynamic
programme along each employee-year (take the pair or skip it), vectorised over employees.

Several KPIs are searched one after the other, each on the actuals the moves of the ones
before left; the extra pay is the scheme evaluated on the moved actuals less the honest
run, per employee-period, before a pool's proration and a payment timing (what each period
earns, ``after_cap``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..data import parse_period
from ..errors import DefinitionError
from ..scheme import Scheme
from .arrays import PayoutInputs
from .compute import _earn
from .money import round_cents
from .stress_paid import paid_gains, payments, pays_over_time, sequence_group, ytd_kinks
from .stress_result import StressResult, moves_table, stress_result
from .timeline import fiscal_years

__all__ = ["DEFAULT_SHIFT", "check_shift", "stress_test"]

#: The share of a period's actual that may leave it when no shift is given (contract §9).
DEFAULT_SHIFT = 0.10

# A move must gain more than a cent: rounding each period's pay to the cent can make any
# move of a linear commission gain one cent, which is rounding, not gaming.
_NOISE = 0.015


def check_shift(shift: Any) -> float:
    """The stress test's shift as a float, or a :class:`DefinitionError` saying what is allowed.

    Examples
    --------
    >>> check_shift(0.2)
    0.2
    >>> check_shift(1.5)
    Traceback (most recent call last):
    ...
    kpitools.errors.DefinitionError: stress shift = 1.5: the share of a period's actual \
that may move must lie above 0 and at most 1.
    Suggestion: use e.g. 0.10 (10% of the period's actual).
    """
    try:
        value = float(shift)
        ok = not isinstance(shift, bool) and 0 < value <= 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise DefinitionError(
            f"stress shift = {shift!r}: the share of a period's actual that may move must lie "
            "above 0 and at most 1.\nSuggestion: use e.g. 0.10 (10% of the period's actual)."
        )
    return value


def stress_test(
    scheme: Scheme, inputs: PayoutInputs, *, shift: float = DEFAULT_SHIFT, library: Any = None
) -> StressResult:
    """The most extra pay each employee can get by moving results between adjacent periods.

    Parameters
    ----------
    scheme : Scheme
        The scheme.
    inputs : PayoutInputs
        Its prepared inputs (``run.inputs`` of a :class:`kpitools.engine.SchemeRun`).
    shift : float
        At most this share of a period's actual leaves it (0 < shift ≤ 1).
    library : Library, optional
        The run's KPI library: only KPIs aggregated by ``sum`` move (all of them without a
        library).

    Returns
    -------
    StressResult

    Examples
    --------
    The contract's example: a step at 100% of a target of 100, 1,000 a quarter.

    >>> import pandas as pd
    >>> from kpitools.engine import prepare
    >>> from kpitools.scheme import load_scheme
    >>> s = load_scheme({"name": "step", "period": "quarter", "on_target_pay": 1000,
    ...     "components": [{"kpi": "revenue", "weight": 1, "target": 100,
    ...                     "curve": {"steps": [[1.0, 1.0]]}}]})
    >>> data = pd.DataFrame({"employee": "a", "period": ["2025-Q1", "2025-Q2", "2025-Q3",
    ...     "2025-Q4"], "kpi": "revenue", "actual": [98.0, 105.0, 60.0, 100.0]})
    >>> r = stress_test(s, prepare(data, s, library=False), shift=0.1)
    >>> r.by_employee.loc[0, "moves"], r.gaming_cost, r.gaming_cost_pct
    ('2 units of revenue from 2025-Q2 to 2025-Q1', 1000.0, 0.5)
    """
    shift = check_shift(shift)
    honest = _pay(scheme, inputs)
    chains = _Chains.of(inputs, scheme)
    current = inputs
    found: list[pd.DataFrame] = []
    for kpi in _movable_kpis(scheme, library):
        slots = _slots(scheme, kpi)
        moved, table = _search_kpi(scheme, current, chains, kpi, slots, shift)
        current = moved
        found.append(table)
    gamed = _pay(scheme, current)
    extra = round_cents(np.nan_to_num(gamed) - np.nan_to_num(honest))
    return stress_result(scheme.name, shift, inputs, extra, honest, found)


def _pay(scheme: Scheme, inputs: PayoutInputs) -> np.ndarray:
    """What each row pays (true-up and draw settled) or, paid as earned, earns; before a pool."""
    if pays_over_time(scheme, inputs):
        return payments(scheme, inputs)
    return _earn(scheme, inputs).after_cap


# ---- which KPIs move, and where they sit in the inputs ------------------------------------------


def _items(scheme: Scheme) -> Iterable[tuple[str, int, Any]]:
    """``(kind, position, item)`` of every component, gate and modifier."""
    yield from (("component", i, c) for i, c in enumerate(scheme.components))
    yield from (("gate", i, g) for i, g in enumerate(scheme.gates))
    yield from (("modifier", i, m) for i, m in enumerate(scheme.modifiers))


def _movable_kpis(scheme: Scheme, library: Any) -> list[str]:
    """The scheme's KPIs aggregated by ``sum`` (every KPI without a library), in order."""
    out: list[str] = []
    for _kind, _i, item in _items(scheme):
        k = library.get(item.kpi) if library else None
        how = getattr(k, "aggregation", None) or "sum"
        if how == "sum" and item.kpi not in out:
            out.append(item.kpi)
    return out


def _slots(scheme: Scheme, kpi: str) -> list[tuple[str, int, Any]]:
    """Every component, gate and modifier measured on ``kpi``."""
    return [(kind, i, item) for kind, i, item in _items(scheme) if item.kpi == kpi]


_FIELDS = {"component": "actual", "gate": "gate_actual", "modifier": "modifier_actual"}
_TARGETS = {"component": "target", "gate": "gate_target", "modifier": "modifier_target"}
_DIRECTIONS = {"component": "direction", "gate": "gate_direction", "modifier": "modifier_direction"}


def _scope(item: Any) -> str:
    """An item's scope: ``own``, ``team`` or ``reports``."""
    return getattr(item, "scope", None) or "own"


def _reference(slots: list) -> tuple[str, int, Any]:
    """The item whose actual moves: the first measured on the employee's own rows.

    A scheme paid wholly on groups has none: its first item's group actual moves then.
    """
    return next((s for s in slots if _scope(s[2]) == "own"), slots[0])


def _kpi_actual(inputs: PayoutInputs, slots: list) -> np.ndarray:
    """The KPI's actual per row: that of the reference item (:func:`_reference`)."""
    kind, i, _item = _reference(slots)
    return np.asarray(getattr(inputs, _FIELDS[kind])[i], dtype=float)


def _with_actual(inputs: PayoutInputs, slots: list, values: np.ndarray, rows=None) -> PayoutInputs:
    """The inputs of ``rows`` (all: None) with the KPI's actual moved to ``values``.

    The items of the reference's scope take ``values``; an item of another scope (a team's
    or a manager's reports' total next to the employee's own) moves by as much: the
    employee's amount is part of their group's total. Every per-row array of the inputs
    (alone or in a tuple) is taken at ``rows``, so a field the engine adds later follows
    without a change here.
    """
    x = _kpi_actual(inputs, slots)
    delta = values - (x if rows is None else x[rows])
    ref = _scope(_reference(slots)[2])
    changes: dict[str, Any] = {} if rows is None else _take_rows(inputs, rows)
    for kind, i, item in slots:
        field = _FIELDS[kind]
        items = list(changes.get(field, getattr(inputs, field)))
        if _scope(item) == ref:
            items[i] = values
        else:
            items[i] = np.asarray(items[i], dtype=float) + delta
        changes[field] = tuple(items)
    return inputs.replace(**changes)


def _take_rows(inputs: PayoutInputs, rows: np.ndarray) -> dict[str, Any]:
    """Every per-row field of the inputs at ``rows`` (the keys and the timeline left out)."""
    n = inputs.n

    def per_row(a: Any) -> bool:
        return isinstance(a, np.ndarray) and a.shape[:1] == (n,)

    out: dict[str, Any] = {"keys": inputs.keys.iloc[:0], "timeline": None}
    for f in dataclasses.fields(inputs):
        value = getattr(inputs, f.name)
        if per_row(value):
            out[f.name] = value[rows]
        elif isinstance(value, tuple) and any(per_row(a) for a in value):
            out[f.name] = tuple(a[rows] if per_row(a) else a for a in value)
    return out


# ---- employee-years as chains of adjacent periods ------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Chains:
    """The rows in (employee, period) order and which neighbours form a pair.

    ``first[k]``, ``second[k]``: rows of pair ``k`` (``second`` the next period of the same
    employee and year); ``chain[k]``, ``pos[k]``: its employee-year and its place in it.
    """

    first: np.ndarray
    second: np.ndarray
    chain: np.ndarray
    pos: np.ndarray
    labels: np.ndarray
    years: np.ndarray

    @classmethod
    def of(cls, inputs: PayoutInputs, scheme: Scheme) -> _Chains:
        """The pairs of adjacent periods of the same employee and year."""
        labels = inputs.keys["period"].astype(str).to_numpy()
        uniq, codes = np.unique(labels, return_inverse=True)
        parsed = [parse_period(u) for u in uniq]
        ords = np.array([o for _k, o in parsed], dtype=np.int64)[codes]
        kind = parsed[0][0] if parsed else scheme.period
        years = fiscal_years(ords, kind, scheme.fiscal_year_start or 1)
        emp = pd.factorize(inputs.keys["employee"])[0]
        order = np.lexsort((ords, emp))
        e, o, y = emp[order], ords[order], years[order]
        link = (e[1:] == e[:-1]) & (y[1:] == y[:-1]) & (o[1:] == o[:-1] + 1)
        starts = np.r_[True, ~link] if order.size else np.zeros(0, dtype=bool)
        chain_of_row = np.cumsum(starts) - 1
        start_index = np.flatnonzero(starts)
        k = np.flatnonzero(link)
        chain = chain_of_row[k]
        return cls(
            first=order[k],
            second=order[k + 1],
            chain=chain,
            pos=k - start_index[chain],
            labels=labels,
            years=years,
        )

    @property
    def size(self) -> int:
        """Number of pairs."""
        return self.first.size


# ---- candidate amounts --------------------------------------------------------------------------


def _attainment_kinks(rule: Any) -> list[float]:
    """Attainments where a curve or a commission has a kink or a jump."""
    if rule is None:
        return []
    if getattr(rule, "points", None) is not None:
        return [float(a) for a, _f in rule.points]
    if getattr(rule, "steps", None) is not None:
        return [float(a) for a, _f in rule.steps]
    linear = getattr(rule, "linear", None)
    if linear is not None:
        cap = [linear.cap / linear.slope] if linear.cap is not None and linear.slope > 0 else []
        return [float(linear.threshold), *map(float, cap)]
    if getattr(rule, "tiers", None) is not None:
        return [float(s) for s, _r in rule.tiers] if rule.basis == "attainment" else []
    if getattr(rule, "rate", None) is not None:
        return []
    keys = getattr(rule, "key_points", {}) or {}  # another curve type: what it tells
    return [*map(float, getattr(rule, "thresholds", ())), *(v for v in keys.values() if v)]


def _to_actual(att: float, target: np.ndarray, direction: str, baseline: Any) -> np.ndarray:
    """The actual at which each row reaches an attainment."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if baseline is not None:
            return baseline + att * (target - baseline)
        if direction == "lower":
            return target / att if att > 0 else np.full(target.shape, np.nan)
        return att * target


def _slot_kinks(inputs: PayoutInputs, kind: str, i: int, item: Any) -> list[np.ndarray]:
    """The actuals at which one component, gate or modifier has a kink or a jump, per row."""
    n = inputs.n
    target = getattr(inputs, _TARGETS[kind])[i]
    target = np.full(n, np.nan) if target is None else np.asarray(target, dtype=float)
    direction = getattr(inputs, _DIRECTIONS[kind])[i]
    baseline = getattr(item, "baseline", None)
    if kind == "gate":
        atts = [float(item.min_attainment)]
    else:
        rule = item.curve if kind == "modifier" else (item.curve or item.commission)
        atts = _attainment_kinks(rule)
    out = [_to_actual(a, target, direction, baseline) for a in atts]
    commission = getattr(item, "commission", None) if kind == "component" else None
    if commission is not None and commission.tiers is not None and commission.basis == "value":
        scale = 1.0 if inputs.proration is None else np.asarray(inputs.proration, dtype=float)
        out.extend(
            np.broadcast_to(start * scale, (n,)).astype(float) for start, _ in commission.tiers
        )
    return out


def _kinks(scheme: Scheme, inputs: PayoutInputs, slots: list) -> np.ndarray:
    """(rows, k): the actuals at which the row's pay has a kink or a jump (NaN: none)."""
    cols = [np.zeros(inputs.n)]  # a commission pays on max(actual, 0)
    x = _kpi_actual(inputs, slots)
    ref = _scope(_reference(slots)[2])
    for kind, i, item in slots:
        kinks = _slot_kinks(inputs, kind, i, item)
        if _scope(item) != ref:  # a group's kink, as the employee's own actual
            offset = x - np.asarray(getattr(inputs, _FIELDS[kind])[i], dtype=float)
            kinks = [k + offset for k in kinks]
        cols.extend(kinks)
    return np.column_stack(cols)


def _cap_kinks(
    scheme: Scheme, inputs: PayoutInputs, slots: list, kinks: np.ndarray, lo, hi
) -> np.ndarray:
    """Where each row's total reaches the scheme's cap, between its other kinks.

    Between two kinks the total before the cap is linear in the actual; where it crosses
    the cap amount the interpolation gives the crossing.
    """
    n = inputs.n
    points = _pack(np.column_stack([kinks, lo, hi]), lo, hi)
    m = points.shape[1]
    rows = np.repeat(np.arange(n), m)
    flat = points.ravel()
    ok = ~np.isnan(flat)
    before = np.full(flat.shape, np.nan)
    cap = np.full(flat.shape, np.nan)
    if ok.any():
        arr = _earn(scheme, _with_actual(inputs, slots, flat[ok], rows[ok]))
        before[ok], cap[ok] = arr.before_cap, arr.cap_amount
    gap = (before - cap).reshape(n, m)
    x0, x1, g0, g1 = points[:, :-1], points[:, 1:], gap[:, :-1], gap[:, 1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = x0 + (x1 - x0) * (-g0) / (g1 - g0)
    return np.where((g0 < 0) != (g1 < 0), cross, np.nan)


def _candidates(kinks: np.ndarray, x: np.ndarray, pairs: _Chains, shift: float) -> np.ndarray:
    """(pairs, c): the amounts ``t`` worth trying per pair (``t > 0``: later → earlier).

    The two bounds and each amount that brings either period onto one of its kinks, inside
    the bounds, without 0 (no move) and without repeats; NaN pads the rows, and columns
    that are NaN for every pair are dropped.
    """
    i, j = pairs.first, pairs.second
    lo = -shift * np.maximum(x[i], 0.0)  # out of the earlier period
    hi = shift * np.maximum(x[j], 0.0)  # out of the later period
    cand = np.column_stack([lo, hi, kinks[i] - x[i, None], x[j, None] - kinks[j]])
    inside = (cand >= lo[:, None] - 1e-9) & (cand <= hi[:, None] + 1e-9) & (cand != 0)
    cand = np.where(inside, np.clip(cand, lo[:, None], hi[:, None]), np.nan)
    cand.sort(axis=1)  # NaN last
    cand[:, 1:][cand[:, 1:] == cand[:, :-1]] = np.nan
    cand.sort(axis=1)
    return cand[:, ~np.isnan(cand).all(axis=0)]


# ---- the search ---------------------------------------------------------------------------------


def _search_kpi(
    scheme: Scheme, inputs: PayoutInputs, chains: _Chains, kpi: str, slots: list, shift: float
) -> tuple[PayoutInputs, pd.DataFrame]:
    """The best moves of one KPI: the inputs after them, and the moves (one row each)."""
    x = _kpi_actual(inputs, slots)
    valid = ~np.isnan(x[chains.first]) & ~np.isnan(x[chains.second])
    pairs = _subset_pairs(chains, valid)
    if pairs.size == 0:
        return inputs, moves_table([], [], [], [], kpi, chains.labels, chains.years)
    lo, hi = _window(inputs.n, x, pairs, shift)
    kinks = _kinks(scheme, inputs, slots)
    if pays_over_time(scheme, inputs) and scheme.true_up is not None:
        ytd = ytd_kinks(inputs, x, lambda cumulated: _kinks(scheme, cumulated, slots))
        kinks = np.column_stack([kinks, ytd])
    kinks = _pack(kinks, lo, hi)
    if scheme.cap is not None:
        cap = _cap_kinks(scheme, inputs, slots, kinks, lo, hi)
        kinks = _pack(np.column_stack([kinks, cap]), lo, hi)
    amount, gain = _best_per_pair(scheme, inputs, slots, kinks, x, pairs, shift)
    take = _best_matching(pairs, gain)
    if pays_over_time(scheme, inputs):
        take &= _best_in_sequence(scheme, inputs, pairs, gain)
    moved = x.copy()
    t = amount[take]
    np.add.at(moved, pairs.first[take], t)
    np.add.at(moved, pairs.second[take], -t)
    return (
        _with_actual(inputs, slots, moved),
        moves_table(
            pairs.first[take],
            pairs.second[take],
            t,
            inputs.keys["employee"],
            kpi,
            chains.labels,
            chains.years,
        ),  # fmt: skip
    )


def _subset_pairs(chains: _Chains, keep: np.ndarray) -> _Chains:
    """The pairs where ``keep`` holds."""
    return _Chains(
        first=chains.first[keep],
        second=chains.second[keep],
        chain=chains.chain[keep],
        pos=chains.pos[keep],
        labels=chains.labels,
        years=chains.years,
    )


def _window(n: int, x: np.ndarray, pairs: _Chains, shift: float):
    """Per row, the lowest and highest actual its moves can reach."""
    reach = np.zeros(n)  # the most that can come in from a neighbour
    np.maximum.at(reach, pairs.first, shift * np.maximum(x[pairs.second], 0.0))
    np.maximum.at(reach, pairs.second, shift * np.maximum(x[pairs.first], 0.0))
    xs = np.nan_to_num(x)
    return xs - shift * np.maximum(xs, 0.0), xs + reach


def _pack(kinks: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The kinks of each row inside its window, sorted, NaN after; all-NaN columns dropped."""
    inside = (kinks >= lo[:, None]) & (kinks <= hi[:, None])
    out = np.where(inside, kinks, np.nan)
    out.sort(axis=1)
    return out[:, ~np.isnan(out).all(axis=0)]


def _best_per_pair(scheme, inputs, slots, kinks, x, pairs: _Chains, shift):
    """Per pair: the amount that pays most and its gain (0 and 0 when nothing pays)."""
    cand = _candidates(kinks, x, pairs, shift)
    p, c = cand.shape
    ok = ~np.isnan(cand).ravel()
    rows_i = np.repeat(pairs.first, c)[ok]
    rows_j = np.repeat(pairs.second, c)[ok]
    t = cand.ravel()[ok]
    m = t.size
    gain = np.zeros(p * c)
    if pays_over_time(scheme, inputs):  # the change in the year's payments
        gain[ok] = paid_gains(scheme, inputs, rows_i, rows_j, t,
                              lambda r, d: _with_actual(inputs, slots, x[r] + d, r))  # fmt: skip
    else:  # the two periods' pay, as each period pays what it earns
        both = np.concatenate([rows_i, rows_j])
        values = np.concatenate([x[rows_i] + t, x[rows_j] - t])
        pay = _earn(scheme, _with_actual(inputs, slots, values, both)).after_cap
        honest = np.nan_to_num(_earn(scheme, inputs).after_cap)
        base = np.repeat(honest[pairs.first] + honest[pairs.second], c)[ok]
        gain[ok] = round_cents(np.nan_to_num(pay[:m] + pay[m:]) - base)
    gain = gain.reshape(p, c)
    # the most gain; among equal gains the smallest amount
    key = np.where(gain > _NOISE, gain, 0.0)
    best_gain = key.max(axis=1, initial=0.0)
    size = np.where(np.isnan(cand), np.inf, np.abs(cand))
    tie = np.where((key >= best_gain[:, None] - 1e-9) & (key > 0), size, np.inf)
    best = tie.argmin(axis=1) if c else np.zeros(p, dtype=int)
    amount = np.where(best_gain > 0, cand[np.arange(p), best] if c else 0.0, 0.0)
    return amount, best_gain


def _best_matching(pairs: _Chains, gain: np.ndarray) -> np.ndarray:
    """Which pairs to take: the most total gain with each period in at most one pair.

    Along each chain (an employee-year) ``best[k] = max(best[k-1], best[k-2] + gain of
    pair k-1)``; one column at a time, every chain at once.
    """
    n_chains = int(pairs.chain.max()) + 1
    length = int(pairs.pos.max()) + 1
    g = np.zeros((n_chains, length))
    g[pairs.chain, pairs.pos] = gain
    best = np.zeros((n_chains, length + 1))  # best[:, k]: over the first k pairs
    for k in range(1, length + 1):
        skip = best[:, k - 1]
        with_pair = (best[:, k - 2] if k >= 2 else 0.0) + g[:, k - 1]
        best[:, k] = np.where(with_pair > skip + 1e-9, with_pair, skip)
    chosen = np.zeros((n_chains, length), dtype=bool)
    cursor = np.full(n_chains, length)
    rows = np.arange(n_chains)
    while (cursor > 0).any():
        live = cursor > 0
        c = np.where(live, cursor, 1)
        took = live & (best[rows, c] > best[rows, c - 1] + 1e-9)
        chosen[rows[took], c[took] - 1] = True
        cursor = np.where(took, cursor - 2, np.where(live, cursor - 1, 0))
    return chosen[pairs.chain, pairs.pos]


def _best_in_sequence(scheme: Scheme, inputs: PayoutInputs, pairs: _Chains, gain) -> np.ndarray:
    """On a scheme paid over time, the one pair per employee-year that gains most.

    A true-up pays the year to date: two moves of a year do not add up (with ``carry`` the
    year pays its highest year to date, which one move sets), so each gain is measured with
    the rest of the year honest and one move per year (per employee, with a draw over
    years) is taken.
    """
    group = sequence_group(scheme, inputs)[pairs.first]
    order = np.lexsort((-gain, group))
    first = np.r_[True, group[order][1:] != group[order][:-1]] if order.size else order
    keep = np.zeros(gain.size, dtype=bool)
    keep[order[first.astype(bool)]] = True
    return keep
