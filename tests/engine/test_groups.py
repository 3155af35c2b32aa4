"""Groups (``by=``), rosters and filters (``where=``) in simulate and compare.

A commission of 10% on sales, so every figure below is worked by hand:

=========  ====  ======  =======  ============  ==========
employee   team  region  actuals  payouts       total
=========  ====  ======  =======  ============  ==========
a          T1    East    100, 200 10, 20        30
b          T1    West    50, 50   5, 5          10
c          T2    East    300, 0   30, 0         30
d          —     —       10, 10   1, 1          2
=========  ====  ======  =======  ============  ==========
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from kpitools.cli import main
from kpitools.engine import NO_GROUP, calibrate, compare, simulate
from kpitools.errors import DefinitionError

SCHEME = {"name": "Commission", "on_target_pay": 10, "components": [
    {"kpi": "sales", "commission": {"rate": 0.1}}]}  # fmt: skip

ROSTER = pd.DataFrame(
    {"employee": ["a", "b", "c"], "team": ["T1", "T1", "T2"], "region": ["East", "West", "East"]}
)


def _data() -> pd.DataFrame:
    rows = [
        ("a", "2025-01", 100), ("a", "2025-02", 200), ("b", "2025-01", 50), ("b", "2025-02", 50),
        ("c", "2025-01", 300), ("c", "2025-02", 0), ("d", "2025-01", 10), ("d", "2025-02", 10),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["employee", "period", "actual"])
    return frame.assign(kpi="sales")[["employee", "period", "kpi", "actual"]]


def _costs(table: pd.DataFrame, column: str) -> dict[str, tuple[int, float]]:
    return {r[column]: (r["employees"], r["total_cost"]) for r in table.to_dict("records")}


def test_metrics_per_team_and_region_from_the_roster():
    result = simulate(_data(), SCHEME, library=False, roster=ROSTER, by=["team", "region"])
    assert _costs(result.by["team"], "team") == {
        "T1": (2, 40.0),
        "T2": (1, 30.0),
        NO_GROUP: (1, 2.0),
    }
    assert _costs(result.by["region"], "region") == {
        "East": (2, 60.0),
        "West": (1, 10.0),
        NO_GROUP: (1, 2.0),
    }
    team = result.by["team"].set_index("team")
    assert team.loc["T1", "cost_per_employee"] == 20.0
    assert list(result.by["team"].columns[:3]) == ["scheme", "team", "employees"]
    assert "budget_variance" not in result.by["team"].columns
    assert result.warnings == (
        "1 employee of the data is not in the roster (kept, without roster attributes): d.",
    )


def test_an_employee_who_moved_team_counts_for_each_team_in_its_months():
    data = _data().assign(team=["T1", "T2", "T1", "T1", "T2", "T2", "T3", "T3"])
    result = simulate(data, SCHEME, library=False, by="team")
    # a: January (10) in T1, February (20) in T2
    assert _costs(result.by["team"], "team") == {
        "T1": (2, 20.0),
        "T2": (2, 50.0),
        "T3": (1, 2.0),
    }


def test_where_filters_on_a_roster_column_before_the_run():
    result = simulate(_data(), SCHEME, library=False, roster=ROSTER, where="region == East")
    totals = result.totals.groupby("employee")["payout"].sum().to_dict()
    assert totals == {"a": 30.0, "c": 30.0}
    assert result.metrics.loc["Commission", "total_cost"] == 60.0


def test_where_with_a_value_that_never_occurs_is_an_error_not_zeros():
    with pytest.raises(DefinitionError) as info:
        simulate(_data(), SCHEME, library=False, roster=ROSTER, where="region == east")
    assert str(info.value) == (
        "the data: --where: 'region == east': the value 'east' never occurs in column 'region'. "
        "Did you mean 'East' or 'West'?\n"
        "Values present: 'East', 'West'.\n"
        "Suggestion: write the value exactly as the data has it (case matters); a value that "
        "never occurs would silently match nothing."
    )


def test_compare_by_team_returns_one_row_per_scheme_and_team():
    other = {**SCHEME, "name": "Double", "components": [
        {"kpi": "sales", "commission": {"rate": 0.2}}]}  # fmt: skip
    table = compare(_data(), [SCHEME, other], library=False, roster=ROSTER, by="team")
    got = {(r["scheme"], r["team"]): r["total_cost"] for r in table.to_dict("records")}
    assert got == {
        ("Commission", "T1"): 40.0,
        ("Commission", "T2"): 30.0,
        ("Commission", NO_GROUP): 2.0,
        ("Double", "T1"): 80.0,
        ("Double", "T2"): 60.0,
        ("Double", NO_GROUP): 4.0,
    }


def test_an_unknown_group_column_is_an_error_with_the_columns_there_are():
    with pytest.raises(DefinitionError) as info:
        simulate(_data(), SCHEME, library=False, roster=ROSTER, by="tem")
    assert str(info.value) == (
        "--by tem: no such column in the data or the roster. Did you mean 'team'?\n"
        "Suggestion: group by one of employee, role, team, region (or add the column to the "
        "roster)."
    )


def test_cli_by_team_writes_metrics_by_team_and_prints_the_table(tmp_path, capsys):
    data = tmp_path / "data.csv"
    _data().to_csv(data, index=False)
    roster = tmp_path / "roster.csv"
    ROSTER.to_csv(roster, index=False)
    scheme = tmp_path / "s.yaml"
    scheme.write_text(yaml.safe_dump(SCHEME), encoding="utf-8")
    out = tmp_path / "out"
    code = main(["simulate", "--data", str(data), "--scheme", str(scheme), "--roster",
                 str(roster), "--by", "team", "--out", str(out)])  # fmt: skip
    printed, err = capsys.readouterr()
    assert (code, err) == (0, "")
    saved = pd.read_csv(out / "metrics_by_team.csv")
    assert _costs(saved, "team") == {"T1": (2, 40.0), "T2": (1, 30.0), NO_GROUP: (1, 2.0)}
    block = printed[printed.index("By team:") :].splitlines()
    assert block[1].split() == [
        "scheme", "team", "employees", "total_cost", "cost_per_employee", "pct_at_target",
        "payout_p50",
    ]  # fmt: skip
    assert block[2].split()[:4] == ["Commission", "T1", "2", "40"]


def test_calibrate_solves_on_the_filtered_population_only():
    # East is a (100 + 200) and c (300 + 0): 600 of sales; a total cost of 30 needs a 5% rate
    result = calibrate(
        _data(), SCHEME, "components.0.commission.rate", "total_cost", 30.0,
        library=False, roster=ROSTER, where="region == East",
    )  # fmt: skip
    assert round(result.value, 6) == 0.05
    assert result.achieved == pytest.approx(30.0)
