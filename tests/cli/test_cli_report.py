"""`kpitools report` with a roster, a filter and groups: the options reach the report.

A bad filter or roster is refused before any work (exit 2, one message, nothing written);
a good one gives the report's sheet by team. The whole shipped report is checked in
tests/report/test_report_notebook.py.
"""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from kpitools.cli import main

FLAT = """\
name: Flat bonus
on_target_pay: 1000
components:
  - {kpi: revenue, weight: 1, target: 100, curve: {points: [[0, 0], [2, 2]]}}
"""


@pytest.fixture
def files(tmp_path):
    pd.DataFrame(
        {
            "employee": ["a1", "a2", "b1"],
            "period": ["2025-01"] * 3,
            "kpi": ["revenue"] * 3,
            "actual": [80.0, 140.0, 150.0],
        }
    ).to_csv(tmp_path / "data.csv", index=False)
    pd.DataFrame(
        {"employee": ["a1", "a2", "b1"], "team": ["A", "A", "B"], "region": ["East"] * 3}
    ).to_csv(tmp_path / "roster.csv", index=False)
    (tmp_path / "flat.yaml").write_text(FLAT)
    base = ["report", "--client", "Acme", "--data", str(tmp_path / "data.csv")]
    return [*base, "--design", "", "--scheme", str(tmp_path / "flat.yaml")]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--roster", "{root}/roster.csv", "--where", "team == a"],
            "Error: data.csv: --where: 'team == a': the value 'a' never occurs in column "
            "'team'. Did you mean 'A'?\n"
            "Values present: 'A', 'B'.\n"
            "Suggestion: write the value exactly as the data has it (case matters); a value "
            "that never occurs would silently match nothing.\n",
        ),
        (
            ["--where", "team == A"],
            "Error: data.csv: --where: 'team == A': no column 'team'.\n"
            "Columns: 'employee', 'period', 'kpi', 'actual'.\n"
            "Suggestion: use a column of the data (case and spaces do not matter).\n",
        ),
        (
            ["--roster", "{root}/staff.csv"],
            "Error: roster: file not found: {root}/staff.csv\n"
            "Suggestion: check the paths (relative paths are read from {cwd}).\n",
        ),
        (
            ["--by", "office", "--roster", "{root}/roster.csv"],
            "Error: no column 'office' in the data or the roster. Columns: team, region.\n"
            "Suggestion: group by a column of the data or the roster (team, region, …).\n",
        ),
    ],
    ids=["value", "column", "roster", "by"],
)
def test_a_bad_filter_roster_or_group_exits_2_before_any_work(
    files, tmp_path, capsys, monkeypatch, extra, message
):
    monkeypatch.chdir(tmp_path)
    extra = [e.format(root=tmp_path) for e in extra]
    code = main([*files, "--out", str(tmp_path / "out"), *extra])
    out, err = capsys.readouterr()
    assert code == 2
    assert err == message.format(root=tmp_path, cwd=tmp_path)
    assert out == ""
    assert not (tmp_path / "out").exists()


def test_report_by_team_of_a_filtered_roster(files, tmp_path, capsys):
    out_dir = tmp_path / "out"
    code = main(
        [
            *files,
            "--out",
            str(out_dir),
            "--format",
            "xlsx",
            "--forecast",
            "0",
            "--roster",
            str(tmp_path / "roster.csv"),
            "--where",
            "team in [A, B]",
            "--by",
            "team",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    folder = out_dir / "Acme"
    assert out.splitlines() == [
        f"{folder}/{name}"
        for name in ("manifest.json", "payouts.xlsx", "recommendation.json", "report.ipynb")
    ]
    ws = openpyxl.load_workbook(folder / "payouts.xlsx")["By team"]
    rows = [r[:4] for r in ws.iter_rows(min_row=2, values_only=True)]
    # 1,000 × attainment: a1 800 + a2 1,400 in team A, b1 1,500 in team B
    assert rows == [("Flat bonus", "A", 2, 2200.0), ("Flat bonus", "B", 1, 1500.0)]
