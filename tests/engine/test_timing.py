"""Deal timing (kpitools.engine.timing): last-month shares against peers, by hand and demo."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from kpitools.cli import main
from kpitools.engine import period_end_timing
from kpitools.errors import DefinitionError

MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]


def _long(values: dict[str, list[float]], periods=MONTHS, kpi="revenue", role=None):
    rows = [
        {"employee": e, "period": p, "kpi": kpi, "actual": v}
        for e, vals in values.items()
        for p, v in zip(periods, vals, strict=False)
        if v is not None
    ]
    frame = pd.DataFrame(rows)
    if role is not None:
        frame["role"] = frame["employee"].map(role)
    return frame


# A: last month 180 of 300 (0.6) in Q1 and Q3, 150 of 300 (0.5) in Q2 and Q4; B, C flat (1/3).
A = [60, 60, 180, 75, 75, 150, 60, 60, 180, 75, 75, 150]
FLAT = [100] * 12


def test_a_hand_computed_example():
    result = period_end_timing(_long({"A": A, "B": FLAT, "C": FLAT}), "revenue")
    table = result.table.set_index("employee")
    # peer median each quarter: median(0.6 or 0.5, 1/3, 1/3) = 1/3, the "typical 33%"
    assert table.loc["A", "periods"] == 4
    assert table.loc["A", "last_month_share"] == pytest.approx(0.55)
    assert table.loc["A", "peer_share"] == pytest.approx(1 / 3)
    assert table.loc["A", "excess"] == pytest.approx(0.55 - 1 / 3)
    excess = np.array([0.6, 0.5, 0.6, 0.5]) - 1 / 3
    expected_p = stats.ttest_1samp(excess, 0.0, alternative="greater").pvalue  # ≈ 0.0025
    assert table.loc["A", "p_value"] == pytest.approx(expected_p)
    assert expected_p < 0.01
    assert table.loc["B", "excess"] == pytest.approx(0.0)
    assert result.flagged == ["A"]
    assert result.summary == (
        "1 person books 55% of each quarter's revenue in its last month, against a typical "
        "33% (A): results held back to quarter ends, which a quarterly scheme with thresholds "
        "would reward."
    )
    assert result.sentence("sales").startswith("1 person books 55% of each quarter's sales ")


def test_part_quarters_negative_months_and_empty_quarters_do_not_count():
    late = [None, 100, 100] + FLAT[3:]  # hired in February: Q1 is not whole
    neg = [60, 60, 180, -5, 75, 150] + A[6:]  # a negative month spoils Q2
    zero = [0, 0, 0] + A[3:]  # nothing sold in Q1: no share to speak of
    # no library: it would refuse a negative revenue outright (a KPI that may go negative)
    data = _long({"L": late, "N": neg, "Z": zero, "B": FLAT})
    result = period_end_timing(data, "revenue", library=False)
    periods = result.table.set_index("employee")["periods"].to_dict()
    assert periods == {"L": 3, "N": 3, "Z": 3, "B": 4}


def test_too_few_quarters_say_so_instead_of_an_all_clear():
    # three whole quarters each; the rule needs four: no verdict, and the result says why
    few = period_end_timing(_long({"A": A[:9], "B": FLAT[:9], "C": FLAT[:9]}), "revenue")
    assert few.table.set_index("employee").loc["A", "periods"] == 3 and few.flagged == []
    assert few.judged.empty
    assert few.too_short.to_dict() == {"A": 3, "B": 3, "C": 3}
    assert few.summary == (
        "Whether revenue is held back to quarter ends cannot be judged: the rule needs 4 whole "
        "quarters per employee; found 3 (employees A, B, C)."
    )
    assert few.limits == (
        "Deal timing of revenue: 3 employees not judged: the rule needs 4 whole quarters per "
        "employee; found 3 (employees A, B, C).",
    )


def test_employees_with_too_few_quarters_are_named_beside_the_verdict_on_the_others():
    # L joined in May (2 whole quarters), N in October (none whole): B, C, D are judged
    late = [None] * 4 + FLAT[4:]
    newest = [None] * 9 + [100, 100, 100]
    newest[9] = None  # October missing: Q4 is not whole
    values = {"B": FLAT, "C": FLAT, "D": FLAT, "L": late, "N": newest}
    result = period_end_timing(_long(values), "revenue")
    assert result.too_short.to_dict() == {"L": 2, "N": 0}
    assert sorted(result.judged["employee"]) == ["B", "C", "D"]
    assert result.summary == (
        "Nobody books an unusual share of a quarter's revenue in its last month (typically "
        "33%). 2 employees are not judged: the rule needs 4 whole quarters per employee; found "
        "2 (employee L) and 0 (employee N)."
    )
    many = {f"E{i:02d}": FLAT[:6] for i in range(9)}
    assert period_end_timing(_long(many), "revenue").needs == (
        "needs 4 whole quarters per employee; found 2 (employees E00, E01, E02, E03, E04, E05 "
        "and 3 more)"
    )
    assert period_end_timing(_long({"A": A, "B": FLAT}), "revenue").limits == ()


def test_too_small_an_excess_is_not_flagged():
    # 0.4 and 0.38 against 1/3: consistent, but under 10 points on average
    small = [100, 80, 120, 100, 86, 114, 100, 80, 120, 100, 86, 114]
    assert period_end_timing(_long({"S": small, "B": FLAT, "C": FLAT}), "revenue").flagged == []


def test_peers_are_the_same_role():
    # Managers book half of every quarter in its last month, all of them: normal for the role.
    manager = [50, 50, 100] * 4
    data = _long(
        {"M1": manager, "M2": manager, "M3": manager, "R1": FLAT, "R2": FLAT, "R3": A},
        role={"M1": "mgr", "M2": "mgr", "M3": "mgr", "R1": "rep", "R2": "rep", "R3": "rep"},
    )
    result = period_end_timing(data, "revenue")
    table = result.table.set_index("employee")
    assert table.loc["M1", "excess"] == pytest.approx(0.0)
    assert table.loc["R3", "peer_share"] == pytest.approx(1 / 3)
    assert result.flagged == ["R3"]


def test_the_demo_companys_quarter_end_timers_are_found_and_nobody_else(demo_company):
    company = demo_company
    timers = company.employees.loc[company.employees["is_quarter_end_timer"], "employee"]
    result = period_end_timing(company.data, "revenue")
    assert result.flagged == sorted(timers)
    assert period_end_timing(company.data, "revenue", period="year").flagged == []


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    scale=st.floats(0.01, 1000, allow_nan=False),
)
def test_row_order_and_an_employees_scale_do_not_matter(seed, scale):
    rng = np.random.default_rng(seed)
    values = {e: list(rng.uniform(10, 200, 12).round(2)) for e in "ABCDE"}
    data = _long(values)
    base = period_end_timing(data, "revenue", library=False).table
    shuffled = data.sample(frac=1, random_state=seed % 2**31)
    shuffled.loc[shuffled["employee"] == "C", "actual"] *= scale  # shares are scale-free
    again = period_end_timing(shuffled, "revenue", library=False).table
    pd.testing.assert_frame_equal(
        base.sort_values("employee", ignore_index=True),
        again.sort_values("employee", ignore_index=True),
        rtol=1e-9,
    )


def test_bad_input_gets_clear_errors():
    data = _long({"A": A, "B": FLAT})
    with pytest.raises(DefinitionError) as err:
        period_end_timing(data, "revenu")
    assert str(err.value) == (
        "KPI 'revenu' is not in the data. Did you mean 'revenue'?\n"
        "Suggestion: name a KPI that adds up over months, one of: revenue."
    )
    with pytest.raises(DefinitionError) as err:
        period_end_timing(_long({"A": A}, kpi="nps"), "nps")
    assert str(err.value) == (
        "KPI 'nps' is aggregated by 'mean', not summed: a month's share of a quarter means "
        "nothing for it.\nSuggestion: look at a KPI that adds up (revenue, units_sold, won_deals)."
    )
    quarterly = _long({"A": [1, 2, 3, 4]}, periods=["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"])
    with pytest.raises(DefinitionError) as err:
        period_end_timing(quarterly, "revenue")
    assert str(err.value) == (
        "KPI 'revenue': the data has quarter periods; the last month of a quarter can only be "
        "seen in monthly data.\nSuggestion: give monthly data (periods as YYYY-MM)."
    )
    with pytest.raises(DefinitionError) as err:
        period_end_timing(data, "revenue", period="month")
    assert str(err.value) == (
        "period 'month': the last month of a quarter or a year can be examined.\n"
        "Suggestion: use period='quarter' or 'year'."
    )


def test_the_command_prints_the_table_and_json(tmp_path, capsys):
    path = tmp_path / "data.csv"
    _long({"A": A, "B": FLAT, "C": FLAT}).to_csv(path, index=False)
    assert main(["data", "timing", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[2:7] == [
        "employee  quarters  last month  peers  excess       p  flag",
        "--------  --------  ----------  -----  ------  ------  ----",
        "A                4       55.0%  33.3%  +21.7%  0.0025  yes",
        "B                4       33.3%  33.3%   +0.0%  1.0000",
        "C                4       33.3%  33.3%   +0.0%  1.0000",
    ]
    assert main(["data", "timing", str(path), "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [(r["employee"], r["flagged"]) for r in records] == [
        ("A", True),
        ("B", False),
        ("C", False),
    ]
    assert capsys.readouterr().err == ""
    assert main(["data", "timing", str(path), "--kpi", "nps"]) == 2
    assert capsys.readouterr().err == (
        "Error: KPI 'nps' is not in the data.\n"
        "Suggestion: name a KPI that adds up over months, one of: revenue.\n"
    )


def test_the_command_says_what_a_short_history_cannot_show(tmp_path, capsys):
    path = tmp_path / "data.csv"
    _long({"A": A[:9], "B": FLAT[:9], "C": FLAT[:9]}).to_csv(path, index=False)
    assert main(["data", "timing", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "Whether revenue is held back to quarter ends cannot be judged: the rule needs 4 whole "
        "quarters per employee; found 3 (employees A, B, C)."
    )
    assert main(["data", "timing", str(path), "--json"]) == 0
    captured = capsys.readouterr()
    assert [r["periods"] for r in json.loads(captured.out)] == [3, 3, 3]
    assert captured.err == (
        "Note: Deal timing of revenue: 3 employees not judged: the rule needs 4 whole quarters "
        "per employee; found 3 (employees A, B, C).\n"
    )
