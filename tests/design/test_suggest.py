"""KPI suggestions per role: reasons, ranking, never more than the role can take."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from kpitools.design import (
    SUGGESTION_COLUMNS,
    CheckSettings,
    format_suggestions,
    load_design,
    suggest,
)
from kpitools.errors import DefinitionError

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates" / "designs"


def test_sales_generator_suggestions_and_reasons():
    df = suggest(TEMPLATES / "sales_generator.yaml")
    assert list(df.columns) == SUGGESTION_COLUMNS
    assert df[["role", "rank", "kpi", "reason"]].to_dict("records") == [
        {
            "role": "sales_department",
            "rank": 1,
            "kpi": "avg_price",
            "reason": "serves goal revenue's driver avg_price; counters the gaming risk of "
            "units_sold",
        },
        {
            "role": "sales_department",
            "rank": 2,
            "kpi": "gross_margin_pct",
            "reason": "counters the gaming risk of units_sold",
        },
        {
            "role": "sales_department",
            "rank": 3,
            "kpi": "leads",
            "reason": "adds the missing leading indicator",
        },
        {
            "role": "sales_department",
            "rank": 4,
            "kpi": "meetings",
            "reason": "adds the missing leading indicator",
        },
    ]
    # 7 KPIs at most, 3 already there: 4 suggestions
    assert df["score"].is_monotonic_decreasing


def test_never_more_than_the_role_can_take():
    d = load_design(TEMPLATES / "sales_generator.yaml")
    assert len(suggest(d, settings=CheckSettings(max_kpis=5))) == 2
    assert suggest(d, settings=CheckSettings(max_kpis=3)).empty
    text = format_suggestions(
        d, suggest(d, settings=CheckSettings(max_kpis=3)), settings=CheckSettings(max_kpis=3)
    )
    assert text == (
        "sales_department: 3 KPIs, room for 0\n"
        "  No suggestions: the role already has 3 KPIs, the most one person can watch (3)."
    )


RAW = {
    "period": "2027-02",
    "goals": [
        {"id": "revenue", "target": 1_000_000, "formula": "won_deals * avg_deal_size"},
        {"id": "won_deals", "formula": "meetings * win_rate"},
        {"id": "avg_deal_size", "value": 50_000},
        {"id": "meetings"},
        {"id": "win_rate", "value": 0.25},
    ],
    "roles": [
        {
            "id": "rep",
            "headcount": 4,
            "on_target_pay": 30_000,
            "kpis": [{"kpi": "revenue", "goal": "revenue", "weight": 1.0, "target": 250_000}],
        }
    ],
}


def test_quality_measure_and_deep_drivers():
    df = suggest(RAW, role="rep")
    assert len(df) == 6
    got = df.set_index("kpi")["reason"].to_dict()
    # direct drivers of revenue, and a driver two levels down
    assert got["won_deals"] == "serves goal revenue's driver won_deals"
    assert got["avg_deal_size"] == (
        "serves goal revenue's driver avg_deal_size; adds a quality measure"
    )
    assert got["meetings"] == (
        "serves goal revenue's driver meetings; adds the missing leading indicator"
    )
    scores = df.set_index("kpi")["score"]
    assert scores["won_deals"] == 4.0
    assert scores["meetings"] == 3.0 + 2.0
    # a volume-only role (revenue) is offered quality measures; the gaming risk of revenue
    # is countered by its library counters
    assert any("adds a quality measure" in r for r in df["reason"])
    assert any(r.startswith("counters the gaming risk of revenue") for r in df["reason"])


def test_company_level_kpis_are_not_suggested_to_individuals():
    raw = copy.deepcopy(RAW)
    raw["roles"][0]["kpis"][0] = {
        "kpi": "revenue",
        "goal": "revenue",
        "weight": 1.0,
        "target": 250_000,
        "counter_kpi": ["ebitda"],
    }
    roomy = CheckSettings(max_kpis=30)
    assert "ebitda" not in set(suggest(raw, settings=roomy)["kpi"])
    raw["roles"][0]["level"] = "company"
    got = suggest(raw, settings=roomy).set_index("kpi")["reason"]
    assert got["ebitda"] == "counters the gaming risk of revenue"


def test_unknown_role_did_you_mean():
    with pytest.raises(DefinitionError) as info:
        suggest(RAW, role="reps")
    assert str(info.value) == (
        "design: no role 'reps'. Did you mean 'rep'?\nSuggestion: use one of the role ids: rep."
    )


def test_format_suggestions_table():
    d = load_design(TEMPLATES / "b2b_sales.yaml")
    text = format_suggestions(d, suggest(d, role="key_account_manager"), role="key_account_manager")
    assert text == (
        "key_account_manager (Key account manager): 3 KPIs, room for 4\n"
        "  rank  kpi         name               type     reason\n"
        "  ----  ----------  -----------------  -------  -------------------------------\n"
        "     1  churn_rate  Client churn rate  lagging  counters the gaming risk of nps\n"
        "     2  complaints  Complaints         lagging  counters the gaming risk of nps"
    )
