"""The goal explorer: assumptions move the cascade, the coverage and the checks."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pandas as pd
import pytest

from kpitools.design import Finding, cascade, load_design, run_checks
from kpitools.errors import KpitoolsError
from kpitools.whatif import GoalExplorer, with_assumption
from kpitools.whatif.goal_html import (
    cascade_html,
    checks_html,
    coverage_html,
    goal_headline_html,
)

ROOT = Path(__file__).resolve().parents[2]
SALES_GENERATOR = ROOT / "templates" / "designs" / "sales_generator.yaml"


@pytest.fixture
def goals():
    return GoalExplorer(SALES_GENERATOR)


def test_each_assumption_gets_a_control_and_targets_do_not(goals):
    assert list(goals.controls) == ["avg_price"]
    ctrl = goals.controls["avg_price"]
    assert (ctrl.value, ctrl.min, ctrl.max, ctrl.continuous_update) == (10000, 2500, 30000, False)


def test_a_lower_price_needs_more_units_than_the_targets_cover(goals):
    start_checks = goals.checks.to_frame()
    goals.controls["avg_price"].value = 8000
    assert goals.cascade.values == {
        "revenue": 2_000_000.0,
        "units_sold": 250.0,
        "avg_price": 8000.0,
    }
    row = goals.coverage.set_index("goal").loc["units_sold"]
    assert (row["goal_value"], row["covered"], row["status"]) == (250.0, 200.0, "short")
    direct = run_checks(with_assumption(load_design(SALES_GENERATOR), "avg_price", 8000))
    pd.testing.assert_frame_equal(goals.checks.to_frame(), direct.to_frame())
    assert goals.checks.errors[0].message == (
        "Goal 'units_sold' needs 250 but the role targets add up to 200 (sales_department: "
        "4 × 50), 50 (20%) short of it: the goal will not be reached even if everyone hits "
        "target. Suggestion: raise "
        "the targets or the headcount, or lower the goal."
    )
    assert "coverage: 1 goal(s) short, 0 over" in goals._headline.value
    assert "<td style='text-align:right;color:#777'>200</td>" in goals._cascade_html.value
    goals.reset()
    assert goals.cascade.values["units_sold"] == 200.0
    assert goals.controls["avg_price"].value == 10000
    pd.testing.assert_frame_equal(goals.checks.to_frame(), start_checks)


def test_the_start_design_is_kept(goals):
    goals.controls["avg_price"].value = 12500
    assert goals.design.goal("avg_price").value == 12500
    assert goals.start_design.goal("avg_price").value == 10000
    assert repr(goals) == (
        f"<GoalExplorer 'Sales Generator LLC': 1 assumptions, {goals.checks.counts()}>"
    )


def test_an_assumption_that_contradicts_a_target_is_refused_with_the_reason():
    design = load_design(
        {
            "goals": [
                {"id": "revenue", "target": 2_000_000, "formula": "units * price"},
                {"id": "units", "target": 200},
                {"id": "price", "value": 10_000},
            ],
        },
        library={},
    )
    ex = GoalExplorer(design)
    with pytest.raises(KpitoolsError) as info:
        cascade(with_assumption(design, "price", 12_000))
    ex.controls["price"].value = 12_000
    assert ex.error == str(info.value)
    assert ex.controls["price"].value == 10_000
    assert ex.cascade.values["price"] == 10_000
    assert "That value cannot be used; the control went back." in ex._status.value


def test_an_assumption_of_0_or_below_is_refused_with_the_reason_and_the_explorer_recovers(goals):
    # revenue 2,000,000 = units_sold × avg_price (10,000 RUB): units_sold 200
    price = goals.controls["avg_price"]
    price.min = -1000.0  # the slider stops at 2,500; a widened range reaches 0 and below
    price.value = -500.0
    assert goals.error == (
        "avg_price = -500 RUB would make units_sold = -4,000: a goal or target cannot be "
        "negative.\nSuggestion: set avg_price above 0 (it is 10,000 RUB in the design)."
    )  # 2,000,000 / -500 = -4,000
    assert price.value == 10_000.0
    assert goals.cascade.values == {"revenue": 2e6, "units_sold": 200.0, "avg_price": 10_000.0}
    price.value = 0.0  # a division by zero in the formula
    assert goals.error == (
        f"{SALES_GENERATOR}: line 12 (goals[0].formula): cannot solve revenue = units_sold * "
        "avg_price for 'units_sold' with revenue = 2,000,000: 'avg_price' is 0, so the product "
        "is 0 whatever 'units_sold' is.\n"
        "Suggestion: change the assumptions in the formula or give 'units_sold' a target."
    )
    assert price.value == 10_000.0
    assert "That value cannot be used; the control went back." in goals._status.value
    price.value = 8_000.0  # back to a usable value: cascade, coverage and checks follow
    assert goals.error is None
    assert goals.cascade.values["units_sold"] == 250.0  # 2,000,000 / 8,000
    moved = with_assumption(load_design(SALES_GENERATOR), "avg_price", 8_000.0)
    assert goals.cascade.summary.equals(cascade(moved).summary)
    assert goals.checks == run_checks(moved)


# --------------------------------------------------------------------------- tables
class _NoFindings:
    findings = ()

    def counts(self) -> str:
        return "0 errors, 0 warnings, 0 info"


def test_the_coverage_table_shows_a_share_it_cannot_compute_as_n_a(goals):
    cov = goals.coverage
    row = cov.index[cov["goal"] == "units_sold"][0]
    cov.loc[row, ["goal_value", "share"]] = [0.0, math.inf]
    html = coverage_html(goals.design, cov)
    assert (
        "<tr><td>units_sold</td><td style='text-align:right'>0</td>"
        "<td style='text-align:right'>200</td><td style='text-align:right'>n/a</td>"
    ) in html
    assert html.count("<tr>") == 1 + int((cov["status"] != "not measured").sum())


def test_the_checks_table_colours_each_finding_and_is_left_out_when_there_is_none(goals):
    finding = Finding(rule="weights", severity="warning", message="a < b", location="roles[0]")
    report = dataclasses.replace(goals.checks, findings=(finding,))
    assert checks_html(report) == (
        f"<b>Checks</b>: {report.counts()}<table class='kpitools-checks'><tr><th>severity</th>"
        "<th>rule</th><th>where</th><th>finding</th></tr><tr><td style='color:#b35900'>"
        "<b>warning</b></td><td>weights</td><td>roles[0]</td><td>a &lt; b</td></tr></table>"
    )
    assert checks_html(_NoFindings()) == "<b>Checks</b>: 0 errors, 0 warnings, 0 info"


def test_the_cascade_table_marks_what_moved_with_its_start_value(goals):
    start = goals.cascade.summary
    goals.controls["avg_price"].value = 8000
    html = cascade_html(goals.design, goals.cascade.summary, start)
    moved = [r for r in html.split("<tr") if "background:#fff3cd" in r]
    assert [r.split("<td>")[1].split("<")[0] for r in moved] == ["units_sold", "avg_price"]
    assert "<td style='text-align:right;color:#777'>10,000 RUB</td>" in moved[1]
    assert goal_headline_html(goals.design, goals.cascade.values, goals.coverage, goals.checks) == (
        "<div style='font-size:1.2em;padding:4px 0'>Earn 2 million rubles in February: "
        "<b>2,000,000 RUB</b> · coverage: 1 goal(s) short, 0 over · "
        f"checks: {goals.checks.counts()}</div>"
    )
