"""Tests for the report's "Cost and attainment by <group>" (kpitools.report.groups).

A small client worked by hand: three employees in a roster (teams A and B), one who is not
in it, one month; a bonus of 1,000 on target with a straight-line curve (pay = 1,000 ×
attainment) and a 10% commission. The shipped notebook shows the section end to end in
test_report_notebook.py.
"""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

from kpitools.report import build_context, cost_by_group, method_and_assumptions, workbook_tables
from kpitools.report.groups import MAX_TABLE_ROWS, _tables, group_table

matplotlib.use("Agg")

BONUS = """\
name: Bonus
period: month
on_target_pay: 1000
components:
  - kpi: revenue
    weight: 1
    target: {method: fixed, value: 100}
    curve: {points: [[0, 0], [2, 2]]}
"""
COMMISSION = """\
name: Commission
period: month
on_target_pay: 10
components:
  - kpi: revenue
    commission: {rate: 0.1}
"""


@pytest.fixture
def client(tmp_path):
    data = pd.DataFrame(
        {
            "employee": ["a1", "a2", "b1", "c1"],
            "period": ["2025-01"] * 4,
            "kpi": ["revenue"] * 4,
            "actual": [80.0, 140.0, 100.0, 50.0],
        }
    )
    data.to_csv(tmp_path / "data.csv", index=False)
    pd.DataFrame(
        {"employee": ["a1", "a2", "b1"], "team": ["A", "A", "B"], "region": ["East"] * 3}
    ).to_csv(tmp_path / "roster.csv", index=False)
    (tmp_path / "bonus.yaml").write_text(BONUS)
    (tmp_path / "commission.yaml").write_text(COMMISSION)
    return {
        "client": "Acme",
        "data": tmp_path / "data.csv",
        "schemes": [tmp_path / "bonus.yaml", tmp_path / "commission.yaml"],
        "currency": "USD",
        "forecast_draws": 0,
        "roster": tmp_path / "roster.csv",
    }


def test_groups_by_hand(client):
    ctx = build_context(**client, by=["team"])
    assert ctx.groups == ("team",)
    # pay = 1,000 × attainment: a1 800, a2 1,400, b1 1,000, c1 (no team) 500; commission 10%
    assert group_table(ctx, "team").to_dict("records") == [
        {
            "Team": team,
            "Scheme": scheme,
            "Employees": employees,
            "Total cost": total,
            "Cost per employee": per_employee,
            "At or above target": at_target,
            "Median payout (× on-target)": median,
        }
        for team, scheme, employees, total, per_employee, at_target, median in [
            ("A", "Bonus", "2", "2,200 USD", "1,100 USD", "50.0%", "1.10"),
            ("A", "Commission", "2", "22 USD", "11 USD", "n/a", "1.10"),
            ("B", "Bonus", "1", "1,000 USD", "1,000 USD", "100.0%", "1.00"),
            ("B", "Commission", "1", "10 USD", "10 USD", "n/a", "1.00"),
            ("(none)", "Bonus", "1", "500 USD", "500 USD", "0.0%", "0.50"),
            ("(none)", "Commission", "1", "5 USD", "5 USD", "n/a", "0.50"),
        ]
    ]
    lead, table, figure = cost_by_group(ctx)
    assert lead == (
        "## Cost and attainment by team\n\n3 team values, as the roster (roster.csv) gives "
        "them. Costs are totals over the periods each scheme evaluated; an employee who moved "
        "counts in each group for the periods spent there. Median payout is a multiple of "
        "on-target pay. Employee-periods without a team form the group (none)."
    )
    assert table.equals(group_table(ctx, "team"))
    ax = figure.fig.axes[0]
    # read from the top: A, B, then (none); a bar per scheme, labelled with its amount
    assert [t.get_text() for t in ax.get_yticklabels()] == ["(none)", "B", "A"]
    assert sorted(round(p.get_width(), 2) for p in ax.patches) == [5, 10, 22, 500, 1000, 2200]
    assert sorted(t.get_text() for t in ax.texts) == ["1,000", "10", "2,200", "22", "5", "500"]
    assert ax.get_xlabel() == "Total cost (USD)"
    assert figure.caption == "Total cost by team:"
    assert figure.alt == (
        "Bar chart: the total bonus cost of each team under Bonus, Commission, each bar "
        "labelled with its amount."
    )


def test_a_roster_groups_by_team_and_region_and_the_workbook_has_a_sheet_each(client):
    ctx = build_context(**client)
    assert ctx.groups == ("team", "region")
    tables = workbook_tables(ctx)
    assert list(tables) == [
        "Summary", "Assumptions", "Payouts", "By employee", "Winners and losers", "By team",
        "By region",
    ]  # fmt: skip
    by_region = tables["By region"]
    assert by_region[["scheme", "region", "employees", "total_cost"]].to_dict("records") == [
        {"scheme": "Bonus", "region": "East", "employees": 3, "total_cost": 3200.0},
        {"scheme": "Bonus", "region": "(none)", "employees": 1, "total_cost": 500.0},
        {"scheme": "Commission", "region": "East", "employees": 3, "total_cost": 32.0},
        {"scheme": "Commission", "region": "(none)", "employees": 1, "total_cost": 5.0},
    ]
    titles = [b for b in cost_by_group(ctx) if isinstance(b, str)]
    assert [t.splitlines()[0] for t in titles] == [
        "## Cost and attainment by team",
        "## Cost and attainment by region",
    ]


def test_without_a_roster_the_section_says_so(client):
    ctx = build_context(**{**client, "roster": None})
    assert ctx.groups == ()
    assert list(workbook_tables(ctx)) == [
        "Summary", "Assumptions", "Payouts", "By employee", "Winners and losers",
    ]  # fmt: skip
    assert cost_by_group(ctx) == [
        "## Cost and attainment by group\n\n"
        "No roster was given, so this report shows no cost or attainment by team or region. "
        "Give one (`--roster roster.csv`, or `roster:` for a client of a batch) to see them; "
        "`--by COLUMN` groups by any column of the data or the roster."
    ]


def test_a_roster_without_team_or_region_asks_for_by(client, tmp_path):
    pd.DataFrame({"employee": ["a1", "a2", "b1"], "office": ["Oslo", "Oslo", "Rome"]}).to_csv(
        tmp_path / "offices.csv", index=False
    )
    ctx = build_context(**{**client, "roster": tmp_path / "offices.csv"})
    assert cost_by_group(ctx) == [
        "## Cost and attainment by group\n\n"
        "The roster (offices.csv) has no team or region column, so this report shows no cost "
        "or attainment by group. Name a column with `--by` (the roster's grouping columns: "
        "office)."
    ]
    by_office = build_context(**{**client, "roster": tmp_path / "offices.csv"}, by=["office"])
    assert group_table(by_office, "office")["Office"].tolist() == [
        "Oslo",
        "Oslo",
        "Rome",
        "Rome",
        "(none)",
        "(none)",
    ]


def test_a_filter_and_an_override_change_what_the_report_pays(client):
    ctx = build_context(**client, where="team == A", overrides={"bonus": {"on_target_pay": 2000}})
    # only a1 and a2; the bonus (named by its file) pays 2,000 × attainment: 1,600 + 2,800
    assert ctx.data["employee"].unique().tolist() == ["a1", "a2"]
    assert ctx.simulation.metrics["total_cost"].to_dict() == {"Bonus": 4400.0, "Commission": 22.0}
    (method,) = method_and_assumptions(ctx)
    assert method.splitlines()[2:6] == [
        "- Data: data.csv, January 2025 to January 2025.",
        "- Roster: roster.csv, 3 employees; its team, region joined to the data by employee.",
        "- Filter: only the rows where team == A: 2 of 4 rows, 2 employees.",
        "- Changed for this report in bonus: on_target_pay = 2,000.",
    ]


def test_a_table_too_long_for_a_page_is_shown_one_scheme_at_a_time():
    rows = [{"Team": f"T{i}", "Scheme": s, "Employees": 1} for i in range(9) for s in ("A", "B")]
    table = pd.DataFrame(rows)
    assert len(table) > MAX_TABLE_ROWS
    blocks = _tables(table)
    assert [b for b in blocks if isinstance(b, str)] == ["**A**", "**B**"]
    parts = [b for b in blocks if isinstance(b, pd.DataFrame)]
    assert [p.columns.tolist() for p in parts] == [["Team", "Employees"]] * 2
    assert parts[0]["Team"].tolist() == [f"T{i}" for i in range(9)]
    assert _tables(table.head(MAX_TABLE_ROWS))[0] is not None and len(_tables(table.head(4))) == 1
