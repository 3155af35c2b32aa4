"""Batch manifests: ``defaults:`` and ``clients:``, read and validated as pydantic models.

A manifest names, for each client, its ``client`` name, its ``data``, ``design`` and
``schemes`` files and any other report parameter, plus the batch options ``formats``,
``template`` and ``notebook``; ``defaults:`` apply to every client, each client overrides
them (a ``branding`` mapping key by key). Paths are relative to the manifest. A client's
``roster`` (a file), ``where`` (a filter: one data file split per client), ``by`` (group
columns) and ``overrides`` (``{scheme: {dotted.path: value}}``) say what its report covers
(:mod:`kpitools.report.scope`).

Every problem is reported at once, in the one message shape of kpitools' YAML files
(:mod:`kpitools._util.spec`): the file, the line, the key path, what is wrong and the fix::

    batch.yaml: line 7 (clients[1].client): would share the output folder 'Acme' with
    clients[0] (ACME); folder names ignore case and punctuation.
    Suggestion: rename one of them.

Report parameters are checked against the report notebook when the batch is planned
(:func:`kpitools.report.plan_batch`), as the notebook decides which exist, and so are the
files and what they hold: input files exist, each filter parses and keeps rows of its
client's data, each override names a scheme, a path and a value it takes. Their problems,
of every client at once, are named the same way (:func:`manifest_error`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import (
    ConfigDict,
    ModelWrapValidatorHandler,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails

from .._util.files import safe_name
from .._util.spec import Spec, again, spec_error, translate, unknown_key, validate
from .._util.yamlfile import YamlDocument, read_yaml
from ..errors import DefinitionError
from .formats import check_formats
from .job import client_name_problem
from .problems import Problem

__all__ = [
    "BatchManifest",
    "ClientEntry",
    "ClientSettings",
    "JOB_OPTIONS",
    "REQUIRED_KEYS",
    "load_manifest",
    "manifest_error",
    "read_manifest",
    "setting_path",
]

#: Manifest keys that are batch options rather than notebook parameters.
JOB_OPTIONS = ("formats", "template", "notebook")
#: Keys every client must have, given under the client or under ``defaults:``.
REQUIRED_KEYS = ("data", "design", "schemes")
EXAMPLE = "templates/batch/manifest.yaml"


class ClientSettings(Spec):
    """The settings of a client, or under ``defaults:`` those of every client.

    The batch options and ``client`` are fields; any other key is a report parameter,
    checked against the report notebook when the batch is planned.
    """

    model_config = ConfigDict(extra="allow", frozen=True, allow_inf_nan=False)

    client: str | None = None
    formats: Any = None
    template: str | None = None
    notebook: str | None = None
    branding: dict[str, Any] | None = None
    roster: str | None = None
    where: str | None = None
    by: list[str] | None = None
    overrides: dict[str, dict[str, Any]] | None = None

    @field_validator("by", mode="before")
    @classmethod
    def _by_list(cls, by: Any) -> Any:
        if isinstance(by, str):
            raise spec_error(f"expected a list of column names, got {by!r}", f"write by: [{by}].")
        return by

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys(cls, data: Any) -> Any:
        return data  # report parameters: the notebook's parameters cell says which exist

    @field_validator("client")
    @classmethod
    def _client_name(cls, name: str | None) -> str | None:
        problem = client_name_problem(name) if name is not None else None
        if problem is not None:
            raise spec_error(problem.what, problem.suggestion)
        return name

    @field_validator("formats")
    @classmethod
    def _formats(cls, formats: Any) -> Any:
        if formats is not None:
            try:
                check_formats(formats)
            except DefinitionError as exc:
                problem = Problem.from_error("formats", exc)
                raise spec_error(problem.what, problem.suggestion) from None
        return formats


class ClientEntry(ClientSettings):
    """One client of a batch manifest; its ``client`` name is required."""

    client: str


def _error(loc: tuple[str | int, ...], what: str, suggestion: str) -> InitErrorDetails:
    return InitErrorDetails(type=spec_error(what, suggestion), loc=loc, input=None)


def _between_clients(data: Mapping[str, Any]) -> list[InitErrorDetails]:
    """Folder names two clients share (ignoring case), keys no client or default gives."""
    defaults = data.get("defaults") if isinstance(data.get("defaults"), Mapping) else {}
    clients = data.get("clients") if isinstance(data.get("clients"), list) else []
    errors: list[InitErrorDetails] = []
    folders: dict[str, int] = {}
    for i, entry in enumerate(clients):
        if not isinstance(entry, Mapping) or client_name_problem(entry.get("client")):
            continue  # the entry's own validation says what is wrong
        folder = safe_name(entry["client"])
        # casefold: "Acme" and "ACME" are one folder on a case-insensitive disk
        first = folders.setdefault(folder.casefold(), i)
        if first != i:
            errors.append(
                _error(
                    ("clients", i, "client"),
                    f"would share the output folder {folder!r} with clients[{first}] "
                    f"({clients[first]['client']}); folder names ignore case and punctuation",
                    "rename one of them.",
                )
            )
        errors += [
            _error(
                ("clients", i, key),
                "required key is missing",
                f"add {key}: to clients[{i}] or to defaults:"
                + (' (data: "" means the demo company).' if key == "data" else "."),
            )
            for key in REQUIRED_KEYS
            if key not in entry and key not in defaults
        ]
    return errors


class BatchManifest(Spec):
    """A batch manifest: ``defaults:`` for every client, and the ``clients:`` themselves.

    Every problem is found at once: unknown keys, each client's own problems, and the
    ones between clients (a shared folder, a required key given nowhere).
    """

    defaults: ClientSettings = ClientSettings()
    clients: list[ClientEntry]

    @model_validator(mode="before")
    @classmethod
    def _unknown_keys(cls, data: Any) -> Any:
        return data  # reported with every other problem, by _every_problem

    @field_validator("defaults", mode="before")
    @classmethod
    def _empty_defaults(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("clients")
    @classmethod
    def _some_clients(cls, clients: list[ClientEntry]) -> list[ClientEntry]:
        if not clients:
            raise spec_error("lists no client", "add one entry per client, each with client:.")
        return clients

    @model_validator(mode="wrap")
    @classmethod
    def _every_problem(cls, data: Any, handler: ModelWrapValidatorHandler) -> BatchManifest:
        if not isinstance(data, Mapping):
            return handler(data)
        known = list(cls.model_fields)
        errors = [unknown_key(key, known) for key in data if key not in known]
        manifest = None
        try:
            manifest = handler({k: v for k, v in data.items() if k in known})
        except ValidationError as exc:
            errors += again(exc)
        errors += _between_clients(data)
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return manifest


def read_manifest(path: str | os.PathLike) -> tuple[YamlDocument, list[dict[str, Any]]]:
    """Read and validate a batch manifest: the document and each client's merged settings.

    Raises
    ------
    DefinitionError
        Every problem at once (see the module docstring).
    """
    doc = read_yaml(path, what="batch manifest", example=EXAMPLE)
    validate(BatchManifest, doc.data, source=doc)
    defaults = doc.data.get("defaults") or {}
    clients = []
    for entry in doc.data["clients"]:
        settings = {**defaults, **entry}
        if isinstance(defaults.get("branding"), dict) and isinstance(entry.get("branding"), dict):
            settings["branding"] = {**defaults["branding"], **entry["branding"]}
        clients.append(settings)
    return doc, clients


def load_manifest(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Read a batch manifest and return one merged settings dict per client.

    Client settings override ``defaults``; a ``branding`` mapping is merged key by
    key. The manifest is read with ``yaml.safe_load``.

    Raises
    ------
    DefinitionError
        A missing file, bad YAML or a key given twice (see ``kpitools._util.yamlfile``);
        unknown top-level keys; a client entry that is not a mapping or has no ``client``
        name, or one with a control character; two clients with the same folder name
        (ignoring case); a client without ``data``, ``design`` or ``schemes``; unknown
        ``formats``. Every problem at once, each with its line and key path.

    Examples
    --------
    >>> clients = load_manifest("templates/batch/manifest.yaml")
    >>> [c["client"] for c in clients][:1]
    ['Northstar Components']
    """
    return read_manifest(path)[1]


def setting_path(doc: YamlDocument, index: int, key: str) -> str:
    """The key path of a client's setting: under the client, else under ``defaults:``.

    Examples
    --------
    >>> doc = YamlDocument({"defaults": {"budget": 1}, "clients": [{"client": "A"}]}, "", "m")
    >>> setting_path(doc, 0, "budget"), setting_path(doc, 0, "schemes[1]")
    ('defaults.budget', 'clients[0].schemes[1]')
    """
    top = re.split(r"[.\[]", key, maxsplit=1)[0]
    entry = doc.data["clients"][index]
    defaults = doc.data.get("defaults") or {}
    if top and top not in entry and top in defaults:
        return f"defaults.{key}"
    return f"clients[{index}]" + (f".{key}" if key else "")


def manifest_error(doc: YamlDocument, problems: Sequence[tuple[str, Problem]]) -> DefinitionError:
    """One error naming every problem's line and key path in the manifest.

    Parameters
    ----------
    doc : YamlDocument
        The manifest.
    problems : sequence of (key path, Problem)
        See :func:`setting_path`.
    """
    errors = [
        InitErrorDetails(type=spec_error(p.what, p.suggestion, path), loc=(), input=None)
        for path, p in problems
    ]
    exc = ValidationError.from_exception_data("batch manifest", errors)
    return translate(exc, doc.file, lines=doc.lines)
