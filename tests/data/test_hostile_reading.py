"""Regression tests for reading defects found by the hostile-input harness (tests/hostile)."""

from __future__ import annotations

import subprocess
import sys

from kpitools.data import check


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
