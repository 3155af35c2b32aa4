"""One report's job: its settings checked, its input files found, made absolute and hashed.

A :class:`ReportJob` holds everything a worker needs to make one report; it pickles, so
batch executors can send it to other processes. :func:`check_job` finds every problem
with the settings at once (client name, template, formats, notebook, parameters, input
files, branding); :func:`prepare_job` raises the first check's problems as one message.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._util.files import safe_name, shipped
from .._util.format import check_locale
from ..design import load_design, recommendation_rule
from ..engine import run_currency
from ..errors import DefinitionError, KpitoolsError
from ..scheme import load_scheme
from .branding import branding_problems
from .formats import REPORT_FORMATS, check_formats
from .params import (
    PATH_LIST_PARAMETERS,
    PATH_PARAMETERS,
    notebook_parameters,
    parameter_problems,
    parameters_without_paths,
)
from .problems import Problem, problems_message
from .provenance import dir_sha256, file_sha256, kpitools_sha256
from .render import check_template, default_template_dir
from .scope import scope_problems

__all__ = [
    "ReportJob",
    "check_job",
    "client_name_problem",
    "default_notebook_path",
    "prepare_job",
    "rule_problems",
    "with_locale",
]


def default_notebook_path() -> Path:
    """Return the report notebook shipped with kpitools (``notebooks/03_client_report.ipynb``).

    Examples
    --------
    >>> default_notebook_path().name
    '03_client_report.ipynb'
    """
    return shipped("notebooks", "03_client_report.ipynb")


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


def client_name_problem(client: Any) -> Problem | None:
    """What is wrong with a client name, if anything: it names the report's folder.

    Examples
    --------
    >>> client_name_problem("Acme") is None
    True
    >>> client_name_problem("Two\\nlines").suggestion
    'write the client name on one line, as plain text.'
    """
    if not isinstance(client, str) or not client.strip():
        return Problem(
            "client", "the client name is missing or empty.", "give each report a 'client' name."
        )
    if any(ch < " " or "\x7f" <= ch <= "\x9f" for ch in client):
        return Problem(
            "client",
            f"the client name {client!r} holds a control character (a line break, tab or "
            "terminal escape).",
            "write the client name on one line, as plain text.",
        )
    return None


@dataclass
class _Inputs:
    """Input files of a report's parameters, resolved against a folder and hashed."""

    base: Path
    found: list[tuple[str, str, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def resolve(self, name: str, value: str) -> str:
        path = Path(value).expanduser()
        path = path if path.is_absolute() else self.base / path
        if not path.is_file():
            self.problems.append(
                Problem(
                    name,
                    f"file not found: {path}",
                    f"check the paths (relative paths are read from {self.base}).",
                    label=name,
                )
            )
            return str(path)
        self.found.append((name, str(path.resolve()), file_sha256(path)))
        return str(path.resolve())

    def resolve_all(self, params: dict[str, Any]) -> dict[str, Any]:
        """The parameters with every input path absolute (``data``, ``schemes``, the logo)."""
        for name in PATH_PARAMETERS:
            if params.get(name):
                params[name] = self.resolve(name, params[name])
        for name in PATH_LIST_PARAMETERS:
            if params.get(name):
                params[name] = [self.resolve(f"{name}[{i}]", v) for i, v in enumerate(params[name])]
        if "branding" in params:
            branding = dict(params["branding"] or {})
            if branding.get("logo"):
                branding["logo"] = self.resolve("branding.logo", str(branding["logo"]))
            params["branding"] = branding
        return params


def _setup(
    template: str | os.PathLike | None,
    formats: str | Sequence[str],
    notebook_path: Path,
    problems: list[Problem],
) -> tuple[Path | None, tuple[str, ...], dict[str, dict] | None]:
    """The template folder, the formats and the notebook's parameters (None where wrong)."""
    found: list[Any] = []
    checks = (
        ("template", lambda: check_template(template or default_template_dir())),
        ("formats", lambda: check_formats(formats)),
        ("notebook", lambda: notebook_parameters(notebook_path)),
    )
    for key, check in checks:
        try:
            found.append(check())
        except DefinitionError as exc:
            problems.append(Problem.from_error(key, exc))
            found.append(None)
    template_dir, fmts, declared = found
    return template_dir, fmts or (), declared


def _input_hash(
    notebook_path: Path,
    template_dir: Path,
    inputs: list[tuple[str, str, str]],
    params: Mapping[str, Any],
    formats: tuple[str, ...],
) -> str:
    """The hash of everything a report is made from: it decides ``--resume``."""
    key = {
        "notebook": file_sha256(notebook_path),
        "template": dir_sha256(template_dir),
        "inputs": [(n, h) for n, _, h in inputs],
        # files count by their contents (above), not their paths: a moved folder is the same
        "parameters": parameters_without_paths(params),
        "formats": formats,
        "kpitools": kpitools_sha256(),
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()


def check_job(
    client: str,
    parameters: Mapping[str, Any],
    out_dir: str | os.PathLike,
    *,
    formats: str | Sequence[str] = REPORT_FORMATS,
    notebook: str | os.PathLike | None = None,
    template: str | os.PathLike | None = None,
    base_dir: str | os.PathLike | None = None,
    kernel_name: str = "python3",
) -> tuple[ReportJob | None, list[Problem]]:
    """Check one report's settings and inputs; every problem at once.

    Parameters are as for :func:`prepare_job`.

    Returns
    -------
    job : ReportJob or None
        The job, when nothing is wrong.
    problems : list of Problem
        In the order of the checks: client name, template, formats, notebook, parameters,
        input files, the roster, filter, groups and scheme overrides
        (:func:`kpitools.report.scope.scope_problems`), branding. Parameters are
        checked only when the notebook was found.
    """
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    problems = [p for p in (client_name_problem(client),) if p is not None]
    notebook_path = Path(notebook) if notebook else default_notebook_path()
    template_dir, fmts, declared = _setup(template, formats, notebook_path, problems)
    if declared is None:
        return None, problems
    params, wrong = parameter_problems(
        declared, {**parameters, "client": client}, notebook=str(notebook_path)
    )
    inputs = _Inputs(base)
    params = inputs.resolve_all(params)
    problems += wrong + inputs.problems + scope_problems(params)
    if "branding" in params:
        missing = {p.key for p in inputs.problems}
        problems += [p for p in branding_problems(params["branding"])[1] if p.key not in missing]
    if not problems:
        problems += currency_problems(params) + rule_problems(params)
    if not problems and "locale" in declared:
        params, wrong_locale = with_locale(params)
        problems += wrong_locale
    if problems or template_dir is None:
        return None, problems
    job = ReportJob(
        client=client,
        parameters=params,
        out_dir=str(Path(out_dir).resolve()),
        formats=fmts,
        notebook=str(notebook_path.resolve()),
        template=str(template_dir),
        kernel_name=kernel_name,
        inputs=tuple(inputs.found),
        input_hash=_input_hash(notebook_path, template_dir, inputs.found, params, fmts),
    )
    return job, []


def currency_problems(params: Mapping[str, Any]) -> list[Problem]:
    """The report's one currency (contract §8), checked before any work.

    The design's and the schemes' ``currency:`` must agree unless the ``currency``
    parameter overrides them; a bad code is a problem too. Files that do not load are left
    to the report itself, which shows their errors in context.

    Examples
    --------
    >>> currency_problems({"currency": "USD"})
    []
    """
    try:
        schemes = [load_scheme(s) for s in params.get("schemes") or ()]
        design = load_design(params["design"]) if params.get("design") else None
    except KpitoolsError:
        return []
    try:
        run_currency(schemes, design, params.get("currency") or None)
    except DefinitionError as err:
        return [Problem.from_error("currency", err)]
    return []


def with_locale(params: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The parameters with the report's locale decided, and what is wrong with it.

    The ``locale`` parameter (``--locale``) wins; else the design's ``locale:``; else none
    (the notebook's default, ``en_US``). A locale Babel does not know is a problem.

    Examples
    --------
    >>> with_locale({"locale": "ru-RU"})
    ({'locale': 'ru_RU'}, [])
    """
    params = dict(params)
    given = params.get("locale")
    try:
        if given:
            params["locale"] = check_locale(given, where="locale")
        elif params.get("design"):
            found = getattr(load_design(params["design"]), "locale", None)
            if found:
                params["locale"] = found
    except DefinitionError as err:
        return params, [Problem.from_error("locale", err)]
    except KpitoolsError:  # a design that does not load: the report shows its errors
        pass
    return params, []


def rule_problems(params: Mapping[str, Any]) -> list[Problem]:
    """The decision rule's thresholds: the design's ``recommendation:``, then the parameter's.

    Examples
    --------
    >>> rule_problems({"recommendation": {"max_p_over_budget": 0.1}})
    []
    >>> print(rule_problems({"recommendation": {"max_p_over": 0.1}})[0].what)  # doctest: +ELLIPSIS
    the decision rule (recommendation): max_p_over: unknown key. Did you mean ...
    """
    try:
        design = load_design(params["design"]) if params.get("design") else None
    except KpitoolsError:
        return []  # the report shows the design's own errors in context
    try:
        recommendation_rule(
            design.recommendation if design is not None else {},
            params.get("recommendation") or {},
            source="the decision rule (recommendation)",
        )
    except DefinitionError as err:
        return [Problem.from_error("recommendation", err)]
    return []


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

    Input paths (``data``, ``design``, ``roster``, ``schemes``, ``branding.logo``) are resolved
    against ``base_dir`` (default: the current folder), must exist, and are hashed:
    the hash of inputs, parameters, notebook and template decides ``--resume``.

    Parameters
    ----------
    client : str
        The client's name; it names the output folder.
    parameters : mapping
        Report parameters (see :func:`kpitools.report.validate_parameters`).
    out_dir : path
        The report goes to ``out_dir/<safe client name>/``.
    formats : str or sequence of str
        See :func:`kpitools.report.check_formats`.
    notebook, template : path, optional
        The report notebook and the nbconvert template folder (default: the shipped ones).
    base_dir : path, optional
        Relative input paths are read from here.
    kernel_name : str
        The Jupyter kernel that runs the notebook.
    where : str, optional
        Where the settings come from, put in front of the message.

    Raises
    ------
    DefinitionError
        The problems of the first failed check.

    Examples
    --------
    >>> job = prepare_job("Acme", {"data": "d.csv", "design": "d.yaml",
    ...                   "schemes": ["s.yaml"]}, "out")  # doctest: +SKIP
    """
    job, problems = check_job(
        client,
        parameters,
        out_dir,
        formats=formats,
        notebook=notebook,
        template=template,
        base_dir=base_dir,
        kernel_name=kernel_name,
    )
    if job is None:
        raise DefinitionError(problems_message(problems, where))
    return job
