"""Periods: labels, ranges, and the roll-up of monthly data with each KPI's aggregation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.data import (
    convert,
    format_period,
    format_periods,
    lag_year,
    load_library,
    parse_period,
    parse_range,
    period_ordinals,
    roll_up,
    select,
)
from kpitools.errors import DataValidationError, DefinitionError


@pytest.fixture(scope="module")
def library():
    return load_library()


@pytest.mark.parametrize(
    ("label", "kind", "ordinal"),
    [
        ("2025-01", "month", 2025 * 12),
        ("2025-12", "month", 2025 * 12 + 11),
        ("2025-Q1", "quarter", 2025 * 4),
        ("2025-Q4", "quarter", 2025 * 4 + 3),
        ("2025", "year", 2025),
    ],
)
def test_parse_and_format_round_trip(label, kind, ordinal):
    assert parse_period(label) == (kind, ordinal)
    assert format_period(ordinal, kind) == label


@pytest.mark.parametrize("bad", ["2025-13", "2025-00", "25-01", "2025-Q5", "Jan 2025", ""])
def test_bad_labels_are_refused(bad):
    with pytest.raises(ValueError) as info:
        parse_period(bad)
    assert str(info.value) == f"not a period: {bad!r}"


def test_convert_and_lags():
    # 2025-03 → 2025-Q1; 2025-04 → 2025-Q2; 2025-Q4 → 2025
    assert convert(np.array([2025 * 12 + 2, 2025 * 12 + 3]), "month", "quarter").tolist() == [
        2025 * 4,
        2025 * 4 + 1,
    ]
    assert convert(2025 * 4 + 3, "quarter", "year") == 2025
    assert [lag_year(k) for k in ("month", "quarter", "year")] == [12, 4, 1]
    assert format_periods([2025 * 4 + 1, 2025 * 4], "quarter").tolist() == ["2025-Q2", "2025-Q1"]


def test_select_is_inclusive_and_whole_periods_only():
    months = np.arange(2024 * 12 + 11, 2026 * 12 + 1)  # 2024-12 … 2026-01
    mask = select(months, "month", ("2025-01", "2025-12"))
    assert format_periods(months[mask], "month").tolist() == [f"2025-{m:02d}" for m in range(1, 13)]
    quarters = np.arange(2024 * 4 + 3, 2026 * 4)
    # 2025-02..2025-12 leaves out 2025-Q1 (only partly inside)
    got = format_periods(quarters[select(quarters, "quarter", "2025-02..2025-12")], "quarter")
    assert got.tolist() == ["2025-Q2", "2025-Q3", "2025-Q4"]
    assert select(quarters, "quarter", None).all()
    assert parse_range("2025") == ("2025", "2025")


def test_bad_ranges():
    with pytest.raises(DefinitionError) as info:
        parse_range("2025-12..2025-01")
    assert str(info.value) == (
        "periods '2025-12..2025-01': 2025-12 comes after 2025-01.\n"
        "Suggestion: write the earlier period first (FROM..TO)."
    )
    with pytest.raises(DefinitionError) as info:
        parse_range("2025-01..soon")
    assert str(info.value) == (
        "periods '2025-01..soon': 'soon' is not a period.\n"
        "Suggestion: write periods as YYYY-MM, YYYY-Qn or YYYY, e.g. 2025-01..2025-12."
    )


def _quarter_data():
    rows = []
    # Three months of 2025-Q1 for employee a; the target of 'revenue' is missing in March
    for month, (won, closed, nps, backlog, revenue, rev_t) in enumerate(
        [(1, 4, 50, 7, 100.1, 100.0), (3, 4, 70, 9, 200.2, 100.0), (0, 2, 60, 4, 300.3, None)],
        start=1,
    ):
        p = f"2025-{month:02d}"
        rows += [
            ("a", p, "won_deals", won, None),
            ("a", p, "closed_deals", closed, None),
            ("a", p, "win_rate", won / closed, 0.3),
            ("a", p, "nps", nps, None),
            ("a", p, "ticket_backlog", backlog, None),
            ("a", p, "revenue", revenue, rev_t),
        ]
    df = pd.DataFrame(rows, columns=["employee", "period", "kpi", "actual", "target"])
    df["role"] = ["rep"] * 12 + ["lead"] * 6  # the latest month's role wins
    return df


def test_roll_up_each_kpi_by_its_aggregation(library):
    r = roll_up(_quarter_data(), "quarter", library=library)
    got = r.values.set_index("kpi")
    # ratio: sum(won) / sum(closed) = (1 + 3 + 0) / (4 + 4 + 2) = 0.4, never the mean of
    # 0.25, 0.75, 0 (= 0.333…)
    assert got.loc["win_rate", "actual"] == 0.4
    assert got.loc["win_rate", "target"] == pytest.approx(0.3)  # a rate's target is averaged
    assert got.loc["nps", "actual"] == 60.0  # mean of 50, 70, 60
    assert got.loc["ticket_backlog", "actual"] == 4.0  # last month's value
    # sum: 100.1 + 200.2 + 300.3 = 600.6 exactly (float noise rounded away)
    assert got.loc["revenue", "actual"] == 600.6
    assert np.isnan(got.loc["revenue", "target"])  # March has no target → none for the quarter
    assert got.loc["won_deals", "actual"] == 4.0
    assert set(got["period"]) == {2025 * 4}
    assert set(got["months"]) == {3}
    assert r.attributes.to_dict("records") == [
        {"employee": "a", "emp": 0, "period": 2025 * 4, "role": "lead"}
    ]
    assert r.warnings == []


def test_ratio_without_its_parts_is_averaged_with_a_warning(library):
    data = _quarter_data()
    data = data[~data["kpi"].isin(["won_deals"])]
    r = roll_up(data, "quarter", library=library)
    got = r.values.set_index("kpi")
    assert got.loc["win_rate", "actual"] == pytest.approx((0.25 + 0.75 + 0.0) / 3)
    assert r.warnings == [
        "KPI 'win_rate' is a ratio but could not be recomputed from the sums of won_deals, "
        "closed_deals (not all in the data, or a zero divisor) for 1 employee-period(s): its "
        "monthly values were averaged there."
    ]


def test_no_library_sums_with_a_warning():
    r = roll_up(_quarter_data()[lambda d: d["kpi"].isin(["nps", "revenue"])], "year")
    assert r.values.set_index("kpi")["actual"].to_dict() == {"nps": 180.0, "revenue": 600.6}
    assert r.warnings == [
        "With no KPI library, the monthly values of 'nps', 'revenue' were summed. If one of "
        "them is an average or a ratio, give its aggregation in a KPI library file.",
        # three months of data cannot make a year without a word
        "2025 (3 of its 12 months: 2025-01 to 2025-03) is only partly in the data: year sums "
        "there cover those months only, so attainment against a whole-year target is "
        "understated.\n"
        "Suggestion: give data for whole years, or use a scheme paid per month.",
    ]


def test_same_kind_passes_through_unchanged(library):
    data = _quarter_data()
    r = roll_up(data, "month", library=library)
    assert len(r.values) == len(data)
    win = r.values[r.values["kpi"] == "win_rate"]["actual"].tolist()
    assert win == [0.25, 0.75, 0.0]


def test_roll_up_errors():
    data = _quarter_data()
    bad = data.assign(period=data["period"].where(data.index != 3, "March"))
    with pytest.raises(DataValidationError) as info:
        roll_up(bad, "quarter")
    assert str(info.value) == (
        "the data: 1 row(s) have a period that is not YYYY-MM, YYYY-Qn or YYYY: 'March'.\n"
        "Suggestion: load the data with kpitools.data.load, which normalises dates."
    )
    assert info.value.failure_cases["row"].tolist() == [5]
    quarterly = data.assign(period="2025-Q1").drop_duplicates(["employee", "kpi"])
    with pytest.raises(DataValidationError) as info:
        roll_up(quarterly, "month")
    assert str(info.value) == (
        "the data has quarter periods (YYYY-Qn) but the scheme pays per month.\n"
        "Suggestion: give monthly data, or set the scheme's period to quarter."
    )
    mixed = data.assign(period=data["period"].where(data.index != 0, "2025-Q1"))
    with pytest.raises(DataValidationError) as info:
        roll_up(mixed, "year")
    assert str(info.value) == (
        "the data: the periods mix month and quarter labels.\n"
        "Suggestion: give all rows in one kind of period (e.g. months, YYYY-MM)."
    )


@settings(max_examples=30, deadline=None)
@given(
    won=st.lists(st.integers(0, 20), min_size=12, max_size=12),
    extra=st.lists(st.integers(1, 20), min_size=12, max_size=12),
    seed=st.integers(0, 2**16),
)
def test_roll_up_properties(won, extra, seed):
    library = load_library()
    rows = []
    for i, e in enumerate(["a", "b"]):
        for m in range(6):
            w, c = won[i * 6 + m], won[i * 6 + m] + extra[i * 6 + m]
            p = f"2025-{m + 1:02d}"
            rows += [
                (e, p, "won_deals", float(w)),
                (e, p, "closed_deals", float(c)),
                (e, p, "win_rate", w / c),
                (e, p, "revenue", w * 1000.1),
            ]
    data = pd.DataFrame(rows, columns=["employee", "period", "kpi", "actual"])
    r = roll_up(data, "quarter", library=library).values
    got = r.set_index(["employee", "period", "kpi"])["actual"]
    for i, e in enumerate(["a", "b"]):
        for q in range(2):
            months = range(i * 6 + q * 3, i * 6 + q * 3 + 3)
            w = sum(won[k] for k in months)
            c = sum(won[k] + extra[k] for k in months)
            key = (e, 2025 * 4 + q)
            assert got[(*key, "won_deals")] == w  # sums
            assert got[(*key, "win_rate")] == pytest.approx(w / c, abs=1e-15)  # never averaged
            assert got[(*key, "revenue")] == round(w * 1000.1, 10)
    shuffled = data.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    again = roll_up(shuffled, "quarter", library=library).values
    pd.testing.assert_frame_equal(r, again)


def test_period_ordinals_of_canonical_labels():
    kinds, ords, bad = period_ordinals(
        pd.Series(["2024-12", "2025-Q4", "2024-12", "2025", "2025-13", None])
    )
    assert kinds.tolist() == ["month", "quarter", "month", "year", "", ""]
    assert ords.tolist() == [24299, 8103, 24299, 2025, -1, -1]
    assert len(bad) == 2 and bad[0] == "2025-13" and pd.isna(bad[1])  # a missing label is bad


def test_one_name_per_job_for_periods():
    import kpitools.data.cells as cells_mod
    import kpitools.data.periods as periods_mod

    # free-form text → labels lives with the other cells; labels → ordinals here, another name
    assert not hasattr(periods_mod, "parse_periods")
    assert "period_ordinals" in periods_mod.__all__
    assert callable(cells_mod.parse_periods)


def test_attributes_take_the_latest_non_empty_value_of_the_period():
    data = pd.DataFrame(
        {
            "employee": ["a", "a", "a", "b", "b", "c"],
            "period": ["2025-01", "2025-02", "2025-03", "2025-01", "2025-02", "2025-01"],
            "kpi": ["x"] * 6,
            "actual": [1.0] * 6,
            # a: rep → lead, then a blank March; b: lead, then missing; c: never any
            "role": pd.Series(["rep", "lead", "", "lead", None, None], dtype="str"),
        }
    )
    got = roll_up(data, "quarter").attributes
    assert got["employee"].tolist() == ["a", "b", "c"]
    assert got["role"].tolist()[:2] == ["lead", "lead"]
    assert pd.isna(got["role"].iloc[2])


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", "d"]),
            st.integers(1, 6),  # month of 2025
            st.sampled_from(["x", "y"]),
            st.sampled_from(["rep", "lead", "", None]),
        ),
        min_size=1,
        max_size=40,
        unique_by=lambda r: r[:3],
    ),
    one_role_each=st.booleans(),
    kind=st.sampled_from(["month", "quarter"]),
)
def test_attributes_match_a_plain_latest_value_rule(rows, one_role_each, kind):
    """Whether each employee has one role (the fast path) or several and blanks (the
    sorted path): per employee and period, the role of the latest month with one, the
    last such row in file order on a tie; none when no row has one."""
    data = pd.DataFrame(rows, columns=["employee", "month", "kpi", "role"])
    if one_role_each:
        fixed = {"a": "rep", "b": "lead", "c": None, "d": "rep"}
        data["role"] = data["employee"].map(fixed).where(data["role"].notna(), None)
    data["period"] = [f"2025-{m:02d}" for m in data["month"]]
    data["actual"] = 1.0
    data["role"] = data["role"].astype("str")
    got = roll_up(data.drop(columns="month"), kind).attributes
    quarter = [f"2025-Q{(m - 1) // 3 + 1}" for m in data["month"]]
    data["label"] = quarter if kind == "quarter" else data["period"]
    expected = {}
    for (e, label), g in data.groupby(["employee", "label"], sort=True):
        filled = g[g["role"].notna() & (g["role"] != "")]
        latest = filled.sort_values("month", kind="stable")["role"]
        expected[(e, label)] = latest.iloc[-1] if len(filled) else None
    labels = [format_period(p, kind) for p in got["period"]]
    actual = {
        (e, p): (None if pd.isna(r) else r)
        for e, p, r in zip(got["employee"], labels, got["role"], strict=True)
    }
    assert actual == expected
