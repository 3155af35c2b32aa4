"""Benchmark: the client deliverable — a report, its statements, a batch — against a baseline.

    .venv/bin/python benchmarks/bench_deliverable.py [--employees 24] [--months 24]
        [--batch-clients 12] [--baseline /work/main/.venv/bin/kpitools | --no-baseline]
        [--skip-statements] [--repeat 2]

Side by side in one run, on the same generated demo company and the same machine:

1. ``kpitools report`` (HTML, PDF, XLSX, recommendation.json) of this tree, and of the
   baseline's ``kpitools`` (another install, e.g. the current release) when given;
2. the same report with ``--statements`` (a PDF per employee);
3. ``kpitools batch`` of N demo clients, this tree and the baseline;
4. the decision rule and its words alone (``recommend_simulation`` + the sentences).

Prints the seconds, the ratios to the baseline, the PDF's page count and size, and the
statements' count and seconds per statement.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
KPITOOLS = Path(sys.executable).with_name("kpitools")
DESIGN = ROOT / "templates" / "designs" / "b2b_sales.yaml"
SCHEMES = [
    ROOT / "templates" / "schemes" / name
    for name in ("linear_commission.yaml", "tiered_accelerator.yaml", "weighted_scorecard.yaml")
]


def _run(cmd: list[str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")
    return seconds


def _report(binary: Path, data: Path, out: Path, *extra: str) -> float:
    cmd = [str(binary), "report", "--client", "Bench Co", "--data", str(data), "--design",
           str(DESIGN), *(a for s in SCHEMES for a in ("--scheme", str(s))), "--out", str(out),
           "--forecast", "200", "--budget", "150000", *extra]  # fmt: skip
    return _run(cmd)


def _batch(binary: Path, root: Path, clients: int, out: Path, data_files: list[Path]) -> float:
    manifest = {
        "defaults": {
            "design": str(DESIGN),
            "schemes": [str(s) for s in SCHEMES],
            "forecast_draws": 200,
            "budget": 150000.0,
        },  # fmt: skip
        "clients": [
            {"client": f"Client {i:02d}", "data": str(data_files[i % len(data_files)])}
            for i in range(clients)
        ],  # fmt: skip
    }
    path = root / "manifest.yaml"
    path.write_text(yaml.safe_dump(manifest))
    return _run([str(binary), "batch", str(path), "--out", str(out), "--jobs", "2"])


def _rule_alone(data: Path, repeat: int = 20) -> float:
    """Milliseconds for the decision rule and its words on a simulated result."""
    from kpitools.engine import recommend_simulation, simulate
    from kpitools.report.recommendation import (
        recommendation_blocks,
        recommendation_content,
        summary_sentences,
    )

    result = simulate(str(data), [str(s) for s in SCHEMES], forecast=200, seed=1)
    started = time.perf_counter()
    for _ in range(repeat):
        content = recommendation_content(recommend_simulation(result))
        summary_sentences(content)
        recommendation_blocks(content)
    return (time.perf_counter() - started) / repeat * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=24)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--batch-clients", type=int, default=12)
    default = Path("/work/main/.venv/bin/kpitools")
    parser.add_argument("--baseline", type=Path, default=default if default.exists() else None)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--skip-statements", action="store_true", help="no --statements run")
    parser.add_argument("--repeat", type=int, default=2, help="alternating report runs")
    args = parser.parse_args()
    baseline = None if args.no_baseline else args.baseline

    from kpitools.demo import write_demo

    root = Path(tempfile.mkdtemp(prefix="bench-deliverable-"))
    try:
        data = write_demo(root / "demo", n_employees=args.employees, months=args.months)["data"]
        print(f"demo company: {args.employees} employees, {args.months} months, "
              f"{len(SCHEMES)} schemes, forecast 200 draws")  # fmt: skip
        # alternating runs, the best of each: a busy machine slows both alike
        ours, theirs = [], []
        for _ in range(args.repeat):
            ours.append(_report(KPITOOLS, data, root / "ours"))
            if baseline is not None:
                theirs.append(_report(baseline, data, root / "base"))
        folder = root / "ours" / "Bench-Co"
        pdf = folder / "report.pdf"
        pages = len(PdfReader(pdf).pages)
        print(f"report (this tree):            {min(ours):7.2f} s   (runs: "
              + ", ".join(f"{t:.1f}" for t in ours) + ")")  # fmt: skip
        if baseline is not None:
            base_pdf = root / "base" / "Bench-Co" / "report.pdf"
            print(f"report (baseline {baseline}): {min(theirs):7.2f} s   (runs: "
                  + ", ".join(f"{t:.1f}" for t in theirs)
                  + f")   ratio {min(ours) / min(theirs):.2f}x")  # fmt: skip
            print(f"baseline PDF: {len(PdfReader(base_pdf).pages)} pages, "
                  f"{base_pdf.stat().st_size / 1024:.0f} KiB")  # fmt: skip
        print(f"PDF: {pages} pages, {pdf.stat().st_size / 1024:.0f} KiB; payouts.xlsx "
              f"{(folder / 'payouts.xlsx').stat().st_size / 1024:.0f} KiB; recommendation.json "
              f"{(folder / 'recommendation.json').stat().st_size / 1024:.1f} KiB")  # fmt: skip
        if not args.skip_statements:
            with_statements = _report(KPITOOLS, data, root / "stmt", "--statements")
            made = sorted((root / "stmt" / "Bench-Co" / "statements").glob("*.pdf"))
            extra = with_statements - min(ours)
            print(f"report --statements:           {with_statements:7.2f} s   "
                  f"{len(made)} statements, {extra / max(1, len(made)):.3f} s each over "
                  "the report")  # fmt: skip
        print(f"decision rule + words alone:   {_rule_alone(data):7.2f} ms")
        if args.batch_clients:
            files = [write_demo(root / f"c{i}", seed=500 + i, n_employees=args.employees,
                                months=args.months)["data"] for i in range(3)]  # fmt: skip
            mine = _batch(KPITOOLS, root, args.batch_clients, root / "bo", files)
            print(f"batch of {args.batch_clients} (this tree):        {mine:7.2f} s")
            if baseline is not None:
                base = _batch(baseline, root, args.batch_clients, root / "bb", files)
                print(f"batch of {args.batch_clients} (baseline):         {base:7.2f} s   "
                      f"ratio {mine / base:.2f}x")  # fmt: skip
        print(json.dumps({"ok": True}))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
