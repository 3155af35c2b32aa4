"""`kpitools report --statements` and `--rule`: statements per employee, the rule's thresholds.

Worked by hand (on-target pay 1,000 USD a month, target 100, curve 0 → 0, 2 → 2, cap 1.5):
- a1, hired 15 Feb 2025: February prorated to 14/28 = 50% → on-target pay 500, target 50;
  actual 120 → attainment 240% → factor 2 → 1,000.00, capped at 1.5 × 500 = 750.00;
- a2: February 90 of 100 → 0.9 × 1,000 = 900.00;
- b1: February 100 of 100 → 1,000.00.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import openpyxl
import pandas as pd
import pytest
from PIL import Image
from pypdf import PdfReader

from kpitools.cli import main

FLAT = """\
name: Flat bonus
currency: USD
on_target_pay: 1000
cap: 1.5
components:
  - {kpi: revenue, name: Revenue bonus, weight: 1, target: 100, curve: {points: [[0, 0], [2, 2]]}}
"""


@pytest.fixture
def files(tmp_path):
    pd.DataFrame(
        {
            "employee": ["a1", "a2", "b1"] * 2,
            "period": ["2025-01"] * 3 + ["2025-02"] * 3,
            "kpi": ["revenue"] * 6,
            "actual": [80.0, 140.0, 150.0, 120.0, 90.0, 100.0],
        }
    ).to_csv(tmp_path / "data.csv", index=False)
    pd.DataFrame(
        {
            "employee": ["a1", "a2", "b1"],
            "team": ["A", "A", "B"],
            "hire_date": ["2025-02-15", "", ""],
        }  # fmt: skip
    ).to_csv(tmp_path / "roster.csv", index=False)
    (tmp_path / "flat.yaml").write_text(FLAT)
    return [
        "report", "--client", "Acme & Co", "--data", str(tmp_path / "data.csv"),
        "--roster", str(tmp_path / "roster.csv"), "--design", "",
        "--scheme", str(tmp_path / "flat.yaml"), "--format", "xlsx", "--forecast", "0",
    ]  # fmt: skip


def test_statements_one_per_employee_paying_what_payouts_pay(files, tmp_path, capsys):
    out = tmp_path / "out"
    code = main([*files, "--out", str(out), "--statements", "--rule", "max_p_over_budget=10%"])
    printed, err = capsys.readouterr()
    assert code == 0, err
    folder = out / "Acme-Co"
    assert printed.splitlines()[-1] == f"{folder}/statements/ (3 statements)"
    assert sorted(p.name for p in (folder / "statements").iterdir()) == [
        "a1.pdf", "a2.pdf", "b1.pdf"]  # fmt: skip
    sheet = openpyxl.load_workbook(folder / "payouts.xlsx")["Payouts"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    paid = {r["employee"]: r["payout"] for r in rows
            if r["component"] == "total" and r["period"] == "2025-02"}  # fmt: skip
    assert paid == {"a1": 750.0, "a2": 900.0, "b1": 1000.0}
    for employee, payment in paid.items():
        reader = PdfReader(folder / "statements" / f"{employee}.pdf")
        assert len(reader.pages) == 1  # one scheme: one page
        text = reader.pages[0].extract_text()
        assert f"Payment: {payment:,.2f} USD." in text, employee
        assert "Pay statement — Flat bonus" in text and "Acme & Co" in text
    a1 = " ".join(PdfReader(folder / "statements" / "a1.pdf").pages[0].extract_text().split())
    for words in (
        "Active for 50.0% of the period (FTE × days employed): on-target pay is prorated to "
        "500.00 USD",
        "Revenue bonus: 120 against a target of 50 is 240.0% attainment; the curve gives a "
        "factor of 2, which pays 1,000.00 USD.",
        "The components add up to 1,000.00 USD.",
        "The cap limits it to 750.00 USD.",
    ):
        assert words in a1
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {"statements/a1.pdf", "recommendation.json"} <= {o["file"] for o in manifest["outputs"]}
    rec = json.loads((folder / "recommendation.json").read_text())
    assert rec["rule"]["thresholds"]["max_p_over_budget"] == 0.1
    assert rec["currency"] == "USD"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler) not installed")
def test_a_statement_page_renders_with_ink_on_it(files, tmp_path, capsys):
    out = tmp_path / "out"
    assert main([*files, "--out", str(out), "--statements"]) == 0, capsys.readouterr().err
    pdf = out / "Acme-Co" / "statements" / "a1.pdf"
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    (png,) = tmp_path.glob("p*.png")
    pixels = np.asarray(Image.open(png).convert("L"))
    assert pixels.shape[0] > pixels.shape[1]  # A4 portrait
    assert 0.002 < (pixels < 128).mean() < 0.2  # text, not blank, not black


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            "max_p_over=0.1",
            "Error: the decision rule (recommendation): max_p_over: unknown key. Did you mean "
            "'max_p_over_budget' or 'max_budget_overrun'?\nSuggestion: use one of: "
            "max_budget_overrun, max_p_over_budget, min_pct_at_target, max_pct_at_target, "
            "min_pay_performance_corr, max_gaming_cost_pct, cost_tie.\n",
        ),
        (
            "max_p_over_budget=abc",
            "Error: --rule 'max_p_over_budget=abc' is not KEY=NUMBER.\n"
            "Suggestion: write e.g. --rule max_p_over_budget=0.1 (or 10%).\n",
        ),
        (
            "min_pct_at_target=0.95",
            "Error: the decision rule (recommendation): min_pct_at_target: min_pct_at_target "
            "(0.95) must not be above max_pct_at_target (0.9).\n"
            "Suggestion: e.g. min_pct_at_target: 0.4 and max_pct_at_target: 0.9.\n",
        ),
    ],
    ids=["key", "number", "band"],
)
def test_a_bad_rule_exits_2_before_any_work(files, tmp_path, capsys, rule, message):
    code = main([*files, "--out", str(tmp_path / "out"), "--rule", rule])
    out, err = capsys.readouterr()
    assert (code, out, err) == (2, "", message)
    assert not (tmp_path / "out").exists()


def test_statements_for_a_period_asked_for(files, tmp_path, capsys):
    """January by hand: a2 140 of 100 → factor 1.4 → 1,400.00; b1 150 → 1.5 → 1,500.00
    (the cap 1.5 × 1,000 is not passed); a1, hired 15 February, was not there: no statement."""
    out = tmp_path / "out"
    code = main([*files, "--out", str(out), "--statements-period", "2025-01"])
    printed, err = capsys.readouterr()
    assert code == 0, err
    folder = out / "Acme-Co" / "statements"
    assert sorted(p.name for p in folder.iterdir()) == ["a2.pdf", "b1.pdf"]
    for employee, payment in {"a2": 1400.0, "b1": 1500.0}.items():
        text = PdfReader(folder / f"{employee}.pdf").pages[0].extract_text()
        assert "period 2025-01" in text and f"Payment: {payment:,.2f} USD." in text, employee


def test_a_statements_period_no_scheme_evaluated_is_refused(files, tmp_path, capsys):
    out = tmp_path / "out"
    code = main([*files, "--out", str(out), "--statements-period", "2024-12"])
    assert code == 1  # the report's notebook stopped: its executed copy shows where
    assert capsys.readouterr().err == (
        "Error: the report of Acme & Co failed: DefinitionError: statements_period: '2024-12' "
        "is not a period the schemes evaluated.\nSuggestion: choose one of 2025-01, 2025-02, "
        "written as in payouts.csv. (notebook cell [20])\n"
        f"Suggestion: open {out / 'Acme-Co' / 'report.ipynb'} to see the error in context.\n"
    )
