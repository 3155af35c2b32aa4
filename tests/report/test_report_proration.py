"""The report's assumptions say whose pay was prorated (joined, left or part-time)."""

from __future__ import annotations

import pandas as pd
import yaml

from kpitools.report import build_context, method_and_assumptions

PLAN = {"name": "Plan", "period": "month", "on_target_pay": 1000, "components": [
    {"kpi": "sales", "weight": 1, "target": {"method": "from_data"},
     "curve": {"points": [[0, 0], [2, 2]]}}]}  # fmt: skip


def _context(tmp_path, roster: pd.DataFrame):
    data = pd.DataFrame({"employee": ["a", "b", "c"], "period": ["2025-01"] * 3,
                         "kpi": ["sales"] * 3, "actual": [100.0] * 3,
                         "target": [100.0] * 3})  # fmt: skip
    scheme = tmp_path / "plan.yaml"
    scheme.write_text(yaml.safe_dump(PLAN), encoding="utf-8")
    roster_file = tmp_path / "roster.csv"
    roster.to_csv(roster_file, index=False)
    return build_context(client="Acme", data=data, schemes=[scheme], roster=roster_file,
                         forecast_draws=0)  # fmt: skip


def test_hires_leavers_and_part_timers_are_named_in_the_assumptions(tmp_path):
    roster = pd.DataFrame({"employee": ["a", "b", "c"],
                           "hire_date": ["2025-01-16", "2020-01-01", "2020-01-01"],
                           "leave_date": ["", "", ""], "fte": [1.0, 1.0, 0.5]})  # fmt: skip
    ctx = _context(tmp_path, roster)
    # a: 16 of 31 days → 516.13; b: whole month → 1,000; c: half time → 500
    payout = ctx.simulation.totals.set_index("employee")["payout"].to_dict()
    assert payout == {"a": 516.13, "b": 1000.0, "c": 500.0}
    (text,) = method_and_assumptions(ctx)
    assert (
        "- Pay is prorated for the people who joined, left or worked part-time in a period "
        "(on-target pay, cap and summed targets × FTE × days active ÷ days in the period, from "
        "the roster's hire and leave dates): Plan: 2 employees."
    ) in text.splitlines()


def test_nobody_prorated_nothing_said(tmp_path):
    roster = pd.DataFrame({"employee": ["a", "b", "c"], "team": ["T", "T", "T"]})
    (text,) = method_and_assumptions(_context(tmp_path, roster))
    assert "prorated for" not in text
