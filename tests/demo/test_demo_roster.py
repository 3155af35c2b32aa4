"""The demo company's HR roster: a valid roster file that agrees with the data."""

from __future__ import annotations

import pandas as pd

from kpitools.data import join_roster, load_roster
from kpitools.demo import hr_roster


def test_the_roster_reads_cleanly_and_lists_the_managers_without_data(company):
    roster = load_roster(company.roster)
    assert roster.warnings == ()
    table = roster.table
    people = set(company.employees["employee"])
    managers = sorted(set(table["employee"]) - people)
    assert managers == sorted(set(company.employees["manager"]))
    # each manager's role follows their team: sales teams (reps, key accounts) or marketing
    # (a sales_manager is paid by templates/schemes/sales_manager_override.yaml)
    boss = table.set_index("employee").loc[managers]
    kind = company.employees.groupby("manager")["role"].agg(lambda s: s.mode().iloc[0])
    expected = kind.map({"sales_rep": "sales_manager", "key_account_manager": "sales_manager",
                         "marketing": "marketing_manager"})  # fmt: skip
    assert boss["role"].tolist() == expected.loc[managers].tolist()
    assert sorted(set(boss["role"])) == ["marketing_manager", "sales_manager"]
    # the data already carries team, region and manager: the roster agrees with all of them
    joined, notes = join_roster(company.data, roster, source="data.csv")
    assert len(joined) == len(company.data)
    assert notes == [
        f"{len(managers)} employees of the roster have no rows in data.csv (no results "
        f"invented; paid only by team or manager schemes): {', '.join(managers)}."
    ]


def test_hires_join_and_leavers_leave_within_their_first_and_last_month(company):
    emp = company.employees.set_index("employee")
    roster = company.roster.set_index("employee").loc[emp.index]
    hired = emp["hired"].to_numpy()
    assert (roster["hire_date"].str[:7][hired] == emp["first_period"][hired]).all()
    before = pd.to_datetime(roster["hire_date"][~hired]) < pd.Timestamp(company.periods[0])
    assert before.all()
    left = emp["left"].to_numpy()
    assert (roster["leave_date"].str[:7][left] == emp["last_period"][left]).all()
    assert (roster["leave_date"][~left] == "").all()
    days = pd.to_datetime(roster["hire_date"]).dt.day
    assert days.between(2, 28).all() and days.nunique() > 5  # part-way through a month


def test_salary_by_role_and_the_roster_is_derived_deterministically(company):
    roster = company.roster
    salary = roster.groupby("role")["salary"].unique().map(list).to_dict()
    assert salary == {
        "key_account_manager": [1_920_000.0],
        "marketing": [1_200_000.0],
        "sales_rep": [1_440_000.0],
        "sales_manager": [2_400_000.0],
        "marketing_manager": [2_160_000.0],
    }
    assert (roster["fte"] == 1.0).all()
    pd.testing.assert_frame_equal(hr_roster(company.employees), roster)
