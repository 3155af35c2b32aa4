"""`kpitools app`: the command passes the user's data, or the demo company's, to the dashboard.

The dashboard itself (Voilà, ports, the notebook) is tested with the what-if explorer; here
``serve`` is replaced by a stand-in that records what the command gave it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import kpitools.cli.app
from kpitools.cli import main


@pytest.fixture
def served(monkeypatch):
    """Replace ``serve``; record its arguments and a copy of the data file it was given."""
    calls = []

    def serve(**kwargs):
        data = Path(kwargs["data"])
        roster = kwargs["roster"]
        calls.append(
            {
                **kwargs,
                "table": pd.read_csv(data, dtype={"employee": str}),
                "roster_table": None if roster is None else pd.read_csv(roster, dtype=str),
            }
        )
        return 0

    monkeypatch.setattr(kpitools.cli.app, "serve", serve)
    return calls


def test_without_data_the_dashboard_gets_the_demo_company(served, demo_company):
    assert main(["app", "--no-browser", "--port", "8870"]) == 0
    (call,) = served
    assert Path(call["data"]).name == "data.csv"
    assert not Path(call["data"]).exists()  # the temporary folder is gone afterwards
    assert (call["port"], call["open_browser"], call["scheme"]) == (8870, False, None)
    pd.testing.assert_frame_equal(call["table"], demo_company.data, check_exact=True)
    # and its roster, from the same folder: pay is prorated for its hires and leavers
    assert Path(call["roster"]).parent == Path(call["data"]).parent
    assert Path(call["roster"]).name == "roster.csv"
    assert call["roster_table"]["employee"].tolist() == demo_company.roster["employee"].tolist()


def test_the_users_data_and_scheme_pass_unchanged(served, tmp_path):
    data = tmp_path / "mine.csv"
    data.write_text("employee,period,kpi,actual\nE1,2024-01,revenue,5\n")
    assert main(["app", "--data", str(data), "--scheme", "team_pool.yaml"]) == 0
    (call,) = served
    assert (call["data"], call["scheme"], call["open_browser"], call["roster"]) == (
        str(data),
        "team_pool.yaml",
        True,
        None,
    )
    assert data.exists()


def test_the_users_roster_passes_with_their_data(served, tmp_path):
    data = tmp_path / "mine.csv"
    data.write_text("employee,period,kpi,actual\nE1,2024-01,revenue,5\n")
    roster = tmp_path / "people.csv"
    roster.write_text("employee,hire_date\nE1,2024-01-15\n")
    assert main(["app", "--data", str(data), "--roster", str(roster), "--no-browser"]) == 0
    (call,) = served
    assert (call["data"], call["roster"]) == (str(data), str(roster))
    assert call["roster_table"].to_dict("list") == {"employee": ["E1"], "hire_date": ["2024-01-15"]}


def test_a_roster_without_data_is_refused(served, tmp_path, capsys):
    roster = tmp_path / "people.csv"
    roster.write_text("employee\nE1\n")
    assert main(["app", "--roster", str(roster), "--no-browser"]) == 2
    assert served == []
    assert capsys.readouterr().err == (
        "Error: --roster: a roster goes with its own data, and without --data the dashboard "
        "shows the demo company, which has its roster already.\n"
        "Suggestion: give the data the roster belongs to (--data FILE --roster FILE).\n"
    )


def test_the_dashboards_exit_code_is_the_commands(monkeypatch):
    monkeypatch.setattr(kpitools.cli.app, "serve", lambda **kwargs: 4)
    with pytest.raises(SystemExit) as info:  # as the console script exits
        main(["app", "--no-browser"])
    assert info.value.code == 4
