"""Team and manager pay (contract §9 "Scope"): worked examples, properties and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpitools.cli import main
from kpitools.data import load_roster
from kpitools.engine import calibrate, run_scheme, simulate
from kpitools.engine.scope import group_totals
from kpitools.errors import DataValidationError, DefinitionError
from kpitools.scheme import load_scheme

CURVE = {"points": [[0, 0], [2, 2]]}  # the contract's: factor = attainment up to 2


def _data(rows):
    """A long table from (employee, period, kpi, actual[, target]) tuples."""
    frame = pd.DataFrame(
        rows, columns=["employee", "period", "kpi", "actual", "target"][: len(rows[0])]
    )
    return frame


def _scheme(name, otp, *components, **extra):
    return {"name": name, "on_target_pay": otp, "components": list(components), **extra}


def _component(scope=None, weight=1.0, target=100, kpi="revenue", curve=CURVE):
    out = {"kpi": kpi, "weight": weight, "target": target, "curve": curve}
    if scope is not None:
        out["scope"] = scope
    return out


CONTRACT_DATA = _data([("a1", "2025-01", "revenue", 80.0), ("a2", "2025-01", "revenue", 140.0)])
CONTRACT_ROSTER = pd.DataFrame(
    {"employee": ["a1", "a2", "m"], "team": ["T", "T", "T"], "manager": ["m", "m", None]}
)


def test_the_contract_example_to_the_cent():
    reps = _scheme("reps", 1000, _component(weight=0.5), _component("team", weight=0.5))
    run = run_scheme(CONTRACT_DATA, reps, roster=CONTRACT_ROSTER, library=False)
    assert run.totals[["employee", "payout"]].values.tolist() == [["a1", 950.0], ["a2", 1250.0]]
    team = run.payouts[run.payouts["component"] == "1"]
    # the team's row shows the members' sums, so the attainment can be traced
    assert team[["actual", "target", "attainment"]].values.tolist() == [[220.0, 200.0, 1.1]] * 2
    boss = _scheme("boss", 2000, _component("reports"))
    run = run_scheme(CONTRACT_DATA, boss, roster=CONTRACT_ROSTER, library=False)
    assert run.totals[["employee", "payout"]].values.tolist() == [["m", 2200.0]]
    assert run.payouts["kpi"].tolist() == ["revenue", ""]


def test_the_contract_example_from_files_on_the_command_line(tmp_path, capsys):
    CONTRACT_DATA.to_csv(tmp_path / "data.csv", index=False)
    CONTRACT_ROSTER.to_csv(tmp_path / "roster.csv", index=False)
    (tmp_path / "boss.yaml").write_text(
        "name: boss\non_target_pay: 2000\ncomponents:\n"
        "  - {kpi: revenue, scope: reports, weight: 1, target: {method: fixed, value: 100},"
        " curve: {points: [[0, 0], [2, 2]]}}\n"
    )
    args = ["simulate", "--data", str(tmp_path / "data.csv"), "--scheme",
            str(tmp_path / "boss.yaml"), "--roster", str(tmp_path / "roster.csv"),
            "--out", str(tmp_path / "out")]  # fmt: skip
    assert main(args) == 0, capsys.readouterr()
    payouts = pd.read_csv(tmp_path / "out" / "payouts.csv", dtype={"employee": str})
    total = payouts[payouts["component"] == "total"]
    assert total[["employee", "payout"]].values.tolist() == [["m", 2200.0]]


def test_targets_are_set_per_member_first_then_summed():
    # from_data targets differ per member: the team's target is their sum, not 2 × one
    data = _data([("a1", "2025-01", "revenue", 80.0, 50.0),
                  ("a2", "2025-01", "revenue", 140.0, 150.0)])  # fmt: skip
    boss = _scheme("boss", 2000, _component("reports", target={"method": "from_data"}))
    run = run_scheme(data, boss, roster=CONTRACT_ROSTER, library=False)
    row = run.payouts.iloc[0]
    assert (row["actual"], row["target"], row["attainment"]) == (220.0, 200.0, 1.1)


def test_a_ratio_kpi_sums_its_numerator_and_denominator_over_the_team():
    # win_rate = won_deals / closed_deals (library: aggregation ratio)
    rows = [("a1", "2025-01", "win_rate", 0.5, 0.4), ("a1", "2025-01", "won_deals", 1.0, None),
            ("a1", "2025-01", "closed_deals", 2.0, None),
            ("a2", "2025-01", "win_rate", 0.25, 0.5), ("a2", "2025-01", "won_deals", 2.0, None),
            ("a2", "2025-01", "closed_deals", 8.0, None)]  # fmt: skip
    boss = _scheme("boss", 1000, _component("reports", kpi="win_rate",
                                            target={"method": "from_data"}))  # fmt: skip
    run = run_scheme(_data(rows), boss, roster=CONTRACT_ROSTER)
    row = run.payouts.iloc[0]
    # 3 won of 10 closed; targets weighted by closed deals: (0.4 × 2 + 0.5 × 8) / 10 = 0.48
    assert row["actual"] == pytest.approx(0.3) and row["target"] == pytest.approx(0.48)
    assert row["payout"] == 625.0  # 0.3 / 0.48 = 0.625


def test_group_totals_mean_and_missing_members():
    t = group_totals(["T", "T", None, "T"], ["2025-01"] * 4, np.array([1.0, 3.0, 9.0, np.nan]),
                     np.array([2.0, 2.0, 2.0, 2.0]), aggregation="mean")  # fmt: skip
    actual, target = t.at(["T", "T"], ["2025-01", "2025-02"])
    assert actual.tolist()[0] == 2.0 and target.tolist()[0] == 2.0
    assert np.isnan(actual[1]) and np.isnan(target[1])


def test_scope_on_gates_and_modifiers():
    data = _data([("a1", "2025-01", "revenue", 80.0), ("a2", "2025-01", "revenue", 140.0),
                  ("a1", "2025-01", "nps", 10.0), ("a2", "2025-01", "nps", 50.0)])  # fmt: skip
    reps = _scheme(
        "reps", 1000, _component(),
        gates=[{"kpi": "nps", "min_attainment": 0.9, "target": 30, "scope": "team"}],
        modifiers=[{"kpi": "nps", "target": 30, "scope": "team",
                    "curve": {"steps": [[0, 0.5], [1.0, 1.1]]}}],
    )  # fmt: skip
    run = run_scheme(data, reps, roster=CONTRACT_ROSTER, library=False)
    # team nps 60 of 60: both pass the gate (a1 alone would fail) and get the 1.1 modifier
    assert run.totals["gate_passed"].tolist() == [True, True]
    assert run.totals["payout"].tolist() == [880.0, 1540.0]


def test_roles_decide_who_a_team_scheme_pays():
    roster = CONTRACT_ROSTER.assign(role=["rep", "rep", "lead"])
    boss = _scheme("boss", 2000, _component("team"), roles=["lead"])
    run = run_scheme(CONTRACT_DATA, boss, roster=roster, library=False)
    assert run.totals[["employee", "role", "payout"]].values.tolist() == [["m", "lead", 2200.0]]
    everyone = run_scheme(CONTRACT_DATA, _scheme("all", 2000, _component("team")),
                          roster=roster, library=False)  # fmt: skip
    assert everyone.totals["employee"].tolist() == ["a1", "a2", "m"]
    assert everyone.totals["payout"].tolist() == [2200.0] * 3


def test_a_manager_over_nobody_and_a_leaver_are_not_paid():
    roster = pd.DataFrame({"employee": ["a1", "a2", "m", "idle", "gone"],
                           "manager": ["m", "gone", None, None, None],
                           "leave_date": [None, None, None, None, "2024-12-31"]})  # fmt: skip
    run = run_scheme(CONTRACT_DATA, _scheme("boss", 2000, _component("reports")),
                     roster=roster, library=False)  # fmt: skip
    # idle manages nobody; gone (a2's manager) left before the month: left out, said so
    assert run.totals[["employee", "payout"]].values.tolist() == [["m", 1600.0]]  # a1: 80 of 100
    assert any("active share 0" in w for w in run.warnings)


# ----------------------------------------------------------------------------- properties

_amount = st.floats(0.0, 1_000.0, allow_nan=False).map(lambda x: round(x, 2))
_target = st.floats(1.0, 1_000.0, allow_nan=False).map(lambda x: round(x, 2))
_points = st.lists(
    st.tuples(st.integers(0, 300).map(lambda a: a / 100), st.floats(0.0, 3.0)),
    min_size=1, max_size=4, unique_by=lambda p: p[0],
)  # fmt: skip


def _curve(points):
    points = sorted((round(a, 3), round(f, 3)) for a, f in points)
    return {"points": [list(p) for p in points]}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_amount, _target), min_size=1, max_size=6), _points)
def test_a_team_of_one_pays_as_own_scope(rows, points):
    n = len(rows)
    data = _data([(f"e{i}", "2025-01", "revenue", a, t) for i, (a, t) in enumerate(rows)])
    roster = pd.DataFrame({"employee": [f"e{i}" for i in range(n)],
                           "team": [f"T{i}" for i in range(n)]})  # fmt: skip
    target = {"method": "from_data"}
    curve = _curve(points)
    own = run_scheme(data, _scheme("own", 1000, _component(target=target, curve=curve)),
                     library=False)  # fmt: skip
    team = run_scheme(data, _scheme("team", 1000, _component("team", target=target, curve=curve)),
                      roster=roster, library=False)  # fmt: skip
    assert team.totals["payout"].tolist() == own.totals["payout"].tolist()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_amount, _target, st.integers(0, 2)), min_size=1, max_size=8))
def test_a_manager_gets_the_team_attainment_and_nobody_else(rows):
    data = _data([(f"e{i}", "2025-01", "revenue", a, t) for i, (a, t, _) in enumerate(rows)])
    managers = [f"m{k}" for (k,) in {(k,) for *_, k in rows}]
    roster = pd.DataFrame({
        "employee": [f"e{i}" for i in range(len(rows))] + ["m0", "m1", "m2"],
        "manager": [f"m{k}" for *_, k in rows] + [None] * 3,
        "role": ["rep"] * len(rows) + ["boss"] * 3,
    })  # fmt: skip
    boss = _scheme("boss", 1000, _component("reports", target={"method": "from_data"},
                                            curve={"points": [[0, 0], [10, 10]]}),
                   roles=["boss"])  # fmt: skip
    run = run_scheme(data, boss, roster=roster, library=False)
    assert sorted(run.totals["employee"]) == sorted(managers)  # over nobody → not paid
    for m, pay in zip(run.totals["employee"], run.totals["payout"], strict=True):
        mine = [(a, t) for a, t, k in rows if f"m{k}" == m]
        att = round(sum(a for a, _ in mine) / sum(t for _, t in mine), 12)
        assert pay == round(1000 * min(att, 10.0), 2)


# ---------------------------------------------------------------------------- bad input


def test_scope_team_without_a_roster_or_its_column_names_the_key():
    reps = _scheme("reps", 1000, _component(weight=0.5), _component("team", weight=0.5))
    with pytest.raises(DefinitionError) as info:
        run_scheme(CONTRACT_DATA, reps, library=False)
    assert str(info.value) == (
        "scheme 'reps': components[1].scope: scope 'team' needs a roster with a 'team' column, "
        "or a 'team' column in the data (each employee's team); no roster was given and the "
        "data has no 'team' column.\n"
        "Suggestion: pass the roster (--roster FILE) with employee and team columns, add a "
        "team column to the data, or use scope: own."
    )
    boss = _scheme("boss", 1000, _component("reports"))
    with pytest.raises(DefinitionError) as info:
        run_scheme(CONTRACT_DATA, boss, roster=CONTRACT_ROSTER[["employee", "team"]],
                   library=False)  # fmt: skip
    assert str(info.value) == (
        "scheme 'boss': components[0].scope: scope 'reports' needs a roster with a 'manager' "
        "column, or a 'manager' column in the data (each employee's manager); the roster has "
        "no 'manager' column and the data has no 'manager' column.\n"
        "Suggestion: pass the roster (--roster FILE) with employee and manager columns, add a "
        "manager column to the data, or use scope: own."
    )


def test_a_manager_cycle_is_refused_by_the_roster():
    roster = pd.DataFrame({"employee": ["a1", "a2", "m"], "manager": ["m", "m", "a1"]})
    with pytest.raises(DataValidationError) as info:
        run_scheme(CONTRACT_DATA, _scheme("boss", 1000, _component("reports")),
                   roster=roster, library=False)  # fmt: skip
    assert str(info.value) == (
        "<DataFrame>: 1 problem in 2 rows; nothing was loaded.\n"
        "- column 'manager': managers in a circle (someone manages themselves, directly or "
        "through others) (2 rows): row 0 ('m'), row 2 ('a1') (a1 → m → a1)\n"
        "  Suggestion: give the person at the top of the chain an empty manager."
    )


def test_an_unknown_role_says_did_you_mean():
    roster = CONTRACT_ROSTER.assign(role=["rep", "rep", "lead"])
    boss = _scheme("boss", 1000, _component("reports"), roles=["leed"])
    with pytest.raises(DefinitionError) as info:
        run_scheme(CONTRACT_DATA, boss, roster=roster, library=False)
    assert str(info.value) == (
        "scheme 'boss': roles[0]: role 'leed' is not in the roster. Did you mean 'lead'?\n"
        "Suggestion: list roles the roster has: lead, rep."
    )


def test_an_unknown_scope_and_a_ratio_true_up_of_a_group_are_refused():
    with pytest.raises(DefinitionError) as info:
        load_scheme(_scheme("s", 1, _component("teams")))
    assert str(info.value) == (
        "scheme 's': components[0].scope: 'teams' is not allowed. Did you mean 'team'?\n"
        "Suggestion: use one of: own, team, reports."
    )
    data = _data(
        [
            (e, "2025-01", k, v)
            for e in ("a1", "a2")
            for k, v in (("conversion_rate", 0.2), ("won_deals", 2.0), ("leads", 10.0))
        ]
    )
    ratio = _scheme("r", 1000, _component("reports", kpi="conversion_rate", target=0.25),
                    true_up={"over": "year"})  # fmt: skip
    with pytest.raises(DefinitionError) as info:
        run_scheme(data, ratio, roster=CONTRACT_ROSTER)
    assert str(info.value) == (
        "scheme 'r': components[0].scope: a true-up of a group's ratio KPI ('conversion_rate') "
        "is not supported yet.\nSuggestion: pay this item on each period's own figure (remove "
        "true_up:), or measure a sum KPI."
    )


# A manager over two reps, paid on the reps' revenue against 100 each (200 together), a step
# at 80%: January 75 + 75 = 150 (75%: nothing), February 125 + 125 = 250 (125%: 1,000).
OVER_TIME_DATA = _data(
    [
        ("a1", "2025-01", "revenue", 75.0),
        ("a2", "2025-01", "revenue", 75.0),
        ("a1", "2025-02", "revenue", 125.0),
        ("a2", "2025-02", "revenue", 125.0),
    ]
)
OVER_TIME_ROSTER = pd.DataFrame(
    {
        "employee": ["a1", "a2", "m"],
        "role": ["rep", "rep", "lead"],
        "manager": ["m", "m", None],
        "hire_date": ["2020-01-01"] * 3,
    }
)
STEP_AT_80 = {"points": [[0.8, 0], [0.8, 1], [2, 1]]}


def test_a_managers_year_to_date_true_up_by_hand():
    """Year to date in February: 400 of 400 = 100% → earned to date 2 × 1,000 = 2,000, paid so
    far 0 → February pays 2,000 (1,000 without the true-up)."""
    boss = _scheme("boss", 1000, _component("reports", curve=STEP_AT_80), roles=["lead"],
                   true_up={"over": "year", "shortfall": "carry"})  # fmt: skip
    run = run_scheme(OVER_TIME_DATA, boss, roster=OVER_TIME_ROSTER, library=False)
    totals = run.totals[["employee", "period", "earned", "earned_to_date", "payment"]]
    assert totals.values.tolist() == [
        ["m", "2025-01", 0.0, 0.0, 0.0],
        ["m", "2025-02", 1000.0, 2000.0, 2000.0],
    ]


def test_a_managers_recoverable_draw_by_hand():
    """January earns nothing: the draw pays 300 (balance 300); February earns 1,000, of which
    300 is recovered: pays 700, balance 0."""
    boss = _scheme("boss", 1000, _component("reports", curve=STEP_AT_80), roles=["lead"],
                   draw={"amount": 300, "recoverable": True})  # fmt: skip
    run = run_scheme(OVER_TIME_DATA, boss, roster=OVER_TIME_ROSTER, library=False)
    assert run.totals[["period", "payment", "draw_balance"]].values.tolist() == [
        ["2025-01", 300.0, 300.0],
        ["2025-02", 700.0, 0.0],
    ]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_amount, _amount), min_size=1, max_size=4), _points, st.booleans())
def test_a_team_of_one_pays_over_time_as_own_scope(rows, points, carry):
    """A year-to-date true-up (and a draw) on a team of one pays what it pays on one's own."""
    data = _data([(f"e{i}", f"2025-0{m}", "revenue", a) for i, pair in enumerate(rows)
                  for m, a in ((1, pair[0]), (2, pair[1]))])  # fmt: skip
    n = len(rows)
    roster = pd.DataFrame({"employee": [f"e{i}" for i in range(n)],
                           "team": [f"T{i}" for i in range(n)]})  # fmt: skip
    over_time = {"true_up": {"over": "year", "shortfall": "carry" if carry else "recover"},
                 "draw": {"amount": 200, "recoverable": True}}  # fmt: skip
    curve = _curve(points)
    own = run_scheme(data, _scheme("own", 1000, _component(curve=curve), **over_time),
                     library=False)  # fmt: skip
    team = run_scheme(data, _scheme("team", 1000, _component("team", curve=curve), **over_time),
                      roster=roster, library=False)  # fmt: skip
    columns = ["employee", "period", "earned_to_date", "paid_to_date", "draw_balance", "payment"]
    pd.testing.assert_frame_equal(team.totals[columns], own.totals[columns])
    # an own item beside the team's (the employee's rows, the team's value for one item),
    # against the same two halves on one's own (each half is rounded to the cent)
    half = _component(weight=0.5, curve=curve)
    halves = run_scheme(data, _scheme("halves", 1000, half, half, **over_time), library=False)
    mixed = run_scheme(data, _scheme("mixed", 1000, half, {**half, "scope": "team"}, **over_time),
                       roster=roster, library=False)  # fmt: skip
    pd.testing.assert_frame_equal(mixed.totals[columns], halves.totals[columns])


def test_a_members_missing_target_names_the_item_as_written():
    data = _data(
        [("a1", "2025-01", "revenue", 80.0, 100.0), ("a2", "2025-01", "revenue", 140.0, None)]
    )
    gate = {"kpi": "revenue", "min_attainment": 1, "target": {"method": "from_data"},
            "scope": "reports"}  # fmt: skip
    boss = _scheme("boss", 1000, _component("reports"), gates=[gate])
    with pytest.raises(DataValidationError) as info:
        run_scheme(data, boss, roster=CONTRACT_ROSTER, library=False)
    # the members' run reads the gate as its second item: the message names it as written
    assert str(info.value) == (
        "scheme 'boss': gates[0] (revenue): no target: the data's target column is empty for "
        "it (in at least one month of the period) for employee 'a2' in 2025-01.\n"
        "Suggestion: fill in the target column for these rows, or use another target method."
    )


def test_simulate_runs_scoped_and_plain_schemes_side_by_side():
    reps = _scheme("reps", 1000, _component())
    boss = _scheme("boss", 2000, _component("reports"))
    result = simulate(CONTRACT_DATA, [reps, boss], roster=load_roster(CONTRACT_ROSTER),
                      library=False)  # fmt: skip
    assert result.metrics.loc["boss", "total_cost"] == 2200.0
    assert result.metrics.loc["reps", "total_cost"] == 800.0 + 1400.0


def test_a_managers_forecast_draws_whole_past_periods_of_the_team():
    rows = [
        ("a1", "2025-01", "revenue", 80.0), ("a2", "2025-01", "revenue", 140.0),
        ("a1", "2025-02", "revenue", 100.0), ("a2", "2025-02", "revenue", 60.0),
        ("a1", "2025-03", "revenue", 150.0), ("a2", "2025-03", "revenue", 150.0),
    ]  # fmt: skip
    boss = _scheme("boss", 2000, _component("reports"))
    result = simulate(_data(rows), boss, roster=load_roster(CONTRACT_ROSTER), library=False,
                      forecast=200, seed=3)  # fmt: skip
    draws = result.forecasts["boss"].draws["total_cost"]
    # each draw is one past month of the whole team against next month's 100 + 100
    assert set(draws.round(2)) == {2200.0, 1600.0, 3000.0}


def test_calibrating_a_team_target_prepares_the_members_again():
    boss = _scheme("boss", 2000, _component("reports"))
    # the manager costs 2,000 when the reports' 220 meet a team target of 220: 110 each
    result = calibrate(CONTRACT_DATA, boss, "components.0.target.value", "total_cost", 2000,
                       (50, 200), roster=CONTRACT_ROSTER, library=False)  # fmt: skip
    assert result.value == pytest.approx(110.0, abs=0.01)
    assert result.achieved == pytest.approx(2000.0, abs=0.01)


def test_a_member_without_an_own_actual_still_gets_the_team_value():
    # b has no revenue row of their own in January, only calls: their team component pays
    rows = [("a1", "2025-01", "revenue", 80.0), ("a2", "2025-01", "revenue", 140.0),
            ("a1", "2025-01", "calls", 5.0), ("a2", "2025-01", "calls", 5.0),
            ("b", "2025-01", "calls", 5.0)]  # fmt: skip
    roster = pd.DataFrame({"employee": ["a1", "a2", "b"], "team": ["T", "T", "T"]})
    scheme = _scheme(
        "s",
        1000,
        _component(weight=0.5, kpi="calls", target=5),
        _component("team", weight=0.5),
    )
    run = run_scheme(_data(rows), scheme, roster=roster, library=False)
    assert run.totals[["employee", "payout"]].values.tolist() == [
        ["a1", 1050.0],
        ["a2", 1050.0],
        ["b", 1050.0],
    ]
    assert not any("have no actual" in w for w in run.warnings)


# a1's January is restated in March (80 -> 100); clawback within 3 months
RESTATED = pd.DataFrame(
    {
        "employee": ["a1", "a2", "a1", "a1", "a2", "a1", "a2"],
        "period": ["2025-01", "2025-01", "2025-01", "2025-02", "2025-02", "2025-03", "2025-03"],
        "kpi": ["revenue"] * 7,
        "actual": [80.0, 140.0, 100.0, 100.0, 100.0, 100.0, 100.0],
        "as_of": [None, None, "2025-03", None, None, None, None],
    }
)


def _payments(run):
    t = run.totals
    return {
        (e, p): (a, pay)
        for e, p, a, pay in zip(
            t["employee"], t["period"], t["adjustment"], t["payment"], strict=True
        )
    }


def test_a_restated_members_value_adjusts_the_team_and_the_manager():
    """By hand. January as paid: team 220/200 = 1.1; a1 0.5 x 1,000 x 0.8 + 0.5 x 1,000 x 1.1
    = 950, a2 700 + 550 = 1,250; manager 2,000 x 1.1 = 2,200. Restated (a1 100): team 1.2;
    a1 500 + 600 = 1,100 (+150), a2 700 + 600 = 1,300 (+50), manager 2,400 (+200), each
    paid in March beside March's own pay (a1 and a2 1,000, the manager 2,000)."""
    reps = _scheme("reps", 1000, _component(weight=0.5), _component("team", weight=0.5),
                   clawback={"within": 3})  # fmt: skip
    run = run_scheme(RESTATED, reps, roster=CONTRACT_ROSTER, library=False)
    assert _payments(run) == {
        ("a1", "2025-01"): (0.0, 950.0),
        ("a2", "2025-01"): (0.0, 1250.0),
        ("a1", "2025-02"): (0.0, 1000.0),
        ("a2", "2025-02"): (0.0, 1000.0),
        ("a1", "2025-03"): (150.0, 1150.0),
        ("a2", "2025-03"): (50.0, 1050.0),
    }
    boss = _scheme("boss", 2000, _component("reports"), clawback={"within": 3})
    run = run_scheme(RESTATED, boss, roster=CONTRACT_ROSTER, library=False)
    assert _payments(run) == {
        ("m", "2025-01"): (0.0, 2200.0),
        ("m", "2025-02"): (0.0, 2000.0),
        ("m", "2025-03"): (200.0, 2200.0),
    }


def test_a_restatement_older_than_the_window_leaves_the_team_as_paid():
    reps = _scheme("reps", 1000, _component(weight=0.5), _component("team", weight=0.5),
                   clawback={"within": 1})  # fmt: skip
    run = run_scheme(RESTATED, reps, roster=CONTRACT_ROSTER, library=False)
    assert run.totals["adjustment"].tolist() == [0.0] * 6
    assert run.totals["payment"].tolist()[:2] == [950.0, 1250.0]
    assert any("listed and ignored" in w for w in run.warnings)
