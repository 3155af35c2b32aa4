"""The controls of a scheme: which levers each component kind gets, and what each one sets."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.scheme import load_scheme
from kpitools.whatif import ControlSpec, reweight, scheme_controls
from kpitools.whatif.component_controls import component_controls
from kpitools.whatif.control_spec import cents, money_range, nice_step

# One component of each kind the controls know, for the mapping tests (no data needed).
EVERY_KIND = {
    "name": "Every kind",
    "on_target_pay": 1000,
    "components": [
        {
            "kpi": "a",
            "weight": 0.4,
            "target": {"method": "fixed", "value": 10},
            "curve": {"points": [[0.9, 0.0], [0.9, 0.6], [1.0, 1.0], [1.3, 1.6]]},
        },
        {
            "kpi": "b",
            "weight": 0.3,
            "target": {"method": "growth", "rate": 0.1},
            "curve": {"steps": [[0.8, 0.5], [1.0, 1.0], [1.5, 1.5]]},
        },
        {
            "kpi": "c",
            "weight": 0.3,
            "target": {"method": "from_data"},
            "curve": {"linear": {"slope": 2.0, "threshold": 0.5, "cap": 3.0}},
        },
        {
            "kpi": "d",
            "target": {"method": "allocate", "total": 5000},
            "commission": {"tiers": [[0, 0.01], [1.0, 0.02]], "mode": "marginal"},
        },
        {"kpi": "e", "commission": {"rate": 0.05}},
    ],
}


def test_every_lever_of_every_component_kind_gets_a_named_control():
    specs = scheme_controls(load_scheme(EVERY_KIND))
    assert list(specs) == [
        "on_target_pay",
        "cap",
        "components.0.target",
        "components.0.threshold",
        "components.0.excellence",
        "components.0.cap",
        "components.0.weight",
        "components.1.target",
        "components.1.threshold",
        "components.1.excellence",
        "components.1.cap",
        "components.1.weight",
        "components.2.threshold",
        "components.2.excellence",
        "components.2.cap",
        "components.2.weight",
        "components.3.target",
        "components.3.excellence",
        "components.3.rate",
        "components.4.rate",
    ]
    assert [specs[n].changes_targets for n in specs].count(True) == 3


def _curve(scheme, i):
    return scheme.components[i].payout_rule


@pytest.mark.parametrize(
    ("name", "value", "read", "expected"),
    [
        ("on_target_pay", 1500.0, lambda s: s.on_target_pay, 1500.0),
        ("cap", 0.0, lambda s: s.cap, None),
        ("cap", 1.75, lambda s: s.cap, 1.75),
        ("components.0.target", 12.0, lambda s: s.components[0].target.value, 12.0),
        (
            "components.0.threshold",
            0.85,
            lambda s: _curve(s, 0).points,
            ((0.85, 0.0), (0.85, 0.6), (1.0, 1.0), (1.3, 1.6)),
        ),
        (
            "components.0.excellence",
            1.4,
            lambda s: _curve(s, 0).points,
            ((0.9, 0.0), (0.9, 0.6), (1.0, 1.0), (1.4, 1.6)),
        ),
        (
            "components.0.cap",
            2.0,
            lambda s: _curve(s, 0).points,
            ((0.9, 0.0), (0.9, 0.6), (1.0, 1.0), (1.3, 2.0)),
        ),
        ("components.1.target", 0.2, lambda s: s.components[1].target.rate, 0.2),
        (
            "components.1.threshold",
            0.7,
            lambda s: _curve(s, 1).steps,
            ((0.7, 0.5), (1.0, 1.0), (1.5, 1.5)),
        ),
        (
            "components.1.excellence",
            1.25,
            lambda s: _curve(s, 1).steps,
            ((0.8, 0.5), (1.0, 1.0), (1.25, 1.5)),
        ),
        ("components.2.threshold", 0.6, lambda s: _curve(s, 2).linear.threshold, 0.6),
        # excellence of a linear curve: where it reaches its cap, cap = slope × attainment
        ("components.2.excellence", 1.2, lambda s: _curve(s, 2).linear.cap, 2.4),
        ("components.2.cap", 2.0, lambda s: _curve(s, 2).linear.cap, 2.0),
        ("components.3.target", 8000.0, lambda s: s.components[3].target.total, 8000.0),
        ("components.3.excellence", 1.2, lambda s: _curve(s, 3).tiers, ((0, 0.01), (1.2, 0.02))),
        ("components.3.rate", 0.03, lambda s: _curve(s, 3).tiers, ((0, 0.01), (1.0, 0.03))),
        ("components.4.rate", 0.07, lambda s: _curve(s, 4).rate, 0.07),
    ],
)
def test_each_control_sets_one_value_and_leaves_the_scheme_it_came_from(
    name, value, read, expected
):
    scheme = load_scheme(EVERY_KIND)
    spec = scheme_controls(scheme)[name]
    new = spec.apply(scheme, value)
    assert read(new) == expected
    assert spec.read(new) == pytest.approx(value)
    assert scheme == load_scheme(EVERY_KIND)  # the original is untouched


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_value_a_control_allows_gives_a_valid_scheme_that_reads_it_back(data):
    scheme = load_scheme({**EVERY_KIND, "cap": 2.0, "budget": 1000, "pool": {"budget": 500}})
    specs = scheme_controls(scheme)
    name = data.draw(st.sampled_from(sorted(specs)))
    spec = specs[name]
    lo, hi = spec.bounds(scheme) if spec.bounds is not None else (spec.min, spec.max)
    value = data.draw(st.floats(lo, hi).map(lambda v: round(v, 4)).filter(lambda v: lo <= v <= hi))
    new = spec.apply(scheme, value)  # validated by the scheme itself: raises if invalid
    assert spec.read(new) == pytest.approx(value, abs=1e-9)
    # every other control still reads a value (the scheme stays explorable)
    assert all(math.isfinite(s.read(new)) for s in specs.values())


def test_a_weight_rescales_the_other_curve_weights_and_leaves_commissions_alone():
    scheme = load_scheme(EVERY_KIND)
    new = scheme_controls(scheme)["components.0.weight"].apply(scheme, 0.7)
    assert [c.weight for c in new.components] == [0.7, 0.15, 0.15, None, None]


def test_role_pay_has_a_scale_for_all_roles_and_a_control_per_role():
    scheme = load_scheme({**EVERY_KIND, "on_target_pay": {"rep": 100, "kam": 300}})
    specs = scheme_controls(scheme)
    assert [n for n in specs if n.startswith("on_target_pay")] == [
        "on_target_pay",
        "on_target_pay.rep",
        "on_target_pay.kam",
    ]
    scaled = specs["on_target_pay"].apply(scheme, 1.5)
    assert scaled.on_target_pay == {"rep": 150.0, "kam": 450.0}
    kam = specs["on_target_pay.kam"].apply(scaled, 500)
    assert kam.on_target_pay == {"rep": 150.0, "kam": 500.0}
    # the scale reads relative to the starting pay and rescales from where it stands
    assert specs["on_target_pay"].read(kam) == 1.5
    # 500 / 1.5 = 333.333…: pay is money, rounded to the cent
    assert specs["on_target_pay"].apply(kam, 1.0).on_target_pay == {"rep": 100.0, "kam": 333.33}


def test_a_pool_gets_a_control_for_its_budget():
    scheme = load_scheme({**EVERY_KIND, "pool": {"budget": 40000}})
    spec = scheme_controls(scheme)["pool"]
    assert (spec.value, spec.min, spec.max, spec.step) == (40000.0, 10000.0, 120000.0, 1000.0)
    assert spec.apply(scheme, 25000).pool.budget == 25000.0


def test_end_points_cannot_cross_their_neighbours():
    scheme = load_scheme(
        {**EVERY_KIND, "components": [{**EVERY_KIND["components"][0], "weight": 1.0}]}
    )
    specs = scheme_controls(scheme)
    assert specs["components.0.threshold"].bounds(scheme) == (0.0, 0.99)
    assert specs["components.0.excellence"].bounds(scheme) == (1.01, 3.0)
    # a single curve component has its weight fixed at 1: no weight control
    assert "components.0.weight" not in specs


@pytest.mark.parametrize(
    ("weights", "index", "value", "expected"),
    [
        ([0.6, 0.4, None], 0, 0.8, [0.8, 0.2, None]),
        ([0.5, 0.3, 0.2], 2, 0.5, [0.3125, 0.1875, 0.5]),
        ([1.0, 0.0, 0.0], 0, 0.5, [0.5, 0.25, 0.25]),
        ([0.5, 0.5], 1, 1.0, [0.0, 1.0]),
    ],
)
def test_reweight_worked_examples(weights, index, value, expected):
    assert reweight(weights, index, value) == pytest.approx(expected)


def test_reweight_shares_out_in_the_starting_proportions_when_the_others_are_zero():
    start = [0.5, 0.3, 0.2]
    assert reweight([1.0, 0.0, 0.0], 0, 0.6, start=start) == [0.6, 0.24, 0.16]  # 0.4 × 3/5, 2/5
    assert reweight([0.6, 0.3, 0.1], 0, 0.5, start=start) == [0.5, 0.375, 0.125]  # now's 3 : 1
    assert reweight([1.0, 0.0], 0, 0.5, start=[1.0, 0.0]) == [0.5, 0.5]  # equally: no proportions


@settings(max_examples=200, deadline=None)
@given(
    raw=st.lists(st.floats(0.0, 1.0), min_size=2, max_size=6).filter(lambda w: sum(w) > 0),
    index=st.integers(0, 5),
    value=st.floats(0.0, 1.0),
)
def test_reweight_keeps_the_sum_at_one_and_the_others_proportions(raw, index, value):
    total = math.fsum(raw)
    weights = [w / total for w in raw]
    index %= len(weights)
    out = reweight(weights, index, value)
    assert abs(math.fsum(out) - 1.0) <= 1e-9
    assert out[index] == value
    assert all(w >= 0 for w in out)
    # every scheme built with these weights passes the scheme's own check
    others = [j for j in range(len(weights)) if j != index]
    rest = math.fsum(weights[j] for j in others)
    if rest > 1e-6:
        for j in others:
            assert out[j] == pytest.approx((1 - value) * weights[j] / rest, abs=1e-9)


def test_component_controls_follow_what_each_component_has():
    scheme = load_scheme(
        {
            "name": "Odd kinds",
            "on_target_pay": 1000,
            "components": [
                {
                    "kpi": "a",
                    "weight": 1.0,
                    "target": {"method": "from_data"},
                    # goes on rising: no highest factor to move
                    "curve": {"points": [[0.5, 0.2], [1.0, 1.0]], "extrapolate": True},
                },
                {
                    "kpi": "b",
                    # tiers on amounts: no attainment to put an accelerator on
                    "commission": {"tiers": [[0, 0.01], [5000, 0.03]], "basis": "value"},
                },
            ],
        }
    )
    assert [c.name for c in component_controls(0, scheme.components[0])] == [
        "components.0.threshold",
        "components.0.excellence",
    ]
    rate = component_controls(1, scheme.components[1])
    assert [c.name for c in rate] == ["components.1.rate"]
    assert (rate[0].label, rate[0].value, rate[0].max) == ("top tier rate", 0.03, 0.1)
    new = rate[0].apply(scheme, 0.04)
    assert new.components[1].commission.tiers == ((0, 0.01), (5000, 0.04))


@pytest.mark.parametrize(
    ("span", "step"),
    [(0.5, 0.001), (3.0, 0.01), (110_000, 1000.0), (0.0, 0.01), (float("inf"), 0.01)],
)
def test_a_slider_step_is_about_a_hundredth_of_its_span(span, step):
    assert nice_step(span) == step


def test_an_amount_slides_from_a_quarter_to_three_times_it_on_a_round_step():
    assert money_range(40_000) == (10_000.0, 120_000.0, 1000.0)
    assert money_range(6) == (1.5, 18.0, 0.1)
    assert cents(44000.00000000001) == 44000.0


def test_a_control_spec_is_exported_and_frozen():
    spec = scheme_controls(load_scheme(EVERY_KIND))["cap"]
    assert isinstance(spec, ControlSpec)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.value = 2.0


def test_a_rated_components_sliders_are_scores_not_percentages():
    """``basis: score``: the curve reads the rating (1-5), so threshold and excellence are
    scores, shown as 3.0, stepped by 0.1; an attainment component beside it keeps percent."""
    scheme = load_scheme(
        {
            "name": "rated",
            "on_target_pay": 1000,
            "components": [
                {"kpi": "sales", "weight": 0.5, "target": 100,
                 "curve": {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]}},
                {"kpi": "objectives_rating", "weight": 0.5, "basis": "score",
                 "curve": {"points": [[2.0, 0.0], [3.0, 1.0], [5.0, 2.0]]}},
            ],
        }
    )  # fmt: skip
    controls = scheme_controls(scheme)
    rated = [controls["components.1.threshold"], controls["components.1.excellence"]]
    assert [(c.value, c.step, c.readout) for c in rated] == [(2.0, 0.1, ".1f"), (5.0, 0.1, ".1f")]
    assert [c.tooltip for c in rated] == [
        "score where pay starts (the curve's first point)",
        "score where the curve tops out (its last point)",
    ]
    plain = controls["components.0.threshold"]
    assert (plain.value, plain.readout) == (0.8, ".0%")
    assert plain.tooltip == "attainment where pay starts (the curve's first point)"
    moved = controls["components.1.threshold"].apply(scheme, 2.5)
    assert tuple(moved.components[1].curve.points[0]) == (2.5, 0.0)
