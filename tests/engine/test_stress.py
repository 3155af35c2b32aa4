"""The gaming stress test (contract §9): the contract's example, brute force, and its bounds."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.engine import prepare, run_scheme
from kpitools.engine.stress import check_shift, stress_test
from kpitools.errors import DefinitionError
from kpitools.scheme import load_scheme

QUARTERS = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]


def _data(actuals, periods=QUARTERS, employee="a", kpi="revenue"):
    return pd.DataFrame(
        {"employee": employee, "period": periods[: len(actuals)], "kpi": kpi,
         "actual": [float(a) for a in actuals]}
    )  # fmt: skip


def _step_scheme(**extra):
    return load_scheme(
        {"name": "step", "period": "quarter", "on_target_pay": 1000, **extra,
         "components": [{"kpi": "revenue", "weight": 1, "target": 100,
                         "curve": {"steps": [[1.0, 1.0]]}}]}
    )  # fmt: skip


def _stress(scheme, data, shift=0.1):
    return stress_test(scheme, prepare(data, scheme, library=False), shift=shift, library=False)


# --------------------------------------------------------------------------- the contract's example


def test_contract_example_to_the_cent():
    r = _stress(_step_scheme(), _data([98, 105, 60, 100]))
    assert r.gaming_cost == 1000.00
    assert r.honest_total == 2000.00
    assert r.gaming_cost_pct == 0.5
    assert r.by_employee.to_dict("records") == [
        {"scheme": "step", "employee": "a",
         "moves": "2 units of revenue from 2025-Q2 to 2025-Q1", "extra_pay": 1000.0}
    ]  # fmt: skip
    assert r.moves[["amount", "source", "destination"]].values.tolist() == [
        [2.0, "2025-Q2", "2025-Q1"]
    ]


def test_a_linear_uncapped_commission_pays_nothing_for_shifting():
    scheme = load_scheme(
        {"name": "commission", "period": "quarter", "on_target_pay": 1000,
         "components": [{"kpi": "revenue", "commission": {"rate": 0.1}}]}
    )  # fmt: skip
    data = pd.concat([_data([98, 105, 60, 100], employee=e) for e in "abc"])
    r = _stress(scheme, data, shift=0.5)
    assert r.gaming_cost == 0.0
    assert r.gaming_cost_pct == 0.0
    assert r.by_employee.empty and r.moves.empty


def test_moves_never_cross_a_year():
    # Q4 2025 is short of the step by 2 and Q1 2026 has plenty: only a move across
    # the year end would pay, and the test may not make it.
    periods = ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]
    r = _stress(_step_scheme(), _data([10, 98, 150, 50], periods=periods))
    assert r.gaming_cost == 0.0
    assert r.moves.empty


def test_a_fiscal_year_decides_what_is_the_same_year():
    # A year from April: 2025-Q4 and 2026-Q1 (Oct–Dec, Jan–Mar) lie in the same fiscal year.
    periods = ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]
    r = _stress(_step_scheme(fiscal_year_start=4), _data([10, 98, 150, 50], periods=periods))
    assert r.gaming_cost == 1000.0
    assert r.by_employee.loc[0, "moves"] == "2 units of revenue from 2026-Q1 to 2025-Q4"


def test_never_more_than_the_shift_of_the_source_period():
    # Q1 needs 10 more; 10% of Q2 (70) is 7: out of reach; 20% (14) is enough.
    data = _data([90, 70])
    assert _stress(_step_scheme(), data, shift=0.1).gaming_cost == 0.0
    r = _stress(_step_scheme(), data, shift=0.2)
    assert r.gaming_cost == 1000.0
    assert r.by_employee.loc[0, "moves"] == "10 units of revenue from 2025-Q2 to 2025-Q1"
    # 99.9 may give at most 9.99: one hundredth short of Q1's step (and Q1 may give Q2 9.0,
    # which lifts it over its own step)
    r = _stress(_step_scheme(), _data([90, 99.9]))
    assert r.by_employee.loc[0, "moves"] == "0.1 units of revenue from 2025-Q1 to 2025-Q2"


def test_pushing_results_into_the_next_period_counts_too():
    r = _stress(_step_scheme(), _data([120, 95]))
    assert r.by_employee.loc[0, "moves"] == "5 units of revenue from 2025-Q1 to 2025-Q2"


def test_each_period_takes_part_in_one_move_and_the_best_ones_are_chosen():
    # Q2 could help Q1 or Q3 (each short by 3), not both; Q4 then helps Q3.
    r = _stress(_step_scheme(), _data([97, 110, 97, 110]))
    assert r.gaming_cost == 2000.0
    assert r.by_employee.loc[0, "moves"] == (
        "3 units of revenue from 2025-Q2 to 2025-Q1; 3 units of revenue from 2025-Q4 to 2025-Q3"
    )


def test_only_sum_kpis_move():
    from kpitools.data import resolve_library

    lib = resolve_library(None)
    ratio = next(k.id for k in lib if k.aggregation != "sum" and k.formula is None)
    scheme = load_scheme(
        {"name": "ratio", "period": "quarter", "on_target_pay": 1000,
         "components": [{"kpi": ratio, "weight": 1, "target": 100,
                         "curve": {"steps": [[1.0, 1.0]]}}]}
    )  # fmt: skip
    data = _data([98, 105], kpi=ratio)
    r = stress_test(scheme, prepare(data, scheme, library=lib), shift=0.1, library=lib)
    assert r.gaming_cost == 0.0


@pytest.mark.parametrize("bad", [0, -0.1, 1.5, "much", True, None])
def test_a_shift_outside_0_to_1_is_refused(bad):
    with pytest.raises(DefinitionError) as err:
        check_shift(bad)
    assert str(err.value) == (
        f"stress shift = {bad!r}: the share of a period's actual that may move must lie above "
        "0 and at most 1.\nSuggestion: use e.g. 0.10 (10% of the period's actual)."
    )


# --------------------------------------------------------------------------- brute force


def _matchings(n_edges: int):
    """Every set of edges of a path with no two sharing a period."""
    for mask in itertools.product([False, True], repeat=n_edges):
        if not any(a and b for a, b in itertools.pairwise(mask)):
            yield [e for e, on in enumerate(mask) if on]


def _brute_force(scheme, actuals, periods, shift, same_year):
    """The best extra pay over every set of moves, amounts on a grid of whole units."""
    n = len(actuals)
    rows, labels = [], []
    for matching in _matchings(n - 1):
        if not all(same_year[e] for e in matching):
            continue
        ranges = []
        for e in matching:
            lo, hi = -shift * max(actuals[e], 0), shift * max(actuals[e + 1], 0)
            grid = set(range(int(np.ceil(lo)), int(np.floor(hi)) + 1)) | {lo, hi}
            ranges.append([(e, t) for t in sorted(grid)])
        for combo in itertools.product(*ranges):
            x = list(map(float, actuals))
            for e, t in combo:
                x[e] += t
                x[e + 1] -= t
            rows.append(x)
            labels.append(combo)
    emp = np.repeat([f"e{i}" for i in range(len(rows))], n)
    data = pd.DataFrame({"employee": emp, "period": periods * len(rows), "kpi": "revenue",
                         "actual": np.ravel(rows)})  # fmt: skip
    totals = run_scheme(data, scheme, library=False).totals
    pay = totals.groupby("employee", sort=False)["payout"].sum()
    pay = pay.reindex([f"e{i}" for i in range(len(rows))]).to_numpy()
    return float(np.round(pay.max() - pay[0], 2))  # rows[0]: no move at all


_THRESHOLDS = st.sampled_from([0.8, 0.9, 1.0, 1.1, 1.2])


@st.composite
def _rules(draw):
    kind = draw(st.sampled_from(["steps", "points", "linear", "retroactive", "value_tiers"]))
    a, b = sorted(draw(st.lists(_THRESHOLDS, min_size=2, max_size=2, unique=True)))
    if kind == "steps":
        return {"weight": 1, "curve": {"steps": [[a, 0.5], [b, draw(st.sampled_from([1, 2]))]]}}
    if kind == "points":
        return {"weight": 1, "curve": {"points": [[a, draw(st.sampled_from([0, 0.5]))], [b, 1.5]]}}
    if kind == "linear":
        cap = draw(st.sampled_from([None, 1.2, 1.5]))
        return {"weight": 1, "curve": {"linear": {"slope": 1, "threshold": a, "cap": cap}}}
    if kind == "retroactive":
        return {"commission": {"tiers": [[a, 2], [b, 3]], "mode": "retroactive"}}
    return {"commission": {"tiers": [[0, 1], [int(a * 100), 3]], "basis": "value"}}


@st.composite
def _cases(draw):
    rule = draw(_rules())
    comp = {"kpi": "revenue", "target": draw(st.sampled_from([50, 100])), **rule}
    spec = {"name": "s", "period": "quarter", "on_target_pay": 100, "components": [comp]}
    if draw(st.booleans()):
        spec["gates"] = [{"kpi": "revenue", "target": 100,
                          "min_attainment": draw(st.sampled_from([0.8, 0.9]))}]  # fmt: skip
    if draw(st.booleans()):
        spec["cap"] = draw(st.sampled_from([1.0, 1.5]))
    n = draw(st.integers(2, 4))
    actuals = draw(st.lists(st.integers(60, 140), min_size=n, max_size=n))
    start = draw(st.sampled_from([0, 2]))  # 2: the periods span a year end
    periods = [f"{2025 + (start + k) // 4}-Q{(start + k) % 4 + 1}" for k in range(n)]
    shift = draw(st.sampled_from([0.1, 0.2]))
    return load_scheme(spec), actuals, periods, shift


@settings(max_examples=60)
@given(_cases())
def test_the_stress_test_finds_what_brute_force_finds(case):
    scheme, actuals, periods, shift = case
    r = _stress(scheme, _data(actuals, periods=periods), shift=shift)
    same_year = [p[:4] == q[:4] for p, q in itertools.pairwise(periods)]
    brute = _brute_force(scheme, actuals, periods, shift, same_year)
    # Each period's pay is rounded to the cent: where two periods' pay moves in step, a
    # whole-unit amount can round one cent better than the kink the search reports.
    cents = 0.01 * len(actuals) + 1e-9
    if scheme.cap is None:
        assert abs(r.gaming_cost - brute) <= cents
    else:  # the cap's kink can lie between whole units: the exact search finds at least as much
        assert r.gaming_cost >= brute - cents
    # and what it found is real: the moves, applied to the data, pay exactly that much more
    moved = _data(actuals, periods=periods)
    for m in r.moves.itertuples():
        moved.loc[moved["period"] == m.source, "actual"] -= m.amount
        moved.loc[moved["period"] == m.destination, "actual"] += m.amount
        src = actuals[periods.index(m.source)]
        assert m.amount <= shift * src + 1e-9  # never more than the shift of the source
        assert m.source[:4] == m.destination[:4]  # never across a year
    honest = run_scheme(_data(actuals, periods=periods), scheme, library=False).total_cost
    gamed = run_scheme(moved, scheme, library=False).total_cost
    assert round(gamed - honest, 2) == r.gaming_cost


def test_many_employees_at_once_match_one_at_a_time():
    rng = np.random.default_rng(7)
    scheme = load_scheme(
        {"name": "s", "period": "quarter", "on_target_pay": 1000, "cap": 1.5,
         "components": [{"kpi": "revenue", "weight": 1, "target": 100,
                         "curve": {"points": [[0.9, 0.5], [1.0, 1.0], [1.2, 2.0]]}}]}
    )  # fmt: skip
    parts = [_data(rng.integers(70, 140, 4), employee=f"p{i}") for i in range(12)]
    together = _stress(scheme, pd.concat(parts, ignore_index=True))
    alone = [_stress(scheme, p).gaming_cost for p in parts]
    assert together.gaming_cost == pytest.approx(sum(alone), abs=0.005)
    by_emp = together.by_employee.set_index("employee")["extra_pay"]
    for i, cost in enumerate(alone):
        assert by_emp.get(f"p{i}", 0.0) == cost


# --------------------------------------------------------------------------- team scope


def _team_scheme(curve):
    return load_scheme(
        {"name": "ts", "period": "quarter", "on_target_pay": 1000,
         "components": [
             {"kpi": "revenue", "weight": 0.5, "target": {"method": "fixed", "value": 100},
              "curve": curve},
             {"kpi": "revenue", "weight": 0.5, "target": {"method": "fixed", "value": 100},
              "curve": curve, "scope": "team"}]}
    )  # fmt: skip


def _team_run(scheme):
    data = pd.concat([_data([98, 105], employee="a1"), _data([100, 100], employee="a2")])
    roster = pd.DataFrame(
        {"employee": ["a1", "a2", "m"], "team": ["T", "T", "T"], "manager": ["m", "m", None]}
    )
    inputs = prepare(data, scheme, library=False, roster=roster)
    return stress_test(scheme, inputs, shift=0.1, library=False)


def test_a_team_item_moves_with_the_employees_own_amount():
    """The audit's reproduction: an own and a team component on revenue, step at 100%.

    Team target 2 × 100 = 200. Honest, 500 per half:
      a1: Q1 own 98/100 → 0, team 198/200 → 0; Q2 own 105 → 500, team 205/200 → 500: 1,000
      a2: Q1 own 100 → 500, team 198 → 0;       Q2 own 100 → 500, team 205 → 500: 1,500
      total 2,500.
    a1 moves 2 from Q2 to Q1 (within 10% of 105): Q1 own 100/100 → 500 and the team's
    Q1 200/200 → 500; Q2 own 103 → 500, team 203/200 → 500: a1 earns 2,000, +1,000.
    a2 alone gains nothing: 2 into Q1 lifts the team's Q1 (+500) but drops a2's own Q2 to
    98 (−500). The gain counted is each mover's own pay: 1,000 (a2's +500 from the
    team's Q1 is not counted, docs/gaming-stress-test.md).
    """
    r = _team_run(_team_scheme({"steps": [[1.0, 1.0]]}))
    assert r.honest_total == 2500.0
    assert r.gaming_cost == 1000.0
    assert r.by_employee.to_dict("records") == [
        {"scheme": "ts", "employee": "a1",
         "moves": "2 units of revenue from 2025-Q2 to 2025-Q1", "extra_pay": 1000.0}
    ]  # fmt: skip


def test_a_team_item_on_a_linear_curve_gains_nothing():
    """Points [[0, 0], [2, 2]] pay attainment × 500 per half: linear, so no move pays.

    Honest: a1 Q1 490 + 495 (198/200), Q2 525 + 512.5 (205/200); a2 500 + 495, 500 + 512.5;
    total 4,030. Moving t from Q2 to Q1 adds 5t − 5t to the own half and 2.5t − 2.5t to
    the team half: 0, never negative (the audit saw −1,008).
    """
    r = _team_run(_team_scheme({"points": [[0, 0], [2, 2]]}))
    assert r.honest_total == 4030.0
    assert r.gaming_cost == 0.0
    assert r.by_employee.empty


# --------------------------------------------------------------------------- paid over time


def test_a_true_up_counts_what_is_paid_not_earned():
    """The contract's example with true_up {over: year, shortfall: carry}.

    Year to date against 100 a quarter: Q1 98/100 → 0; Q2 203/200 → 2,000, paid 2,000;
    Q3 263/300 → 0 (carry); Q4 363/400 → 0: paid 2,000. Moving 2 from Q2 to Q1:
    Q1 100/100 → 1,000 paid; Q2 still 203/200 → 2,000 to date, 1,000 paid; Q3, Q4 0:
    paid 2,000 again. Gain 0 (earned per period it was +1,000).
    """
    scheme = _step_scheme(true_up={"over": "year", "shortfall": "carry"})
    r = _stress(scheme, _data([98, 105, 60, 100]))
    assert r.honest_total == 2000.0
    assert r.gaming_cost == 0.0
    assert r.by_employee.empty


def test_a_true_up_pays_for_lifting_a_year_to_date_peak():
    """Actuals 90, 120, 85, 100 with true_up carry: a move into Q3 lifts its year to date.

    Honest: Q1 90/100 → 0; Q2 210/200 → 2,000; Q3 295/300 → 0; Q4 395/400 → 0: paid 2,000.
    5 from Q4 to Q3 (10% of 100 allows 10): Q3 300/300 → 3,000 to date, pays 1,000 more;
    Q4 still 395/400: paid 3,000, +1,000. 10 from Q2 to Q1 (the move without a true-up)
    pays Q1 1,000 and Q2 1,000: still 2,000, no gain.
    """
    scheme = _step_scheme(true_up={"over": "year", "shortfall": "carry"})
    r = _stress(scheme, _data([90, 120, 85, 100]))
    assert r.honest_total == 2000.0
    assert r.gaming_cost == 1000.0
    assert r.by_employee["moves"].tolist() == ["5 units of revenue from 2025-Q4 to 2025-Q3"]
    plain = _stress(_step_scheme(), _data([90, 120, 85, 100]))
    assert plain.by_employee["moves"].tolist() == ["10 units of revenue from 2025-Q2 to 2025-Q1"]


def test_a_true_up_that_recovers_pays_nothing_for_moves_within_a_year():
    """shortfall: recover pays the year to date at the year's end, which no move changes.

    Honest 90, 120, 85, 100: Q2 2,000, Q3 and Q4 recover it (395/400 → 0): paid 0.
    """
    scheme = _step_scheme(true_up={"over": "year", "shortfall": "recover"})
    r = _stress(scheme, _data([90, 120, 85, 100]))
    assert r.honest_total == 0.0
    assert r.gaming_cost == 0.0
