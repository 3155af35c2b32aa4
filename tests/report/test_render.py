"""Tests for kpitools.report.render: the HTML page, its contents and what it may load."""

from __future__ import annotations

import json

from kpitools.report import default_template_dir
from kpitools.report.render import _add_contents, _strip_external


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
        # a sub-section nests under its section, so the sections are numbered 1, 2, …
        '<nav><ol>\n<li class="kpi-toc-2"><a href="#a">Costs &amp; pay</a>\n'
        '<ol class="kpi-toc-sub">\n'
        '<li class="kpi-toc-3"><a href="#section-2">Detail 1</a></li>\n</ol></li>\n'
        '<li class="kpi-toc-2"><a href="#section-3">Again</a></li>\n</ol></nav>'
        "<main><h2 id='a'>Costs &amp; pay</h2><h3 id=\"section-2\">Detail <b>1</b></h3>"
        '<h4>skip</h4><h2 id="section-3">Again</h2></main>'
    )


def test_default_template_folder_is_complete():
    folder = default_template_dir()
    conf = json.loads((folder / "conf.json").read_text())
    assert conf["base_template"] == "lab"
    assert (folder / "logo.svg").read_text().startswith("<svg")
