"""Tests for kpitools.report: parameters, papermill run, HTML/PDF/XLSX rendering, manifest.

The notebooks run for real (papermill, a real ``python3`` kernel of this venv). One
executed report is shared by many assertions through module-scoped fixtures.
PDFs are read twice: with a few lines of zlib (page objects, the document title that
carries the client name) and with pypdf (the text of every page, footers, sections).
"""

from __future__ import annotations

import html
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest

from kpitools._util.files import safe_name
from kpitools.errors import DefinitionError
from kpitools.report import (
    check_formats,
    default_notebook_path,
    default_template_dir,
    file_sha256,
    make_report,
    validate_branding,
    validate_parameters,
    write_xlsx,
)
from kpitools.report.run import _add_contents, _strip_external

NASTY = "Acme <script>alert(1)</script> & Co"

SETUP = """\
import warnings
warnings.filterwarnings("ignore")
import html, sys
import pandas as pd
import matplotlib.pyplot as plt
from IPython.display import HTML, Markdown, display
from kpitools.report import write_xlsx
"""

PARAMETERS = """\
from typing import Optional
client: str = "Demo"  # client name
data: str = ""  # historical data
design: str = ""  # design file
schemes: list[str] = []  # scheme files
budget: Optional[float] = None  # per period
currency: str = "RUB"
seed: int = 42
branding: dict = {}
xlsx_path: str = ""
"""

LOAD = """\
df = pd.read_csv(data, dtype={"employee": str})
if not pd.api.types.is_numeric_dtype(df["actual"]):
    raise ValueError("column 'actual' of the data is not numeric")
display(Markdown(f"Report for **{html.escape(client)}**"))
print("a warning that must not reach the report", file=sys.stderr)
display(HTML(df.to_html(index=False)))
"""

FIGURE = """\
display(Markdown("## Payout distribution\\n\\nHow payouts spread."))
fig, ax = plt.subplots(figsize=(4, 2.5))
ax.hist(df["actual"])
plt.show()
"""

XLSX = """\
if xlsx_path:
    write_xlsx({"payouts": df, "metrics": df.describe().reset_index()}, xlsx_path,
               currency=currency)
"""


def _test_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    params = nbformat.v4.new_code_cell(PARAMETERS)
    params.metadata["tags"] = ["parameters"]
    secret = nbformat.v4.new_code_cell("print('KERNEL', sys.executable)")
    secret.metadata["tags"] = ["remove_cell"]
    nb.cells = [
        nbformat.v4.new_code_cell(SETUP),
        params,
        nbformat.v4.new_markdown_cell("## Executive summary\n\nThe short story."),
        secret,
        nbformat.v4.new_code_cell(LOAD),
        nbformat.v4.new_code_cell(FIGURE),
        nbformat.v4.new_code_cell(XLSX),
    ]
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    data = pd.DataFrame(
        {
            "employee": ["001", "=cmd()", "003"],
            "period": ["2025-01"] * 3,
            "kpi": ["revenue"] * 3,
            "actual": [1234567.5, 2000.0, 30.25],
            "target": [1_000_000.0, 2000.0, 30.0],
        }
    )
    data.to_csv(root / "data.csv", index=False)
    bad = data.astype({"actual": str})
    bad.loc[1, "actual"] = "lots"
    bad.to_csv(root / "bad.csv", index=False)
    (root / "design.yaml").write_text("client: Acme\n")
    (root / "scheme.yaml").write_text("name: Flat\n")
    return {
        "root": root,
        "notebook": _test_notebook(root / "report.ipynb"),
        "data": root / "data.csv",
        "bad": root / "bad.csv",
        "design": root / "design.yaml",
        "scheme": root / "scheme.yaml",
    }


@pytest.fixture(scope="module")
def report(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = make_report(
        NASTY,
        data=inputs["data"],
        design=inputs["design"],
        schemes=[inputs["scheme"]],
        out=out,
        notebook=inputs["notebook"],
        currency="EUR",
        budget=5000,
        branding={"primary_color": "#003366", "consultant": "Jane & Partners"},
    )
    return result


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def page(report):
    return (Path(report.folder) / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def parsed(page):
    parser = _Tags()
    parser.feed(page)
    return parser


# --------------------------------------------------------------------------- parameters
def test_unknown_parameter_is_rejected_with_did_you_mean(inputs):
    with pytest.raises(DefinitionError) as err:
        validate_parameters(inputs["notebook"], {"clinet": "Acme", "seed": 1})
    assert str(err.value) == (
        "Unknown report parameter 'clinet'. Did you mean 'client'? Known parameters: branding, "
        "budget, client, currency, data, design, schemes, seed.\n"
        f"Suggestion: use the names and types of the parameters cell of {inputs['notebook']}."
    )


def test_wrong_types_are_all_listed(inputs):
    with pytest.raises(DefinitionError) as err:
        validate_parameters(
            inputs["notebook"],
            {"seed": "42", "schemes": ["a.yaml", 3], "budget": True},
            where="manifest.yaml: clients[1]",
        )
    assert str(err.value) == (
        "manifest.yaml: clients[1]: Report parameter 'seed' must be int, got str '42'.\n"
        "Report parameter 'schemes' must be list[str], got list ['a.yaml', 3].\n"
        "Report parameter 'budget' must be Optional[float], got bool True.\n"
        f"Suggestion: use the names and types of the parameters cell of {inputs['notebook']}."
    )


def test_internal_parameter_cannot_be_passed(inputs):
    with pytest.raises(DefinitionError, match="Unknown report parameter 'xlsx_path'"):
        validate_parameters(inputs["notebook"], {"xlsx_path": "/etc/x.xlsx"})


def test_valid_parameters_are_returned_with_ints_as_floats(inputs):
    params = validate_parameters(
        inputs["notebook"], {"budget": 5000, "seed": 7, "schemes": ["a.yaml"], "currency": "EUR"}
    )
    assert params == {"budget": 5000.0, "seed": 7, "schemes": ["a.yaml"], "currency": "EUR"}
    assert isinstance(params["budget"], float)
    assert validate_parameters(inputs["notebook"], {"budget": None}) == {"budget": None}


def test_shipped_notebook_declares_the_contract_parameters():
    params = validate_parameters(
        default_notebook_path(),
        {
            "client": "Acme",
            "data": "d.csv",
            "design": "d.yaml",
            "schemes": ["s.yaml"],
            "budget": 100000,
            "currency": "EUR",
            "forecast_draws": 200,
            "seed": 1,
            "branding": {"primary_color": "#112233"},
        },
    )
    assert params["budget"] == 100000.0


def test_missing_input_file_is_reported_before_any_work(inputs, tmp_path):
    with pytest.raises(DefinitionError) as err:
        make_report(
            "Acme",
            data=inputs["root"] / "nope.csv",
            design=inputs["design"],
            schemes=[inputs["scheme"]],
            out=tmp_path / "out",
            notebook=inputs["notebook"],
        )
    assert str(err.value) == (
        f"data: file not found: {inputs['root'] / 'nope.csv'}\n"
        f"Suggestion: check the paths (relative paths are read from {Path.cwd()})."
    )
    assert not (tmp_path / "out" / "Acme").exists()


def test_branding_is_checked():
    with pytest.raises(DefinitionError) as err:
        validate_branding({"primary_colour": "#fff", "accent_color": "red;}", "font": "x{y}"})
    assert str(err.value) == (
        "Unknown branding key 'primary_colour'. Did you mean 'primary_color'? Known keys: logo, "
        "primary_color, accent_color, font, consultant, title, subtitle.\n"
        "branding.accent_color must be a colour like '#1f4e79', got 'red;}'.\n"
        "branding.font must be a CSS font list like 'Georgia, serif', got 'x{y}'.\n"
        "Suggestion: fix the branding of this report."
    )


def test_formats_are_parsed_and_pdf_brings_html():
    assert check_formats("pdf") == ("html", "pdf")
    assert check_formats(["xlsx", "html"]) == ("html", "xlsx")
    with pytest.raises(DefinitionError) as err:
        check_formats("html,pfd")
    assert str(err.value) == (
        "Unknown report format 'pfd'. Did you mean 'pdf'?\n"
        "Suggestion: use a comma-separated list of html, pdf, xlsx."
    )


# --------------------------------------------------------------------------- one report
def test_report_folder_holds_every_output(report):
    assert report.status == "ok", report.error
    assert Path(report.folder).name == safe_name(NASTY) == "Acme-script-alert-1-script-Co"
    assert report.outputs == (
        "manifest.json",
        "payouts.xlsx",
        "report.html",
        "report.ipynb",
        "report.pdf",
    )
    leftovers = list(Path(report.folder).parent.glob(".kpitools-tmp/*"))
    assert leftovers == []


def test_html_has_no_code_prompts_parameters_or_stderr(page, parsed):
    classes = " ".join(attrs.get("class", "") for _, attrs in parsed.tags)
    for forbidden in ("jp-InputArea-editor", "input_area", "jp-InputPrompt", "jp-OutputPrompt"):
        assert forbidden not in classes
    text = "".join(parsed.text)
    assert "xlsx_path" not in page and "Optional[float]" not in page  # parameter cells
    assert "injected" not in page.lower()
    assert "a warning that must not reach the report" not in page
    assert "KERNEL" not in page  # the cell tagged remove_cell
    assert "The short story." in text and "How payouts spread." in text


def test_html_is_self_contained_with_embedded_figures(parsed):
    images = [attrs["src"] for tag, attrs in parsed.tags if tag == "img"]
    assert len(images) == 2  # the logo and the histogram
    assert images[0].startswith("data:image/svg+xml;base64,")
    assert images[1].startswith("data:image/png;base64,")
    loaded = [
        attrs.get("src") or attrs.get("href") or ""
        for tag, attrs in parsed.tags
        if tag in ("script", "link", "img", "iframe")
    ]
    assert not [u for u in loaded if re.match(r"\s*(https?:)?//", u)]
    assert not [tag for tag, _ in parsed.tags if tag == "script"]


def test_client_name_is_escaped_everywhere(page, parsed):
    assert "<script>alert(1)</script>" not in page
    escaped = "Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"
    assert page.count(escaped) == 5  # title, running footer, title page, body, footer
    assert NASTY in "".join(parsed.text)


def test_html_is_branded_with_title_page_contents_and_footer(page, parsed):
    assert "--kpi-primary: #003366;" in page
    title_page = re.search(r'<section class="kpi-title-page">(.*?)</section>', page, re.S)
    assert title_page and "Jane &amp; Partners" in title_page.group(1)
    logo = next(attrs for tag, attrs in parsed.tags if attrs.get("class") == "kpi-logo")
    assert logo["alt"] == "Jane & Partners logo" and logo["src"].startswith("data:image/svg")
    contents = re.search(r'<nav class="kpi-toc">(.*?)</nav>', page, re.S).group(1)
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', contents)
    assert links == [
        ("Executive-summary", "Executive summary"),
        ("Payout-distribution", "Payout distribution"),
    ]
    ids = {attrs.get("id") for _, attrs in parsed.tags}
    assert {"Executive-summary", "Payout-distribution"} <= ids
    footer = re.search(r'<footer class="kpi-footer">(.*?)</footer>', page, re.S).group(1)
    assert footer.startswith("Acme &lt;script&gt;") and "Jane &amp; Partners" in footer
    assert "@page" in page and "counter(pages)" in page and "break-inside: avoid" in page


def test_pdf_has_pages_and_the_client_in_its_title(report):
    from pypdf import PdfReader

    reader = PdfReader(Path(report.folder) / "report.pdf")
    assert len(reader.pages) >= 3  # title page, contents, body
    box = reader.pages[0].mediabox  # A4 portrait
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert reader.metadata.title == f"KPI and bonus scheme review | {NASTY}"


def test_xlsx_tables_are_formatted_and_formulas_escaped(report):
    wb = openpyxl.load_workbook(Path(report.folder) / "payouts.xlsx")
    assert wb.sheetnames == ["payouts", "metrics"]
    ws = wb["payouts"]
    assert [c.value for c in ws[1]] == ["employee", "period", "kpi", "actual", "target"]
    assert ws[1][0].font.bold and ws[1][0].fill.fgColor.rgb == "001F4E79"
    assert ws.freeze_panes == "A2"
    assert ws["A2"].value == "001"
    cmd = ws["A3"]
    assert cmd.value == "=cmd()" and cmd.data_type == "s" and cmd.quotePrefix
    assert ws["D2"].value == 1234567.5 and ws["D2"].number_format == "#,##0.00"
    assert ws.column_dimensions["D"].width >= len("1,234,567.50")


def test_write_xlsx_money_percent_and_integer_formats(tmp_path):
    frame = pd.DataFrame(
        {
            "employee": ["+1", "@sum(A1)", "-2", "ok"],
            "payout": [1500.5, 0.0, float("nan"), 2.0],
            "attainment": [1.05, 0.5, 0.0, 1.0],
            "deals": [1, 2, 3, 4],
        }
    )
    write_xlsx({"p": frame}, tmp_path / "x.xlsx", currency='RUB"')
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx")["p"]
    assert [ws.cell(r, 1).quotePrefix for r in range(2, 6)] == [True, True, True, False]
    assert ws["B2"].number_format == '#,##0.00 "RUB"'
    assert ws["B4"].value is None  # NaN is an empty cell, never 'nan'
    assert ws["C2"].number_format == "0.0%" and ws["C2"].value == 1.05
    assert ws["D2"].number_format == "#,##0" and ws["D2"].value == 1
    assert ws.auto_filter.ref == "A1:D5"


def test_manifest_records_provenance_and_timings(report, inputs):
    manifest = json.loads((Path(report.folder) / "manifest.json").read_text())
    assert manifest["status"] == "ok" and manifest["error"] is None
    assert manifest["client"] == NASTY
    assert [(i["name"], i["sha256"]) for i in manifest["inputs"]] == [
        ("data", file_sha256(inputs["data"])),
        ("design", file_sha256(inputs["design"])),
        ("schemes[0]", file_sha256(inputs["scheme"])),
    ]
    assert manifest["parameters"]["budget"] == 5000.0
    assert manifest["parameters"]["data"] == str(inputs["data"].resolve())
    assert manifest["notebook"]["sha256"] == file_sha256(inputs["notebook"])
    assert {"python", "kpitools", "pandas", "papermill", "weasyprint"} <= set(manifest["packages"])
    timings = manifest["timings"]
    assert {"kernel_start", "execution", "export_html", "pdf", "total"} <= set(timings)
    assert 0 < timings["kernel_start"] < timings["total"]
    assert timings["execution"] + timings["export_html"] + timings["pdf"] < timings["total"]
    files = {o["file"]: o["sha256"] for o in manifest["outputs"]}
    assert files["report.pdf"] == file_sha256(Path(report.folder) / "report.pdf")
    assert len(manifest["input_hash"]) == 64


def test_executed_notebook_is_kept_and_ran_on_this_venv(report):
    nb = nbformat.read(Path(report.folder) / "report.ipynb", as_version=4)
    tags = [t for cell in nb.cells for t in cell.metadata.get("tags", [])]
    assert "injected-parameters" in tags
    printed = "".join(out.get("text", "") for cell in nb.cells for out in cell.get("outputs", []))
    assert f"KERNEL {sys.executable}" in printed


def test_failed_notebook_keeps_its_error_and_no_report(inputs, tmp_path):
    result = make_report(
        "Broken Ltd",
        data=inputs["bad"],
        design=inputs["design"],
        schemes=[inputs["scheme"]],
        out=tmp_path,
        notebook=inputs["notebook"],
        formats="html,xlsx",
    )
    assert result.status == "failed"
    assert (
        result.error == "ValueError: column 'actual' of the data is not numeric (notebook cell [5])"
    )
    folder = tmp_path / "Broken-Ltd"
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "report.ipynb"]
    nb = nbformat.read(folder / "report.ipynb", as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors[0].ename == "ValueError"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["error"] == result.error


# --------------------------------------------------------------------------- helpers
def test_external_resources_are_stripped():
    page = (
        '<head><script src="https://cdn.jsdelivr.net/require.js"></script>'
        "<link rel='stylesheet' href='//fonts.googleapis.com/css'>"
        "<style>@import url(https://x.org/a.css);</style></head>"
        '<body><img src="http://x.org/a.png"><img src="data:image/png;base64,AAAA">'
        '<script>var inline = 1;</script><a href="https://kpitools.org">link</a></body>'
    )
    cleaned, removed = _strip_external(page)
    assert removed == 4
    assert cleaned == (
        "<head><style></style></head>"
        '<body><img src="data:image/png;base64,AAAA">'
        '<script>var inline = 1;</script><a href="https://kpitools.org">link</a></body>'
    )


def test_contents_are_built_from_headings():
    page = (
        "<nav><!-- kpitools:toc --></nav><main><h2 id='a'>Costs &amp; pay</h2>"
        "<h3>Detail <b>1</b></h3><h4>skip</h4><h2 id='a'>Again</h2></main>"
    )
    out = _add_contents(page)
    assert out == (
        '<nav><ol>\n<li class="kpi-toc-2"><a href="#a">Costs &amp; pay</a></li>\n'
        '<li class="kpi-toc-3"><a href="#section-2">Detail 1</a></li>\n'
        '<li class="kpi-toc-2"><a href="#section-3">Again</a></li>\n</ol></nav>'
        "<main><h2 id='a'>Costs &amp; pay</h2><h3 id=\"section-2\">Detail <b>1</b></h3>"
        '<h4>skip</h4><h2 id="section-3">Again</h2></main>'
    )


def test_default_template_folder_is_complete():
    folder = default_template_dir()
    conf = json.loads((folder / "conf.json").read_text())
    assert conf["base_template"] == "lab"
    assert (folder / "logo.svg").read_text().startswith("<svg")


# --------------------------------------------------------------------------- shipped notebook
SECTION_TITLES = [
    "Executive summary",
    "Goals and cascade",
    "KPI set check",
    "History and weak spots",
    "Scheme comparison",
    "Recommendation",
    "Forecast risk",
    "Data quality",
    "Method and assumptions",
]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def real_report(tmp_path_factory):
    from kpitools.demo import write_demo

    root = tmp_path_factory.mktemp("real")
    files = write_demo(root / "demo", n_employees=6, months=15)
    return make_report(
        "Northstar & <Partners>",
        data=files["data"],
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


def test_shipped_notebook_workbook(real_report):
    wb = openpyxl.load_workbook(Path(real_report.folder) / "payouts.xlsx")
    assert wb.sheetnames == ["payouts", "metrics", "employees"]
    payouts = wb["payouts"]
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
    metrics = wb["metrics"]
    names = [c.value for c in metrics[1]]
    assert metrics.cell(2, names.index("budget_variance") + 1).number_format == "0.0%"
    assert metrics.cell(2, names.index("total_cost") + 1).number_format == '#,##0.00 "EUR"'
    assert metrics.freeze_panes == "A2"
    employees = wb["employees"]
    assert [c.value for c in employees[1]] == [
        "scheme",
        "employee",
        "role",
        "periods",
        "total_payout",
        "mean_payout",
        "mean_attainment",
    ]


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
    wb = openpyxl.load_workbook(Path(real_report.folder) / "payouts.xlsx")
    metrics = {
        row[0]: dict(zip([c.value for c in wb["metrics"][1]], row, strict=True))
        for row in wb["metrics"].iter_rows(min_row=2, values_only=True)
    }
    chosen = re.search(r"<strong>Recommended scheme: (.*?)</strong>", real_page).group(1)
    header = [c.value for c in wb["payouts"][1]]
    scheme_col, period_col, comp_col = (header.index(c) for c in ("scheme", "period", "component"))
    periods = {
        row[period_col]
        for row in wb["payouts"].iter_rows(min_row=2, values_only=True)
        if row[scheme_col] == chosen and row[comp_col] == "total"
    }
    total = metrics[chosen]["total_cost"]
    variance = metrics[chosen]["budget_variance"]
    side = "under" if variance <= 0 else "over"
    # cost per period = total cost / periods evaluated; against budget as in the table
    expected = (
        f"<li><strong>Recommended scheme: {chosen}</strong>, about "
        f"{total / len(periods):,.0f} EUR per period ({total:,.0f} EUR over the "
        f"{len(periods)} periods evaluated), {abs(variance):.1%} {side} its budget.</li>"
    )
    assert expected in real_page
    table = _rows(
        re.search(r"<table.*?</table>", _section(real_page, "Scheme comparison"), re.S).group(0)
    )
    column = table[0].index(chosen)
    by_metric = {row[0]: row[column] for row in table[1:]}
    assert by_metric["Periods evaluated"] == f"{len(periods)}"
    assert by_metric["Total cost"] == f"{total:,.0f} EUR"
    assert by_metric["Against budget"] == f"{variance:+.1%}"
    # the recommendation repeats the same figures
    assert f"<li>It stays {abs(variance):.1%} {side} the budget.</li>" in real_page


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
    assert "Cost per period:" in captions
    # no caption left as a loose paragraph before its figure
    assert "<p>Cost per period:</p>" not in main


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
    # six captions; the payout curves one wraps over two lines and is not matched
    assert seen_titles == set(SECTION_TITLES) and seen_captions == 5


# --------------------------------------------------------------------------- command line
def test_report_command_makes_the_report_and_prints_its_files(inputs, tmp_path, capsys):
    from kpitools.cli import main

    args = [
        "report",
        "--client",
        "Acme",
        "--data",
        str(inputs["data"]),
        "--design",
        str(inputs["design"]),
        "--scheme",
        str(inputs["scheme"]),
        "--out",
        str(tmp_path),
        "--notebook",
        str(inputs["notebook"]),
        "--format",
        "html",
        "--param",
        "budget=5000",
    ]
    assert main(args) == 0
    folder = tmp_path / "Acme"
    assert capsys.readouterr().out.splitlines() == [
        f"{folder}/{name}" for name in ("manifest.json", "report.html", "report.ipynb")
    ]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["parameters"]["budget"] == 5000.0 and manifest["formats"] == ["html"]
    assert not (tmp_path / ".kpitools-tmp").exists()


def test_report_command_exits_1_when_the_notebook_fails(inputs, tmp_path, capsys):
    from kpitools.cli import main

    args = [
        "report",
        "--client",
        "Broken",
        "--data",
        str(inputs["bad"]),
        "--design",
        str(inputs["design"]),
        "--scheme",
        str(inputs["scheme"]),
        "--out",
        str(tmp_path),
        "--notebook",
        str(inputs["notebook"]),
        "--format",
        "html",
    ]
    assert main(args) == 1
    assert capsys.readouterr().err == (
        "Error: the report of Broken failed: ValueError: column 'actual' of the data is not "
        "numeric (notebook cell [5])\n"
        f"Suggestion: open {tmp_path / 'Broken'}/report.ipynb to see the error in context.\n"
    )


def test_report_command_rejects_bad_options_before_any_work(inputs, tmp_path, capsys):
    from kpitools.cli import main

    args = [
        "report",
        "--client",
        "Acme",
        "--data",
        str(inputs["data"]),
        "--design",
        str(inputs["design"]),
        "--scheme",
        str(inputs["scheme"]),
        "--out",
        str(tmp_path),
        "--notebook",
        str(inputs["notebook"]),
        "--param",
        "seed=abc",
    ]
    assert main(args) == 2
    assert capsys.readouterr().err == (
        "Error: Report parameter 'seed' must be int, got str 'abc'.\n"
        f"Suggestion: use the names and types of the parameters cell of {inputs['notebook']}.\n"
    )
    assert list(tmp_path.iterdir()) == []
