"""Benchmark of the forecast: 10,000 simulated periods × 500 employees × 3 KPIs.

The forecast runs in a subprocess so that its peak memory (the child's maximum resident set
size) is measured alone. Data: 500 employees, 24 months, three KPIs; scheme: three weighted
curve components (points, steps, linear) with a cap. Goal: under 10 s and under 2 GiB.

Run: ``.venv/bin/python benchmarks/bench_forecast.py [--draws N] [--employees N]``
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

SCHEME = {
    "name": "bench forecast",
    "period": "month",
    "on_target_pay": 40_000,
    "revenue_kpi": "revenue",
    "budget": 20_000_000,
    "components": [
        {
            "kpi": "revenue",
            "weight": 0.5,
            "target": {"method": "percentile", "q": 0.5, "of": "own", "window": 12},
            "curve": {"points": [[0.8, 0.5], [1.0, 1.0], [1.0, 1.2], [1.5, 2.0]]},
        },
        {
            "kpi": "new_clients",
            "weight": 0.3,
            "target": {"method": "fixed", "value": 2},
            "curve": {"steps": [[0.5, 0.5], [1.0, 1.0], [1.5, 1.3]]},
        },
        {
            "kpi": "meetings",
            "weight": 0.2,
            "target": {"method": "fixed", "value": 25},
            "curve": {"linear": {"slope": 1.0, "threshold": 0.7, "cap": 1.5}},
        },
    ],
    "cap": 2.5,
}


def make_data(employees: int, months: int = 24, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    skill = rng.lognormal(0, 0.3, employees)
    shape = (employees, months)
    values = {
        "revenue": np.round(400_000 * skill[:, None] * rng.lognormal(0, 0.25, shape), 2),
        "new_clients": rng.poisson(2 * skill[:, None] * np.ones(shape)).astype(float),
        "meetings": rng.poisson(25 * skill[:, None] * np.ones(shape)).astype(float),
    }
    kpis = list(values)
    periods = np.array([f"{2025 + m // 12}-{m % 12 + 1:02d}" for m in range(months)], dtype=object)
    emp = np.array([f"E{i:04d}" for i in range(employees)], dtype=object)
    return pd.DataFrame(
        {
            "employee": np.repeat(emp, months * len(kpis)),
            "period": np.tile(np.repeat(periods, len(kpis)), employees),
            "kpi": np.tile(np.array(kpis, dtype=object), employees * months),
            "actual": np.stack([values[k] for k in kpis], axis=-1).reshape(-1),
        }
    )


def child(draws: int, employees: int) -> None:
    from kpitools.engine import forecast

    data = make_data(employees)
    t0 = time.perf_counter()
    fc = forecast(data, SCHEME, n=draws, seed=1, library=False)
    elapsed = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "employees": fc.employees,
                "draws": fc.n,
                "p5": fc.total_cost_p5,
                "p50": fc.total_cost_p50,
                "p95": fc.total_cost_p95,
                "over": fc.prob_over_budget,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--employees", type=int, default=500)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.draws, args.employees)
        return
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            "--draws",
            str(args.draws),
            "--employees",
            str(args.employees),
        ],
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"forecast failed:\n{proc.stderr}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2  # KiB → GiB
    rows = res["draws"] * res["employees"]
    print(
        f"forecast: {res['draws']:,} draws × {res['employees']} employees × 3 KPIs "
        f"({rows:,} employee-periods)"
    )
    print(
        f"forecast() time: {res['seconds']:.2f} s (goal < 10 s) -> "
        f"{'OK' if res['seconds'] < 10 else 'ABOVE GOAL'}"
    )
    print(f"subprocess wall time incl. imports and data: {wall:.2f} s")
    print(
        f"peak memory (child max RSS): {peak_gib:.2f} GiB (goal < 2 GiB) -> "
        f"{'OK' if peak_gib < 2 else 'ABOVE GOAL'}"
    )
    print(
        f"total_cost p5 {res['p5']:,.0f}, p50 {res['p50']:,.0f}, p95 {res['p95']:,.0f}; "
        f"P(cost > budget) {res['over']:.1%}"
    )


if __name__ == "__main__":
    main()
