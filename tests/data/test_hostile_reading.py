"""Regression tests for reading defects found by the hostile-input harness (tests/hostile)."""

from __future__ import annotations

import io
import subprocess
import sys
import zlib

import openpyxl
import pytest

from kpitools.data import check
from kpitools.errors import DataValidationError


def stray_byte_file(tmp_path, n: int = 6000):
    """A UTF-8 file with, after the first 64 KB, a row of 5 fields holding a byte 0xFF."""
    rows = [b"employee,period,kpi,actual"]
    rows += [b"%d,2025-01,revenue,%d" % (i, 1000 + i % 7) for i in range(1, n)]
    rows.insert(5000, b"x,2025-01,revenue,1\xff0,7")
    path = tmp_path / "stray.csv"
    path.write_bytes(b"\n".join(rows) + b"\n")
    return path


def test_a_stray_byte_in_a_bad_row_prints_no_traceback(tmp_path, capfd):
    report = check(stray_byte_file(tmp_path), library=False)
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""
    assert report.issues[["problem", "rows"]].to_dict("records") == [
        {
            "problem": "wrong number of fields",
            "rows": "row 5001 ('5 of 4 fields: x,2025-01,revenue,1я0,7')",
        }
    ]


def test_a_stray_byte_on_the_command_line(tmp_path):
    path = stray_byte_file(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "kpitools.cli", "data", "check", str(path), "--no-library"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr == ""
    assert done.stdout.splitlines()[-3:] == [
        "  - wrong number of fields (1 row): row 5001 ('5 of 4 fields: x,2025-01,revenue,1я0,7')",
        "    Suggestion: every line needs one value per header column; quote values that "
        "contain the delimiter.",
        "Result: errors found: fix them and check again (nothing was loaded).",
    ]


def damaged_workbook(tmp_path, at: int):
    """A valid workbook whose sheet's compressed XML has one byte flipped."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["employee", "period", "kpi", "actual"])
    for i in range(300):
        ws.append([f"E{i % 17}", f"2025-{1 + i % 12:02d}", "revenue", 1000 + i * 37])
    buf = io.BytesIO()
    wb.save(buf)
    data = bytearray(buf.getvalue())
    start = data.index(b"xl/worksheets/sheet1.xml") + len(b"xl/worksheets/sheet1.xml")
    data[start + at] ^= 0x5A
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("at", [40, 200, 700, 1500])
def test_a_damaged_workbook_is_a_located_error_not_an_internal_one(tmp_path, at):
    path = damaged_workbook(tmp_path, at)
    with pytest.raises(DataValidationError) as excinfo:
        check(path, library=False)
    message = str(excinfo.value)
    assert message.startswith(f"{path}: not a readable XLSX workbook (")
    assert message.endswith(
        ").\nSuggestion: open it in Excel and save it again as .xlsx, or export CSV."
    )
    assert isinstance(excinfo.value.__cause__, zlib.error | OSError | ValueError | SyntaxError)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("\nemployee,period,kpi,actual\n1,2025-01,revenue,10\n2,2025-01,revenue,10,5\n",
         "row 4 ('5 of 4 fields: 2,2025-01,revenue,10,5')"),
        ("sep=;\n\n \nemployee;period;kpi;actual\n1;2025-01;revenue;10\n2;2025-01;revenue;x\n",
         "row 6 ('x')"),
        ("\r\n\r\nemployee,period,kpi,actual\r\n1,2025-01,revenue,10\r\n2,2025-01,revenue,\r\n",
         "row 5"),
    ],
)  # fmt: skip
def test_blank_lines_above_the_header_keep_row_numbers(tmp_path, text, problem):
    path = tmp_path / "lead.csv"
    path.write_bytes(text.encode())
    report = check(path, library=False)
    assert report.issues["rows"].tolist() == [problem]
    assert report.rows_kept == 1
