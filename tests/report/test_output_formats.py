"""Tests for kpitools.report.formats: the output formats and their registry."""

from __future__ import annotations

import pytest

from kpitools.errors import DefinitionError, KpitoolsError
from kpitools.report import (
    OUTPUT_FORMATS,
    REPORT_FORMATS,
    OutputFormat,
    Rendering,
    check_formats,
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


def test_output_formats_are_registered_with_their_files_and_writers():
    assert OUTPUT_FORMATS.names() == ["html", "pdf", "xlsx"] == list(REPORT_FORMATS)
    files = {name: fmt.file for name, fmt in OUTPUT_FORMATS.items()}
    assert files == {"html": "report.html", "pdf": "report.pdf", "xlsx": "payouts.xlsx"}
    assert OUTPUT_FORMATS.get("pdf").requires == ("html",)
    # the notebook writes the workbook itself, where the runner tells it to
    assert OUTPUT_FORMATS.get("xlsx").notebook_parameter == "xlsx_path"
    with pytest.raises(DefinitionError) as err:
        OUTPUT_FORMATS.get("docx")
    assert str(err.value) == (
        "Unknown report format 'docx'.\nSuggestion: use one of: html, pdf, xlsx."
    )


def test_the_workbook_writer_says_when_the_notebook_wrote_none(tmp_path):
    out = Rendering(notebook=None, folder=tmp_path, client="Acme", template="")
    with pytest.raises(KpitoolsError) as err:
        OUTPUT_FORMATS.get("xlsx").write(out)
    assert str(err.value) == (
        "the report notebook did not write payouts.xlsx.\n"
        "Suggestion: keep the notebook's last cell, which writes the workbook."
    )


def test_a_registered_format_is_accepted_and_brings_what_it_needs(tmp_path, monkeypatch):
    def write_markdown(out: Rendering) -> None:
        (out.folder / "report.md").write_text(f"# {out.client}\n")

    md = OutputFormat(file="report.md", write=write_markdown, requires=("html",))
    # registered for this test only (Registry has no way to take a name back)
    monkeypatch.setitem(OUTPUT_FORMATS._items, "md", md)
    assert check_formats("md") == ("html", "md")
    OUTPUT_FORMATS.get("md").write(
        Rendering(notebook=None, folder=tmp_path, client="Acme", template="")
    )
    assert (tmp_path / "report.md").read_text() == "# Acme\n"
