"""Evaluate a scheme on history, re-running only what a control change needs.

:class:`Evaluator` loads the data once and rolls them up once
(:func:`kpitools.engine.prepare_base`); a change of targets sets them again
(:func:`kpitools.engine.set_targets`, a few target settings cached); any other change only
re-runs the vectorised :func:`kpitools.engine.compute` on the prepared arrays (the fast
path). Each result is an :class:`Evaluation`: the engine's arrays and metrics, plus the
per-employee and per-period sums the explorer's figures need.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..data import load, resolve_library
from ..engine import (
    STEP_COLUMNS,
    compute,
    has_scope,
    load_inputs,
    metrics_from_arrays,
    needs_whole_run,
    on_target_pay_per_row,
    prepare,
    prepare_base,
    round_cents,
    run_scheme,
    set_targets,
)

__all__ = ["Evaluation", "Evaluator", "Prepared", "targets_key"]

_TARGET_CACHE = 8  # target settings kept: enough to go back and forth
_PAY_CACHE = 16  # on-target pay settings kept per target setting


@dataclass(frozen=True, eq=False)
class Prepared:
    """Prepared inputs of one set of targets, with the groupings the views need.

    Attributes
    ----------
    inputs : PayoutInputs
        What :func:`kpitools.engine.set_targets` gave for the targets.
    employee_code : numpy.ndarray
        Per row, the index into the evaluator's employee list.
    period_labels : numpy.ndarray
        One label per period code.
    n_employees : int
        Employees with at least one evaluated row.
    pay : dict
        ``repr(on_target_pay)`` → on-target pay per row, for each pay setting seen.
    """

    inputs: Any
    employee_code: np.ndarray
    period_labels: np.ndarray
    n_employees: int
    pay: dict[str, np.ndarray]


@dataclass(frozen=True, eq=False)
class Evaluation:
    """One scheme evaluated on the prepared data: arrays, metrics and per-employee totals.

    Attributes
    ----------
    scheme : Scheme
    prepared : Prepared
    inputs : PayoutInputs
        The prepared inputs with this scheme's on-target pay.
    arrays : PayoutArrays
        Every intermediate of :func:`kpitools.engine.compute`.
    metrics : pandas.Series
        The metrics (docs/commands.md).
    by_employee : numpy.ndarray
        Total payout per employee of the evaluator's list.
    evaluated : numpy.ndarray
        Per employee: evaluated under this scheme.
    cost_by_period : pandas.Series
        Total payout per period label.
    multiple : numpy.ndarray
        Payout ÷ on-target pay per employee-period.
    """

    scheme: Any
    prepared: Prepared
    inputs: Any
    arrays: Any
    metrics: Any
    by_employee: np.ndarray
    evaluated: np.ndarray
    cost_by_period: Any
    multiple: np.ndarray


def targets_key(scheme: Any) -> str:
    """What :func:`kpitools.engine.set_targets` depends on in a scheme (not the pay).

    Two schemes with the same key get the same targets, rows and skipped periods.

    Examples
    --------
    >>> from kpitools.scheme import load_scheme
    >>> s = load_scheme({"name": "s", "on_target_pay": 1, "components": [
    ...     {"kpi": "a", "weight": 1, "target": 5, "curve": {"steps": [[1.0, 1.0]]}}]})
    >>> targets_key(s) == targets_key(s.set("cap", 2.0))
    True
    >>> targets_key(s) == targets_key(s.set("components.0.target.value", 6))
    False
    """
    items = [*scheme.components, *scheme.gates, *scheme.modifiers]
    parts = [
        [
            it.kpi,
            it.target.model_dump(mode="json") if it.target is not None else None,
            it.direction,
            it.baseline,
            getattr(getattr(it, "commission", None), "needs_target", None),
        ]
        for it in items
    ]
    roles = list(scheme.roles) if getattr(scheme, "roles", None) is not None else None
    # how payments run over time shapes the prepared timeline (contract §9)
    timing = [_dump(getattr(scheme, k, None)) for k in ("true_up", "draw", "clawback")]
    timing.append(getattr(scheme, "fiscal_year_start", None))
    return json.dumps([scheme.period, scheme.revenue_kpi, roles, parts, timing], sort_keys=True)


def _dump(part: Any) -> Any:
    return part.model_dump(mode="json") if part is not None else None


def _keep_at_most(cache: dict, size: int) -> None:
    """Make room for one more entry: drop the oldest while the cache is full."""
    while len(cache) >= size:
        cache.pop(next(iter(cache)))


class Evaluator:
    """Prepare once per set of targets, compute on every change (the fast path).

    Parameters
    ----------
    data : DataFrame or path
        Historical data (loaded with :func:`kpitools.data.load`).
    periods : str, optional
        Periods to evaluate, ``"FROM..TO"``.
    library : Library, path or False, optional
        KPI library (:func:`kpitools.data.resolve_library`: None is the shipped one).
    roster : Roster, path or DataFrame, optional
        Who is who, as for :func:`kpitools.simulate` (joined with
        :func:`kpitools.engine.load_inputs`): pay per person and proration.

    Attributes
    ----------
    table : DataFrame
        The loaded long table (joined with the roster).
    roster : Roster or None
        The loaded roster.
    library : Library or None
        The resolved library.
    library_arg : Library or False
        What to pass on as ``library=`` for the same library (False for none: None would
        mean the shipped one again).
    employees : pandas.Index
        Every employee of the data, in order of appearance.
    """

    def __init__(self, data: Any, *, periods: Any = None, library: Any = None, roster: Any = None):
        self.library = resolve_library(library)
        self.library_arg = self.library if self.library is not None else False
        self.roster = None
        if roster is None:
            self.table = load(data, library=self.library_arg)
        else:
            self.table, notes, self.roster = load_inputs(
                data, library=self.library_arg, roster=roster
            )
            for note in notes:
                warnings.warn(note, UserWarning, stacklevel=3)
        self.periods = periods
        people = pd.unique(self.table["employee"].astype(str))
        if self.roster is not None:  # managers paid on their teams may have no rows
            listed = self.roster.table["employee"].astype(str)
            people = np.concatenate([people, listed[~listed.isin(people)].to_numpy()])
        self.employees = pd.Index(people)
        self._cache: dict[str, Prepared] = {}
        self._base: Any = None  # the roll-up (PreparedData): kept across target changes
        self._rows: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}  # codes, labels per selection

    def _base_for(self, scheme: Any) -> Any:
        """The roll-up for a scheme: the one kept, unless the scheme needs another."""
        if self._base is None or not self._base.fits(scheme):
            self._base = prepare_base(
                self.table, scheme, periods=self.periods, library=self.library_arg,
                roster=self.roster,
            )  # fmt: skip
            self._rows = {}
        return self._base

    def _groupings(self, inputs: Any) -> tuple[np.ndarray, np.ndarray]:
        """Employee codes and period labels of the rows (reused for the same selection)."""
        # The same skipped periods select the same rows of the base: their employee codes
        # and period labels are reused (no text handled on a target change).
        rows_key = tuple(inputs.skipped["period"])
        if rows_key not in self._rows:
            self._rows[rows_key] = self._codes_and_labels(inputs)
        return self._rows[rows_key]

    def _codes_and_labels(self, inputs: Any) -> tuple[np.ndarray, np.ndarray]:
        """Each row's index into :attr:`employees`, and the label of each period code."""
        emp = inputs.keys["employee"].astype(str).to_numpy()
        labels = (
            pd.Series(inputs.keys["period"].astype(str).to_numpy())
            .groupby(inputs.period_code)
            .first()
            .to_numpy()
        )
        return self.employees.get_indexer(emp), labels

    def _with_targets(self, scheme: Any) -> Any:
        """The scheme's inputs, its targets set on the kept roll-up.

        Team and manager pay (``scope``) sums each group from its members' rows, so such a
        scheme is prepared in full (slower on a change, the same numbers as a simulation).
        """
        if has_scope(scheme):
            return prepare(
                self.table, scheme, periods=self.periods, library=self.library_arg,
                roster=self.roster,
            )  # fmt: skip
        return set_targets(self._base_for(scheme), scheme)

    def _pay_of(self, scheme: Any, inputs: Any) -> np.ndarray:
        """The scheme's on-target pay of each prepared row.

        Team and manager pay is computed on the rows at hand (prorated as they were): its
        rows come from the members', which a full preparation would sum again for nothing.
        """
        if not has_scope(scheme):  # set_targets on the kept roll-up is the cheap way here
            return set_targets(self._base_for(scheme), scheme).on_target_pay
        keys = inputs.keys
        otp = on_target_pay_per_row(
            scheme, keys, bool(keys["role"].notna().any()), roster=self.roster
        )
        return otp if inputs.proration is None else round_cents(otp * inputs.proration)

    def prepared(self, scheme: Any) -> Prepared:
        """The prepared inputs of the scheme's targets (cached per :func:`targets_key`)."""
        key = targets_key(scheme)
        if key not in self._cache:
            inputs = self._with_targets(scheme)
            code, labels = self._groupings(inputs)
            _keep_at_most(self._cache, _TARGET_CACHE)
            self._cache[key] = Prepared(
                inputs=inputs,
                employee_code=code,
                period_labels=labels,
                n_employees=int(np.unique(code).size),
                pay={repr(scheme.on_target_pay): inputs.on_target_pay},
            )
        return self._cache[key]

    def _inputs_with_pay(self, prep: Prepared, scheme: Any) -> Any:
        """The prepared inputs with the scheme's on-target pay per row."""
        pay = repr(scheme.on_target_pay)
        if pay not in prep.pay:
            _keep_at_most(prep.pay, _PAY_CACHE)
            # The same targets (same key), so only the pay differs from prep.inputs.
            prep.pay[pay] = self._pay_of(scheme, prep.inputs)
        if prep.pay[pay] is prep.inputs.on_target_pay:
            return prep.inputs
        return prep.inputs.replace(on_target_pay=prep.pay[pay])

    def evaluate(self, scheme: Any) -> Evaluation:
        """Compute a scheme's payouts and metrics on the prepared data.

        A scheme with a ``clawback`` on data that restate values (an ``as_of`` column) is
        run in full (:func:`kpitools.engine.run_scheme`): each restatement is paid or
        clawed back in its own period, which the prepared arrays alone cannot tell. So is a
        scheme paid over time when ``periods`` starts after periods its payments depend on.

        Raises
        ------
        KpitoolsError
            What :func:`kpitools.engine.prepare` raises for this data and scheme.
        """
        if needs_whole_run(scheme, self.periods, self.table):
            return self._evaluate_run(scheme)
        prep = self.prepared(scheme)
        inputs = self._inputs_with_pay(prep, scheme)
        return self._evaluation(scheme, prep, inputs, compute(scheme, inputs))

    def _evaluate_run(self, scheme: Any) -> Evaluation:
        """The slow path: a full run, for restatements paid or clawed back."""
        run = run_scheme(
            self.table, scheme, periods=self.periods, library=self.library_arg,
            roster=self.roster,
        )  # fmt: skip
        code, labels = self._codes_and_labels(run.inputs)
        prep = Prepared(
            inputs=run.inputs,
            employee_code=code,
            period_labels=labels,
            n_employees=int(np.unique(code).size),
            pay={},
        )
        return self._evaluation(scheme, prep, run.inputs, run.arrays)

    def _evaluation(self, scheme: Any, prep: Prepared, inputs: Any, arrays: Any) -> Evaluation:
        """The evaluation of computed arrays: metrics and the sums the figures need."""
        size = len(self.employees)
        n_periods = len(prep.period_labels)
        cost = np.bincount(inputs.period_code, weights=arrays.payout, minlength=n_periods)
        with np.errstate(divide="ignore", invalid="ignore"):
            multiple = arrays.payout / inputs.on_target_pay
        return Evaluation(
            scheme=scheme,
            prepared=prep,
            inputs=inputs,
            arrays=arrays,
            metrics=metrics_from_arrays(scheme, inputs, arrays),
            by_employee=np.bincount(prep.employee_code, weights=arrays.payout, minlength=size),
            evaluated=np.bincount(prep.employee_code, minlength=size) > 0,
            cost_by_period=pd.Series(cost, index=prep.period_labels),
            multiple=multiple,
        )

    def payments(self, evaluation: Evaluation, employee: str) -> pd.DataFrame:
        """One employee's way from earned to paid, a row per evaluated period (contract §9).

        Columns ``period``, ``proration`` (when the run prorates), ``on_target_pay``, then
        the steps of :data:`kpitools.engine.STEP_COLUMNS` (``earned`` … ``payment``) for a
        scheme that pays over time, else ``payment`` alone (what each period earned).
        """
        index = self.employees.get_loc(employee) if employee in self.employees else -1
        inputs, arrays = evaluation.inputs, evaluation.arrays
        rows = np.flatnonzero(evaluation.prepared.employee_code == index)
        rows = rows[np.argsort(inputs.period_code[rows], kind="stable")]
        out = {"period": evaluation.prepared.period_labels[inputs.period_code[rows]]}
        if inputs.proration is not None:
            out["proration"] = inputs.proration[rows]
        out["on_target_pay"] = inputs.on_target_pay[rows]
        if arrays.steps is not None:
            out.update({c: np.asarray(getattr(arrays.steps, c))[rows] for c in STEP_COLUMNS})
        else:
            out["payment"] = arrays.payout[rows]
        return pd.DataFrame(out)
