"""Calibrating one parameter (kpitools.engine.calibrate) so that a metric hits a value."""

from __future__ import annotations

import pytest
from simulation_cases import COMMISSION, CURVE, small_history

from kpitools.engine import METRICS, calibrate, simulate
from kpitools.errors import DefinitionError


@pytest.fixture
def small():
    return small_history()


def test_calibrate_total_cost_to_within_a_ruble(small):
    res = calibrate(
        small,
        COMMISSION,
        "components.0.commission.rate",
        "total_cost",
        300.0,
        (0.0, 1.0),
        library=False,
    )
    assert res.method == "brentq"
    assert res.value == pytest.approx(300.0 / 1120.0, abs=1e-4)
    assert abs(res.achieved - 300.0) <= 1.0 and res.exact
    assert res.original == 0.1 and res.bounds == (0.0, 1.0)
    assert res.scheme.components[0].commission.rate == res.value
    again = simulate(small, res.scheme, library=False).metrics.loc["C", "total_cost"]
    assert again == pytest.approx(res.achieved)


def test_calibrate_a_step_metric_finds_the_closest_achievable_share(small):
    res = calibrate(
        small,
        CURVE,
        "components.0.target.value",
        "pct_at_target",
        0.65,
        (10.0, 250.0),
        library=False,
    )
    # shares move in twelfths: 7/12 = 0.583 or 8/12 = 0.667; 8 actuals reach a target in (50, 60]
    assert res.method == "bracketing"
    assert res.achieved == pytest.approx(8 / 12)
    assert 50.0 < res.value <= 60.0
    assert not res.exact
    assert res.describe().splitlines()[1] == (
        "pct_at_target = 66.7% (goal 65.0%; the closest reachable: the metric jumps over the goal)"
    )


def test_calibrate_says_clearly_when_the_goal_is_out_of_reach(small):
    with pytest.raises(DefinitionError) as err:
        calibrate(
            small,
            COMMISSION,
            "components.0.commission.rate",
            "total_cost",
            2000.0,
            (0.0, 1.0),
            library=False,
        )
    assert str(err.value) == (
        "total_cost ranges from 0 to 1,120 for components.0.commission.rate in [0, 1]; "
        "2,000 is outside.\nSuggestion: widen --bounds, or aim for a value inside that range."
    )


def test_calibrate_default_bounds_and_bad_parameters(small):
    res = calibrate(
        small, COMMISSION, "components.0.commission.rate", "total_cost", 200.0, library=False
    )
    assert res.bounds == pytest.approx((0.0, 0.3))
    with pytest.raises(DefinitionError) as err:
        calibrate(small, COMMISSION, "name", "total_cost", 1.0, (0, 1), library=False)
    assert str(err.value) == (
        "--param 'name' is 'C', not a number.\n"
        "Suggestion: point --param at a number, such as components.0.target.rate or cap."
    )
    with pytest.raises(DefinitionError) as err:
        calibrate(small, COMMISSION, "cap", "total_cost", 1.0, (2, 1), library=False)
    assert str(err.value) == (
        "--bounds 2 1: the lower bound must be below the upper bound.\n"
        "Suggestion: pass --bounds LO HI with LO < HI."
    )
    with pytest.raises(DefinitionError) as err:
        calibrate(small, COMMISSION, "cap", "gini_index", 1.0, (1, 2), library=False)
    assert str(err.value) == (
        "Unknown metric 'gini_index'. Did you mean 'gini'?\n"
        "Suggestion: use one of " + ", ".join(METRICS) + "."
    )


def test_calibrate_bounds_the_scheme_refuses_are_reported_and_avoided(small):
    with pytest.raises(DefinitionError) as err:
        calibrate(small, CURVE, "cap", "total_cost", 50.0, (0.0, 3.0), library=False)
    assert str(err.value) == (
        "cap = 0 (inside --bounds 0 3) is not a valid scheme: scheme 'K' (after setting cap): "
        "cap: must be greater than 0, got 0.0.\n"
        "Suggestion: narrow --bounds to values the scheme accepts."
    )
    # without bounds: 0 to 3 × on-target pay, but on-target pay must be positive → from 1%
    res = calibrate(small, CURVE, "on_target_pay", "total_cost", 110.0, library=False)
    assert res.bounds == (0.1, 30.0)
    # 5.5 on-target pays in all (cents rounding makes 19.998…20.002 all pay 110.00)
    assert res.value == pytest.approx(20.0, abs=0.01) and abs(res.achieved - 110.0) <= 0.5
