"""Target methods: worked examples, skipped periods, new hires, no look-ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.engine import run_scheme
from kpitools.errors import DataValidationError, DefinitionError
from kpitools.scheme import (
    TARGET_METHODS,
    AllocateTarget,
    FixedTarget,
    FromDataTarget,
    GrowthTarget,
    PercentileTarget,
    TargetContext,
    compute_targets,
    get_target_method,
)

JAN = 2025 * 12  # ordinal of 2025-01


def _ctx(rows, kind="month"):
    frame = pd.DataFrame(rows, columns=["employee", "period", "role", "actual"])
    frame["target"] = np.nan
    return TargetContext(frame=frame, kind=kind, label="components[0] (sales)")


def _targets(spec, ctx):
    res = compute_targets(spec, ctx)
    f = ctx.frame.assign(t=res.values)
    return {
        (e, p - JAN + 1): t for e, p, t in zip(f["employee"], f["period"], f["t"], strict=True)
    }, res


# a and b are reps from January; c is a new hire in March
GROWTH_ROWS = [
    ("a", JAN, "rep", 100.0),
    ("a", JAN + 1, "rep", 110.0),
    ("a", JAN + 2, "rep", 120.0),
    ("b", JAN, "rep", 200.0),
    ("b", JAN + 1, "rep", 180.0),
    ("b", JAN + 2, "rep", 190.0),
    ("c", JAN + 2, "rep", 50.0),
]


def test_registry():
    assert list(TARGET_METHODS) == ["fixed", "from_data", "growth", "percentile", "allocate"]
    with pytest.raises(DefinitionError) as info:
        get_target_method("grow")
    assert str(info.value) == (
        "Unknown target method 'grow'. Did you mean 'growth'?\n"
        "Suggestion: use one of: fixed, from_data, growth, percentile, allocate."
    )


def test_fixed_and_from_data():
    ctx = _ctx(GROWTH_ROWS[:2])
    assert compute_targets(FixedTarget(value=12), ctx).values.tolist() == [12.0, 12.0]
    frame = ctx.frame.assign(target=[5.0, np.nan])
    res = compute_targets(FromDataTarget(), TargetContext(frame=frame, kind="month"))
    assert res.values[0] == 5.0 and np.isnan(res.values[1])


def test_growth_previous_period_with_peer_median_for_a_new_hire():
    got, res = _targets(GrowthTarget(rate=0.1, fallback="peer_median"), _ctx(GROWTH_ROWS))
    # Feb: a 100 × 1.1 = 110, b 200 × 1.1 = 220; Mar: a 110 × 1.1 = 121, b 180 × 1.1 = 198,
    # c (new hire, no February actual) → median of the reps' targets (121, 198) = 159.5
    assert got[("a", 2)] == pytest.approx(110.0)
    assert got[("b", 2)] == pytest.approx(220.0)
    assert got[("a", 3)] == pytest.approx(121.0)
    assert got[("b", 3)] == pytest.approx(198.0)
    assert got[("c", 3)] == pytest.approx(159.5)
    assert np.isnan(got[("a", 1)])  # January: nobody has a December actual
    assert res.skipped == {
        JAN: "components[0] (sales): growth (base previous_period) has no history: nobody "
        "has an actual in 2024-12 (it needs 1 month of history before 2025-01; the data has "
        "none)"
    }


def test_growth_without_fallback_leaves_the_new_hire_without_target():
    got, res = _targets(GrowthTarget(rate=0.1), _ctx(GROWTH_ROWS))
    assert np.isnan(got[("c", 3)])
    assert res.reasons.tolist() == [
        "no growth base (no actual in 2024-12) and no fallback",
        "no growth base (no actual in 2024-12) and no fallback",
        "no growth base (no actual in 2025-02) and no fallback",
    ]
    assert res.suggestion == (
        "add 'fallback: peer_median' to the growth target so that new hires get the median "
        "target of their peers."
    )


def test_growth_same_period_last_year_quarterly():
    q = 2024 * 4  # 2024-Q1
    rows = [("a", q + i, "", 30.0 + i) for i in range(6)] + [
        ("b", q + i, "", 60.0) for i in range(6)
    ]
    rows.append(("c", q + 4, "", 10.0))  # new hire in 2025-Q1
    ctx = _ctx(rows, kind="quarter")
    res = compute_targets(
        GrowthTarget(rate=0.1, base="same_period_last_year", fallback="peer_median"), ctx
    )
    f = ctx.frame.assign(t=res.values).set_index(["employee", "period"])["t"]
    # 2025-Q1: a 30 × 1.1 = 33, b 60 × 1.1 = 66, c → median(33, 66) = 49.5
    # 2025-Q2: a 31 × 1.1 = 34.1
    assert f[("a", q + 4)] == pytest.approx(33.0)
    assert f[("b", q + 4)] == pytest.approx(66.0)
    assert f[("c", q + 4)] == pytest.approx(49.5)
    assert f[("a", q + 5)] == pytest.approx(34.1)
    assert sorted(res.skipped) == [q, q + 1, q + 2, q + 3]
    assert res.skipped[q + 3] == (
        "components[0] (sales): growth (base same_period_last_year) has no history: nobody "
        "has an actual in 2023-Q4 (it needs 4 quarters of history before 2024-Q4; the data "
        "has 3, from 2024-Q1)"
    )


PCT_ROWS = [
    (e, JAN + m, role, v)
    for e, role, values in [
        ("a", "rep", [10, 20, 30, 40]),
        ("b", "rep", [50, 60, 70, 80]),
        ("d", "lead", [100, 200, 300, 400]),
    ]
    for m, v in enumerate(values)
]


def test_percentile_of_peers_with_window():
    got, res = _targets(PercentileTarget(q=0.5, of="peers", window=2), _ctx(PCT_ROWS))
    # Feb (window Dec–Jan): reps {10, 50} → 30; lead {100} → 100
    # Mar (window Jan–Feb): reps {10, 20, 50, 60} → 35; lead {100, 200} → 150
    # Apr (window Feb–Mar): reps {20, 30, 60, 70} → 45; lead {200, 300} → 250
    assert [got[("a", m)] for m in (2, 3, 4)] == [30.0, 35.0, 45.0]
    assert [got[("b", m)] for m in (2, 3, 4)] == [30.0, 35.0, 45.0]
    assert [got[("d", m)] for m in (2, 3, 4)] == [100.0, 150.0, 250.0]
    assert res.skipped == {
        JAN: "components[0] (sales): percentile (of peers) has no history: no actuals in "
        "2024-11 to 2024-12"
    }


def test_percentile_of_own_with_and_without_window():
    got, _ = _targets(PercentileTarget(q=0.5, of="own", window=2), _ctx(PCT_ROWS))
    # Apr: a {20, 30} → 25; b {60, 70} → 65; d {200, 300} → 250
    assert (got[("a", 4)], got[("b", 4)], got[("d", 4)]) == (25.0, 65.0, 250.0)
    got, res = _targets(PercentileTarget(q=0.4, of="own"), _ctx(PCT_ROWS))
    # Apr, all history: a {10, 20, 30}: position 0.4 × 2 = 0.8 → 10 + 0.8 × 10 = 18
    assert got[("a", 4)] == pytest.approx(18.0)
    assert res.skipped[JAN].endswith("has no history: no actuals before 2025-01")


def test_allocate_equal_and_history_share():
    rows = PCT_ROWS + [("e", JAN + 2, "rep", 5.0)]  # e joins in March
    got, _ = _targets(AllocateTarget(total=1000, by="equal"), _ctx(rows))
    # Feb: a, b, d active → 1000 / 3 each; Mar: a, b, d, e → 250 each
    assert got[("a", 2)] == pytest.approx(1000 / 3)
    assert got[("e", 3)] == 250.0
    got, res = _targets(AllocateTarget(total=1000, by="history_share"), _ctx(rows))
    # Mar: average past actual a (10+20)/2 = 15, b 55, d 150, e none → average of the
    # others (15 + 55 + 150) / 3 = 73.333…; sum 293.333… → a 1000 × 15 / 293.33 = 51.136…,
    # b 187.5, d 511.36…, e 250
    assert got[("a", 3)] == pytest.approx(1000 * 15 / (220 + 220 / 3))
    assert got[("b", 3)] == pytest.approx(187.5)
    assert got[("e", 3)] == pytest.approx(250.0)
    assert sum(got[(k, 3)] for k in "abde") == pytest.approx(1000.0)
    assert list(res.skipped) == [JAN]


# --------------------------------------------------------------------------- through the engine
def _long(rows):
    df = pd.DataFrame(
        [(e, f"2025-{p - JAN + 1:02d}", "sales", v) for e, p, _, v in rows],
        columns=["employee", "period", "kpi", "actual"],
    )
    df["role"] = [r for _, _, r, _ in rows]
    return df


def _growth_scheme(**target):
    return {
        "name": "g",
        "on_target_pay": 1000,
        "components": [
            {
                "kpi": "sales",
                "weight": 1,
                "target": {"method": "growth", "rate": 0.1, **target},
                "curve": {"points": [[0, 0], [2, 2]]},
            }
        ],
    }


def test_engine_reports_skipped_periods_and_uses_peer_median():
    run = run_scheme(_long(GROWTH_ROWS), _growth_scheme(fallback="peer_median"), library=False)
    assert run.skipped.to_dict("records") == [
        {
            "period": "2025-01",
            "reason": "components[0] (sales): growth (base previous_period) has no history: "
            "nobody has an actual in 2024-12 (it needs 1 month of history before 2025-01; the "
            "data has none)",
        }
    ]
    c = run.payouts[(run.payouts["employee"] == "c") & (run.payouts["component"] == "0")]
    # c: 50 / 159.5 = 0.31348… → factor 0.31348 → 313.48
    assert c["target"].tolist() == [159.5]
    assert c["payout"].tolist() == [313.48]
    assert sorted(run.totals["period"].unique()) == ["2025-02", "2025-03"]


def test_engine_new_hire_without_fallback_is_an_error():
    with pytest.raises(DataValidationError) as info:
        run_scheme(_long(GROWTH_ROWS), _growth_scheme(), library=False)
    assert str(info.value) == (
        "scheme 'g': components[0] (sales): no target: no growth base (no actual in 2025-02) "
        "and no fallback for employee 'c' in 2025-03.\n"
        "Suggestion: add 'fallback: peer_median' to the growth target so that new hires get "
        "the median target of their peers."
    )
    # choosing periods before the new hire avoids it; the skipped January is still reported
    run = run_scheme(
        _long(GROWTH_ROWS), _growth_scheme(), library=False, periods="2025-01..2025-02"
    )
    assert run.totals["period"].unique().tolist() == ["2025-02"]
    assert run.skipped["period"].tolist() == ["2025-01"]


def test_engine_period_selection_keeps_history_for_targets():
    run = run_scheme(
        _long(GROWTH_ROWS[:6]), _growth_scheme(), library=False, periods=("2025-03", "2025-03")
    )
    # March targets come from February actuals even though February is not evaluated
    assert run.totals["period"].unique().tolist() == ["2025-03"]
    assert run.skipped.empty
    comp = run.payouts[run.payouts["component"] == "0"].set_index("employee")["target"]
    assert comp.to_dict() == pytest.approx({"a": 121.0, "b": 198.0})


# --------------------------------------------------------------------------- no look-ahead
SPECS = [
    GrowthTarget(rate=0.05, fallback="peer_median"),
    GrowthTarget(rate=0.05, base="same_period_last_year", fallback="peer_median"),
    PercentileTarget(q=0.4, of="peers", window=3),
    PercentileTarget(q=0.6, of="own"),
    AllocateTarget(total=1000, by="history_share", window=2),
    AllocateTarget(total=1000, by="equal"),
]


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.floats(1, 1000, allow_nan=False), min_size=60, max_size=60),
    noise=st.lists(st.floats(1, 1000, allow_nan=False), min_size=60, max_size=60),
    cut=st.integers(1, 14),
    spec_index=st.integers(0, len(SPECS) - 1),
)
def test_changing_later_data_never_changes_earlier_targets(values, noise, cut, spec_index):
    spec = SPECS[spec_index]
    emps = ["a", "b", "c", "d"]
    rows = [
        (e, JAN + m, "rep" if e < "c" else "lead", values[i * 15 + m])
        for i, e in enumerate(emps)
        for m in range(15)
    ]
    base = _ctx(rows)
    later = base.frame["period"].to_numpy() >= JAN + cut
    changed = base.frame.copy()
    changed.loc[later, "actual"] = np.array(noise)[: int(later.sum())]
    before = compute_targets(spec, base).values
    after = compute_targets(spec, TargetContext(frame=changed, kind="month", label="x")).values
    np.testing.assert_array_equal(before[~later], after[~later])


def test_row_order_does_not_change_targets():
    ctx = _ctx(PCT_ROWS + GROWTH_ROWS[:0])
    shuffled = ctx.frame.sample(frac=1.0, random_state=3).reset_index(drop=True)
    for spec in SPECS:
        a = pd.Series(
            compute_targets(spec, ctx).values,
            index=pd.MultiIndex.from_frame(ctx.frame[["employee", "period"]]),
        )
        b = pd.Series(
            compute_targets(spec, TargetContext(frame=shuffled, kind="month")).values,
            index=pd.MultiIndex.from_frame(shuffled[["employee", "period"]]),
        )
        pd.testing.assert_series_equal(a.sort_index(), b.sort_index())


def test_growth_base_of_zero_counts_as_no_base():
    rows = [
        ("a", JAN, "rep", 100.0),
        ("a", JAN + 1, "rep", 120.0),
        ("b", JAN, "rep", 0.0),  # on leave in January
        ("b", JAN + 1, "rep", 80.0),
        ("c", JAN, "rep", 200.0),
        ("c", JAN + 1, "rep", 210.0),
    ]
    got, res = _targets(GrowthTarget(rate=0.1, fallback="peer_median"), _ctx(rows))
    # Feb: a 110, c 220; b's base is 0 → the peers' median (110 + 220) / 2 = 165
    assert (got[("a", 2)], got[("b", 2)], got[("c", 2)]) == (110.0, 165.0, 220.0)
    got, res = _targets(GrowthTarget(rate=0.1), _ctx(rows))
    assert np.isnan(got[("b", 2)])
    assert res.reasons[3] == (  # row 3: b in February
        "no growth base (the actual in 2025-01 is 0, not above 0) and no fallback"
    )


def _pct_scheme(**target):
    return {
        "name": "p",
        "on_target_pay": 1000,
        "components": [
            {
                "kpi": "sales",
                "weight": 1,
                "target": {"method": "percentile", "q": 0.5, **target},
                "curve": {"points": [[0, 0], [2, 2]]},
            }
        ],
    }


def test_engine_percentile_own_new_hire_error():
    rows = PCT_ROWS + [("e", JAN + 3, "rep", 5.0)]  # e joins in April: no own history
    with pytest.raises(DataValidationError) as info:
        run_scheme(_long(rows), _pct_scheme(of="own"), library=False)
    assert str(info.value) == (
        "scheme 'p': components[0] (sales): no target: no own actuals before 2025-04 for "
        "employee 'e' in 2025-04.\nSuggestion: use 'of: peers' so that new hires get their "
        "peers' percentile, or evaluate later periods (periods=FROM..TO)."
    )
    # of peers: e gets the reps' median of Jan–Mar {10, 20, 30, 50, 60, 70} = 40
    run = run_scheme(_long(rows), _pct_scheme(of="peers"), library=False)
    e = run.payouts[(run.payouts["employee"] == "e") & (run.payouts["component"] == "0")]
    assert e["target"].tolist() == [40.0]


def test_engine_percentile_new_role_error():
    rows = PCT_ROWS + [("f", JAN + 2, "analyst", 5.0)]  # a role with no past actuals
    with pytest.raises(DataValidationError) as info:
        run_scheme(_long(rows), _pct_scheme(of="peers", window=2), library=False)
    assert str(info.value) == (
        "scheme 'p': components[0] (sales): no target: no actuals of peers of role 'analyst' "
        "in 2025-01 to 2025-02 for employee 'f' in 2025-03.\nSuggestion: evaluate later "
        "periods (periods=FROM..TO), or widen the window."
    )


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(
        st.tuples(
            st.integers(0, 5),  # employee
            st.integers(0, 7),  # period
            st.one_of(st.none(), st.integers(-3, 40).map(float)),  # actual (None: missing)
        ),
        min_size=1,
        max_size=40,
        unique_by=lambda c: (c[0], c[1]),
    ),
    q=st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.6, 0.9, 1.0]),
    of=st.sampled_from(["peers", "own"]),
    window=st.one_of(st.none(), st.integers(1, 4)),
    codes=st.booleans(),
)
def test_percentile_all_periods_at_once_equals_period_by_period(cells, q, of, window, codes):
    import kpitools.scheme.targets as targets

    rows = [
        (f"e{e}", JAN + p, "lead" if e % 3 == 0 else "rep", np.nan if a is None else a)
        for e, p, a in cells
    ]
    ctx = _ctx(rows)
    if codes:  # the engine's integer codes instead of text
        ctx.frame["emp"] = pd.factorize(ctx.frame["employee"], sort=True)[0]
        ctx.frame["peer"] = pd.factorize(ctx.frame["role"], sort=True)[0]
    spec = PercentileTarget(q=q, of=of, window=window)
    table = compute_targets(spec, ctx)
    saved = targets.WINDOW_CELLS
    targets.WINDOW_CELLS = 0  # force the period-by-period loop
    try:
        loop = compute_targets(spec, ctx)
    finally:
        targets.WINDOW_CELLS = saved
    np.testing.assert_array_equal(table.values, loop.values)
    assert table.skipped == loop.skipped
    pd.testing.assert_series_equal(table.reasons, loop.reasons)
    # and each value is numpy's quantile of the window's past actuals
    f = ctx.frame
    for r in range(len(f)):
        p = f["period"].iloc[r]
        past = (f["period"] < p) & (f["period"] >= (p - window if window else -1))
        same = (
            f["role"] == f["role"].iloc[r]
            if of == "peers"
            else f["employee"] == f["employee"].iloc[r]
        )
        hist = f.loc[past & same, "actual"].dropna().to_numpy()
        want = np.round(np.quantile(hist, q), 10) if hist.size else np.nan
        np.testing.assert_allclose(table.values[r], want, rtol=0, atol=1e-9)
