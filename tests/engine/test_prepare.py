"""Setting targets on prepared data (kpitools.engine.prepare): prepare_base + set_targets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from payout_cases import curve_component, full_scheme, long_table, scheme_dict, three_employees

from kpitools.engine import prepare, prepare_base, run_scheme, set_targets
from kpitools.errors import DefinitionError
from kpitools.scheme import load_scheme


def test_missing_actual_pays_zero_with_a_warning():
    data = long_table(
        [
            ("a", "2025-01", "sales", 100.0),
            ("a", "2025-01", "units", 10.0),
            ("b", "2025-01", "sales", 100.0),
        ]
    )
    scheme = scheme_dict(
        [
            curve_component("sales", {"steps": [[1, 1]]}, weight=0.5),
            curve_component("units", {"steps": [[1, 1]]}, weight=0.5, target=10),
        ]
    )
    run = run_scheme(data, scheme, library=False)
    assert run.totals.set_index("employee")["payout"].to_dict() == {"a": 1000.0, "b": 500.0}
    assert run.warnings == (
        "components[1] (units): 1 employee-period(s) have no actual; that component pays 0 there.",
    )


def _assert_same_inputs(a, b):
    pd.testing.assert_frame_equal(a.keys, b.keys)
    pd.testing.assert_frame_equal(a.skipped, b.skipped)
    for name in ("actual", "target", "gate_actual", "gate_target"):
        for x, y in zip(getattr(a, name), getattr(b, name), strict=True):
            np.testing.assert_array_equal(x, y)
    for name in ("on_target_pay", "revenue", "period_code"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert (a.direction, a.warnings) == (b.direction, b.warnings)


def test_a_kept_base_gives_what_prepare_gives_for_every_target_setting():
    rng = np.random.default_rng(11)
    months = [f"2025-{m:02d}" for m in range(1, 10)]
    people = {"a": "rep", "b": "rep", "c": "lead", "d": "lead"}
    rows = [
        (e, m, k, float(rng.integers(1, 200)))
        for e in people
        for m in months
        for k in ("sales", "units")
        if not (e == "d" and m < "2025-04")  # d joins in April
    ]
    data = long_table(rows, role=people)
    sales = {"kpi": "sales", "weight": 0.7, "curve": {"points": [[0.5, 0.2], [1.0, 1.0]]}}
    scheme = load_scheme(
        scheme_dict(
            [
                {**sales, "target": {"method": "percentile", "q": 0.5, "window": 2}},
                curve_component("units", {"steps": [[1, 1]]}, weight=0.3, target=50),
            ],
            on_target_pay={"rep": 100, "lead": 300},
            revenue_kpi="sales",
            gates=[{"kpi": "units", "min_attainment": 0.1, "target": 10}],
        )
    )
    base = prepare_base(data, scheme, library=False)
    changes = [
        ("components.0.target.q", 0.8),
        ("components.0.target", 30),  # no period skipped: another selection of rows
        ("components.0.target", {"method": "growth", "rate": 0.1, "fallback": "peer_median"}),
        ("components.1.target.value", 20),
        ("on_target_pay.lead", 500),
        ("components.0.target.window", 1),  # back to January skipped, from the cache
    ]
    skipped = set()
    for path, value in changes:
        variant = scheme.set(path, value)
        assert base.fits(variant)
        got = set_targets(base, variant)
        got.keys["employee"] = "changed by a caller"  # must not reach the next result
        got.period_code[:] = -1
        want = prepare(data, variant, library=False)
        got = set_targets(base, variant)
        _assert_same_inputs(got, want)
        skipped.add(tuple(got.skipped["period"]))
    assert skipped == {("2025-01",), ()}


def test_a_base_made_for_another_scheme_shape_is_refused():
    data = three_employees()
    base = prepare_base(data, full_scheme(), library=False)
    other = full_scheme(period="quarter")
    assert not base.fits(other)
    assert not base.fits(scheme_dict([curve_component("sales", {"steps": [[1, 1]]})]))
    with pytest.raises(DefinitionError) as info:
        set_targets(base, other)
    assert str(info.value) == (
        "scheme 't': the prepared data were made for a scheme with another period, other KPIs "
        "or other roles.\nSuggestion: prepare the data again with prepare_base(data, scheme)."
    )
    assert repr(base) == "PreparedData(3 employee-periods, month, KPIs margin, nps, sales, units)"


def test_an_empty_period_inside_the_evaluation_is_reported_not_silently_left_out():
    # January and March have data, February none: the payout table has two periods and the
    # skipped list says why February is missing.
    data = pd.DataFrame(
        {
            "employee": ["A", "A"],
            "period": ["2024-01", "2024-03"],
            "kpi": ["revenue", "revenue"],
            "actual": [100.0, 120.0],
        }
    )
    scheme = load_scheme(
        {
            "name": "s",
            "period": "month",
            "on_target_pay": 1000,
            "components": [
                {
                    "kpi": "revenue",
                    "weight": 1,
                    "target": {"method": "fixed", "value": 100},
                    "curve": {"points": [[0, 0], [1, 1]]},
                }
            ],
        }
    )
    reason = "no data: nobody has a row for the scheme's KPIs in this period"
    run = run_scheme(data, scheme, library=False)
    assert run.totals["period"].tolist() == ["2024-01", "2024-03"]
    assert run.skipped.to_dict("records") == [{"period": "2024-02", "reason": reason}]
    # with a selection, periods of the selection past the data are reported too
    run = run_scheme(data, scheme, library=False, periods="2024-01..2024-04")
    assert run.skipped.to_dict("records") == [
        {"period": "2024-02", "reason": reason},
        {"period": "2024-04", "reason": reason},
    ]
