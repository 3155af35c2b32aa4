"""Tests of the shipped report notebook (notebooks/03_client_report.ipynb), end to end.

The demo company's history, the b2b design and two template schemes make a real report
(papermill, a real kernel); its HTML, PDF and workbook are read back.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kpitools.report import make_report


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


# --------------------------------------------------------------------------- shipped notebook
SECTION_TITLES = [
    "Executive summary",
    "Goals and cascade",
    "KPI set check",
    "History and weak spots",
    "Scheme comparison",
    "Winners and losers",
    "By role",
    "By team",
    "Example pay",
    "Cost and attainment by team",
    "At the cap and outliers",
    "Plan mechanics in use",
    "Gaming stress test",
    "Recommendation",
    "Forecast risk",
    "Data quality",
    "Method and assumptions",
]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def real_report(tmp_path_factory):
    from kpitools.demo import write_demo

    root = tmp_path_factory.mktemp("real")
    files = write_demo(root / "demo", n_employees=6, months=15)
    # who is in which team, as a client's HR export says it (the demo's managers are not
    # employees of its own, so the roster leaves them out)
    roster = root / "demo" / "roster.csv"
    pd.read_csv(files["employees"], dtype=str)[["employee", "team", "region"]].to_csv(
        roster, index=False
    )
    return make_report(
        "Northstar & <Partners>",
        data=files["data"],
        roster=roster,
        by=["team"],
        design=ROOT / "templates" / "designs" / "b2b_sales.yaml",
        schemes=[
            ROOT / "templates" / "schemes" / "linear_commission.yaml",
            ROOT / "templates" / "schemes" / "weighted_scorecard.yaml",
        ],
        out=root / "out",
        forecast_draws=100,
        budget=150000,
        currency="EUR",
    )


def test_shipped_notebook_makes_every_section(real_report):
    assert real_report.status == "ok", real_report.error
    page = (Path(real_report.folder) / "report.html").read_text(encoding="utf-8")
    contents = re.search(r'<nav class="kpi-toc">(.*?)</nav>', page, re.S).group(1)
    assert re.findall(r'<a href="#[^"]+">([^<]+)</a>', contents) == SECTION_TITLES
    parser = _Tags()
    parser.feed(page)
    text = "".join(parser.text)
    assert "Northstar & <Partners>" in text and "<Partners>" not in page
    for marker in ("Traceback", "Warning:", "rs.show", "build_context", "DeprecationWarning"):
        assert marker not in text
    assert not re.findall(r"\d\.\d{5,}", text)  # no raw floats
    assert re.search(r"\d{1,3}(,\d{3})+ EUR", text)  # money with separators and currency
    figures = [a["src"] for t, a in parser.tags if t == "img" and a["src"].startswith("data:")]
    assert len(figures) >= 8


def test_shipped_notebook_pdf_reads_as_the_report(real_report):
    from pypdf import PdfReader

    reader = PdfReader(Path(real_report.folder) / "report.pdf")
    pages = [page.extract_text() for page in reader.pages]
    n = len(pages)
    assert 4 <= n <= 30
    assert "Northstar & <Partners>" in pages[0]  # the title page
    text = "\n".join(pages)
    for title in SECTION_TITLES:
        assert title in text, title
    # every page but the title page carries the footer with its number
    for number, page in enumerate(pages[1:], start=2):
        assert f"Page {number} of {n}" in page, number
    for marker in ("Traceback", "Warning:", "rs.show", "build_context"):
        assert marker not in text
    box = reader.pages[1].mediabox  # A4 portrait
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def _contents(first_pages: list[str]) -> list[tuple[str, int]]:
    """(title, page) of each contents line: ``Winners and losers ........ 9``."""
    lines = "\n".join(first_pages).splitlines()
    return [
        (m.group(1).strip(), int(m.group(2)))
        for m in (re.match(r"^(.*?)\s*\.{3,}\s*(\d+)$", line.strip()) for line in lines)
        if m
    ]


def test_the_pdf_has_text_on_every_page_and_a_contents_that_points_at_each_heading(real_report):
    from pypdf import PdfReader

    reader = PdfReader(Path(real_report.folder) / "report.pdf")
    pages = [page.extract_text() for page in reader.pages]
    # no blank page: each has more than its running footer
    for number, text in enumerate(pages, start=1):
        body = re.sub(r"Page \d+ of \d+", "", text).replace("Northstar & <Partners>", "")
        assert len(re.sub(r"\W", "", body)) > 40, f"page {number} is blank: {text!r}"
    entries = _contents(pages[1:3])
    assert [title for title, _ in entries] == SECTION_TITLES
    for title, number in entries:
        # the heading is on the page the contents names: a line of its own there
        assert title in pages[number - 1].splitlines(), (title, number)
    # and the PDF's bookmarks (from the headings' positions) agree with the printed numbers
    outline = [item for item in _flat(reader.outline) if item.title != "Contents"][1:]
    assert [(o.title, reader.get_destination_page_number(o) + 1) for o in outline] == entries


def _flat(outline: list) -> list:
    out = []
    for item in outline:
        out += _flat(item) if isinstance(item, list) else [item]
    return out


def test_the_cover_names_the_client_and_the_date_in_words_and_no_tool(real_report):
    import datetime as dt

    from pypdf import PdfReader

    from kpitools._util.format import date_text

    cover = PdfReader(Path(real_report.folder) / "report.pdf").pages[0].extract_text()
    assert "Prepared for\nNorthstar & <Partners>" in cover.replace("PREPARED FOR", "Prepared for")
    assert date_text(dt.date.today()) in cover  # December 4, 2026, not 2026-12-04
    assert "kpitools" not in cover.lower()


def test_shipped_notebook_workbook(real_report):
    """payouts.xlsx per contract §10: its sheets, names, formats and properties."""
    wb = openpyxl.load_workbook(Path(real_report.folder) / "payouts.xlsx")
    assert wb.sheetnames == [
        "Summary", "Assumptions", "Payouts", "By employee", "Winners and losers", "By team",
    ]  # fmt: skip
    # the author is the consultancy (no branding here: kpitools), never "openpyxl"
    assert (wb.properties.creator, wb.properties.lastModifiedBy) == ("kpitools", "kpitools")
    assert wb.properties.title == "Northstar & <Partners>: bonus scheme payouts"
    payouts = wb["Payouts"]
    header = [c.value for c in payouts[1]]
    assert header[:10] == [
        "scheme",
        "employee",
        "period",
        "component",
        "kpi",
        "actual",
        "target",
        "attainment",
        "factor",
        "payout",
    ]
    assert payouts.cell(2, header.index("payout") + 1).number_format == '#,##0.00 "EUR"'
    assert payouts.cell(2, header.index("attainment") + 1).number_format == "0.0%"
    components = {r[3] for r in payouts.iter_rows(min_row=2, values_only=True)}
    # by name or KPI (the scorecard's are unnamed: their KPIs' names), never by index
    assert not any(str(c).isdigit() for c in components)
    assert {"Gross margin", "New clients", "Meetings held", "total"} <= components
    summary = wb["Summary"]
    names = [c.value for c in summary[1]]
    assert names[:4] == ["scheme", "recommended", "eligible", "periods"]
    assert summary.cell(2, names.index("budget_variance") + 1).number_format == "0.0%"
    assert summary.cell(2, names.index("total_cost") + 1).number_format == '#,##0.00 "EUR"'
    assert summary.cell(2, names.index("periods") + 1).number_format == "#,##0"
    assert isinstance(summary.cell(2, names.index("periods") + 1).value, int)
    assert summary.freeze_panes == "A2"
    employees = wb["By employee"]
    assert [c.value for c in employees[1]] == [
        "scheme",
        "employee",
        "role",
        "team",
        "periods",
        "total_payout",
        "mean_payout",
        "mean_attainment",
        "periods_at_target",
        "periods_paid_nothing",
    ]
    assert {employees.cell(2, j).number_format for j in (5, 9, 10)} == {"#,##0"}
    items = {r[0]: r[1] for r in wb["Assumptions"].iter_rows(min_row=2, values_only=True)}
    assert items["Client"] == "Northstar & <Partners>" and items["Currency"] == "EUR"
    assert items["Budget per period"] == "150,000 EUR"
    rec = json.loads((Path(real_report.folder) / "recommendation.json").read_text())
    assert items["Decision rule"] == rec["rule"]["text"]


def _rows(table_html: str) -> list[list[str]]:
    """The cells of an HTML table, header row first, as text."""
    rows = re.findall(r"<tr>(.*?)</tr>", table_html, re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", c).replace("&amp;", "&")
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


def _section(page: str, title: str) -> str:
    """The HTML of one report section, from its heading to the next h2."""
    start = page.index(f">{title}<a")
    end = page.find("<h2", start)
    return page[start : end if end > 0 else len(page)]


@pytest.fixture(scope="module")
def real_page(real_report):
    return (Path(real_report.folder) / "report.html").read_text(encoding="utf-8")


def test_executive_summary_reconciles_with_the_tables_and_the_workbook(real_report, real_page):
    """The summary's words come from recommendation.json; its figures are the tables'."""
    rec = json.loads((Path(real_report.folder) / "recommendation.json").read_text())
    assert set(rec["schemes"]) == {"Linear commission", "Weighted scorecard"}
    wb = openpyxl.load_workbook(Path(real_report.folder) / "payouts.xlsx")
    metrics = {
        row[0]: dict(zip([c.value for c in wb["Summary"][1]], row, strict=True))
        for row in wb["Summary"].iter_rows(min_row=2, values_only=True)
    }
    summary = _section(real_page, "Executive summary")
    chosen = rec["recommended"]
    focus = chosen or rec["closest"]
    if chosen is not None:
        # the recommendation in one sentence, set off; then the decisions it asks for
        assert (
            "<blockquote>\n<p><strong>Recommended scheme: " + html.escape(chosen) + ".</strong>"
        ) in summary
        assert metrics[chosen]["recommended"] == "yes"
        assert f"<li>Approve {html.escape(chosen)} as the scheme for the coming plan" in summary
    else:
        assert (
            "<blockquote>\n<p><strong>No scheme passes every test of the decision rule, so none "
            "is recommended.</strong>" in summary
        )
    assert (
        summary.index("<blockquote>")
        < summary.index("Cost and its risk")
        < summary.index("Decisions for you")
    )
    header = [c.value for c in wb["Payouts"][1]]
    scheme_col, period_col, comp_col = (header.index(c) for c in ("scheme", "period", "component"))
    periods = {
        row[period_col]
        for row in wb["Payouts"].iter_rows(min_row=2, values_only=True)
        if row[scheme_col] == focus and row[comp_col] == "total"
    }
    total = metrics[focus]["total_cost"]
    variance = metrics[focus]["budget_variance"]
    side = "under" if variance <= 0 else "over"
    share = f"{abs(variance):.1%}".replace(".0%", "%")
    # cost per period = total cost / periods evaluated; against budget as in the table
    expected = (
        f"<li>{focus} costs about {total / len(periods):,.0f} EUR per period ({total:,.0f} EUR "
        f"over the {len(periods)} periods evaluated). Backtest cost {share} {side} the budget"
    )
    assert expected in summary
    table = _rows(
        re.search(r"<table.*?</table>", _section(real_page, "Scheme comparison"), re.S).group(0)
    )
    column = table[0].index(focus)
    by_metric = {row[0]: row[column] for row in table[1:]}
    assert by_metric["Periods evaluated"] == f"{len(periods)}"
    assert by_metric["Total cost"] == f"{total:,.0f} EUR"
    assert by_metric["Against budget"] == f"{variance:+.1%}"
    # the recommendation section quotes the same test, with the same figures
    section = html.unescape(_section(real_page, "Recommendation"))
    budget = next(r for r in rec["schemes"][focus]["reasons"] if r["test"] == "within_budget")
    assert f"{budget['text']}" in section
    for name, entry in rec["schemes"].items():
        if name != focus:
            verdict = "passes every test" if entry["eligible"] else "is not eligible: "
            assert f"{name} {verdict}" in section


def test_every_figure_has_alt_text_and_its_caption_inside(real_page):
    main = real_page[real_page.index("<main>") :]
    figures = re.findall(r'<figure class="kpi-figure">(.*?)</figure>', main, re.S)
    images = re.findall(r"<img [^>]*>", main)
    assert len(figures) == len(images) >= 8  # every image is in a figure
    for figure in figures:
        alt = re.search(r'alt="([^"]*)"', figure).group(1)
        assert len(alt) > 25 and not alt.startswith("Figure"), alt
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", main)
    assert "How payouts spread, as multiples of on-target pay:" in captions
    assert "Cost per period against the budget (dashed):" in captions
    # no caption left as a loose paragraph before its figure
    assert "<p>Cost per period against the budget (dashed):</p>" not in main


def test_client_text_names_kpis_and_hides_paths_and_key_paths(real_page):
    parser = _Tags()
    parser.feed(real_page)
    text = "".join(parser.text)
    for jargon in ("roles[", "components[", "pct_at_target", "cost_of_sales", "pytest-of"):
        assert jargon not in text, jargon
    assert "Source: data.csv. " in text
    history = _rows(
        re.search(r"<table.*?</table>", _section(real_page, "History and weak spots"), re.S).group(
            0
        )
    )
    assert history[0] == [
        "KPI",
        "Employee-periods with a target",
        "On target",
        "Median attainment",
        "Status",
    ]
    kpis = {row[0] for row in history[1:]}
    assert kpis and kpis <= {"Revenue", "Units sold", "Leads"}, kpis
    assert {row[4] for row in history[1:]} <= {"OK", "Chronic miss"}
    glossary = _section(real_page, "Scheme comparison")
    assert "<li><strong>Leverage</strong>: p90 ÷ p50: how much more the top earners get" in glossary


def _pdf_layout(pdf_page) -> tuple[list[tuple[float, str]], list[float]]:
    """Text runs with their height on the page, and the top of every image drawn."""
    texts: list[tuple[float, str]] = []
    tops: list[float] = []

    def text(run, cm, tm, font, size):
        if run.strip():  # WeasyPrint draws with a flipped, scaled matrix
            texts.append((cm[1] * tm[4] + cm[3] * tm[5] + cm[5], run.strip()))

    def operator(op, args, cm, tm):
        if op == b"Do":
            tops.append(cm[5] + max(cm[3], 0))

    pdf_page.extract_text(visitor_text=text, visitor_operand_before=operator)
    return texts, tops


def test_pdf_keeps_headings_and_captions_with_what_follows(real_report, real_page):
    from pypdf import PdfReader

    captions = {html.unescape(c) for c in re.findall(r"<figcaption>(.*?)</figcaption>", real_page)}
    reader = PdfReader(Path(real_report.folder) / "report.pdf")
    seen_titles, seen_captions = set(), 0
    for number, pdf_page in enumerate(reader.pages[2:], start=3):
        texts, tops = _pdf_layout(pdf_page)
        for y, run in texts:
            if run in SECTION_TITLES:
                seen_titles.add(run)
                # a heading has its lead text and table or figure under it, not one line
                below = [1 for yy, _ in texts if 60 < yy < y] + [1 for top in tops if top < y]
                assert len(below) >= 3, (number, run)
            if run in captions:
                seen_captions += 1
                # the figure starts right under its caption, on the same page
                assert any(y - 40 < top <= y for top in tops), (number, run)
    # nine captions (the gaming stress test's added); the payout curves one wraps over two
    # lines and is not matched
    assert seen_titles == set(SECTION_TITLES) and seen_captions == 8


def test_cost_by_team_reconciles_with_the_workbook_and_the_comparison(real_report, real_page):
    wb = openpyxl.load_workbook(Path(real_report.folder) / "payouts.xlsx")
    sheet = wb["By team"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["scheme", "team", "employees", "total_cost", "cost_per_employee"]
    assert sheet.cell(2, 3).number_format == "#,##0"
    assert sheet.cell(2, 4).number_format == '#,##0.00 "EUR"'
    assert sheet.cell(2, header.index("pct_at_target") + 1).number_format == "0.0%"
    by_team = [
        dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    metrics = {
        row[0]: dict(zip([c.value for c in wb["Summary"][1]], row, strict=True))
        for row in wb["Summary"].iter_rows(min_row=2, values_only=True)
    }
    # every employee has a team: the teams' costs add up to each scheme's total cost
    for scheme, row in metrics.items():
        teams = [r["total_cost"] for r in by_team if r["scheme"] == scheme]
        assert sum(teams) == pytest.approx(row["total_cost"], abs=0.01), scheme
    section = _section(real_page, "Cost and attainment by team")
    assert "as the roster (roster.csv) gives them" in section
    table = _rows(re.search(r"<table.*?</table>", section, re.S).group(0))
    assert table[0] == [
        "Team",
        "Scheme",
        "Employees",
        "Total cost",
        "Cost per employee",
        "At or above target",
        "Median payout (× on-target)",
    ]
    shown = {(row[0], row[1]): row for row in table[1:]}
    assert len(shown) == len(by_team)
    for r in by_team:
        row = shown[(r["team"], r["scheme"])]
        assert row[2:5] == [
            f"{r['employees']:,}",
            f"{r['total_cost']:,.0f} EUR",
            f"{r['cost_per_employee']:,.0f} EUR",
        ]
        assert row[6] == f"{r['payout_p50']:.2f}"
    assert "<figcaption>Total cost by team:</figcaption>" in section
