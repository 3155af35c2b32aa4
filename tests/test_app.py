"""``kpitools app`` helpers: templates, inputs of the what-if notebook, the Voilà command."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from kpitools.cli import main
from kpitools.errors import DefinitionError
from kpitools.whatif import app

ROOT = Path(__file__).resolve().parents[1]


def test_a_template_name_resolves_to_the_shipped_file_and_a_path_stays_a_path(tmp_path):
    assert app.resolve_template("weighted_scorecard.yaml") == (
        ROOT / "templates" / "schemes" / "weighted_scorecard.yaml"
    )
    own = tmp_path / "mine.yaml"
    own.write_text("name: mine\n")
    assert app.resolve_template(own) == own


def test_an_unknown_template_names_the_folder_and_the_templates():
    folder = ROOT / "templates" / "schemes"
    known = ", ".join(sorted(p.name for p in folder.glob("*.yaml")))
    with pytest.raises(DefinitionError) as info:
        app.resolve_template("weighted_scorecrd.yaml")
    assert str(info.value) == (
        f"weighted_scorecrd.yaml: no such file, and no template of that name in {folder}. "
        "Did you mean 'weighted_scorecard.yaml'?\n"
        f"Suggestion: give a path to a scheme file, or one of: {known}."
    )


def test_the_environment_overrides_the_notebook_parameters(tmp_path, monkeypatch):
    data = tmp_path / "data.csv"
    data.write_text("employee,period,kpi,actual\n1,2025-01,revenue,10\n")
    monkeypatch.setenv(app.ENV_DATA, str(data))
    monkeypatch.setenv(app.ENV_SCHEME, "linear_commission.yaml")
    got_data, got_scheme = app.whatif_inputs(None, "weighted_scorecard.yaml")
    assert got_data == str(data)
    assert got_scheme == ROOT / "templates" / "schemes" / "linear_commission.yaml"


def test_without_data_the_notebook_gets_the_demo_company(monkeypatch):
    monkeypatch.delenv(app.ENV_DATA, raising=False)
    monkeypatch.delenv(app.ENV_SCHEME, raising=False)
    data, scheme = app.whatif_inputs(n_employees=6, seed=3)
    assert data["employee"].nunique() == 6
    assert scheme.name == app.DEFAULT_SCHEME


def test_the_voila_command_serves_on_localhost_without_sources():
    cmd = app.voila_command(Path("nb.ipynb"), 9000, open_browser=False)
    assert cmd[1:] == [
        "-m",
        "voila",
        "nb.ipynb",
        "--port=9000",
        "--Voila.ip=127.0.0.1",
        "--no-browser",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--theme=light",
    ]
    assert "--no-browser" not in app.voila_command(Path("nb.ipynb"), 9000, open_browser=True)


def test_the_app_serves_the_whatif_notebook_of_the_source_tree():
    assert app.default_notebook() == ROOT / "notebooks" / "02_scheme_whatif.ipynb"


def test_a_busy_port_is_refused_with_a_suggestion(capsys):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["app", "--no-browser", "--port", str(port)]) == 2
    assert capsys.readouterr().err == (
        f"Error: Port {port} on localhost is already in use.\n"
        "Suggestion: pass another --port, or leave it out to take a free one.\n"
    )


def test_a_missing_data_file_is_refused_before_anything_starts(tmp_path, capsys):
    missing = tmp_path / "nope.csv"
    assert main(["app", "--no-browser", "--data", str(missing)]) == 2
    assert capsys.readouterr().err == (
        f"Error: {missing}: data file not found.\nSuggestion: check the path.\n"
    )


def test_data_the_scheme_cannot_run_on_is_refused_before_anything_starts(tmp_path, capsys):
    data = tmp_path / "calls.csv"
    data.write_text("employee,period,kpi,actual\nE1,2024-01,calls,5\n")
    # a port that is taken: had the check not stopped it, the error would be about the port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        code = main(["app", "--no-browser", "--port", str(port), "--data", str(data)])
    assert code == 2
    scheme = ROOT / "templates" / "schemes" / "weighted_scorecard.yaml"
    assert capsys.readouterr().err == (
        f"Error: {scheme}: components[0].kpi: KPI 'gross_margin' is not in {data}.\n"
        "Suggestion: add its rows to the data, or use a KPI the data has: calls.\n"
    )


def test_app_help_has_an_example(capsys):
    assert main(["app", "--help"]) == 0
    out = capsys.readouterr().out
    assert "  Example:\n    kpitools app --port 8866 --no-browser\n" in out
