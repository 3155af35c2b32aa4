"""The sections a partner signs: winners and losers, example pay, the cap and outliers, mechanics.

One small company worked by hand: three reps (A and B in East, C in West), two months,
revenue against a target of 1,000 EUR, on-target pay 1,000 EUR.

- Current: curve (0.5, 0) → (1.0, 1.0) → (1.5, 2.0), cap 1.5×. A: 1.4 → 1.8× → capped at
  1,500, then 1,000; B: 1,000 twice; C: 0.8 → 0.6× → 600 twice. Totals A 2,500, B 2,000,
  C 1,200.
- Commission: 100% of revenue. A 1,400 + 1,000 = 2,400 (−100, −4%); B 2,000 (0);
  C 1,600 (+400, +33%).
- Uncapped: 250% of revenue. A 3,500 (3.5× on-target: an outlier) + 2,500; B 5,000;
  C 4,000.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kpitools._util.format import use_locale
from kpitools.report import (
    build_context,
    cap_and_outliers,
    example_pay,
    mechanics_in_use,
    winners_and_losers,
)
from kpitools.report.examples import example_pay_table
from kpitools.report.extremes import extremes_table
from kpitools.report.winners import winners_by_group

CURVE = {"points": [[0.5, 0.0], [1.0, 1.0], [1.5, 2.0]]}


def _scheme(name: str, **component) -> dict:
    return {
        "name": name,
        "period": "month",
        "currency": "EUR",
        "on_target_pay": 1000,
        "components": [{"kpi": "revenue", **component}],
    }


SCHEMES = [
    {**_scheme("Current", weight=1.0, target={"method": "from_data"}, curve=CURVE), "cap": 1.5},
    _scheme("Commission", commission={"rate": 1.0}),
    _scheme("Uncapped", commission={"rate": 2.5}),
]


@pytest.fixture(scope="module")
def ctx():
    actual = {"A": (1400, 1000), "B": (1000, 1000), "C": (800, 800)}
    data = pd.DataFrame(
        [
            {
                "employee": e,
                "period": p,
                "kpi": "revenue",
                "actual": float(actual[e][i]),
                "target": 1000.0,
                "role": "rep",
            }
            for e in "ABC"
            for i, p in enumerate(("2025-01", "2025-02"))
        ]
    )
    roster = pd.DataFrame({"employee": list("ABC"), "team": ["East", "East", "West"]})
    with use_locale(None):
        yield build_context(
            client="Acme", data=data, schemes=SCHEMES, roster=roster, forecast_draws=0
        )


def test_winners_and_losers_by_team_against_the_current_scheme(ctx):
    table = winners_by_group(ctx, "team").round(4)
    assert table.to_dict("records") == [
        {
            "scheme": "Commission",
            "team": "East",
            "employees": 2,
            "winners": 0,
            "losers": 1,
            "median_change_pct": -0.02,
            "cost_change": -100.0,
        },
        {
            "scheme": "Commission",
            "team": "West",
            "employees": 1,
            "winners": 1,
            "losers": 0,
            "median_change_pct": 0.3333,
            "cost_change": 400.0,
        },
        {
            "scheme": "Uncapped",
            "team": "East",
            "employees": 2,
            "winners": 2,
            "losers": 0,
            "median_change_pct": 1.45,
            "cost_change": 6500.0,
        },
        {
            "scheme": "Uncapped",
            "team": "West",
            "employees": 1,
            "winners": 1,
            "losers": 0,
            "median_change_pct": 2.3333,
            "cost_change": 2800.0,
        },
    ]
    blocks = winners_and_losers(ctx)
    assert blocks[0].startswith("## Winners and losers\n\nEach scheme against the current one")
    texts = [b if isinstance(b, str) else None for b in blocks]
    by_team = blocks[texts.index("### By team") + 1]
    assert by_team.to_dict("list") == {
        "Team": ["East", "West"],
        "Employees": ["2", "1"],
        "Commission: gain / lose": ["0 / 1", "1 / 0"],
        "Commission: cost": ["-100 EUR", "+400 EUR"],
        "Uncapped: gain / lose": ["2 / 0", "1 / 0"],
        "Uncapped: cost": ["+6,500 EUR", "+2,800 EUR"],
    }
    assert "### By role" in texts


def test_example_pay_runs_each_scheme_at_80_100_and_120_percent(ctx):
    table = example_pay_table(ctx)
    assert table[["scheme", "level", "payout"]].round(2).values.tolist() == [
        ["Current", 0.8, 600.0],  # curve at 0.8: 0.6 × 1,000
        ["Current", 1.0, 1000.0],
        ["Current", 1.2, 1400.0],  # curve at 1.2: 1.4 × 1,000
        ["Commission", 0.8, 800.0],  # 100% of 80% of the reps' median result (1,000)
        ["Commission", 1.0, 1000.0],
        ["Commission", 1.2, 1200.0],
        ["Uncapped", 0.8, 2000.0],
        ["Uncapped", 1.0, 2500.0],
        ["Uncapped", 1.2, 3000.0],
    ]
    blocks = example_pay(ctx)
    assert blocks[1] == "**Current**"
    assert blocks[2].to_dict("list") == {
        "Role": ["rep"],
        "On-target pay": ["1,000 EUR"],
        "Paid at 80%": ["600 EUR"],
        "Paid at 100%": ["1,000 EUR"],
        "Paid at 120%": ["1,400 EUR"],
    }


def test_the_cap_and_outliers_are_counted_and_named(ctx):
    table = extremes_table(ctx).set_index("scheme")
    assert table.loc["Current", ["capped", "capped_employees"]].tolist() == [1, 1]
    assert table.loc["Current", "capped_share"] == pytest.approx(1 / 6)
    assert pd.isna(table.loc["Commission", "capped"])  # no cap: not a made-up zero
    assert table.loc["Uncapped", "outliers"] == 1
    assert table.loc["Uncapped", "max_multiple"] == pytest.approx(3.5)
    text, summary, lead, listed = cap_and_outliers(ctx)
    assert summary.to_dict("list") == {
        "": [
            "Cap (× on-target pay)",
            "Employee-periods at the cap",
            "Employees ever at the cap",
            "Paid over 3× on-target",
            "Highest multiple",
        ],
        "Current": ["1.5×", "1 (16.7%)", "1", "0 (0.0%)", "1.5×"],
        "Commission": ["no cap", "no cap", "no cap", "0 (0.0%)", "1.4×"],
        "Uncapped": ["no cap", "no cap", "no cap", "1 (16.7%)", "3.5×"],
    }
    assert lead == "The largest payments over 3× on-target pay (at most 5 per scheme):"
    assert listed.to_dict("records") == [
        {
            "Scheme": "Uncapped",
            "Employee": "A",
            "Period": "2025-01",
            "Paid": "3,500 EUR",
            "On-target pay": "1,000 EUR",
            "Multiple": "3.5×",
        }
    ]


def test_mechanics_in_use_say_what_the_cap_did(ctx):
    text, table = mechanics_in_use(ctx)
    assert text.startswith("## Plan mechanics in use")
    assert table.to_dict("records") == [
        {
            "Scheme": "Current",
            "Mechanic": "Cap",
            "What it did": "Cap at 1.5× on-target pay: cut 1 of 6 employee-periods (16.7%), "
            "taking 300 EUR from pay.",
        }
    ]


def test_a_client_locale_writes_every_figure_its_way(ctx):
    with use_locale("de_DE"):
        blocks = example_pay(ctx)
    row = {
        k.replace("\xa0", " "): v[0].replace("\xa0", " ")
        for k, v in blocks[2].to_dict("list").items()
    }
    assert row == {
        "Role": "rep",
        "On-target pay": "1.000 €",
        "Paid at 80 %": "600 €",
        "Paid at 100 %": "1.000 €",
        "Paid at 120 %": "1.400 €",
    }


def test_the_summary_page_lays_out_the_rules_sentences_on_one_page(ctx):
    from kpitools.report.summary_page import PAGE_END, summary_page

    head, lead, figures, changes, cost, decisions, end = summary_page(
        ctx,
        recommendation="Keep **Current**:\n within budget.",
        changes=["C gains 400 EUR."],
        cost=["2,850 EUR a month."],
        decisions=["Approve the budget.", "Tell the team."],
    )
    # the recommendation set off, the key figures under it, then each part a block
    assert head == (
        "## Executive summary\n\n"
        "This report for **Acme** reviews 3 employees' results from January 2025 to February "
        "2025 and compares 3 bonus schemes.\n\n"
        "> Keep **Current**: within budget."
    )
    assert changes == "**What changes for whom**\n\n- C gains 400 EUR."
    assert cost == "**Cost and its risk**\n\n- 2,850 EUR a month."
    assert decisions == "**Decisions for you**\n\n1. Approve the budget.\n2. Tell the team."
    assert lead == "Key figures per scheme (gain / lose: against the current scheme):"
    assert figures.to_dict("list") == {
        "Scheme": ["Current", "Commission", "Uncapped"],
        "Cost per period": ["2,850 EUR", "3,000 EUR", "7,500 EUR"],  # (2,500 + 2,000 + 1,200) / 2
        "Against budget": ["no budget"] * 3,
        "At or above target": ["67%", "n/a", "n/a"],  # 4 of 6 employee-periods at 100% or more
        "Gain / lose": ["current", "1 / 1", "3 / 0"],
    }
    assert end == PAGE_END


def test_notes_name_files_without_the_consultants_folders():
    from kpitools.report.quality import without_folders

    note = "7 employees of /tmp/acme/hr/roster.csv have no rows in the data (not paid): M01."
    assert (
        without_folders(note)
        == "7 employees of roster.csv have no rows in the data (not paid): M01."
    )
    windows = r"read C:\Users\ana\clients\acme\data.xlsx: 3 rows; 8 / 0 and 2024-01/2024-02 stay"
    assert without_folders(windows) == "read data.xlsx: 3 rows; 8 / 0 and 2024-01/2024-02 stay"
