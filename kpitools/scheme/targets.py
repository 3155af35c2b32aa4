"""Target methods: how each employee's target for each period is set (a registry).

A target method is one class: its settings as a scheme file writes them
(``target: {method: growth, rate: 0.1}``) and its :meth:`~TargetMethod.compute`. The
classes are registered in :data:`TARGET_METHODS` under their ``method`` name, so adding a
method is one class in one place.

Every method gets the rolled-up rows of one KPI (all employees, all periods of the data)
and returns one target per row. All methods but ``fixed`` and ``from_data`` use only
actuals from periods strictly before the period they set a target for (no look-ahead);
``allocate`` also uses who is active in the period (who has an actual for the KPI), which
is an organisational fact, not a result.

========== ===================================================================================
method     target of employee *e* in period *p*
========== ===================================================================================
fixed      ``value``
from_data  the data's ``target`` column (rolled up like the actual)
growth     base × (1 + ``rate``); base = *e*'s actual in *p* − 1 (``previous_period``) or in
           the same period a year before (``same_period_last_year``). No base (a new hire, an
           absence, a base of 0 or below): with ``fallback: peer_median`` the median of the
           targets of *e*'s peers in *p* that have one; without a fallback there is no
           target, which is an error naming the employee and period (suggestion: add
           ``fallback: peer_median``).
percentile the ``q``-quantile (linear interpolation) of the past actuals of *e*'s peers
           (``of: peers``: every row of the same role, *e* included) or of *e* alone
           (``of: own``), over the ``window`` periods before *p* (all earlier periods by
           default)
allocate   ``total`` split across the employees active in *p*: equally (``by: equal``) or
           in proportion to each one's average actual per period over the ``window`` before
           *p* (``by: history_share``); an active employee with no history there (a new
           hire) counts as the average of those with history. With proration (a ``weight``
           column: each row's active share of the period) each share is weighted by it
========== ===================================================================================

Peers are the employees with the same ``role`` (everyone when the data has no role).
A period in which a method has no history at all (nobody has a growth base, no past
actuals in the window) is not evaluated: it is reported in ``skipped`` with the reason.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"employee": ["a", "a"], "period": [24300, 24301],
...                       "role": ["", ""], "actual": [100.0, 120.0], "target": [None, None]})
>>> ctx = TargetContext(frame=frame, kind="month", label="components[0] (sales)")
>>> res = compute_targets(GrowthTarget(rate=0.1), ctx)
>>> res.values.round(6).tolist(), res.skipped
([nan, 110.0], {24300: 'components[0] (sales): growth (base previous_period) has no history: nobody has an actual in 2024-12 (it needs 1 month of history before 2025-01; the data has none)'})
"""  # noqa: E501

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Any, Literal, Union

import numpy as np
import pandas as pd
from pydantic import Discriminator, Field, Tag, field_validator

from .._util.registry import Registry
from .._util.spec import TAG, Spec, as_written, spec_error
from ..data import format_period, lag_year, unique_sorted
from ..errors import did_you_mean
from .history import (
    any_history,
    employee_codes,
    group_quantile,
    history_slices,
    peer_codes,
    window_quantile,
    window_quantiles,
)

__all__ = [
    "TargetContext",
    "TargetResult",
    "TargetMethod",
    "TARGET_METHODS",
    "TARGET_SPECS",
    "FixedTarget",
    "FromDataTarget",
    "GrowthTarget",
    "PercentileTarget",
    "AllocateTarget",
    "TargetSpec",
    "target_input",
    "get_target_method",
    "get_target_spec",
    "compute_targets",
    "WINDOW_CELLS",
]

#: Periods × groups above which ``percentile`` goes period by period (no periods × groups table).
WINDOW_CELLS = 4_000_000


@dataclass(frozen=True)
class TargetContext:
    """What a target method sees: the rows of one KPI.

    Attributes
    ----------
    frame : pandas.DataFrame
        ``employee, period (ordinal), role ("" when none), actual, target`` (the data's
        target, NaN where none): every rolled-up row of the KPI, all periods; optionally
        ``emp`` and ``peer``, integer codes of the employees and of the roles in sorted
        order (the engine passes them, so that no method factorizes text); and ``weight``,
        each row's active share of its period when the run prorates (``allocate`` splits
        by it). Read only.
    kind : str
        Period kind of the scheme (``month``, ``quarter``, ``year``).
    label : str
        How messages name the component, e.g. ``components[0] (revenue)``.
    has_target_column : bool
        Whether the data had a ``target`` column at all.
    """

    frame: pd.DataFrame
    kind: str
    label: str = "target"
    has_target_column: bool = True


@dataclass(frozen=True)
class TargetResult:
    """Targets aligned with ``ctx.frame`` rows, plus what could not be set and why.

    Attributes
    ----------
    values : numpy.ndarray
        One target per row; NaN where the method could not set one.
    skipped : dict
        Period ordinal → reason, for periods with no history at all.
    reasons : pandas.Series
        Row position → why that row has no target (only rows with NaN).
    suggestion : str
        How to fix a missing target.
    """

    values: np.ndarray
    skipped: dict[int, str] = field(default_factory=dict)
    reasons: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    suggestion: str = ""


class TargetMethod(Spec):
    """Base of the target methods: the settings a scheme file gives, and the computation."""

    def compute(self, ctx: TargetContext) -> TargetResult:  # pragma: no cover - abstract
        """One target per row of ``ctx.frame`` (see :func:`compute_targets`)."""
        raise NotImplementedError


#: Target methods by the name a scheme file gives in ``method:``.
TARGET_METHODS: Registry[type[TargetMethod]] = Registry("target method")
#: The same registry under its older name (the target specs are the target methods).
TARGET_SPECS = TARGET_METHODS


def get_target_spec(name: str) -> type[TargetMethod]:
    """Return the target method class registered for ``method: name``.

    Examples
    --------
    >>> get_target_spec("growth").__name__
    'GrowthTarget'
    """
    return TARGET_METHODS.get(name)


def get_target_method(name: str) -> Callable[[Any, TargetContext], TargetResult]:
    """The computation of the target method ``name``: ``func(spec, ctx) -> TargetResult``.

    Examples
    --------
    >>> get_target_method("fixed").__qualname__
    'FixedTarget.compute'
    """
    return TARGET_METHODS.get(name).compute


def compute_targets(spec: TargetMethod, ctx: TargetContext) -> TargetResult:
    """Run the target method ``spec`` on ``ctx``.

    Parameters
    ----------
    spec : TargetMethod
        A target spec (``FixedTarget``, ``GrowthTarget`` …).
    ctx : TargetContext
        The KPI's rows.

    Returns
    -------
    TargetResult
        Targets are rounded to 10 decimals: 110 × 1.1 is 121, not 121.00000000000001.

    Examples
    --------
    >>> frame = pd.DataFrame({"employee": ["a", "b"], "period": [24300, 24300],
    ...                       "role": ["", ""], "actual": [1.0, 2.0], "target": [None, None]})
    >>> res = compute_targets(AllocateTarget(total=900, by="equal"),
    ...                       TargetContext(frame=frame, kind="month"))
    >>> res.values.tolist()
    [450.0, 450.0]
    """
    res = spec.compute(ctx)
    return dataclasses.replace(res, values=np.round(np.asarray(res.values, dtype=float), 10))


def _reasons(values: np.ndarray, why: Callable[[np.ndarray], list[str]]) -> pd.Series:
    """Row position → why it has no target, for the rows whose value is NaN."""
    missing = np.flatnonzero(np.isnan(values))
    if missing.size == 0:
        return pd.Series(dtype=object)
    return pd.Series(why(missing), index=missing, dtype=object)


def _history_words(p: int, window: int | None, kind: str) -> str:
    if window is None:
        return f"before {format_period(p, kind)}"
    return f"in {format_period(p - window, kind)} to {format_period(p - 1, kind)}"


# --------------------------------------------------------------------------- fixed, from_data
@TARGET_METHODS.register("fixed")
class FixedTarget(TargetMethod):
    """``{method: fixed, value}``: the same target for everyone in every period."""

    method: Literal["fixed"] = "fixed"
    value: float = Field(gt=0)

    def compute(self, ctx: TargetContext) -> TargetResult:
        """``value`` for every row."""
        return TargetResult(np.full(len(ctx.frame), float(self.value)))


@TARGET_METHODS.register("from_data")
class FromDataTarget(TargetMethod):
    """``{method: from_data}``: the data's ``target`` column (rolled up like the actual)."""

    method: Literal["from_data"] = "from_data"

    def compute(self, ctx: TargetContext) -> TargetResult:
        """The data's ``target`` column."""
        values = ctx.frame["target"].to_numpy(dtype=float, na_value=np.nan).copy()
        if not ctx.has_target_column:
            why = "the data has no 'target' column"
            fix = "add a target column to the data, or use another method (fixed, growth, …)."
        else:
            why = "the data's target column is empty for it (in at least one month of the period)"
            fix = "fill in the target column for these rows, or use another target method."
        reasons = _reasons(values, lambda m: [why] * len(m))
        return TargetResult(values, reasons=reasons, suggestion=fix)


# --------------------------------------------------------------------------- growth
@TARGET_METHODS.register("growth")
class GrowthTarget(TargetMethod):
    """``{method: growth, rate, base, fallback}``: base × (1 + rate).

    ``base: previous_period`` is the employee's actual in the period just before;
    ``same_period_last_year`` the one a year before. An employee with no base (a new hire,
    an absence) gets the median of the peers' targets with ``fallback: peer_median``;
    without a fallback that is an error naming the employee and period.
    """

    method: Literal["growth"] = "growth"
    rate: float = Field(gt=-1)
    base: Literal["previous_period", "same_period_last_year"] = "previous_period"
    fallback: Literal["peer_median"] | None = None

    def compute(self, ctx: TargetContext) -> TargetResult:
        """Base × (1 + rate), base from an earlier period; ``peer_median`` fallback."""
        f = ctx.frame
        lag = 1 if self.base == "previous_period" else lag_year(ctx.kind)
        per = f["period"].to_numpy(dtype=np.int64)
        base = _growth_base(f, per, lag)
        # A base of 0 or below cannot grow into a positive target: it counts as no base.
        has_base = base > 0
        values = np.where(has_base, base * (1.0 + self.rate), np.nan)
        skipped: dict[int, str] = {}
        if len(f):
            uniq = unique_sorted(per)
            inv = np.searchsorted(uniq, per)
            any_base = np.bincount(inv, weights=~np.isnan(base), minlength=uniq.size) > 0
            skipped = {
                int(p): (
                    f"{ctx.label}: growth (base {self.base}) has no history: nobody has an "
                    f"actual in {format_period(int(p) - lag, ctx.kind)}"
                    + _too_short(int(p), int(uniq[0]), lag, ctx.kind)
                )
                for p in uniq[~any_base]
            }
            if self.fallback == "peer_median":
                rcode, n_roles = peer_codes(f)
                group = inv * n_roles + rcode
                n = uniq.size * max(n_roles, 1)
                med = group_quantile(group[has_base], values[has_base], 0.5, n)
                values = np.where(has_base, values, med[group])
        role = f["role"].to_numpy(dtype=object)
        why = partial(self._why, per=per, base=base, role=role, lag=lag, kind=ctx.kind)
        if self.fallback == "peer_median":
            fix = "give the role a fixed target, or evaluate later periods (periods=FROM..TO)."
        else:
            fix = (
                "add 'fallback: peer_median' to the growth target so that new hires get the "
                "median target of their peers."
            )
        return TargetResult(values, skipped, _reasons(values, why), fix)

    def _why(self, rows, *, per, base, role, lag, kind) -> list[str]:
        """Why each of ``rows`` has no growth target."""
        out = []
        for r in rows:
            then = format_period(per[r] - lag, kind)
            if np.isnan(base[r]):
                text = f"no growth base (no actual in {then})"
            else:
                text = f"no growth base (the actual in {then} is {base[r]:g}, not above 0)"
            if self.fallback == "peer_median":
                who = f"of role {role[r]!r} " if role[r] != "" else ""
                text += f" and no peer {who}has one for the peer median"
            else:
                text += " and no fallback"
            out.append(text)
        return out


def _too_short(period: int, first: int, lag: int, kind: str) -> str:
    """`` (it needs 4 quarters of history before 2024-Q3; the data has 2, from 2024-Q1)``.

    Empty when the data reaches back far enough (the base period is a gap in it).
    """
    if period - lag >= first:
        return ""
    has = period - first
    found = "none" if has == 0 else f"{has}, from {format_period(first, kind)}"
    return (
        f" (it needs {lag} {kind}{'s' * (lag != 1)} of history before "
        f"{format_period(period, kind)}; the data has {found})"
    )


def _growth_base(frame: pd.DataFrame, per: np.ndarray, lag: int) -> np.ndarray:
    """Each row's employee's actual ``lag`` periods before (NaN where there is none)."""
    if not len(frame):
        return np.full(0, np.nan)
    emp, _ = employee_codes(frame)
    act = frame["actual"].to_numpy(float)
    p0 = int(per.min()) - lag
    span = int(per.max()) - p0 + 1
    key = emp * span + (per - p0)
    at = pd.Index(key).get_indexer(key - lag)  # the same employee, `lag` periods before
    return np.where(at >= 0, act[at], np.nan)


# --------------------------------------------------------------------------- percentile
@TARGET_METHODS.register("percentile")
class PercentileTarget(TargetMethod):
    """``{method: percentile, q, of, window}``: the q-quantile of past actuals.

    ``of: peers`` pools the past actuals of everyone with the employee's role (everyone if
    the data has no role); ``own`` the employee's own. ``window`` limits the history to the
    last N periods before the one being set (all history by default).
    """

    method: Literal["percentile"] = "percentile"
    q: float
    of: Literal["peers", "own"] = "peers"
    window: int | None = Field(default=None, ge=1)

    @field_validator("q", mode="after")
    @classmethod
    def _q(cls, v):
        if not 0 <= v <= 1:
            raise spec_error(
                f"q must be between 0 and 1, got {as_written(v)}",
                "write the 40th percentile as 0.4.",
            )
        return v

    def compute(self, ctx: TargetContext) -> TargetResult:
        """The q-quantile of past actuals of the peers (or one's own) within the window."""
        f = ctx.frame
        per = f["period"].to_numpy(dtype=np.int64)
        if self.of == "peers":
            group = f["role"].to_numpy(dtype=object)
            code, n = peer_codes(f)
        else:
            group = f["employee"].to_numpy(dtype=object)
            code, n = employee_codes(f)
        values, empty = self._quantiles(per, f["actual"].to_numpy(float), code, n)
        skipped = {
            int(p): (
                f"{ctx.label}: percentile (of {self.of}) has no history: no actuals "
                f"{_history_words(int(p), self.window, ctx.kind)}"
            )
            for p in empty
        }
        why = partial(self._why, per=per, code=code, group=group, kind=ctx.kind)
        fix = (
            "use 'of: peers' so that new hires get their peers' percentile, or evaluate later "
            "periods (periods=FROM..TO)."
            if self.of == "own"
            else "evaluate later periods (periods=FROM..TO), or widen the window."
        )
        return TargetResult(values, skipped, _reasons(values, why), fix)

    def _quantiles(self, per, act, code, n) -> tuple[np.ndarray, list[int]]:
        """Each row's quantile of its group's window, and the periods with no history."""
        values = np.full(len(per), np.nan)
        # Sort every past actual once by (group, value); a period's history is then a filter
        # of that order, already sorted, instead of a sort per period.
        known = np.flatnonzero(~np.isnan(act))
        ranked = known[np.lexsort((act[known], code[known]))]
        ranked_per, ranked_code, ranked_act = per[ranked], code[ranked], act[ranked]
        uniq = unique_sorted(per)
        if uniq.size * n <= WINDOW_CELLS:
            # every period's group quantiles in one periods × groups table
            table = window_quantiles(
                ranked_per, ranked_code, ranked_act, uniq, self.window, self.q, n
            )
            values = table[np.searchsorted(uniq, per), code]
            return values, list(uniq[~any_history(ranked_per, uniq, self.window)])
        empty = []
        for p, rows, _hist in history_slices(per, self.window):
            q = window_quantile(ranked_per, ranked_code, ranked_act, p, self.window, self.q, n)
            if q is None:
                empty.append(p)
                continue
            values[rows] = q[code[rows]]
        return values, empty

    def _why(self, rows, *, per, code, group, kind) -> list[str]:
        """Why each of ``rows`` has no percentile target."""
        # one text per distinct (group, period): the rows of a skipped period share a few
        span = int(per.max()) - int(per.min()) + 1
        who = code[rows] if self.of == "peers" else 0  # own: the text names only the period
        inverse, _ = pd.factorize(who * span + (per[rows] - per.min()))
        texts = []
        for r in rows[np.unique(inverse, return_index=True)[1]]:
            words = _history_words(int(per[r]), self.window, kind)
            if self.of == "own":
                texts.append(f"no own actuals {words}")
            else:
                who = f"of role {group[r]!r} " if group[r] != "" else ""
                texts.append(f"no actuals of peers {who}{words}")
        return np.asarray(texts, dtype=object)[inverse].tolist()


# --------------------------------------------------------------------------- allocate
@TARGET_METHODS.register("allocate")
class AllocateTarget(TargetMethod):
    """``{method: allocate, total, by, window}``: a top-down total for each period.

    The total is split across the employees active in the period, equally or by their share
    of past actuals.
    """

    method: Literal["allocate"] = "allocate"
    total: float = Field(gt=0)
    by: Literal["history_share", "equal"] = "history_share"
    window: int | None = Field(default=None, ge=1)

    def compute(self, ctx: TargetContext) -> TargetResult:
        """A total per period split across the employees active in it."""
        f = ctx.frame
        per = f["period"].to_numpy(dtype=np.int64)
        emp, n_emp = employee_codes(f)
        act = f["actual"].to_numpy(float)
        values = np.full(len(f), np.nan)
        weight = f["weight"].to_numpy(float) if "weight" in f.columns else None
        skipped: dict[int, str] = {}
        for p, rows, hist in history_slices(per, self.window):
            w = np.ones(rows.size) if weight is None else weight[rows]
            if self.by == "equal":
                values[rows] = self.total * w / w.sum() if w.sum() > 0 else np.nan
                continue
            hist = hist[~np.isnan(act[hist])]
            # each employee's average actual per period in the window (a run rate)
            sums = np.bincount(emp[hist], weights=act[hist], minlength=n_emp)
            counts = np.bincount(emp[hist], minlength=n_emp)
            with np.errstate(invalid="ignore", divide="ignore"):
                h = (sums / counts)[emp[rows]]
            known = ~np.isnan(h)
            if not known.any():
                skipped[p] = (
                    f"{ctx.label}: allocate (by history_share) has no history: none of the "
                    f"employees active in {format_period(p, ctx.kind)} has actuals "
                    f"{_history_words(p, self.window, ctx.kind)}"
                )
                continue
            h = np.where(known, h, h[known].mean()) * w
            total = h.sum()
            values[rows] = self.total * h / total if total != 0 else np.nan
        fix = "check the history of these employees, or use by: equal."
        why = "the history of the active employees sums to 0"
        return TargetResult(values, skipped, _reasons(values, lambda m: [why] * len(m)), fix)


# --------------------------------------------------------------------------- the field type
def _target_tag(v: Any) -> str | None:
    method = v.get("method") if isinstance(v, Mapping) else getattr(v, "method", None)
    return TAG + method if method in TARGET_METHODS else None


def target_input(v: Any) -> Any:
    """Check a target as written before its method's own checks; a number means ``fixed``.

    Use it as the ``mode="before"`` validator of every field of type :data:`TargetSpec`.
    """
    if v is None or isinstance(v, Spec):
        return v
    if isinstance(v, int | float) and not isinstance(v, bool):
        return {"method": "fixed", "value": v}
    if isinstance(v, Mapping) and v.get("method") in TARGET_METHODS:
        return v
    methods = ", ".join(TARGET_METHODS)
    if not isinstance(v, Mapping):
        raise spec_error(
            f"expected a mapping such as {{method: fixed, value: 12}}, got {v!r}",
            f"write the target as {{method: …}} with one of: {methods}.",
        )
    if "method" not in v:
        raise spec_error("the target has no 'method'", f"add method: with one of: {methods}.")
    method = str(v["method"])
    raise spec_error(
        f"unknown target method {method!r}.{did_you_mean(method, TARGET_METHODS.names())}",
        f"use one of: {methods}.",
    )


#: The type of a ``target:`` field: the registered target method named by ``method:``.
TargetSpec = Annotated[
    Union[tuple(Annotated[c, Tag(TAG + k)] for k, c in TARGET_METHODS.items())],  # noqa: UP007
    Discriminator(_target_tag),
]
