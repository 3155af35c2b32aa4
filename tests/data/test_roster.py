"""The roster: read, validated with every problem at once, joined to the data by employee."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpitools.data import load
from kpitools.data.roster import join_roster, load_roster
from kpitools.errors import DataValidationError

GOOD = (
    "employee;team;region;manager;hire_date;leave_date;fte;on_target_pay;salary;currency;office\n"
    "M1;Mgmt;East;;2020-01-01;;1;2000;120000;usd;HQ\n"
    "E1;North;East;M1;01.02.2025;;0,5;1 000;96000;EUR;Riga\n"
    "E2;North;East;M1;3/15/2024;2025-01-31;1;1000;90000;USD;Riga\n"
)


def test_a_roster_is_read_by_the_datas_rules(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(GOOD, encoding="utf-8")
    roster = load_roster(path)
    t = roster.table
    assert t["employee"].tolist() == ["M1", "E1", "E2"]
    assert roster.attributes == ("team", "region", "manager", "office")
    assert pd.isna(t["manager"][0]) and t["manager"].tolist()[1:] == ["M1", "M1"]
    assert [str(d.date()) for d in t["hire_date"]] == ["2020-01-01", "2025-02-01", "2024-03-15"]
    assert np.isnat(t["leave_date"].to_numpy()[:2]).all()
    assert t["fte"].tolist() == [1.0, 0.5, 1.0]
    assert t["on_target_pay"].tolist() == [2000.0, 1000.0, 1000.0]
    assert t["currency"].tolist() == ["USD", "EUR", "USD"]


def test_every_roster_problem_is_listed_with_its_rows(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        "employee,manager,hire_date,leave_date,fte,currency\n"
        "A,B,2025-01-01,2024-12-31,1,USD\n"
        "B,A,2025-01-01,,1.5,US\n"
        "C,Z,someday,,0,EUR\n"
        "C,,2025-01-01,,1,EUR\n"
        ",,,,,\n"
        ",A,,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(DataValidationError) as err:
        load_roster(path)
    assert str(err.value) == (
        f"{path}: 7 problems in 5 rows; nothing was loaded.\n"
        "- column 'manager': managers in a circle (someone manages themselves, directly or "
        "through others) (2 rows): row 2 ('B'), row 3 ('A') (A → B → A)\n"
        "  Suggestion: give the person at the top of the chain an empty manager.\n"
        "- column 'leave_date': leave date before the hire date (1 row): row 2 "
        "('hired 2025-01-01, left 2024-12-31')\n"
        "  Suggestion: check both dates.\n"
        "- column 'fte': FTE out of range (it is a share of full time: above 0, at most 1) "
        "(2 rows): row 3 ('1.5'), row 4 ('0')\n"
        "  Suggestion: write 0.5 for half time and 1 for full time (not 50 or 100).\n"
        "- column 'currency': not a currency code (1 row): row 3 ('US')\n"
        "  Suggestion: write the three-letter ISO 4217 code, e.g. USD, EUR, RUB.\n"
        "- column 'employee': employee listed more than once (2 rows): row 4 ('C'), row 5 ('C')\n"
        "  Suggestion: keep one row per employee (a move between teams is a change of the row).\n"
        "- column 'hire_date': cannot read the date (1 row): row 4 ('someday')\n"
        "  Suggestion: write dates as YYYY-MM-DD (2025-01-15), DD.MM.YYYY or M/D/YYYY; leave a "
        "leave date empty for people still there.\n"
        "- column 'employee': no employee id (1 row): row 7\n"
        "  Suggestion: fill in the employee id or delete the row."
    )


def test_a_manager_missing_from_the_roster_is_a_warning_not_a_stop():
    """HR rosters often leave out the top of the chain: the roster loads, with a warning."""
    roster = load_roster(pd.DataFrame({"employee": ["a1", "a2"], "manager": ["m", "m"]}))
    assert roster.table["manager"].tolist() == ["m", "m"]
    assert roster.warnings == (
        "- column 'manager': manager is not an employee of the roster (2 rows): row 0 ('m'), "
        "row 1 ('m')",
        "  Suggestion: nothing to do unless that manager is paid on their reports (scope: "
        "reports): then add them to the roster; check that the column holds employee ids, not "
        "names.",
    )


def test_a_roster_without_an_employee_column_names_what_it_found():
    with pytest.raises(DataValidationError) as err:
        load_roster(pd.DataFrame({"name": ["A"], "team": ["T"]}))
    assert str(err.value) == (
        "<DataFrame>: a roster needs an 'employee' column; found columns: 'name', 'team'.\n"
        "Suggestion: name the column of employee ids 'employee'."
    )


DATA = pd.DataFrame(
    {
        "employee": ["E1", "E1", "E2", "X9"],
        "period": ["2025-01", "2025-02", "2025-01", "2025-01"],
        "kpi": ["revenue"] * 4,
        "actual": [1.0, 2.0, 3.0, 4.0],
    }
)


def test_join_adds_attributes_and_lists_who_is_in_one_file_only():
    roster = load_roster(
        pd.DataFrame(
            {
                "employee": ["E1", "E2", "E3"],
                "team": ["North", "South", "South"],
                "office": ["Riga", "Oslo", "Oslo"],
            }
        )
    )
    joined, notes = join_roster(DATA, roster, source="deals.csv")
    assert joined["team"].tolist()[:3] == ["North", "North", "South"]
    assert joined["office"].tolist()[:3] == ["Riga", "Riga", "Oslo"]
    assert joined[["team", "office"]].iloc[3].isna().all()
    assert joined["actual"].tolist() == DATA["actual"].tolist()  # nothing dropped
    assert notes == [
        "1 employee of deals.csv is not in the roster (kept, without roster attributes): X9.",
        "1 employee of the roster has no rows in deals.csv (no results invented; paid only by "
        "team or manager schemes): E3.",
    ]


def test_join_refuses_an_attribute_the_two_files_disagree_on():
    data = DATA.assign(team=["North", "North", "East", "West"])
    roster = load_roster(pd.DataFrame({"employee": ["E1", "E2"], "team": ["North", "South"]}))
    with pytest.raises(DataValidationError) as err:
        join_roster(data, roster, source="deals.csv")
    assert str(err.value) == (
        "deals.csv and the roster disagree on 1 employee attribute:\n"
        "- employee 'E2': team 'East' in deals.csv, 'South' in the roster\n"
        "Suggestion: correct one of the two files, or drop the column from the data and let the "
        "roster say it."
    )


def test_loading_data_then_joining_keeps_the_tables_types(tmp_path):
    path = tmp_path / "d.csv"
    DATA.to_csv(path, index=False)
    roster = load_roster(pd.DataFrame({"employee": ["E1", "E2", "X9"], "region": ["E", "W", "W"]}))
    joined, notes = join_roster(load(path, library=False), roster)
    assert notes == []
    assert joined["region"].tolist() == ["E", "E", "W", "W"]
