"""Tests for kpitools.report.manifest: batch manifests read and validated at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpitools._util.yamlfile import read_yaml
from kpitools.errors import DefinitionError
from kpitools.report import BatchManifest, load_manifest
from kpitools.report.manifest import manifest_error, read_manifest, setting_path
from kpitools.report.problems import Problem

ROOT = Path(__file__).resolve().parents[2]


def test_manifest_merges_defaults_and_branding(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        "defaults:\n  currency: EUR\n  branding: {primary_color: '#111111', consultant: Jo}\n"
        "  data: ''\n  design: d.yaml\n  schemes: [s.yaml]\n"
        "clients:\n  - {client: A, branding: {primary_color: '#222222'}}\n"
        "  - {client: B, currency: USD}\n"
    )
    files = {"data": "", "design": "d.yaml", "schemes": ["s.yaml"]}
    assert load_manifest(path) == [
        {
            **files,
            "currency": "EUR",
            "branding": {"primary_color": "#222222", "consultant": "Jo"},
            "client": "A",
        },
        {
            **files,
            "currency": "USD",
            "branding": {"primary_color": "#111111", "consultant": "Jo"},
            "client": "B",
        },
    ]


def test_manifest_problems_are_listed_together(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        "default: {}\nclients:\n  - {client: 'Acme/1', data: a.csv, design: d.yaml, schemes: []}\n"
        "  - {data: x.csv}\n  - just text\n"
        "  - {client: 'Acme 1', data: b.csv, design: d.yaml, schemes: []}\n"
    )
    with pytest.raises(DefinitionError) as err:
        load_manifest(path)
    assert str(err.value) == (
        f"{path}: line 1 (default): unknown key. Did you mean 'defaults'?\n"
        "Suggestion: use one of: defaults, clients.\n"
        f"{path}: line 4 (clients[1].client): required key is missing.\n"
        "Suggestion: add client: to clients[1].\n"
        f"{path}: line 5 (clients[2]): expected a mapping, got 'just text'.\n"
        "Suggestion: write key: value pairs.\n"
        f"{path}: line 6 (clients[3].client): would share the output folder 'Acme-1' with "
        "clients[0] (Acme/1); folder names ignore case and punctuation.\n"
        "Suggestion: rename one of them."
    )


def test_manifest_client_without_its_files_is_refused(tmp_path):
    # without 'data' the report notebook would silently use the demo company
    path = tmp_path / "m.yaml"
    path.write_text(
        "defaults:\n  design: d.yaml\nclients:\n  - {client: Acme, schemes: [s.yaml]}\n"
        "  - {client: Beta}\n"
    )
    with pytest.raises(DefinitionError) as err:
        load_manifest(path)
    assert str(err.value) == (
        f"{path}: line 4 (clients[0].data): required key is missing.\n"
        'Suggestion: add data: to clients[0] or to defaults: (data: "" means the demo company).\n'
        f"{path}: line 5 (clients[1].data): required key is missing.\n"
        'Suggestion: add data: to clients[1] or to defaults: (data: "" means the demo company).\n'
        f"{path}: line 5 (clients[1].schemes): required key is missing.\n"
        "Suggestion: add schemes: to clients[1] or to defaults:."
    )


def test_client_names_differing_only_in_case_are_refused(tmp_path):
    # "Acme" and "ACME" would be one folder on a case-insensitive disk (macOS, Windows)
    path = tmp_path / "m.yaml"
    path.write_text(
        "defaults: {data: '', design: d.yaml, schemes: []}\n"
        "clients:\n  - {client: Acme}\n  - {client: ACME}\n"
    )
    with pytest.raises(DefinitionError) as err:
        load_manifest(path)
    assert str(err.value) == (
        f"{path}: line 4 (clients[1].client): would share the output folder 'ACME' with "
        "clients[0] (Acme); folder names ignore case and punctuation.\n"
        "Suggestion: rename one of them."
    )


def test_manifest_yaml_error_names_the_line(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("clients:\n  - {client: A\n")
    with pytest.raises(DefinitionError) as err:
        load_manifest(path)
    assert str(err.value) == (
        f"{path}: line 3, column 1: invalid YAML: expected ',' or '}}', but got "
        "'<stream end>'.\n"
        "Suggestion: check the indentation and the ':' after each key on that line (use "
        "spaces, not tabs), and quote text that contains ': ' or '#'."
    )


def test_manifest_key_given_twice_is_refused(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("clients:\n  - client: A\n    data: a.csv\n    data: b.csv\n")
    with pytest.raises(DefinitionError) as err:
        load_manifest(path)
    assert str(err.value) == (
        f"{path}: line 4, column 5 (clients[0].data): the key 'data' is given twice "
        "(first on line 3).\n"
        "Suggestion: keep only one of them (YAML would silently use the last)."
    )


def test_every_bad_value_of_every_client_is_named_at_once(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        "defaults: 5\n"
        "clients:\n"
        "  - client: ''\n"
        "    formats: html,docx\n"
        "    template: 3\n"
        "    branding: red\n"
        '  - client: "A\\x1b[2J"\n'
        "    formats: 5\n"
    )
    with pytest.raises(DefinitionError) as err:
        load_manifest(path)
    assert str(err.value) == (
        f"{path}: line 1 (defaults): expected a mapping, got 5.\n"
        "Suggestion: write key: value pairs.\n"
        f"{path}: line 3 (clients[0].client): the client name is missing or empty.\n"
        "Suggestion: give each report a 'client' name.\n"
        f"{path}: line 4 (clients[0].formats): Unknown report format 'docx'.\n"
        "Suggestion: use a comma-separated list of html, pdf, xlsx.\n"
        f"{path}: line 5 (clients[0].template): expected text, got 3.\n"
        "Suggestion: write it as text.\n"
        f"{path}: line 6 (clients[0].branding): expected a mapping, got 'red'.\n"
        "Suggestion: write key: value pairs.\n"
        f"{path}: line 7 (clients[1].client): the client name 'A\\x1b[2J' holds a control "
        "character (a line break, tab or terminal escape).\n"
        "Suggestion: write the client name on one line, as plain text.\n"
        f"{path}: line 8 (clients[1].formats): Report formats must be text like "
        "'html,pdf,xlsx', got 5.\n"
        "Suggestion: use a comma-separated list of html, pdf, xlsx."
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "defaults:\nclients: []\n",
            "line 2 (clients): lists no client.\n"
            "Suggestion: add one entry per client, each with client:.",
        ),
        (
            "defaults: {data: ''}\n",
            "clients: required key is missing.\nSuggestion: add clients: to the top level.",
        ),
        (
            "[1, 2]\n",
            "(top level): expected a mapping, got [1, 2].\nSuggestion: write key: value pairs.",
        ),
    ],
)
def test_manifest_without_clients_is_refused(tmp_path, text, message):
    path = tmp_path / "m.yaml"
    path.write_text(text)
    with pytest.raises(DefinitionError) as err:
        load_manifest(path)
    assert str(err.value) == f"{path}: {message}"


def test_the_example_manifest_is_a_valid_batch_manifest():
    doc = read_yaml(ROOT / "templates" / "batch" / "manifest.yaml", what="batch manifest")
    manifest = BatchManifest.model_validate(doc.data)
    assert [c.client for c in manifest.clients] == [
        "Northstar Components",
        "Northstar Components (budget review)",
        "Acme Trading & Co",
    ]
    # report parameters are kept as given, for the notebook to check
    assert manifest.clients[1].model_extra == {"budget": 450000, "baseline": "Weighted scorecard"}
    assert manifest.defaults.formats == "html,pdf,xlsx"


def test_setting_path_names_where_a_setting_is_written(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        "defaults:\n  budget: 5\n  schemes: [a.yaml]\n"
        "clients:\n  - client: A\n    data: a.csv\n    design: d.yaml\n"
    )
    doc, clients = read_manifest(path)
    assert clients == [
        {"budget": 5, "schemes": ["a.yaml"], "client": "A", "data": "a.csv", "design": "d.yaml"}
    ]
    assert [setting_path(doc, 0, key) for key in ("budget", "schemes[0]", "data", "")] == [
        "defaults.budget",
        "defaults.schemes[0]",
        "clients[0].data",
        "clients[0]",
    ]
    problems = [
        ("defaults.budget", Problem("budget", "must be more.", "raise it.")),
        ("clients[0].data", Problem("data", "file not found: a.csv", "check the path.")),
    ]
    assert str(manifest_error(doc, problems)) == (
        f"{path}: line 2 (defaults.budget): must be more.\n"
        "Suggestion: raise it.\n"
        f"{path}: line 6 (clients[0].data): file not found: a.csv.\n"
        "Suggestion: check the path."
    )
