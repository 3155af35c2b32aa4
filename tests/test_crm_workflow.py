"""A CRM client's exports, start to finish, with the command line only (no pandas by hand).

Raw deals and an HR roster (``tests/fixtures/crm``) → ``data aggregate`` → ``data check
--roster`` → ``simulate --roster --by team --by regional_office`` → ``report --roster --by
team --by regional_office``. Every figure is checked against the deals themselves, summed here
independently of kpitools.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

CRM = Path(__file__).parent / "fixtures" / "crm"


def kpitools(*args: str) -> subprocess.CompletedProcess:
    """Run the real command line, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "kpitools.cli", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def deals() -> pd.DataFrame:
    frame = pd.read_csv(CRM / "deals.csv")
    return frame[frame["deal_stage"] == "Won"].assign(period=lambda d: d["close_date"].str[:7])


@pytest.fixture(scope="module")
def workflow(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("crm")
    kpis = out / "kpis.csv"
    roster = CRM / "roster.csv"
    flat, tiered = CRM / "flat_commission.yaml", CRM / "tiered_commission.yaml"
    won = "revenue=sum(close_value) where deal_stage == Won"
    steps = {
        "aggregate": kpitools(
            "data",
            "aggregate",
            str(CRM / "deals.csv"),
            "--employee",
            "sales_agent",
            "--date",
            "close_date",
            "--measure",
            won,
            "--measure",
            "won_deals=count where deal_stage == Won",
            "--measure",
            "closed_deals=count",
            "--out",
            str(kpis),
        ),  # fmt: skip
        "check": kpitools("data", "check", str(kpis), "--roster", str(roster)),
        "simulate": kpitools(
            "simulate",
            "--data",
            str(kpis),
            "--roster",
            str(roster),
            "--scheme",
            str(flat),
            "--scheme",
            str(tiered),
            "--by",
            "team",
            "--by",
            "regional_office",
            "--out",
            str(out / "simulation"),
        ),  # fmt: skip
        "report": kpitools(
            "report",
            "--client",
            "CRM Client",
            "--data",
            str(kpis),
            "--design",
            "",
            "--scheme",
            str(flat),
            "--scheme",
            str(tiered),
            "--roster",
            str(roster),
            "--by",
            "team",
            "--by",
            "regional_office",
            "--format",
            "html,xlsx",
            "--forecast",
            "0",
            "--out",
            str(out / "report"),
        ),  # fmt: skip
    }
    return {"out": out, "kpis": kpis, **steps}


def test_every_step_succeeds_without_a_traceback(workflow):
    for step in ("aggregate", "check", "simulate", "report"):
        proc = workflow[step]
        assert proc.returncode == 0, f"{step}: {proc.stdout}{proc.stderr}"
        assert "Traceback" not in proc.stderr


def test_aggregate_builds_monthly_kpis_per_agent_from_the_deals(workflow, deals):
    table = pd.read_csv(workflow["kpis"])
    revenue = table[table["kpi"] == "revenue"].set_index(["employee", "period"])["actual"]
    revenue = revenue.astype(float)
    expected = deals.groupby(["sales_agent", "period"])["close_value"].sum()
    expected.index.names = ["employee", "period"]
    # a month with closed deals but none won is a month of 0 revenue, not a missing month
    expected = expected.reindex(revenue.index, fill_value=0).astype(float)
    assert len(revenue) == 18 and (revenue == 0).sum() == 1
    pd.testing.assert_series_equal(revenue.sort_index(), expected.sort_index(), check_names=False)


def test_check_reports_the_roster_join_and_the_values(workflow):
    out = workflow["check"].stdout
    assert (
        f"  - 2 employees of {CRM / 'roster.csv'} have no rows in {workflow['kpis']} "
        "(no results invented; paid only by team or manager schemes): Mia Hart, Noah Ivers."
    ) in out.splitlines()
    assert "Values per KPI:" in out and "Result: OK" in out


def _tiered(revenue: float) -> float:
    return 0.03 * min(revenue, 20_000) + 0.08 * max(revenue - 20_000, 0)


def test_simulate_by_team_and_office_matches_the_deals_summed_by_hand(workflow, deals):
    roster = pd.read_csv(CRM / "roster.csv").set_index("employee")
    monthly = deals.groupby(["sales_agent", "period"])["close_value"].sum().reset_index()
    monthly["flat"] = 0.05 * monthly["close_value"]
    monthly["tiered"] = monthly["close_value"].map(_tiered)
    sim = workflow["out"] / "simulation"
    for column in ("team", "regional_office"):
        table = pd.read_csv(sim / f"metrics_by_{column}.csv")
        monthly[column] = monthly["sales_agent"].map(roster[column])
        for scheme, key in (("Flat commission", "flat"), ("Tiered commission", "tiered")):
            got = table[table["scheme"] == scheme].set_index(column)["total_cost"]
            expected = monthly.groupby(column)[key].sum()
            assert got.round(2).to_dict() == expected.round(2).to_dict(), (column, scheme)
    printed = workflow["simulate"].stdout
    assert "By team:" in printed and "By regional_office:" in printed


def test_the_report_shows_cost_by_team_and_office_as_summed_by_hand(workflow, deals):
    folder = workflow["out"] / "report" / "CRM-Client"
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "Cost and attainment by team" in page
    assert "Cost and attainment by regional office" in page
    roster = pd.read_csv(CRM / "roster.csv").set_index("employee")
    flat = deals.assign(team=deals["sales_agent"].map(roster["team"]))
    expected = (0.05 * flat.groupby("team")["close_value"].sum()).round(2).to_dict()
    sheet = pd.read_excel(folder / "payouts.xlsx", sheet_name="By team")
    got = sheet[sheet["scheme"] == "Flat commission"].set_index("team")["total_cost"]
    assert got.round(2).to_dict() == expected
