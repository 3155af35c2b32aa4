"""The vectorised payout engine: prepare → compute → payout table.

Three layers:

- :func:`prepare` (pandas) rolls the long table up to the scheme's period, sets every
  target (:mod:`kpitools.scheme.targets`, no look-ahead), checks them, and aligns actuals and
  targets into numpy arrays, one row per employee-period (:class:`PayoutInputs`). It is
  :func:`prepare_base` (roll-up, ``roles``, alignment: what no target setting changes, a
  :class:`PreparedData`) followed by :func:`set_targets`; keep the base to try other
  targets in a few tens of milliseconds instead of rolling the data up again.
- :func:`compute` (pure numpy, no loop over rows) turns those arrays into payouts
  (:class:`PayoutArrays`). It is what the forecast and the what-if widgets call again and
  again, so it only does arithmetic on whole arrays.
- :func:`run_scheme` does both and builds the payout table of contract §5
  (:class:`SchemeRun`).

Order of operations per employee and period (contract §4): component payouts → gates →
sum → modifiers (multiply) → cap → pool proration across the employees of the period.

Choices where the contract is silent (written down here and in the docs):

- **Rows.** One row per employee-period in which the employee has an actual for at least
  one component KPI. Periods skipped by a target method (no history) and periods outside
  ``periods`` are left out; targets still use all the history before them.
- **A missing actual** (the employee has a row for another KPI of the scheme but none for
  this one): the component pays 0, a gate counts as missed, a modifier is 1 (no change);
  ``warnings`` counts each case. A missing, zero or negative *target* where an actual
  exists is an error naming the employee and period.
- **Attainment** = actual / target (``higher``), target / actual (``lower``; an actual of 0
  or below counts as the highest attainment of the component's curve: the last point or
  step, where a linear curve reaches its cap, the last tier start of a commission; a gate
  passes), (actual − b) / (target − b) with a ``baseline`` b (then the target must lie
  above b for ``higher`` KPIs, below it for ``lower`` ones). Attainments are rounded to 12
  decimals so that float noise (0.1 + 0.2) never drops an exact hit below a boundary; so are
  the factors, the weighted attainment and the product of the modifiers (weights 0.6, 0.3
  and 0.1 all at 100% make a weighted attainment of exactly 1).
- **Commission** pays on max(actual, 0); its ``factor`` column is the effective rate
  (payout / actual).
- **Money** is computed in float64 and rounded to cents at each traced step, half up (a
  value within a millionth of a cent of a half cent counts as the half, so 2.675 pays
  2.68): each component payout, the sum, the amount after modifiers. The cap amount
  (cap × on-target pay) is rounded down to the cent, so that no total exceeds it: a cap of
  0.5 on 333.33 pays at most 166.66, not 166.67. Pool
  proration scales each payout by budget / total, rounds it down to the cent and hands the
  leftover cents one each to the largest remainders: a period over its pool pays exactly
  the budget, never a cent more, and nobody is more than a cent from the exact share.
- **Weighted attainment** (``attainment`` of the total row) = Σ weight × attainment of the
  curve components (a missing attainment counts as 0); a commission-only scheme takes the
  mean attainment of its commissions.

Examples
--------
>>> import pandas as pd
>>> data = pd.DataFrame({"employee": ["a", "b"], "period": ["2025-01", "2025-01"],
...                      "kpi": ["sales", "sales"], "actual": [90.0, 130.0]})
>>> scheme = {"name": "s", "on_target_pay": 1000, "components": [
...     {"kpi": "sales", "weight": 1.0, "target": {"method": "fixed", "value": 100},
...      "curve": {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]}}]}
>>> run_scheme(data, scheme, library=False).totals["payout"].tolist()
[750.0, 1600.0]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..data import (
    format_periods,
    periods_in_scope,
    ratio_inputs,
    resolve_library,
    roll_up,
    select,
    unique_sorted,
)
from ..errors import DataValidationError, DefinitionError, did_you_mean
from ..scheme import Component, Scheme, TargetContext, TargetResult, compute_targets, load_scheme

__all__ = [
    "PayoutInputs",
    "PreparedData",
    "PayoutArrays",
    "SchemeRun",
    "prepare",
    "prepare_base",
    "set_targets",
    "compute",
    "run_scheme",
    "round_cents",
    "attainment",
]

_REQUIRED = ("employee", "period", "kpi", "actual")


# --------------------------------------------------------------------------- money
def round_cents(x: Any) -> np.ndarray:
    """Round money to cents, half up, ignoring binary noise below a millionth of a cent.

    Examples
    --------
    >>> round_cents([2.675, 0.125, 10.0049, 1e-9]).tolist()
    [2.68, 0.13, 10.0, 0.0]
    """
    c = np.asarray(np.multiply(x, 100.0, dtype=float))
    if c.ndim == 0:
        return np.floor(np.round(c, 6) + 0.5) / 100.0
    np.round(c, 6, out=c)  # 267.49999999999997 cents → 267.5
    c += 0.5
    np.floor(c, out=c)
    c /= 100.0
    return c


def _floor_cents(x: Any) -> np.ndarray:
    """Round money down to cents, ignoring binary noise below a millionth of a cent.

    Examples
    --------
    >>> _floor_cents([166.665, 2.3 * 100, 11000.000000000002]).tolist()
    [166.66, 230.0, 11000.0]
    """
    c = np.round(np.multiply(x, 100.0, dtype=float), 6)  # 22999.999999999996 cents → 23000
    return np.floor(c) / 100.0


def attainment(
    actual: Any,
    target: Any,
    *,
    direction: str = "higher",
    baseline: float | None = None,
    top: float = np.inf,
) -> np.ndarray:
    """Attainment of actuals against targets (vectorised), rounded to 12 decimals.

    Parameters
    ----------
    actual, target : array-like
    direction : {"higher", "lower"}
        ``lower``: target / actual; an actual of 0 or below gets ``top``.
    baseline : float, optional
        (actual − baseline) / (target − baseline) instead.
    top : float
        The attainment given to a ``lower`` actual of 0 or below.

    Examples
    --------
    >>> attainment([150.0, 0.3], [100.0, 0.1 + 0.2]).tolist()
    [1.5, 1.0]
    >>> attainment([50.0, 0.0], [100.0, 100.0], direction="lower", top=1.5).tolist()
    [2.0, 1.5]
    """
    a = np.asarray(actual, dtype=float)
    t = np.asarray(target, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if baseline is not None:
            att = np.asarray(np.divide(a - baseline, t - baseline))
        elif direction == "lower":
            att = np.asarray(np.divide(t, a))
        else:
            att = np.asarray(np.divide(a, t))
    if att.ndim == 0:
        att = np.asarray(np.round(att, 12))
    else:
        np.round(att, 12, out=att)
    if baseline is None and direction == "lower":
        # after rounding: the top is the curve's own number, reached exactly
        att[a <= 0] = top  # NaN is not <= 0: stays NaN
    return att[()] if att.ndim == 0 else att


# --------------------------------------------------------------------------- containers
@dataclass(frozen=True, eq=False)
class PayoutInputs:
    """Aligned numpy inputs of :func:`compute`, one row per employee-period.

    Build it with :func:`prepare`; the forecast builds variants with
    ``dataclasses.replace(inputs, actual=…, period_code=…)``.

    Attributes
    ----------
    keys : pandas.DataFrame
        ``employee, period`` (label), ``role`` (and ``team, region, manager`` when present).
    actual, target : tuple of numpy.ndarray
        Per component, aligned with ``keys`` (NaN: no actual; target NaN where not needed).
    gate_actual, gate_target, modifier_actual, modifier_target : tuple of numpy.ndarray
        The same for gates and modifiers.
    direction, gate_direction, modifier_direction : tuple of str
        Resolved direction of each (the scheme's, else the KPI library's, else ``higher``).
    on_target_pay : numpy.ndarray
        Per row.
    revenue : numpy.ndarray
        Actual of the scheme's ``revenue_kpi`` (NaN where none).
    period_code : numpy.ndarray
        Integer group of each row for the pool (0 … n_periods − 1).
    skipped : pandas.DataFrame
        ``period, reason``: periods left out because a target method had no history.
    warnings : tuple of str
    """

    keys: pd.DataFrame
    actual: tuple[np.ndarray, ...]
    target: tuple[np.ndarray, ...]
    gate_actual: tuple[np.ndarray, ...]
    gate_target: tuple[np.ndarray, ...]
    modifier_actual: tuple[np.ndarray, ...]
    modifier_target: tuple[np.ndarray, ...]
    direction: tuple[str, ...]
    gate_direction: tuple[str, ...]
    modifier_direction: tuple[str, ...]
    on_target_pay: np.ndarray
    revenue: np.ndarray
    period_code: np.ndarray
    skipped: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"period": [], "reason": []}, dtype=object)
    )
    warnings: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        """Number of employee-periods."""
        return len(self.on_target_pay)

    def replace(self, **changes: Any) -> PayoutInputs:
        """A copy with some fields replaced (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        return (
            f"PayoutInputs({self.n} employee-periods, {len(self.actual)} components, "
            f"{len(self.skipped)} skipped periods, {len(self.warnings)} warnings)"
        )


@dataclass(frozen=True, eq=False)
class PayoutArrays:
    """Every intermediate of :func:`compute`, numpy arrays aligned with ``inputs.keys``.

    Attributes
    ----------
    attainment, factor : tuple of numpy.ndarray
        Per component (factor: the curve's payout factor; the effective rate of a commission).
    component_payout : tuple of numpy.ndarray
        Per component, in money, after gates (cents).
    component_gate : tuple of numpy.ndarray
        Per component, whether every gate that applies to it passed.
    gate_attainment, modifier_attainment, modifier_factor : tuple of numpy.ndarray
    gate_passed : numpy.ndarray
        Every gate passed.
    subtotal : numpy.ndarray
        Sum of the component payouts.
    modifier : numpy.ndarray
        Product of the modifier factors (1 without modifiers).
    before_cap, cap_amount, after_cap, pool_factor, payout : numpy.ndarray
        ``payout`` is the final amount.
    weighted_attainment : numpy.ndarray
    """

    attainment: tuple[np.ndarray, ...]
    factor: tuple[np.ndarray, ...]
    component_payout: tuple[np.ndarray, ...]
    component_gate: tuple[np.ndarray, ...]
    gate_attainment: tuple[np.ndarray, ...]
    modifier_attainment: tuple[np.ndarray, ...]
    modifier_factor: tuple[np.ndarray, ...]
    gate_passed: np.ndarray
    subtotal: np.ndarray
    modifier: np.ndarray
    before_cap: np.ndarray
    cap_amount: np.ndarray
    after_cap: np.ndarray
    pool_factor: np.ndarray
    payout: np.ndarray
    weighted_attainment: np.ndarray


# --------------------------------------------------------------------------- compute
def _top(rule: Any) -> float:
    return float(rule.max_attainment) if rule is not None else np.inf


def compute(scheme: Scheme, inputs: PayoutInputs) -> PayoutArrays:
    """Payouts of every employee-period, on whole arrays.

    Parameters
    ----------
    scheme : Scheme
    inputs : PayoutInputs
        From :func:`prepare` (or a variant of it).

    Returns
    -------
    PayoutArrays

    Examples
    --------
    >>> import pandas as pd
    >>> s = load_scheme({"name": "s", "on_target_pay": 100, "components": [
    ...     {"kpi": "x", "weight": 1, "target": 10, "curve": {"steps": [[1, 1], [1.2, 2]]}}]})
    >>> keys = pd.DataFrame({"employee": ["a", "b"], "period": ["2025-01"] * 2})
    >>> inp = PayoutInputs(keys=keys, actual=(np.array([11.0, 12.0]),),
    ...     target=(np.array([10.0, 10.0]),), gate_actual=(), gate_target=(),
    ...     modifier_actual=(), modifier_target=(), direction=("higher",), gate_direction=(),
    ...     modifier_direction=(), on_target_pay=np.array([100.0, 100.0]),
    ...     revenue=np.full(2, np.nan), period_code=np.zeros(2, dtype=int))
    >>> compute(s, inp).payout.tolist()
    [100.0, 200.0]
    """
    otp = np.asarray(inputs.on_target_pay, dtype=float)
    n = otp.shape[0]
    comps = scheme.components
    atts, factors, raw = [], [], []
    for i, comp in enumerate(comps):
        rule = comp.payout_rule
        actual = inputs.actual[i]
        target = inputs.target[i]
        if comp.commission is not None and not comp.commission.needs_target and target is None:
            target = np.full(n, np.nan)
        att = attainment(
            actual, target, direction=inputs.direction[i], baseline=comp.baseline, top=_top(rule)
        )
        if comp.curve is not None:
            fac = comp.curve.evaluate(att)
            money = otp * comp.weight * fac
        else:
            money = comp.commission.evaluate(actual, target, att)
            with np.errstate(divide="ignore", invalid="ignore"):
                fac = np.where(actual > 0, money / actual, np.nan)
        pay = round_cents(money)
        np.nan_to_num(pay, copy=False, nan=0.0)  # no actual → 0
        atts.append(att)
        factors.append(fac)
        raw.append(pay)

    # Gates: a missed gate zeroes the components it applies to.
    gate_atts = []
    comp_ok = [np.ones(n, dtype=bool) for _ in comps]
    gate_passed = np.ones(n, dtype=bool)
    for g, gate in enumerate(scheme.gates):
        att = attainment(
            inputs.gate_actual[g],
            inputs.gate_target[g],
            direction=inputs.gate_direction[g],
            baseline=gate.baseline,
        )
        passed = att >= gate.min_attainment  # NaN (no actual) → missed
        gate_atts.append(att)
        gate_passed &= passed
        for i in _applies_to(scheme, gate):
            comp_ok[i] = comp_ok[i] & passed
    for ok, p in zip(comp_ok, raw, strict=True):
        if scheme.gates:
            p *= ok
    comp_pay = tuple(raw)
    subtotal = np.zeros(n)
    for p in comp_pay:
        subtotal += p
    if len(comp_pay) > 1:
        subtotal = round_cents(subtotal)  # sums of cents carry float noise

    mod_atts, mod_factors = [], []
    modifier = np.ones(n)
    for m, mod in enumerate(scheme.modifiers):
        att = attainment(
            inputs.modifier_actual[m],
            inputs.modifier_target[m],
            direction=inputs.modifier_direction[m],
            baseline=mod.baseline,
            top=_top(mod.curve),
        )
        fac = _snap(mod.curve.evaluate(att))
        fac = np.where(np.isnan(fac), 1.0, fac)  # no actual → no change
        mod_atts.append(att)
        mod_factors.append(fac)
        modifier = _snap(modifier * fac)  # 1.1 × 1.05 is 1.155, not 1.1550000000000002
    before_cap = round_cents(subtotal * modifier) if scheme.modifiers else subtotal

    if scheme.cap is not None:
        cap_amount = _floor_cents(scheme.cap * otp)  # never above cap × on-target pay
        after_cap = np.minimum(before_cap, cap_amount)
    else:
        cap_amount = np.full(n, np.inf)
        after_cap = before_cap

    if scheme.pool is not None and n:
        payout, pool_factor = _prorate(after_cap, inputs.period_code, scheme.pool.budget)
    else:
        payout, pool_factor = after_cap, np.ones(n)

    weighted = _weighted_attainment(comps, atts, n)
    return PayoutArrays(
        attainment=tuple(atts),
        factor=tuple(factors),
        component_payout=comp_pay,
        component_gate=tuple(comp_ok),
        gate_attainment=tuple(gate_atts),
        modifier_attainment=tuple(mod_atts),
        modifier_factor=tuple(mod_factors),
        gate_passed=gate_passed,
        subtotal=subtotal,
        modifier=modifier,
        before_cap=before_cap,
        cap_amount=cap_amount,
        after_cap=after_cap,
        pool_factor=pool_factor,
        payout=payout,
        weighted_attainment=weighted,
    )


def _snap(x: np.ndarray) -> np.ndarray:
    """Round a factor or attainment to 12 decimals, in place: float noise (0.6 + 0.3 + 0.1 =
    0.9999999999999999) must neither show in the payout table nor drop a value below 1.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 0:
        return np.round(x, 12)
    return np.round(x, 12, out=x)


def _applies_to(scheme: Scheme, gate: Any) -> list[int]:
    if gate.applies_to is None:
        return list(range(len(scheme.components)))
    out: list[int] = []
    for ref in gate.applies_to:
        if isinstance(ref, int) and not isinstance(ref, bool):
            out.append(ref)
        else:
            out.extend(i for i, c in enumerate(scheme.components) if c.kpi == ref)
    return sorted(set(out))


def _weighted_attainment(comps: tuple[Component, ...], atts: list[np.ndarray], n: int):
    curve = [(c.weight, a) for c, a in zip(comps, atts, strict=True) if c.curve is not None]
    if curve:
        total = np.zeros(n)
        for w, a in curve:
            total = total + w * np.where(np.isfinite(a), a, np.where(np.isnan(a), 0.0, a))
        return _snap(total)
    commission = [a for c, a in zip(comps, atts, strict=True) if c.commission is not None]
    stack = np.vstack(commission) if commission else np.full((1, n), np.nan)
    with np.errstate(invalid="ignore"):
        counts = np.sum(~np.isnan(stack), axis=0)
        sums = np.nansum(stack, axis=0)
        return _snap(np.where(counts > 0, sums / np.maximum(counts, 1), np.nan))


def _prorate(amount: np.ndarray, code: np.ndarray, budget: float):
    """Scale each period's payouts down to the budget, to the cent, never above it.

    Largest-remainder rounding: every payout is scaled by budget / total and rounded down to
    the cent; the cents left over go one each to the largest remainders (ties: earlier
    row). A period over budget then pays exactly its budget, and each payout is within a
    cent of its exact pro-rata share.
    """
    code = np.asarray(code, dtype=np.int64)
    size = int(code.max()) + 1
    cents = np.rint(amount * 100.0)
    totals = np.bincount(code, weights=cents, minlength=size)
    budget_cents = np.floor(np.round(budget * 100.0, 6))
    over = totals > budget_cents
    if not over.any():
        return amount, np.ones(amount.shape)
    factor_by_code = np.where(over, budget_cents / np.where(over, totals, 1.0), 1.0)
    factor = factor_by_code[code]
    rows = np.flatnonzero(over[code])
    exact = cents[rows] * factor[rows]
    floor = np.floor(exact)
    scaled = cents.copy()
    scaled[rows] = floor
    left = budget_cents - np.bincount(code[rows], weights=floor, minlength=size)
    left = np.where(over, left, 0.0)
    # Give the leftover cents to the largest remainders; take back any float overshoot
    # (negative leftover) from the largest payouts.
    give = np.maximum(left, 0.0)
    if give.any():
        _bump(scaled, rows, code, priority=exact - floor, count=give, step=1.0)
    take = np.maximum(-left, 0.0)
    if take.any():  # pragma: no cover - float noise beyond a cent per period
        _bump(scaled, rows, code, priority=scaled[rows], count=take, step=-1.0)
    return scaled / 100.0, factor


def _bump(cents, rows, code, *, priority, count, step) -> None:
    """Add ``step`` to the ``count[period]`` rows of each period with the highest priority."""
    c = code[rows]
    order = np.lexsort((rows, -priority, c))
    ranked_rows, ranked_code = rows[order], c[order]
    starts = np.flatnonzero(np.r_[True, ranked_code[1:] != ranked_code[:-1]])
    rank = np.arange(order.size) - np.repeat(starts, np.diff(np.r_[starts, order.size]))
    chosen = ranked_rows[rank < count[ranked_code]]
    cents[chosen] += step


# --------------------------------------------------------------------------- prepare
@dataclass(frozen=True)
class _Item:
    kind: str  # component | gate | modifier
    index: int
    spec: Any

    @property
    def path(self) -> str:
        return {"component": "components", "gate": "gates", "modifier": "modifiers"}[
            self.kind
        ] + f"[{self.index}]"

    @property
    def label(self) -> str:
        return f"{self.path} ({self.spec.kpi})"

    @property
    def needs_target(self) -> bool:
        if self.kind == "component" and self.spec.commission is not None:
            return self.spec.commission.needs_target
        return True


def _items(scheme: Scheme) -> list[_Item]:
    return (
        [_Item("component", i, c) for i, c in enumerate(scheme.components)]
        + [_Item("gate", i, g) for i, g in enumerate(scheme.gates)]
        + [_Item("modifier", i, m) for i, m in enumerate(scheme.modifiers)]
    )


def _resolve_library(library: Any) -> Any:
    """``None`` → the shipped KPI library (if it can be loaded); ``False`` → no library."""
    return resolve_library(library)


def _as_table(data: Any, library: Any) -> tuple[pd.DataFrame, str]:
    if isinstance(data, pd.DataFrame):
        missing = [c for c in _REQUIRED if c not in data.columns]
        if missing:
            found = ", ".join(map(str, data.columns)) or "no columns"
            raise DataValidationError(
                f"the data: missing column(s) {', '.join(missing)} (found: {found}).\n"
                "Suggestion: give the long table (employee, period, kpi, actual), or load it "
                "with kpitools.data.load, which also reads wide tables."
            )
        return data, "the data"
    from ..data import load

    return load(data, library=library), str(data)


def prepare(
    data: Any,
    scheme: Any,
    *,
    periods: Any = None,
    library: Any = None,
) -> PayoutInputs:
    """Roll data up, set targets, check them and align everything into arrays.

    The same as ``set_targets(prepare_base(data, scheme, …), scheme)``: keep the
    :class:`PreparedData` of :func:`prepare_base` to try other targets without rolling the
    data up again.

    Parameters
    ----------
    data : DataFrame or path
        The long table (contract §1); a path is read with :func:`kpitools.data.load`.
    scheme : Scheme, mapping or path
    periods : str or (str, str), optional
        Periods to evaluate, inclusive: ``"2025-01..2025-12"`` or ``("2025-01",
        "2025-12")``; a scheme period counts when it lies wholly inside.
    library : Library, path, None or False
        KPI library for aggregations and directions; ``None`` uses the shipped library,
        ``False`` none (every KPI summed, direction ``higher`` unless the scheme says).

    Returns
    -------
    PayoutInputs

    Raises
    ------
    DefinitionError
        A scheme KPI that is not in the data; on-target pay with no amount for a role.
    DataValidationError
        A missing, zero or negative target where an actual exists, naming employee and
        period (``failure_cases`` lists all of them).

    Examples
    --------
    >>> data = pd.DataFrame({"employee": ["a", "b"], "period": ["2025-01", "2025-01"],
    ...                      "kpi": ["sales", "sales"], "actual": [90.0, 130.0]})
    >>> inputs = prepare(data, {"name": "s", "on_target_pay": 1000, "components": [
    ...     {"kpi": "sales", "weight": 1.0, "target": 100, "curve": {"steps": [[1, 1]]}}]},
    ...     library=False)
    >>> inputs.keys["employee"].tolist(), inputs.actual[0].tolist(), inputs.target[0].tolist()
    (['a', 'b'], [90.0, 130.0], [100.0, 100.0])
    """
    scheme = load_scheme(scheme)
    return set_targets(prepare_base(data, scheme, periods=periods, library=library), scheme)


@dataclass(frozen=True, eq=False)
class _KpiRows:
    """The rolled-up rows of one KPI, as target methods see them, and where they align."""

    frame: pd.DataFrame  # employee, period (ordinal), role, actual, target, emp
    dest: np.ndarray  # positions in the keys of the rows present there
    src: np.ndarray  # those rows
    actual: np.ndarray  # aligned with the keys (NaN: no row); never written to


@dataclass(frozen=True, eq=False)
class PreparedData:
    """What :func:`prepare` does before any target is set: roll-up, eligibility, alignment.

    Build it with :func:`prepare_base`; :func:`set_targets` sets a scheme's targets on it.
    It fits every scheme with the same period, KPIs (of components, gates, modifiers and
    ``revenue_kpi``) and ``roles``: curves, weights, pay, cap, pool and target settings may
    differ. The what-if explorer keeps one, so that a target change costs only the target
    methods, not a new roll-up.

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
    rows: Mapping[str, _KpiRows]
    revenue: np.ndarray
    role_code: np.ndarray
    role_names: np.ndarray
    warnings: tuple[str, ...]
    # selected rows per set of skipped periods (target settings rarely change it)
    _selections: dict = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        """Employee-periods before periods are selected."""
        return len(self.keys)

    def fits(self, scheme: Any) -> bool:
        """Whether :func:`set_targets` can use this for ``scheme`` (same period, KPIs, roles).

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
        return _signature(scheme, self.known, self.library) == self.signature

    def __repr__(self) -> str:
        return (
            f"PreparedData({self.n} employee-periods, {self.kind}, "
            f"KPIs {', '.join(sorted(self.rows))})"
        )


def _signature(scheme: Scheme, known: Any, library: Any) -> tuple:
    """What a roll-up depends on in a scheme: its period, KPIs and roles."""
    items = _items(scheme)
    needed = {it.spec.kpi for it in items}
    if scheme.revenue_kpi is not None and scheme.revenue_kpi in known:
        needed.add(scheme.revenue_kpi)
    needed |= ratio_inputs(library, needed) & known
    comp = frozenset(c.kpi for c in scheme.components)
    return (scheme.period, scheme.roles, scheme.revenue_kpi, frozenset(needed), comp)


def prepare_base(
    data: Any,
    scheme: Any,
    *,
    periods: Any = None,
    library: Any = None,
) -> PreparedData:
    """The part of :func:`prepare` that no target setting changes.

    Parameters
    ----------
    data, scheme, periods, library
        As for :func:`prepare`; of the scheme only its period, KPIs, ``revenue_kpi`` and
        ``roles`` matter here.

    Returns
    -------
    PreparedData

    Examples
    --------
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
    library = _resolve_library(library)
    table, source = _as_table(data, library)
    items = _items(scheme)
    data_kpis = pd.unique(table["kpi"].astype(str))
    known = set(data_kpis.tolist())
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
    warnings: list[str] = []
    if scheme.revenue_kpi is not None and scheme.revenue_kpi not in known:
        warnings.append(
            f"revenue_kpi {scheme.revenue_kpi!r} is not in {source}: cost of sales "
            "cannot be computed."
        )
    signature = _signature(scheme, known, library)
    needed = signature[3]
    wanted = table["kpi"].astype(str).isin(needed).to_numpy()
    eligible = _eligible(scheme, table, source)
    if eligible is not None:
        wanted = wanted & eligible
    sub = table[wanted]
    if eligible is not None:
        _check_kpis_of_roles(scheme, items, sub, source)
    rolled = roll_up(
        sub,
        scheme.period,
        library=library,
        source=source,
        rows=np.flatnonzero(wanted),
        periods=periods,
    )
    warnings.extend(rolled.warnings)
    kind = scheme.period
    values = rolled.values
    attrs = rolled.attributes
    has_role = "role" in attrs.columns

    # Employee-periods as one sorted integer key: (period, employee) order.
    n_emp = max(len(rolled.employees), 1)
    p0 = int(values["period"].min()) if len(values) else 0

    def key_of(frame: pd.DataFrame) -> np.ndarray:
        per = frame["period"].to_numpy(dtype=np.int64)
        return (per - p0) * n_emp + frame["emp"].to_numpy(dtype=np.int64)

    in_comp = values["kpi"].isin(signature[4]).to_numpy()
    key_sorted = unique_sorted(key_of(values)[in_comp])
    attrs = attrs.iloc[np.argsort(key_of(attrs), kind="stable")].reset_index(drop=True)
    attr_key = key_of(attrs)  # sorted; one row per employee-period
    at = np.searchsorted(attr_key, key_sorted)
    keys = attrs.iloc[at].reset_index(drop=True)
    if not has_role:
        keys["role"] = pd.Series([None] * len(keys), dtype=object)

    def align(frame_key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions in the keys of each frame row (those present), and the rows."""
        pos = np.searchsorted(key_sorted, frame_key)
        pos = np.minimum(pos, max(key_sorted.size - 1, 0))
        hit = np.flatnonzero(key_sorted[pos] == frame_key) if key_sorted.size else pos[:0]
        return pos[hit], hit

    attr_roles = attrs["role"].to_numpy(dtype=object) if has_role else None
    by_kpi = {k: g for k, g in values.groupby("kpi", sort=False)}
    rows: dict[str, _KpiRows] = {}
    for kpi in dict.fromkeys(it.spec.kpi for it in items):
        frame = by_kpi[kpi].reset_index(drop=True)
        fkey = key_of(frame)
        if has_role:
            roles = attr_roles[np.searchsorted(attr_key, fkey)]
            roles = np.where(pd.isna(roles), "", roles).astype(object)
        else:
            roles = np.full(len(frame), "", dtype=object)
        ctx_frame = pd.DataFrame(
            {
                "employee": frame["employee"].array,  # categorical: no string copies
                "period": frame["period"].to_numpy(dtype=np.int64),
                "role": pd.Series(roles, dtype=object),
                "actual": frame["actual"].to_numpy(float),
                "target": frame["target"].to_numpy(float),
                "emp": frame["emp"].to_numpy(dtype=np.int64),
                "peer": pd.factorize(roles, sort=True)[0].astype(np.int64),
            }
        )
        dest, src = align(fkey)
        actual = np.full(key_sorted.size, np.nan)
        actual[dest] = ctx_frame["actual"].to_numpy()[src]
        actual.flags.writeable = False
        rows[kpi] = _KpiRows(frame=ctx_frame, dest=dest, src=src, actual=actual)

    per = keys["period"].to_numpy(dtype=np.int64)
    in_range = select(per, kind, periods)
    if per.size and not in_range.any():
        lo, hi = format_periods([per.min(), per.max()], kind)
        raise DefinitionError(
            f"periods {periods!r}: none of the data's {kind}s is inside (the data has "
            f"{lo} to {hi}).\nSuggestion: choose periods within the data; a {kind} counts "
            "when it lies wholly inside FROM..TO."
        )

    revenue = np.full(key_sorted.size, np.nan)
    if scheme.revenue_kpi is not None and scheme.revenue_kpi in by_kpi:
        f = by_kpi[scheme.revenue_kpi]
        dest, src = align(key_of(f))
        revenue[dest] = f["actual"].to_numpy(float)[src]
    role_code, role_names = pd.factorize(keys["role"].astype(object))
    return PreparedData(
        source=source,
        kind=kind,
        signature=signature,
        known=frozenset(known),
        library=library,
        periods=periods,
        has_role=has_role,
        has_target_column="target" in table.columns,
        keys=keys,
        per=per,
        in_range=in_range,
        rows=rows,
        revenue=revenue,
        role_code=np.asarray(role_code, dtype=np.int64),
        role_names=np.asarray(role_names, dtype=object),
        warnings=tuple(warnings),
    )


def _selection(base: PreparedData, skip_codes: np.ndarray):
    """Rows kept (inside ``periods``, not skipped), their keys and period codes (cached)."""
    cache_key = skip_codes.tobytes()
    hit = base._selections.get(cache_key)
    if hit is not None:
        return hit
    keep = base.in_range & ~np.isin(base.per, skip_codes)
    rows = np.flatnonzero(keep)
    keys = base.keys.iloc[rows].reset_index(drop=True)
    per_kept = base.per[rows]
    labels = format_periods(per_kept, base.kind)
    period_code = np.searchsorted(unique_sorted(per_kept), per_kept).astype(np.int64)
    keys["period"] = pd.Series(labels, dtype=object).astype(str)
    columns = ["employee", "period", "role"] + [
        c for c in ("team", "region", "manager") if c in keys.columns
    ]
    keys = keys[columns]
    if len(base._selections) >= 8:
        base._selections.pop(next(iter(base._selections)))
    base._selections[cache_key] = out = (rows, keys, period_code)
    return out


def set_targets(base: PreparedData, scheme: Any) -> PayoutInputs:
    """Set a scheme's targets on prepared data, check them, and align them into arrays.

    Parameters
    ----------
    base : PreparedData
        From :func:`prepare_base` (with a scheme of the same period, KPIs and roles).
    scheme : Scheme, mapping or path

    Returns
    -------
    PayoutInputs
        Identical to what :func:`prepare` returns for the same data and scheme.

    Raises
    ------
    DefinitionError
        ``base`` was prepared for a scheme with another period, other KPIs or roles; on-target
        pay with no amount for a role.
    DataValidationError
        As :func:`prepare`.

    Examples
    --------
    >>> data = pd.DataFrame({"employee": ["a"], "period": ["2025-01"], "kpi": ["x"],
    ...                      "actual": [1.0]})
    >>> s = load_scheme({"name": "s", "on_target_pay": 100, "components": [
    ...     {"kpi": "x", "weight": 1, "target": 2, "curve": {"steps": [[1, 1]]}}]})
    >>> set_targets(prepare_base(data, s, library=False), s).target[0].tolist()
    [2.0]
    """
    scheme = load_scheme(scheme)
    if not base.fits(scheme):
        raise DefinitionError(
            f"{scheme.source}: the prepared data were made for a scheme with another period, "
            "other KPIs or other roles.\n"
            "Suggestion: prepare the data again with prepare_base(data, scheme)."
        )
    library = base.library
    kind = base.kind
    items = _items(scheme)
    warnings = list(base.warnings)
    results: dict[_Item, TargetResult] = {}
    skipped: dict[int, list[str]] = {}
    n_keys = base.n
    for item in items:
        kpi_rows = base.rows[item.spec.kpi]
        spec_target = item.spec.target
        if spec_target is None:
            res = TargetResult(np.full(len(kpi_rows.frame), np.nan))
        else:
            ctx = TargetContext(
                frame=kpi_rows.frame,
                kind=kind,
                label=item.label,
                has_target_column=base.has_target_column,
            )
            res = compute_targets(spec_target, ctx)
        results[item] = res
        for p, reason in res.skipped.items():
            skipped.setdefault(p, []).append(reason)

    present = unique_sorted(base.per[base.in_range])
    in_scope = set(present.tolist())
    skip_codes = np.array(sorted(p for p in skipped if p in in_scope), dtype=np.int64)
    # a period of the evaluation with no rows at all is reported, never left out silently
    reasons = {int(p): "; ".join(dict.fromkeys(skipped[int(p)])) for p in skip_codes}
    for p in np.setdiff1d(periods_in_scope(present, kind, base.periods), present):
        reasons[int(p)] = "no data: nobody has a row for the scheme's KPIs in this period"
    listed = np.array(sorted(reasons), dtype=np.int64)
    skipped_df = pd.DataFrame(
        {
            "period": list(format_periods(listed, kind)) if listed.size else [],
            "reason": [reasons[int(p)] for p in listed],
        },
        dtype=object,
    )
    rows, keys, period_code = _selection(base, skip_codes)
    keys, period_code = keys.copy(deep=False), period_code.copy()  # the cache stays as it was

    def direction(spec: Any) -> str:
        if spec.direction is not None:
            return spec.direction
        k = library.get(spec.kpi) if library is not None else None
        d = getattr(k, "direction", None)
        return d if d in ("higher", "lower") else "higher"

    # before the targets: a role without pay is the likelier slip (see roles: in schemes)
    codes = (base.role_code[rows], base.role_names)
    otp = _on_target_pay(scheme, keys, base.has_role, codes=codes)
    arrays: dict[_Item, tuple[np.ndarray, np.ndarray]] = {}
    failures = []
    for item in items:
        kpi_rows = base.rows[item.spec.kpi]
        res = results[item]
        actual = kpi_rows.actual[rows]
        target = np.full(n_keys, np.nan)
        target[kpi_rows.dest] = res.values[kpi_rows.src]
        target = target[rows]
        arrays[item] = (actual, target)
        have = ~np.isnan(actual)
        n_missing = int((~have).sum())
        if n_missing:
            effect = {
                "component": "that component pays 0 there",
                "gate": "the gate counts as missed there",
                "modifier": "the modifier is 1 (no change) there",
            }[item.kind]
            warnings.append(
                f"{item.label}: {n_missing} employee-period(s) have no actual; {effect}."
            )
        if item.needs_target:
            bad = have & ~(target > 0)  # cheap screen; the details only when something is off
            if item.spec.baseline is not None or bad.any():
                pos = np.full(n_keys, np.nan)
                pos[kpi_rows.dest] = kpi_rows.src
                failures.append(
                    _target_failures(
                        item, direction(item.spec), keys, actual, target, pos[rows], res
                    )
                )
    failures = [f for f in failures if len(f)]
    if failures:
        _raise_target_failures(
            scheme,
            pd.concat(failures, ignore_index=True),
            results,
            keys["role"] if base.has_role else None,
        )

    comps = [it for it in items if it.kind == "component"]
    gates = [it for it in items if it.kind == "gate"]
    mods = [it for it in items if it.kind == "modifier"]
    return PayoutInputs(
        keys=keys,
        actual=tuple(arrays[it][0] for it in comps),
        target=tuple(arrays[it][1] for it in comps),
        gate_actual=tuple(arrays[it][0] for it in gates),
        gate_target=tuple(arrays[it][1] for it in gates),
        modifier_actual=tuple(arrays[it][0] for it in mods),
        modifier_target=tuple(arrays[it][1] for it in mods),
        direction=tuple(direction(it.spec) for it in comps),
        gate_direction=tuple(direction(it.spec) for it in gates),
        modifier_direction=tuple(direction(it.spec) for it in mods),
        on_target_pay=otp,
        revenue=base.revenue[rows],
        period_code=period_code,
        skipped=skipped_df,
        warnings=tuple(dict.fromkeys(warnings)),
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


def _check_kpis_of_roles(scheme: Scheme, items: list[_Item], sub: pd.DataFrame, source: str):
    have = set(pd.unique(sub["kpi"].astype(str)).tolist())
    for item in items:
        if item.spec.kpi not in have:
            raise DefinitionError(
                f"{scheme.source}: {item.path}.kpi: KPI {item.spec.kpi!r} has no rows for the "
                f"roles the scheme evaluates ({', '.join(scheme.roles)}) in {source}.\n"
                "Suggestion: add the roles that have it to roles:, or use a KPI these roles have."
            )


def _target_failures(item, direction, keys, actual, target, pos, res: TargetResult) -> pd.DataFrame:
    have = ~np.isnan(actual)
    b = item.spec.baseline
    with np.errstate(invalid="ignore"):
        missing = have & np.isnan(target)
        nonpos = have & ~np.isnan(target) & (target <= 0)
        if b is not None:
            direction_lower = direction == "lower"
            bad_base = have & ~np.isnan(target) & ~nonpos
            bad_base &= (target >= b) if direction_lower else (target <= b)
        else:
            bad_base = np.zeros_like(have)
    bad = np.flatnonzero(missing | nonpos | bad_base)
    if bad.size == 0:
        return pd.DataFrame()
    problems = []
    for r in bad:
        t = target[r]
        if missing[r]:
            why = res.reasons.get(int(pos[r]), "") if not np.isnan(pos[r]) else ""
            problems.append("no target" + (f": {why}" if why else ""))
        elif nonpos[r]:
            problems.append(f"the target is {'0' if t == 0 else f'negative ({t:g})'}")
        else:
            side = "below" if direction == "lower" else "above"
            problems.append(f"the target ({t:g}) is not {side} the baseline ({b:g})")
    return pd.DataFrame(
        {
            "item": item.path,
            "kpi": item.spec.kpi,
            "employee": keys["employee"].to_numpy()[bad],
            "period": keys["period"].to_numpy()[bad],
            "target": target[bad],
            "problem": problems,
            "_role": keys["role"].to_numpy(dtype=object)[bad],
            "_method": getattr(item.spec.target, "method", ""),
            "_kind": np.where(missing[bad], "missing", np.where(nonpos[bad], "nonpos", "base")),
        }
    )


def _roles_without_failures(scheme: Scheme, fails: pd.DataFrame, roles: Any) -> str:
    """ ", or evaluate only … with roles: [...]" when whole roles fail and others run cleanly.

    Only when every employee-period of each failing role fails (a role that has no targets
    at all, like marketing people with revenue but no revenue target); a new hire's gap is
    not a reason to drop the role.
    """
    if scheme.roles is not None or roles is None or fails["_role"].isna().any():
        return ""
    if not ((fails["_method"] == "from_data") & (fails["_kind"] == "missing")).all():
        return ""  # other methods have their own fixes (later periods, peers, a window)
    all_roles = pd.Series(roles, dtype=object)
    if all_roles.isna().any():
        return ""
    rows_per_role = all_roles.value_counts()
    failed = fails.drop_duplicates(["employee", "period"])["_role"].value_counts()
    if not (failed == rows_per_role.reindex(failed.index)).all():
        return ""
    clean = sorted(set(rows_per_role.index) - set(failed.index))
    if not clean:
        return ""
    return f", or evaluate only the roles without these problems with roles: [{', '.join(clean)}]"


def _raise_target_failures(scheme: Scheme, fails: pd.DataFrame, results, roles=None) -> None:
    first = fails.iloc[0]
    item = next(it for it in results if it.path == first["item"])
    if first["_kind"] == "missing":
        fix = results[item].suggestion or "set a target for it."
    elif first["_kind"] == "nonpos":
        fix = (
            "targets must be positive: check the data's target column."
            if first["_method"] == "from_data"
            else "targets must be positive: check the actuals the target is set from, or use "
            "another target method."
        )
    else:
        fix = "put the target on the far side of the baseline, or change the baseline."
    also = _roles_without_failures(scheme, fails, roles)
    if also:
        fix = fix.rstrip(".") + also + "."

    def line(row) -> str:
        return (
            f"{row['item']} ({row['kpi']}): {row['problem']} for employee "
            f"{row['employee']!r} in {row['period']}"
        )

    if len(fails) == 1:
        message = f"{scheme.source}: {line(first)}.\nSuggestion: {fix}"
    else:
        shown = [f"  {line(r)}" for _, r in fails.head(10).iterrows()]
        more = f"\n  … and {len(fails) - 10} more" if len(fails) > 10 else ""
        message = (
            f"{scheme.source}: {len(fails)} employee-periods have no usable target:\n"
            + "\n".join(shown)
            + more
            + f"\nSuggestion: {fix}"
        )
    cases = fails.drop(columns=["_role", "_method", "_kind"]).rename(columns={"item": "column"})
    raise DataValidationError(message, cases)


def _on_target_pay(
    scheme: Scheme, keys: pd.DataFrame, has_role: bool, codes: tuple | None = None
) -> np.ndarray:
    """On-target pay per row; ``codes``: the rows' role codes and the names they index."""
    otp = scheme.on_target_pay
    if not isinstance(otp, Mapping):
        return np.full(len(keys), float(otp))
    if not has_role:
        raise DefinitionError(
            f"{scheme.source}: on_target_pay is given per role "
            f"({', '.join(otp)}) but the data has no 'role' column.\n"
            "Suggestion: add a role column to the data, or give on_target_pay as one number."
        )
    if codes is None:
        codes = pd.factorize(keys["role"].astype(object))
    code, names = codes
    # one look-up per distinct role; code -1 (no role) takes the NaN appended last
    by_code = np.array([otp.get(r, np.nan) for r in names] + [np.nan], dtype=float)
    amounts = by_code[np.asarray(code, dtype=np.int64)]
    bad = np.isnan(amounts)
    if bad.any():
        roles = keys["role"].astype(object).to_numpy()
        missing_roles = pd.unique(pd.Series(roles[bad], dtype=object).fillna("(none)"))
        first = np.flatnonzero(bad)[0]
        role = missing_roles[0]
        n_rows = int((pd.Series(roles[bad], dtype=object).fillna("(none)") == role).sum())
        what = "no role" if role == "(none)" else f"role {role!r}"
        others = (
            f" (also: {', '.join(map(repr, missing_roles[1:]))})" if len(missing_roles) > 1 else ""
        )
        hint = did_you_mean(str(role), otp) if role != "(none)" else ""
        raise DefinitionError(
            f"{scheme.source}: on_target_pay: no amount for {what}{others}: "
            f"{n_rows} employee-period(s), e.g. employee {keys['employee'].iloc[first]!r} in "
            f"{keys['period'].iloc[first]}.{hint}\n"
            + (
                f"Suggestion: add {role}: <amount> under on_target_pay"
                if role != "(none)"
                else "Suggestion: fill in the role column for these rows"
            )
            + (
                f", or evaluate only the roles it pays with roles: [{', '.join(otp)}]."
                if scheme.roles is None
                else "."
            )
        )
    return amounts


# --------------------------------------------------------------------------- run
_PAYOUT_COLUMNS = [
    "scheme",
    "employee",
    "period",
    "role",
    "component",
    "kpi",
    "actual",
    "target",
    "attainment",
    "factor",
    "payout",
    "gate_passed",
    "subtotal",
    "modifier",
    "before_cap",
    "after_cap",
    "pool_factor",
    "on_target_pay",
]


@dataclass(frozen=True, eq=False)
class SchemeRun:
    """One scheme run on one data set.

    Attributes
    ----------
    payouts : pandas.DataFrame
        Contract §5 payout table: per employee-period one row per component (``component``
        = the component's name or index) and one ``total`` row whose ``payout`` is final and
        whose ``gate_passed, subtotal, modifier, before_cap, after_cap, pool_factor`` show
        each step. On component rows ``payout`` is after the gates (``gate_passed`` tells).
    totals : pandas.DataFrame
        One row per employee-period: ``scheme, employee, period, role, on_target_pay,
        attainment`` (weighted), ``gate_passed, subtotal, modifier, before_cap, after_cap,
        pool_factor, payout, revenue``.
    skipped : pandas.DataFrame
        ``period, reason``.
    warnings : tuple of str
    scheme, inputs, arrays
        What the run was made of.
    """

    scheme: Scheme
    inputs: PayoutInputs
    arrays: PayoutArrays
    payouts: pd.DataFrame
    totals: pd.DataFrame
    skipped: pd.DataFrame
    warnings: tuple[str, ...]

    @property
    def total_cost(self) -> float:
        """Sum of the final payouts."""
        return float(np.round(self.totals["payout"].sum(), 2))

    @property
    def summary(self) -> pd.DataFrame:
        """Per period: ``employees, on_target_pay, payout, payout_ratio, at_target,
        gate_missed`` (sums of money; shares of employees).
        """
        t = self.totals
        g = t.groupby("period", sort=True)
        out = pd.DataFrame(
            {
                "employees": g.size(),
                "on_target_pay": g["on_target_pay"].sum(),
                "payout": g["payout"].sum().round(2),
                "at_target": g["attainment"].apply(lambda a: float((a >= 1).mean())),
                "gate_missed": g["gate_passed"].apply(lambda p: float((~p).mean())),
            }
        )
        out.insert(3, "payout_ratio", out["payout"] / out["on_target_pay"])
        return out

    def __repr__(self) -> str:
        return (
            f"SchemeRun({self.scheme.name!r}: {len(self.totals)} employee-periods, "
            f"total {self.total_cost:,.2f}, {len(self.skipped)} skipped periods, "
            f"{len(self.warnings)} warnings)"
        )

    def _repr_html_(self) -> str:
        head = f"<p><b>{self.scheme.name}</b>: {len(self.totals)} employee-periods, "
        head += f"total payout {self.total_cost:,.2f}</p>"
        body = self.summary.to_html(na_rep="", float_format=lambda x: f"{x:,.2f}")
        warn = "".join(f"<li>{w}</li>" for w in self.warnings)
        return head + body + (f"<ul>{warn}</ul>" if warn else "")


def _text(values: Any) -> Any:
    """A pandas string array (missing stays missing) of any labels."""
    return pd.array(np.asarray(values, dtype=object), dtype="str")


def _tables(scheme: Scheme, inputs: PayoutInputs, arr: PayoutArrays):
    keys = inputs.keys
    n = len(keys)
    k = len(scheme.components)
    m = k + 1
    otp = np.asarray(inputs.on_target_pay, dtype=float)
    labels = {c: _text(keys[c].to_numpy(dtype=object)) for c in ("employee", "period", "role")}
    totals = pd.DataFrame(
        {
            "scheme": _text([scheme.name]).take(np.zeros(n, dtype=np.intp)),
            **labels,
            "on_target_pay": otp,
            "attainment": arr.weighted_attainment,
            "gate_passed": arr.gate_passed,
            "subtotal": arr.subtotal,
            "modifier": arr.modifier,
            "before_cap": arr.before_cap,
            "after_cap": arr.after_cap,
            "pool_factor": arr.pool_factor,
            "payout": arr.payout,
            "revenue": inputs.revenue,
        }
    )
    nan = np.full(n, np.nan)
    blocks = [
        {
            "actual": inputs.actual[i],
            "target": inputs.target[i],
            "attainment": arr.attainment[i],
            "factor": _snap(np.array(arr.factor[i], dtype=float)),  # 1.4, not 1.4000000000000001
            "payout": arr.component_payout[i],
            "gate_passed": arr.component_gate[i],
            "subtotal": nan,
            "modifier": nan,
            "before_cap": nan,
            "after_cap": nan,
            "pool_factor": nan,
        }
        for i in range(k)
    ]
    blocks.append(
        {
            "actual": nan,
            "target": nan,
            "attainment": arr.weighted_attainment,
            "factor": nan,
            "payout": arr.payout,
            "gate_passed": arr.gate_passed,
            "subtotal": arr.subtotal,
            "modifier": arr.modifier,
            "before_cap": arr.before_cap,
            "after_cap": arr.after_cap,
            "pool_factor": arr.pool_factor,
        }
    )
    # Interleave: for each employee-period its components, then its total.
    row_of = np.repeat(np.arange(n), m)
    block_of = np.tile(np.arange(m), n)
    columns: dict[str, Any] = {
        "scheme": _text([scheme.name]).take(np.zeros(n * m, dtype=np.intp)),
        "employee": labels["employee"].take(row_of),
        "period": labels["period"].take(row_of),
        "role": labels["role"].take(row_of),
        "component": _text([scheme.component_label(i) for i in range(k)] + ["total"]).take(
            block_of
        ),
        "kpi": _text([c.kpi for c in scheme.components] + [""]).take(block_of),
    }
    for col in blocks[0]:
        columns[col] = np.stack([np.asarray(b[col]) for b in blocks], axis=1).reshape(-1)
    columns["on_target_pay"] = np.repeat(otp, m)
    payouts = pd.DataFrame(columns)[_PAYOUT_COLUMNS]
    payouts["gate_passed"] = payouts["gate_passed"].astype(bool)
    return payouts, totals


def run_scheme(
    data: Any,
    scheme: Any,
    *,
    periods: Any = None,
    library: Any = None,
) -> SchemeRun:
    """Run a scheme on historical data: the payout table of every employee-period.

    Parameters
    ----------
    data : DataFrame or path
        The long table (contract §1).
    scheme : Scheme, mapping or path
    periods : str or (str, str), optional
        ``"2025-01..2025-12"``: the periods to evaluate (inclusive).
    library : Library, path, None or False
        See :func:`prepare`.

    Returns
    -------
    SchemeRun

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"employee": ["007"], "period": ["2025-01"], "kpi": ["revenue"],
    ...                      "actual": [150_000.0], "target": [100_000.0]})
    >>> run = run_scheme(data, {"name": "c", "on_target_pay": 20000, "components": [
    ...     {"kpi": "revenue", "target": {"method": "from_data"},
    ...      "commission": {"tiers": [[0, 0.10], [1.0, 0.15]], "mode": "marginal"}}]},
    ...     library=False)
    >>> run.payouts[["component", "attainment", "payout"]].to_dict("records")
    [{'component': '0', 'attainment': 1.5, 'payout': 17500.0}, {'component': 'total', 'attainment': 1.5, 'payout': 17500.0}]
    """  # noqa: E501
    scheme = load_scheme(scheme)
    inputs = prepare(data, scheme, periods=periods, library=library)
    arrays = compute(scheme, inputs)
    payouts, totals = _tables(scheme, inputs, arrays)
    return SchemeRun(
        scheme=scheme,
        inputs=inputs,
        arrays=arrays,
        payouts=payouts,
        totals=totals,
        skipped=inputs.skipped,
        warnings=inputs.warnings,
    )
