"""Rated objectives, funded pools, windows and per-unit pay (contract §9): worked examples,
properties and bad input.

Every example is the contract's, to the cent; the properties run the real engine on
generated cases (hypothesis).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.cli import main
from kpitools.data import load, load_library
from kpitools.engine import compute, forecast, run_scheme, simulate
from kpitools.engine.arrays import PayoutInputs
from kpitools.errors import DataValidationError, DefinitionError
from kpitools.plots import plot_payout_curve
from kpitools.scheme import load_scheme
from kpitools.whatif import scheme_controls

RATED = {"points": [[0, 0], [3, 1], [5, 1.5]]}


def rows(*records):
    """A long table from (employee, period, kpi, actual) tuples."""
    return pd.DataFrame(records, columns=["employee", "period", "kpi", "actual"])


def rated_scheme(**extra):
    return {
        "name": "rated",
        "on_target_pay": 10_000,
        "components": [
            {"kpi": "rating", "weight": 0.3, "basis": "score", "curve": RATED, **extra},
            {"kpi": "sales", "weight": 0.7, "target": 100, "curve": {"steps": [[1, 1]]}},
        ],
    }


# --------------------------------------------------------------------------- ratings
def test_contract_rating_example_score_4_pays_3750():
    data = rows(("a", "2025-01", "rating", 4.0), ("a", "2025-01", "sales", 0.0))
    run = run_scheme(data, rated_scheme(), library=False)
    rated = run.payouts.iloc[0]
    assert (rated["actual"], rated["factor"], rated["payout"]) == (4.0, 1.25, 3750.0)
    assert rated["attainment"] == 1.25  # a score counts as its factor
    assert run.totals["payout"].tolist() == [3750.0]
    assert not run.warnings


def test_a_score_read_from_a_kpi_that_is_not_a_rating_is_warned_about():
    """basis: score on revenue (a lagging amount in the shipped library): 100 read as a
    score still pays as the curve says (1.5 from 5 up: 0.3 × 10,000 × 1.5 = 4,500), with a
    warning; without a library there is nothing to go by, and no warning."""
    data = rows(("a", "2025-01", "revenue", 100.0), ("a", "2025-01", "sales", 0.0))
    scheme = rated_scheme()
    scheme["components"][0]["kpi"] = "revenue"
    run = run_scheme(data, scheme)
    assert run.totals["payout"].tolist() == [4500.0]
    assert (
        "components[0] (revenue): basis: score reads 'revenue', which the KPI library does not "
        "mark as a rating (type: rating with a scale): its values are used as scores as they "
        "are."
    ) in run.warnings
    without_library = run_scheme(data, scheme, library=False)  # nothing to go by: no warning
    assert not [w for w in without_library.warnings if "basis: score" in w]


@pytest.mark.parametrize(("missing", "paid"), [("target", 3000.0), ("zero", 0.0)])
def test_a_missing_score_is_paid_as_missing_says(missing, paid):
    data = rows(("a", "2025-01", "rating", 4.0), ("a", "2025-01", "sales", 100.0),
                ("b", "2025-01", "sales", 100.0))  # fmt: skip
    run = run_scheme(data, rated_scheme(missing=missing), library=False)
    assert run.payouts.loc[run.payouts["component"] == "0", "payout"].tolist() == [3750.0, paid]
    how = "paid as on target" if missing == "target" else "that component pays 0"
    assert run.warnings == (
        f"components[0] (rating): 1 employee-period(s) have no score; {how} (missing: {missing}).",
    )


def test_a_missing_score_without_missing_is_an_error_naming_employee_and_period():
    data = rows(("a", "2025-01", "rating", 4.0), ("a", "2025-01", "sales", 100.0),
                ("b", "2025-01", "sales", 100.0), ("c", "2025-02", "sales", 90.0))  # fmt: skip
    with pytest.raises(DataValidationError) as info:
        run_scheme(data, rated_scheme(), library=False)
    assert str(info.value) == (
        "scheme 'rated': components[0] (rating): 2 employee-period(s) have no score:\n"
        "  employee 'b' in 2025-01\n"
        "  employee 'c' in 2025-02\n"
        "Suggestion: enter the missing ratings in the data, or say how to pay them with "
        "missing: target (as if on target) or missing: zero."
    )
    assert info.value.failure_cases["value"].tolist() == ["b × 2025-01", "c × 2025-02"]


def test_a_rating_off_its_scale_is_a_data_error_listing_the_rows(tmp_path):
    (tmp_path / "lib.yaml").write_text(
        "kpis:\n  - {id: objectives_rating, name: Objectives, area: management, unit: score,\n"
        "     direction: higher, aggregation: mean, type: rating, scale: [0, 5],\n"
        "     quantitative: false, level: individual, description: Manager's rating.}\n"
    )
    (tmp_path / "data.csv").write_text(
        "employee,period,kpi,actual\na,2025-01,objectives_rating,4\n"
        "b,2025-01,objectives_rating,6\nc,2025-01,objectives_rating,-0.5\n"
    )
    with pytest.raises(DataValidationError) as info:
        load(tmp_path / "data.csv", library=load_library(tmp_path / "lib.yaml"))
    assert str(info.value) == (
        f"{tmp_path / 'data.csv'}: 1 problem in 2 rows; nothing was loaded.\n"
        "- column 'actual': rating off its scale (the KPI is type: rating with a scale in the "
        "library) (2 rows): row 3 ('objectives_rating = 6.0 (scale 0 to 5)'), row 4 "
        "('objectives_rating = -0.5 (scale 0 to 5)')\n"
        "  Suggestion: enter the rating on the KPI's scale (0 to 5 for scale: [0, 5]), or "
        "correct the scale in your library file."
    )


def test_the_library_ships_rated_objectives_and_a_customer_feedback_rating():
    lib = load_library()
    assert lib["objectives_rating"].type == "rating" and lib["objectives_rating"].scale == (0, 5)
    assert lib["customer_feedback_rating"].scale == (1, 5)
    assert lib["customer_feedback_rating"].area == "customer_service"


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("type: rating", "a rating KPI needs its 'scale'.\nSuggestion: add scale: [low, high], "
         "e.g. scale: [0, 5] for a rating from 0 to 5."),
        ("type: lagging, scale: [0, 5]", "scale belongs to a rating KPI (type: rating), not "
         "type: lagging.\nSuggestion: write type: rating for a rated objective, or use limits: "
         "[low, high] for a plausible range of any KPI."),
        ("type: rating, scale: [5, 1]", "scale [5.0, 1.0] is not a range.\nSuggestion: write "
         "[low, high] with low < high, e.g. [0, 5]."),
    ],
)  # fmt: skip
def test_a_rating_kpi_needs_a_scale_and_only_a_rating_has_one(tmp_path, entry, message):
    path = tmp_path / "lib.yaml"
    path.write_text(
        "kpis:\n  - {id: r, name: R, area: management, unit: score, direction: higher,\n"
        f"     aggregation: mean, {entry}, quantitative: false, level: individual,\n"
        "     description: A rating.}\n"
    )
    with pytest.raises(DefinitionError) as info:
        load_library(path)
    assert str(info.value) == f"{path}: line 2 (kpis[0]): {message}"


# --------------------------------------------------------------------------- funded pool
def pool_data(margin_total):
    """Three people earning 1,000 / 2,000 / 3,000 (commission rate 1) and the margin."""
    share = margin_total / 3
    return rows(*[(e, "2025-01", k, v) for e, x in (("a", 1000.0), ("b", 2000.0), ("c", 3000.0))
                  for k, v in (("x", x), ("margin", share))])  # fmt: skip


def pool_scheme(distribute=None):
    pool = {"funded_by": {"kpi": "margin", "rate": 0.1, "above": 100_000}}
    if distribute:
        pool["distribute"] = distribute
    return {"name": "pooled", "on_target_pay": 1000, "pool": pool,
            "components": [{"kpi": "x", "commission": {"rate": 1}}]}  # fmt: skip


@pytest.mark.parametrize(
    ("margin", "distribute", "paid", "pool", "scale"),
    [
        (150_000, "cap", [833.33, 1666.67, 2500.00], 5000.0, 5 / 6),
        (150_000, "all", [833.33, 1666.67, 2500.00], 5000.0, 5 / 6),
        (250_000, "cap", [1000.0, 2000.0, 3000.0], 15000.0, 1.0),
        (250_000, "all", [2500.0, 5000.0, 7500.0], 15000.0, 2.5),
        (90_000, "cap", [0.0, 0.0, 0.0], 0.0, 0.0),
    ],
)
def test_contract_funded_pool_example_to_the_cent(margin, distribute, paid, pool, scale):
    run = run_scheme(pool_data(margin), pool_scheme(distribute), library=False)
    assert run.totals["payout"].tolist() == paid
    table = run.pools
    assert table.columns.tolist() == [
        "scheme", "period", "funding", "pool", "earned", "paid", "scale", "scaled_down",
    ]  # fmt: skip
    assert table.iloc[0].tolist() == [
        "pooled", "2025-01", float(margin), pool, 6000.0, sum(paid), round(scale, 6), scale < 1,
    ]  # fmt: skip


def test_pool_metrics_and_pools_csv_show_how_often_and_how_much_pay_was_scaled(tmp_path):
    data = pd.concat([pool_data(150_000), pool_data(250_000).assign(period="2025-02")])
    result = simulate(data, [pool_scheme()], library=False)
    m = result.metrics.loc["pooled"]
    assert (m["pool_periods_scaled_down"], m["pool_share_used"]) == (0.5, 11_000 / 20_000)
    written = result.save(tmp_path)
    pools = pd.read_csv(written["pools"])
    assert pools[["period", "pool", "paid", "scaled_down"]].to_dict("records") == [
        {"period": "2025-01", "pool": 5000.0, "paid": 5000.0, "scaled_down": True},
        {"period": "2025-02", "pool": 15000.0, "paid": 6000.0, "scaled_down": False},
    ]
    metrics = pd.read_csv(written["metrics"])
    assert metrics.columns[-2:].tolist() == ["pool_periods_scaled_down", "pool_share_used"]


def test_a_budget_pool_keeps_its_metrics_and_shows_its_use_per_period():
    data = pool_data(0.0)
    scheme = {**pool_scheme(), "pool": {"budget": 4500}}
    result = simulate(data, [scheme], library=False)
    assert "pool_share_used" not in result.metrics.columns  # metrics.csv as before
    assert result.totals["payout"].tolist() == [750.0, 1500.0, 2250.0]
    assert result.pools[["pool", "earned", "paid", "scale"]].iloc[0].tolist() == [
        4500.0, 6000.0, 4500.0, 0.75,
    ]  # fmt: skip


def funded_by_all(people):
    """Monthly revenue (target 100, curve 1:1 to 10) and margin rows, and the pooled scheme.

    ``people``: (employee, role, revenue or None, margin) per person.
    """
    records = []
    for e, role, revenue, margin in people:
        if revenue is not None:
            records.append((e, "2025-01", "revenue", revenue, role))
        records.append((e, "2025-01", "gross_margin", margin, role))
    data = pd.DataFrame(records, columns=["employee", "period", "kpi", "actual", "role"])
    scheme = {"name": "pooled", "on_target_pay": 1000,
              "pool": {"funded_by": {"kpi": "gross_margin", "rate": 0.1, "above": 100_000}},
              "components": [{"kpi": "revenue", "weight": 1, "target": 100,
                              "curve": {"points": [[0, 0], [10, 10]]}}]}  # fmt: skip
    return data, scheme


@pytest.mark.parametrize("roles", [None, ["rep"]])
def test_the_pool_is_funded_by_everyone_in_the_data_not_only_those_evaluated(roles):
    """x1 (ops, no revenue rows) funds the pool too (contract §9: over all employees).

    Margin 50,000 + 50,000 + 100,000 = 200,000 → pool 0.1 × (200,000 − 100,000) = 10,000;
    e1, e2 each earn 1,000 × 1.0 = 1,000 → 2,000 ≤ 10,000 → paid as earned (cap).
    (Funded by the evaluated only: 100,000 → pool 0 → everyone paid 0.)
    """
    data, scheme = funded_by_all(
        [("e1", "rep", 100.0, 50_000.0), ("e2", "rep", 100.0, 50_000.0),
         ("x1", "ops", None, 100_000.0)]
    )  # fmt: skip
    if roles:
        scheme["roles"] = roles
    run = run_scheme(data, scheme, library=False)
    assert run.totals[["employee", "payout"]].values.tolist() == [["e1", 1000.0], ["e2", 1000.0]]
    assert run.pools[["funding", "pool", "earned", "paid"]].iloc[0].tolist() == [
        200_000.0, 10_000.0, 2000.0, 2000.0,
    ]  # fmt: skip


def test_a_role_the_scheme_does_not_evaluate_tips_the_pool_above_its_threshold():
    """The reps' margin alone (60,000) is below 100,000; an ops person's 50,000 tips it over.

    Funding 60,000 + 50,000 = 110,000 → pool 0.1 × 10,000 = 1,000; the reps earn
    1,000 (attainment 1.0) and 2,000 (2.0) = 3,000 > 1,000 → cap scales by 1/3:
    333.33 and 666.67 (largest remainders: 333.333… and 666.666… → 333.33 + 666.67 = 1,000).
    """
    data, scheme = funded_by_all(
        [("e1", "rep", 100.0, 30_000.0), ("e2", "rep", 200.0, 30_000.0),
         ("o1", "ops", 50.0, 50_000.0)]
    )  # fmt: skip
    scheme["roles"] = ["rep"]
    result = simulate(data, [scheme], library=False)
    assert result.totals[["employee", "payout"]].values.tolist() == [
        ["e1", 333.33], ["e2", 666.67],
    ]  # fmt: skip
    assert result.pools[["funding", "pool", "earned", "paid"]].iloc[0].tolist() == [
        110_000.0, 1000.0, 3000.0, 1000.0,
    ]  # fmt: skip


def test_the_cli_funds_the_pool_from_everyone_and_pools_csv_shows_the_total(tmp_path):
    """The reproduction through the command line, with --where keeping January only."""
    data, scheme = funded_by_all(
        [("e1", "rep", 100.0, 50_000.0), ("e2", "rep", 100.0, 50_000.0),
         ("x1", "ops", None, 100_000.0)]
    )  # fmt: skip
    february = data.assign(period="2025-02", actual=data["actual"] * 10)  # filtered out
    pd.concat([data, february]).to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "s.yaml").write_text(yaml.safe_dump({**scheme, "roles": ["rep"]}))
    code = main(["simulate", "--data", str(tmp_path / "data.csv"), "--scheme",
                 str(tmp_path / "s.yaml"), "--where", 'period == "2025-01"',
                 "--out", str(tmp_path / "out")])  # fmt: skip
    assert code == 0
    pools = pd.read_csv(tmp_path / "out" / "pools.csv")
    assert pools[["period", "funding", "pool", "paid"]].values.tolist() == [
        ["2025-01", 200_000, 10_000, 2000],
    ]


# hypothesis: earned amounts in cents, a funding total, several periods
cents = st.integers(min_value=0, max_value=5_000_000).map(lambda c: c / 100)


@st.composite
def pooled_cases(draw):
    n_periods = draw(st.integers(1, 3))
    per = [draw(st.lists(cents, min_size=1, max_size=8)) for _ in range(n_periods)]
    margins = [draw(st.integers(0, 3_000_000)) for _ in range(n_periods)]
    rate = draw(st.sampled_from([0.01, 0.05, 0.1, 0.33]))
    above = draw(st.sampled_from([0, 10_000, 250_000]))
    return per, margins, rate, above


def compute_pooled(per, margins, rate, above, distribute):
    earned = np.concatenate([np.array(p, dtype=float) for p in per])
    code = np.concatenate([np.full(len(p), i) for i, p in enumerate(per)])
    pairs = zip(per, margins, strict=True)
    funding = np.concatenate([np.full(len(p), float(m)) for p, m in pairs])  # per row: its period's
    n = len(earned)
    scheme = load_scheme(
        {
            **pool_scheme(distribute),
            "pool": {
                "funded_by": {"kpi": "margin", "rate": rate, "above": above},
                "distribute": distribute,
            },
        }
    )
    keys = pd.DataFrame({"employee": [f"e{i}" for i in range(n)],
                         "period": [f"2025-0{c + 1}" for c in code]})  # fmt: skip
    inputs = PayoutInputs(keys=keys, actual=(earned,), target=(np.full(n, np.nan),),
        gate_actual=(), gate_target=(), modifier_actual=(), modifier_target=(),
        direction=("higher",), gate_direction=(), modifier_direction=(),
        on_target_pay=np.full(n, 1000.0), revenue=np.full(n, np.nan), period_code=code,
        pool_actual=funding)  # fmt: skip
    arrays = compute(scheme, inputs)
    pools = np.floor(np.round(rate * np.maximum(np.array(margins) - above, 0) * 100, 6)) / 100
    return earned, code, arrays.payout, pools


@settings(max_examples=150, deadline=None)
@given(pooled_cases())
def test_cap_never_pays_more_than_the_pool_or_than_anyone_earned(case):
    earned, code, paid, pools = compute_pooled(*case, "cap")
    assert (paid <= earned + 1e-9).all()
    assert (paid >= 0).all()
    for p, pool in enumerate(pools):
        total = paid[code == p].sum()
        assert total <= pool + 1e-6 or np.isclose(total, earned[code == p].sum())
        if earned[code == p].sum() > pool:
            assert round(total, 2) == round(pool, 2)  # a scaled period pays its pool exactly


@settings(max_examples=150, deadline=None)
@given(pooled_cases())
def test_all_pays_exactly_the_pool_whenever_someone_earned(case):
    earned, code, paid, pools = compute_pooled(*case, "all")
    for p, pool in enumerate(pools):
        total = round(paid[code == p].sum(), 2)
        assert total == (round(pool, 2) if earned[code == p].sum() > 0 else 0.0)
        exact = earned[code == p] * (pool / max(earned[code == p].sum(), 0.01))
        assert np.abs(paid[code == p] - exact).max(initial=0) < 0.01 + 1e-9


# --------------------------------------------------------------------------- windows, per unit
def spif(active=None, period="month"):
    comp = {"kpi": "units", "commission": {"per_unit": 50}}
    if active:
        comp["active"] = active
    return {"name": "spif", "period": period, "on_target_pay": 1000, "components": [comp]}


def test_contract_window_example_feb_0_march_600():
    data = rows(("a", "2025-02", "units", 10.0), ("a", "2025-03", "units", 12.0))
    run = run_scheme(data, spif({"from": "2025-03", "to": "2025-05"}), library=False)
    assert run.totals["payout"].tolist() == [0.0, 600.0]


def test_a_spif_rides_on_a_weighted_plan_without_a_weight():
    scheme = {"name": "plan", "on_target_pay": 1000, "components": [
        {"kpi": "sales", "weight": 0.6, "target": 100, "curve": {"steps": [[1, 1]]}},
        {"kpi": "calls", "weight": 0.4, "target": 10, "curve": {"steps": [[1, 1]]}},
        {"kpi": "units", "commission": {"per_unit": 50},
         "active": {"from": "2025-03", "to": "2025-03"}}]}  # fmt: skip
    data = rows(*[("a", p, k, v) for p in ("2025-02", "2025-03")
                  for k, v in (("sales", 100.0), ("calls", 10.0), ("units", 12.0))])  # fmt: skip
    run = run_scheme(data, scheme, library=False)
    assert run.totals["payout"].tolist() == [1000.0, 1600.0]
    assert run.totals["attainment"].tolist() == [1.0, 1.0]  # the SPIF carries no weight


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 500), min_size=1, max_size=12), st.integers(0, 3))
def test_a_window_covering_every_period_changes_nothing(units, margin):
    periods = [f"2025-{m:02d}" for m in range(1, len(units) + 1)]
    data = rows(*[("a", p, "units", float(u)) for p, u in zip(periods, units, strict=True)])
    wide = {"from": f"{2025 - margin}-01", "to": f"{2025 + margin}-12"}
    plain = run_scheme(data, spif(), library=False).payouts
    windowed = run_scheme(data, spif(wide), library=False).payouts
    pd.testing.assert_frame_equal(plain, windowed)


def test_a_quarterly_window_counts_whole_quarters():
    data = rows(*[("a", f"2025-{m:02d}", "units", 1.0) for m in range(1, 13)])
    run = run_scheme(data, spif({"from": "2025-04", "to": "2025-09"}, "quarter"), library=False)
    assert run.totals["payout"].tolist() == [0.0, 150.0, 150.0, 0.0]


# --------------------------------------------------------------------------- bad input
BAD = {
    "score with a target method": (
        lambda s: s["components"][0].update(target={"method": "growth", "rate": 0.1,
                                                    "base": "previous_period"}),
        "scheme 'rated': components[0]: basis: score maps the score itself through the curve, "
        "so the target (method: growth) would never be used.\nSuggestion: remove target: (the "
        "curve's points are scores, e.g. [[0, 0], [3, 1], [5, 1.5]]), or remove basis: score "
        "to pay on attainment against the target.",
    ),
    "missing without a score": (
        lambda s: s["components"][1].update(missing="zero"),
        "scheme 'rated': components[1]: missing: applies to a score (basis: score); an "
        "attainment needs an actual.\nSuggestion: add basis: score to map a rating through "
        "the curve, or remove missing:.",
    ),
    "pool without kpi": (
        lambda s: s.update(pool={"funded_by": {"rate": 0.1, "above": 0}}),
        "scheme 'rated': pool: a funded pool needs the KPI that funds it (funded_by.kpi).\n"
        "Suggestion: write funded_by: {kpi: gross_margin, rate: 0.1, above: 0}.",
    ),
    "pool with budget and funding": (
        lambda s: s.update(pool={"budget": 5, "funded_by": {"kpi": "m", "rate": 0.1}}),
        "scheme 'rated': pool: a pool has either a 'budget' or 'funded_by', not both.\n"
        "Suggestion: write pool: {budget: 1500000} for a fixed pool, or pool: {funded_by: "
        "{kpi: gross_margin, rate: 0.1, above: 0}} for one funded by a KPI.",
    ),
    "window from after to": (
        lambda s: s["components"][1].update(active={"from": "2025-06", "to": "2025-05"}),
        "scheme 'rated': components[1].active: the window starts (2025-06) after it ends "
        "(2025-05).\nSuggestion: write from: as the first month and to: as the last month of "
        "the window.",
    ),
    "window month typo": (
        lambda s: s["components"][1].update(active={"from": "2025-6", "to": "2025-07"}),
        "scheme 'rated': components[1].active.from: '2025-6' is not a month.\n"
        "Suggestion: write the month as YYYY-MM, e.g. 2025-03.",
    ),
    "window cutting a quarter": (
        lambda s: s.update(period="quarter") or s["components"][1].update(
            active={"from": "2025-01", "to": "2025-02"}),
        "scheme 'rated': components[1].active.to: a quarterly scheme's window ends with a "
        "quarter, not in month 2025-02.\nSuggestion: end the window on the last month of a "
        "quarter.",
    ),
    "rate and per_unit": (
        lambda s: s["components"].append({"kpi": "u", "commission": {"rate": 1, "per_unit": 5}}),
        "scheme 'rated': components[2].commission: give one of 'rate', 'per_unit' or 'tiers', "
        "not rate and per_unit.\nSuggestion: write {rate: 0.05} (of the amount), {per_unit: "
        "50} (money per unit) or {tiers: [[0, 0.01], [1.0, 0.02]], mode: marginal}.",
    ),
    "negative per_unit": (
        lambda s: s["components"].append({"kpi": "u", "commission": {"per_unit": -5}}),
        "scheme 'rated': components[2].commission.per_unit: an amount per unit must not be "
        "negative, got -5.\nSuggestion: use 0 or more.",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_scheme_input_is_one_clear_message(case):
    change, expected = BAD[case]
    scheme = rated_scheme()
    change(scheme)
    with pytest.raises(DefinitionError) as info:
        load_scheme(scheme)
    assert str(info.value) == expected


def test_a_pool_funded_by_a_kpi_the_data_lacks_is_an_error():
    scheme = {**pool_scheme(), "pool": {"funded_by": {"kpi": "margn", "rate": 0.1}}}
    with pytest.raises(DefinitionError) as info:
        run_scheme(pool_data(1.0), scheme, library=False)
    assert str(info.value) == (
        "scheme 'pooled': pool.funded_by.kpi: KPI 'margn' is not in the data. Did you mean "
        "'margin'?\nSuggestion: add its rows to the data (the pool is funded from their total "
        "per period), or fund the pool from a KPI the data has."
    )


def test_new_keys_survive_a_round_trip_through_yaml():
    scheme = load_scheme(
        {
            **rated_scheme(missing="target"),
            "pool": {"funded_by": {"kpi": "m", "rate": 0.1, "above": 5}, "distribute": "all"},
        }
    )
    scheme = scheme.set("components.1.active", {"from": "2025-01", "to": "2025-03"})
    text = scheme.to_yaml()
    assert "    basis: score\n    missing: target\n" in text
    assert "    active: {from: 2025-01, to: 2025-03}\n" in text
    assert "pool: {funded_by: {kpi: m, rate: 0.1, above: 5}, distribute: all}\n" in text
    assert load_scheme(yaml.safe_load(text)) == scheme


# --------------------------------------------------------------------------- around the engine
def test_a_forecast_pays_a_spif_only_when_the_next_period_is_inside_its_window():
    data = rows(*[("a", f"2025-{m:02d}", "units", 10.0) for m in range(1, 13)])
    inside = forecast(data, spif({"from": "2026-01", "to": "2026-03"}), n=20, seed=1,
                      library=False)  # fmt: skip
    outside = forecast(data, spif({"from": "2025-01", "to": "2025-12"}), n=20, seed=1,
                       library=False)  # fmt: skip
    assert inside.total_cost_p50 == 500.0 and outside.total_cost_p50 == 0.0


def test_a_forecast_funds_the_pool_from_the_drawn_periods():
    data = pd.concat([pool_data(150_000).assign(period=f"2025-{m:02d}") for m in (1, 2, 3)])
    result = forecast(data, pool_scheme(), n=20, seed=1, library=False)
    assert result.total_cost_p50 == 5000.0  # every draw: 6,000 earned, a pool of 5,000


def test_the_what_if_levers_of_a_spif_and_a_funded_pool():
    scheme = load_scheme({**pool_scheme(), "components": [
        {"kpi": "x", "commission": {"per_unit": 50},
         "active": {"from": "2025-01", "to": "2025-03"}}]})  # fmt: skip
    controls = scheme_controls(scheme)
    per_unit, pool = controls["components.0.rate"], controls["pool"]
    assert (per_unit.label, per_unit.value, per_unit.readout) == ("per unit", 50.0, ",.2f")
    assert (pool.label, pool.value, pool.readout) == ("pool rate", 0.1, ".1%")
    changed = pool.apply(per_unit.apply(scheme, 60.0), 0.2)
    assert changed.components[0].commission.per_unit == 60.0
    assert changed.pool.funded_by.rate == 0.2


def test_a_rated_component_is_drawn_against_the_score():
    scheme = load_scheme(rated_scheme())
    ax = plot_payout_curve(scheme, 0)
    assert ax.get_xlabel() == "rating (score)" and ax.get_xlim() == (0.0, 6.5)
    plt.close(ax.figure)
