"""The scheme explorer driven from code: controls, metrics against a direct run, save, display."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from kpitools.cli import main
from kpitools.data import save
from kpitools.demo import make_demo_company
from kpitools.engine import compute_metrics, prepare, run_scheme
from kpitools.errors import KpitoolsError
from kpitools.scheme import load_scheme
from kpitools.whatif import SchemeExplorer, scheme_controls

ROOT = Path(__file__).resolve().parents[2]

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

    data = save(company.data, tmp_path / "data.csv")
    scheme = load_scheme(SCORECARD).to_yaml(tmp_path / "s.yaml")
    assert scheme.startswith("name: Test scorecard")
    ex = SchemeExplorer(data, tmp_path / "s.yaml")
    assert ex.metrics["total_cost"] == pytest.approx(
        _direct(company, load_scheme(SCORECARD))["total_cost"], abs=0.005
    )
    assert np.isfinite(ex.metrics["cost_of_sales"])


def test_team_and_manager_pay_is_explored_with_the_roster(company):
    """A scheme paid on the reports' results (``scope: reports``): the managers have no rows
    of their own, so the explorer needs the roster; every change pays as a direct run."""
    override = ROOT / "templates" / "schemes" / "sales_manager_override.yaml"
    with pytest.warns(UserWarning, match="of the roster have no rows in the data"):  # managers
        explorer = SchemeExplorer(company.data, override, roster=company.roster)

    def direct(scheme):
        return run_scheme(company.data, scheme, roster=company.roster)

    def pay_by_employee(explorer):
        table = explorer.winners_losers
        return table.set_index("employee")["total"][lambda s: s != 0].sort_index()

    run = direct(load_scheme(override))
    pd.testing.assert_series_equal(explorer.metrics, compute_metrics(run))
    managers = company.roster.loc[company.roster["role"] == "sales_manager", "employee"]
    paid = run.totals.groupby("employee")["payout"].sum()[lambda s: s != 0].sort_index()
    assert set(paid.index) <= set(managers) and len(paid) > 0  # the managers, without rows
    pd.testing.assert_series_equal(pay_by_employee(explorer), paid, check_names=False)
    for name, value in [("on_target_pay.pct_of_salary", 0.25), ("components.0.threshold", 0.9)]:
        before = explorer.metrics
        explorer.controls[name].value = value
        assert explorer.error is None
        pd.testing.assert_series_equal(explorer.metrics, compute_metrics(direct(explorer.scheme)))
        assert not explorer.metrics.equals(before)


def test_a_team_item_beside_an_own_one_pays_as_a_direct_run_after_each_change(company):
    """Half on one's own revenue, half on the team's: pay per role, prorated from the roster;
    a pay change is computed on the rows at hand, a curve change on the kept inputs."""
    curve = {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]}
    mixed = {
        "name": "Mixed", "period": "month",
        "on_target_pay": {"sales_rep": 40000, "key_account_manager": 60000},
        "roles": ["sales_rep", "key_account_manager"],
        "components": [
            {"kpi": "revenue", "weight": 0.5, "target": {"method": "from_data"}, "curve": curve},
            {"kpi": "revenue", "name": "team_revenue", "scope": "team", "weight": 0.5,
             "target": {"method": "from_data"}, "curve": curve},
        ],
    }  # fmt: skip
    with pytest.warns(UserWarning, match="of the roster have no rows in the data"):
        explorer = SchemeExplorer(company.data, mixed, roster=company.roster)
    for name, value in [("on_target_pay.sales_rep", 50000.0), ("components.1.threshold", 0.9)]:
        before = explorer.metrics
        explorer.controls[name].value = value
        assert explorer.error is None
        direct = run_scheme(company.data, explorer.scheme, roster=company.roster)
        pd.testing.assert_series_equal(explorer.metrics, compute_metrics(direct))
        assert not explorer.metrics.equals(before)
