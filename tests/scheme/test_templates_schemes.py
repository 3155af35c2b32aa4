"""The shipped scheme templates load, use the demo company's KPIs and pay sanely on it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kpitools.data import load_library
from kpitools.engine import forecast, simulate
from kpitools.errors import DefinitionError
from kpitools.scheme import load_scheme

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "schemes"
#: Templates of the plan mechanics (docs/plan-mechanics.md), tested on their own below.
PLAN_FILES = [TEMPLATES / "new_hire_draw.yaml", TEMPLATES / "quarterly_true_up.yaml"]
#: Templates paid on teams from the roster, tested in tests/engine/test_team_scope_demo.py.
ROSTER_FILES = {TEMPLATES / "sales_manager_override.yaml"}
#: Templates of ratings, funded pools and SPIFs (test_templates_rated_pool_spif.py).
RATED_POOL_SPIF = {TEMPLATES / f"{n}.yaml" for n in ("scorecard_rated", "profit_pool", "spif")}
FILES = sorted(set(TEMPLATES.glob("*.yaml")) - set(PLAN_FILES) - ROSTER_FILES - RATED_POOL_SPIF)
DEMO_KPIS = {
    "revenue",
    "units_sold",
    "new_clients",
    "leads",
    "meetings",
    "won_deals",
    "closed_deals",
    "gross_margin",
    "nps",
}


def test_at_least_the_four_kinds_of_scheme_are_shipped():
    assert [f.name for f in FILES] == [
        "linear_commission.yaml",
        "team_pool.yaml",
        "tiered_accelerator.yaml",
        "weighted_scorecard.yaml",
    ]
    assert all(f.exists() for f in PLAN_FILES)


@pytest.mark.parametrize("path", FILES + PLAN_FILES, ids=lambda p: p.stem)
def test_template_loads_and_uses_library_kpis_of_the_demo_company(path):
    scheme = load_scheme(path)
    library = load_library()
    kpis = [c.kpi for c in scheme.components] + [g.kpi for g in scheme.gates]
    kpis += [m.kpi for m in scheme.modifiers] + [scheme.revenue_kpi]
    assert set(kpis) <= DEMO_KPIS
    assert all(k in library for k in kpis)
    assert scheme.currency == "RUB" and scheme.description
    months = {"month": 1, "quarter": 3}[scheme.period]
    amounts = [a / months for a in scheme.on_target_pay.values()]
    assert all(25_000 <= a <= 60_000 for a in amounts)  # a realistic monthly bonus in Russia
    assert scheme.budget is not None
    assert load_scheme(scheme.to_dict()) == scheme  # round trip


def test_each_kind_has_its_defining_features():
    s = {f.stem: load_scheme(f) for f in FILES}
    assert all(c.commission is not None for c in s["linear_commission"].components)
    assert s["tiered_accelerator"].cap == 2.0
    points = s["tiered_accelerator"].components[0].curve.points
    slopes = np.diff([p[1] for p in points]) / np.diff([p[0] for p in points])
    assert slopes[0] < slopes[1] < slopes[2]  # each band above target pays more per point
    assert len(s["weighted_scorecard"].gates) == 1 and len(s["weighted_scorecard"].modifiers) == 1
    assert s["team_pool"].pool.budget == 1_700_000


@pytest.fixture(scope="module")
def demo(demo_company):
    """The demo company's long table, shared (not changed) by this module's tests."""
    return demo_company.data


@pytest.fixture(scope="module")
def result(demo):
    return simulate(demo, FILES)


def test_every_template_runs_on_the_demo_company_with_sane_metrics(result):
    m = result.metrics
    assert list(m.index) == [load_scheme(f).name for f in FILES]
    assert not result.warnings
    assert (m["total_cost"] > 0).all()
    # monthly cost against each template's own budget: within ±35%
    assert m["budget_variance"].abs().max() < 0.35
    assert m["cost_of_sales"].between(0.01, 0.10).all()
    assert m["pct_zero_payout"].max() < 0.3
    assert m["payout_p50"].between(0.4, 1.5).all()
    assert (m["payout_p90"] >= m["payout_p50"]).all()
    assert m["gini"].between(0.2, 0.6).all()
    assert m["near_threshold_share"].max() < 0.15
    curves = m.drop(index="Linear commission")
    assert curves["pct_at_target"].between(0.35, 0.75).all()
    assert (curves["pay_performance_corr"] > 0.7).all()
    # a commission has no weighted attainment to rank
    assert np.isnan(m.loc["Linear commission", "pct_at_target"])


def test_caps_and_pool_hold_on_the_demo_company(result):
    t = result.totals
    acc = t[t["scheme"] == "Tiered accelerator"]
    assert (acc["payout"] <= 2.0 * acc["on_target_pay"] + 1e-9).all()
    pool = t[t["scheme"] == "Team pool"].groupby("period")["payout"].sum()
    assert pool.max() <= 1_700_000 + 1e-6  # float sums of whole cents
    assert (pool > 1_699_000).sum() >= 5  # the pool binds in strong months
    assert set(t.loc[t["scheme"] == "Team pool", "role"]) == {
        "sales_rep",
        "key_account_manager",
        "marketing",
    }


def test_scorecard_gate_zeroes_the_margin_component_below_70_percent_of_units(demo, result):
    run = result.runs["Weighted scorecard"]
    gate_att = run.arrays.gate_attainment[0]
    margin_pay = run.arrays.component_payout[0]
    missed = gate_att < 0.7
    assert missed.any() and (margin_pay[missed] == 0).all()
    assert (run.arrays.component_payout[1][missed] > 0).any()  # other components still pay


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_template_forecasts_on_the_demo_company(demo, path):
    fc = forecast(demo, path, n=200, seed=1)
    assert fc.period == "2027-01"
    assert 0 < fc.total_cost_p5 <= fc.total_cost_p50 <= fc.total_cost_p95
    assert 0 <= fc.prob_over_budget <= 1


# --------------------------------------------------------------------------- plan mechanics
@pytest.fixture(scope="module")
def plans(demo_company):
    """The two plan-mechanics templates on the demo company with its roster."""
    return simulate(demo_company.data, PLAN_FILES, roster=demo_company.roster)


def test_plan_templates_run_on_the_demo_company_with_its_roster(plans):
    m = plans.metrics
    assert list(m.index) == ["New-hire draw", "Quarterly with annual true-up"]
    assert m["budget_variance"].abs().max() < 0.1
    assert m["pay_performance_corr"].iloc[1] > 0.7
    assert np.isnan(m.loc["Quarterly with annual true-up", "draw_cost"])
    assert 0 < m.loc["New-hire draw", "draw_cost"] < 0.01 * m.loc["New-hire draw", "total_cost"]


def test_the_true_up_template_trues_up(plans):
    t = plans.runs["Quarterly with annual true-up"].totals
    assert (t["payment"] >= 0).all()  # carry: a shortfall is never taken back
    # by the end of each quarter the year's earnings so far are paid in full (carry: or more,
    # when a later quarter lowers them)
    assert (t["paid_to_date"] + t["payment"] >= t["earned_to_date"] - 0.01).all()
    assert ((t["payment"] == 0) & (t["earned"] > 0)).sum() > 5  # carried shortfalls
    assert (t["payment"] > t["earned"] + 0.01).sum() > 20  # catch-ups


def test_the_draw_template_pays_new_hires_at_least_the_draw(plans, demo_company):
    t = plans.runs["New-hire draw"].totals
    hired = set(demo_company.employees.loc[demo_company.employees["hired"], "employee"])
    topped = t[t["payment"] > t["earned"] + 0.01]
    assert set(topped["employee"]) <= hired and len(set(topped["employee"])) >= 5
    assert (
        t.loc[~t["employee"].isin(hired), "payment"] == t.loc[~t["employee"].isin(hired), "earned"]
    ).all()


def test_the_draw_template_needs_the_roster(demo_company):
    with pytest.raises(DefinitionError) as info:
        simulate(demo_company.data, PLAN_FILES[0])
    assert str(info.value) == (
        f"{PLAN_FILES[0]}: draw.for_first: the draw is paid in the first 6 periods after hire, "
        "and no roster with a hire_date column was given.\n"
        "Suggestion: give the roster (--roster FILE, or roster= in Python) with hire dates, or "
        "remove for_first: to pay the draw in every period."
    )
