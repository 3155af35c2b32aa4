"""What-if controls of schemes that pay each person their own amount."""

from __future__ import annotations

from kpitools.scheme import load_scheme
from kpitools.whatif.controls import scheme_controls

COMMISSION = [{"kpi": "sales", "commission": {"rate": 0.1}}]


def test_a_share_of_salary_gets_a_percentage_control_that_edits_the_scheme():
    scheme = load_scheme({"name": "s", "on_target_pay": {"pct_of_salary": 0.15},
                          "components": COMMISSION})  # fmt: skip
    control = scheme_controls(scheme)["on_target_pay.pct_of_salary"]
    assert (control.value, control.min, control.readout) == (0.15, 0.01, ".1%")
    changed = control.apply(scheme, 0.2)
    assert changed.on_target_pay.pct_of_salary == 0.2 and control.read(changed) == 0.2


def test_pay_from_the_roster_has_no_pay_control():
    scheme = load_scheme({"name": "s", "on_target_pay": {"from": "roster"},
                          "components": COMMISSION})  # fmt: skip
    assert [n for n in scheme_controls(scheme) if n.startswith("on_target_pay")] == []
