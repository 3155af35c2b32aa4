"""Every benchmark still runs (on tiny inputs): they import the package as users do.

The figures are measured with ``make bench``; here only that each script runs to the end
and prints its figures, so an API change cannot leave a benchmark broken.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TINY = {
    "bench_load.py": ["--rows", "2000", "--repeats", "1"],
    "bench_mechanics.py": ["--employees", "300", "--months", "24", "--repeat", "1"],
    "bench_payout.py": ["--rows", "20000", "--apply-rows", "200"],
    "bench_simulate.py": ["--rows", "20000"],
    "bench_forecast.py": ["--draws", "100", "--employees", "20"],
    "bench_design.py": ["--regions", "5"],
    "bench_widgets.py": ["--changes", "2", "--sizes", "60"],
    "bench_currency.py": ["--rows", "20000", "--repeats", "1", "--loop-rows", "2000"],
    "bench_scope.py": ["--employees", "200", "--months", "3", "--repeat", "1"],
    "bench_pools.py": ["--employees", "300", "--repeat", "1"],
    "bench_stress.py": ["--employees", "300", "--months", "12", "--repeat", "1"],
    "bench_deliverable.py": [
        *("--employees", "6", "--months", "13", "--batch-clients", "0", "--repeat", "1"),
        *("--no-baseline", "--skip-statements"),
    ],
}


def test_every_benchmark_has_a_tiny_run():
    scripts = {p.name for p in (ROOT / "benchmarks").glob("bench_*.py")}
    # the batch and report ones are long runs of their own (whole reports, two code versions)
    assert scripts - {"bench_batch.py", "bench_report.py"} == set(TINY)


@pytest.mark.parametrize("script", sorted(TINY))
def test_benchmark_runs(script):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *TINY[script]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "ms" in proc.stdout or " s" in proc.stdout  # it printed its figures
