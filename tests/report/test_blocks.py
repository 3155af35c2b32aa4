"""Tests for kpitools.report.blocks: formatting, tables and figures as HTML."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

import matplotlib
import pandas as pd

from kpitools.report import (
    Figure,
    esc,
    money,
    pct,
    render_blocks,
)
from kpitools.report.blocks import _table_html

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
