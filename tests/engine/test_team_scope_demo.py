"""Team and manager pay on the demo company, checked against plain loops written here.

The loops go person by person and period by period over the long table, the way a
consultant would check a spreadsheet: nothing of the engine's grouping is reused.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpitools.data import load_roster
from kpitools.engine import run_scheme, simulate
from kpitools.scheme import load_scheme

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "schemes"
OVERRIDE = TEMPLATE / "sales_manager_override.yaml"


def _curve(points, att):
    """A ``points`` curve by hand: 0 below the first point, flat after the last."""
    xs, ys = zip(*points, strict=True)
    return 0.0 if att < xs[0] else float(np.interp(att, xs, ys))


def _cents(x: float) -> float:
    """Money to the cent, half up (as a payroll does), by decimal arithmetic."""
    return float(Decimal(str(round(x, 8))).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _payouts(run) -> dict:
    """(employee, period) → the final payout of a run."""
    t = run.totals
    return {
        (e, p): pay for e, p, pay in t[["employee", "period", "payout"]].itertuples(index=False)
    }


def _quarter(period: str) -> str:
    year, month = period.split("-")
    return f"{year}-Q{(int(month) - 1) // 3 + 1}"


@pytest.fixture(scope="module")
def demo(demo_company):
    roster = demo_company.roster
    return demo_company.data, load_roster(roster), roster


def test_the_override_template_pays_the_sales_managers_only(demo):
    data, roster, table = demo
    run = run_scheme(data, OVERRIDE, roster=roster)
    sales_managers = sorted(table.loc[table["role"] == "sales_manager", "employee"])
    assert sorted(run.totals["employee"].unique()) == sales_managers  # not M07, not the reps
    assert (run.totals["on_target_pay"] == 120_000.0).all()  # 20% of 2,400,000 a quarter
    assert run.skipped["period"].tolist() == ["2024-Q1"]  # the margin gate needs a year
    assert run.skipped["reason"].tolist() == [
        "gates[0] (gross_margin): percentile (of peers) has no history: no actuals in "
        "2023-Q1 to 2023-Q4"
    ]
    assert run.totals["payout"].between(0, 240_000).all()
    assert (run.totals["payout"] > 0).mean() > 0.8


def test_the_override_matches_a_plain_loop_over_managers_and_quarters(demo):
    data, roster, table = demo
    scheme = load_scheme(OVERRIDE).to_dict()
    scheme.pop("gates")  # the gate's peer percentile is checked by the target tests
    run = run_scheme(data, scheme, roster=roster)
    expected = {}
    managers = table.loc[table["role"] == "sales_manager", ["employee", "salary"]]
    quarter = data["period"].map(_quarter)
    for boss, salary in managers.itertuples(index=False):
        reports = set(table.loc[table["manager"] == boss, "employee"])
        mine = data[data["employee"].isin(reports)]
        for q in sorted(set(quarter[mine.index])):
            otp = salary * 0.2 / 4
            pay = 0.0
            for comp in scheme["components"]:
                rows = mine[(quarter[mine.index] == q) & (mine["kpi"] == comp["kpi"])]
                att = round(rows["actual"].sum() / rows["target"].sum(), 12)
                pay += _cents(otp * comp["weight"] * _curve(comp["curve"]["points"], att))
            expected[(boss, q)] = min(_cents(pay), 2.0 * otp)
    got = _payouts(run)
    assert got.keys() == expected.keys()
    assert got == expected  # to the cent


def test_team_scope_for_reps_matches_a_plain_loop(demo):
    data, roster, table = demo
    points = [[0.5, 0.0], [1.0, 1.0], [1.5, 2.0]]
    scheme = {
        "name": "Team share",
        "on_target_pay": 30_000,
        "roles": ["sales_rep"],
        "proration": "none",
        "components": [
            {"kpi": "revenue", "weight": 0.5, "target": {"method": "from_data"},
             "curve": {"points": points}},
            {"kpi": "revenue", "weight": 0.5, "target": {"method": "from_data"},
             "curve": {"points": points}, "scope": "team"},
        ],
    }  # fmt: skip
    run = run_scheme(data, scheme, roster=roster)
    team_of = table.set_index("employee")["team"]
    revenue = data[data["kpi"] == "revenue"]
    expected = {}
    for row in revenue[revenue["role"] == "sales_rep"].itertuples(index=False):
        own = _curve(points, round(row.actual / row.target, 12))
        team = revenue[
            (revenue["period"] == row.period)
            & (revenue["employee"].map(team_of) == team_of[row.employee])
        ]
        shared = _curve(points, round(team["actual"].sum() / team["target"].sum(), 12))
        expected[(row.employee, row.period)] = _cents(
            _cents(15_000 * own) + _cents(15_000 * shared)
        )
    got = _payouts(run)
    assert got.keys() == expected.keys()
    assert got == expected  # to the cent
    # everyone of a team shares the team's attainment in a month
    team_rows = run.payouts[run.payouts["component"] == "1"].assign(
        team=lambda f: f["employee"].map(team_of)
    )
    assert (team_rows.groupby(["team", "period"])["attainment"].nunique() == 1).all()


def test_the_template_runs_beside_the_demo_schemes_without_changing_them(demo):
    data, roster, _ = demo
    plain = [TEMPLATE / f"{n}.yaml" for n in ("weighted_scorecard", "linear_commission")]
    alone = simulate(data, plain, roster=roster)
    together = simulate(data, [*plain, OVERRIDE], roster=roster)
    for name in alone.runs:
        pd.testing.assert_frame_equal(alone.runs[name].payouts, together.runs[name].payouts)
    assert together.metrics.loc["Sales manager override", "total_cost"] > 0


def test_the_override_forecasts_the_managers_from_their_teams_past(demo):
    data, roster, _ = demo
    result = simulate(data, OVERRIDE, roster=roster, forecast=200, seed=1)
    fc = result.forecasts["Sales manager override"]
    assert fc.period == "2027-Q1" and fc.employees == 6
    assert fc.targets["employee"].tolist() == ["M01", "M02", "M03", "M04", "M05", "M06"]
    cost = fc.draws["total_cost"]
    assert (cost >= 0).all() and cost.max() <= 6 * 240_000 and cost.nunique() > 50
