"""payouts.xlsx per §10, written from a report's context and opened again with openpyxl.

A small client worked by hand: a bonus of 1,000 on target (pay = 1,000 × attainment, its one
component unnamed) and a 10% commission, one month, three employees in two teams:
a1 80 → 800 / 8, a2 140 → 1,400 / 14, b1 100 → 1,000 / 10.
"""

from __future__ import annotations

import matplotlib
import openpyxl
import pandas as pd
import pytest

from kpitools.report import build_context, write_workbook

matplotlib.use("Agg")

BONUS = """\
name: Bonus
period: month
on_target_pay: 1000
budget: 3000
components:
  - kpi: revenue
    weight: 1
    target: {method: fixed, value: 100}
    curve: {points: [[0, 0], [2, 2]]}
"""
COMMISSION = """\
name: Commission
period: month
on_target_pay: 10
components:
  - kpi: revenue
    name: Revenue commission
    commission: {rate: 0.1}
"""
SHEETS = ["Summary", "Assumptions", "Payouts", "By employee", "Winners and losers", "By team"]


@pytest.fixture
def inputs(tmp_path):
    pd.DataFrame(
        {
            "employee": ["a1", "a2", "=b1"],
            "period": ["2025-01"] * 3,
            "kpi": ["revenue"] * 3,
            "actual": [80.0, 140.0, 100.0],
        }
    ).to_csv(tmp_path / "data.csv", index=False)
    pd.DataFrame({"employee": ["a1", "a2", "=b1"], "team": ["A", "A", "@B"]}).to_csv(
        tmp_path / "roster.csv", index=False
    )
    (tmp_path / "bonus.yaml").write_text(BONUS)
    (tmp_path / "commission.yaml").write_text(COMMISSION)
    return {
        "data": tmp_path / "data.csv",
        "schemes": [tmp_path / "bonus.yaml", tmp_path / "commission.yaml"],
        "roster": tmp_path / "roster.csv",
        "forecast_draws": 0,
    }


def _rows(ws) -> list[dict]:
    header = [c.value for c in ws[1]]
    return [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]


def test_sheets_names_formats_and_properties(inputs, tmp_path):
    ctx = build_context(client="=Acme", currency="USD", **inputs)
    path = write_workbook(ctx, tmp_path / "payouts.xlsx", branding={"consultant": "Harbour LLP"})
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == SHEETS
    assert (wb.properties.creator, wb.properties.lastModifiedBy) == ("Harbour LLP",) * 2
    assert wb.properties.title == "=Acme: bonus scheme payouts"
    summary = _rows(wb["Summary"])
    assert [(r["scheme"], r["periods"], r["total_cost"]) for r in summary] == [
        ("Bonus", 1, 3200.0), ("Commission", 1, 32.0)]  # fmt: skip
    ws = wb["Summary"]
    header = [c.value for c in ws[1]]
    formats = {name: ws.cell(2, header.index(name) + 1).number_format for name in header}
    assert formats["periods"] == "#,##0"
    assert formats["total_cost"] == formats["cost_per_period"] == '#,##0.00 "USD"'
    assert formats["budget_variance"] == formats["pct_at_target"] == "0.0%"
    # Bonus: 3,200 against a budget of 3,000 a month → 6.7% over, not eligible
    assert summary[0]["eligible"] == "no"
    assert summary[0]["failed_tests"] == (
        "Backtest cost 6.7% over the budget, which the rule does not allow."
    )
    payouts = _rows(wb["Payouts"])
    assert {r["component"] for r in payouts} == {"Revenue", "Revenue commission", "total"}
    # a whole value (revenue 80) shows without decimals, never 80.00
    col = [c.value for c in wb["Payouts"][1]].index("actual") + 1
    assert wb["Payouts"].cell(2, col).number_format == "#,##0"
    employees = _rows(wb["By employee"])
    bonus = {(r["employee"], r["team"], r["total_payout"], r["periods"])
             for r in employees if r["scheme"] == "Bonus"}  # fmt: skip
    assert bonus == {("a1", "A", 800.0, 1), ("a2", "A", 1400.0, 1), ("=b1", "@B", 1000.0, 1)}
    # formula-looking text is stored as text with Excel's quote prefix, never run
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    risky = [c for c in cells if c.value[:1] in "=+-@"]
    assert risky and all(c.quotePrefix and c.data_type == "s" for c in risky)
    items = {r["item"]: r["value"] for r in _rows(wb["Assumptions"])}
    assert items["Client"] == "=Acme" and items["Currency"] == "USD"
    assert items["Rule: max_p_over_budget"] == "0.2"
    assert items["Recommended scheme"] == ctx.recommendation["recommended"]


def test_without_a_currency_no_code_is_invented(inputs, tmp_path):
    ctx = build_context(client="Acme", **inputs)
    wb = openpyxl.load_workbook(write_workbook(ctx, tmp_path / "payouts.xlsx"))
    assert wb.properties.creator == "kpitools"
    formats = {c.number_format for ws in wb for row in ws.iter_rows() for c in row}
    assert "#,##0.00" in formats
    assert not [f for f in formats if '"' in f]  # no "USD", no "RUB": no code at all
    items = {r["item"]: r["value"] for r in _rows(wb["Assumptions"])}
    assert items["Currency"] == "none given: amounts carry no currency code"
