"""Benchmark of team and manager pay: 10,000 employees × 12 months, own vs team vs reports.

The same long table (revenue with a quota per employee-month; teams of 10, each with a manager
who has no rows of their own) runs side by side in one process under three schemes:

- ``own``: one revenue component on each employee's own attainment;
- ``team``: half own, half on the team's attainment (``scope: team``);
- ``override``: the managers only (``roles: [manager]``), on their reports (``scope: reports``).

Prints the time of ``run_scheme`` (prepare + compute + payout tables) for each and the ratio
to ``own`` (goal: team and manager pay within 3× a plain run: the members are prepared once
more, the group sums are one ``np.bincount``), and checks the override against a plain
pandas group-by of the same sums.

Run: ``.venv/bin/python benchmarks/bench_scope.py [--employees N] [--months N] [--repeat N]``
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from _timing import best_of

from kpitools.data import load_roster
from kpitools.engine import run_scheme

CURVE = {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]}
QUOTA = {"method": "from_data"}


def schemes() -> dict[str, dict]:
    """The three schemes of the benchmark."""
    own = {"kpi": "revenue", "weight": 1.0, "target": QUOTA, "curve": CURVE}
    half = {**own, "weight": 0.5}
    return {
        "own": {"name": "own", "on_target_pay": 1000, "roles": ["rep"], "components": [own]},
        "team": {"name": "team", "on_target_pay": 1000, "roles": ["rep"],
                 "components": [half, {**half, "scope": "team"}]},
        "override": {"name": "override", "on_target_pay": 5000, "roles": ["manager"],
                     "components": [{**own, "scope": "reports"}]},
    }  # fmt: skip


def make_data(employees: int, months: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Revenue and quota per employee-month, and a roster of teams of 10 with their managers."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"E{i:06d}" for i in range(employees)], dtype=object)
    labels = np.array([f"{2020 + m // 12}-{m % 12 + 1:02d}" for m in range(months)], dtype=object)
    quota = rng.integers(50, 150, employees) * 1_000.0
    n = employees * months
    data = pd.DataFrame(
        {
            "employee": np.repeat(ids, months),
            "period": np.tile(labels, employees),
            "kpi": "revenue",
            "actual": np.round(np.repeat(quota, months) * rng.lognormal(0, 0.3, n), 2),
            "target": np.repeat(quota, months),
            "role": "rep",
        }
    )
    team = np.arange(employees) // 10
    bosses = np.array([f"M{t:05d}" for t in range(team.max() + 1)], dtype=object)
    roster = pd.DataFrame(
        {
            "employee": np.concatenate([ids, bosses]),
            "role": ["rep"] * employees + ["manager"] * bosses.size,
            "team": np.concatenate([team, np.arange(bosses.size)]).astype(str),
            "manager": np.concatenate([bosses[team], [None] * bosses.size]),
        }
    )
    return data, roster


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data, roster_frame = make_data(args.employees, args.months)
    roster = load_roster(roster_frame)
    managers = int(roster_frame["role"].eq("manager").sum())
    print(
        f"{args.employees:,} employees × {args.months} months ({len(data):,} rows), "
        f"{managers:,} managers; best of {args.repeat}"
    )
    times, runs = {}, {}
    for name, scheme in schemes().items():
        times[name], runs[name] = best_of(
            lambda s=scheme: run_scheme(data, s, roster=roster, library=False), args.repeat
        )
        rows = len(runs[name].totals)
        ratio = times[name] / times["own"]
        print(f"  {name:<9} run_scheme {times[name]:7.3f} s  {rows:>9,} employee-periods  "
              f"{ratio:4.1f}× own")  # fmt: skip
    # the override against a plain group-by of the same sums
    by = data.assign(manager=data["employee"].map(roster_frame.set_index("employee")["manager"]))
    sums = by.groupby(["manager", "period"])[["actual", "target"]].sum()
    att = np.round(sums["actual"] / sums["target"], 12).to_numpy()
    factor = np.where(att < 0.8, 0.0, np.interp(att, [0.8, 1.0, 1.5], [0.5, 1.0, 2.0]))
    expected = np.floor(np.round(5000 * factor * 100, 6) + 0.5) / 100
    got = runs["override"].totals.set_index(["employee", "period"])["payout"]
    got = got.reindex(sums.index).to_numpy()
    print(f"  override = plain group-by to the cent: {bool(np.array_equal(got, expected))}")
    worst = max(times["team"], times["override"]) / times["own"]
    print(f"goal: team and manager pay within 3× a plain run: {worst:.1f}× "
          f"({'met' if worst <= 3 else 'NOT met'})")  # fmt: skip


if __name__ == "__main__":
    main()
