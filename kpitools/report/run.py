"""Client reports: run the report notebook with papermill, render HTML, PDF and XLSX.

One report is one job (:class:`ReportJob`): the parameters are checked against the
notebook's ``parameters`` cell before any work (papermill itself ignores unknown
names; we do not), the notebook runs in its own kernel, and the outputs are written
into a hidden temporary folder that is renamed into ``OUT/<safe client name>/`` only
when complete. A crash or a killed worker therefore never leaves half a report.

The folder of a finished client holds ``report.html`` (no code, no prompts, no
parameter cells, nothing loaded from the internet), ``report.pdf`` (the same HTML
with print styles, through WeasyPrint), ``payouts.xlsx``, the executed
``report.ipynb`` for audit and ``manifest.json`` (inputs with sha256, parameters,
package versions, timings). A client whose notebook fails keeps ``report.ipynb``
with the error and a ``manifest.json`` saying why.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import datetime as dt
import functools
import hashlib
import html
import json
import logging
import math
import os
import re
import secrets
import shutil
import sys
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._util.files import atomic_path, atomic_write, safe_name, shipped
from ..errors import DefinitionError, KpitoolsError, did_you_mean

__all__ = [
    "REPORT_FORMATS",
    "ReportJob",
    "ReportResult",
    "ReportFailedError",
    "default_notebook_path",
    "default_template_dir",
    "validate_parameters",
    "validate_branding",
    "prepare_job",
    "run_job",
    "make_report",
    "render_html",
    "write_pdf",
    "write_xlsx",
    "file_sha256",
]

REPORT_FORMATS = ("html", "pdf", "xlsx")
TEMP_DIR_NAME = ".kpitools-tmp"
MANIFEST_NAME = "manifest.json"
NOTEBOOK_NAME = "report.ipynb"
OUTPUT_FILES = {"html": "report.html", "pdf": "report.pdf", "xlsx": "payouts.xlsx"}

#: Parameters that name input files: checked to exist, made absolute and hashed.
PATH_PARAMETERS = ("data", "design")
PATH_LIST_PARAMETERS = ("schemes",)
#: Parameters kpitools sets itself; a user may not pass them.
INTERNAL_PARAMETERS = ("xlsx_path",)
#: Cell tags whose cells never reach the HTML.
REMOVE_CELL_TAGS = (
    "parameters",
    "injected-parameters",
    "papermill-error-cell-tag",
    "remove_cell",
)

BRANDING_DEFAULTS: dict[str, str] = {
    "logo": "",
    "primary_color": "#1f4e79",
    "accent_color": "#f28e2b",
    "font": '"Helvetica Neue", Helvetica, Arial, sans-serif',
    "consultant": "",
    "title": "KPI and bonus scheme review",
    "subtitle": "Performance indicators, bonus schemes and their cost",
}
_COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_FONT = re.compile(r"^[\w \-,\"']{1,200}$")

PACKAGES = (
    "kpitools",
    "numpy",
    "pandas",
    "scipy",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbconvert",
    "nbformat",
    "nbclient",
    "ipykernel",
    "jupyter_client",
    "weasyprint",
    "openpyxl",
    "pyyaml",
    "pydantic",
)

_LOG = logging.getLogger(__name__)


# --------------------------------------------------------------------------- locations
def default_notebook_path() -> Path:
    """Return the report notebook shipped with kpitools (``notebooks/03_client_report.ipynb``).

    Examples
    --------
    >>> default_notebook_path().name
    '03_client_report.ipynb'
    """
    return shipped("notebooks", "03_client_report.ipynb")


def default_template_dir() -> Path:
    """Return the default nbconvert template folder (``templates/report``).

    Examples
    --------
    >>> (default_template_dir() / "conf.json").exists()
    True
    """
    return shipped("templates", "report")


# --------------------------------------------------------------------------- results
class ReportFailedError(KpitoolsError):
    """Some reports failed (their notebooks raised); the CLI exits with code 1."""

    exit_code = 1


@dataclass(frozen=True, kw_only=True)
class ReportJob:
    """Everything one report needs, checked and with absolute paths (see :func:`prepare_job`).

    Jobs pickle, so batch executors can send them to worker processes.
    """

    client: str
    parameters: Mapping[str, Any]
    out_dir: str
    formats: tuple[str, ...] = REPORT_FORMATS
    notebook: str = field(default_factory=lambda: str(default_notebook_path()))
    template: str = field(default_factory=lambda: str(default_template_dir()))
    kernel_name: str = "python3"
    inputs: tuple[tuple[str, str, str], ...] = ()
    input_hash: str = ""

    @property
    def folder(self) -> Path:
        """The client's output folder: ``out_dir/<safe client name>``."""
        return Path(self.out_dir) / safe_name(self.client)


@dataclass(frozen=True, kw_only=True)
class ReportResult:
    """What happened to one report: ``status`` is ``ok``, ``failed`` or ``skipped``."""

    client: str
    status: str
    folder: str
    seconds: float = 0.0
    error: str | None = None
    timings: Mapping[str, float] = field(default_factory=dict)
    outputs: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True unless the report failed."""
        return self.status != "failed"

    def __repr__(self) -> str:
        what = self.error if self.error else ", ".join(self.outputs)
        return f"ReportResult({self.client!r}, {self.status}, {self.seconds:.1f} s: {what})"


# --------------------------------------------------------------------------- validation
_SIMPLE_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "list": (list, tuple),
    "dict": (dict, Mapping),
}


def _type_ok(value: Any, type_name: str) -> bool | None:
    """Check ``value`` against a papermill annotation; None when the annotation is unknown."""
    name = type_name.replace(" ", "")
    if name in ("None", "", "Any"):
        return None
    optional = re.fullmatch(r"Optional\[(.+)\]", name)
    if optional:
        return True if value is None else _type_ok(value, optional.group(1))
    generic = re.fullmatch(r"(list|dict)\[(.+)\]", name)
    if generic:
        outer, inner = generic.groups()
        if not isinstance(value, _SIMPLE_TYPES[outer]):
            return False
        if outer == "list":
            return all(_type_ok(v, inner) is not False for v in value)
        return True
    if name not in _SIMPLE_TYPES:
        return None
    if isinstance(value, bool) and name in ("int", "float"):
        return False
    return isinstance(value, _SIMPLE_TYPES[name])


def _notebook_parameters(notebook_path: str | os.PathLike) -> dict[str, dict]:
    import papermill

    path = Path(notebook_path)
    if not path.is_file():
        raise DefinitionError(
            f"Report notebook not found: {path}\n"
            "Suggestion: pass the path of a notebook with a cell tagged 'parameters'."
        )
    declared = papermill.inspect_notebook(str(path))
    if not declared:
        raise DefinitionError(
            f"{path}: the notebook has no cell tagged 'parameters'.\n"
            "Suggestion: tag the cell that sets the default parameters with 'parameters'."
        )
    return declared


def validate_parameters(
    notebook_path: str | os.PathLike, params: Mapping[str, Any], *, where: str = ""
) -> dict[str, Any]:
    """Check report parameters against the notebook's ``parameters`` cell, before any work.

    papermill silently ignores parameters the notebook does not declare; a typo would
    then produce a report with a default value. Here every unknown name is an error
    with a "did you mean", and every value must match the annotation in the
    parameters cell (``client: str = ""``, ``seed: int = 42``,
    ``budget: Optional[float] = None``, ``schemes: list[str] = []``).

    Parameters
    ----------
    notebook_path : path
        The report notebook.
    params : mapping
        Parameter names and values.
    where : str, optional
        Where the parameters come from, for the message (e.g. ``manifest.yaml: clients[2]``).

    Returns
    -------
    dict
        The parameters (a new dict; ints given for floats become floats).

    Raises
    ------
    DefinitionError
        Listing every unknown name and every wrong type at once.

    Examples
    --------
    >>> validate_parameters(default_notebook_path(), {"clinet": "Acme"})  # doctest: +SKIP
    Traceback (most recent call last):
    DefinitionError: Unknown report parameter 'clinet'. Did you mean 'client'? ...
    """
    declared = _notebook_parameters(notebook_path)
    public = sorted(n for n in declared if n not in INTERNAL_PARAMETERS)
    problems: list[str] = []
    checked: dict[str, Any] = {}
    for name, value in params.items():
        if name not in declared or name in INTERNAL_PARAMETERS:
            problems.append(
                f"Unknown report parameter {name!r}.{did_you_mean(name, public)} "
                f"Known parameters: {', '.join(public)}."
            )
            continue
        type_name = str(declared[name].get("inferred_type_name", "None"))
        ok = _type_ok(value, type_name)
        if ok is False:
            problems.append(
                f"Report parameter {name!r} must be {type_name}, got "
                f"{type(value).__name__} {value!r}."
            )
            continue
        if type_name.replace(" ", "") in ("float", "Optional[float]") and isinstance(value, int):
            value = float(value)
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(f"Report parameter {name!r} must be a finite number, got {value!r}.")
            continue
        checked[name] = value
    if problems:
        head = f"{where}: " if where else ""
        raise DefinitionError(
            head
            + "\n".join(problems)
            + f"\nSuggestion: use the names and types of the parameters cell of {notebook_path}."
        )
    return checked


def validate_branding(branding: Mapping[str, Any] | None, *, where: str = "") -> dict[str, str]:
    """Check the ``branding`` parameter and fill in the defaults.

    Keys: ``logo`` (an SVG/PNG/JPEG file), ``primary_color`` and ``accent_color``
    (``#rrggbb``), ``font`` (a CSS font list), ``consultant``, ``title``, ``subtitle``.
    Colours and fonts go into CSS, so only safe values pass.

    Examples
    --------
    >>> validate_branding({"primary_color": "#003366"})["primary_color"]
    '#003366'
    """
    head = f"{where}: " if where else ""
    branding = dict(branding or {})
    problems: list[str] = []
    for key in branding:
        if key not in BRANDING_DEFAULTS:
            problems.append(
                f"Unknown branding key {key!r}.{did_you_mean(key, BRANDING_DEFAULTS)} "
                f"Known keys: {', '.join(BRANDING_DEFAULTS)}."
            )
    out = {**BRANDING_DEFAULTS, **{k: v for k, v in branding.items() if k in BRANDING_DEFAULTS}}
    for key, value in out.items():
        if not isinstance(value, str):
            problems.append(f"branding.{key} must be text, got {type(value).__name__} {value!r}.")
    for key in ("primary_color", "accent_color"):
        if isinstance(out[key], str) and not _COLOR.match(out[key]):
            problems.append(f"branding.{key} must be a colour like '#1f4e79', got {out[key]!r}.")
    if isinstance(out["font"], str) and not _FONT.match(out["font"]):
        problems.append(
            f"branding.font must be a CSS font list like 'Georgia, serif', got {out['font']!r}."
        )
    if out["logo"] and isinstance(out["logo"], str):
        logo = Path(out["logo"])
        if logo.suffix.lower() not in _IMAGE_TYPES:
            problems.append(
                f"branding.logo must be an .svg, .png or .jpg file, got {out['logo']!r}."
            )
        elif not logo.is_file():
            problems.append(f"branding.logo: file not found: {out['logo']}.")
    if problems:
        raise DefinitionError(
            head + "\n".join(problems) + "\nSuggestion: fix the branding of this report."
        )
    return out


_IMAGE_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


def check_formats(formats: str | Sequence[str]) -> tuple[str, ...]:
    """Parse ``"html,pdf,xlsx"`` into a tuple; unknown formats are an error.

    Examples
    --------
    >>> check_formats("pdf, html")
    ('html', 'pdf')
    """
    if isinstance(formats, str):
        formats = [f.strip() for f in formats.split(",")]
    if not isinstance(formats, (list, tuple)) or not all(isinstance(f, str) for f in formats):
        raise DefinitionError(
            f"Report formats must be text like 'html,pdf,xlsx', got {formats!r}.\n"
            f"Suggestion: use a comma-separated list of {', '.join(REPORT_FORMATS)}."
        )
    wanted = [f.strip().lower() for f in formats if f and f.strip()]
    for fmt in wanted:
        if fmt not in REPORT_FORMATS:
            raise DefinitionError(
                f"Unknown report format {fmt!r}.{did_you_mean(fmt, REPORT_FORMATS)}\n"
                f"Suggestion: use a comma-separated list of {', '.join(REPORT_FORMATS)}."
            )
    if not wanted:
        raise DefinitionError(
            "No report format given.\n"
            f"Suggestion: use a comma-separated list of {', '.join(REPORT_FORMATS)}."
        )
    if "pdf" in wanted and "html" not in wanted:
        wanted.append("html")  # the PDF is printed from the HTML
    return tuple(f for f in REPORT_FORMATS if f in wanted)


def parse_param_options(items: Sequence[str]) -> dict[str, Any]:
    """Parse ``NAME=VALUE`` command-line items; each VALUE is read as YAML.

    Examples
    --------
    >>> parse_param_options(["budget=150000", "branding={primary_color: '#003366'}"])
    {'budget': 150000, 'branding': {'primary_color': '#003366'}}
    """
    import yaml

    out: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise DefinitionError(
                f"--param {item!r} is not NAME=VALUE.\n"
                "Suggestion: write e.g. --param budget=150000."
            )
        try:
            out[name.strip()] = yaml.safe_load(value) if value.strip() else ""
        except yaml.YAMLError as exc:
            raise DefinitionError(
                f"--param {item!r}: the value is not valid YAML.\n"
                "Suggestion: quote text with special characters, e.g. --param \"title='A: B'\"."
            ) from exc
    return out


def file_sha256(path: str | os.PathLike) -> str:
    """Return the hex sha256 of a file's bytes (read in chunks).

    Examples
    --------
    >>> len(file_sha256(default_template_dir() / "conf.json"))
    64
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _dir_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(file.relative_to(path).as_posix().encode())
        digest.update(file_sha256(file).encode())
    return digest.hexdigest()


def parameters_without_paths(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters without the input file paths (which count by their contents).

    Examples
    --------
    >>> parameters_without_paths({"data": "/a/d.csv", "budget": 5.0, "branding": {"logo": "x"}})
    {'budget': 5.0, 'branding': {}}
    """
    out = {k: v for k, v in params.items() if k not in (*PATH_PARAMETERS, *PATH_LIST_PARAMETERS)}
    if isinstance(out.get("branding"), Mapping):
        out["branding"] = {k: v for k, v in out["branding"].items() if k != "logo"}
    return out


@functools.cache
def kpitools_sha256() -> str:
    """The hash of kpitools' own code: a report made by other code is not up to date.

    Examples
    --------
    >>> len(kpitools_sha256())
    64
    """
    package = Path(__file__).resolve().parent.parent  # all of kpitools, not only report/
    digest = hashlib.sha256()
    for file in sorted(package.rglob("*.py")):
        digest.update(file.relative_to(package).as_posix().encode())
        digest.update(file_sha256(file).encode())
    return digest.hexdigest()


def _check_template(template: str | os.PathLike) -> Path:
    tdir = Path(template).resolve()
    if not (tdir / "conf.json").is_file() or not (tdir / "index.html.j2").is_file():
        raise DefinitionError(
            f"Report template folder {template} must hold conf.json and index.html.j2.\n"
            f"Suggestion: copy {default_template_dir()} and edit the copy."
        )
    return tdir


def prepare_job(
    client: str,
    parameters: Mapping[str, Any],
    out_dir: str | os.PathLike,
    *,
    formats: str | Sequence[str] = REPORT_FORMATS,
    notebook: str | os.PathLike | None = None,
    template: str | os.PathLike | None = None,
    base_dir: str | os.PathLike | None = None,
    kernel_name: str = "python3",
    where: str = "",
) -> ReportJob:
    """Check one report's parameters and inputs and return a :class:`ReportJob`.

    Input paths (``data``, ``design``, ``schemes``, ``branding.logo``) are resolved
    against ``base_dir`` (default: the current folder), must exist, and are hashed:
    the hash of inputs, parameters, notebook and template decides ``--resume``.

    Examples
    --------
    >>> job = prepare_job("Acme", {"data": "d.csv", "design": "d.yaml",
    ...                   "schemes": ["s.yaml"]}, "out")  # doctest: +SKIP
    """
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    head = f"{where}: " if where else ""
    if not isinstance(client, str) or not client.strip():
        raise DefinitionError(
            f"{head}the client name is missing or empty.\n"
            "Suggestion: give each report a 'client' name."
        )
    if any(ch < " " or "\x7f" <= ch <= "\x9f" for ch in client):
        raise DefinitionError(
            f"{head}the client name {client!r} holds a control character (a line break, tab "
            "or terminal escape).\nSuggestion: write the client name on one line, as plain text."
        )
    notebook_path = Path(notebook) if notebook else default_notebook_path()
    try:
        template_dir = _check_template(template or default_template_dir())
        fmts = check_formats(formats)
        _notebook_parameters(notebook_path)
    except DefinitionError as exc:
        raise DefinitionError(head + str(exc)) from None
    params = validate_parameters(notebook_path, {**parameters, "client": client}, where=where)

    inputs: list[tuple[str, str, str]] = []
    missing: list[str] = []

    def resolve(name: str, value: str) -> str:
        path = Path(value).expanduser()
        path = path if path.is_absolute() else base / path
        if not path.is_file():
            missing.append(f"{name}: file not found: {path}")
            return str(path)
        inputs.append((name, str(path.resolve()), file_sha256(path)))
        return str(path.resolve())

    for name in PATH_PARAMETERS:
        if params.get(name):
            params[name] = resolve(name, params[name])
    for name in PATH_LIST_PARAMETERS:
        if params.get(name):
            params[name] = [resolve(f"{name}[{i}]", v) for i, v in enumerate(params[name])]
    branding = dict(params.get("branding") or {})
    if branding.get("logo"):
        branding["logo"] = resolve("branding.logo", str(branding["logo"]))
    if missing:
        raise DefinitionError(
            head + "\n".join(missing) + "\nSuggestion: check the paths (relative paths are "
            f"read from {base})."
        )
    if "branding" in params:
        validate_branding(branding, where=where)
        params["branding"] = branding

    notebook_hash = file_sha256(notebook_path)
    key = {
        "notebook": notebook_hash,
        "template": _dir_sha256(template_dir),
        "inputs": [(n, h) for n, _, h in inputs],
        # files count by their contents (above), not their paths: a moved folder is the same
        "parameters": parameters_without_paths(params),
        "formats": fmts,
        "kpitools": kpitools_sha256(),
    }
    input_hash = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()
    return ReportJob(
        client=client,
        parameters=params,
        out_dir=str(Path(out_dir).resolve()),
        formats=fmts,
        notebook=str(notebook_path.resolve()),
        template=str(template_dir),
        kernel_name=kernel_name,
        inputs=tuple(inputs),
        input_hash=input_hash,
    )


# --------------------------------------------------------------------------- rendering
def _data_uri(path: Path) -> str:
    mime = _IMAGE_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _clean_notebook(nb):
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
    items = "\n".join(
        f'<li class="kpi-toc-{level}"><a href="#{html.escape(anchor)}">{html.escape(text)}</a></li>'
        for level, anchor, text in entries
    )
    return head.replace("<!-- kpitools:toc -->", f"<ol>\n{items}\n</ol>", 1) + body


@functools.lru_cache(maxsize=8)
def _exporter(template_dir: str):
    """One exporter per template and process: building the Jinja environment is slow."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

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
    nb,
    *,
    client: str,
    template: str | os.PathLike | None = None,
    branding: Mapping[str, Any] | None = None,
    date: str | None = None,
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
        See :func:`validate_branding`.
    date : str, optional
        Report date, default today (ISO).

    Examples
    --------
    >>> page = render_html(nbformat.read("report.ipynb", 4), client="Acme")  # doctest: +SKIP
    """
    tdir = _check_template(template or default_template_dir())
    brand = validate_branding(branding)
    logo = Path(brand["logo"]) if brand["logo"] else tdir / "logo.svg"
    if not logo.is_file():
        logo = default_template_dir() / "logo.svg"
    context = {
        **brand,
        "client": client,
        "date": date or dt.date.today().isoformat(),
        "logo_uri": _data_uri(logo),
    }
    page, _ = _exporter(str(tdir)).from_notebook_node(
        _clean_notebook(nb), resources={"kpitools": context}
    )
    page, removed = _strip_external(page)
    if removed:
        _LOG.info("removed %d external script/link/image tags from the report", removed)
    return _add_contents(page)


def write_pdf(page: str, path: str | os.PathLike, *, base_url: str | os.PathLike | None = None):
    """Print the report HTML to an A4 PDF with WeasyPrint (atomic write).

    Examples
    --------
    >>> write_pdf("<h1>Hello</h1>", "out/report.pdf")  # doctest: +SKIP
    """
    import weasyprint

    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    base = str(base_url or Path(path).parent)
    with atomic_path(path) as tmp:
        weasyprint.HTML(string=page, base_url=base).write_pdf(str(tmp))
    return Path(path)


# --------------------------------------------------------------------------- xlsx
MONEY_COLUMNS = frozenset(
    {
        "payout",
        "on_target_pay",
        "before_cap",
        "total_cost",
        "cost_per_employee",
        "revenue",
        "budget",
        "subtotal",
        "after_cap",
        "total_payout",
        "mean_payout",
    }
)
PERCENT_COLUMNS = frozenset(
    {
        "attainment",
        "pct_at_target",
        "pct_zero_payout",
        "near_threshold_share",
        "pool_factor",
        "cost_of_sales",
        "mean_attainment",
        "budget_variance",
    }
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_FORMATS = {
    "integer": "#,##0",
    "number": "#,##0.00",
    "percent": "0.0%",
}


def _column_kind(name: str, series: pd.Series, overrides: Mapping[str, str]) -> str:
    if name in overrides:
        return overrides[name]
    if name in MONEY_COLUMNS:
        return "money"
    if name in PERCENT_COLUMNS:
        return "percent"
    if pd.api.types.is_bool_dtype(series):
        return "text"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "number"
    return "text"


def write_xlsx(
    tables: Mapping[str, pd.DataFrame],
    path: str | os.PathLike,
    *,
    currency: str = "",
    column_kinds: Mapping[str, str] | None = None,
    header_color: str = BRANDING_DEFAULTS["primary_color"],
) -> Path:
    """Write DataFrames as formatted sheets of one workbook (atomic write).

    Each sheet gets a styled, frozen header row with an auto filter, number formats
    with thousands separators (money columns carry the currency; ratios show as
    percentages), column widths to fit, and text that starts with ``= + - @`` stored
    as text with Excel's quote prefix, so it is never run as a formula.

    Parameters
    ----------
    tables : mapping of sheet name to DataFrame
        Sheet names longer than 31 characters are cut (Excel's limit).
    path : path
        The ``.xlsx`` file.
    currency : str, optional
        Shown after money amounts (``1,250.00 RUB``).
    column_kinds : mapping, optional
        Column name to ``money``, ``percent``, ``number``, ``integer`` or ``text``,
        overriding the defaults (by column name and dtype).
    header_color : str, optional
        ``#rrggbb`` fill of the header row.

    Examples
    --------
    >>> write_xlsx({"payouts": df}, "out/payouts.xlsx", currency="RUB")  # doctest: +SKIP
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    overrides = dict(column_kinds or {})
    currency = re.sub(r'["\\]', "", str(currency)).strip()
    money = "#,##0.00" + (f' "{currency}"' if currency else "")
    fill = PatternFill("solid", fgColor=header_color.lstrip("#").upper().rjust(6, "0")[:6])
    wb = Workbook()
    wb.remove(wb.active)
    for sheet_name, frame in tables.items():
        ws = wb.create_sheet(title=re.sub(r"[\[\]:*?/\\]", "-", str(sheet_name))[:31])
        frame = frame.reset_index(drop=True)
        columns = [str(c) for c in frame.columns]
        ws.append(columns)
        for cell in ws[1]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        kinds = [_column_kind(c, frame[c], overrides) for c in frame.columns]
        # Cells as Python objects: NaN/NA become empty cells, numpy scalars plain numbers.
        values = frame.astype(object).where(frame.notna(), None)
        for row in values.itertuples(index=False, name=None):
            ws.append([v.item() if hasattr(v, "item") else v for v in row])
        widths = [len(c) for c in columns]
        for j, kind in enumerate(kinds, start=1):
            col = frame.iloc[:, j - 1]
            cells = ws.iter_rows(min_row=2, min_col=j, max_col=j, values_only=False)
            fmt = money if kind == "money" else _NUMBER_FORMATS.get(kind)
            if kind == "text":
                text = col.astype(str)
                risky = col.notna() & text.str.startswith(_FORMULA_START)
                for (cell,), flag in zip(cells, risky.to_numpy(), strict=True):
                    if flag:
                        cell.value = str(cell.value)
                        cell.data_type = "s"
                        cell.quotePrefix = True
                # An all-empty column (no roles, say) has no length: NaN, not 0.
                longest = text.str.len().max()
                widths[j - 1] = max(widths[j - 1], 0 if pd.isna(longest) else int(longest))
            elif fmt:
                for (cell,) in cells:
                    cell.number_format = fmt
                numbers = pd.to_numeric(col, errors="coerce").abs()
                biggest = numbers.max() if numbers.notna().any() else 0
                digits = len(f"{biggest:,.2f}") + (len(currency) + 1 if kind == "money" else 0)
                widths[j - 1] = max(widths[j - 1], digits)
            ws.column_dimensions[get_column_letter(j)].width = min(widths[j - 1] + 3, 60)
        ws.freeze_panes = "A2"
        if len(frame.columns):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(frame) + 1}"
    if not wb.sheetnames:
        wb.create_sheet("empty")
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


# --------------------------------------------------------------------------- running
def _package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def _parse_time(text: Any) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def _notebook_timings(nb) -> dict[str, float]:
    """Kernel start and cell execution seconds from papermill's notebook metadata."""
    meta = nb.metadata.get("papermill", {})
    started = _parse_time(meta.get("start_time"))
    cells = [c.metadata.get("papermill", {}) for c in nb.cells if c.cell_type == "code"]
    starts = [t for t in (_parse_time(c.get("start_time")) for c in cells) if t]
    ends = [t for t in (_parse_time(c.get("end_time")) for c in cells) if t]
    out: dict[str, float] = {}
    if started and starts:
        out["kernel_start"] = round((min(starts) - started).total_seconds(), 3)
    if starts and ends:
        out["execution"] = round((max(ends) - min(starts)).total_seconds(), 3)
        out["cells"] = round(sum(float(c.get("duration") or 0.0) for c in cells), 3)
    return out


@functools.cache
def _quiet_kernel_manager() -> type:
    """A kernel manager whose kernels do not write to our stderr.

    The kernel's own log lines (start-up warnings, "KeyboardInterrupt caught in
    kernel" on shutdown) would clutter the batch output; errors of the notebook
    itself are in the executed notebook.
    """
    import subprocess

    from jupyter_client.manager import AsyncKernelManager, KernelManager

    from . import zygote as _zygote

    class QuietKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw: Any) -> None:
            kw.setdefault("stdout", subprocess.DEVNULL)
            kw.setdefault("stderr", subprocess.DEVNULL)
            await KernelManager._async_start_kernel(self, **kw)

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            # In a batch worker, fork the kernel from the warm zygote (see kpitools.report.zygote).
            zygote, argv = _zygote.current(), _zygote.kernel_argv(kernel_cmd)
            if zygote is None or argv is None:
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            # papermill runs the notebook in its cwd by changing ours: a Popen'd kernel
            # inherits it, a forked one is told.
            cwd = str(kw.get("cwd") or os.getcwd())
            try:
                pid = zygote.spawn(argv, cwd, kw.get("env"))
            except (OSError, ValueError):
                return await super()._async_launch_kernel(kernel_cmd, **kw)
            provisioner = self.provisioner
            provisioner.process = _zygote.ForkedProcess(pid)
            provisioner.pid = provisioner.pgid = pid
            provisioner.cwd = cwd
            self._reconcile_connection_info(provisioner.connection_info)

    return QuietKernelManager


def _error_text(exc: BaseException) -> str:
    ename = getattr(exc, "ename", None)
    if ename is not None:
        evalue = str(getattr(exc, "evalue", "")).strip()
        count = getattr(exc, "exec_count", None)
        where = f" (notebook cell [{count}])" if count is not None else ""
        return f"{ename}: {evalue}{where}"
    return f"{type(exc).__name__}: {exc}".strip()


def _temp_folder(out_dir: Path, client: str) -> Path:
    root = out_dir / TEMP_DIR_NAME
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f"{safe_name(client, 40)}-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()
    return tmp


def _move_into_place(tmp: Path, final: Path) -> None:
    """Rename the finished temp folder to ``final``; an older report is replaced whole."""
    old = None
    if final.exists():
        old = tmp.parent / f"{tmp.name}-old"
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _alive(pid: int) -> bool:
    """True when process ``pid`` runs (a killed worker not yet reaped is a zombie: dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def clean_stale_temp(out_dir: str | os.PathLike) -> int:
    """Remove temp folders left by killed runs (whose process no longer exists).

    Examples
    --------
    >>> clean_stale_temp("reports/batch")  # doctest: +SKIP
    0
    """
    root = Path(out_dir) / TEMP_DIR_NAME
    if not root.is_dir():
        return 0
    removed = 0
    for entry in root.iterdir():
        match = re.search(r"-(\d+)-[0-9a-f]{8}(?:-old)?$", entry.name)
        if not match:
            continue
        if _alive(int(match.group(1))):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed += 1
    with contextlib.suppress(OSError):
        root.rmdir()
    return removed


def _manifest(job: ReportJob, **fields) -> dict[str, Any]:
    return {
        "kpitools_manifest": 1,
        "client": job.client,
        "folder": safe_name(job.client),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "input_hash": job.input_hash,
        "notebook": {"path": job.notebook, "sha256": file_sha256(job.notebook)},
        "template": {"path": job.template, "sha256": _dir_sha256(Path(job.template))},
        "inputs": [{"name": n, "path": p, "sha256": h} for n, p, h in job.inputs],
        "parameters": dict(job.parameters),
        "formats": list(job.formats),
        "kpitools_sha256": kpitools_sha256(),
        "packages": _package_versions(),
        **fields,
    }


def _outputs_list(folder: Path) -> list[dict[str, Any]]:
    return [
        {"file": p.name, "bytes": p.stat().st_size, "sha256": file_sha256(p)}
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != MANIFEST_NAME
    ]


def run_job(job: ReportJob) -> ReportResult:
    """Run one report: execute the notebook, render the outputs, move them into place.

    Never raises for a failing notebook: the result says ``failed``, the executed
    notebook with its error is kept as ``report.ipynb`` and ``manifest.json``
    records the error. Safe to call in a worker process (jobs and results pickle).

    Examples
    --------
    >>> run_job(prepare_job("Acme", params, "out")).status  # doctest: +SKIP
    'ok'
    """
    import nbformat
    import papermill

    started = time.perf_counter()
    out_dir = Path(job.out_dir)
    final = job.folder
    tmp = _temp_folder(out_dir, job.client)
    timings: dict[str, float] = {}
    error: str | None = None
    params = dict(job.parameters)
    if "xlsx" in job.formats:
        params["xlsx_path"] = OUTPUT_FILES["xlsx"]  # relative to the kernel's cwd: tmp
    nb_path = tmp / NOTEBOOK_NAME
    try:
        try:
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                nb = papermill.execute_notebook(
                    job.notebook,
                    str(nb_path),
                    parameters=params,
                    kernel_name=job.kernel_name,
                    progress_bar=False,
                    log_output=False,
                    request_save_on_cell_execute=False,
                    cwd=str(tmp),
                    # the executed notebook is complete: no need for a polite shutdown
                    shutdown_kernel="immediate",
                    kernel_manager_class=_quiet_kernel_manager(),
                )
            timings["notebook_total"] = round(time.perf_counter() - t0, 3)
            timings.update(_notebook_timings(nb))
            if "html" in job.formats:
                t0 = time.perf_counter()
                page = render_html(
                    nb,
                    client=job.client,
                    template=job.template,
                    branding=params.get("branding"),
                )
                atomic_write(tmp / OUTPUT_FILES["html"], page)
                timings["export_html"] = round(time.perf_counter() - t0, 3)
            if "pdf" in job.formats:
                t0 = time.perf_counter()
                write_pdf(page, tmp / OUTPUT_FILES["pdf"], base_url=tmp)
                timings["pdf"] = round(time.perf_counter() - t0, 3)
            if "xlsx" in job.formats and not (tmp / OUTPUT_FILES["xlsx"]).is_file():
                raise KpitoolsError(
                    "the report notebook did not write payouts.xlsx.\n"
                    "Suggestion: keep the notebook's last cell, which writes the workbook."
                )
        except Exception as exc:  # noqa: BLE001 - a failing client is a result, not a crash
            error = _error_text(exc)
            if nb_path.is_file():
                with contextlib.suppress(Exception):
                    timings.update(_notebook_timings(nbformat.read(nb_path, as_version=4)))
            for leftover in tmp.iterdir():
                if leftover.name != NOTEBOOK_NAME:
                    leftover.unlink() if leftover.is_file() else shutil.rmtree(leftover)
        timings["total"] = round(time.perf_counter() - started, 3)
        status = "failed" if error else "ok"
        manifest = _manifest(
            job, status=status, error=error, timings=timings, outputs=_outputs_list(tmp)
        )
        atomic_write(tmp / MANIFEST_NAME, json.dumps(manifest, indent=2, default=str) + "\n")
        _move_into_place(tmp, final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    outputs = tuple(sorted(p.name for p in final.iterdir() if p.is_file()))
    return ReportResult(
        client=job.client,
        status=status,
        folder=str(final),
        seconds=round(time.perf_counter() - started, 3),
        error=error,
        timings=timings,
        outputs=outputs,
    )


def make_report(
    client: str,
    *,
    data: str | os.PathLike,
    design: str | os.PathLike,
    schemes: Sequence[str | os.PathLike],
    out: str | os.PathLike,
    formats: str | Sequence[str] = REPORT_FORMATS,
    template: str | os.PathLike | None = None,
    notebook: str | os.PathLike | None = None,
    kernel_name: str = "python3",
    **parameters: Any,
) -> ReportResult:
    """Make one client report into ``out/<safe client name>/``.

    Parameters are checked before any work (see :func:`validate_parameters`); other
    report parameters (``budget``, ``currency``, ``forecast_draws``, ``seed``,
    ``branding``, ...) pass as keywords.

    Returns
    -------
    ReportResult
        ``status`` is ``failed`` (with ``error``) when the notebook failed.

    Raises
    ------
    DefinitionError
        Unknown or mistyped parameters, missing input files, a bad template folder.

    Examples
    --------
    >>> make_report("Acme", data="data.csv", design="design.yaml",
    ...             schemes=["scheme.yaml"], out="reports")  # doctest: +SKIP
    ReportResult('Acme', ok, 9.8 s: manifest.json, payouts.xlsx, report.html, ...)
    """
    params = {
        **parameters,
        "data": str(data),
        "design": str(design),
        "schemes": [str(s) for s in schemes],
    }
    job = prepare_job(
        client,
        params,
        out,
        formats=formats,
        notebook=notebook,
        template=template,
        kernel_name=kernel_name,
    )
    result = run_job(job)
    clean_stale_temp(job.out_dir)
    return result
