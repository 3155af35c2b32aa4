"""compute_formula_kpis: formula KPIs computed from a long table, inputs first."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.data import (
    Library,
    compute_formula_kpis,
    load_library,
)
from kpitools.errors import DataValidationError, DefinitionError


@pytest.fixture(scope="module")
def lib() -> Library:
    return load_library()


# --------------------------------------------------------------------------- compute_formula_kpis
def long_table() -> pd.DataFrame:
    rows = [
        # employee 007, January: everything for win_rate, romi, cpl
        ("007", "2026-01", "won_deals", 3, "sales", "north"),
        ("007", "2026-01", "closed_deals", 12, "sales", "north"),
        ("007", "2026-01", "revenue", 500_000, "sales", "north"),
        ("007", "2026-01", "marketing_cost", 100_000, "sales", "north"),
        ("007", "2026-01", "leads", 40, "sales", "north"),
        # employee 008, January: 0 / 0 closed deals, no revenue row
        ("008", "2026-01", "won_deals", 0, "sales", "south"),
        ("008", "2026-01", "closed_deals", 0, "sales", "south"),
        ("008", "2026-01", "marketing_cost", 20_000, "sales", "south"),
        ("008", "2026-01", "leads", 8, "sales", "south"),
        # employee 007, February: win_rate only
        ("007", "2026-02", "won_deals", 1, "sales", "north"),
        ("007", "2026-02", "closed_deals", 4, "sales", "north"),
    ]
    df = pd.DataFrame(rows, columns=["employee", "period", "kpi", "actual", "role", "region"])
    df["actual"] = df["actual"].astype("float64")
    df.insert(4, "target", np.nan)
    return df


def test_compute_formula_kpis_hand_computed(lib):
    out = compute_formula_kpis(long_table(), lib, ids=["win_rate", "romi", "cpl"])
    expected = pd.DataFrame(
        {
            "employee": ["007", "007", "007", "008", "007"],
            "period": ["2026-01", "2026-01", "2026-01", "2026-01", "2026-02"],
            "kpi": ["win_rate", "romi", "cpl", "cpl", "win_rate"],
            # 3/12; (500000-100000)/100000; 100000/40; 20000/8; 1/4
            "actual": [0.25, 4.0, 2500.0, 2500.0, 0.25],
            "target": [np.nan] * 5,
            "role": ["sales"] * 5,
            "region": ["north", "north", "north", "south", "north"],
        }
    )
    pd.testing.assert_frame_equal(out, expected, check_dtype=False)
    assert list(out.columns) == list(long_table().columns)
    assert out["actual"].dtype == "float64"
    assert out.attrs["dropped"] == {"win_rate": 1}  # 008: 0 won of 0 closed


def test_compute_all_formula_kpis_by_default(lib):
    out = compute_formula_kpis(long_table(), lib)
    got = {(e, p, k): a for e, p, k, a in out[["employee", "period", "kpi", "actual"]].values}
    assert got == {
        ("007", "2026-01", "win_rate"): 0.25,
        ("007", "2026-01", "conversion_rate"): 3 / 40,
        ("007", "2026-01", "avg_deal_size"): 500_000 / 3,
        ("007", "2026-01", "romi"): 4.0,
        ("007", "2026-01", "cpl"): 2500.0,
        ("007", "2026-01", "income_per_lead"): 12_500.0,
        ("008", "2026-01", "conversion_rate"): 0.0,
        ("008", "2026-01", "cpl"): 2500.0,
        ("007", "2026-02", "win_rate"): 0.25,
    }
    # 008 has 0/0 win rate and revenue / 0 won deals: no rate, dropped and counted
    assert out.attrs["dropped"] == {"win_rate": 1}


def test_compute_chains_formulas_and_never_duplicates_rows(lib):
    long = pd.DataFrame(
        {
            "employee": ["1", "1", "2", "2", "2"],
            "period": ["2026-01"] * 5,
            "kpi": ["revenue", "cogs", "revenue", "cogs", "gross_margin"],
            "actual": [1000.0, 600.0, 800.0, 500.0, 290.0],
        }
    )
    out = compute_formula_kpis(long, lib, ids=["gross_margin", "gross_margin_pct"])
    expected = pd.DataFrame(
        {
            "employee": ["1", "1", "2"],
            "period": ["2026-01"] * 3,
            "kpi": ["gross_margin", "gross_margin_pct", "gross_margin_pct"],
            # 1000-600; 400/1000; employee 2 keeps its reported margin: 290/800
            "actual": [400.0, 0.4, 290 / 800],
        }
    )
    pd.testing.assert_frame_equal(out, expected, check_dtype=False)
    assert out.attrs["dropped"] == {}
    # asking only for the percentage computes the margin on the way, without returning it
    only = compute_formula_kpis(long, lib, ids="gross_margin_pct")
    assert list(only["actual"]) == [0.4, 290 / 800]


def test_compute_with_nothing_computable_returns_empty_with_columns(lib):
    long = long_table().query("kpi == 'leads'")
    out = compute_formula_kpis(long, lib, ids=["win_rate"])
    assert list(out.columns) == list(long.columns) and len(out) == 0
    assert out.attrs["dropped"] == {}


def test_compute_accepts_categorical_and_integer_columns(lib):
    long = long_table().astype({"kpi": "category", "employee": "category"})
    long["actual"] = long["actual"].astype("int64")
    out = compute_formula_kpis(long, lib, ids=["win_rate"])
    assert list(out["kpi"]) == ["win_rate", "win_rate"]
    assert list(out["actual"]) == [0.25, 0.25]
    assert list(out["employee"]) == ["007", "007"]


def test_compute_row_order_does_not_matter(lib):
    long = long_table()
    shuffled = long.sample(frac=1.0, random_state=7).reset_index(drop=True)
    a = compute_formula_kpis(long, lib).sort_values(["employee", "period", "kpi"])
    b = compute_formula_kpis(shuffled, lib).sort_values(["employee", "period", "kpi"])
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_compute_rejects_unknown_or_plain_ids(lib):
    with pytest.raises(DefinitionError) as info:
        compute_formula_kpis(long_table(), lib, ids=["win_rat"])
    assert str(info.value) == (
        "compute_formula_kpis: KPI 'win_rat' is not in the KPI library. "
        "Did you mean 'win_rate' or 'discount_rate'?\n"
        "Suggestion: pass ids of formula KPIs, e.g. 'win_rate' or 'romi'."
    )
    with pytest.raises(DefinitionError) as info:
        compute_formula_kpis(long_table(), lib, ids=["leads"])
    assert str(info.value) == (
        "compute_formula_kpis: KPI 'leads' has no formula.\n"
        "Suggestion: pass ids of formula KPIs, e.g. 'win_rate' or 'romi'."
    )


def test_compute_rejects_missing_columns_and_duplicates(lib):
    with pytest.raises(DefinitionError) as info:
        compute_formula_kpis(long_table().drop(columns="actual"), lib)
    assert str(info.value) == (
        "compute_formula_kpis needs the columns employee, period, kpi, actual; missing 'actual' "
        "(found 'employee', 'period', 'kpi', 'target', 'role', 'region').\n"
        "Suggestion: load the data with kpitools.data.load first."
    )
    long = pd.concat([long_table(), long_table().iloc[[1]]], ignore_index=True)
    with pytest.raises(DataValidationError) as info:
        compute_formula_kpis(long, lib)
    assert str(info.value) == (
        "compute_formula_kpis: 2 rows repeat an employee × period × KPI.\n"
        "Suggestion: load the data with kpitools.data.load, which reports or sums them."
    )
    assert list(info.value.failure_cases["row"]) == [2, 12]


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=1, max_size=15),
)
def test_property_computed_win_rate_matches_and_drops_are_counted(pairs):
    lib = load_library()
    n = len(pairs)
    won = [float(min(w, c)) for w, c in pairs]
    closed = [float(c) for _, c in pairs]
    long = pd.DataFrame(
        {
            "employee": [f"{i:03d}" for i in range(n)] * 2,
            "period": ["2026-01"] * (2 * n),
            "kpi": ["won_deals"] * n + ["closed_deals"] * n,
            "actual": won + closed,
        }
    )
    out = compute_formula_kpis(long, lib, ids=["win_rate"])
    expected = {
        f"{i:03d}": w / c for i, (w, c) in enumerate(zip(won, closed, strict=True)) if c > 0
    }
    assert dict(zip(out["employee"], out["actual"], strict=True)) == pytest.approx(expected)
    zeros = sum(c == 0 for c in closed)
    assert out.attrs["dropped"] == ({"win_rate": zeros} if zeros else {})


def test_library_argument_follows_resolve_library(lib, tmp_path):
    shipped = compute_formula_kpis(long_table(), ids=["win_rate"])
    pd.testing.assert_frame_equal(shipped, compute_formula_kpis(long_table(), lib, ["win_rate"]))
    path = tmp_path / "mine.yaml"
    path.write_text(
        "kpis:\n"
        "  - {id: won_share, name: Won share, area: sales, unit: ratio, direction: higher,\n"
        "     aggregation: ratio, formula: won_deals / leads, type: lagging,\n"
        "     quantitative: true, level: individual, description: Won per lead.}\n"
    )
    mine = compute_formula_kpis(long_table(), path, ids=["won_share"])
    assert list(mine["actual"]) == [3 / 40, 0 / 8]  # 007 and 008 in January
    with pytest.raises(DefinitionError) as info:
        compute_formula_kpis(long_table(), False)
    assert str(info.value) == (
        "compute_formula_kpis needs a KPI library: the formulas are in it.\n"
        "Suggestion: pass library=None (the shipped library), a library file or a Library "
        "object."
    )
