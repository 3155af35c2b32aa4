"""Team and manager pay from the data's own ``team`` and ``manager`` columns (contract §1, §9).

Contract §1 lists ``team`` and ``manager`` as optional columns of the data: ``scope: team`` and
``scope: reports`` read them when no roster gives them (each employee's latest non-empty value;
the roster wins where both say). Every figure is the contract's worked example, by hand:
a1 80 of 100, a2 140 of 100 in team T under manager m; curve ``points: [[0, 0], [2, 2]]``.

- reps, on-target pay 1,000, own weight 0.5 + team weight 0.5: team 220 / 200 = 1.1;
  a1 0.5 × 1,000 × 0.8 + 0.5 × 1,000 × 1.1 = 400 + 550 = 950; a2 700 + 550 = 1,250.
- boss, on-target pay 2,000, one reports component: 2,000 × 1.1 = 2,200.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kpitools.cli import main
from kpitools.engine import run_scheme, simulate

CURVE = {"points": [[0, 0], [2, 2]]}


def _component(scope=None, weight=1.0):
    out = {"kpi": "revenue", "weight": weight, "target": 100, "curve": CURVE}
    if scope is not None:
        out["scope"] = scope
    return out


REPS = {"name": "reps", "on_target_pay": 1000,
        "components": [_component(weight=0.5), _component("team", weight=0.5)]}  # fmt: skip
BOSS = {"name": "boss", "on_target_pay": 2000, "components": [_component("reports")]}

DATA = pd.DataFrame(
    {
        "employee": ["a1", "a2"],
        "period": ["2025-01", "2025-01"],
        "kpi": ["revenue", "revenue"],
        "actual": [80.0, 140.0],
        "team": ["T", "T"],
        "manager": ["m", "m"],
    }
)


def _totals(run):
    return run.totals[["employee", "payout"]].values.tolist()


def test_the_contract_example_with_teams_and_managers_in_the_data_and_no_roster():
    assert _totals(run_scheme(DATA, REPS, library=False)) == [["a1", 950.0], ["a2", 1250.0]]
    # m has no rows of their own: named only in the data's manager column, still paid
    assert _totals(run_scheme(DATA, BOSS, library=False)) == [["m", 2200.0]]


def test_the_contract_example_on_the_command_line_without_a_roster(tmp_path, capsys):
    DATA.to_csv(tmp_path / "data.csv", index=False)
    for name, scheme in (("reps", REPS), ("boss", BOSS)):
        comps = "".join(
            f"  - {{kpi: revenue, weight: {c['weight']}, target: 100, "
            f"curve: {{points: [[0, 0], [2, 2]]}}"
            + (f", scope: {c['scope']}" if "scope" in c else "")
            + "}\n"
            for c in scheme["components"]
        )
        (tmp_path / f"{name}.yaml").write_text(
            f"name: {name}\nperiod: month\non_target_pay: {scheme['on_target_pay']}\n"
            f"components:\n{comps}"
        )
    args = ["simulate", "--data", str(tmp_path / "data.csv"), "--scheme",
            str(tmp_path / "reps.yaml"), "--scheme", str(tmp_path / "boss.yaml"),
            "--out", str(tmp_path / "out")]  # fmt: skip
    assert main(args) == 0, capsys.readouterr()
    payouts = pd.read_csv(tmp_path / "out" / "payouts.csv", dtype={"employee": str})
    total = payouts[payouts["component"] == "total"]
    assert total[["scheme", "employee", "payout"]].values.tolist() == [
        ["reps", "a1", 950.0], ["reps", "a2", 1250.0], ["boss", "m", 2200.0],
    ]  # fmt: skip


def test_the_cli_error_without_a_team_anywhere_names_both_places(tmp_path, capsys):
    DATA.drop(columns=["team", "manager"]).to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "reps.yaml").write_text(
        "name: reps\non_target_pay: 1000\ncomponents:\n"
        "  - {kpi: revenue, weight: 1, target: 100, curve: {points: [[0, 0], [2, 2]]}, "
        "scope: team}\n"
    )
    args = ["simulate", "--data", str(tmp_path / "data.csv"), "--scheme",
            str(tmp_path / "reps.yaml"), "--out", str(tmp_path / "out")]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "needs a roster with a 'team' column, or a 'team' column in the data" in err
    assert "Traceback" not in err


def test_each_employee_takes_their_latest_non_empty_team_and_manager():
    """a1's older rows (calls) say team U then T; January's revenue row leaves it empty.

    Latest non-empty: T, so the contract's 950 / 1,250 / 2,200. (The oldest, U, would put a1
    alone in U: a1 0.8 → 800, a2 alone 1.4 → 1,400; the manager of a1 is likewise the
    latest named, m, not the older n.)
    """
    data = pd.DataFrame(
        {
            "employee": ["a1", "a1", "a1", "a2"],
            "period": ["2024-12", "2024-11", "2025-01", "2025-01"],  # not in time order
            "kpi": ["calls", "calls", "revenue", "revenue"],
            "actual": [5.0, 5.0, 80.0, 140.0],
            "team": ["T", "U", None, "T"],
            "manager": ["m", "n", "", "m"],
        }
    )
    assert _totals(run_scheme(data, REPS, library=False, periods="2025-01..2025-01")) == [
        ["a1", 950.0], ["a2", 1250.0],
    ]  # fmt: skip
    assert _totals(run_scheme(data, BOSS, library=False, periods="2025-01..2025-01")) == [
        ["m", 2200.0],
    ]  # fmt: skip


def test_a_roster_without_the_column_is_completed_from_the_data():
    """The roster has pay per person but no team or manager; the data has both."""
    roster = pd.DataFrame({"employee": ["a1", "a2", "m"], "on_target_pay": [1000, 1000, 2000]})
    reps = {**REPS, "on_target_pay": {"from": "roster"}}
    boss = {**BOSS, "on_target_pay": {"from": "roster"}}
    assert _totals(run_scheme(DATA, reps, roster=roster, library=False)) == [
        ["a1", 950.0], ["a2", 1250.0],
    ]  # fmt: skip
    assert _totals(run_scheme(DATA, boss, roster=roster, library=False)) == [["m", 2200.0]]


def test_the_roster_wins_where_both_give_a_team_and_fills_in_where_it_is_silent():
    """The roster puts a1 and a2 in T (a2's cell empty there: the data's T fills it in); the
    data's stale team X for a1 is not used. Both in T: 950 / 1,250 as in the contract."""
    roster = pd.DataFrame({"employee": ["a1", "a2"], "team": ["T", None]})
    data = DATA.assign(team=["X", "T"])
    assert _totals(run_scheme(data, REPS, roster=roster, library=False)) == [
        ["a1", 950.0], ["a2", 1250.0],
    ]  # fmt: skip


def test_a_manager_named_only_in_the_data_is_paid_beside_a_roster_that_lacks_them():
    roster = pd.DataFrame({"employee": ["a1", "a2"], "team": ["T", "T"]})
    result = simulate(DATA, [REPS, BOSS], roster=roster, library=False)
    assert result.metrics.loc["boss", "total_cost"] == 2200.0
    assert result.metrics.loc["reps", "total_cost"] == 950.0 + 1250.0


def test_a_restated_members_value_adjusts_the_manager_named_in_the_data():
    """By hand: January paid on 80 + 140 → m 2,200; a1 restated to 100 in March → team
    240 / 200 = 1.2 → 2,400, +200 paid in March beside March's 2,000 (100 + 100 of 200)."""
    data = pd.DataFrame(
        {
            "employee": ["a1", "a2", "a1", "a1", "a2"],
            "period": ["2025-01", "2025-01", "2025-01", "2025-03", "2025-03"],
            "kpi": ["revenue"] * 5,
            "actual": [80.0, 140.0, 100.0, 100.0, 100.0],
            "as_of": [None, None, "2025-03", None, None],
            "manager": ["m"] * 5,
        }
    )
    run = run_scheme(data, {**BOSS, "clawback": {"within": 3}}, library=False)
    t = run.totals
    assert t[["employee", "period", "adjustment", "payment"]].values.tolist() == [
        ["m", "2025-01", 0.0, 2200.0], ["m", "2025-03", 200.0, 2200.0],
    ]  # fmt: skip


def test_a_data_team_forecast_needs_no_roster():
    """Each draw is one past month of the whole team: (80 + 140) / 200 → 2,200 or
    (150 + 150) / 200 → 1.5 → 3,000."""
    data = pd.DataFrame(
        {
            "employee": ["a1", "a2", "a1", "a2"],
            "period": ["2025-01", "2025-01", "2025-02", "2025-02"],
            "kpi": ["revenue"] * 4,
            "actual": [80.0, 140.0, 150.0, 150.0],
            "manager": ["m"] * 4,
        }
    )
    result = simulate(data, BOSS, library=False, forecast=50, seed=3)
    assert set(result.forecasts["boss"].draws["total_cost"].round(2)) == {2200.0, 3000.0}


@pytest.mark.parametrize("column", ["team", "manager"])
def test_an_empty_data_column_is_no_source_of_groups(column):
    """A data column with no value at all gives nobody a group: the scoped item pays 0
    (team) or nobody is paid (reports), never an invented group."""
    data = DATA.assign(**{column: None})
    if column == "team":
        # own part only: a1 0.5 × 1,000 × 0.8 = 400, a2 700
        assert _totals(run_scheme(data, REPS, library=False)) == [["a1", 400.0], ["a2", 700.0]]
    else:  # a1 and a2 manage nobody: a manager over nobody is not paid
        assert _totals(run_scheme(data, BOSS, library=False)) == []


def test_a_managers_funded_pool_is_funded_by_everyone():
    """m is paid on reports only (no rows of their own); the pool is funded by the period's
    margin over all employees: a1 10,000 + a2 10,000 + x1 (no manager, no revenue) 100,000 =
    120,000 → pool 0.1 × (120,000 − 100,000) = 2,000 < 2,200 earned → m is paid 2,000."""
    data = pd.DataFrame(
        {
            "employee": ["a1", "a2", "a1", "a2", "x1"],
            "period": ["2025-01"] * 5,
            "kpi": ["revenue", "revenue", "gross_margin", "gross_margin", "gross_margin"],
            "actual": [80.0, 140.0, 10_000.0, 10_000.0, 100_000.0],
            "manager": ["m", "m", "m", "m", None],
        }
    )
    pool = {"funded_by": {"kpi": "gross_margin", "rate": 0.1, "above": 100_000}}
    run = run_scheme(data, {**BOSS, "pool": pool}, library=False)
    assert _totals(run) == [["m", 2000.0]]
    assert run.pools[["funding", "pool", "earned", "paid"]].iloc[0].tolist() == [
        120_000.0, 2000.0, 2200.0, 2000.0,
    ]  # fmt: skip
