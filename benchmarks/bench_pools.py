"""Benchmark of rated objectives, a funded pool and a SPIF window on 120,000 employee-periods.

The same weighted plan (revenue on a curve) runs on the same long table side by side in one
process: plain, and with a rated objective (``basis: score``), a SPIF paid per unit inside a
three-month window and a pool funded by margin (``distribute: all``). Prints the time of
``run_scheme`` (prepare + compute + the payout tables) and of ``compute`` alone for each, and
the ratios (goal: within 1.5x), and checks that the pieces did something.

Run: ``.venv/bin/python benchmarks/bench_pools.py [--employees N] [--months N]``
"""

from __future__ import annotations

import argparse
import os

import numpy as np
import pandas as pd
from _timing import best_of

from kpitools.engine import compute, prepare, run_scheme
from kpitools.scheme import load_scheme

PLAIN = {
    "name": "plain",
    "period": "month",
    "on_target_pay": 1000,
    "components": [
        {
            "kpi": "revenue",
            "weight": 0.7,
            "target": {"method": "fixed", "value": 100_000},
            "curve": {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]},
        },
        {
            "kpi": "meetings",
            "weight": 0.3,
            "target": {"method": "fixed", "value": 20},
            "curve": {"points": [[0.5, 0.0], [1.0, 1.0], [2.0, 1.5]]},
        },
    ],
    "cap": 2.5,
}
RATED = {
    **PLAIN,
    "name": "rated, SPIF, funded pool",
    "components": [
        PLAIN["components"][0],
        {
            "kpi": "rating",
            "weight": 0.3,
            "basis": "score",
            "missing": "target",
            "curve": {"points": [[0, 0], [3, 1], [5, 1.5]]},
        },
        {
            "kpi": "units",
            "commission": {"per_unit": 5},
            "active": {"from": "2025-10", "to": "2025-12"},
        },
    ],
    "pool": {"funded_by": {"kpi": "margin", "rate": 0.05, "above": 0}, "distribute": "all"},
}


def make_data(employees: int, months: int, seed: int = 0) -> pd.DataFrame:
    """Revenue, meetings, units, margin and a 0-5 rating (5% missing) per employee-month."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"E{i:06d}" for i in range(employees)], dtype=object)
    labels = np.array([f"{2025 + m // 12}-{m % 12 + 1:02d}" for m in range(months)], dtype=object)
    emp, month = np.divmod(np.arange(employees * months), months)
    n = emp.size
    frame = {"employee": ids[emp], "period": labels[month]}
    revenue = np.round(rng.gamma(9.0, 100_000 / 9.0, n), 2)
    rated = rng.random(n) > 0.05
    parts = [
        pd.DataFrame({**frame, "kpi": "revenue", "actual": revenue}),
        pd.DataFrame({**frame, "kpi": "meetings", "actual": rng.poisson(20, n).astype(float)}),
        pd.DataFrame({**frame, "kpi": "units", "actual": rng.poisson(30, n).astype(float)}),
        pd.DataFrame({**frame, "kpi": "margin", "actual": np.round(revenue * 0.25, 2)}),
        pd.DataFrame(
            {
                "employee": frame["employee"][rated],
                "period": frame["period"][rated],
                "kpi": "rating",
                "actual": np.round(rng.uniform(0, 5, rated.sum()) * 2) / 2,
            }
        ),
    ]
    return pd.concat(parts, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    long = make_data(args.employees, args.months)
    plain, rated = load_scheme(PLAIN), load_scheme(RATED)

    t_plain = t_rated = float("inf")
    run_plain = run_rated = None
    for _ in range(args.repeat):  # side by side, alternating, best of each
        t, run_plain = best_of(lambda: run_scheme(long, plain, library=False), 1)
        t_plain = min(t_plain, t)
        t, run_rated = best_of(lambda: run_scheme(long, rated, library=False), 1)
        t_rated = min(t_rated, t)
    inp_plain = prepare(long, plain, library=False)
    inp_rated = prepare(long, rated, library=False)
    c_plain, _ = best_of(lambda: compute(plain, inp_plain), args.repeat)
    c_rated, _ = best_of(lambda: compute(rated, inp_rated), args.repeat)

    pools = run_rated.pools
    spif = run_rated.arrays.component_payout[2]
    assert (pools["paid"].round(2) == pools["pool"].round(2)).all(), "the pool was not paid out"
    assert spif.sum() > 0 and (spif[run_rated.inputs.keys["period"] < "2025-10"] == 0).all()

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load} (shared: times vary)")
    print(
        f"ratings, pools and SPIF benchmark: {len(long):,} long rows, "
        f"{len(run_rated.totals):,} employee-periods ({args.employees:,} employees over "
        f"{args.months} months)"
    )
    print(f"  run_scheme plain                         {t_plain * 1000:9.1f} ms")
    print(
        f"  run_scheme rated + SPIF + funded pool    {t_rated * 1000:9.1f} ms   "
        f"ratio {t_rated / t_plain:.2f}x (goal <= 1.5x)"
    )
    print(f"  compute plain                            {c_plain * 1000:9.1f} ms")
    print(
        f"  compute rated + SPIF + funded pool       {c_rated * 1000:9.1f} ms   "
        f"ratio {c_rated / c_plain:.2f}x"
    )
    print(
        f"  did something: {len(pools)} pools paid out in full "
        f"({pools['pool'].sum():,.2f} in all), SPIF {spif.sum():,.2f}, "
        f"{int(np.isnan(run_rated.inputs.actual[1]).sum()):,} unrated paid as on target"
    )


if __name__ == "__main__":
    main()
