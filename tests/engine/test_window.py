"""``periods`` that start after periods a payment depends on (a true-up's year, a draw's
balance, a restatement of an earlier period): the earlier periods are evaluated and left out,
so each period shown pays what it pays in the whole run."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from payout_cases import long_table, scheme_dict

from kpitools.cli import main
from kpitools.engine import calibrate, run_scheme
from kpitools.errors import DefinitionError
from kpitools.scheme import load_scheme
from kpitools.whatif.evaluate import Evaluator

CURVE = {"points": [[0.5, 0], [1.0, 1.0], [1.5, 2.0]]}


def quarterly(**extra):
    return scheme_dict(
        [{"kpi": "sales", "weight": 1, "target": 100, "curve": CURVE}],
        period="quarter",
        on_target_pay=10_000,
        **extra,
    )


# the contract's true-up example, and a 2026 beyond it
DATA = long_table(
    [("a", f"2025-Q{q}", "sales", v) for q, v in enumerate([150, 20, 100, 100], 1)]
    + [("a", "2026-Q1", "sales", 20.0)]
)


@pytest.mark.parametrize(
    ("shortfall", "payments"),
    [("recover", [-6_000.0, 10_000.0, 10_000.0]), ("carry", [0.0, 4_000.0, 10_000.0])],
)
def test_a_true_up_window_from_q2_counts_what_q1_paid(shortfall, payments):
    """By hand: Q2's year to date 170/200 = 0.85 → 0.7 × 20,000 = 14,000 less the 20,000
    Q1 paid: −6,000 (recover) or 0 (carry, then 4,000 in Q3)."""
    scheme = quarterly(true_up={"shortfall": shortfall})
    run = run_scheme(DATA, scheme, periods="2025-Q2..2025-Q4", library=False)
    assert run.totals["period"].tolist() == ["2025-Q2", "2025-Q3", "2025-Q4"]
    assert run.totals["payout"].tolist() == payments
    assert run.payouts["period"].unique().tolist() == ["2025-Q2", "2025-Q3", "2025-Q4"]
    assert run.total_cost == sum(payments)
    assert run.warnings[-1] == (
        "2025-Q1 evaluated as well and left out: what a period pays depends on the earlier "
        "periods (the year to date, a draw's balance, restatements)."
    )
    assert run.inputs.n == run.arrays.payout.size == 3


def test_a_window_from_a_years_start_is_as_before():
    run = run_scheme(DATA, quarterly(true_up={}), periods="2026-Q1..2026-Q1", library=False)
    assert run.totals["payout"].tolist() == [0.0]  # 20/100: below the curve's first point


def test_a_restatement_before_the_window_is_clawed_back_inside_it():
    """The contract's example shown from February: January (10,000 paid 1,000) restated to
    7,000 as of March: March pays 400 − 300 = 100."""
    data = pd.DataFrame(
        {
            "employee": ["a"] * 4,
            "period": ["2025-01", "2025-01", "2025-02", "2025-03"],
            "kpi": ["revenue"] * 4,
            "actual": [10_000.0, 7_000.0, 5_000.0, 4_000.0],
            "as_of": [None, "2025-03", None, None],
        }
    )
    scheme = scheme_dict([{"kpi": "revenue", "commission": {"rate": 0.10}}], clawback={"within": 2})
    run = run_scheme(data, scheme, periods="2025-02..2025-03", library=False)
    assert run.totals[["period", "adjustment", "payment"]].values.tolist() == [
        ["2025-02", 0.0, 500.0],
        ["2025-03", -300.0, 100.0],
    ]


@settings(max_examples=40, deadline=None)
@given(
    actuals=st.lists(st.integers(0, 200), min_size=8, max_size=8),
    start=st.integers(1, 7),
    shortfall=st.sampled_from(["carry", "recover"]),
    draw=st.booleans(),
)
def test_every_window_shows_the_whole_runs_rows(actuals, start, shortfall, draw):
    """Two years of quarters, a true-up and maybe a draw: any window's rows are the whole
    run's rows of those periods, every step of them."""
    labels = [f"{2025 + i // 4}-Q{i % 4 + 1}" for i in range(8)]
    data = long_table([("a", p, "sales", float(v)) for p, v in zip(labels, actuals, strict=True)])
    extra = {"true_up": {"shortfall": shortfall}}
    if draw:
        extra["draw"] = {"amount": 3_000, "recoverable": True}
    scheme = quarterly(**extra)
    whole = run_scheme(data, scheme, library=False).payouts
    window = run_scheme(data, scheme, periods=f"{labels[start]}..{labels[-1]}", library=False)
    expected = whole[whole["period"].isin(labels[start:])].reset_index(drop=True)
    pd.testing.assert_frame_equal(window.payouts, expected)


def test_a_window_with_no_period_of_the_data_is_still_refused():
    with pytest.raises(DefinitionError) as info:
        run_scheme(DATA, quarterly(true_up={}), periods="2027-Q1..2027-Q4", library=False)
    assert str(info.value).startswith("periods '2027-Q1..2027-Q4': none of the data's quarters")


def test_calibrate_and_the_command_line_see_the_same_window(tmp_path, capsys):
    """Q2–Q4 with recover cost 14,000 at an on-target pay of 10,000 (−6,000 + 10,000 +
    10,000): 28,000 needs 20,000."""
    scheme = quarterly(true_up={"shortfall": "recover"})
    window = "2025-Q2..2025-Q4"
    result = calibrate(DATA, scheme, "on_target_pay", "total_cost", 28_000,
                       bounds=(1_000, 50_000), periods=window, library=False)  # fmt: skip
    assert result.value == pytest.approx(20_000, abs=0.01)
    # what Q1 paid moves Q2's payment: payments −0.6, 1, 1 × on-target pay give a p10 of
    # −0.6 + 0.2 × 1.6 = −0.28 with Q1's 150% point at 2.0
    result = calibrate(DATA, scheme, "components.0.curve.points.2.1", "payout_p10", -0.28,
                       bounds=(1.5, 3), periods=window, library=False)  # fmt: skip
    assert result.value == pytest.approx(2.0, abs=1e-6)
    DATA.to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "s.yaml").write_text(
        "name: s\nperiod: quarter\non_target_pay: 10000\ncomponents:\n"
        "  - {kpi: sales, weight: 1, target: {method: fixed, value: 100},"
        " curve: {points: [[0.5, 0], [1.0, 1.0], [1.5, 2.0]]}}\n"
        "true_up: {over: year, shortfall: recover}\n"
    )
    args = ["simulate", "--data", str(tmp_path / "data.csv"), "--scheme", str(tmp_path / "s.yaml"),
            "--periods", "2025-Q2..2025-Q4", "--out", str(tmp_path / "out")]  # fmt: skip
    assert main(args) == 0, capsys.readouterr()
    metrics = pd.read_csv(tmp_path / "out" / "metrics.csv")
    assert metrics["total_cost"].tolist() == [14_000.0]


def test_the_what_if_evaluator_pays_the_window_as_the_run_does():
    """The explorer's evaluator, given the same window, pays −6,000 / 10,000 / 10,000."""
    scheme = load_scheme(quarterly(true_up={"shortfall": "recover"}))
    ev = Evaluator(DATA, periods="2025-Q2..2025-Q4", library=False)
    assert ev.evaluate(scheme).arrays.payout.tolist() == [-6_000.0, 10_000.0, 10_000.0]
