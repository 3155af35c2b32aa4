"""Tests for kpitools.report.xlsx: payouts.xlsx, formatted sheets."""

from __future__ import annotations

import openpyxl
import pandas as pd

from kpitools.report import write_xlsx


def test_write_xlsx_money_percent_and_integer_formats(tmp_path):
    frame = pd.DataFrame(
        {
            "employee": ["+1", "@sum(A1)", "-2", "ok"],
            "payout": [1500.5, 0.0, float("nan"), 2.0],
            "attainment": [1.05, 0.5, 0.0, 1.0],
            "deals": [1, 2, 3, 4],
        }
    )
    write_xlsx({"p": frame}, tmp_path / "x.xlsx", currency='RUB"')
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx")["p"]
    assert [ws.cell(r, 1).quotePrefix for r in range(2, 6)] == [True, True, True, False]
    assert ws["B2"].number_format == '#,##0.00 "RUB"'
    assert ws["B4"].value is None  # NaN is an empty cell, never 'nan'
    assert ws["C2"].number_format == "0.0%" and ws["C2"].value == 1.05
    assert ws["D2"].number_format == "#,##0" and ws["D2"].value == 1
    assert ws.auto_filter.ref == "A1:D5"


def test_workbook_with_an_all_empty_text_column_and_ratio_columns(tmp_path):
    # A client without roles: the 'role' column is empty. It used to stop the whole
    # report (int(NaN) while sizing the column).
    frame = pd.DataFrame(
        {
            "scheme": ["Commission", "Tiered"],
            "role": pd.Series([None, None], dtype=object),
            "budget_variance": [-0.694, 0.097],
            "subtotal": [1234.5, 0.0],
            "after_cap": [1234.5, 0.0],
        }
    )
    write_xlsx({"metrics": frame}, tmp_path / "w.xlsx", currency="USD")
    ws = openpyxl.load_workbook(tmp_path / "w.xlsx")["metrics"]
    assert [ws.cell(2, j).value for j in range(1, 6)] == [
        "Commission",
        None,
        -0.694,
        1234.5,
        1234.5,
    ]
    # budget_variance is a ratio (-69.4%), not an amount of money
    assert [ws.cell(2, j).number_format for j in range(3, 6)] == [
        "0.0%",
        '#,##0.00 "USD"',
        '#,##0.00 "USD"',
    ]
    assert ws.column_dimensions["B"].width == len("role") + 3


def test_money_metrics_carry_the_currency_and_multiples_keep_decimals(tmp_path):
    """gaming_cost and draw_cost are money; a payout_p10 of 0 (all whole) is still a
    multiple of on-target pay, not a count."""
    frame = pd.DataFrame(
        {
            "scheme": ["a", "b"],
            "gaming_cost": [1_000.0, 0.0],
            "draw_cost": [300.0, 0.0],
            "payout_p10": [0.0, 0.0],
            "leverage": [2.0, 1.0],
            "employees": [3.0, 4.0],
        }
    )
    write_xlsx({"Summary": frame}, tmp_path / "m.xlsx", currency="EUR")
    ws = openpyxl.load_workbook(tmp_path / "m.xlsx")["Summary"]
    assert [ws.cell(2, j).number_format for j in range(2, 7)] == [
        '#,##0.00 "EUR"',
        '#,##0.00 "EUR"',
        "#,##0.00",
        "#,##0.00",
        "#,##0",  # whole numbers of a plain column: a count
    ]
