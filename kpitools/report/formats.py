"""The report's output formats, registered by name with their writers: html, pdf and xlsx.

Each :class:`OutputFormat` names its file in the client's folder and the function that
writes it once the notebook has run (:class:`Rendering` holds what the writers share).
``pdf`` prints the page ``html`` made, so asking for a PDF brings the HTML; ``xlsx`` is
written by the notebook itself (it needs the report's tables), into the path the runner
passes as the ``xlsx_path`` parameter, and its writer checks that it arrived.

Examples
--------
>>> OUTPUT_FORMATS.names()
['html', 'pdf', 'xlsx']
>>> OUTPUT_FORMATS.get("pdf").file
'report.pdf'
>>> check_formats("pdf, xlsx")
('html', 'pdf', 'xlsx')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._util.files import atomic_write
from .._util.registry import Registry
from ..errors import DefinitionError, KpitoolsError, did_you_mean
from .render import render_html, write_pdf

__all__ = ["OUTPUT_FORMATS", "OutputFormat", "REPORT_FORMATS", "Rendering", "check_formats"]


@dataclass(kw_only=True)
class Rendering:
    """What the writers of one report share: the executed notebook, the folder, the page."""

    notebook: Any
    folder: Path
    client: str
    template: str
    branding: Mapping[str, Any] | None = None
    locale: str | None = None
    #: The HTML page, once the ``html`` writer has made it (the PDF prints it).
    page: str = ""


@dataclass(frozen=True, kw_only=True)
class OutputFormat:
    """An output format of the report: its file, its writer and what it needs.

    Attributes
    ----------
    file : str
        The file it writes in the client's folder.
    write : callable
        ``write(rendering)``: writes the file (raises when it cannot).
    timing : str
        Key of its seconds in the ``timings`` of ``manifest.json``; empty: not timed.
    requires : tuple of str
        Formats it is made from (``pdf`` prints the ``html`` page).
    notebook_parameter : str
        A parameter the runner sets to ``file``, for a notebook that writes it itself.
    """

    file: str
    write: Callable[[Rendering], None]
    timing: str = ""
    requires: tuple[str, ...] = ()
    notebook_parameter: str = ""


#: The output formats by name, in the order they are written.
OUTPUT_FORMATS: Registry[OutputFormat] = Registry("report format")


def _write_html(out: Rendering) -> None:
    out.page = render_html(
        out.notebook,
        client=out.client,
        template=out.template,
        branding=out.branding,
        locale=out.locale,
    )
    atomic_write(out.folder / OUTPUT_FORMATS.get("html").file, out.page)


def _write_pdf(out: Rendering) -> None:
    write_pdf(out.page, out.folder / OUTPUT_FORMATS.get("pdf").file, base_url=out.folder)


def _check_workbook(out: Rendering) -> None:
    if not (out.folder / OUTPUT_FORMATS.get("xlsx").file).is_file():
        raise KpitoolsError(
            "the report notebook did not write payouts.xlsx.\n"
            "Suggestion: keep the notebook's last cell, which writes the workbook."
        )


OUTPUT_FORMATS.register(
    "html", OutputFormat(file="report.html", write=_write_html, timing="export_html")
)
OUTPUT_FORMATS.register(
    "pdf", OutputFormat(file="report.pdf", write=_write_pdf, timing="pdf", requires=("html",))
)
OUTPUT_FORMATS.register(
    "xlsx", OutputFormat(file="payouts.xlsx", write=_check_workbook, notebook_parameter="xlsx_path")
)

#: Every built-in format: what a report makes unless told otherwise.
REPORT_FORMATS = tuple(OUTPUT_FORMATS.names())


def check_formats(formats: str | Sequence[str]) -> tuple[str, ...]:
    """Parse ``"html,pdf,xlsx"`` into a tuple; unknown formats are an error.

    Formats come back in writing order, with the ones they need (``pdf`` brings ``html``).

    Examples
    --------
    >>> check_formats("pdf, html")
    ('html', 'pdf')
    """
    known = OUTPUT_FORMATS.names()
    fix = f"Suggestion: use a comma-separated list of {', '.join(known)}."
    if isinstance(formats, str):
        formats = [f.strip() for f in formats.split(",")]
    if not isinstance(formats, (list, tuple)) or not all(isinstance(f, str) for f in formats):
        raise DefinitionError(
            f"Report formats must be text like 'html,pdf,xlsx', got {formats!r}.\n{fix}"
        )
    wanted = [f.strip().lower() for f in formats if f and f.strip()]
    for fmt in wanted:
        if fmt not in OUTPUT_FORMATS:
            raise DefinitionError(
                f"Unknown report format {fmt!r}.{did_you_mean(fmt, known)}\n{fix}"
            )
    if not wanted:
        raise DefinitionError(f"No report format given.\n{fix}")
    for fmt in list(wanted):
        wanted += [need for need in OUTPUT_FORMATS.get(fmt).requires if need not in wanted]
    return tuple(f for f in known if f in wanted)
