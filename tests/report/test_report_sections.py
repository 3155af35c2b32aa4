"""Tests for the report's sections (kpitools.report.sections and the modules by theme).

The sections run end to end in test_report_notebook.py (the shipped notebook).
"""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib
import pandas as pd
import pytest

from kpitools.report import (
    DEMO_DESIGN,
    Figure,
    ReportContext,
    esc,
    scheme_comparison,
)
from kpitools.report.quality import _skipped_table

matplotlib.use("Agg")


def test_skipped_periods_name_the_kpi_not_the_key_path():
    skipped = pd.DataFrame(
        {
            "scheme": ["Tiered"] * 2,
            "period": ["1996-07", "1996-08"],
            "reason": [
                "components[0] (units_sold): percentile (of peers) has no history: no actuals "
                "in 1996-01 to 1996-06; components[1] (revenue): percentile (of peers) has no "
                "history: no actuals in 1996-01 to 1996-06"
            ]
            * 2,
        }
    )
    ctx = ReportContext(
        client="Acme",
        currency="USD",
        data_source="kpis.csv",
        quality=None,
        data=pd.DataFrame({"period": ["1996-07"], "kpi": ["units_sold"]}),
        simulation=SimpleNamespace(skipped=skipped),
    )
    table = _skipped_table(ctx)
    assert table.to_dict("records") == [
        {
            "Scheme": "Tiered",
            "Periods": "1996-07, 1996-08 (2)",
            "Why": "Units sold: percentile (of peers) has no history: no actuals in 1996-01 to "
            "1996-06; Revenue: percentile (of peers) has no history: no actuals in 1996-01 "
            "to 1996-06",
        }
    ]


def test_goals_table_shows_names_in_the_run_currency():
    import dataclasses

    from kpitools.design import cascade, load_design
    from kpitools.report import DEMO_DESIGN, goals_and_cascade

    design = load_design(DEMO_DESIGN.parent / "sales_generator.yaml")  # in RUB
    # --currency USD over the design's RUB: build_context shows the goals in USD too (§8)
    design = dataclasses.replace(design, currency="USD")
    ctx = ReportContext(
        client="Northwind",
        currency="USD",
        data_source="kpis.csv",
        quality=None,
        data=pd.DataFrame({"period": ["1997-01"], "kpi": ["revenue"]}),
        design=design,
        cascade=cascade(design),
    )
    blocks = goals_and_cascade(ctx)
    assert blocks[0] == (
        "## Goals and cascade\n\nThe top goal, **Earn 2 million rubles in February**, breaks "
        "down into drivers; targets flow down the tree from the assumptions held fixed."
    )
    # 2,000,000 USD = 200 units × 10,000 USD per unit
    assert blocks[1].to_dict("records") == [
        {"Goal": "Earn 2 million rubles in February", "Set as": "Given target",
         "Value": "2,000,000 USD"},
        {"Goal": "Units sold", "Set as": "Worked out", "Value": "200"},
        {"Goal": "Average price per unit", "Set as": "Assumption", "Value": "10,000 USD"},
    ]  # fmt: skip
    assert isinstance(blocks[2], Figure) and blocks[2].alt.startswith("Goal tree: Earn 2")


def test_executive_summary_names_the_kpis_and_teams_that_chronically_miss():
    from kpitools.report import executive_summary

    data = pd.DataFrame(
        {
            "employee": ["E1"] * 6 + ["E2"] * 6,
            "team": ["North"] * 6 + ["South"] * 6,
            "period": ["2025-01", "2025-02", "2025-03"] * 4,
            "kpi": (["units_sold"] * 3 + ["revenue"] * 3) * 2,
            "actual": [9, 12, 8, 100, 100, 100, 10, 11, 12, 100, 100, 100],
            "target": [10.0] * 3 + [100.0] * 3 + [10.0] * 3 + [100.0] * 3,
        }
    )
    quality = SimpleNamespace(kpis=["revenue", "units_sold"], rows_kept=12, rows_read=12, issues=[])
    ctx = ReportContext(
        client="Acme", currency="EUR", data_source="d.csv", quality=quality, data=data
    )
    # units sold 4 of 6 on target (67%), revenue 6 of 6, North 4 of 6 (67%), South 6 of 6:
    # nothing under 50%, so no chronic-miss line.
    assert executive_summary(ctx) == [
        "## Executive summary\n\n"
        "This report for **Acme** reviews 2 employees' results from January 2025 to "
        "March 2025 (2 KPIs)."
        "\n\n- Data quality: 12 of 12 rows used, no issues."
    ]
    low = data.assign(actual=[9, 12, 8, 90, 90, 100, 10, 11, 12, 100, 100, 100])
    # units sold: 9,12,8 | 10,11,12 -> 4 of 6 on target (67%); revenue: 90,90,100 | 100 x3
    # -> 4 of 6 (67%); North: 12,100 on target of 9,12,8,90,90,100 -> 2 of 6 (33%) < 50%;
    # South: 6 of 6.
    ctx = ReportContext(
        client="Acme", currency="EUR", data_source="d.csv", quality=quality, data=low
    )
    assert executive_summary(ctx)[0].endswith(
        "\n\n- Teams that chronically miss their targets: North (33% on target).\n"
        "- Data quality: 12 of 12 rows used, no issues."
    )


@pytest.mark.parametrize(
    ("n", "widths"), [(1, [1]), (4, [4]), (5, [3, 2]), (6, [3, 3]), (8, [3, 3, 2])]
)
def test_scheme_comparison_is_split_so_no_table_runs_off_the_page(n, widths):
    from kpitools.report.schemes import _column_chunks

    # Six schemes in one table ran off an A4 page: four of them were cut from the PDF.
    table = pd.DataFrame(
        {"Metric": ["Total cost"], **{f"S{i}": [f"{i},000 EUR"] for i in range(n)}}
    )
    chunks = _column_chunks(table)
    assert [len(c.columns) - 1 for c in chunks] == widths
    assert all(c.columns[0] == "Metric" for c in chunks)
    assert [s for c in chunks for s in c.columns[1:]] == [f"S{i}" for i in range(n)]


@pytest.fixture(scope="module")
def three_schemes(tmp_path_factory):
    from kpitools.demo import write_demo
    from kpitools.report import build_context

    files = write_demo(tmp_path_factory.mktemp("demo"), n_employees=6, months=15)
    schemes = DEMO_DESIGN.parent.parent / "schemes"
    return build_context(
        client="Acme",
        data=files["data"],
        design=None,
        schemes=[schemes / f"{s}.yaml" for s in ("linear_commission", "tiered_accelerator")]
        + [schemes / "weighted_scorecard.yaml", schemes / "team_pool.yaml"],
        forecast_draws=0,
        currency="EUR",
    )


def test_payout_curves_have_room_and_client_names(three_schemes):
    import matplotlib.pyplot as plt

    blocks = scheme_comparison(three_schemes)
    curves = next(b for b in blocks if isinstance(b, Figure) and b.caption.startswith("Payout"))
    fig = curves.fig
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    axes = [ax for ax in fig.axes if ax.get_visible()]
    # the commission has no curve: three schemes, two to a row
    assert [ax.get_title() for ax in axes] == [
        "Tiered accelerator: Units sold",
        "Weighted scorecard: Gross margin",
        "Team pool: Revenue",
    ]
    assert [ax.get_lines()[0].get_label() for ax in axes] == [
        "Units sold",
        "Gross margin",
        "Revenue",
    ]
    titles = [ax.title.get_window_extent(renderer) for ax in axes]
    for i, a in enumerate(titles):  # side by side, the titles ran into each other
        for b in titles[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    for ax in axes:  # each legend stays inside its own plot
        assert ax.get_window_extent(renderer).contains(
            *ax.get_legend().get_window_extent(renderer).p0
        )
    cost = blocks[-1]
    assert cost.caption == "Cost per period against the budget (dashed):"
    assert cost.fig.axes[0].get_legend() is None and len(cost.fig.legends) == 1
    legend = [t.get_text() for t in cost.fig.legends[0].get_texts()]
    # the schemes, then each one's budget (1.9M, 1.8M, 1.4M, 1.7M: four dashed lines)
    assert legend == three_schemes.schemes + [f"budget: {s}" for s in three_schemes.schemes]
    plt.close("all")


def test_kpi_check_messages_name_kpis_and_roles_as_the_client_does():
    from kpitools.design import load_design
    from kpitools.report.goals import plain_ids

    ctx = ReportContext(
        client="Acme",
        currency="RUB",
        data_source="d.csv",
        quality=None,
        data=pd.DataFrame({"kpi": ["revenue"]}),
        design=load_design(DEMO_DESIGN.parent / "sales_generator.yaml"),  # role without a name
    )
    message = (
        "KPI 'units_sold' of role 'sales_department' is paid and can be gamed (splitting one "
        "order into several), and the role has no counter KPI. Suggestion: add one of its "
        "counter KPIs (avg_price, cac, gross_margin_pct), even at a small weight."
    )
    assert plain_ids(ctx, message) == (
        "KPI 'Units sold' of role 'Sales department' is paid and can be gamed (splitting one "
        "order into several), and the role has no counter KPI. Suggestion: add one of its "
        "counter KPIs (Average price per unit, Customer acquisition cost, Gross margin %), "
        "even at a small weight."
    )


def test_data_quality_issue_counts_have_thousands_separators():
    from kpitools.report import data_quality

    issues = pd.DataFrame(
        {
            "severity": ["warning"],
            "column": ["actual"],
            "problem": ["negative actual"],
            "count": [1234],
            "rows": ["row 2, row 3, …"],
            "note": [""],
        }
    )
    quality = SimpleNamespace(
        rows_read=20000, rows_kept=20000, employees=60, periods=[1] * 36, kpis=[1] * 11,
        issues=issues,
    )  # fmt: skip
    ctx = ReportContext(
        client="Acme", currency="EUR", data_source="d.csv", quality=quality, data=pd.DataFrame()
    )
    blocks = data_quality(ctx)
    assert blocks[0] == (
        "## Data quality\n\nSource: d.csv. 20,000 rows read, 20,000 kept; 60 employees, "
        "36 periods, 11 KPIs."
    )
    assert blocks[1].to_dict("records") == [
        {
            "Severity": "Warning",
            "Column": "actual",
            "Problem": "negative actual",
            "Count": "1,234",
            "Rows": "row 2, row 3, …",
            "Note": "",
        }
    ]
    ctx.simulation = SimpleNamespace(
        skipped=pd.DataFrame(),
        warnings=(
            "Tiered: components[0] (units_sold): 3 employee-period(s) have no actual; they pay "
            "nothing for it.",
            "Tiered: revenue_kpi 'revenue' is not in d.csv: cost of sales cannot be computed.",
        ),
    )
    assert data_quality(ctx)[-1] == (
        "Notes from the payout calculation:\n\n"
        "- Tiered: Units sold: 3 employee-period(s) have no actual; they pay nothing for it.\n"
        "- Tiered: revenue_kpi &#x27;Revenue&#x27; is not in d.csv: cost of sales cannot be "
        "computed."
    )


def test_deal_timing_names_who_books_the_quarter_in_its_last_month():
    from kpitools.report import deal_timing, executive_summary

    months = [f"2024-{m:02d}" for m in range(1, 13)]
    # A books 0.6 of Q1 and Q3, 0.5 of Q2 and Q4 in the last month; B and C a flat third.
    values = {
        "A": [60, 60, 180, 75, 75, 150] * 2,
        "B": [100] * 12,
        "C": [100] * 12,
    }
    data = pd.DataFrame(
        [
            {"employee": e, "period": p, "kpi": "revenue", "actual": float(v)}
            for e, vals in values.items()
            for p, v in zip(months, vals, strict=True)
        ]
    )
    quality = SimpleNamespace(kpis=["revenue"], rows_kept=36, rows_read=36, issues=[])
    ctx = ReportContext(
        client="Acme", currency="EUR", data_source="d.csv", quality=quality, data=data
    )
    sentence = (
        "1 person books 55% of each quarter's revenue in its last month, against a typical "
        "33% (A): results held back to quarter ends, which a quarterly scheme with thresholds "
        "would reward."
    )
    assert executive_summary(ctx)[0].endswith(
        f"\n\n- Deal timing: {esc(sentence)}\n- Data quality: 36 of 36 rows used, no issues."
    )
    text, table = deal_timing(ctx)
    assert text == (
        "**Deal timing.** For every whole quarter each person worked, the share of the "
        "quarter's revenue booked in its last month, compared with the median share of "
        "colleagues in the same role that quarter. A person is named when the excess is at "
        "least 10 points on average and steady (one-sided t-test, p < 0.01) over at least 4 "
        "quarters.\n\n" + esc(sentence)
    )
    # 0.55 − 1/3 = 0.2167: +22 points
    assert table.to_dict("list") == {
        "Employee": ["A"],
        "Whole quarters": ["4"],
        "Booked in the last month": ["55%"],
        "Colleagues (median)": ["33%"],
        "Excess, points": ["+22"],
    }
    quarterly = data.assign(period=[f"2024-Q{i % 4 + 1}" for i in range(36)])
    ctx = ReportContext(
        client="Acme",
        currency="EUR",
        data_source="d.csv",
        quality=quality,
        data=quarterly.drop_duplicates(["employee", "period"]),
    )
    # quarterly data has no last month to look at: the section says so, not silence
    assert deal_timing(ctx) == [
        "**Deal timing.** Not looked at: KPI &#x27;revenue&#x27;: the data has quarter periods; "
        "the last month of a quarter can only be seen in monthly data."
    ]


def test_deal_timing_on_too_short_a_history_says_why_it_cannot_conclude():
    from kpitools.report import deal_timing, executive_summary, history_and_weak_spots

    months = [f"2024-{m:02d}" for m in range(1, 10)]  # three whole quarters
    data = pd.DataFrame(
        [
            {"employee": e, "period": p, "kpi": "revenue", "actual": 100.0}
            for e in ("A", "B")
            for p in months
        ]
    )
    quality = SimpleNamespace(kpis=["revenue"], rows_kept=18, rows_read=18, issues=[])
    ctx = ReportContext(
        client="Acme", currency="EUR", data_source="d.csv", quality=quality, data=data
    )
    sentence = (
        "Whether revenue is held back to quarter ends cannot be judged: the rule needs 4 whole "
        "quarters per employee; found 3 (employees A, B)."
    )
    (text,) = deal_timing(ctx)
    assert text.endswith("quarters.\n\n" + sentence)
    # no targets in the data: the section stays, with what it can say
    assert history_and_weak_spots(ctx) == [
        "## History and weak spots\n\n"
        "The data has no targets, so how often they were reached cannot be shown.",
        text,
    ]
    assert "Deal timing" not in executive_summary(ctx)[0]  # no finding to summarise
    ctx = ReportContext(
        client="Acme",
        currency="EUR",
        data_source="d.csv",
        quality=quality,
        data=data.assign(kpi="calls"),
    )
    assert deal_timing(ctx) == [
        "**Deal timing.** Not looked at: the data has no &#x27;revenue&#x27; KPI whose monthly "
        "timing could be looked at."
    ]


def test_the_sections_module_serves_a_notebook_of_its_own():
    # a consultant's copy of the report notebook: `from kpitools.report import sections as rs`
    from kpitools.report import sections as rs

    names = ("build_context", "show", "write_workbook", "executive_summary", "SECTIONS")
    assert all(callable(getattr(rs, n)) or n == "SECTIONS" for n in names)
    assert [s.__name__ for s in rs.SECTIONS] == [
        "executive_summary",
        "goals_and_cascade",
        "kpi_set_check",
        "history_and_weak_spots",
        "scheme_comparison",
        "winners_and_losers",
        "example_pay",
        "cost_by_group",
        "cap_and_outliers",
        "mechanics_in_use",
        "gaming_stress",
        "recommendation",
        "forecast_risk",
        "data_quality",
        "method_and_assumptions",
    ]


def test_forecast_risk_says_what_a_short_history_limits():
    from kpitools.engine import simulate
    from kpitools.report import forecast_risk

    data = pd.DataFrame(
        {"employee": ["a", "b"], "period": "2025-01", "kpi": "sales", "actual": [80.0, 120.0]}
    )
    scheme = {
        "name": "S",
        "on_target_pay": 1000,
        "components": [
            {
                "kpi": "sales",
                "weight": 1,
                "target": {"method": "fixed", "value": 100},
                "curve": {"points": [[0, 0], [2, 2]]},
            }
        ],
    }
    result = simulate(data, scheme, forecast=50, seed=1, trend=True, library=False)
    ctx = ReportContext(
        client="Acme",
        currency="EUR",
        data_source="d.csv",
        quality=None,
        data=data,
        simulation=result,
        forecast_draws=50,
        seed=1,
    )
    blocks = forecast_risk(ctx)
    assert blocks[-1] == (
        "Notes on the forecast:\n\n"
        "- S: trend of sales: fitting a growth needs at least 2 months of history; found 1, so "
        "no trend is applied to it.\n"
        "- S: 2 of 2 employees have only 1 past month to resample (a, b): every draw repeats "
        "it, so their pay has no spread."
    )
