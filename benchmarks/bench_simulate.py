"""Benchmark of ``kpitools simulate`` end to end on a 1,000,000-row long CSV.

The command runs in a subprocess (load and validate the CSV, roll up, set targets, compute
payouts, metrics, write payouts.csv and metrics.csv). It is compared, in the same run, with
what pandas and pyarrow alone need for the same I/O: read that CSV and write the payouts.csv
the command wrote. Floors:

- pandas ``read_csv`` + pyarrow ``write_csv`` in this process (pandas already imported):
  the floor of issue 12, goal: the command within 3x of it;
- the same in a fresh Python process (start-up and the pandas/pyarrow imports counted, as
  they are for the command);
- pandas ``read_csv`` + ``DataFrame.to_csv`` (the first floor, goal 2x).

The same work is also measured like for like: the Python API (``kpitools.simulate`` and
``SimulationResult.save``, KPI library included) in this process against the in-process
floor, and the command against the fresh-process floor. The in-process floor pays neither
Python's start nor the imports of pandas and pyarrow (0.45 s here), which any command pays.

Then the command's time split into its steps (imports, KPI library, simulate, save), each
measured in one fresh process. Runs alternate (``--repeats``, best of). The package is
byte-compiled first, as ``make`` installs it (where ``PYTHONDONTWRITEBYTECODE`` is set, an
editable install would otherwise compile every module at each start).

Data: sales reps and key account managers, 36 months, the demo company's nine KPIs (targets
for revenue and units_sold); scheme: ``templates/schemes/tiered_accelerator.yaml``.

Run: ``.venv/bin/python benchmarks/bench_simulate.py [--rows N] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import compileall
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv

import kpitools

ROOT = Path(__file__).resolve().parent.parent
SCHEME = ROOT / "templates" / "schemes" / "tiered_accelerator.yaml"
KPIS = (
    "revenue",
    "units_sold",
    "new_clients",
    "leads",
    "meetings",
    "won_deals",
    "closed_deals",
    "gross_margin",
    "nps",
)
MONTHS = 36


def make_csv(path: Path, rows: int, seed: int = 0) -> int:
    """Write a long table of about ``rows`` rows; return the number written."""
    rng = np.random.default_rng(seed)
    n_emp = max(1, round(rows / (MONTHS * len(KPIS))))
    emp = np.array([f"E{i:05d}" for i in range(n_emp)], dtype=object)
    role = np.where(rng.random(n_emp) < 0.85, "sales_rep", "key_account_manager")
    skill = rng.lognormal(0.0, 0.3, n_emp) * np.where(role == "sales_rep", 1.0, 4.0)
    periods = np.array([f"{2024 + m // 12}-{m % 12 + 1:02d}" for m in range(MONTHS)], dtype=object)
    shape = (n_emp, MONTHS)
    units = rng.poisson(100 * skill[:, None] * rng.lognormal(0, 0.25, shape))
    revenue = np.round(units * rng.normal(3_000, 300, shape), 2)
    values = {
        "revenue": revenue,
        "units_sold": units.astype(float),
        "new_clients": rng.poisson(1.2, shape).astype(float),
        "leads": rng.poisson(40, shape).astype(float),
        "meetings": rng.poisson(25, shape).astype(float),
        "won_deals": rng.poisson(5, shape).astype(float),
        "closed_deals": rng.poisson(11, shape).astype(float),
        "gross_margin": np.round(revenue * 0.3, 2),
        "nps": np.round(rng.uniform(0, 100, shape), 1),
    }
    plan = 100 * skill[:, None] * np.ones(shape)
    targets = {
        "revenue": np.round(plan * 3_000, 2),
        "units_sold": np.round(plan),
    }
    k = len(KPIS)
    frame = pd.DataFrame(
        {
            "employee": np.repeat(emp, MONTHS * k),
            "period": np.tile(np.repeat(periods, k), n_emp),
            "kpi": np.tile(np.array(KPIS, dtype=object), n_emp * MONTHS),
            "actual": np.stack([values[x] for x in KPIS], axis=-1).reshape(-1),
            "target": np.stack(
                [targets.get(x, np.full(shape, np.nan)) for x in KPIS], axis=-1
            ).reshape(-1),
            "role": np.repeat(role, MONTHS * k),
        }
    )
    frame.to_csv(path, index=False)
    return len(frame)


FLOOR = r"""
import sys, time
import pandas as pd, pyarrow as pa, pyarrow.csv as pcsv
pd.read_csv(sys.argv[1])
t = time.perf_counter()
payouts = pd.read_csv(sys.argv[2], dtype={"employee": str})  # the table to write: not counted
print(time.perf_counter() - t)
pcsv.write_csv(pa.Table.from_pandas(payouts, preserve_index=False), sys.argv[3])
"""

STEPS = r"""
import sys, time, warnings
warnings.simplefilter("ignore")
t = time.perf_counter()
import kpitools.cli.simulate  # what the command imports
from kpitools.data import load_library
from kpitools.engine import simulate
marks = {"imports": time.perf_counter() - t}
t = time.perf_counter(); load_library(); marks["KPI library"] = time.perf_counter() - t
t = time.perf_counter(); result = simulate(sys.argv[1], sys.argv[2])
marks["simulate (load, run, metrics)"] = time.perf_counter() - t
t = time.perf_counter(); result.save(sys.argv[3])
marks["save (payouts.csv, metrics.csv)"] = time.perf_counter() - t
for k, v in marks.items():
    print(f"{k}\t{v}")
"""


def _python(code: str, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    exe = Path(sys.executable).with_name("kpitools")
    compileall.compile_dir(ROOT / "kpitools", quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = tmp / "long.csv"
        n = make_csv(data, args.rows)
        cli, floor_sub = [], []
        for i in range(args.repeats):  # alternating, so that the machine's load hits both
            out = tmp / f"out{i}"
            t0 = time.perf_counter()
            proc = subprocess.run(
                [str(exe), "simulate", "--data", str(data), "--scheme", str(SCHEME),
                 "--out", str(out)],
                capture_output=True,
                text=True,
            )  # fmt: skip
            cli.append(time.perf_counter() - t0)
            if proc.returncode != 0:
                sys.exit(f"kpitools simulate failed ({proc.returncode}):\n{proc.stderr}")
            t0 = time.perf_counter()
            aside = _python(FLOOR, str(data), str(out / "payouts.csv"), str(tmp / "floor.csv"))
            floor_sub.append(time.perf_counter() - t0 - float(aside))
        payouts = pd.read_csv(out / "payouts.csv", dtype={"employee": str})
        # The floors in this process (pandas imported): read the input, write the payouts.
        t0 = time.perf_counter()
        pd.read_csv(data)
        payouts.to_csv(tmp / "copy.csv", index=False)
        t_floor = time.perf_counter() - t0
        t_arrow, t_api = [], []
        for i in range(args.repeats):
            t0 = time.perf_counter()
            pd.read_csv(data)
            pcsv.write_csv(pa.Table.from_pandas(payouts, preserve_index=False), tmp / "c2.csv")
            t_arrow.append(time.perf_counter() - t0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the data's warnings, as the command prints them
                t0 = time.perf_counter()
                kpitools.simulate(data, SCHEME).save(tmp / f"api{i}")
                t_api.append(time.perf_counter() - t0)
        steps = _python(STEPS, str(data), str(SCHEME), str(tmp / "steps"))
        mb_in = data.stat().st_size / 1e6
        mb_out = (out / "payouts.csv").stat().st_size / 1e6
    t_cli, t_sub, t_pa, t_in = min(cli), min(floor_sub), min(t_arrow), min(t_api)
    load1, _, _ = os.getloadavg()
    print(
        f"input: {n:,} rows ({mb_in:.0f} MB); payouts.csv: {len(payouts):,} rows ({mb_out:.0f} MB)"
    )
    print(f"best of {args.repeats}; {os.cpu_count()} CPUs, load average {load1:.1f} (1 min)")
    print(f"kpitools simulate (subprocess, end to end):            {t_cli:6.2f} s")
    print(f"kpitools.simulate(...).save(...) (in process):          {t_in:6.2f} s")
    print(f"floor, pandas read_csv + pyarrow write_csv (in process): {t_pa:6.2f} s")
    print(f"floor, the same in a fresh Python (start, import pandas): {t_sub:6.2f} s")
    print(f"pandas read_csv + DataFrame.to_csv (in process):        {t_floor:6.2f} s")
    ratio = t_cli / t_pa
    print(f"ratio to the pyarrow floor:          {ratio:5.2f}x (goal <= 3x) -> "
          f"{'met' if ratio <= 3 else 'MISSED'}")  # fmt: skip
    print(f"ratio to the same floor, subprocess: {t_cli / t_sub:5.2f}x (like for like: "
          f"{'met' if t_cli <= 3 * t_sub else 'MISSED'})")  # fmt: skip
    print(f"API in process / in-process floor:   {t_in / t_pa:5.2f}x (like for like: "
          f"{'met' if t_in <= 3 * t_pa else 'MISSED'})")  # fmt: skip
    print(f"ratio to read_csv + to_csv:          {t_cli / t_floor:5.2f}x (goal <= 2x) -> "
          f"{'met' if t_cli <= 2 * t_floor else 'MISSED'}")  # fmt: skip
    print("where the command's time goes (one fresh process):")
    for line in steps.strip().splitlines():
        name, seconds = line.split("\t")
        print(f"  {name:<34}{float(seconds):6.2f} s")
    if load1 > (os.cpu_count() or 1):
        print("note: the machine was busy (load above the CPU count): wall times are noisy.")


if __name__ == "__main__":
    main()
