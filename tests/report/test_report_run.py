"""Tests for kpitools.report.run: one report through papermill, its HTML, PDF, XLSX, manifest.

The notebooks run for real (papermill, a real ``python3`` kernel of this venv). One
executed report is shared by many assertions through module-scoped fixtures.
PDFs are read with pypdf (page count, A4, title).
"""

from __future__ import annotations

import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import openpyxl
import pytest

from kpitools._util.files import safe_name
from kpitools.report import (
    file_sha256,
    make_report,
)

NASTY = "Acme <script>alert(1)</script> & Co"


@pytest.fixture(scope="module")
def report(report_inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    logo = out.parent / "jane-partners.svg"  # the consultancy's logo: the cover shows no other
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
        '<rect width="40" height="20" fill="#003366"/></svg>',
        encoding="utf-8",
    )
    result = make_report(
        NASTY,
        data=report_inputs["data"],
        design=report_inputs["design"],
        schemes=[report_inputs["scheme"]],
        out=out,
        notebook=report_inputs["notebook"],
        currency="EUR",
        budget=5000,
        branding={"primary_color": "#003366", "consultant": "Jane & Partners", "logo": str(logo)},
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


def test_manifest_records_provenance_and_timings(report, report_inputs):
    manifest = json.loads((Path(report.folder) / "manifest.json").read_text())
    assert manifest["status"] == "ok" and manifest["error"] is None
    assert manifest["client"] == NASTY
    assert [(i["name"], i["sha256"]) for i in manifest["inputs"]] == [
        ("data", file_sha256(report_inputs["data"])),
        ("design", file_sha256(report_inputs["design"])),
        ("schemes[0]", file_sha256(report_inputs["scheme"])),
        ("branding.logo", file_sha256(Path(report.folder).parent.parent / "jane-partners.svg")),
    ]
    assert manifest["parameters"]["budget"] == 5000.0
    assert manifest["parameters"]["data"] == str(report_inputs["data"].resolve())
    assert manifest["notebook"]["sha256"] == file_sha256(report_inputs["notebook"])
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


def test_failed_notebook_keeps_its_error_and_no_report(report_inputs, tmp_path):
    result = make_report(
        "Broken Ltd",
        data=report_inputs["bad"],
        design=report_inputs["design"],
        schemes=[report_inputs["scheme"]],
        out=tmp_path,
        notebook=report_inputs["notebook"],
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


# --------------------------------------------------------------------------- command line
def test_report_command_makes_the_report_and_prints_its_files(report_inputs, tmp_path, capsys):
    from kpitools.cli import main

    args = [
        "report",
        "--client",
        "Acme",
        "--data",
        str(report_inputs["data"]),
        "--design",
        str(report_inputs["design"]),
        "--scheme",
        str(report_inputs["scheme"]),
        "--out",
        str(tmp_path),
        "--notebook",
        str(report_inputs["notebook"]),
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


def test_report_command_exits_1_when_the_notebook_fails(report_inputs, tmp_path, capsys):
    from kpitools.cli import main

    args = [
        "report",
        "--client",
        "Broken",
        "--data",
        str(report_inputs["bad"]),
        "--design",
        str(report_inputs["design"]),
        "--scheme",
        str(report_inputs["scheme"]),
        "--out",
        str(tmp_path),
        "--notebook",
        str(report_inputs["notebook"]),
        "--format",
        "html",
    ]
    assert main(args) == 1
    assert capsys.readouterr().err == (
        "Error: the report of Broken failed: ValueError: column 'actual' of the data is not "
        "numeric (notebook cell [5])\n"
        f"Suggestion: open {tmp_path / 'Broken'}/report.ipynb to see the error in context.\n"
    )


def test_report_command_rejects_bad_options_before_any_work(report_inputs, tmp_path, capsys):
    from kpitools.cli import main

    args = [
        "report",
        "--client",
        "Acme",
        "--data",
        str(report_inputs["data"]),
        "--design",
        str(report_inputs["design"]),
        "--scheme",
        str(report_inputs["scheme"]),
        "--out",
        str(tmp_path),
        "--notebook",
        str(report_inputs["notebook"]),
        "--param",
        "seed=abc",
    ]
    assert main(args) == 2
    assert capsys.readouterr().err == (
        "Error: Report parameter 'seed' must be int, got str 'abc'.\n"
        "Suggestion: use the names and types of the parameters cell of "
        f"{report_inputs['notebook']}.\n"
    )
    assert list(tmp_path.iterdir()) == []
