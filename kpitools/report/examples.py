"""The report's section "Example pay": what a person of each role earns at 80%, 100% and 120%.

Computed by running each scheme, not by a formula: for each role, the typical person of the
latest period evaluated (the one whose weighted attainment is nearest the role's median) is
copied three times into a one-period table where every component's result is 80%, 100% or
120% of that person's target (the target the scheme set them that period, now fixed, as
``target: {method: from_data}``), and the scheme is run on it with the engine. A component
without a target (a commission) gets 80%, 100% or 120% of the role's median result that
period; gates and modifiers are met exactly at target. A pool's scaling is left out (it
depends on everyone's results) and said so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._util.format import percent
from ..data import load_roster
from ..engine import run_scheme
from ..errors import KpitoolsError
from .blocks import esc, money
from .context import ReportContext

__all__ = ["EXAMPLE_LEVELS", "example_pay", "example_pay_table", "role_name"]

#: The attainment levels of the examples.
EXAMPLE_LEVELS = (0.8, 1.0, 1.2)

_KEY = ["employee", "period"]


def _typical(totals: pd.DataFrame) -> pd.DataFrame:
    """Per role, the employee-period of the latest period nearest the role's median result."""
    latest = totals[totals["period"] == totals["period"].max()]
    score = latest["attainment"].where(latest["attainment"].notna(), latest["payout"])
    latest = latest.assign(_score=score.astype(float))
    latest["_gap"] = (latest["_score"] - latest.groupby("role")["_score"].transform("median")).abs()
    latest = latest.sort_values(["role", "_gap", "employee"], kind="stable")
    return latest.groupby("role", sort=True).head(1)[["employee", "period", "role"]]


def _side_kpis(scheme: Any) -> set[str]:
    """KPIs of the scheme's gates and modifiers that no component pays on."""
    paid = {comp.kpi for comp in scheme.components}
    side = [*(scheme.gates or ()), *(scheme.modifiers or ())]
    return {item.kpi for item in side if getattr(item, "kpi", None) and item.kpi not in paid}


def _fixed_targets(scheme: Any) -> Any:
    """The scheme with every target fixed (read from the data) and no pool."""
    changes: dict[str, Any] = {
        f"{part}.{i}.target": {"method": "from_data"}
        for part in ("components", "gates", "modifiers")
        for i, item in enumerate(getattr(scheme, part) or ())
        if getattr(item, "target", None) is not None
    }
    if getattr(scheme, "pool", None) is not None:
        changes["pool"] = None
    return scheme.set_many(changes) if changes else scheme


def _example_rows(ctx: ReportContext, run: Any, typical: pd.Series) -> pd.DataFrame:
    """The typical person's data for one period, three times: at each example level."""
    data = ctx.data
    rows = data[(data["employee"] == typical["employee"]) & (data["period"] == typical["period"])]
    comps = run.payouts[
        (run.payouts["employee"] == typical["employee"])
        & (run.payouts["period"] == typical["period"])
        & (run.payouts["component"] != "total")
    ]
    peers = data[(data["period"] == typical["period"]) & (data.get("role") == typical["role"])]
    side = _side_kpis(run.scheme)
    out = []
    for level in EXAMPLE_LEVELS:
        copy = rows.copy()
        copy["employee"] = f"{typical['role']} at {level:.0%}"
        at_target = copy["kpi"].isin(side)  # gates and modifiers: met, exactly at target
        copy.loc[at_target, ["actual", "target"]] = 1.0
        for kpi, target in zip(comps["kpi"], comps["target"], strict=True):
            at = copy["kpi"] == kpi
            if pd.notna(target):
                copy.loc[at, "target"] = float(target)
                copy.loc[at, "actual"] = level * float(target)
            else:
                median = peers.loc[peers["kpi"] == kpi, "actual"].median()
                copy.loc[at, "actual"] = level * float(median)
        out.append(copy)
    return pd.concat(out, ignore_index=True)


def _example_roster(ctx: ReportContext, typical: pd.DataFrame) -> Any:
    """A roster of the example people: the typical person's pay, full time, all period."""
    if ctx.roster is None:
        return None
    table = ctx.roster.table.set_index("employee")
    rows = []
    for _, row in typical.iterrows():
        base = table.loc[row["employee"]].to_dict() if row["employee"] in table.index else {}
        for level in EXAMPLE_LEVELS:
            person = {**base, "employee": f"{row['role']} at {level:.0%}", "fte": 1.0}
            person.pop("hire_date", None)
            person.pop("leave_date", None)
            rows.append(person)
    return load_roster(pd.DataFrame(rows))


def _scheme_examples(ctx: ReportContext, name: str, run: Any) -> pd.DataFrame:
    """One scheme's example pay: a row per role and level (numbers, not text)."""
    typical = _typical(run.totals)
    if typical.empty:
        return pd.DataFrame()
    data = pd.concat(
        [_example_rows(ctx, run, row) for _, row in typical.iterrows()], ignore_index=True
    )
    roster = _example_roster(ctx, typical) if run.scheme.pay_per_person else None
    example = run_scheme(data, _fixed_targets(run.scheme), library=False, roster=roster)
    totals = example.totals.set_index("employee")
    records = []
    for _, row in typical.iterrows():
        for level in EXAMPLE_LEVELS:
            person = f"{row['role']} at {level:.0%}"
            found = totals.loc[person] if person in totals.index else None
            records.append(
                {
                    "scheme": name,
                    "role": row["role"],
                    "level": level,
                    "on_target_pay": np.nan if found is None else found["on_target_pay"],
                    "payout": np.nan if found is None else found["payout"],
                }
            )
    return pd.DataFrame(records)


def example_pay_table(ctx: ReportContext) -> pd.DataFrame:
    """Example pay of every scheme and role: ``scheme, role, level, on_target_pay, payout``.

    A scheme the examples cannot be run for (its data lacks a KPI of a role, say) is left
    out of the table rather than shown with made-up figures.
    """
    frames = []
    for name, run in ctx.simulation.runs.items():
        try:
            frames.append(_scheme_examples(ctx, name, run))
        except (KpitoolsError, KeyError, ValueError):
            continue
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["scheme", "role", "level", "on_target_pay", "payout"])
    return pd.concat(frames, ignore_index=True)


def role_name(ctx: ReportContext, role: Any) -> str:
    """A role as the client reads it: its name in the design (``Sales representative``)."""
    if ctx.design is not None:
        for item in ctx.design.roles:
            if item.id == role:
                return getattr(item, "name", None) or role.replace("_", " ")
    return str(role).replace("_", " ")


def _level_column(level: float) -> str:
    return f"Paid at {percent(level)}"


def example_pay(ctx: ReportContext) -> list[Any]:
    """Example pay at 80%, 100% and 120% attainment per role, a table per scheme."""
    if ctx.simulation is None:
        return []
    table = example_pay_table(ctx)
    if table.empty:
        return []
    pooled = [n for n, r in ctx.simulation.runs.items() if getattr(r.scheme, "pool", None)]
    blocks: list[Any] = [
        "## Example pay\n\n"
        "What one person of each role would be paid in a period at 80%, 100% and 120% of "
        "target on every component, found by running each scheme on a typical person of the "
        "latest period with those results (a commission without a target: 80%, 100% and "
        "120% of the role's median result; gates and modifiers exactly at target). Amounts per "
        "period, rounded to whole units."
        + (
            f" {esc(', '.join(pooled))}: before the pool scales pay to its budget."
            if pooled
            else ""
        )
    ]
    for scheme, part in table.groupby("scheme", sort=False):
        wide = part.pivot_table(
            index="role", columns="level", values="payout", aggfunc="first", sort=False
        )
        otp = part.groupby("role", sort=False)["on_target_pay"].first()
        shown = pd.DataFrame({"Role": [esc(role_name(ctx, r)) for r in wide.index]})
        shown["On-target pay"] = [money(otp[r], ctx.currency) for r in wide.index]
        for level in EXAMPLE_LEVELS:
            shown[_level_column(level)] = [money(v, ctx.currency) for v in wide[level]]
        blocks += [f"**{esc(scheme)}**", shown]
    return blocks
