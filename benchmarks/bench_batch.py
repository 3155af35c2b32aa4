"""Benchmark: ``kpitools batch`` against a plain shell loop of papermill + nbconvert.

    .venv/bin/python benchmarks/bench_batch.py [--clients 20] [--jobs 2] [--skip-baseline]

Each demo client gets its own generated history (kpitools.demo, a different seed per
client). Three runs on the same report notebook:

1. the baseline: a shell loop that calls ``papermill`` and then
   ``jupyter nbconvert --to html --no-input`` for each client, one after the other
   (what a consultant would script by hand);
2. ``kpitools batch`` making the same HTML reports (``formats: html``);
3. ``kpitools batch`` making everything (HTML, PDF, XLSX, manifest), for the
   per-report breakdown: kernel start, execution, HTML export, PDF.

The floor is the notebooks' own cell execution time (papermill's per-cell durations)
divided by the cores: no runner can beat it without making the notebook itself faster.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DESIGN = ROOT / "templates" / "designs" / "b2b_sales.yaml"
SCHEMES = [
    ROOT / "templates" / "schemes" / "linear_commission.yaml",
    ROOT / "templates" / "schemes" / "weighted_scorecard.yaml",
]
NOTEBOOK = ROOT / "notebooks" / "03_client_report.ipynb"


def make_clients(root: Path, n: int, employees: int, months: int) -> list[dict]:
    from kpitools.demo import write_demo

    clients = []
    for i in range(n):
        files = write_demo(
            root / f"client{i:02d}", seed=1000 + i, n_employees=employees, months=months
        )
        clients.append({"client": f"Client {i:02d}", "data": str(files["data"])})
    return clients


def write_manifest(path: Path, clients: list[dict], formats: str, draws: int) -> Path:
    manifest = {
        "defaults": {
            "design": str(DESIGN),
            "schemes": [str(s) for s in SCHEMES],
            "forecast_draws": draws,
            "formats": formats,
        },
        "clients": clients,
    }
    path.write_text(yaml.safe_dump(manifest, sort_keys=False))
    return path


def run_baseline(root: Path, clients: list[dict], draws: int) -> float:
    """The shell loop: one papermill and one nbconvert process per client, in sequence."""
    out = root / "baseline"
    out.mkdir()
    schemes = "[" + ", ".join(str(s) for s in SCHEMES) + "]"
    lines = ["set -e"]
    for i, c in enumerate(clients):
        nb = out / f"client{i:02d}.ipynb"
        lines.append(
            f"{BIN}/papermill -k python3 --no-progress-bar {NOTEBOOK} {nb} "
            f"-p client '{c['client']}' -p data '{c['data']}' -p design '{DESIGN}' "
            f"-y 'schemes: {schemes}' -p forecast_draws {draws}"
        )
        lines.append(f"{BIN}/jupyter nbconvert --to html --no-input {nb} --log-level ERROR")
    script = root / "baseline.sh"
    script.write_text("\n".join(lines) + "\n")
    started = time.perf_counter()
    subprocess.run(
        ["bash", str(script)], check=True, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def run_kpitools(manifest: Path, out: Path, jobs: int) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "kpitools"), "batch", str(manifest), "--out", str(out), "--jobs", str(jobs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"kpitools batch failed (exit code {done.returncode}):\n{done.stdout}")
    return seconds


def cell_seconds(notebooks: list[Path]) -> float:
    total = 0.0
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        total += sum(
            float(c.metadata.get("papermill", {}).get("duration") or 0.0)
            for c in nb.cells
            if c.cell_type == "code"
        )
    return total


def breakdown(out: Path) -> dict[str, float]:
    stages: dict[str, list[float]] = {}
    for manifest in sorted(out.glob("*/manifest.json")):
        timings = json.loads(manifest.read_text())["timings"]
        for stage in ("kernel_start", "execution", "export_html", "pdf", "total"):
            if stage in timings:
                stages.setdefault(stage, []).append(float(timings[stage]))
    return {stage: statistics.median(values) for stage, values in stages.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--employees", type=int, default=12)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        root = Path(tmp)
        clients = make_clients(root / "data", args.clients, args.employees, args.months)
        html_manifest = write_manifest(root / "html.yaml", clients, "html", args.draws)
        full_manifest = write_manifest(root / "full.yaml", clients, "html,pdf,xlsx", args.draws)
        print(
            f"{args.clients} demo clients ({args.employees} employees x {args.months} months, "
            f"{len(SCHEMES)} schemes, {args.draws} forecast draws), {cores} cores, "
            f"--jobs {args.jobs}; load average before: {os.getloadavg()[0]:.1f}"
        )
        baseline = None
        if not args.skip_baseline:
            baseline = run_baseline(root, clients, args.draws)
            floor_base = cell_seconds(sorted((root / "baseline").glob("*.ipynb")))
            print(f"shell loop papermill + nbconvert (html):  {baseline:7.1f} s")
        ours = run_kpitools(html_manifest, root / "html", args.jobs)
        print(f"kpitools batch (html):                    {ours:7.1f} s", end="")
        print(f"   {baseline / ours:.2f}x faster" if baseline else "")
        full = run_kpitools(full_manifest, root / "full", args.jobs)
        print(f"kpitools batch (html, pdf, xlsx):         {full:7.1f} s", end="")
        print(f"   {baseline / full:.2f}x faster" if baseline else "")
        cells = cell_seconds(sorted((root / "html").glob("*/report.ipynb")))
        floor = cells / cores
        print(
            f"floor (cell execution {cells:.1f} s / {cores} cores): {floor:7.1f} s   "
            f"html batch at {floor / ours:.0%} of the floor's speed"
        )
        if baseline:
            print(f"  (cell execution in the shell loop's notebooks: {floor_base:.1f} s)")
        print("per report, median seconds (full run):")
        for stage, value in breakdown(root / "full").items():
            print(f"  {stage:<13} {value:6.2f}")
        print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
