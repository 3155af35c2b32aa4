"""``kpitools app``: the Voilà command, the port, and inputs refused before anything starts."""

from __future__ import annotations

import socket
from pathlib import Path

import pandas as pd
import pytest

from kpitools.cli import main
from kpitools.errors import DefinitionError, KpitoolsError
from kpitools.whatif import (
    DEFAULT_SCHEME,
    ENV_DATA,
    ENV_ROSTER,
    ENV_SCHEME,
    app,
    free_port,
    serve,
)

ROOT = Path(__file__).resolve().parents[2]


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


def test_a_missing_roster_file_is_refused_before_anything_starts(tmp_path, capsys):
    data = tmp_path / "sales.csv"
    data.write_text("employee,period,kpi,actual\nE1,2024-01,revenue,5\n")
    missing = tmp_path / "nope.csv"
    code = main(["app", "--no-browser", "--data", str(data), "--roster", str(missing)])
    assert code == 2
    assert capsys.readouterr().err == (
        f"Error: {missing}: roster file not found.\nSuggestion: check the path.\n"
    )


def test_a_roster_that_cannot_be_read_is_refused_before_anything_starts(
    tmp_path, capsys, demo_company
):
    data = tmp_path / "data.csv"
    demo_company.data.to_csv(data, index=False)
    roster = tmp_path / "roster.csv"
    roster.write_text("name,hire_date\nE001,2024-01-15\n")
    with _busy_port() as s:  # had the roster not been checked first, the port would speak
        port = s.getsockname()[1]
        code = main(
            ["app", "--no-browser", "--port", str(port), "--data", str(data),
             "--roster", str(roster)]
        )  # fmt: skip
    assert code == 2
    assert capsys.readouterr().err == (
        f"Error: {roster}: a roster needs an 'employee' column; found columns: 'name', "
        "'hire_date'.\nSuggestion: name the column of employee ids 'employee'.\n"
    )


def test_app_help_has_an_example(capsys):
    assert main(["app", "--help"]) == 0
    out = capsys.readouterr().out
    assert "  Example:\n    kpitools app --port 8866 --no-browser\n" in out


def _busy_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen()
    return s


def test_a_scheme_given_alone_is_checked_on_the_default_data_the_caller_passes():
    calls = pd.DataFrame(
        {"employee": ["E1"], "period": ["2024-01"], "kpi": ["calls"], "actual": [5.0]}
    )
    with _busy_port() as s:
        port = s.getsockname()[1]
        with pytest.raises(KpitoolsError) as info:
            serve(port=port, open_browser=False, scheme=DEFAULT_SCHEME, default_data=calls)
        assert str(info.value) == (
            f"{ROOT / 'templates' / 'schemes' / DEFAULT_SCHEME}: components[0].kpi: "
            "KPI 'gross_margin' is not in the data.\n"
            "Suggestion: add its rows to the data, or use a KPI the data has: calls."
        )
        # without default data the scheme is left to the page: the next check (the port) speaks
        with pytest.raises(KpitoolsError) as info:
            serve(port=port, open_browser=False, scheme=DEFAULT_SCHEME)
        assert str(info.value) == (
            f"Port {port} on localhost is already in use.\n"
            "Suggestion: pass another --port, or leave it out to take a free one."
        )


def test_the_check_joins_the_roster_to_the_data_as_the_page_does(tmp_path):
    """Data without a role column, a roster that has one, a scheme for one role: the page
    joins the roster first, so the check before Voilà must too (else it would refuse)."""
    data = tmp_path / "sales.csv"
    data.write_text("employee,period,kpi,actual\nE1,2024-01,revenue,5\nE2,2024-01,revenue,7\n")
    roster = tmp_path / "roster.csv"
    roster.write_text("employee,role\nE1,rep\nE2,lead\n")
    scheme = tmp_path / "reps.yaml"
    scheme.write_text(
        "name: Reps\non_target_pay: 10\nroles: [rep]\n"
        "components:\n  - {kpi: revenue, commission: {rate: 0.1}}\n"
    )
    with _busy_port() as s:
        port = s.getsockname()[1]
        with pytest.raises(KpitoolsError) as info:  # the check passed: the port speaks next
            serve(port=port, open_browser=False, data=str(data), scheme=str(scheme),
                  roster=str(roster))  # fmt: skip
        assert str(info.value).startswith(f"Port {port} on localhost is already in use.")
        with pytest.raises(KpitoolsError) as info:  # without the roster there is no role
            serve(port=port, open_browser=False, data=str(data), scheme=str(scheme))
        assert str(info.value).startswith(f"{scheme}: roles: {data} has no 'role' column")


def test_only_the_files_given_reach_the_notebook(tmp_path, monkeypatch):
    """Variables left in the user's shell from an earlier run do not reach the page."""
    monkeypatch.setenv(ENV_ROSTER, str(tmp_path / "old_roster.csv"))
    monkeypatch.setenv(ENV_DATA, str(tmp_path / "old_data.csv"))
    data = tmp_path / "sales.csv"
    data.write_text("employee,period,kpi,actual\nE1,2024-01,revenue,5\n")
    env = app._notebook_env(str(data), None, None)
    assert env[ENV_DATA] == str(data.resolve())
    assert ENV_ROSTER not in env and ENV_SCHEME not in env


def test_serve_refuses_a_roster_without_its_data(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("employee\nE1\n")
    with pytest.raises(DefinitionError) as info:
        serve(port=free_port(), open_browser=False, roster=str(roster))
    assert str(info.value) == (
        "roster: a roster goes with the data it belongs to; without data the dashboard shows "
        "the demo company, which has its own.\nSuggestion: pass data= too."
    )
