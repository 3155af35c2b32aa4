"""The rated-objective, profit-pool and SPIF templates on the demo company, each checked
against a plain loop over the demo's rows (contract §9)."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from kpitools.demo import RATING_KPI, objective_ratings
from kpitools.engine import simulate
from kpitools.scheme import load_scheme

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "schemes"
FILES = [TEMPLATES / f"{n}.yaml" for n in ("scorecard_rated", "profit_pool", "spif")]
SALES = ("sales_rep", "key_account_manager")


def cents(x: float) -> float:
    """Half up to the cent, as the engine rounds."""
    return float(Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@pytest.fixture(scope="module")
def data(demo_company):
    """The demo's long table with the managers' ratings added."""
    return pd.concat([demo_company.data, objective_ratings(demo_company)], ignore_index=True)


@pytest.fixture(scope="module")
def result(data):
    return simulate(data, FILES)


def test_the_templates_load_and_explain_themselves():
    for path in FILES:
        scheme = load_scheme(path)
        assert path.read_text().startswith("# ") and scheme.description
        assert scheme.currency == "RUB" and scheme.budget is not None
        assert load_scheme(scheme.to_dict()) == scheme


def test_every_template_runs_on_the_demo_company_with_sane_metrics(result):
    m = result.metrics
    assert list(m.index) == [load_scheme(f).name for f in FILES]
    assert (m["total_cost"] > 0).all()
    assert m["budget_variance"].abs().max() < 0.15
    assert m["cost_of_sales"].between(0.01, 0.10).all()
    assert m["payout_p50"].between(0.8, 1.5).all()
    assert (m["pay_performance_corr"] > 0.8).all()
    pooled = m.loc["Profit-funded pool"]
    assert 0.2 < pooled["pool_periods_scaled_down"] < 0.6  # the pool binds in weak months
    assert 0.7 < pooled["pool_share_used"] < 1.0


def test_rated_objectives_match_a_plain_loop_over_the_ratings(data, result):
    run = result.runs["Scorecard with rated objectives"]
    points = load_scheme(FILES[0]).components[2].curve.points
    ratings = {}
    for e, p, k, a in data[["employee", "period", "kpi", "actual"]].itertuples(index=False):
        if k == RATING_KPI:
            ratings[(e, f"{p[:4]}-Q{(int(p[5:7]) - 1) // 3 + 1}")] = a
    rated = run.payouts[run.payouts["component"] == "objectives"]
    assert len(rated) == len(run.totals) > 500
    n_missing = 0
    for row in rated.itertuples(index=False):
        score = ratings.get((row.employee, row.period))
        if score is None:
            factor, n_missing = 1.0, n_missing + 1  # missing: target
        else:
            factor = next(
                f0 + (f1 - f0) * (score - a0) / (a1 - a0)
                for (a0, f0), (a1, f1) in zip(points, points[1:], strict=False)
                if a0 <= score <= a1
            )
        assert row.payout == cents(row.on_target_pay * 0.3 * factor), row
    assert n_missing == 23
    assert run.warnings[-1] == (
        "components[2] (objectives_rating): 23 employee-period(s) have no score; paid as on "
        "target (missing: target)."
    )


def test_profit_pool_matches_a_plain_loop_over_the_margin(data, result):
    run = result.runs["Profit-funded pool"]
    margin: dict[str, float] = {}
    for p, k, r, a in data[["period", "kpi", "role", "actual"]].itertuples(index=False):
        if k == "gross_margin" and r in SALES:
            margin[p] = margin.get(p, 0.0) + a
    scaled = 0
    for period, group in run.totals.groupby("period"):
        pool = math.floor(round(0.3 * max(0.0, margin[period] - 1_000_000) * 100, 6)) / 100
        earned, paid = group["after_cap"].to_numpy(), group["payout"].to_numpy()
        if earned.sum() > pool:
            scaled += 1
            assert round(paid.sum(), 2) == pool  # a scaled month pays its pool, to the cent
            assert abs(paid - earned * pool / earned.sum()).max() < 0.01
        else:
            assert (paid == earned).all()
    pools = run.pools.set_index("period")
    assert int(pools["scaled_down"].sum()) == scaled > 0
    assert pools["funding"].round(2).to_dict() == {p: round(v, 2) for p, v in margin.items()}


def test_the_spif_pays_per_unit_only_inside_its_window_on_top_of_the_plan(data, result):
    run = result.runs["Plan with a year-end SPIF"]
    units = {
        (e, p): a
        for e, p, k, r, a in data[["employee", "period", "kpi", "role", "actual"]].itertuples(
            index=False
        )
        if k == "units_sold" and r in SALES
    }
    spif = run.payouts[run.payouts["component"] == "year-end SPIF"]
    for row in spif.itertuples(index=False):
        inside = "2025-11" <= row.period <= "2025-12"
        assert row.payout == (cents(150 * units[(row.employee, row.period)]) if inside else 0.0)
    assert (spif["payout"] > 0).sum() > 90  # two months of about 48 people
    plan = run.payouts[run.payouts["component"].isin(["0", "1"])]
    plan_pay = plan.groupby(["employee", "period"], sort=False)["payout"].sum().to_numpy()
    totals = run.totals
    assert abs(totals["before_cap"] - plan_pay - spif["payout"].to_numpy()).max() < 0.005
    att = {c: run.payouts.loc[run.payouts["component"] == c, "attainment"].fillna(0).to_numpy()
           for c in ("0", "1")}  # fmt: skip
    # the SPIF carries no weight: the weighted attainment is the plan's alone
    assert abs(totals["attainment"].to_numpy() - (0.7 * att["0"] + 0.3 * att["1"])).max() < 1e-9


def test_pools_csv_is_written_with_the_results(result, tmp_path):
    written = result.save(tmp_path)
    pools = pd.read_csv(written["pools"])
    assert pools["scheme"].unique().tolist() == ["Profit-funded pool"]
    assert len(pools) == 36
