"""The scheme explorer's gaming stress test view (kpitools.whatif.stress_view)."""

from __future__ import annotations

import pandas as pd

from kpitools.whatif import SchemeExplorer

# The contract's example: a step at 100% of 100, 1,000 a quarter; actuals 98, 105, 60, 100.
STEP = {"name": "Step", "period": "quarter", "on_target_pay": 1000, "currency": "EUR",
        "components": [{"kpi": "revenue", "weight": 1, "target": {"method": "fixed", "value": 100},
                        "curve": {"steps": [[1.0, 1.0]]}}]}  # fmt: skip
DATA = pd.DataFrame(
    {"employee": "E1", "period": ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"],
     "kpi": "revenue", "actual": [98.0, 105.0, 60.0, 100.0]}
)  # fmt: skip


def test_the_stress_view_is_off_until_ticked():
    ex = SchemeExplorer(DATA, STEP, library=False)
    assert ex.stress.toggle.value is False
    assert ex.stress.result is None
    assert ex.stress.html.value == (
        "<i>Tick to see how much more the scheme pays if people move up to 10.0% of a "
        "period's results into the period before or after.</i>"
    )


def test_ticked_it_shows_the_gaming_cost_and_follows_the_scheme():
    ex = SchemeExplorer(DATA, STEP, library=False)
    ex.stress.toggle.value = True
    assert ex.stress.result.gaming_cost == 1000.0
    assert ex.stress.html.value == (
        "<b>Gaming stress test</b>: moving up to 10.0% of a period's results pays "
        "<b>1,000 EUR</b> more (50.0% of the cost; 50.0% at the start).<br>Most: E1 "
        "+1,000 EUR (2 units of revenue from 2025-Q2 to 2025-Q1)"
    )
    # a target of 103: only Q2 is paid; Q2 cannot spare 5 for Q1, but Q3 can give Q4 its 3
    ex.controls["components.0.target"].value = 103
    assert ex.stress.result.gaming_cost == 1000.0
    assert ex.stress.result.by_employee["moves"].tolist() == [
        "3 units of revenue from 2025-Q3 to 2025-Q4"
    ]
    assert "(100.0% of the cost; 50.0% at the start)" in ex.stress.html.value
    # at 1% nothing can move far enough
    ex.stress.shift.value = 0.01
    assert ex.stress.result.shift == 0.01
    assert ex.stress.result.gaming_cost == 0.0
    ex.stress.toggle.value = False
    assert ex.stress.result is None
