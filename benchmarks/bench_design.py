"""Benchmark of the design maths: cascade, sensitivity and all checks on a generated design
of 501 goals and 50 roles (budget: under 1 second for the three together).

The design has one company revenue goal over 50 regions; each region has ten goals:

    revenue_r = units_r * price_r + service_r     (target; the last region's is solved)
    units_r   = leads_r * conversion_r            (solved)
    leads_r   = budget_r / cpl_r                  (cpl_r solved: the unknown in a divisor)
    price_r   = list_price_r * (1 - discount_r)   (computed from assumptions)

and one role per region (5 people, 5 KPIs with targets, weights, gaming risks and counters).
``not-achievable`` runs on a generated history of 24 months × 250 people × 5 KPIs.

Run: ``.venv/bin/python benchmarks/bench_design.py [--regions N]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from kpitools.design import (
    RULES,
    CheckSettings,
    cascade,
    gap_analysis,
    load_design,
    run_checks,
    sensitivity,
)


def make_design(regions: int = 50, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    goals: list[dict] = [
        {
            "id": "revenue",
            "name": "Company revenue",
            "formula": " + ".join(f"revenue_{r}" for r in range(regions)),
        }
    ]
    roles: list[dict] = []
    total = 0.0
    for r in range(regions):
        target = float(rng.integers(20, 60)) * 100_000
        total += target
        goals += [
            {
                "id": f"revenue_{r}",
                "name": f"Revenue, region {r}",
                "formula": f"units_{r} * price_{r} + service_{r}",
                **({"target": target} if r < regions - 1 else {}),
            },
            {"id": f"units_{r}", "formula": f"leads_{r} * conversion_{r}"},
            {"id": f"price_{r}", "formula": f"list_price_{r} * (1 - discount_{r})"},
            {"id": f"service_{r}", "value": float(rng.integers(1, 5)) * 50_000},
            {"id": f"leads_{r}", "formula": f"budget_{r} / cpl_{r}"},
            {"id": f"conversion_{r}", "value": round(float(rng.uniform(0.1, 0.3)), 3)},
            {"id": f"budget_{r}", "value": float(rng.integers(2, 8)) * 100_000},
            {"id": f"cpl_{r}"},
            {"id": f"list_price_{r}", "value": float(rng.integers(5, 20)) * 1_000},
            {"id": f"discount_{r}", "value": round(float(rng.uniform(0.0, 0.15)), 3)},
        ]
        roles.append(
            {
                "id": f"sales_{r}",
                "headcount": 5,
                "on_target_pay": 40_000,
                "kpis": [
                    _kpi(
                        f"revenue_{r}",
                        "currency",
                        "sum",
                        "lagging",
                        0.4,
                        target / 5,
                        risk="Pulling deals forward",
                        counter=[f"price_{r}"],
                    ),
                    _kpi(f"units_{r}", "count", "sum", "lagging", 0.2, 40),
                    _kpi(
                        f"leads_{r}",
                        "count",
                        "sum",
                        "leading",
                        0.2,
                        120,
                        risk="Logging junk leads",
                        counter=[f"conversion_{r}"],
                    ),
                    _kpi(f"conversion_{r}", "percent", "ratio", "lagging", 0.1, 0.2),
                    _kpi(f"price_{r}", "currency", "ratio", "lagging", 0.1, 9_000),
                ],
            }
        )
    goals[0]["target"] = total + 3_000_000
    return {
        "client": "Bench Co",
        "period": "2027-01",
        "currency": "RUB",
        "goals": goals,
        "roles": roles,
    }


def _kpi(goal, unit, aggregation, kind, weight, target, risk=None, counter=()):
    return {
        "kpi": goal,
        "name": goal.replace("_", " "),
        "unit": unit,
        "aggregation": aggregation,
        "type": kind,
        "goal": goal,
        "weight": weight,
        "target": target,
        **({"gaming_risk": risk, "counter_kpi": list(counter)} if risk else {}),
    }


def make_history(design, months: int = 24, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    periods = pd.period_range("2025-01", periods=months, freq="M").strftime("%Y-%m")
    keys = [
        (r.id, f"{r.index:02d}-{p}", k.kpi, k.target)
        for r in design.roles
        for p in range(int(r.headcount))
        for k in r.kpis
    ]
    role, emp, kpi, target = (np.array(x) for x in zip(*keys, strict=True))
    n = len(keys)
    idx = np.repeat(np.arange(n), months)
    actual = target.astype(float)[idx] * rng.lognormal(0.0, 0.3, n * months)
    return pd.DataFrame(
        {
            "employee": emp[idx],
            "period": np.tile(np.asarray(periods), n),
            "kpi": kpi[idx],
            "actual": actual,
            "role": role[idx],
        }
    )


def timed(label: str, func, times: dict[str, float]):
    start = time.perf_counter()
    out = func()
    times[label] = time.perf_counter() - start
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=50)
    args = parser.parse_args()
    raw = make_design(args.regions)
    times: dict[str, float] = {}
    design = timed("load (validate)", lambda: load_design(raw, library={}), times)
    history = make_history(design)
    result = timed("cascade", lambda: cascade(design), times)
    sens = timed("sensitivity", lambda: sensitivity(design, values=result.values), times)
    settings = CheckSettings()
    per_rule = {}
    for rule in RULES:
        report = timed(
            f"check {rule}",
            lambda rule=rule: run_checks(design, data=history, settings=settings, rules=[rule]),
            per_rule,
        )
        per_rule[f"check {rule}"] = per_rule[f"check {rule}"]
        del report
    report = timed("all checks (one run)", lambda: run_checks(design, data=history), times)
    actuals = {g.id: result.values[g.id] * 0.97 for g in design.goals if g.expr is None}
    gap = timed("gap analysis", lambda: gap_analysis(design, actuals, plan=result.values), times)

    print(
        f"Design: {len(design.goals)} goals, {len(design.roles)} roles, "
        f"{sum(len(r.kpis) for r in design.roles)} role KPIs; history {len(history):,} rows"
    )
    print(
        f"  solved {len(result.solved)} goals; {len(sens.tornado)} drivers in the tornado; "
        f"{len(report.findings)} findings; gap {gap.gap:,.0f} split over "
        f"{len(gap.contributions)} drivers (sum {gap.contributions['contribution'].sum():,.0f})"
    )
    width = max(len(k) for k in [*times, *per_rule])
    for label, seconds in times.items():
        print(f"  {label:<{width}}  {seconds * 1000:8.1f} ms")
    print("  per rule:")
    for label, seconds in per_rule.items():
        print(f"    {label:<{width - 2}}  {seconds * 1000:8.1f} ms")
    budget = times["cascade"] + times["sensitivity"] + times["all checks (one run)"]
    print(
        f"  total (cascade + sensitivity + all checks): {budget * 1000:.1f} ms "
        f"({'under' if budget < 1 else 'OVER'} the 1 s budget)"
    )


if __name__ == "__main__":
    main()
