"""Benchmark of the plan mechanics: 1,000,000 employee-periods with and without them.

The same scheme (a monthly curve on revenue, a commission, a cap) runs on the same long
table twice, side by side in one process: plain, and with proration from a roster (hires
and leavers part-way through a month, part-timers), a year-to-date true-up and a
recoverable draw for the first months after hire. Prints the time of ``run_scheme``
(prepare + compute + the payout tables) and of ``compute`` alone for each, and the ratio
(goal: within 2x). Checks that the mechanics did something (prorated rows, carried
shortfalls, draws paid).

Run: ``.venv/bin/python benchmarks/bench_mechanics.py [--employees N] [--months N]``
"""

from __future__ import annotations

import argparse
import os

import numpy as np
import pandas as pd
from _timing import best_of

from kpitools.data import load_roster
from kpitools.engine import compute, prepare, run_scheme
from kpitools.scheme import load_scheme

PLAIN = {
    "name": "plain",
    "period": "month",
    "on_target_pay": 1000,
    "components": [
        {
            "kpi": "revenue",
            "weight": 1.0,
            "target": {"method": "fixed", "value": 100_000},
            "curve": {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]},
        },
        {"kpi": "margin", "commission": {"rate": 0.01}},
    ],
    "cap": 2.5,
}
MECHANICS = {
    **PLAIN,
    "name": "mechanics",
    "true_up": {"over": "year", "shortfall": "carry"},
    "draw": {"amount": 800, "recoverable": True, "for_first": 6},
}


def make_data(employees: int, months: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A long table (revenue and margin per employee-month while employed) and its roster.

    Everyone has rows exactly in the months they were employed, so both runs evaluate the
    same employee-periods; hires and leavers join or leave part-way through a month, and
    one in four works part time.
    """
    rng = np.random.default_rng(seed)
    ids = np.array([f"E{i:06d}" for i in range(employees)], dtype=object)
    labels = np.array([f"{2020 + m // 12}-{m % 12 + 1:02d}" for m in range(months)], dtype=object)
    first = np.where(rng.random(employees) < 0.6, 0, rng.integers(1, months, employees))
    last = np.where(rng.random(employees) < 0.8, months - 1, rng.integers(first, months))
    count = last - first + 1
    emp = np.repeat(np.arange(employees), count)
    month = (
        np.repeat(first, count)
        + np.arange(count.sum())
        - np.repeat(np.cumsum(count) - count, count)
    )
    n = emp.size
    revenue = np.round(rng.gamma(9.0, 100_000 / 9.0, n), 2)
    margin = np.round(revenue * rng.uniform(0.1, 0.4, n), 2)
    frame = {"employee": ids[emp], "period": labels[month]}
    long = pd.concat(
        [
            pd.DataFrame({**frame, "kpi": "revenue", "actual": revenue}),
            pd.DataFrame({**frame, "kpi": "margin", "actual": margin}),
        ],
        ignore_index=True,
    )
    start = np.datetime64("2020-01", "M")
    hire_day = rng.integers(1, 28, employees).astype("timedelta64[D]")
    hire = np.where(first > 0, (start + first).astype("datetime64[D]") + hire_day,
                    np.datetime64("2015-03-01"))  # fmt: skip
    leave_day = rng.integers(0, 27, employees).astype("timedelta64[D]")
    leave = np.maximum((start + last).astype("datetime64[D]") + leave_day, hire)
    roster = pd.DataFrame(
        {
            "employee": ids,
            "hire_date": hire.astype(str),
            "leave_date": np.where(last < months - 1, leave.astype(str), ""),
            "fte": rng.choice([1.0, 1.0, 1.0, 0.8, 0.5], employees),
        }
    )
    return long, roster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=29_000)
    parser.add_argument("--months", type=int, default=48)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    long, roster_frame = make_data(args.employees, args.months)
    roster = load_roster(roster_frame)
    plain, mech = load_scheme(PLAIN), load_scheme(MECHANICS)

    # side by side, alternating, best of each
    t_plain, t_mech = float("inf"), float("inf")
    run_plain = run_mech = None
    for _ in range(args.repeat):
        t, run_plain = best_of(lambda: run_scheme(long, plain, library=False), 1)
        t_plain = min(t_plain, t)
        t, run_mech = best_of(lambda: run_scheme(long, mech, library=False, roster=roster), 1)
        t_mech = min(t_mech, t)
    inp_plain = prepare(long, plain, library=False)
    inp_mech = prepare(long, mech, library=False, roster=roster)
    c_plain, _ = best_of(lambda: compute(plain, inp_plain), args.repeat)
    c_mech, _ = best_of(lambda: compute(mech, inp_mech), args.repeat)

    t = run_mech.totals
    prorated = int((t["proration"] < 1).sum())
    carried = int(((t["due"] == 0) & (t["earned"] > 0)).sum())
    drawn = int((t["payment"] > t["due"] + 0.005).sum())
    assert prorated and carried and drawn, "the mechanics did nothing"

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load} (shared: times vary)")
    print(
        f"plan mechanics benchmark: {len(long):,} long rows, {len(run_plain.totals):,} "
        f"employee-periods without the mechanics, {len(t):,} with them ({args.employees:,} "
        f"employees over {args.months} months, each with rows while employed)"
    )
    print(f"  best of {args.repeat}, alternating (this machine's big runs vary up to 2x)")
    print(f"  run_scheme plain                         {t_plain * 1000:9.1f} ms")
    print(
        f"  run_scheme with proration, true-up, draw {t_mech * 1000:9.1f} ms   "
        f"ratio {t_mech / t_plain:.2f}x (goal <= 2x)"
    )
    print(f"  compute plain                            {c_plain * 1000:9.1f} ms")
    print(
        f"  compute with true-up and draw            {c_mech * 1000:9.1f} ms   "
        f"ratio {c_mech / c_plain:.2f}x"
    )
    print(
        f"  did something: {prorated:,} prorated employee-periods, {carried:,} carried "
        f"shortfalls, {drawn:,} draws paid; total {t['payment'].sum():,.2f} "
        f"(plain {run_plain.totals['payout'].sum():,.2f})"
    )


if __name__ == "__main__":
    main()
