"""Payout curves: the points they are drawn through, and the plot with its key points marked."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from kpitools.errors import DefinitionError  # noqa: E402
from kpitools.plots import curve_factor, curve_points, plot_payout_curve  # noqa: E402
from kpitools.scheme import load_scheme  # noqa: E402


@pytest.fixture
def scheme():
    return load_scheme(
        {
            "name": "Scorecard",
            "on_target_pay": 40000,
            "components": [
                {
                    "kpi": "revenue",
                    "weight": 0.6,
                    "target": {"method": "fixed", "value": 100},
                    "curve": {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]},
                },
                {
                    "kpi": "new_clients",
                    "name": "clients",
                    "weight": 0.4,
                    "target": {"method": "fixed", "value": 4},
                    "curve": {"steps": [[0.9, 0.5], [1.0, 1.0], [1.2, 1.3]]},
                },
                {"kpi": "revenue", "commission": {"rate": 0.01}},
            ],
        }
    )


def test_payout_curve_draws_the_curve_and_marks_threshold_target_and_cap(scheme):
    ax = plot_payout_curve(scheme, 0, color="tab:blue")
    labels = [line.get_label() for line in ax.lines]
    assert labels == ["revenue", "threshold 80%", "target 100%", "excellence (cap) 150%"]
    curve = ax.lines[0]
    x, y = curve.get_xdata(), curve.get_ydata()
    assert x[-1] == pytest.approx(1.3 * 1.5)
    assert np.interp(0.9, x, y) == pytest.approx(0.75)  # halfway between 0.5 and 1.0
    assert y[np.searchsorted(x, 0.5)] == 0.0  # nothing below the threshold
    assert y[-1] == pytest.approx(2.0)  # capped
    assert [line.get_xdata()[0] for line in ax.lines[1:]] == [0.8, 1.0, 1.5]
    assert ax.get_title() == "Scorecard: revenue"
    assert ax.get_ylabel() == "payout factor (× weight × on-target pay)"


def test_step_curve_is_found_by_name_and_keeps_its_jumps(scheme):
    ax = plot_payout_curve(scheme, "clients")
    curve = ax.lines[0]
    x, y = curve.get_xdata(), curve.get_ydata()
    # both sides of the 1.0 step are on the grid
    assert y[np.flatnonzero(x < 1.0)[-1]] == 0.5 and y[np.flatnonzero(x >= 1.0)[0]] == 1.0
    assert ax.get_title() == "Scorecard: clients"


def test_commission_curve_is_pay_relative_to_target(scheme):
    ax = plot_payout_curve(scheme, 2)
    x, y = ax.lines[0].get_xdata(), ax.lines[0].get_ydata()
    np.testing.assert_allclose(y, x)  # a flat rate pays in proportion to attainment
    assert ax.get_ylabel() == "pay relative to pay at target"


def test_unknown_component_is_a_clear_error(scheme):
    with pytest.raises(DefinitionError) as err:
        plot_payout_curve(scheme, "revenu")
    assert str(err.value) == (
        "Scorecard: no component 'revenu'. Did you mean 'revenue'?\n"
        "Suggestion: use an index from 0 to 2 or one of 0, clients, 2, revenue, new_clients."
    )


def test_linear_curve_marks_its_threshold_and_where_the_cap_is_reached():
    scheme = load_scheme(
        {
            "name": "L",
            "on_target_pay": 100,
            "components": [
                {
                    "kpi": "meetings",
                    "weight": 1.0,
                    "target": {"method": "fixed", "value": 20},
                    "curve": {"linear": {"slope": 1.0, "threshold": 0.7, "cap": 1.5}},
                }
            ],
        }
    )
    ax = plot_payout_curve(scheme)
    assert [line.get_label() for line in ax.lines] == [
        "meetings",
        "threshold 70%",
        "target 100%",
        "excellence (cap) 150%",
    ]
    x, y = ax.lines[0].get_xdata(), ax.lines[0].get_ydata()
    assert y[np.flatnonzero(x < 0.7)[-1]] == 0.0 and y[np.flatnonzero(x >= 0.7)[0]] == 0.7
    assert y.max() == 1.5


def test_curve_points_keep_both_sides_of_every_jump_and_end_at_x_max(scheme):
    rule = scheme.components[1].payout_rule  # steps at 0.9, 1.0, 1.2
    x, y, axis = curve_points(rule, 2.0)
    assert axis == "attainment"
    assert x[0] == 0.0 and x[-1] == 2.0
    assert np.all(np.diff(x) > 0)
    for jump, below, above in ((0.9, 0.0, 0.5), (1.0, 0.5, 1.0), (1.2, 1.0, 1.3)):
        assert jump in x and jump - 1e-9 in x
        assert y[np.searchsorted(x, jump - 1e-9)] == below  # reaching a step qualifies
        assert y[np.searchsorted(x, jump)] == above
    np.testing.assert_array_equal(y, curve_factor(rule, x))


def test_commission_tiers_on_amounts_are_drawn_against_the_actual():
    scheme = load_scheme(
        {
            "name": "Value tiers",
            "on_target_pay": 100,
            "components": [
                {
                    "kpi": "revenue",
                    "commission": {"tiers": [[0, 0.01], [500, 0.02]], "basis": "value"},
                }
            ],
        }
    )
    rule = scheme.components[0].payout_rule
    x, y, axis = curve_points(rule, 2.0)
    assert axis == "actual"
    assert x[-1] == 750.0 and 500.0 in x  # 1.5 × the highest tier start, its start on the grid
    np.testing.assert_allclose(y, rule.evaluate(x))
    ax = plot_payout_curve(scheme, 0)
    assert ax.get_xlabel() == "revenue (actual)"
    assert ax.get_ylabel() == "commission"
    assert [line.get_label() for line in ax.lines] == ["revenue"]  # no attainment marks


@pytest.mark.parametrize(
    ("commission", "attainment", "expected"),
    [
        # a flat rate: pay in proportion to attainment, 1 at target
        ({"rate": 0.05}, [0.0, 0.5, 1.0, 2.0], [0.0, 0.5, 1.0, 2.0]),
        # marginal tiers: 0.01 up to target, 0.02 above; at 2× target 0.01 + 0.02 = 3× target pay
        (
            {"tiers": [[0, 0.01], [1.0, 0.02]]},
            [0.5, 1.0, 2.0],
            [0.5, 1.0, 3.0],
        ),
    ],
)
def test_curve_factor_of_a_commission_is_pay_relative_to_pay_at_target(
    commission, attainment, expected
):
    scheme = load_scheme(
        {
            "name": "C",
            "on_target_pay": 1,
            "components": [{"kpi": "a", "commission": commission, "target": 10}],
        }
    )
    got = curve_factor(scheme.components[0].payout_rule, attainment)
    np.testing.assert_allclose(got, expected)


def test_a_component_index_out_of_range_is_a_clear_error(scheme):
    with pytest.raises(DefinitionError) as err:
        plot_payout_curve(scheme, 3)
    assert str(err.value) == (
        "Scorecard: no component 3 (the scheme has 3).\nSuggestion: use an index from 0 to 2."
    )
