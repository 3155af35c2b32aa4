"""The demo company in figures: its summary table, HTML view and printed summary."""

from __future__ import annotations

import numpy as np
import pytest

from kpitools.demo import MARKETING_KPIS, SALES_KPIS, format_summary, make_demo_company
from kpitools.demo.summary import fixed, format_value, signed_percent


def test_html_repr_shows_the_company_and_its_kpis(company):
    html = company._repr_html_()
    assert html.startswith(
        "<p><b>Northstar Components</b> - B2B distributor of industrial components, "
        "currency RUB; 36 months (2024-01 to 2026-12); 60 people (10 hired, 8 left); "
    )
    assert html.count("<tr") == 1 + 2 * len(SALES_KPIS) + len(MARKETING_KPIS)


def test_summary_frame_matches_the_data(company):
    summary = company.summary.set_index(["role", "kpi"])
    data = company.data
    reps = data[data["role"] == "sales_rep"]
    assert summary.loc[("sales_rep", "revenue"), "value"] == pytest.approx(
        reps.loc[reps["kpi"] == "revenue", "actual"].sum(), rel=1e-12
    )
    assert summary.loc[("sales_rep", "nps"), "aggregation"] == "mean"
    assert summary.loc[("sales_rep", "nps"), "value"] == pytest.approx(
        reps.loc[reps["kpi"] == "nps", "actual"].mean(), rel=1e-12
    )
    assert np.isnan(summary.loc[("sales_rep", "meetings"), "share_at_target"])
    assert len(summary) == 2 * len(SALES_KPIS) + len(MARKETING_KPIS)


def test_format_summary_of_a_small_company_reads_in_full():
    text = format_summary(make_demo_company(1, n_employees=3, months=24))
    assert text.split("\n") == [
        "Northstar Components - demo company (seed 1)",
        "B2B distributor of industrial components, currency RUB",
        "Months: 24 (2024-01 to 2025-12)",
        "",
        "People: 3 on the roster (3 at the start, 0 hired, 0 left, 3 at the end)",
        "  role                 team          region   manager  people  hired  left",
        "  sales_rep            North 1       North    M01           1      0     0",
        "  key_account_manager  Key Accounts  North    M02           1      0     0",
        "  marketing            Marketing     Central  M03           1      0     0",
        "Managers: 3 on roster.csv, with no rows of their own (2 sales_manager, "
        "1 marketing_manager);",
        "  sales managers are paid on their reports by "
        "templates/schemes/sales_manager_override.yaml",
        "",
        "KPIs (totals over all months):",
        "  role                 kpi             rows              total  targets  at target",
        "  sales_rep            revenue           24   9,300,372.11 RUB       24        54%",
        "  sales_rep            units_sold        24              4,014       24        62%",
        "  sales_rep            new_clients       24                 39",
        "  sales_rep            leads             24              1,083",
        "  sales_rep            meetings          24                685",
        "  sales_rep            won_deals         24                165",
        "  sales_rep            closed_deals      24                314",
        "  sales_rep            gross_margin      24   2,629,137.11 RUB",
        "  sales_rep            nps               24        35.4 (mean)",
        "  key_account_manager  revenue           24  24,495,045.88 RUB       24        67%",
        "  key_account_manager  units_sold        24              6,178       24        38%",
        "  key_account_manager  new_clients       24                  7",
        "  key_account_manager  leads             24                216",
        "  key_account_manager  meetings          24                321",
        "  key_account_manager  won_deals         24                 71",
        "  key_account_manager  closed_deals      24                166",
        "  key_account_manager  gross_margin      24   5,869,254.88 RUB",
        "  key_account_manager  nps               24         6.3 (mean)",
        "  marketing            revenue           24  16,189,198.51 RUB",
        "  marketing            leads             24              5,517       24        58%",
        "  marketing            marketing_cost    24   9,505,344.91 RUB",
        "  marketing            mql               24              1,752",
        "",
        "Sales roles by year:",
        "  year  months            revenue  growth  won deals  win rate",
        "  2024      12  11,387,195.25 RUB                 94     45.6%",
        "  2025      12  22,408,222.74 RUB  +96.8%        142     51.8%",
        "",
        "Planted in the data (ground truth in employees.csv):",
        "  1 quarter-end timers, 0 new hires ramping up, 0 leavers.",
        "",
    ]


def test_format_summary_starts_with_the_company(company):
    lines = format_summary(company).splitlines()
    assert lines[:3] == [
        "Northstar Components - demo company (seed 2027)",
        "B2B distributor of industrial components, currency RUB",
        "Months: 36 (2024-01 to 2026-12)",
    ]


@pytest.mark.parametrize(
    ("value", "digits", "currency", "text"),
    [
        (1234567.891, 2, "RUB", "1,234,567.89 RUB"),
        (29.25, 1, "", "29.2"),
        (-11.94, 1, "", "-11.9"),
        (12.0, 0, "", "12"),
        (float("nan"), 2, "RUB", "n/a"),
        (None, 0, "", "n/a"),
    ],
)
def test_fixed_gives_exactly_the_decimals_asked_for(value, digits, currency, text):
    assert fixed(value, digits, currency) == text


def test_signed_percent_and_format_value():
    assert [signed_percent(0.968, 1), signed_percent(-0.05), signed_percent(None)] == [
        "+96.8%",
        "-5%",
        "n/a",
    ]
    assert [
        format_value(1500.5, "currency", "RUB"),
        format_value(2989.0, "count", "RUB"),
        format_value(35.44, "score", "RUB"),
    ] == ["1,500.50 RUB", "2,989", "35.4"]
