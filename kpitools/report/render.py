"""The report page: an executed notebook rendered as branded HTML, then printed to PDF.

HTML goes through nbconvert with the report template (``templates/report``): no code, no
prompts, no parameter cells, no stderr or error outputs, images embedded as data URIs and
nothing loaded from the internet; the contents list is built from the headings. The PDF is
the same HTML printed to A4 by WeasyPrint.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import html
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._util.files import atomic_path, shipped
from .._util.format import DEFAULT_LOCALE, check_locale, date_text
from ..errors import DefinitionError
from .branding import data_uri, validate_branding

__all__ = [
    "REMOVE_CELL_TAGS",
    "check_template",
    "default_template_dir",
    "html_exporter",
    "render_html",
    "write_pdf",
]

#: Cell tags whose cells never reach the HTML.
REMOVE_CELL_TAGS = (
    "parameters",
    "injected-parameters",
    "papermill-error-cell-tag",
    "remove_cell",
)

_LOG = logging.getLogger(__name__)


def default_template_dir() -> Path:
    """Return the default nbconvert template folder (``templates/report``).

    Examples
    --------
    >>> (default_template_dir() / "conf.json").exists()
    True
    """
    return shipped("templates", "report")


def check_template(template: str | os.PathLike) -> Path:
    """The absolute template folder; it must hold ``conf.json`` and ``index.html.j2``.

    Raises
    ------
    DefinitionError
        A file is missing.
    """
    tdir = Path(template).resolve()
    if not (tdir / "conf.json").is_file() or not (tdir / "index.html.j2").is_file():
        raise DefinitionError(
            f"Report template folder {template} must hold conf.json and index.html.j2.\n"
            f"Suggestion: copy {default_template_dir()} and edit the copy."
        )
    return tdir


def _clean_notebook(nb: Any) -> Any:
    """A copy without stderr/warning streams and error outputs.

    Cells tagged in ``REMOVE_CELL_TAGS`` go through nbconvert's TagRemovePreprocessor.
    """
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                out
                for out in cell.get("outputs", [])
                if out.get("output_type") != "error"
                and not (out.get("output_type") == "stream" and out.get("name") == "stderr")
            ]
    return nb


_HEADING = re.compile(r"<h([23])((?:\s[^>]*)?)>(.*?)</h\1>", re.S | re.I)
_ID = re.compile(r"""\sid\s*=\s*["']([^"']*)["']""", re.I)
_TAGS = re.compile(r"<[^>]+>")
_EXTERNAL = [
    re.compile(
        r"<script\b[^>]*\bsrc\s*=\s*[\"']?\s*(?:https?:)?//[^>]*>.*?</script\s*>", re.S | re.I
    ),
    re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?\s*(?:https?:)?//[^>]*>", re.S | re.I),
    re.compile(
        r"<(?:img|iframe|video|audio|source)\b[^>]*\bsrc\s*=\s*[\"']?\s*(?:https?:)?//[^>]*>",
        re.S | re.I,
    ),
    re.compile(r"@import\s+(?:url\()?\s*[\"']?\s*(?:https?:)?//[^;]*;", re.I),
]


def _strip_external(text: str) -> tuple[str, int]:
    """Remove every tag that would load something from the internet; return the count."""
    removed = 0
    for pattern in _EXTERNAL:
        text, n = pattern.subn("", text)
        removed += n
    return text, removed


def _add_contents(page: str) -> str:
    """Give every h2/h3 of the report body an id and list them at the contents placeholder."""
    start = page.find("<main>")
    if start < 0:
        return page
    head, body = page[:start], page[start:]
    entries: list[tuple[str, str, str]] = []
    used: set[str] = set()

    def number(match: re.Match) -> str:
        level, attrs, inner = match.group(1), match.group(2) or "", match.group(3)
        text = html.unescape(_TAGS.sub("", inner)).replace("\u00b6", "").strip()
        found = _ID.search(attrs)
        anchor = found.group(1) if found else ""
        if not anchor or anchor in used:
            anchor = f"section-{len(entries) + 1}"
            attrs = _ID.sub("", attrs) + f' id="{anchor}"'
        used.add(anchor)
        entries.append((level, anchor, text))
        return f"<h{level}{attrs}>{inner}</h{level}>"

    body = _HEADING.sub(number, body)
    return head.replace("<!-- kpitools:toc -->", _contents_list(entries), 1) + body


def _contents_list(entries: list[tuple[str, str, str]]) -> str:
    """The contents as a numbered list of sections, each with its sub-sections nested."""
    out: list[str] = []
    open_sub = False
    for i, (level, anchor, text) in enumerate(entries):
        link = f'<a href="#{html.escape(anchor)}">{html.escape(text)}</a>'
        nested = level == "3" and i > 0
        if nested and not open_sub:
            out[-1] = out[-1].removesuffix("</li>") + '\n<ol class="kpi-toc-sub">'
            open_sub = True
        elif not nested and open_sub:
            out.append("</ol></li>")
            open_sub = False
        out.append(f'<li class="kpi-toc-{level}">{link}</li>')
    if open_sub:
        out.append("</ol></li>")
    return "<ol>\n" + "\n".join(out) + "\n</ol>"


@functools.lru_cache(maxsize=8)
def html_exporter(template_dir: str) -> Any:
    """The HTML exporter of a template folder, built once per process (its Jinja set-up is slow).

    Examples
    --------
    >>> html_exporter(str(default_template_dir())).exclude_input  # doctest: +SKIP
    True
    """
    # heavy (Jinja, mistune, bleach): loaded only when a report is rendered
    from nbconvert import HTMLExporter  # heavy; only when HTML is made
    from nbconvert.preprocessors import TagRemovePreprocessor  # heavy; only when HTML is made

    tdir = Path(template_dir)
    exporter = HTMLExporter(
        template_name=tdir.name,
        extra_template_basedirs=[str(tdir.parent)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(
            remove_cell_tags=set(REMOVE_CELL_TAGS),
            remove_all_outputs_tags={"remove_output"},
            enabled=True,
        ),
        enabled=True,
    )
    return exporter


def render_html(
    nb: Any,
    *,
    client: str,
    template: str | os.PathLike | None = None,
    branding: Mapping[str, Any] | None = None,
    date: str | None = None,
    locale: str | None = None,
) -> str:
    """Render an executed notebook as a branded, self-contained HTML report.

    No code, no prompts, no cells tagged ``parameters``/``injected-parameters``, no
    stderr or error outputs; images stay embedded as data URIs and nothing is loaded
    from the internet (any script, stylesheet or image with an external address is
    removed). The contents list is generated from the report's headings.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook.
    client : str
        Client name for the title page and footer (escaped by the template).
    template : path, optional
        nbconvert template folder (``conf.json`` + ``index.html.j2``); default
        :func:`default_template_dir`.
    branding : mapping, optional
        See :func:`kpitools.report.validate_branding`.
    date : str, optional
        Report date (ISO), default today; the cover writes it in words in ``locale``.
    locale : str, optional
        The client's locale (default ``en_US``): the date in words, the page's language.

    Examples
    --------
    >>> page = render_html(nbformat.read("report.ipynb", 4), client="Acme")  # doctest: +SKIP
    """
    tdir = check_template(template or default_template_dir())
    brand = validate_branding(branding)
    code = check_locale(locale) if locale else DEFAULT_LOCALE
    # The consultancy's logo (branding), or a custom template's own; kpitools' shipped logo
    # never reaches a client's cover.
    own = tdir / "logo.svg" if tdir != default_template_dir().resolve() else None
    logo = Path(brand["logo"]) if brand["logo"] else own
    context = {
        **brand,
        "client": client,
        "date": date_text(date or dt.date.today(), locale=code),
        "iso_date": str(date or dt.date.today().isoformat()),
        "language": code.split("_")[0],
        "logo_uri": data_uri(logo) if logo is not None and logo.is_file() else "",
    }
    page, _ = html_exporter(str(tdir)).from_notebook_node(
        _clean_notebook(nb), resources={"kpitools": context}
    )
    page, removed = _strip_external(page)
    if removed:
        _LOG.info("removed %d external script/link/image tags from the report", removed)
    return _add_contents(page)


def write_pdf(
    page: str, path: str | os.PathLike, *, base_url: str | os.PathLike | None = None
) -> Path:
    """Print the report HTML to an A4 PDF with WeasyPrint (atomic write).

    Examples
    --------
    >>> write_pdf("<h1>Hello</h1>", "out/report.pdf")  # doctest: +SKIP
    """
    import weasyprint  # heavy (Pango, fonts): loaded only when a PDF is printed

    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    base = str(base_url or Path(path).parent)
    with atomic_path(path) as tmp:
        weasyprint.HTML(string=page, base_url=base).write_pdf(str(tmp))
    return Path(path)
