"""The engine's plan mechanics against a plain-loop implementation, on the demo company.

Every mechanic (proration, pay per person, true-up carry and recover, recoverable and
non-recoverable draws) on the demo company's 36 months with a roster built from its
employees (hires and leavers part-way through a month, part-timers): payments equal to the
cent, employee-period by employee-period.
"""

from __future__ import annotations

import pytest
from mechanics_reference import compare, demo_roster, reference_payments, reference_scheme

from kpitools.engine import run_scheme

MECHANICS = {
    "pay per person, prorated": {},
    "no proration": {"proration": "none"},
    "true-up carry": {"true_up": {"shortfall": "carry"}},
    "true-up recover": {"true_up": {"shortfall": "recover"}},
    "recoverable draw": {"draw": {"amount": 40_000}},
    "draw for new hires, never forgiven": {
        "draw": {"amount": 200_000, "for_first": 2, "forgive_at": "never"}
    },
    "non-recoverable draw": {"draw": {"amount": 30_000, "recoverable": False}},
    "true-up and draw": {
        "true_up": {"shortfall": "recover"},
        "draw": {"amount": 40_000, "for_first": 3},
    },
}


@pytest.fixture(scope="module")
def roster(demo_company):
    return demo_roster(demo_company.employees)


@pytest.mark.parametrize("name", list(MECHANICS))
def test_engine_matches_the_plain_loops(name, demo_company, roster):
    mechanics = MECHANICS[name]
    run = run_scheme(demo_company.data, reference_scheme(**mechanics), roster=roster)
    engine = run.totals[["employee", "period", "payout"]].rename(columns={"payout": "payment"})
    engine["employee"] = engine["employee"].astype(object)
    engine["period"] = engine["period"].astype(object)
    reference = reference_payments(demo_company.data, roster, **mechanics)
    assert len(engine) == len(reference) > 600
    assert compare(engine, reference).empty
    if name != "no proration":
        assert (run.totals["proration"] < 1).sum() > 50  # hires, leavers and part-timers
