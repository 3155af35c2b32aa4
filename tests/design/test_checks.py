"""Every check rule: a case that triggers it and one that does not."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kpitools.design import RULES, CheckSettings, Finding, get_rule, load_design, run_checks
from kpitools.errors import DefinitionError

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "templates" / "designs" / "sales_generator.yaml"

UNITS = {
    "kpi": "units",
    "name": "Units sold",
    "unit": "count",
    "aggregation": "sum",
    "type": "lagging",
    "goal": "units",
    "weight": 0.6,
    "target": 50,
    "gaming_risk": "Selling below price to make the count.",
    "counter_kpi": ["price"],
}
PRICE = {
    "kpi": "price",
    "name": "Average price",
    "unit": "currency",
    "aggregation": "ratio",
    "type": "lagging",
    "goal": "price",
    "weight": 0.2,
    "target": 10_000,
}
MEETINGS = {
    "kpi": "meetings",
    "name": "Meetings",
    "unit": "count",
    "aggregation": "sum",
    "type": "leading",
    "goal": "units",
    "weight": 0.2,
    "target": 20,
}
GOOD = {
    "client": "Test Co",
    "period": "2027-02",
    "currency": "RUB",
    "goals": [
        {"id": "revenue", "target": 1_000_000, "formula": "units * price"},
        {"id": "units"},
        {"id": "price", "value": 10_000},
    ],
    "roles": [
        {
            "id": "sales",
            "headcount": 2,
            "on_target_pay": 50_000,
            "kpis": [UNITS, PRICE, MEETINGS],
        }
    ],
}


def design(change=None):
    raw = copy.deepcopy(GOOD)
    if change:
        change(raw)
    return load_design(raw, library={})


def findings(rule, change=None, **kwargs):
    report = run_checks(design(change), rules=[rule], **kwargs)
    return [(f.severity, f.message, f.location) for f in report.findings]


def kpi(raw, i):
    return raw["roles"][0]["kpis"][i]


def test_registry_holds_every_contract_rule():
    assert list(RULES) == [
        "too-many-kpis",
        "orphan-kpi",
        "plan-not-kpi",
        "no-target",
        "weights",
        "coverage",
        "no-qualitative",
        "lagging-only",
        "not-controllable",
        "gaming-risk",
        "not-achievable",
        "not-time-bound",
    ]
    assert get_rule("weights").severity == "error"
    with pytest.raises(DefinitionError) as info:
        get_rule("wieghts")
    assert str(info.value) == (
        "Unknown check rule 'wieghts'. Did you mean 'weights'?\n"
        "Suggestion: use one of: " + ", ".join(RULES) + "."
    )


def test_good_design_has_no_findings():
    report = run_checks(design())
    assert report.findings == ()
    assert report.ok
    assert str(report) == "Design check: Test Co\nNo findings: 0 errors, 0 warnings, 0 info."


@pytest.mark.parametrize("rule", list(RULES))
def test_no_rule_fires_on_the_good_design(rule):
    assert findings(rule) == []


def test_too_many_kpis():
    def eight(raw):
        for i in range(5):
            raw["roles"][0]["kpis"].append(dict(MEETINGS, kpi=f"extra{i}", weight=None))

    assert findings("too-many-kpis", eight) == [
        (
            "warning",
            "Role 'sales' has 8 KPIs, more than 7: nobody can watch more at once. Suggestion: "
            "keep the 5 or fewer that serve the goals most directly and report the rest "
            "without pay.",
            "roles[0].kpis",
        )
    ]
    # the threshold is a setting
    assert findings("too-many-kpis", settings=CheckSettings(max_kpis=2)) == [
        (
            "warning",
            "Role 'sales' has 3 KPIs, more than 2: nobody can watch more at once. Suggestion: "
            "keep the 2 or fewer that serve the goals most directly and report the rest "
            "without pay.",
            "roles[0].kpis",
        )
    ]


def test_orphan_kpi():
    assert findings("orphan-kpi", lambda r: kpi(r, 2).pop("goal")) == [
        (
            "warning",
            "KPI 'meetings' of role 'sales' serves no strategic goal. Suggestion: add "
            "'goal: <goal id>' for the goal it moves, or drop it.",
            "roles[0].kpis[2]",
        )
    ]


def test_plan_not_kpi_without_weight_and_without_on_target_pay():
    assert findings("plan-not-kpi", lambda r: kpi(r, 2).pop("weight")) == [
        (
            "warning",
            "KPI 'meetings' of role 'sales' has a target (20) but it has no weight: no bonus is "
            "tied to it, so it is a plan, not a KPI. Suggestion: give it a weight (and "
            "rebalance the others), or track it as a plan outside the bonus.",
            "roles[0].kpis[2]",
        )
    ]
    got = findings("plan-not-kpi", lambda r: r["roles"][0].pop("on_target_pay"))
    assert [loc for _, _, loc in got] == [
        "roles[0].kpis[0]",
        "roles[0].kpis[1]",
        "roles[0].kpis[2]",
    ]
    assert got[1][1] == (
        "KPI 'price' of role 'sales' has a target (10,000 RUB) but role 'sales' has no "
        "on_target_pay: no bonus is tied to it, so it is a plan, not a KPI. Suggestion: give "
        "the role an on_target_pay (bonus per person at 100%), or track it as a plan outside "
        "the bonus."
    )


def test_sales_generator_template_reports_plan_not_kpi():
    report = run_checks(TEMPLATE)
    plan = [f for f in report.findings if f.rule == "plan-not-kpi"]
    assert [f.location for f in plan] == ["roles[0].kpis[2]"]
    assert report.ok


def test_no_target_is_an_error_when_paid_and_a_warning_otherwise():
    assert findings("no-target", lambda r: kpi(r, 2).pop("target")) == [
        (
            "error",
            "KPI 'meetings' of role 'sales' has no target, so it cannot be measured and its "
            "bonus cannot be paid. Suggestion: add 'target:' (per person per period).",
            "roles[0].kpis[2]",
        )
    ]

    def unpaid(raw):
        kpi(raw, 2).pop("target")
        kpi(raw, 2).pop("weight")

    assert findings("no-target", unpaid)[0][:2] == (
        "warning",
        "KPI 'meetings' of role 'sales' has no target, so it cannot be measured. Suggestion: "
        "add 'target:' (per person per period).",
    )


def test_weights_sum_and_minimum():
    assert findings("weights", lambda r: kpi(r, 2).update(weight=0.1)) == [
        (
            "error",
            "Weights of role 'sales' add up to 90% (60% + 20% + 10%), not 100%. Suggestion: "
            "rebalance them so they add up to 1.",
            "roles[0].kpis",
        )
    ]

    def tiny(raw):
        kpi(raw, 1)["weight"] = 0.37
        kpi(raw, 2)["weight"] = 0.03

    assert findings("weights", tiny) == [
        (
            "warning",
            "KPI 'meetings' of role 'sales' weighs 3%, under 5%: too little pay to change "
            "behaviour. Suggestion: raise it to at least 5% or drop the KPI.",
            "roles[0].kpis[2].weight",
        )
    ]
    assert findings("weights", tiny, settings=CheckSettings(min_weight=0.02)) == []


def test_coverage_short_is_an_error_and_over_is_info():
    assert findings("coverage", lambda r: kpi(r, 0).update(target=40)) == [
        (
            "error",
            "Goal 'units' needs 100 but the role targets add up to 80 (sales: 2 × 40), 20 "
            "(20%) short of it: the goal will not be reached even if everyone hits target. "
            "Suggestion: raise the targets or the headcount, or lower the goal.",
            "goals[1]",
        )
    ]
    assert findings("coverage", lambda r: kpi(r, 0).update(target=60)) == [
        (
            "info",
            "Goal 'units' needs 100 and the role targets add up to 120 (sales: 2 × 60), 20 "
            "(20%) above it: a buffer above the goal, so bonuses start later than the goal "
            "requires.",
            "goals[1]",
        )
    ]
    # within the tolerance setting: covered, and the note says by how much it is off
    short = findings(
        "coverage",
        lambda r: kpi(r, 0).update(target=49.9),
        settings=CheckSettings(coverage_tolerance=0.01),
    )
    assert short == [
        (
            "info",
            "Goal 'units' needs 100 and the role targets add up to 99.8 (sales: 2 × 49.9), "
            "0.2 (0.2%) short of it: within the coverage tolerance of 1%, so the goal counts "
            "as covered. Suggestion: none needed; set 'checks: {coverage_tolerance: 0}' in "
            "the design to require an exact match.",
            "goals[1]",
        )
    ]
    assert findings("coverage", lambda r: kpi(r, 0).update(target=49.9))[0][0] == "error"


def test_no_qualitative():
    def volume_only(raw):
        raw["roles"][0]["kpis"] = [dict(UNITS, weight=0.8), MEETINGS]

    assert findings("no-qualitative", volume_only) == [
        (
            "warning",
            "Every KPI of role 'sales' is a volume count (units, meetings): nothing rewards "
            "quality. Suggestion: add a quality measure (margin, conversion, customer "
            "satisfaction).",
            "roles[0]",
        )
    ]


def test_lagging_only():
    assert findings("lagging-only", lambda r: kpi(r, 2).update(type="lagging")) == [
        (
            "warning",
            "Role 'sales' has no leading indicator (units, price, meetings only show results "
            "after the fact). Suggestion: add an activity the person controls day to day "
            "(meetings, calls, pipeline).",
            "roles[0]",
        )
    ]


def test_not_controllable():
    assert findings("not-controllable", lambda r: kpi(r, 1).update(level="company")) == [
        (
            "warning",
            "KPI 'price' is a company-level result paid to role 'sales' (individual level): "
            "one person cannot move it. Suggestion: pay it to management, or replace it with "
            "what the role controls.",
            "roles[0].kpis[1]",
        )
    ]

    def management(raw):
        kpi(raw, 1)["level"] = "company"
        raw["roles"][0]["level"] = "company"

    assert findings("not-controllable", management) == []


def test_gaming_risk():
    assert findings("gaming-risk", lambda r: kpi(r, 0).update(counter_kpi=["margin"])) == [
        (
            "warning",
            "KPI 'units' of role 'sales' is paid and can be gamed (selling below price to make "
            "the count), and the role has no counter KPI. Suggestion: add one of its counter "
            "KPIs (margin), even at a small weight.",
            "roles[0].kpis[0]",
        )
    ]
    # a KPI with no bonus tied to it is not a gaming risk
    assert findings("gaming-risk", lambda r: kpi(r, 0).update(counter_kpi=[], weight=None)) == []


def history(values, kpi_id="units", role=None):
    n = len(values)
    df = pd.DataFrame(
        {
            "employee": [f"{i:03d}" for i in range(n)],
            "period": ["2026-01"] * n,
            "kpi": [kpi_id] * n,
            "actual": np.asarray(values, dtype="float64"),
        }
    )
    if role is not None:
        df["role"] = role
    return df


def test_not_achievable_too_hard_and_too_easy():
    hard = history([10] * 19 + [50])  # 1 of 20 at or above 50: 5%
    got = findings("not-achievable", data=hard)
    assert got[0] == (
        "warning",
        "KPI 'units' of role 'sales': 5% of 20 past employee-periods were at or above the "
        "target 50, under 10%: almost nobody will reach it. Suggestion: lower the target or "
        "add support (leads, training).",
        "roles[0].kpis[0]",
    )
    # price and meetings have no history: said, not silently skipped
    assert got[1] == (
        "info",
        "No history for KPI 'price': the chance of reaching 10,000 RUB in role 'sales' was "
        "not checked. Suggestion: add its past actuals to the data.",
        "roles[0].kpis[1]",
    )
    easy = history([60] * 97 + [10] * 3)
    assert findings("not-achievable", data=easy)[0][1] == (
        "KPI 'units' of role 'sales': 97% of 100 past employee-periods were at or above the "
        "target 50, over 95%: it pays for business as usual. Suggestion: raise the target."
    )
    fine = history([60] * 50 + [10] * 50)
    assert [f for f in findings("not-achievable", data=fine) if f[0] == "warning"] == []
    # without data the rule does nothing
    assert findings("not-achievable") == []


def test_not_achievable_prefers_the_roles_own_history_and_respects_direction():
    mixed = pd.concat([history([60] * 10, role="sales"), history([10] * 90, role="support")])
    assert [f for f in findings("not-achievable", data=mixed) if f[0] == "warning"] == [
        (
            "warning",
            "KPI 'units' of role 'sales': 100% of 10 past employee-periods were at or above "
            "the target 50, over 95%: it pays for business as usual. Suggestion: raise the "
            "target.",
            "roles[0].kpis[0]",
        )
    ]
    lower = findings(
        "not-achievable",
        lambda r: kpi(r, 0).update(direction="lower"),
        data=history([60] * 19 + [40]),
    )
    assert lower[0][1].startswith(
        "KPI 'units' of role 'sales': 5% of 20 past employee-periods were at or below"
    )


def test_not_achievable_rolls_months_up_to_a_quarterly_design():
    months = pd.DataFrame(
        {
            "employee": ["001"] * 3 + ["002"] * 3,
            "period": ["2026-01", "2026-02", "2026-03"] * 2,
            "kpi": "units",
            "actual": [20.0, 20.0, 20.0, 10.0, 10.0, 10.0],
        }
    )
    got = findings("not-achievable", lambda r: r.update(period="2027-Q1"), data=months)
    # per quarter: 60 and 30 against 50 → 1 of 2 = 50%: no warning
    assert [f for f in got if f[0] == "warning"] == []


def test_not_time_bound():
    assert findings("not-time-bound", lambda r: r.pop("period")) == [
        (
            "warning",
            "The design has no period: targets without a deadline are not time-bound. "
            "Suggestion: add 'period: 2027-02' (a month, a quarter like 2027-Q1, or a year).",
            "period",
        )
    ]


def test_report_frame_json_and_text():
    report = run_checks(design(lambda r: (kpi(r, 2).update(weight=0.1), r.pop("period"))))
    assert [f.rule for f in report.findings] == ["weights", "not-time-bound"]
    assert not report.ok
    assert report.errors == (
        Finding(
            rule="weights",
            severity="error",
            message="Weights of role 'sales' add up to 90% (60% + 20% + 10%), not 100%. "
            "Suggestion: rebalance them so they add up to 1.",
            location="roles[0].kpis",
        ),
    )
    assert list(report.to_frame().columns) == ["rule", "severity", "message", "location"]
    assert json.loads(report.to_json())[1] == {
        "rule": "not-time-bound",
        "severity": "warning",
        "message": "The design has no period: targets without a deadline are not time-bound. "
        "Suggestion: add 'period: 2027-02' (a month, a quarter like 2027-Q1, or a year).",
        "location": "period",
    }
    assert str(report).splitlines()[-1] == "1 error, 1 warning, 0 info."
    assert repr(report) == "<CheckReport: 1 error, 1 warning, 0 info>"


def test_bad_settings():
    with pytest.raises(DefinitionError) as info:
        CheckSettings(max_kpis=0, achievable_low=1.5)
    assert str(info.value) == (
        "Check settings: max_kpis must be at least 1, got 0; achievable_low must be a share "
        "between 0 and 1, got 1.5.\nSuggestion: e.g. CheckSettings(max_kpis=7, "
        "min_weight=0.05, achievable_low=0.1, achievable_high=0.95)."
    )


def test_history_without_the_needed_columns():
    with pytest.raises(DefinitionError) as info:
        run_checks(design(), data=pd.DataFrame({"employee": ["1"], "kpi": ["units"]}))
    assert str(info.value) == (
        "History for 'not-achievable': the data has no column 'actual', 'period' (found: "
        "employee, kpi).\nSuggestion: give the long table (employee, period, kpi, actual)."
    )
