"""What-if explorers driven from code: controls, metrics against a direct run, save, notebooks."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.demo import make_demo_company
from kpitools.design import load_design, run_checks
from kpitools.engine import compute_metrics, prepare, run_scheme
from kpitools.errors import KpitoolsError
from kpitools.scheme import load_scheme
from kpitools.whatif import (
    GoalExplorer,
    SchemeExplorer,
    reweight,
    scheme_controls,
    with_assumption,
)

ROOT = Path(__file__).resolve().parents[1]

# Three weighted components (a jump, steps, a linear curve), target methods that need the
# data (percentile) and one that does not (fixed), role pay, a cap and a budget.
SCORECARD = {
    "name": "Test scorecard",
    "period": "month",
    "currency": "RUB",
    "on_target_pay": {"sales_rep": 40000, "key_account_manager": 60000},
    "revenue_kpi": "revenue",
    "components": [
        {
            "kpi": "gross_margin",
            "weight": 0.5,
            "target": {"method": "percentile", "q": 0.6, "of": "peers", "window": 12},
            "curve": {"points": [[0.9, 0.0], [0.9, 0.6], [1.0, 1.0], [1.3, 1.6]]},
        },
        {
            "kpi": "won_deals",
            "weight": 0.3,
            "target": {"method": "fixed", "value": 6},
            "curve": {"steps": [[0.8, 0.5], [1.0, 1.0], [1.5, 1.5]]},
        },
        {
            "kpi": "meetings",
            "weight": 0.2,
            "target": {"method": "percentile", "q": 0.6, "of": "peers", "window": 6},
            "curve": {"linear": {"slope": 1.0, "threshold": 0.7, "cap": 1.5}},
        },
    ],
    "cap": 2.5,
    "budget": 1_800_000,
}

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


# --------------------------------------------------------------------------- control mapping
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
    scheme = load_scheme({**SCORECARD, "on_target_pay": {"rep": 100, "kam": 300}})
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


# --------------------------------------------------------------------------- the explorer
@pytest.fixture(scope="module")
def company():
    return make_demo_company(n_employees=24, months=24)


@pytest.fixture(scope="module")
def shared(company):
    return SchemeExplorer(company.data, SCORECARD)


@pytest.fixture
def ex(shared):
    shared.reset()
    assert shared.scheme == shared.start_scheme
    return shared


def _direct(company, scheme) -> pd.Series:
    return compute_metrics(run_scheme(company.data, scheme))


def test_the_explorer_shows_the_start_scheme_as_a_direct_run_does(ex, company):
    pd.testing.assert_series_equal(ex.metrics, _direct(company, load_scheme(SCORECARD)))
    assert list(ex.controls) == list(scheme_controls(load_scheme(SCORECARD), budget_max=1))
    assert all(c.continuous_update is False for c in ex.controls.values())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("cap", 1.2),
        ("on_target_pay", 1.3),
        ("on_target_pay.key_account_manager", 90000.0),
        ("budget", 500000.0),
        ("components.0.threshold", 0.95),
        ("components.0.excellence", 1.5),
        ("components.1.weight", 0.6),
        ("components.1.target", 4.0),
        ("components.2.cap", 1.1),
        ("components.0.target", 0.4),  # percentile: prepared again
    ],
)
def test_setting_a_control_from_code_updates_metrics_like_a_direct_run(ex, company, name, value):
    before = ex.metrics
    ex.controls[name].value = value
    assert ex.error is None
    assert ex.controls[name].value == pytest.approx(value)
    assert ex.specs[name].read(ex.scheme) == pytest.approx(value)
    pd.testing.assert_series_equal(ex.metrics, _direct(company, ex.scheme))
    assert not ex.metrics.equals(before)


def test_several_changes_add_up_and_reset_goes_back(ex, company):
    ex.controls["components.0.target"].value = 0.5
    ex.controls["cap"].value = 1.5
    ex.controls["components.2.weight"].value = 0.4
    assert ex.scheme.cap == 1.5
    assert ex.scheme.components[0].target.q == 0.5
    assert [c.weight for c in ex.scheme.components] == pytest.approx([0.375, 0.225, 0.4])
    pd.testing.assert_series_equal(ex.metrics, _direct(company, ex.scheme))
    ex.reset()
    assert ex.scheme == ex.start_scheme
    pd.testing.assert_series_equal(ex.metrics, ex.start_metrics)
    assert ex.controls["components.2.weight"].value == 0.2


def test_a_weight_control_moves_the_other_weight_controls(ex):
    ex.controls["components.0.weight"].value = 0.7
    shown = [ex.controls[f"components.{i}.weight"].value for i in range(3)]
    assert shown == pytest.approx([0.7, 0.18, 0.12])


def test_moving_an_end_point_moves_the_limit_of_the_other(company):
    one = {
        **SCORECARD,
        "components": [
            {
                "kpi": "gross_margin",
                "weight": 1.0,
                "target": {"method": "percentile", "q": 0.6, "of": "peers", "window": 12},
                "curve": {"points": [[0.8, 0.5], [1.2, 1.5]]},
            }
        ],
    }
    ex = SchemeExplorer(company.data, one)
    assert ex.controls["components.0.threshold"].max == pytest.approx(1.19)
    ex.controls["components.0.excellence"].value = 1.0
    assert ex.controls["components.0.threshold"].max == pytest.approx(0.99)
    ex.controls["components.0.threshold"].value = 0.95
    assert ex.controls["components.0.excellence"].min == pytest.approx(0.96)
    assert ex.scheme.components[0].curve.points == ((0.95, 0.5), (1.0, 1.5))


def test_a_value_the_data_cannot_take_is_refused_with_the_reason(ex, company):
    before = ex.metrics
    bad = ex.scheme.set("components.0.target.q", 0.0)
    with pytest.raises(KpitoolsError) as info:
        prepare(company.data, bad)
    ex.controls["components.0.target"].value = 0.0
    assert ex.error == str(info.value)
    assert ex.controls["components.0.target"].value == 0.6
    assert ex.scheme == ex.start_scheme
    pd.testing.assert_series_equal(ex.metrics, before)
    assert "That value cannot be used; the control went back." in ex._status.value
    ex.controls["cap"].value = 2.0  # the next good change clears the error
    assert ex.error is None


def test_the_display_follows_every_change(ex):
    images = {k: bytes(img.value) for k, img in ex._images.items()}
    assert all(v.startswith(b"\x89PNG") for v in images.values())
    ex.controls["components.0.threshold"].value = 0.8
    cost = f"{ex.metrics['total_cost']:,.0f} RUB"
    assert f"<b class='kpitools-total-cost-value'>{cost}</b>" in ex._headline.value
    changed = [k for k, img in ex._images.items() if bytes(img.value) != images[k]]
    assert changed == ["curve", "dist", "cost", "wl"]
    wl = ex.winners_losers
    gains, losses = int((wl["outcome"] == "winner").sum()), int((wl["outcome"] == "loser").sum())
    assert ex._captions["wl"].value == (
        "<b>Winners and losers against the start</b>: "
        f"{gains} gain, {losses} lose, {len(wl) - gains - losses} unchanged"
    )
    # a change that leaves the curves alone does not redraw them
    curve = bytes(ex._images["curve"].value)
    ex.controls["budget"].value = 900000.0
    assert bytes(ex._images["curve"].value) == curve


def test_winners_and_losers_add_up_to_the_change_in_cost(ex):
    ex.controls["components.1.threshold"].value = 0.6
    wl = ex.winners_losers
    assert list(wl.columns) == ["employee", "start_total", "total", "difference", "outcome"]
    assert wl["difference"].sum() == pytest.approx(
        ex.metrics["total_cost"] - ex.start_metrics["total_cost"], abs=0.01
    )
    assert (wl["outcome"] == "winner").sum() > 0  # a lower threshold pays more people
    assert (wl["outcome"] == "loser").sum() == 0


def test_the_budget_control_moves_the_budget_variance(ex):
    ex.controls["budget"].value = 600000.0
    n_periods = ex.run().totals["period"].nunique()
    planned = 600000.0 * n_periods
    expected = (ex.metrics["total_cost"] - planned) / planned
    assert ex.metrics["budget_variance"] == pytest.approx(expected, rel=1e-12)


def test_saved_scheme_simulates_to_the_same_cost_to_the_cent(ex, company, tmp_path):
    ex.controls["components.0.target"].value = 0.55
    ex.controls["components.1.weight"].value = 0.45
    ex.controls["components.2.excellence"].value = 1.7
    ex.controls["cap"].value = 1.8
    path = ex.save(tmp_path / "whatif.yaml")
    assert path == tmp_path / "whatif.yaml"
    again = load_scheme(path)
    assert again == ex.scheme
    cost = run_scheme(company.data, again).totals["payout"].sum()
    assert round(cost, 2) == round(ex.metrics["total_cost"], 2)


def test_saved_scheme_gives_the_same_cost_through_kpitools_simulate(ex, company, tmp_path):
    from kpitools.cli import main
    from kpitools.data import save

    ex.controls["components.1.target"].value = 5.0
    ex.controls["on_target_pay"].value = 0.9
    data = save(company.data, tmp_path / "data.csv")
    scheme = ex.save(tmp_path / "whatif.yaml")
    code = main(["simulate", "--data", str(data), "--scheme", str(scheme), "--out", str(tmp_path)])
    assert code == 0
    metrics = pd.read_csv(tmp_path / "metrics.csv")
    assert round(float(metrics.loc[0, "total_cost"]), 2) == round(ex.metrics["total_cost"], 2)


def test_the_save_button_writes_the_file_named_next_to_it(ex, tmp_path):
    ex.controls["cap"].value = 1.6
    ex._save_path.value = str(tmp_path / "from_button.yaml")
    ex._save_button.click()
    assert load_scheme(tmp_path / "from_button.yaml").cap == 1.6
    assert ex._status.value == f"Saved the scheme to <code>{tmp_path / 'from_button.yaml'}</code>."
    # a folder where the file should be: the reason is shown, nothing is written
    ex._save_path.value = str(tmp_path)
    ex._save_button.click()
    assert ex._status.value == (
        f"<span style='color:#b00'>Not saved: cannot write {tmp_path} (Is a directory). "
        "Suggestion: choose another file name.</span>"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["from_button.yaml"]


def test_the_saved_scheme_reads_like_a_template_with_no_float_noise(ex, company, tmp_path):
    # 40000 × 1.1 is 44000.00000000001 in floats, and a slider in the browser sends
    # 0.8500000000000001: the file has the numbers a consultant typed, keys in template order
    ex.controls["on_target_pay"].value = 1.1
    ex.controls["components.0.threshold"].value = 0.8500000000000001
    ex.controls["components.1.weight"].value = 0.35  # 0.5 : 0.2 share the other 0.65
    ex.controls["components.2.excellence"].value = 1.7  # linear slope 1: cap 1.7
    path = ex.save(tmp_path / "whatif.yaml")
    assert path.read_text() == (
        "name: Test scorecard\n"
        "period: month\n"
        "currency: RUB\n"
        "on_target_pay:\n"
        "  sales_rep: 44000\n"
        "  key_account_manager: 66000\n"
        "revenue_kpi: revenue\n"
        "components:\n"
        "  - kpi: gross_margin\n"
        "    weight: 0.4642857143\n"  # 0.65 × 0.5 / 0.7
        "    target: {method: percentile, q: 0.6, of: peers, window: 12}\n"
        "    curve: {points: [[0.85, 0.0], [0.85, 0.6], [1.0, 1.0], [1.3, 1.6]]}\n"
        "  - kpi: won_deals\n"
        "    weight: 0.35\n"
        "    target: {method: fixed, value: 6}\n"
        "    curve: {steps: [[0.8, 0.5], [1.0, 1.0], [1.5, 1.5]]}\n"
        "  - kpi: meetings\n"
        "    weight: 0.1857142857\n"  # 0.65 × 0.2 / 0.7
        "    target: {method: percentile, q: 0.6, of: peers, window: 6}\n"
        "    curve: {linear: {slope: 1.0, threshold: 0.7, cap: 1.7}}\n"
        "cap: 2.5\n"
        "budget: 1800000\n"
    )
    again = load_scheme(path)
    assert again == ex.scheme
    assert round(_direct(company, again)["total_cost"], 2) == round(ex.metrics["total_cost"], 2)


def test_saved_commission_tiers_show_amounts_without_decimals():
    scheme = load_scheme(
        {
            "name": "Margin commission",
            "on_target_pay": 30000.0,
            "components": [
                {
                    "kpi": "gross_margin",
                    "commission": {
                        "tiers": [[0, 0.01], [500000.0, 0.020000000000000004]],
                        "basis": "value",
                        "mode": "retroactive",
                    },
                }
            ],
        }
    )
    assert scheme.to_yaml() == (
        "name: Margin commission\n"
        "period: month\n"
        "on_target_pay: 30000\n"
        "components:\n"
        "  - kpi: gross_margin\n"
        "    commission: {tiers: [[0, 0.01], [500000, 0.02]], basis: value, mode: retroactive}\n"
    )
    assert (
        load_scheme(yaml.safe_load(scheme.to_yaml())).to_dict()
        == load_scheme(
            {
                **scheme.to_dict(),
                "components": [
                    {
                        **scheme.to_dict()["components"][0],
                        "commission": {
                            "tiers": [[0, 0.01], [500000, 0.02]],
                            "basis": "value",
                            "mode": "retroactive",
                        },
                    }
                ],
            }
        ).to_dict()
    )


def test_role_pay_scaled_and_back_is_the_starting_pay_to_the_cent(ex):
    ex.controls["on_target_pay"].value = 1.1
    assert ex.scheme.on_target_pay == {"sales_rep": 44000.0, "key_account_manager": 66000.0}
    ex.controls["on_target_pay"].value = 0.37
    assert ex.scheme.on_target_pay == {"sales_rep": 14800.0, "key_account_manager": 22200.0}
    ex.controls["on_target_pay"].value = 1.0
    assert ex.scheme == ex.start_scheme
    assert ex.metrics.equals(ex.start_metrics)


def test_a_weight_to_100_percent_and_back_restores_the_other_weights(ex):
    ex.controls["components.0.weight"].value = 1.0
    assert [c.weight for c in ex.scheme.components] == [1.0, 0.0, 0.0]
    assert [ex.controls[f"components.{i}.weight"].value for i in range(3)] == [1.0, 0.0, 0.0]
    # the others share the rest as they did at the start (0.3 : 0.2), not equally
    ex.controls["components.0.weight"].value = 0.5
    assert [c.weight for c in ex.scheme.components] == [0.5, 0.3, 0.2]
    assert ex.scheme == ex.start_scheme
    assert ex.metrics.equals(ex.start_metrics)
    ex.controls["components.0.weight"].value = 1.0
    ex.controls["components.0.weight"].value = 0.75
    assert [c.weight for c in ex.scheme.components] == [0.75, 0.15, 0.1]  # 0.25 × 3/5, × 2/5


def test_the_curve_plot_marks_threshold_target_and_excellence_of_the_current_scheme(ex):
    def marks():
        return [(m.get_xdata().tolist(), m.get_ydata().tolist()) for m in ex._views.curve_marks]

    assert marks() == [
        ([0.9, 1.0, 1.3], [0.6, 1.0, 1.6]),  # a jump at 90%: the factor reached there
        ([0.8, 1.0, 1.5], [0.5, 1.0, 1.5]),
        ([0.7, 1.0, 1.5], [0.7, 1.0, 1.5]),  # linear slope 1, cap 1.5: tops out at 150%
    ]
    ex.controls["components.0.threshold"].value = 0.85
    ex.controls["components.1.excellence"].value = 1.8
    ex.controls["components.2.excellence"].value = 1.2
    assert marks() == [
        ([0.85, 1.0, 1.3], [0.6, 1.0, 1.6]),
        ([0.8, 1.0, 1.8], [0.5, 1.0, 1.5]),
        ([0.7, 1.0, 1.2], [0.7, 1.0, 1.2]),
    ]
    ex.reset()
    assert marks()[0] == ([0.9, 1.0, 1.3], [0.6, 1.0, 1.6])


def test_a_linear_threshold_and_excellence_cannot_cross(ex):
    # component 2: linear slope 1, threshold 70%, cap 1.5, so excellence at 150%
    thr, exc = ex.controls["components.2.threshold"], ex.controls["components.2.excellence"]
    assert (thr.min, thr.max) == (0.0, 1.49)
    assert (exc.min, exc.max) == (0.71, 3.0)
    thr.value = 1.8  # past the excellence point: held at 149%
    assert ex.scheme.components[2].curve.linear.threshold == 1.49
    assert (exc.min, exc.max) == (1.5, 3.0)
    exc.value = 1.2  # below the threshold now: held at 150%
    assert ex.scheme.components[2].curve.linear.cap == 1.5
    thr.value = 0.7
    exc.value = 1.2
    assert ex.scheme.components[2].curve.linear.cap == 1.2  # 1.2 × slope 1
    assert (thr.min, thr.max) == (0.0, 1.19)
    assert ex.error is None


def test_the_back_button_returns_to_the_start(ex):
    ex.controls["components.1.threshold"].value = 0.6
    ex._reset_button.click()
    assert ex.scheme.to_dict() == ex.start_scheme.to_dict()
    assert ex.controls["components.1.threshold"].value == 0.8


def test_a_scheme_file_that_is_not_there_is_named(company, tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(KpitoolsError) as info:
        SchemeExplorer(company.data, missing)
    assert str(info.value) == (
        f"{missing}: scheme file not found.\nSuggestion: check the path "
        f"(working folder: {Path.cwd()}); for an example see "
        "templates/schemes/tiered_accelerator.yaml."
    )


def test_repr_names_the_scheme_and_both_costs(ex):
    ex.controls["cap"].value = 1.0
    now, start = ex.metrics["total_cost"], ex.start_metrics["total_cost"]
    assert repr(ex) == (
        f"<SchemeExplorer 'Test scorecard': 20 controls, total cost {now:,.0f} RUB "
        f"(start {start:,.0f} RUB)>"
    )


def test_the_explorer_displays_as_its_widget(ex):
    bundle = ex._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == ex.widget.model_id


def test_a_commission_only_scheme_with_a_pool_is_explored_like_any_other(company):
    commission = {
        "name": "Margin commission",
        "on_target_pay": 30000,
        "components": [{"kpi": "gross_margin", "commission": {"rate": 0.25}}],
        "pool": {"budget": 300000},
    }
    ex = SchemeExplorer(company.data, commission)
    assert list(ex.controls) == ["on_target_pay", "cap", "budget", "pool", "components.0.rate"]
    ex.controls["components.0.rate"].value = 0.2
    ex.controls["pool"].value = 200000
    assert (ex.scheme.components[0].commission.rate, ex.scheme.pool.budget) == (0.2, 200000)
    pd.testing.assert_series_equal(ex.metrics, _direct(company, ex.scheme))
    per_period = ex.run().totals.groupby("period")["payout"].sum()
    assert (per_period.round(2) == 200000.0).all()  # every month pays the whole pool


def test_the_explorer_reads_a_data_file_and_a_scheme_file(company, tmp_path):
    from kpitools.data import save

    data = save(company.data, tmp_path / "data.csv")
    scheme = load_scheme(SCORECARD).to_yaml(tmp_path / "s.yaml")
    assert scheme.startswith("name: Test scorecard")
    ex = SchemeExplorer(data, tmp_path / "s.yaml")
    assert ex.metrics["total_cost"] == pytest.approx(
        _direct(company, load_scheme(SCORECARD))["total_cost"], abs=0.005
    )
    assert np.isfinite(ex.metrics["cost_of_sales"])


# --------------------------------------------------------------------------- goals
SALES_GENERATOR = ROOT / "templates" / "designs" / "sales_generator.yaml"


@pytest.fixture
def goals():
    return GoalExplorer(SALES_GENERATOR)


def test_each_assumption_gets_a_control_and_targets_do_not(goals):
    assert list(goals.controls) == ["avg_price"]
    ctrl = goals.controls["avg_price"]
    assert (ctrl.value, ctrl.min, ctrl.max, ctrl.continuous_update) == (10000, 2500, 30000, False)


def test_a_lower_price_needs_more_units_than_the_targets_cover(goals):
    start_checks = goals.checks.to_frame()
    goals.controls["avg_price"].value = 8000
    assert goals.cascade.values == {
        "revenue": 2_000_000.0,
        "units_sold": 250.0,
        "avg_price": 8000.0,
    }
    row = goals.coverage.set_index("goal").loc["units_sold"]
    assert (row["goal_value"], row["covered"], row["status"]) == (250.0, 200.0, "short")
    direct = run_checks(with_assumption(load_design(SALES_GENERATOR), "avg_price", 8000))
    pd.testing.assert_frame_equal(goals.checks.to_frame(), direct.to_frame())
    assert goals.checks.errors[0].message == (
        "Goal 'units_sold' needs 250 but the role targets add up to 200 (sales_department: "
        "4 × 50): the goal will not be reached even if everyone hits target. Suggestion: raise "
        "the targets or the headcount, or lower the goal."
    )
    assert "coverage: 1 goal(s) short, 0 over" in goals._headline.value
    assert "<td style='text-align:right;color:#777'>200</td>" in goals._cascade_html.value
    goals.reset()
    assert goals.cascade.values["units_sold"] == 200.0
    assert goals.controls["avg_price"].value == 10000
    pd.testing.assert_frame_equal(goals.checks.to_frame(), start_checks)


def test_the_start_design_is_kept(goals):
    goals.controls["avg_price"].value = 12500
    assert goals.design.goal("avg_price").value == 12500
    assert goals.start_design.goal("avg_price").value == 10000
    assert repr(goals) == (
        f"<GoalExplorer 'Sales Generator LLC': 1 assumptions, {goals.checks.counts()}>"
    )


def test_an_assumption_that_contradicts_a_target_is_refused_with_the_reason():
    design = load_design(
        {
            "goals": [
                {"id": "revenue", "target": 2_000_000, "formula": "units * price"},
                {"id": "units", "target": 200},
                {"id": "price", "value": 10_000},
            ],
        },
        library={},
    )
    ex = GoalExplorer(design)
    with pytest.raises(KpitoolsError) as info:
        with_assumption(design, "price", 12_000).cascade()
    ex.controls["price"].value = 12_000
    assert ex.error == str(info.value)
    assert ex.controls["price"].value == 10_000
    assert ex.cascade.values["price"] == 10_000
    assert "That value cannot be used; the control went back." in ex._status.value


def test_an_assumption_of_0_or_below_is_refused_with_the_reason_and_the_explorer_recovers(goals):
    # revenue 2,000,000 = units_sold × avg_price (10,000 RUB): units_sold 200
    price = goals.controls["avg_price"]
    price.min = -1000.0  # the slider stops at 2,500; a widened range reaches 0 and below
    price.value = -500.0
    assert goals.error == (
        "avg_price = -500 RUB would make units_sold = -4,000: a goal or target cannot be "
        "negative.\nSuggestion: set avg_price above 0 (it is 10,000 RUB in the design)."
    )  # 2,000,000 / -500 = -4,000
    assert price.value == 10_000.0
    assert goals.cascade.values == {"revenue": 2e6, "units_sold": 200.0, "avg_price": 10_000.0}
    price.value = 0.0  # a division by zero in the formula
    assert goals.error == (
        f"{SALES_GENERATOR}, goals[0].formula (line 12): cannot solve revenue = units_sold * "
        "avg_price for 'units_sold' with revenue = 2,000,000: 'avg_price' is 0, so the product "
        "is 0 whatever 'units_sold' is.\n"
        "Suggestion: change the assumptions in the formula or give 'units_sold' a target."
    )
    assert price.value == 10_000.0
    assert "That value cannot be used; the control went back." in goals._status.value
    price.value = 8_000.0  # back to a usable value: cascade, coverage and checks follow
    assert goals.error is None
    assert goals.cascade.values["units_sold"] == 250.0  # 2,000,000 / 8,000
    moved = with_assumption(load_design(SALES_GENERATOR), "avg_price", 8_000.0)
    assert goals.cascade.summary.equals(moved.cascade().summary)
    assert goals.checks == run_checks(moved)


# --------------------------------------------------------------------------- notebooks
def _run_notebook(name: str, out: Path) -> list:
    import nbformat
    import papermill as pm

    source = ROOT / "notebooks" / name
    committed = nbformat.read(source, as_version=4)
    assert [c for c in committed.cells if c.cell_type == "code" and c.outputs] == []
    assert sum("parameters" in c.metadata.get("tags", []) for c in committed.cells) == 1
    pm.execute_notebook(
        str(source), str(out), kernel_name="python3", cwd=str(source.parent), progress_bar=False
    )
    executed = nbformat.read(out, as_version=4)
    return [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]


def test_the_whatif_notebook_runs_with_its_defaults(tmp_path):
    from kpitools.whatif import DEFAULT_SCHEME, resolve_template

    outputs = _run_notebook("02_scheme_whatif.ipynb", tmp_path / "02.ipynb")
    shown = [o for o in outputs if o.output_type == "execute_result"]
    assert len(shown) == 1
    assert "application/vnd.jupyter.widget-view+json" in shown[0].data
    name = load_scheme(resolve_template(DEFAULT_SCHEME)).name
    assert shown[0].data["text/plain"].startswith(f"<SchemeExplorer {name!r}: ")
    assert [o for o in outputs if o.output_type == "error"] == []


def test_the_goal_design_notebook_runs_with_its_defaults(tmp_path):
    from kpitools.whatif import resolve_template

    outputs = _run_notebook("01_goal_design.ipynb", tmp_path / "01.ipynb")
    shown = [o for o in outputs if o.output_type == "execute_result"]
    # the explorer, then the library's suggestions as a table
    assert len(shown) == 2
    assert "application/vnd.jupyter.widget-view+json" in shown[0].data
    client = load_design(resolve_template("b2b_sales.yaml", "designs")).client
    assert shown[0].data["text/plain"].startswith(f"<GoalExplorer {client!r}: ")
    assert "<table" in shown[1].data["text/html"] and "reason" in shown[1].data["text/html"]
    # goal tree, tornado and weight matrix
    figures = [o for o in outputs if o.output_type == "display_data" and "image/png" in o.data]
    assert len(figures) == 3
    assert [o for o in outputs if o.output_type == "error"] == []
