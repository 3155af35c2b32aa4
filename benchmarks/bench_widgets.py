"""Benchmark of the what-if explorer: latency from a control change to metrics and plots.

Builds a :class:`kpitools.whatif.SchemeExplorer` on the demo company (60 people × 36 months,
then 1,000 people × 36 months) with the weighted scorecard (3 components, a gate, a
modifier), and times ``control.value = x``, which is synchronous: when it returns, the
scheme, the metrics, the four figures (PNG) and the tables are all up to date.

- fast path: controls that leave targets alone (cap, threshold, excellence, weight, pay):
  only :func:`kpitools.engine.payout.compute` runs again on the prepared arrays;
- target changes: a new target percentile every time (never a cached one), so the data are
  prepared again (:func:`kpitools.engine.payout.prepare`).

For each it prints the median and p95 over the changes, the part spent in the engine
(prepare/compute + metrics) and the part spent drawing, plus the machine load (the machine
is shared: compare figures taken at similar loads).

Run: ``.venv/bin/python benchmarks/bench_widgets.py [--changes 20] [--sizes 60 1000]``
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np

from kpitools.demo import make_demo_company
from kpitools.whatif import SchemeExplorer, resolve_template

GOAL_MS = 150.0


def _stats(ms: list[float]) -> str:
    a = np.asarray(ms)
    return f"median {np.median(a):7.1f} ms   p95 {np.percentile(a, 95):7.1f} ms"


def _time_changes(ex: SchemeExplorer, changes: list[tuple[str, float]]) -> tuple[list, list]:
    """Total and engine-only milliseconds of each change."""
    engine = ex._engine
    evaluate = engine.evaluate
    spent: list[float] = []

    def timed(scheme):
        t = time.perf_counter()
        try:
            return evaluate(scheme)
        finally:
            spent.append((time.perf_counter() - t) * 1000)

    engine.evaluate = timed
    total = []
    try:
        for name, value in changes:
            t = time.perf_counter()
            ex.controls[name].value = value
            total.append((time.perf_counter() - t) * 1000)
            if ex.error:
                raise RuntimeError(f"{name} = {value}: {ex.error}")
    finally:
        engine.evaluate = evaluate
    return total, spent


def bench(n_employees: int, n_changes: int, scheme: str) -> None:
    t = time.perf_counter()
    data = make_demo_company(n_employees=n_employees).data
    t_data = time.perf_counter() - t
    t = time.perf_counter()
    ex = SchemeExplorer(data, scheme)
    t_init = time.perf_counter() - t
    rows = ex._start.inputs.n
    print(
        f"\n{n_employees} people × 36 months: {len(data):,} data rows, {rows:,} employee-periods,"
        f" {len(ex.scheme.components)} components, {len(ex.controls)} controls"
    )
    print(f"  demo data {t_data:.2f} s; explorer built (prepare + first draw) in {t_init:.2f} s")
    rng = np.random.default_rng(7)
    fast_names = [
        n
        for n in ex.controls
        if not ex.specs[n].changes_targets and n != "budget" and not n.startswith("on_target_pay.")
    ]
    fast = []
    for k in range(n_changes):
        name = fast_names[k % len(fast_names)]
        c = ex.controls[name]
        lo, hi = c.min + 0.1 * (c.max - c.min), c.max - 0.1 * (c.max - c.min)
        fast.append((name, float(np.round(rng.uniform(lo, hi) / c.step) * c.step)))
    total, engine = _time_changes(ex, fast)
    print(f"  fast path      ({n_changes} changes): {_stats(total)}   (goal ≤ {GOAL_MS:.0f} ms)")
    print(f"    of which engine + metrics:        {_stats(engine)}")
    target = next(n for n in ex.controls if ex.specs[n].changes_targets)
    qs = np.linspace(0.40, 0.79, n_changes)  # distinct values: no cached preparation
    total, engine = _time_changes(ex, [(target, float(round(q, 4))) for q in qs])
    print(f"  target changes ({n_changes} changes of {target}): {_stats(total)}")
    print(f"    of which prepare + compute + metrics:  {_stats(engine)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--sizes", type=int, nargs="+", default=[60, 1000])
    parser.add_argument("--scheme", default="weighted_scorecard.yaml")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    scheme = resolve_template(args.scheme)
    print(f"SchemeExplorer latency, scheme {scheme.name}; load average {os.getloadavg()[0]:.2f}")
    cpu = time.process_time()
    for n in args.sizes:
        bench(n, args.changes, str(scheme))
    print(
        f"\nCPU time {time.process_time() - cpu:.1f} s; load average now "
        f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main()
