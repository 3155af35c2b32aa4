"""Faults around a report: a missing notebook kernel, an output folder that cannot be written."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpitools.cli import main
from kpitools.report import make_report

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
DESIGN = str(TEMPLATES / "designs" / "b2b_sales.yaml")
SCHEME = str(TEMPLATES / "schemes" / "linear_commission.yaml")


def test_a_missing_kernel_fails_the_report_with_a_clear_error(tmp_path, demo_csv):
    result = make_report(
        client="Acme",
        data=demo_csv,
        design=DESIGN,
        schemes=[SCHEME],
        out=tmp_path / "out",
        kernel_name="no_such_kernel",
        formats=["html"],
    )
    assert result.status == "failed"
    assert result.error == (
        "NoSuchKernel: no Jupyter kernel named 'no_such_kernel' is installed.\n"
        "Suggestion: install it in the environment the report runs in (python -m ipykernel "
        "install --user --name no_such_kernel), or use the 'python3' kernel."
    )
    assert not (tmp_path / "out" / "Acme" / "report.html").exists()


@pytest.mark.parametrize(
    "verb",
    [
        ["simulate", "--scheme", SCHEME, "--data"],
        ["report", "--client", "X", "--design", DESIGN, "--scheme", SCHEME, "--data"],
    ],
)
def test_an_output_folder_that_cannot_be_made_is_a_clear_error(tmp_path, demo_csv, capsys, verb):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    out = blocker / "out"
    assert main([*verb, str(demo_csv), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"Error: {out}") or err.startswith(f"Error: {blocker}")
    assert err.endswith(
        ": Not a directory.\nSuggestion: check that the output folder's parent exists and is a "
        "folder you can write to (not a file), and that the disk has room; nothing was written "
        "there.\n"
    )
    assert blocker.read_text() == "x"


def test_aggregate_into_a_folder_that_is_a_file(tmp_path, capsys):
    (tmp_path / "deals.csv").write_text("agent,date\nA,2025-01-05\n")
    (tmp_path / "a-file").write_text("x")
    args = ["data", "aggregate", str(tmp_path / "deals.csv"), "--employee", "agent", "--date"]
    out = tmp_path / "a-file" / "kpis.csv"
    assert main([*args, "date", "--measure", "deals=count", "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines()[0] == f"Error: {tmp_path / 'a-file'}: File exists."
