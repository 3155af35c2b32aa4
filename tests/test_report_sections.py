"""Tests for kpitools.report.sections: formatting, tables and the recommendation rule.

The sections themselves run end to end in tests/test_report.py (the shipped notebook).
"""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from types import SimpleNamespace

import matplotlib
import openpyxl
import pandas as pd
import pytest

from kpitools.report import (
    DEMO_DESIGN,
    Figure,
    ReportContext,
    esc,
    money,
    pct,
    render_blocks,
    scheme_comparison,
    write_xlsx,
)
from kpitools.report.sections import _recommend, _skipped_table, _table_html

matplotlib.use("Agg")


def test_formatting_has_separators_and_no_raw_floats():
    assert money(1234567.4, "RUB") == "1,234,567 RUB"
    assert money(-0.4, "") == "-0"
    assert money(float("nan"), "RUB") == "n/a"
    assert money(5, "<b>") == "5 &lt;b&gt;"
    assert pct(0.6549) == "65%" and pct(0.6549, 1) == "65.5%" and pct(float("nan")) == "n/a"
    assert esc("A & <script>") == "A &amp; &lt;script&gt;"


def test_table_is_escaped_and_numbers_right_aligned():
    frame = pd.DataFrame({"Name": ["<i>x</i>", "y"], "Cost": ["1,234 RUB", "n/a"]})
    assert _table_html(frame) == (
        '<table class="kpi-table">\n<thead><tr><th>Name</th><th class="num">Cost</th></tr>'
        "</thead>\n<tbody>\n"
        '<tr><td>&lt;i&gt;x&lt;/i&gt;</td><td class="num">1,234 RUB</td></tr>\n'
        '<tr><td>y</td><td class="num">n/a</td></tr>\n</tbody>\n</table>'
    )


def _context(metrics: pd.DataFrame) -> ReportContext:
    periods = ["2025-01", "2025-02"]
    totals = pd.DataFrame(
        {
            "scheme": [s for s in metrics.index for _ in periods],
            "period": periods * len(metrics),
            "payout": [100.0, 300.0] * len(metrics),
        }
    )
    return ReportContext(
        client="Acme",
        currency="EUR",
        data_source="test",
        quality=None,
        data=pd.DataFrame({"period": periods}),
        simulation=SimpleNamespace(metrics=metrics, totals=totals),
    )


def _metrics(**columns) -> pd.DataFrame:
    base = {
        "total_cost": 400.0,
        "cost_of_sales": 0.05,
        "pct_at_target": 0.5,
        "payout_p90": 1.5,
        "leverage": 2.0,
        "near_threshold_share": 0.0,
        "budget_variance": float("nan"),
        "pay_performance_corr": 0.5,
    }
    names = ["A", "B", "C"]
    data = {k: [columns.get(k, [v] * 3)[i] for i in range(3)] for k, v in base.items()}
    return pd.DataFrame(data, index=pd.Index(names, name="scheme"))


def test_recommendation_prefers_pay_for_performance_within_budget():
    metrics = _metrics(
        pay_performance_corr=[0.9, 0.7, float("nan")],
        budget_variance=[0.10, -0.05, -0.30],
        near_threshold_share=[0.0, 0.062, 0.0],
        pct_at_target=[0.5, 0.5, float("nan")],  # C is a commission: no targets
    )
    chosen, reasons = _recommend(_context(metrics))
    # A pays for performance best but is 10% over budget: B is the best within budget.
    # The reasons compare B only with the schemes it competed with (C, not A, which is
    # out) and show every number as the scheme comparison table does (+10.0%, 5.00%).
    assert chosen == "B"
    assert reasons == [
        "Left out for going over the budget: A (+10.0%).",
        "Of the schemes within budget, it ties pay to performance most closely: the rank "
        "correlation between attainment and payout is 0.70 (other schemes within budget: "
        "C n/a, as it sets no targets).",
        "It costs 200 EUR per period on average, 5.00% of revenue.",
        "It stays 5.0% under the budget.",
        "50.0% of employee-periods reach target; the top earners (p90) get 1.50× on-target "
        "pay, leverage (p90/p50) 2.00.",
        "Watch gaming: 6.2% of results sit just below a payout threshold, where holding back or "
        "pulling forward a deal pays.",
    ]


def test_recommendation_breaks_ties_on_gaming_then_cost():
    metrics = _metrics(
        near_threshold_share=[0.1, 0.0, 0.0],
        cost_of_sales=[0.01, 0.06, 0.05],
    )
    chosen, _ = _recommend(_context(metrics))
    assert chosen == "C"


def test_recommendation_of_a_scheme_without_targets_has_no_na_share_at_target():
    metrics = _metrics(
        pay_performance_corr=[float("nan"), 0.8, 0.9],
        pct_at_target=[float("nan"), 0.6, 0.7],
        budget_variance=[-0.5, 0.2, 0.1],
    )
    chosen, reasons = _recommend(_context(metrics))
    # B and C are over budget: the commission A is the only scheme left.
    assert chosen == "A"
    assert reasons == [
        "Left out for going over the budget: B (+20.0%), C (+10.0%).",
        "It costs 200 EUR per period on average, 5.00% of revenue.",
        "It stays 50.0% under the budget.",
        "The top earners (p90) get 1.50× on-target pay, leverage (p90/p50) 2.00.",
    ]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_caption_figure_and_alt_text_stay_together():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    table = pd.DataFrame({"KPI": ["Revenue"], "On target": ["56%"]})
    page = render_blocks(
        [
            "## History\n\nHow often & why.",
            table,
            Figure(fig, caption="Share <on> target:", alt='Bar chart: "revenue" 56%'),
            "Closing words.",
        ]
    )
    assert not plt.get_fignums()  # the figure is closed once embedded
    shown = re.sub(r"base64,[A-Za-z0-9+/=]+", "base64,PNG", page)
    # The heading and its lead text are kept on the page of the table after them; the
    # caption is inside the figure, above the image; the alt text is escaped.
    assert shown == (
        '<div class="kpi-section"><div class="kpi-keep"><h2 id="History">History'
        '<a class="anchor-link" href="#History">&#182;</a></h2><p>How often &amp; why.</p>\n'
        + _table_html(table)
        + "</div>\n"
        '<figure class="kpi-figure"><figcaption>Share <on> target:</figcaption>'
        '<img src="data:image/png;base64,PNG" alt="Bar chart: &quot;revenue&quot; 56%">'
        "</figure>\n"
        '<div class="kpi-keep"><p>Closing words.</p></div></div>'
    )
    parser = _Tags()
    parser.feed(page)
    images = [attrs for tag, attrs in parser.tags if tag == "img"]
    assert [a["alt"] for a in images] == ['Bar chart: "revenue" 56%']
    assert base64.b64decode(images[0]["src"].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_workbook_with_an_all_empty_text_column_and_ratio_columns(tmp_path):
    # A client without roles: the 'role' column is empty. It used to stop the whole
    # report (int(NaN) while sizing the column).
    frame = pd.DataFrame(
        {
            "scheme": ["Commission", "Tiered"],
            "role": pd.Series([None, None], dtype=object),
            "budget_variance": [-0.694, 0.097],
            "subtotal": [1234.5, 0.0],
            "after_cap": [1234.5, 0.0],
        }
    )
    write_xlsx({"metrics": frame}, tmp_path / "w.xlsx", currency="USD")
    ws = openpyxl.load_workbook(tmp_path / "w.xlsx")["metrics"]
    assert [ws.cell(2, j).value for j in range(1, 6)] == [
        "Commission",
        None,
        -0.694,
        1234.5,
        1234.5,
    ]
    # budget_variance is a ratio (-69.4%), not an amount of money
    assert [ws.cell(2, j).number_format for j in range(3, 6)] == [
        "0.0%",
        '#,##0.00 "USD"',
        '#,##0.00 "USD"',
    ]
    assert ws.column_dimensions["B"].width == len("role") + 3


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


def test_goals_table_shows_names_and_says_when_the_design_has_another_currency():
    from kpitools.design import cascade, load_design
    from kpitools.report import DEMO_DESIGN, goals_and_cascade

    design = load_design(DEMO_DESIGN.parent / "sales_generator.yaml")  # in RUB
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
        "down into drivers; targets flow down the tree from the assumptions held fixed. Goal "
        "amounts are in RUB, as in the design; bonus amounts in USD."
    )
    # 2,000,000 RUB = 200 units × 10,000 RUB per unit
    assert blocks[1].to_dict("records") == [
        {"Goal": "Earn 2 million rubles in February", "Set as": "Given target",
         "Value": "2,000,000 RUB"},
        {"Goal": "Units sold", "Set as": "Worked out", "Value": "200"},
        {"Goal": "Average price per unit", "Set as": "Assumption", "Value": "10,000 RUB"},
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
        "This report for **Acme** reviews 2 employees' results from 2025-01 to 2025-03 (2 KPIs)."
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
    from kpitools.report.sections import _column_chunks

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
    assert cost.caption == "Cost per period:"
    assert cost.fig.axes[0].get_legend() is None and len(cost.fig.legends) == 1
    assert [t.get_text() for t in cost.fig.legends[0].get_texts()] == three_schemes.schemes
    plt.close("all")


def test_kpi_check_messages_name_kpis_and_roles_as_the_client_does():
    from kpitools.design import load_design
    from kpitools.report.sections import _plain_ids

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
    assert _plain_ids(ctx, message) == (
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
    assert deal_timing(ctx) == []  # quarterly data has no last month to look at
