"""Benchmark: converting a run's amounts into its currency (``kpitools.engine.convert_inputs``).

A seeded long table of 1,000,000 rows (2,000 employees × 50 months × 10 KPIs, half of them
money KPIs of the shipped library), with a roster paying a third of the employees in EUR and
a sixth in GBP, and 5% of the rows written in USD (``$1,100`` keeps its dollars). The run is
in RUB with ``fx: {EUR: 100, GBP: 115, USD: 90}``.

Measured side by side in one process, best of ``--repeats``:

- ``convert_inputs``: the engine's vectorised conversion (every money row and the roster's
  pay), as ``load_inputs`` runs it after the roster join;
- the same rule row by row in Python (the obvious loop), on a sample of ``--loop-rows``
  rows, scaled to the whole table;
- for scale, ``roll_up`` of the table to quarters (what every run does next).

The two conversions are checked to give the same amounts. Goal: the conversion costs at
most a quarter of the roll-up it precedes, and is at least 20× faster than the loop.

Run::

    .venv/bin/python benchmarks/bench_currency.py             # 1,000,000 rows
    .venv/bin/python benchmarks/bench_currency.py --rows 100000 --repeats 3
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from kpitools.data import load_library, load_roster, roll_up
from kpitools.engine import RunCurrency, convert_inputs

MONEY = ["revenue", "cogs", "marketing_cost", "discount_given", "forecast_revenue"]
COUNTS = ["units_sold", "new_clients", "leads", "meetings", "won_deals"]


def make_inputs(rows: int, seed: int = 20250101) -> tuple[pd.DataFrame, object]:
    """The seeded long table (with written currencies) and the roster."""
    rng = np.random.default_rng(seed)
    kpis = np.array(MONEY + COUNTS)
    n_emp = max(6, min(2000, rows // 500))
    n_per = max(1, rows // (n_emp * len(kpis)))
    employees = np.array([f"E{i:04d}" for i in range(n_emp)])
    periods = np.array([f"{2021 + m // 12}-{m % 12 + 1:02d}" for m in range(n_per)])
    e, p, k = np.meshgrid(np.arange(n_emp), np.arange(n_per), np.arange(len(kpis)), indexing="ij")
    n = e.size
    written = np.where(rng.random(n) < 0.05, "USD", None).astype(object)
    table = pd.DataFrame(
        {
            "employee": employees[e.ravel()],
            "period": periods[p.ravel()],
            "kpi": kpis[k.ravel()],
            "actual": rng.gamma(2.0, 5000.0, n).round(2),
            "target": rng.gamma(2.0, 5000.0, n).round(2),
            "currency": pd.array(written, dtype="str"),
        }
    )
    paid = np.array(["RUB", "RUB", "EUR", "EUR", "GBP", "RUB"])[np.arange(n_emp) % 6]
    roster = load_roster(
        pd.DataFrame(
            {
                "employee": employees,
                "currency": paid,
                "on_target_pay": rng.integers(50_000, 150_000, n_emp).astype(float),
            }
        )
    )
    return table, roster


def by_loop(table: pd.DataFrame, roster, run: RunCurrency, library) -> list[float]:
    """The rule row by row: written currency, else the pay currency for money KPIs."""
    paid = dict(zip(roster.table["employee"], roster.table["currency"], strict=True))
    units = {}
    out = []
    for emp, kpi, actual, cur in zip(
        table["employee"], table["kpi"], table["actual"], table["currency"], strict=True
    ):
        if kpi not in units:
            found = library.get(kpi)
            units[kpi] = getattr(found, "unit", None)
        money = units[kpi] == "currency"
        code = cur if isinstance(cur, str) else (paid.get(emp) if money else None)
        out.append(actual * (run.rate(code) or np.nan))
    return out


def best(fn, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    """Print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--loop-rows", type=int, default=50_000)
    args = ap.parse_args()
    table, roster = make_inputs(args.rows)
    library = load_library()
    run = RunCurrency(code="RUB", fx={"EUR": 100.0, "GBP": 115.0, "USD": 90.0}, source="bench")

    def vectorised():
        return convert_inputs(table, roster, run, library=library)

    t_vec, (converted, _, _) = best(vectorised, args.repeats)
    sample = table.iloc[: min(args.loop_rows, len(table))]
    t_loop_sample, looped = best(lambda: by_loop(sample, roster, run, library), 1)
    t_loop = t_loop_sample * len(table) / len(sample)
    assert np.allclose(converted["actual"].to_numpy()[: len(sample)], looped)
    t_roll, _ = best(lambda: roll_up(converted, "quarter", library=library), args.repeats)
    n_conv = int((converted["actual"].to_numpy() != table["actual"].to_numpy()).sum())
    print(f"rows: {len(table):,} ({n_conv:,} amounts converted), best of {args.repeats}")
    print(f"convert_inputs (vectorised):      {t_vec * 1000:9.1f} ms")
    print(
        f"row-by-row loop (scaled from {len(sample):,}): {t_loop * 1000:9.1f} ms   "
        f"→ vectorised is {t_loop / t_vec:,.0f}× faster"
    )
    print(
        f"roll_up to quarters (for scale):  {t_roll * 1000:9.1f} ms   "
        f"→ conversion is {t_vec / t_roll:.0%} of it"
    )


if __name__ == "__main__":
    main()
