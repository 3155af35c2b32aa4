"""The building blocks of the report's sections and their HTML.

A section is a list of blocks: markdown strings, DataFrames (shown as formatted tables) and
figures (:class:`Figure`, a matplotlib figure with its caption and alt text).
:func:`render_blocks` turns them into one HTML fragment and :func:`show` displays it in a
notebook. All text that comes from users (client, scheme, KPI and team names, messages) is
HTML-escaped (:func:`esc`); numbers are formatted by :mod:`kpitools._util.format`, so a
missing figure reads ``n/a`` as everywhere else.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .._util.format import money as _money
from .._util.format import percent

__all__ = ["PAGE_END", "Figure", "esc", "money", "new_figure", "pct", "render_blocks", "show"]


def esc(text: Any) -> str:
    """HTML-escape any text shown in the report.

    Examples
    --------
    >>> esc("A & <b>")
    'A &amp; &lt;b&gt;'
    """
    return html.escape(str(text))


def money(value: float, currency: str | None = "") -> str:
    """An amount as the report shows it: :func:`kpitools._util.format.money`, escaped currency.

    No currency (None or ""): the amount alone, never a made-up code.

    Examples
    --------
    >>> money(1234567.4, "RUB"), money(float("nan"), "RUB"), money(5, None)
    ('1,234,567 RUB', 'n/a', '5')
    """
    return _money(value, esc(currency) if currency else "")


#: A share as a percentage (:func:`kpitools._util.format.percent`), the report's old name.
pct = percent


@dataclass(frozen=True)
class Figure:
    """A figure of the report: the matplotlib figure, its alt text and its caption.

    The caption (HTML-safe text, escaped by the section) sits above the image and
    stays on the same page; the alt text describes the figure for screen readers
    and for a reader of the HTML without images.
    """

    fig: Any
    alt: str
    caption: str = ""


def new_figure(width: float = 7.5, height: float = 3.6, nrows: int = 1, ncols: int = 1) -> Any:
    """A new figure and its axes (``plt.subplots``) of the report's size, laid out to fit."""
    import matplotlib.pyplot as plt  # only where figures are drawn: the runner never needs it

    return plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained")


# A figure in any locale: 1,234 USD, 1 234,50 ₽ (no-break spaces), $1,080, 12,5 %, 1.25×.
# Also a count pair (8 / 0), a count and its share (422 (25.7%)) and a short amount
# (+6.84M RUB, 36,7 млн ₽, 250 тыс.).
_NUMBERISH = (
    r"^\s*(?:n/a|no cap|[-+−]?[$€£¥₽]?\s?\d[\d,.\s/]*"
    r"(?:[A-Za-zА-яё.]{1,5}\s?)?(?:%|×|[A-Za-z$€£¥₽]{1,4})?(?:\s?\([\d,.\s]+%\))?)?\s*$"
)


def _table_html(frame: pd.DataFrame) -> str:
    """A plain, escaped HTML table; columns of numbers and amounts are right-aligned."""
    cols = [str(c) for c in frame.columns]
    text = frame.astype(object).where(frame.notna(), "").astype(str)
    numeric = [
        bool(text[c].str.match(_NUMBERISH).all()) and text[c].str.strip().ne("").any()
        for c in frame.columns
    ]
    align = [' class="num"' if n else "" for n in numeric]
    head = "".join(f"<th{a}>{esc(c)}</th>" for c, a in zip(cols, align, strict=True))
    body = "\n".join(
        "<tr>" + "".join(f"<td{a}>{esc(v)}</td>" for v, a in zip(row, align, strict=True)) + "</tr>"
        for row in text.itertuples(index=False, name=None)
    )
    return (
        f'<table class="kpi-table">\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody>\n</table>"
    )


def _figure_html(block: Figure) -> str:
    import matplotlib.pyplot as plt  # only where figures are drawn: the runner never needs it

    buffer = io.BytesIO()
    block.fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(block.fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    caption = f"<figcaption>{block.caption}</figcaption>" if block.caption else ""
    return (
        f'<figure class="kpi-figure">{caption}'
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(block.alt, quote=True)}">'
        "</figure>"
    )


def _default_alt(fig: Any) -> str:
    titles = [ax.get_title() for ax in fig.get_axes() if ax.get_title()]
    return "Figure: " + "; ".join(titles) if titles else "Figure"


def _block_html(block: Any) -> tuple[str, str]:
    """(kind, HTML) of one block: ``text``, ``table``, ``figure`` or ``other``."""
    # nbconvert's markdown filter: heavy, and only needed inside the report's kernel
    from nbconvert.filters.markdown_mistune import markdown2html_mistune  # heavy; inside a kernel o

    if isinstance(block, str):
        return "text", markdown2html_mistune(block).strip()
    if isinstance(block, pd.DataFrame):
        return "table", _table_html(block)
    if isinstance(block, Figure):
        return "figure", _figure_html(block)
    if hasattr(block, "savefig"):
        return "figure", _figure_html(Figure(block, alt=_default_alt(block)))
    return "other", esc(block)


#: The last block of a section that ends its page in print (the executive summary).
PAGE_END = '<div class="kpi-page-end"></div>'


def render_blocks(blocks: Sequence[Any] | None) -> str:
    """A section's blocks as one HTML fragment.

    Text is markdown; a run of texts is kept on the same page as the table or figure
    right after it (``kpi-keep``), so no heading or caption is left alone at a page foot.

    Examples
    --------
    >>> render_blocks(["Some text."])
    '<div class="kpi-section"><div class="kpi-keep"><p>Some text.</p></div></div>'
    """
    blocks = list(blocks or ())
    ends_page = bool(blocks) and isinstance(blocks[-1], str) and blocks[-1] == PAGE_END
    parts = [_block_html(block) for block in (blocks[:-1] if ends_page else blocks)]
    # a heading with a line of lead text stays with the text that follows it, too
    while len(parts) > 1 and parts[0][0] == "text" and parts[1][0] == "text":
        if not parts[0][1].startswith("<h") or parts[0][1].count("<p>") > 1:
            break
        parts[:2] = [("text", f"{parts[0][1]}\n{parts[1][1]}")]
    out: list[str] = []
    i = 0
    while i < len(parts):
        kind, fragment = parts[i]
        if kind != "text":
            out.append(fragment)
            i += 1
            continue
        # A run of texts (a heading, its lead, a sub-heading, a caption) stays with the
        # table or figure after it; texts followed by none stay whole, each on its own.
        run = i
        while run < len(parts) and parts[run][0] == "text":
            run += 1
        if run < len(parts) and parts[run][0] in ("table", "figure"):
            texts = "\n".join(f for _, f in parts[i:run])
            out.append(f'<div class="kpi-keep">{texts}\n{parts[run][1]}</div>')
            i = run + 1
        else:
            out += [f'<div class="kpi-keep">{f}</div>' for _, f in parts[i:run]]
            i = run
    # a page end is the section's own (break after it), not a block that could spill over
    section = "kpi-section kpi-ends-page" if ends_page else "kpi-section"
    return f'<div class="{section}">' + "\n".join(out) + "</div>"


def show(blocks: Sequence[Any] | None) -> None:
    """Display a section's blocks in a notebook as one HTML output (see :func:`render_blocks`).

    Examples
    --------
    >>> show(executive_summary(ctx))  # doctest: +SKIP
    """
    from IPython.display import HTML, display  # IPython: only in a notebook

    if blocks:
        display(HTML(render_blocks(blocks)))
