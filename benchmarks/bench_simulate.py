"""Benchmark of ``kpitools simulate`` end to end on a 1,000,000-row long CSV.

The command runs in a subprocess (load and validate the CSV, roll up, set targets, compute
payouts, metrics, write payouts.csv and metrics.csv). It is compared with what pandas alone
needs to do the same I/O: read that CSV and write a table as large as the payouts.csv the
command wrote (with ``DataFrame.to_csv``). Goal: within 2x of that floor. A stricter floor
(the same read, written with the pyarrow CSV writer kpitools itself uses) is printed too.

Data: sales reps and key account managers, 36 months, the demo company's nine KPIs (targets
for revenue and units_sold); scheme: ``templates/schemes/tiered_accelerator.yaml``.

Run: ``.venv/bin/python benchmarks/bench_simulate.py [--rows N]``
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    exe = Path(sys.executable).with_name("kpitools")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = tmp / "long.csv"
        n = make_csv(data, args.rows)
        out = tmp / "out"
        t0 = time.perf_counter()
        proc = subprocess.run(
            [str(exe), "simulate", "--data", str(data), "--scheme", str(SCHEME), "--out", str(out)],
            capture_output=True,
            text=True,
        )
        t_cli = time.perf_counter() - t0
        if proc.returncode != 0:
            sys.exit(f"kpitools simulate failed ({proc.returncode}):\n{proc.stderr}")
        payouts = pd.read_csv(out / "payouts.csv", dtype={"employee": str})
        # The floor: pandas reading the input and writing a table the size of payouts.csv.
        t0 = time.perf_counter()
        pd.read_csv(data)
        payouts.to_csv(tmp / "copy.csv", index=False)
        t_floor = time.perf_counter() - t0
        # A stricter floor: the same read, written with the pyarrow CSV writer kpitools uses.
        from kpitools.engine import write_csv

        t0 = time.perf_counter()
        pd.read_csv(data)
        write_csv(payouts, tmp / "copy2.csv")
        t_arrow = time.perf_counter() - t0
        mb_in = data.stat().st_size / 1e6
        mb_out = (out / "payouts.csv").stat().st_size / 1e6
    ratio = t_cli / t_floor
    print(
        f"input: {n:,} rows ({mb_in:.0f} MB); payouts.csv: {len(payouts):,} rows ({mb_out:.0f} MB)"
    )
    print(f"kpitools simulate (subprocess, end to end): {t_cli:6.2f} s")
    print(f"pandas read_csv + to_csv of the same size:  {t_floor:6.2f} s")
    print(f"ratio: {ratio:.2f}x (goal: within 2x) -> {'OK' if ratio <= 2 else 'ABOVE GOAL'}")
    print(
        f"stricter floor, pandas read_csv + pyarrow write_csv: {t_arrow:6.2f} s "
        f"(ratio {t_cli / t_arrow:.2f}x)"
    )


if __name__ == "__main__":
    main()
