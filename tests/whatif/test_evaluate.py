"""The evaluator: prepare once per set of targets, compute on every change, as a direct run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpitools.engine import compute_metrics, prepare, run_scheme
from kpitools.scheme import load_scheme
from kpitools.whatif import resolve_template
from kpitools.whatif.evaluate import Evaluator, targets_key


@pytest.fixture(scope="module")
def scorecard():
    return load_scheme(resolve_template("weighted_scorecard.yaml"))


@pytest.fixture(scope="module")
def evaluator(demo_company):
    return Evaluator(demo_company.data)


def test_the_targets_key_ignores_pay_and_limits_and_follows_targets(scorecard):
    key = targets_key(scorecard)
    assert targets_key(scorecard.set("cap", 1.5)) == key
    assert targets_key(scorecard.set("budget", 1e6)) == key
    pay = {r: v * 2 for r, v in scorecard.on_target_pay.items()}
    assert targets_key(scorecard.set("on_target_pay", pay)) == key
    assert targets_key(scorecard.set("components.0.target.q", 0.5)) != key
    assert targets_key(scorecard.set("period", "quarter")) != key


def test_an_evaluation_is_a_direct_run(evaluator, scorecard, demo_company):
    now = evaluator.evaluate(scorecard)
    run = run_scheme(demo_company.data, scorecard)
    pd.testing.assert_series_equal(now.metrics, compute_metrics(run))
    totals = run.totals
    assert now.cost_by_period.sum() == pytest.approx(totals["payout"].sum(), abs=1e-6)
    by_period = totals.groupby(totals["period"].astype(str))["payout"].sum()
    pd.testing.assert_series_equal(
        now.cost_by_period, by_period.rename(None).rename_axis(None), check_names=False
    )
    by_employee = totals.groupby(totals["employee"].astype(str))["payout"].sum()
    got = pd.Series(now.by_employee, index=evaluator.employees)[now.evaluated]
    pd.testing.assert_series_equal(
        got.sort_index(), by_employee.sort_index(), check_names=False, check_index_type=False
    )
    assert now.prepared.n_employees == totals["employee"].nunique()


def test_a_pay_change_reuses_the_prepared_targets_and_pays_like_a_direct_run(
    evaluator, scorecard, demo_company
):
    pay = {r: round(v * 1.37, 2) for r, v in scorecard.on_target_pay.items()}
    scheme = scorecard.set("on_target_pay", pay)
    assert evaluator.prepared(scheme) is evaluator.prepared(scorecard)  # no new targets
    now = evaluator.evaluate(scheme)
    direct = prepare(demo_company.data, scheme)
    np.testing.assert_array_equal(now.inputs.on_target_pay, direct.on_target_pay)
    for got, want in zip(now.inputs.target, direct.target, strict=True):
        np.testing.assert_array_equal(got, want)
    pd.testing.assert_series_equal(
        now.metrics, compute_metrics(run_scheme(demo_company.data, scheme))
    )
    # back to the starting pay: the arrays prepared first, not a copy
    assert evaluator.evaluate(scorecard).inputs is evaluator.prepared(scorecard).inputs


def test_a_target_change_prepares_again_and_only_a_few_settings_are_kept(evaluator, scorecard):
    first = evaluator.prepared(scorecard)
    for q in np.linspace(0.40, 0.58, 10):
        evaluator.evaluate(scorecard.set("components.0.target.q", round(float(q), 2)))
    assert len(evaluator._cache) == 8
    again = evaluator.prepared(scorecard)
    assert again is not first  # dropped, prepared again to the same figures
    np.testing.assert_array_equal(again.inputs.target[0], first.inputs.target[0])
    np.testing.assert_array_equal(again.employee_code, first.employee_code)


def test_no_library_is_passed_on_as_false_not_as_the_shipped_one(demo_company):
    ev = Evaluator(demo_company.data, library=False)
    assert ev.library is None and ev.library_arg is False
    shipped = Evaluator(demo_company.data)
    assert shipped.library is not None and shipped.library_arg is shipped.library
