"""Target methods: how each employee's target for each period is set (a registry).

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
           hire) counts as the average of those with history
========== ===================================================================================

Peers are the employees with the same ``role`` (everyone when the data has no role).
A period in which a method has no history at all (nobody has a growth base, no past
actuals in the window) is not evaluated: it is reported in ``skipped`` with the reason.

Examples
--------
>>> import pandas as pd
>>> from kpitools.scheme import GrowthTarget
>>> frame = pd.DataFrame({"employee": ["a", "a"], "period": [24300, 24301],
...                       "role": ["", ""], "actual": [100.0, 120.0], "target": [None, None]})
>>> ctx = TargetContext(frame=frame, kind="month", label="components[0] (sales)")
>>> res = compute_targets(GrowthTarget(rate=0.1), ctx)
>>> res.values.round(6).tolist(), res.skipped
([nan, 110.0], {24300: 'components[0] (sales): growth (base previous_period) has no history: nobody has an actual in 2024-12'})
"""  # noqa: E501

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..data import format_period, lag_year, unique_sorted
from ..errors import DefinitionError, did_you_mean

__all__ = [
    "TargetContext",
    "TargetResult",
    "TARGET_METHODS",
    "register_target_method",
    "get_target_method",
    "compute_targets",
]


@dataclass(frozen=True)
class TargetContext:
    """What a target method sees: the rows of one KPI.

    Attributes
    ----------
    frame : pandas.DataFrame
        ``employee, period (ordinal), role ("" when none), actual, target`` (the data's
        target, NaN where none): every rolled-up row of the KPI, all periods; optionally
        ``emp`` and ``peer``, integer codes of the employees and of the roles in sorted
        order (the engine passes them, so that no method factorizes text). Read only.
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


TargetMethod = Callable[[Any, TargetContext], TargetResult]

#: Registry of target methods by name.
TARGET_METHODS: dict[str, TargetMethod] = {}


def register_target_method(name: str) -> Callable[[TargetMethod], TargetMethod]:
    """Decorator registering ``func(spec, ctx) -> TargetResult`` as target method ``name``."""

    def deco(func: TargetMethod) -> TargetMethod:
        TARGET_METHODS[name] = func
        return func

    return deco


def get_target_method(name: str) -> TargetMethod:
    """The target method registered as ``name``.

    Examples
    --------
    >>> get_target_method("fixed").__name__
    'fixed'
    """
    try:
        return TARGET_METHODS[name]
    except KeyError:
        raise DefinitionError(
            f"Unknown target method {name!r}.{did_you_mean(name, TARGET_METHODS)}\n"
            f"Suggestion: use one of: {', '.join(TARGET_METHODS)}."
        ) from None


def compute_targets(spec: Any, ctx: TargetContext) -> TargetResult:
    """Run the method ``spec.method`` on ``ctx``.

    Parameters
    ----------
    spec : TargetSpec
        A target spec from :mod:`kpitools.scheme` (``FixedTarget``, ``GrowthTarget`` …).
    ctx : TargetContext
        The KPI's rows.

    Returns
    -------
    TargetResult
        Targets are rounded to 10 decimals: 110 × 1.1 is 121, not 121.00000000000001.

    Examples
    --------
    >>> from kpitools.scheme import AllocateTarget
    >>> frame = pd.DataFrame({"employee": ["a", "b"], "period": [24300, 24300],
    ...                       "role": ["", ""], "actual": [1.0, 2.0], "target": [None, None]})
    >>> res = compute_targets(AllocateTarget(total=900, by="equal"),
    ...                       TargetContext(frame=frame, kind="month"))
    >>> res.values.tolist()
    [450.0, 450.0]
    """
    res = get_target_method(spec.method)(spec, ctx)
    return dataclasses.replace(res, values=np.round(np.asarray(res.values, dtype=float), 10))


def _fmt(p: int, kind: str) -> str:
    return format_period(p, kind)


def _reasons(values: np.ndarray, why: Callable[[np.ndarray], list[str]]) -> pd.Series:
    missing = np.flatnonzero(np.isnan(values))
    if missing.size == 0:
        return pd.Series(dtype=object)
    return pd.Series(why(missing), index=missing, dtype=object)


def _codes(values: Any) -> tuple[np.ndarray, int]:
    """Integer codes (sorted order) of any labels, and how many there are."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), sort=True)
    return codes.astype(np.int64), len(uniques)


def _employee_codes(frame: pd.DataFrame) -> tuple[np.ndarray, int]:
    """Employee codes: the engine's ``emp`` column when given, else computed."""
    if "emp" in frame.columns:
        codes = frame["emp"].to_numpy(dtype=np.int64)
        return codes, int(codes.max()) + 1 if codes.size else 0
    return _codes(frame["employee"])


def _peer_codes(frame: pd.DataFrame) -> tuple[np.ndarray, int]:
    """Role codes (peers): the engine's ``peer`` column when given, else computed."""
    if "peer" in frame.columns:
        codes = frame["peer"].to_numpy(dtype=np.int64)
        return codes, int(codes.max()) + 1 if codes.size else 0
    return _codes(frame["role"])


def _group_quantile(group: np.ndarray, values: np.ndarray, q: float, n: int) -> np.ndarray:
    """The q-quantile (linear interpolation, as numpy/pandas) of ``values`` per group."""
    out = np.full(n, np.nan)
    if values.size == 0:
        return out
    order = np.lexsort((values, group))
    return _sorted_group_quantile(group[order], values[order], q, n)


def _sorted_group_quantile(group: np.ndarray, values: np.ndarray, q: float, n: int) -> np.ndarray:
    """:func:`_group_quantile` of values already sorted by (group, value)."""
    out = np.full(n, np.nan)
    counts = np.bincount(group, minlength=n)
    starts = np.cumsum(counts) - counts
    pos = starts + q * np.maximum(counts - 1, 0)
    lo = np.floor(pos).astype(np.int64)
    frac = pos - lo
    has = counts > 0
    lo = np.where(has, lo, 0)
    hi = np.where(has, np.minimum(lo + 1, starts + counts - 1), 0)
    res = values[lo] + (values[hi] - values[lo]) * frac
    out[has] = res[has]
    return out


_WINDOW_CELLS = 4_000_000  # periods × rows above which percentile goes period by period


def _window_mask(ranked_per: np.ndarray, uniq: np.ndarray, window: int | None) -> np.ndarray:
    """Periods × rows: whether each row lies in each period's history window."""
    inside = ranked_per[None, :] < uniq[:, None]
    if window is not None:
        inside &= ranked_per[None, :] >= (uniq - window)[:, None]
    return inside


def _any_history(ranked_per: np.ndarray, uniq: np.ndarray, window: int | None) -> np.ndarray:
    """Per period: whether any row lies in its history window."""
    if ranked_per.size == 0:
        return np.zeros(uniq.size, dtype=bool)
    s = np.sort(ranked_per)
    lo = np.full(uniq.size, np.iinfo(np.int64).min) if window is None else uniq - window
    return np.searchsorted(s, uniq, side="left") > np.searchsorted(s, lo, side="left")


def _window_quantiles(ranked_per, ranked_code, ranked_act, uniq, window, q, n) -> np.ndarray:
    """Periods × groups: :func:`_sorted_group_quantile` of each period's history window.

    ``ranked_*`` are sorted by (group, value). The same arithmetic as the period-by-period
    version (``starts`` are the window's own group starts), so the numbers are identical.
    """
    m = ranked_per.size
    out = np.full((uniq.size, n), np.nan)
    if m == 0 or n == 0:
        return out
    inside = _window_mask(ranked_per, uniq, window)
    cs = np.zeros((uniq.size, m + 1), dtype=np.int64)
    np.cumsum(inside, axis=1, out=cs[:, 1:])  # cs[u, i]: rows in the window among the first i
    counts_all = np.bincount(ranked_code, minlength=n)
    gstart = np.cumsum(counts_all) - counts_all
    starts = cs[:, gstart]  # the window's rows before each group
    counts = cs[:, gstart + counts_all] - starts
    pos = starts + q * np.maximum(counts - 1, 0)
    lo = np.floor(pos).astype(np.int64)
    frac = pos - lo
    has = counts > 0
    lo = np.where(has, lo, 0)
    hi = np.where(has, np.minimum(lo + 1, starts + counts - 1), 0)
    # the row holding the window's r-th row (0-based): the first i with cs[u, i + 1] > r
    offset = (np.arange(uniq.size, dtype=np.int64) * (m + 2))[:, None]
    flat = (cs[:, 1:] + offset).ravel()
    row_offset = (np.arange(uniq.size, dtype=np.int64) * m)[:, None]
    at_lo = np.searchsorted(flat, lo + offset, side="right") - row_offset
    at_hi = np.searchsorted(flat, hi + offset, side="right") - row_offset
    at_lo = np.clip(at_lo, 0, m - 1)
    at_hi = np.clip(at_hi, 0, m - 1)
    res = ranked_act[at_lo] + (ranked_act[at_hi] - ranked_act[at_lo]) * frac
    out[has] = res[has]
    return out


def _history_slices(per: np.ndarray, window: int | None):
    """For each distinct period p: (p, rows in p, rows of the history window before p).

    Rows are positions in ``per``; history rows are a contiguous run of the rows sorted by
    period, so no period looks at the whole table.
    """
    order = np.argsort(per, kind="stable")
    sorted_per = per[order]
    uniq = unique_sorted(per)
    lo_p = np.full(uniq.size, np.iinfo(np.int64).min) if window is None else uniq - window
    hist_lo = np.searchsorted(sorted_per, lo_p, side="left")
    hist_hi = np.searchsorted(sorted_per, uniq, side="left")
    now_hi = np.searchsorted(sorted_per, uniq, side="right")
    for i, p in enumerate(uniq):
        yield int(p), order[hist_hi[i] : now_hi[i]], order[hist_lo[i] : hist_hi[i]]


@register_target_method("fixed")
def fixed(spec: Any, ctx: TargetContext) -> TargetResult:
    """``value`` for every row."""
    return TargetResult(np.full(len(ctx.frame), float(spec.value)))


@register_target_method("from_data")
def from_data(spec: Any, ctx: TargetContext) -> TargetResult:
    """The data's ``target`` column."""
    values = ctx.frame["target"].to_numpy(dtype=float, na_value=np.nan).copy()
    if not ctx.has_target_column:
        why = "the data has no 'target' column"
        fix = "add a target column to the data, or use another method (fixed, growth, …)."
    else:
        why = "the data's target column is empty for it (in at least one month of the period)"
        fix = "fill in the target column for these rows, or use another target method."
    return TargetResult(values, reasons=_reasons(values, lambda m: [why] * len(m)), suggestion=fix)


@register_target_method("growth")
def growth(spec: Any, ctx: TargetContext) -> TargetResult:
    """Base × (1 + rate), base from an earlier period; ``peer_median`` fallback."""
    f = ctx.frame
    lag = 1 if spec.base == "previous_period" else lag_year(ctx.kind)
    emp, _ = _employee_codes(f)
    per = f["period"].to_numpy(dtype=np.int64)
    act = f["actual"].to_numpy(float)
    values = np.full(len(f), np.nan)
    base = np.full(len(f), np.nan)
    skipped: dict[int, str] = {}
    role = f["role"].to_numpy(dtype=object)
    if len(f):
        p0 = int(per.min()) - lag
        span = int(per.max()) - p0 + 1
        key = emp * span + (per - p0)
        index = pd.Index(key)
        at = index.get_indexer(key - lag)  # the same employee, `lag` periods before
        base = np.where(at >= 0, act[at], np.nan)
        # A base of 0 or below cannot grow into a positive target: it counts as no base.
        has_base = base > 0
        values = np.where(has_base, base * (1.0 + spec.rate), np.nan)
        uniq = unique_sorted(per)
        inv = np.searchsorted(uniq, per)
        any_base = np.bincount(inv, weights=~np.isnan(base), minlength=uniq.size) > 0
        skipped = {
            int(p): (
                f"{ctx.label}: growth (base {spec.base}) has no history: nobody has an actual "
                f"in {_fmt(int(p) - lag, ctx.kind)}"
            )
            for p in uniq[~any_base]
        }
        if spec.fallback == "peer_median":
            rcode, n_roles = _peer_codes(f)
            group = inv * n_roles + rcode
            med = _group_quantile(
                group[has_base], values[has_base], 0.5, uniq.size * max(n_roles, 1)
            )
            values = np.where(has_base, values, med[group])

    def why(rows: np.ndarray) -> list[str]:
        out = []
        for r in rows:
            then = _fmt(per[r] - lag, ctx.kind)
            if np.isnan(base[r]):
                text = f"no growth base (no actual in {then})"
            else:
                text = f"no growth base (the actual in {then} is {base[r]:g}, not above 0)"
            if spec.fallback == "peer_median":
                who = f"of role {role[r]!r} " if role[r] != "" else ""
                text += f" and no peer {who}has one for the peer median"
            else:
                text += " and no fallback"
            out.append(text)
        return out

    if spec.fallback == "peer_median":
        fix = "give the role a fixed target, or evaluate later periods (periods=FROM..TO)."
    else:
        fix = (
            "add 'fallback: peer_median' to the growth target so that new hires get the "
            "median target of their peers."
        )
    return TargetResult(values, skipped, _reasons(values, why), fix)


def _history_words(p: int, window: int | None, kind: str) -> str:
    if window is None:
        return f"before {_fmt(p, kind)}"
    return f"in {_fmt(p - window, kind)} to {_fmt(p - 1, kind)}"


@register_target_method("percentile")
def percentile(spec: Any, ctx: TargetContext) -> TargetResult:
    """The q-quantile of past actuals of the peers (or one's own) within the window."""
    f = ctx.frame
    per = f["period"].to_numpy(dtype=np.int64)
    act = f["actual"].to_numpy(float)
    if spec.of == "peers":
        group = f["role"].to_numpy(dtype=object)
        code, n = _peer_codes(f)
    else:
        group = f["employee"].to_numpy(dtype=object)
        code, n = _employee_codes(f)
    values = np.full(len(f), np.nan)
    skipped: dict[int, str] = {}
    # Sort every past actual once by (group, value); a period's history is then a filter of
    # that order, already sorted, instead of a sort per period.
    known = np.flatnonzero(~np.isnan(act))
    ranked = known[np.lexsort((act[known], code[known]))]
    ranked_per, ranked_code, ranked_act = per[ranked], code[ranked], act[ranked]
    uniq = unique_sorted(per)
    if uniq.size * ranked.size <= _WINDOW_CELLS:
        # every period at once: an uniq × rows table of "in the period's window"
        table = _window_quantiles(ranked_per, ranked_code, ranked_act, uniq, spec.window, spec.q, n)
        values = table[np.searchsorted(uniq, per), code]
        empty = uniq[~_any_history(ranked_per, uniq, spec.window)]
    else:
        empty = []
        for p, rows, _hist in _history_slices(per, spec.window):
            inside = ranked_per < p
            if spec.window is not None:
                inside &= ranked_per >= p - spec.window
            if not inside.any():
                empty.append(p)
                continue
            q = _sorted_group_quantile(ranked_code[inside], ranked_act[inside], spec.q, n)
            values[rows] = q[code[rows]]
    for p in empty:
        skipped[int(p)] = (
            f"{ctx.label}: percentile (of {spec.of}) has no history: no actuals "
            f"{_history_words(int(p), spec.window, ctx.kind)}"
        )

    def why(rows: np.ndarray) -> list[str]:
        # one text per distinct (group, period): the rows of a skipped period share a few
        span = int(per.max()) - int(per.min()) + 1
        who = code[rows] if spec.of == "peers" else 0  # own: the text names only the period
        inverse, _ = pd.factorize(who * span + (per[rows] - per.min()))
        texts = []
        for r in rows[np.unique(inverse, return_index=True)[1]]:
            words = _history_words(int(per[r]), spec.window, ctx.kind)
            if spec.of == "own":
                texts.append(f"no own actuals {words}")
            else:
                who = f"of role {group[r]!r} " if group[r] != "" else ""
                texts.append(f"no actuals of peers {who}{words}")
        return np.asarray(texts, dtype=object)[inverse].tolist()

    fix = (
        "use 'of: peers' so that new hires get their peers' percentile, or evaluate later "
        "periods (periods=FROM..TO)."
        if spec.of == "own"
        else "evaluate later periods (periods=FROM..TO), or widen the window."
    )
    return TargetResult(values, skipped, _reasons(values, why), fix)


@register_target_method("allocate")
def allocate(spec: Any, ctx: TargetContext) -> TargetResult:
    """A total per period split across the employees active in it."""
    f = ctx.frame
    per = f["period"].to_numpy(dtype=np.int64)
    emp, n_emp = _employee_codes(f)
    act = f["actual"].to_numpy(float)
    values = np.full(len(f), np.nan)
    skipped: dict[int, str] = {}
    for p, rows, hist in _history_slices(per, spec.window):
        if spec.by == "equal":
            values[rows] = spec.total / rows.size
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
                f"employees active in {_fmt(p, ctx.kind)} has actuals "
                f"{_history_words(p, spec.window, ctx.kind)}"
            )
            continue
        h = np.where(known, h, h[known].mean())
        total = h.sum()
        values[rows] = spec.total * h / total if total != 0 else np.nan
    fix = "check the history of these employees, or use by: equal."
    return TargetResult(
        values,
        skipped,
        _reasons(values, lambda m: ["the history of the active employees sums to 0"] * len(m)),
        fix,
    )
