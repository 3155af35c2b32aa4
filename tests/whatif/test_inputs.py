"""Inputs of the what-if notebook: templates by name, and the app's files via the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpitools.errors import DefinitionError
from kpitools.whatif import (
    DEFAULT_SCHEME,
    ENV_DATA,
    ENV_SCHEME,
    resolve_template,
    whatif_inputs,
)

ROOT = Path(__file__).resolve().parents[2]


def test_a_template_name_resolves_to_the_shipped_file_and_a_path_stays_a_path(tmp_path):
    assert resolve_template("weighted_scorecard.yaml") == (
        ROOT / "templates" / "schemes" / "weighted_scorecard.yaml"
    )
    own = tmp_path / "mine.yaml"
    own.write_text("name: mine\n")
    assert resolve_template(own) == own


def test_an_unknown_template_names_the_folder_and_the_templates():
    folder = ROOT / "templates" / "schemes"
    known = ", ".join(sorted(p.name for p in folder.glob("*.yaml")))
    with pytest.raises(DefinitionError) as info:
        resolve_template("weighted_scorecrd.yaml")
    assert str(info.value) == (
        f"weighted_scorecrd.yaml: no such file, and no template of that name in {folder}. "
        "Did you mean 'weighted_scorecard.yaml' or 'scorecard_rated.yaml'?\n"
        f"Suggestion: give a path to a scheme file, or one of: {known}."
    )


def test_the_environment_overrides_the_notebook_parameters(tmp_path, monkeypatch):
    data = tmp_path / "data.csv"
    data.write_text("employee,period,kpi,actual\n1,2025-01,revenue,10\n")
    monkeypatch.setenv(ENV_DATA, str(data))
    monkeypatch.setenv(ENV_SCHEME, "linear_commission.yaml")
    got_data, got_scheme = whatif_inputs(None, "weighted_scorecard.yaml")
    assert got_data == str(data)
    assert got_scheme == ROOT / "templates" / "schemes" / "linear_commission.yaml"


def test_without_data_the_notebook_is_told_to_take_its_own_default(monkeypatch):
    # the demo company: the notebook builds it (tests/whatif/test_whatif_notebooks.py checks
    # its figures); the what-if layer sits below the demo and cannot
    monkeypatch.delenv(ENV_DATA, raising=False)
    monkeypatch.delenv(ENV_SCHEME, raising=False)
    data, scheme = whatif_inputs()
    assert data is None
    assert scheme == ROOT / "templates" / "schemes" / DEFAULT_SCHEME


def test_given_data_is_passed_on_as_it_is(monkeypatch, demo_data):
    monkeypatch.delenv(ENV_DATA, raising=False)
    data, _ = whatif_inputs(demo_data)
    assert data is demo_data
