"""`kpitools report` with a roster, a filter and groups: the options reach the report.

A bad filter or roster is refused before any work (exit 2, one message, nothing written);
so is a bad input file, with the message kpitools simulate gives;
a good one gives the report's sheet by team. The whole shipped report is checked in
tests/report/test_report_notebook.py.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kpitools.cli import main

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

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


# --------------------------------------------------------------------------- bad input files
_DUPLICATE = "a2,2025-01,revenue,140.0\n"  # a second a2 × 2025-01 × revenue row

_BAD_INPUTS = {
    "misspelt scheme key": (
        "data.csv",
        FLAT.replace("weight", "wieght"),
        "Error: scheme.yaml: line 4 (components[0].wieght): unknown key. Did you mean "
        "'weight'?\n"
        "Suggestion: use one of: kpi, target, direction, baseline, scope, name, weight, curve, "
        "commission, basis, missing, active.\n",
    ),
    "duplicate row": (
        "dup.csv",
        FLAT,
        "Error: dup.csv: 1 problem in 2 rows; nothing was loaded.\n"
        "- duplicate employee × period × KPI (2 rows): row 3 ('a2 × 2025-01 × revenue'), "
        "row 5 ('a2 × 2025-01 × revenue')\n"
        "  Suggestion: keep one row per employee, period and KPI, or sum them with "
        "duplicates='sum' (CLI: --sum-duplicates).\n",
    ),
    "target column missing": (
        "data.csv",
        FLAT.replace("target: 100", "target: {method: from_data}"),
        "Error: scheme.yaml: 3 employee-periods have no usable target:\n"
        "  components[0] (revenue): no target: the data has no 'target' column for employee "
        "'a1' in 2025-01\n"
        "  components[0] (revenue): no target: the data has no 'target' column for employee "
        "'a2' in 2025-01\n"
        "  components[0] (revenue): no target: the data has no 'target' column for employee "
        "'b1' in 2025-01\n"
        "Suggestion: add a target column to the data, or use another method (fixed, growth, …).\n",
    ),
}


@pytest.mark.parametrize(("data", "scheme", "message"), _BAD_INPUTS.values(), ids=list(_BAD_INPUTS))
def test_a_bad_input_file_gets_simulates_message_exit_2_and_no_client_folder(
    files, tmp_path, capsys, monkeypatch, data, scheme, message
):
    """The data, scheme and roster are read as simulate reads them before the notebook runs."""
    monkeypatch.chdir(tmp_path)
    dup = (tmp_path / "data.csv").read_text() + _DUPLICATE
    (tmp_path / "dup.csv").write_text(dup)
    (tmp_path / "scheme.yaml").write_text(scheme)
    inputs = ["--data", data, "--scheme", "scheme.yaml", "--roster", "roster.csv"]
    code = main(["report", "--client", "Acme", "--design", "", *inputs, "--out", "out"])
    out, err = capsys.readouterr()
    assert (code, out, err) == (2, "", message)
    assert not (tmp_path / "out").exists()  # no client folder, no temporary one
    assert main(["simulate", *inputs]) == 2
    assert capsys.readouterr().err == message  # the same message as simulate's


def test_a_misspelt_key_in_a_scheme_of_the_shipped_report(tmp_path, demo_csv, capsys):
    """The audit's case: the demo data, the shipped design, a scorecard with 'wieght:'."""
    scorecard = (TEMPLATES / "schemes" / "weighted_scorecard.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(scorecard.replace("    weight: 0.5\n", "    wieght: 0.5\n", 1))
    line = scorecard.splitlines().index("    weight: 0.5") + 1  # 1-based: line 23
    design = str(TEMPLATES / "designs" / "b2b_sales.yaml")
    args = ["--client", "A", "--data", str(demo_csv), "--design", design, "--scheme", str(bad)]
    code = main(["report", *args, "--out", str(tmp_path / "ob"), "--format", "xlsx"])
    assert capsys.readouterr().err == (
        f"Error: {bad}: line {line} (components[0].wieght): unknown key. Did you mean "
        "'weight'?\n"
        "Suggestion: use one of: kpi, target, direction, baseline, scope, name, weight, curve, "
        "commission, basis, missing, active.\n"
    )
    assert code == 2
    assert not (tmp_path / "ob").exists()
