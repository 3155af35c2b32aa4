"""Calibrating a scheme: solve one parameter so that a metric hits a value.

:func:`calibrate` evaluates the metric on a grid of values of the parameter (which also shows
whether the goal is reachable at all), then narrows the bracket around the goal that is
closest to the scheme's own value: with :func:`scipy.optimize.brentq` for continuous metrics,
by bisection for metrics that move in steps (shares of employee-periods). Each value is
evaluated once, on data prepared once: a parameter that does not change targets, KPIs or
periods only re-runs the payout arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DefinitionError
from ..scheme import Scheme
from .arrays import PayoutInputs
from .base import prepare_base
from .compute import compute
from .currency import run_currency
from .describe import format_metric
from .loading import library_for_run, load_inputs, load_schemes
from .metrics import MONEY_METRICS, STEP_METRICS, check_metric_name, metrics_from_arrays
from .money import round_cents
from .pay import on_target_pay_per_row
from .prepare import prepare, set_targets
from .run import needs_whole_run, run_scheme
from .scope import has_scope

__all__ = ["CalibrationResult", "calibrate", "default_bounds"]


@dataclass(frozen=True, kw_only=True, repr=False)
class CalibrationResult:
    """One scheme parameter solved so that a metric hits a value.

    Attributes
    ----------
    param, metric : str
        The dotted parameter path and the metric name.
    goal : float
        The value the metric should hit.
    value : float
        The solved parameter value.
    achieved : float
        The metric at ``value``; for a metric that moves in steps (a share of
        employee-periods) the closest level the bounds allow.
    original : float or None
        The parameter's value in the scheme as given.
    bounds : tuple of float
        The interval searched.
    method : str
        ``brentq`` (continuous metric) or ``bracketing`` (a metric that moves in steps).
    scheme : Scheme
        The calibrated scheme (``scheme.set(param, value)``).
    evaluations : DataFrame
        Every parameter value tried and its metric (``param``, ``metric`` columns).
    warnings : tuple of str
        What the data loader and the engine warned about.
    currency : str or None
        The run's currency (contract §8): money metrics and money parameters carry it.
    """

    param: str
    metric: str
    goal: float
    value: float
    achieved: float
    original: float | None
    bounds: tuple[float, float]
    method: str
    scheme: Any
    evaluations: pd.DataFrame
    warnings: tuple[str, ...] = ()
    currency: str | None = None

    @property
    def exact(self) -> bool:
        """Whether the achieved metric equals the goal (to half a ruble for money metrics)."""
        return abs(self.achieved - self.goal) <= _tolerance(self.metric, self.goal)

    @property
    def summary(self) -> pd.DataFrame:
        """One row: parameter, original and solved value, metric, goal and achieved value."""
        return pd.DataFrame(
            [
                {
                    "param": self.param,
                    "original": self.original,
                    "value": self.value,
                    "metric": self.metric,
                    "goal": self.goal,
                    "achieved": self.achieved,
                    "exact": self.exact,
                    "method": self.method,
                    "evaluations": len(self.evaluations),
                }
            ]
        )

    def _param_text(self, value: float) -> str:
        """A parameter value as solved (6 digits); money (on-target pay, a budget) with the code."""
        parts = self.param.split(".")
        if self.currency and (parts[0] == "on_target_pay" or parts[-1] == "budget"):
            return f"{value:.6g} {self.currency}"
        return f"{value:.6g}"

    def describe(self) -> str:
        """The result in two lines, as ``kpitools calibrate`` prints it."""
        first = f"{self.param} = {self._param_text(self.value)}"
        if self.original is not None:
            first += f" (was {self._param_text(self.original)})"
        achieved = format_metric(self.metric, self.achieved, self.currency)
        goal = format_metric(self.metric, self.goal, self.currency)
        second = f"{self.metric} = {achieved} (goal {goal}"
        second += ")" if self.exact else "; the closest reachable: the metric jumps over the goal)"
        return f"{first}\n{second}"

    def __repr__(self) -> str:
        return (
            f"<kpitools.CalibrationResult: {self.param} = {self.value:.6g} gives {self.metric} = "
            f"{format_metric(self.metric, self.achieved, self.currency)} (goal "
            f"{format_metric(self.metric, self.goal, self.currency)}, "
            f"{len(self.evaluations)} evaluations, {self.method})>"
        )

    def _repr_html_(self) -> str:
        return "<p><b>Calibration</b></p>" + self.summary.to_html(index=False)


def _tolerance(metric: str, goal: float) -> float:
    if metric in MONEY_METRICS:
        return 0.5
    return 1e-9 * max(1.0, abs(goal))


def _param_value(scheme: Any, param: str) -> float | None:
    """The current value at a dotted path of the scheme (None when the key is unset).

    A path the scheme cannot have is reported by :meth:`Scheme.set` itself (with its "did
    you mean"); a path to something that is not a number is refused here.
    """
    node: Any = scheme.to_dict()
    for part in param.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list | tuple) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            scheme.set(param, 1.0)  # raises the engine's message for a path that cannot exist
            return None
    if node is None:
        return None
    if isinstance(node, bool) or not isinstance(node, int | float):
        shown = node if not isinstance(node, Mapping | list | tuple) else type(node).__name__
        raise DefinitionError(
            f"--param {param!r} is {shown!r}, not a number.\n"
            "Suggestion: point --param at a number, such as components.0.target.rate or cap."
        )
    return float(node)


_INPUT_KEYS = frozenset({"kpi", "target", "direction", "baseline"})


def _is_budget_goal(to: float | str, metric: str, scheme: Any) -> bool:
    """Whether ``to`` asks for the scheme's budget; a clear error for any other text."""
    if not isinstance(to, str):
        return False
    text = to.strip()
    if text.lower() != "budget":
        try:
            float(text)
        except ValueError:
            raise DefinitionError(
                f"--to {to!r}: not a number.\nSuggestion: give the value the metric should "
                "hit (e.g. --to 0.65), or --to budget with --metric total_cost."
            ) from None
        return False
    if metric != "total_cost":
        raise DefinitionError(
            f"--to budget: the budget is money, so it only fits --metric total_cost (not "
            f"{metric}).\nSuggestion: use --metric total_cost, or give a number with --to."
        )
    if getattr(scheme, "budget", None) is None:
        raise DefinitionError(
            f"--to budget: the scheme {scheme.name!r} has no budget.\nSuggestion: add "
            "'budget: <amount per period>' to the scheme, or give the amount with --to."
        )
    return True


def _changes_inputs(param: str) -> bool:
    """Whether changing ``param`` changes what :func:`kpitools.engine.prepare` builds."""
    parts = param.split(".")
    if parts[0] in {"period", "revenue_kpi"}:
        return True
    if parts[0] in {"components", "gates", "modifiers"}:
        return len(parts) < 3 or parts[2] in _INPUT_KEYS
    return False


def default_bounds(value: float | None) -> tuple[float, float]:
    """Bounds searched when none are given: 0 to 3 × the current value (0 to 1 for 0).

    Where the scheme does not accept 0 (on-target pay, a cap, a fixed target),
    :func:`calibrate` starts at 1% of the current value instead.

    Examples
    --------
    >>> default_bounds(0.1)
    (0.0, 0.30000000000000004)
    """
    if value is None:
        raise DefinitionError(
            "The parameter has no value in the scheme to start from.\n"
            "Suggestion: pass --bounds LO HI."
        )
    if value > 0:
        return (0.0, 3.0 * value)
    if value < 0:
        return (3.0 * value, 0.0)
    return (0.0, 1.0)


def calibrate(
    data: Any,
    scheme: Any,
    param: str,
    metric: str,
    to: float | str,
    bounds: tuple[float, float] | None = None,
    *,
    periods: Any = None,
    library: Any = None,
    grid: int = 9,
    roster: Any = None,
    where: str | None = None,
    currency: str | None = None,
    duplicates: str = "error",
) -> CalibrationResult:
    """Solve one scheme parameter so that a metric hits a value.

    A grid across ``bounds``, then the bracket around the goal closest to the scheme's own
    value narrowed (see the module docstring): the value whose metric comes closest wins.

    Parameters
    ----------
    data : str, path or DataFrame
        Historical data (loaded once with :func:`kpitools.data.load`).
    scheme : Scheme, path or mapping
        The scheme to calibrate.
    param : str
        Dotted path of a number in the scheme, e.g. ``components.0.target.rate``.
    metric : str
        One of :data:`METRICS`.
    to : float or "budget"
        The value the metric should hit. ``"budget"`` (with ``total_cost``) is the scheme's
        ``budget`` per period times the number of periods evaluated.
    bounds : (float, float), optional
        Interval to search; 0 to 3 × the current value by default.
    periods, library : optional
        As for :func:`simulate`.
    grid : int
        Number of values tried first across the bounds.
    roster, where, currency, duplicates : optional
        As for :func:`kpitools.engine.simulate`.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    DefinitionError
        Unknown metric or path, bad bounds, or a goal that no value in the bounds reaches.

    Examples
    --------
    >>> data = pd.DataFrame({"employee": list("abcd"), "period": ["2025-01"] * 4,
    ...                      "kpi": ["sales"] * 4, "actual": [100.0, 200.0, 300.0, 400.0]})
    >>> scheme = {"name": "c", "on_target_pay": 10, "components": [
    ...     {"kpi": "sales", "commission": {"rate": 0.1}}]}
    >>> res = calibrate(data, scheme, "components.0.commission.rate", "total_cost", 50.0,
    ...                 library=False)
    >>> print(res.describe())
    components.0.commission.rate = 0.05 (was 0.1)
    total_cost = 50 (goal 50)
    """
    check_metric_name(metric)
    (base,) = load_schemes(scheme)
    original = _param_value(base, param)
    lo, hi = _search_bounds(base, param, bounds, original)
    to_budget = _is_budget_goal(to, metric, base)  # before any work: a clear message
    objective, warnings = _Objective.on_data(
        data, base, param, metric, (lo, hi), periods=periods, library=library, roster=roster,
        where=where, currency=currency, duplicates=duplicates,
    )  # fmt: skip
    # the budget is per period: over the periods the scheme evaluates
    goal = float(base.budget) * objective.n_periods() if to_budget else float(to)
    start = original if original is not None else (lo + hi) / 2
    best = _search(objective, goal, start=start, grid=grid)
    return objective.result(best, goal=goal, original=original, warnings=warnings)


def _search_bounds(
    base: Scheme, param: str, bounds: tuple[float, float] | None, original: float | None
) -> tuple[float, float]:
    """The interval to search: as given, else :func:`default_bounds` (from 1% where 0 fails)."""
    lo, hi = (float(b) for b in bounds) if bounds is not None else default_bounds(original)
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo >= hi:
        raise DefinitionError(
            f"--bounds {lo:g} {hi:g}: the lower bound must be below the upper bound.\n"
            "Suggestion: pass --bounds LO HI with LO < HI."
        )
    if bounds is None and lo == 0.0 and original:
        try:  # 0 is not allowed everywhere (on-target pay, a cap, a fixed target)
            base.set(param, 0.0)
        except DefinitionError:
            lo = abs(original) / 100.0
    return lo, hi


class _Objective:
    """The metric as a function of the parameter; each value is evaluated once.

    Targets, KPIs and periods need the data rolled up again (one :func:`prepare_base` for
    all values while it fits); anything else (curves, weights, cap, pool, on-target pay)
    only the arithmetic on inputs prepared once (:attr:`fixed`).
    """

    def __init__(self, table, base, param, metric, bounds, *, periods, library, roster=None):
        self.table, self.base, self.param, self.metric = table, base, param, metric
        self.bounds, self.periods, self.library = bounds, periods, library
        self.roster = roster  # pay per person and proration
        self.cache: dict[float, float] = {}
        self.currency: str | None = None  # the run's, set by :meth:`on_data`
        self.fixed: PayoutInputs | None = None if _changes_inputs(param) else self._prepare(base)
        self._rolled: Any = None  # the roll-up of a target search

    @classmethod
    def on_data(
        cls, data, base, param, metric, bounds, *, periods, library, roster=None, where=None,
        currency=None, duplicates="error",
    ):  # fmt: skip
        """The objective on ``data`` (loaded once), and the warnings of loading and preparing."""
        library = library_for_run(library)
        run = run_currency([base], override=currency)
        table, warnings, loaded = load_inputs(
            data, library=library, roster=roster, where=where, currency=run, duplicates=duplicates
        )
        warnings[:0] = run.notes
        objective = cls(
            table, base, param, metric, bounds, periods=periods, library=library, roster=loaded
        )
        objective.currency = run.code
        if objective.fixed is not None:
            warnings.extend(objective.fixed.warnings)
        return objective, warnings

    def _prepare(self, scheme: Scheme) -> PayoutInputs:
        return prepare(
            self.table, scheme, periods=self.periods, library=self.library, roster=self.roster
        )

    def n_periods(self) -> int:
        """The number of periods the scheme as given evaluates."""
        evaluated = self.fixed or self._prepare(self.base)
        return evaluated.keys["period"].nunique()

    def __call__(self, x: float) -> float:
        x = float(x)
        if x not in self.cache:
            candidate = self._candidate(x)
            if needs_whole_run(candidate, self.periods, self.table):
                run = run_scheme(
                    self.table, candidate, periods=self.periods, library=self.library,
                    roster=self.roster,
                )  # fmt: skip
                inputs, arrays = run.inputs, run.arrays
            else:
                inputs = self._inputs(candidate)
                arrays = compute(candidate, inputs)
            self.cache[x] = float(metrics_from_arrays(candidate, inputs, arrays)[self.metric])
        return self.cache[x]

    def _candidate(self, x: float) -> Scheme:
        try:
            return self.base.set(self.param, x)
        except DefinitionError as err:
            lo, hi = self.bounds
            what = str(err).split("\nSuggestion:")[0]
            raise DefinitionError(
                f"{self.param} = {x:g} (inside --bounds {lo:g} {hi:g}) is not a valid scheme: "
                f"{what}\nSuggestion: narrow --bounds to values the scheme accepts."
            ) from err

    def _inputs(self, candidate: Scheme) -> PayoutInputs:
        if self.fixed is None and has_scope(candidate):  # team sums need the members' rows
            return self._prepare(candidate)
        if self.fixed is None:
            if self._rolled is None or not self._rolled.fits(candidate):
                self._rolled = prepare_base(
                    self.table,
                    candidate,
                    periods=self.periods,
                    library=self.library,
                    roster=self.roster,
                )
            return set_targets(self._rolled, candidate)
        if self.param.split(".")[0] == "on_target_pay":
            keys, share = self.fixed.keys, self.fixed.proration
            pay = on_target_pay_per_row(candidate, keys, roster=self.roster)
            return self.fixed.replace(
                on_target_pay=pay if share is None else round_cents(pay * share)
            )
        return self.fixed

    def result(
        self, best: pd.Series, *, goal: float, original: float | None, warnings: list[str]
    ) -> CalibrationResult:
        """The calibration that chose ``best`` (a row of :meth:`tried`)."""
        value = float(best["param"])
        return CalibrationResult(
            param=self.param,
            metric=self.metric,
            goal=goal,
            value=value,
            achieved=float(best["metric"]),
            original=original,
            bounds=self.bounds,
            method="bracketing" if self.metric in STEP_METRICS else "brentq",
            scheme=self.base.set(self.param, value),
            evaluations=self.tried().sort_values("param", ignore_index=True),
            warnings=tuple(dict.fromkeys(warnings)),
            currency=self.currency,
        )

    def tried(self) -> pd.DataFrame:
        """Every value tried with a finite metric: ``param, metric``."""
        tried = pd.DataFrame({"param": list(self.cache), "metric": list(self.cache.values())})
        return tried[np.isfinite(tried["metric"])]


def _search(objective: _Objective, goal: float, *, start: float, grid: int) -> pd.Series:
    """The value tried whose metric came closest to the goal (``param``, ``metric``).

    A grid across the bounds first, then the bracket around the goal closest to ``start``.
    """
    lo, hi = objective.bounds
    xs = np.linspace(lo, hi, max(int(grid), 2))
    ys = np.array([objective(x) for x in xs])
    tol = _tolerance(objective.metric, goal)
    _check_reachable(objective.metric, objective.param, (lo, hi), ys, goal, tol, objective.currency)
    step = objective.metric in STEP_METRICS
    _narrow(objective, xs, ys, goal, tol, start=start, step=step)
    return _closest(objective.tried(), goal, tol, start)


def _check_reachable(
    metric, param, bounds, ys: np.ndarray, goal: float, tol: float, currency: str | None = None
) -> None:
    """The metric must be defined somewhere in the bounds, and the goal within its range."""
    lo, hi = bounds
    if not np.isfinite(ys).any():
        raise DefinitionError(
            f"{metric} is undefined (n/a) for every value of {param} in [{lo:g}, {hi:g}].\n"
            "Suggestion: choose another metric, or check that the data covers the scheme's KPIs."
        )
    y_min, y_max = float(np.nanmin(ys)), float(np.nanmax(ys))
    if goal < y_min - tol or goal > y_max + tol:
        raise DefinitionError(
            f"{metric} ranges from {format_metric(metric, y_min, currency)} to "
            f"{format_metric(metric, y_max, currency)} for {param} in [{lo:g}, {hi:g}]; "
            f"{format_metric(metric, goal, currency)} is outside.\n"
            "Suggestion: widen --bounds, or aim for a value inside that range."
        )


def _narrow(
    f: Callable[[float], float],
    xs: np.ndarray,
    ys: np.ndarray,
    goal: float,
    tol: float,
    *,
    start: float,
    step: bool,
) -> None:
    """Narrow the grid's bracket around the goal that is closest to ``start``.

    Nothing to do when a grid value already hits the goal or no bracket holds it; every
    value tried lands in ``f``'s cache.
    """
    finite = np.isfinite(ys)
    diff = ys - goal
    brackets = [
        i
        for i in range(len(xs) - 1)
        if finite[i] and finite[i + 1] and np.sign(diff[i]) != np.sign(diff[i + 1])
    ]
    if not brackets or np.any(np.abs(diff[finite]) <= tol):
        return
    i = min(brackets, key=lambda k: abs((xs[k] + xs[k + 1]) / 2 - start))
    a, b = float(xs[i]), float(xs[i + 1])
    width = float(xs[-1] - xs[0])
    if step:  # a share of employee-periods moves in steps: 17 halvings
        _bisect(f, a, b, goal, tol, xtol=width * 1e-5)
    else:
        # scipy takes seconds to import: only when a continuous metric is calibrated
        from scipy import optimize  # scipy loads only when calibrating

        optimize.brentq(
            lambda x: f(x) - goal, a, b, xtol=width * 1e-12, rtol=4 * np.finfo(float).eps
        )


def _bisect(f: Callable[[float], float], a: float, b: float, goal, tol, *, xtol) -> None:
    """Halve ``[a, b]`` towards the goal until the metric hits it or the bracket is narrow."""
    fa = f(a) - goal
    for _ in range(60):
        m = (a + b) / 2
        fm = f(m) - goal
        if not np.isfinite(fm) or abs(fm) <= tol or b - a <= xtol:
            break
        if np.sign(fm) == np.sign(fa):
            a, fa = m, fm
        else:
            b = m


def _closest(tried: pd.DataFrame, goal: float, tol: float, start: float) -> pd.Series:
    """The value tried whose metric came closest; ties go to the smallest change."""
    gap = (tried["metric"] - goal).abs()
    near = tried[gap <= gap.min() + tol * 1e-3]
    return near.loc[(near["param"] - start).abs().idxmin()]
