"""Benchmark: the client report against the release it replaces, side by side in one run.

    .venv/bin/python benchmarks/bench_report.py [--release main] [--clients 12] [--jobs 2]

The release is the code of a git revision (default: where this branch left ``main``),
unpacked with ``git archive`` into a temporary folder and run by the same Python with that
folder first on ``PYTHONPATH``; this worktree's code runs as installed. Both make:

1. one report of the demo company (its history, roster, the b2b design and the four
   template schemes; HTML, PDF and XLSX), timed end to end (``kpitools report``);
2. a batch of ``--clients`` small generated clients (``kpitools batch``, HTML, PDF and
   XLSX, ``--jobs`` in parallel).

Each is run ``--repeat`` times, alternating release and this code, and the median is
kept. Printed: seconds, the ratio (this ÷ release; the issue asks at most 1.2), and the
PDF's page count and size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEMES = ["weighted_scorecard", "tiered_accelerator", "linear_commission", "team_pool"]


def unpack_release(revision: str, into: Path) -> Path:
    """The code of ``revision`` (kpitools/, templates/, notebooks/) in ``into``."""
    base = (
        subprocess.run(
            ["git", "merge-base", "HEAD", revision], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        or revision
    )
    archive = subprocess.run(
        ["git", "archive", base, "kpitools", "templates", "notebooks"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    # the release as a package: templates/ and notebooks/ sit beside kpitools/, as in a
    # source checkout (kpitools._util.files.shipped finds them there)
    print(f"release: {revision} at {base[:10]}")
    return into


def _env(release: Path | None) -> dict:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if release is not None:
        env["PYTHONPATH"] = str(release)
    return env


def _kpitools(args: list[str], release: Path | None, cwd: Path) -> float:
    command = [sys.executable, "-c", "from kpitools.cli import main; main()", *args]
    t0 = time.perf_counter()
    proc = subprocess.run(command, env=_env(release), cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"failed ({'release' if release else 'this'}): {proc.stderr[-2000:]}")
    return seconds


def single_report(demo: Path, out: Path, release: Path | None, code_root: Path) -> float:
    schemes = [
        arg
        for name in SCHEMES
        for arg in ("--scheme", str(code_root / "templates" / "schemes" / f"{name}.yaml"))
    ]
    args = [
        "report",
        "--client",
        "Northstar Components",
        "--data",
        str(demo / "data.csv"),
        "--roster",
        str(demo / "roster.csv"),
        "--design",
        str(code_root / "templates" / "designs" / "b2b_sales.yaml"),
        *schemes,
        "--out",
        str(out),
    ]
    return _kpitools(args, release, out.parent)


def batch(manifest: Path, out: Path, jobs: int, release: Path | None) -> float:
    args = ["batch", str(manifest), "--out", str(out), "--jobs", str(jobs)]
    return _kpitools(args, release, out.parent)


def write_clients(root: Path, n: int) -> Path:
    from kpitools.demo import write_demo

    clients = []
    for i in range(n):
        files = write_demo(root / f"client{i:02d}", seed=2000 + i, n_employees=8, months=15)
        clients.append({"client": f"Client {i:02d}", "data": str(files["data"])})
    manifest = {
        "defaults": {
            "design": str(ROOT / "templates" / "designs" / "b2b_sales.yaml"),
            "schemes": [str(ROOT / "templates" / "schemes" / f"{s}.yaml") for s in SCHEMES[:2]],
            "formats": "html,pdf,xlsx",
            "forecast_draws": 200,
        },
        "clients": clients,
    }
    path = root / "manifest.yaml"
    path.write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return path


def pdf_figures(folder: Path) -> tuple[int, float]:
    from pypdf import PdfReader

    pdf = next(folder.rglob("report.pdf"))
    return len(PdfReader(pdf).pages), pdf.stat().st_size / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", default="main")
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    from kpitools.demo import write_demo

    with tempfile.TemporaryDirectory(prefix="bench_report_") as tmp:
        tmp = Path(tmp)
        release = unpack_release(args.release, tmp / "release")
        demo = tmp / "demo"
        write_demo(demo, seed=2027, n_employees=60, months=36)
        manifest = write_clients(tmp / "clients", args.clients)
        times: dict[str, list[float]] = {}
        for run in range(args.repeat):
            for label, code, root in (("release", release, release), ("this", None, ROOT)):
                out = tmp / f"{label}-{run}"
                out.mkdir()
                times.setdefault(f"report {label}", []).append(
                    single_report(demo, out / "one", code, root)
                )
                times.setdefault(f"batch {label}", []).append(
                    batch(manifest, out / "batch", args.jobs, code)
                )
                if run == 0:
                    pages, size = pdf_figures(out / "one")
                    print(f"{label:8s} demo report PDF: {pages} pages, {size:.2f} MB")
        median = {k: statistics.median(v) for k, v in times.items()}
        print(
            f"\none report (demo company, 60 employees × 36 months, 4 schemes), median of "
            f"{args.repeat}:"
        )
        print(f"  release {median['report release']:7.1f} s")
        print(
            f"  this    {median['report this']:7.1f} s   "
            f"ratio {median['report this'] / median['report release']:.2f}×"
        )
        print(
            f"batch of {args.clients} clients (8 employees × 15 months, 2 schemes, "
            f"--jobs {args.jobs}):"
        )
        print(f"  release {median['batch release']:7.1f} s")
        print(
            f"  this    {median['batch this']:7.1f} s   "
            f"ratio {median['batch this'] / median['batch release']:.2f}×"
        )


if __name__ == "__main__":
    main()
