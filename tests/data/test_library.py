"""Tests of kpitools.data.library: the shipped KPI library, user files, formula KPIs."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools._util.formula import parse
from kpitools.data import (
    AGGREGATIONS,
    AREAS,
    DIRECTIONS,
    KPI,
    LEVELS,
    TYPES,
    UNITS,
    Library,
    Override,
    compute_formula_kpis,
    default_library_path,
    load_library,
)
from kpitools.data.library import _find_cycle
from kpitools.errors import DataValidationError, DefinitionError

FIRST_IDS = (
    "revenue units_sold avg_price new_clients leads meetings won_deals closed_deals win_rate "
    "gross_margin gross_margin_pct nps marketing_cost mql romi roi cpl income_per_lead cac "
    "conversion_rate avg_deal_size"
).split()

AGREED_FORMULAS = {
    "avg_price": "revenue / units_sold",
    "win_rate": "won_deals / closed_deals",
    "gross_margin_pct": "gross_margin / revenue",
    "romi": "(revenue - marketing_cost) / marketing_cost",
    "cpl": "marketing_cost / leads",
    "income_per_lead": "revenue / leads",
    "cac": "marketing_cost / new_clients",
    "conversion_rate": "won_deals / leads",
    "avg_deal_size": "revenue / won_deals",
}


@pytest.fixture(scope="module")
def lib() -> Library:
    return load_library()


def entry(kpi_id: str, **fields) -> dict:
    """A valid user library entry; keyword arguments replace or add fields."""
    base = {
        "id": kpi_id,
        "name": kpi_id.replace("_", " ").capitalize(),
        "area": "sales",
        "unit": "count",
        "direction": "higher",
        "aggregation": "sum",
        "type": "lagging",
        "quantitative": True,
        "level": "individual",
        "description": "A test KPI.",
        "gaming_risk": "Counting things twice.",
        "counter_kpi": ["revenue"],
        "tags": ["test"],
    }
    base.update(fields)
    return base


def write(tmp_path: Path, *entries: dict, name: str = "my_kpis.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"version": 1, "kpis": list(entries)}, sort_keys=False))
    return path


def error_of(*paths, include_default: bool = True) -> str:
    with pytest.raises(DefinitionError) as info:
        load_library(*paths, include_default=include_default)
    return str(info.value)


# --------------------------------------------------------------------------- shipped library
def test_default_library_path_is_the_repo_template():
    path = default_library_path()
    assert path == Path(__file__).resolve().parents[1] / "templates" / "kpi_library.yaml"
    assert path.is_file()


def test_shipped_library_size_and_areas(lib):
    assert len(lib) >= 60
    assert len(lib.areas) >= 6
    assert lib.areas == AREAS  # all seven areas of the contract
    assert all(len(lib.in_area(a)) >= 5 for a in AREAS)
    assert lib.paths == (str(default_library_path()),)
    assert lib.overrides == ()


def test_every_area_has_leading_and_lagging_kpis(lib):
    for area in AREAS:
        assert {k.type for k in lib.in_area(area)} == {"leading", "lagging"}, area


def test_contract_marketing_kpis_are_marketing(lib):
    # contract §2: marketing (ROI, ROMI, CPL, CAC, income per lead, conversion)
    for kpi_id in ("roi", "romi", "cpl", "cac", "income_per_lead", "conversion_rate"):
        assert lib[kpi_id].area == "marketing", kpi_id


def test_ids_the_other_workstreams_use_are_shipped(lib):
    assert [i for i in FIRST_IDS if i not in lib] == []
    assert {i: lib[i].formula for i in AGREED_FORMULAS} == AGREED_FORMULAS


def test_every_shipped_field_is_valid(lib):
    for k in lib:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", k.id), k.id
        assert k.name.strip() and k.description.strip() and k.gaming_risk.strip(), k.id
        assert k.area in AREAS and k.unit in UNITS and k.direction in DIRECTIONS, k.id
        assert k.aggregation in AGGREGATIONS and k.type in TYPES and k.level in LEVELS, k.id
        assert isinstance(k.quantitative, bool) and isinstance(k.nonnegative, bool), k.id
        assert k.counter_kpi and k.tags, k.id
        assert isinstance(k.counter_kpi, tuple) and isinstance(k.tags, tuple), k.id


def test_every_counter_kpi_and_formula_id_resolves(lib):
    unresolved = [
        (k.id, other) for k in lib for other in (*k.counter_kpi, *k.inputs) if other not in lib
    ]
    assert unresolved == []
    assert [k.id for k in lib if k.id in k.counter_kpi] == []


def test_shipped_formulas_parse_and_have_no_cycle(lib):
    assert _find_cycle(lib.kpis) is None
    for k in lib.formula_kpis:
        assert parse(k.formula).names == k.inputs
    # formula_kpis come after their inputs
    position = {k.id: i for i, k in enumerate(lib.formula_kpis)}
    for k in lib.formula_kpis:
        assert all(position[n] < position[k.id] for n in k.inputs if n in position), k.id


def test_every_ratio_kpi_has_a_formula_over_summed_inputs(lib):
    ratios = [k for k in lib if k.aggregation == "ratio"]
    assert len(ratios) >= 30
    for k in ratios:
        assert k.formula is not None, k.id
        assert all(lib[n].aggregation == "sum" for n in k.inputs), k.id
    # and every formula that divides by a KPI is a ratio KPI (never averaged)
    dividing = [k.id for k in lib if k.formula and "/" in k.formula]
    assert [i for i in dividing if lib[i].aggregation != "ratio"] == []


def test_nonnegative_defaults_and_explicit_choices(lib):
    assert lib["units_sold"].nonnegative  # count: default true
    assert lib["sales_cycle_days"].nonnegative  # days: default true
    assert lib["revenue"].nonnegative and lib["marketing_cost"].nonnegative  # explicit
    assert not lib["gross_margin"].nonnegative  # a loss-making deal is real data
    assert not lib["ebitda"].nonnegative
    assert not lib["nps"].nonnegative  # -100..100
    assert not lib["romi"].nonnegative  # a losing campaign
    # a rate of two amounts that cannot be negative cannot be negative either
    shares = [k for k in lib if k.numerator]
    assert [
        k.id
        for k in shares
        if lib[k.numerator].nonnegative and lib[k.denominator].nonnegative and not k.nonnegative
    ] == []


def test_numerator_and_denominator(lib):
    assert (lib["win_rate"].numerator, lib["win_rate"].denominator) == ("won_deals", "closed_deals")
    assert (lib["cpl"].numerator, lib["cpl"].denominator) == ("marketing_cost", "leads")
    assert (lib["romi"].numerator, lib["romi"].denominator) == (None, None)
    assert (lib["dso"].numerator, lib["dso"].denominator) == (None, None)  # receivables * 30 / ..
    assert (lib["revenue"].numerator, lib["revenue"].denominator) == (None, None)
    assert lib["romi"].inputs == ("revenue", "marketing_cost")
    assert lib["revenue"].inputs == ()


# --------------------------------------------------------------------------- Library object
def test_library_mapping_api(lib):
    assert lib.get("revenue") is lib["revenue"]
    assert lib.get("no_such_kpi") is None
    assert "revenue" in lib and "no_such_kpi" not in lib
    assert [k.id for k in lib] == list(lib.ids)
    assert lib.ids[:3] == ("revenue", "units_sold", "avg_price")
    assert lib.in_area("management")[0].id == "team_revenue_attainment"
    assert repr(lib) == f"<Library: {len(lib)} KPIs in 7 areas from kpi_library.yaml>"


def test_unknown_id_says_did_you_mean(lib):
    with pytest.raises(DefinitionError) as info:
        lib["revnue"]
    assert str(info.value) == (
        "KPI 'revnue' is not in the KPI library. Did you mean 'revenue' or 'upsell_revenue'?\n"
        "Suggestion: use a library id (see kpitools.data.library.load_library().ids) "
        "or add the KPI to your own library file."
    )


def test_unknown_area_says_did_you_mean(lib):
    with pytest.raises(DefinitionError) as info:
        lib.in_area("HR")
    assert str(info.value) == (
        "Unknown area 'HR'.\nSuggestion: use one of 'sales', 'marketing', 'customer_service', "
        "'operations', 'finance', 'hr', 'management'."
    )


def test_to_frame(lib):
    frame = lib.to_frame()
    assert list(frame.columns) == [
        "id",
        "name",
        "area",
        "unit",
        "direction",
        "aggregation",
        "formula",
        "type",
        "quantitative",
        "level",
        "description",
        "gaming_risk",
        "counter_kpi",
        "tags",
        "nonnegative",
        "source",
    ]
    assert len(frame) == len(lib)
    row = frame.set_index("id").loc["revenue"]
    assert row["counter_kpi"] == "gross_margin_pct, discount_rate, forecast_accuracy, dso"
    assert row["source"] == str(default_library_path())
    assert frame["formula"].isna().sum() == sum(k.formula is None for k in lib)
    assert "<table" in lib._repr_html_()


def test_kpi_is_frozen_and_library_pickles(lib):
    with pytest.raises(AttributeError):
        lib["revenue"].direction = "lower"
    again = pickle.loads(pickle.dumps(lib))
    assert again.ids == lib.ids and again["romi"] == lib["romi"]
    assert lib["romi"].to_dict()["counter_kpi"] == ["roi", "leads", "new_clients"]


def test_load_library_is_cached_until_the_file_changes(tmp_path):
    path = write(tmp_path, entry("calls_made"))
    first = load_library(path)
    assert load_library(path) is first
    write(tmp_path, entry("calls_made", name="Outbound calls made by the seller"))
    assert load_library(path)["calls_made"].name == "Outbound calls made by the seller"


# --------------------------------------------------------------------------- ratio maths
def test_ratio_over_periods_is_recomputed_from_sums_never_averaged(lib):
    # month 1: 1 won of 2 closed (50%); month 2: 9 won of 10 closed (90%)
    sums = {"won_deals": 1 + 9, "closed_deals": 2 + 10}
    assert lib["win_rate"].recompute_from_sums(sums) == pytest.approx(10 / 12)
    assert (0.5 + 0.9) / 2 != pytest.approx(10 / 12)  # the average would be wrong
    # romi on sums: (300 + 100 - 80 - 20) / (80 + 20) = 3
    romi = lib["romi"].recompute_from_sums({"revenue": 400.0, "marketing_cost": 100.0})
    assert romi == pytest.approx(3.0)


def test_recompute_from_sums_vectorised_with_zero_division(lib):
    won = np.array([3.0, 0.0, 5.0])
    closed = np.array([4.0, 0.0, 0.0])
    out = lib["win_rate"].recompute_from_sums({"won_deals": won, "closed_deals": closed})
    np.testing.assert_array_equal(out, [0.75, np.nan, np.nan])


def test_recompute_from_sums_needs_a_formula(lib):
    with pytest.raises(DefinitionError) as info:
        lib["revenue"].recompute_from_sums({"revenue": 1.0})
    assert str(info.value) == (
        "KPI 'revenue' has no formula, so it cannot be recomputed from sums.\n"
        "Suggestion: aggregate it by its aggregation 'sum' instead."
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 50), st.integers(1, 50)),
        min_size=1,
        max_size=8,
    )
)
def test_property_ratio_of_sums_lies_between_the_period_rates(months):
    lib = load_library()
    won = np.array([min(w, c) for w, c in months], dtype=float)
    closed = np.array([c for _, c in months], dtype=float)
    value = lib["win_rate"].recompute_from_sums(
        {"won_deals": won.sum(), "closed_deals": closed.sum()}
    )
    rates = won / closed
    assert rates.min() - 1e-12 <= value <= rates.max() + 1e-12
    assert value == pytest.approx(won.sum() / closed.sum())


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


# --------------------------------------------------------------------------- user files
def test_user_file_overrides_and_adds(tmp_path, lib):
    path = write(
        tmp_path,
        entry(
            "win_rate",
            name="Win rate (count only signed deals)",
            area="sales",
            unit="percent",
            aggregation="ratio",
            formula="won_deals / closed_deals",
            counter_kpi=["won_deals"],
        ),
        entry("demo_visits", name="Product demos", type="leading", counter_kpi="win_rate"),
    )
    mine = load_library(path)
    assert len(mine) == len(lib) + 1
    assert mine["win_rate"].name == "Win rate (count only signed deals)"
    assert mine["win_rate"].counter_kpi == ("won_deals",)
    assert mine["demo_visits"].counter_kpi == ("win_rate",)
    assert mine["demo_visits"].nonnegative  # count unit default
    assert mine.overrides == (Override("win_rate", str(default_library_path()), str(path)),)
    assert mine.sources["demo_visits"] == str(path)
    assert mine.sources["revenue"] == str(default_library_path())
    assert mine.ids[-2:] == ("win_rate", "demo_visits")  # the later file's order
    assert lib["win_rate"].name == "Win rate"  # the shipped library is untouched


def test_two_user_files_later_wins(tmp_path):
    first = write(tmp_path, entry("calls_made", name="First", counter_kpi=[]), name="a.yaml")
    second = write(tmp_path, entry("calls_made", name="Second", counter_kpi=[]), name="b.yaml")
    mine = load_library(first, second, include_default=False)
    assert mine["calls_made"].name == "Second"
    assert mine.overrides == (Override("calls_made", str(first), str(second)),)
    assert len(mine) == 1


def test_user_file_can_define_its_own_counter_and_formula_ids(tmp_path):
    path = write(
        tmp_path,
        entry("visits", counter_kpi=["buyers"]),
        entry("buyers", counter_kpi=["visits"]),
        entry(
            "visit_conversion",
            unit="percent",
            aggregation="ratio",
            formula="buyers / visits",
            counter_kpi=["visits"],
        ),
    )
    mine = load_library(path, include_default=False)
    assert mine.ids == ("visits", "buyers", "visit_conversion")
    assert mine["visit_conversion"].denominator == "visits"
    assert not mine["visit_conversion"].nonnegative  # percent: default false


# --------------------------------------------------------------------------- bad input
def test_unknown_field_with_did_you_mean(tmp_path):
    path = write(tmp_path, entry("calls_made", gamming_risk="x"))
    assert error_of(path) == (
        f"{path}: kpis[0].gamming_risk (KPI 'calls_made'): unknown field. "
        "Did you mean 'gaming_risk'?\n"
        "Suggestion: a KPI entry has the fields id, name, area, unit, direction, aggregation, "
        "formula, type, quantitative, level, description, gaming_risk, counter_kpi, tags, "
        "nonnegative."
    )


def test_bad_enum_value(tmp_path):
    path = write(tmp_path, entry("calls_made"), entry("visits", direction="up"))
    assert error_of(path) == (
        f"{path}: kpis[1].direction (KPI 'visits'): 'up' is not allowed.\n"
        "Suggestion: use one of 'higher', 'lower'."
    )


def test_bad_enum_value_with_did_you_mean(tmp_path):
    path = write(tmp_path, entry("calls_made", area="customer service"))
    assert error_of(path) == (
        f"{path}: kpis[0].area (KPI 'calls_made'): 'customer service' is not allowed. "
        "Did you mean 'customer_service'?\n"
        "Suggestion: use one of 'sales', 'marketing', 'customer_service', 'operations', "
        "'finance', 'hr', 'management'."
    )


def test_duplicate_id_within_a_file(tmp_path):
    path = write(tmp_path, entry("calls_made"), entry("visits"), entry("calls_made"))
    assert error_of(path) == (
        f"{path}: kpis[2].id: 'calls_made' is already defined at kpis[0] in this file.\n"
        "Suggestion: remove or rename one of them; to replace a KPI of an earlier library, "
        "define it in a file loaded after that library."
    )


def test_unknown_counter_kpi(tmp_path):
    path = write(tmp_path, entry("calls_made", counter_kpi=["win_rat"]))
    assert error_of(path) == (
        f"{path}: kpis[0].counter_kpi (KPI 'calls_made'): 'win_rat' is not in the KPI library. "
        "Did you mean 'win_rate' or 'discount_rate'?\n"
        "Suggestion: name a library id, or define that KPI in your library file."
    )


def test_own_counter_kpi(tmp_path):
    path = write(tmp_path, entry("calls_made", counter_kpi="calls_made"))
    assert error_of(path) == (
        f"{path}: kpis[0].counter_kpi (KPI 'calls_made'): a KPI cannot be its own counter KPI.\n"
        "Suggestion: name a different KPI that keeps this one honest."
    )


def test_unknown_formula_id(tmp_path):
    path = write(
        tmp_path,
        entry("calls_per_deal", unit="ratio", aggregation="ratio", formula="calls / won_deal"),
    )
    assert error_of(path) == (
        "2 problems in the KPI library:\n"
        f"- {path}: kpis[0].formula (KPI 'calls_per_deal'): 'calls' in 'calls / won_deal' is "
        "not in the KPI library. Did you mean 'sales_calls'?\n"
        "  Suggestion: a formula may use only library ids and numbers.\n"
        f"- {path}: kpis[0].formula (KPI 'calls_per_deal'): 'won_deal' in 'calls / won_deal' is "
        "not in the KPI library. Did you mean 'won_deals' or 'closed_deals'?\n"
        "  Suggestion: a formula may use only library ids and numbers."
    )


def test_formula_cycle_is_named(tmp_path):
    path = write(
        tmp_path,
        entry("a_kpi", formula="b_kpi + 1", counter_kpi=[]),
        entry("b_kpi", formula="c_kpi * 2", counter_kpi=[]),
        entry("c_kpi", formula="a_kpi - 1", counter_kpi=[]),
    )
    assert error_of(path, include_default=False) == (
        f"{path}: kpis[0].formula (KPI 'a_kpi'): formulas refer to each other in a cycle: "
        "a_kpi -> b_kpi -> c_kpi -> a_kpi.\n"
        "Suggestion: compute at least one KPI of the cycle from data, without a formula."
    )


def test_formula_referring_to_itself(tmp_path):
    path = write(tmp_path, entry("a_kpi", formula="a_kpi + 1", counter_kpi=[]))
    assert error_of(path, include_default=False) == (
        f"{path}: kpis[0].formula (KPI 'a_kpi'): formulas refer to each other in a cycle: "
        "a_kpi -> a_kpi.\n"
        "Suggestion: compute at least one KPI of the cycle from data, without a formula."
    )


def test_formula_syntax_error(tmp_path):
    path = write(tmp_path, entry("a_kpi", formula="revenue ** 2"))
    assert error_of(path) == (
        f"{path}: kpis[0].formula (KPI 'a_kpi'): Formula 'revenue ** 2': operator '**' is not "
        "allowed at column 9.\n    revenue ** 2\n            ^\n"
        "Suggestion: a formula may only use numbers, KPI/goal ids, + - * / and parentheses."
    )


def test_ratio_without_formula_and_rate_not_ratio(tmp_path):
    path = write(
        tmp_path,
        entry("a_kpi", aggregation="ratio"),
        entry("b_kpi", aggregation="mean", formula="revenue / leads"),
    )
    assert error_of(path) == (
        "2 problems in the KPI library:\n"
        f"- {path}: kpis[0].aggregation (KPI 'a_kpi'): 'ratio' needs a formula that divides by a "
        "KPI, e.g. 'won_deals / closed_deals', so the value over several periods can be "
        "recomputed from summed inputs.\n"
        "  Suggestion: add the formula, or use 'sum', 'mean' or 'last'.\n"
        f"- {path}: kpis[1].aggregation (KPI 'b_kpi'): 'mean' does not fit the formula "
        "'revenue / leads', which divides by a KPI: a rate must be recomputed from summed "
        "inputs over periods, never summed or averaged.\n"
        "  Suggestion: use aggregation: ratio."
    )


def test_ratio_inputs_must_be_summable(tmp_path):
    path = write(tmp_path, entry("a_kpi", aggregation="ratio", formula="nps / leads"))
    assert error_of(path) == (
        f"{path}: kpis[0].formula (KPI 'a_kpi'): input 'nps' has aggregation 'mean', but a "
        "'ratio' KPI is recomputed from the sums of its inputs over periods.\n"
        "Suggestion: use inputs whose aggregation is 'sum' (amounts and counts)."
    )


def test_missing_fields_and_bad_types(tmp_path):
    bad = entry("a_kpi", quantitative="yes please", tags=[1, 2])
    del bad["level"]
    path = write(tmp_path, bad)
    assert error_of(path) == (
        "3 problems in the KPI library:\n"
        f"- {path}: kpis[0].level (KPI 'a_kpi'): missing.\n"
        "  Suggestion: every KPI needs id, name, area, unit, direction, aggregation, type, "
        "quantitative, level, description.\n"
        f"- {path}: kpis[0].quantitative (KPI 'a_kpi'): must be true or false, got the text "
        "'yes please'.\n"
        f"- {path}: kpis[0].tags (KPI 'a_kpi'): must be an id or a list of ids, got a list."
    )


def test_id_must_be_snake_case(tmp_path):
    path = write(tmp_path, entry("Win Rate"))
    assert error_of(path) == (
        f"{path}: kpis[0].id (KPI 'Win Rate'): 'Win Rate' is not a snake_case id.\n"
        "Suggestion: use lower-case letters, digits and '_', starting with a letter, "
        "e.g. 'win_rate'."
    )


def test_malformed_yaml_gives_line_and_column(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("kpis:\n  - id: a_kpi\n    name: Calls: made\n")
    assert error_of(path) == (
        f"{path}: line 3, column 16: invalid YAML: mapping values are not allowed here.\n"
        "Suggestion: check the indentation and the ':' after each key on that line (use "
        "spaces, not tabs), and quote text that contains ': ' or '#'."
    )


def test_python_tag_is_rejected(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("kpis:\n  - !!python/object/apply:os.system ['echo hacked']\n")
    assert error_of(path) == (
        f"{path}: line 2, column 5 (kpis[0]): the YAML tag '!!python/object/apply:os.system' "
        "is not allowed: a KPI library file holds plain data only (text, numbers, lists, "
        "mappings).\n"
        "Suggestion: remove the tag and write the value as plain text or a number."
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "",
            "{path}: the KPI library file is empty.\n"
            "Suggestion: write a top-level 'kpis:' list of KPI entries.",
        ),
        (
            "- id: a\n",
            "{path}: the top level must be a mapping with a 'kpis:' list, got a "
            "list.\nSuggestion: start the file with 'kpis:'.",
        ),
        (
            "kpi: []\n",
            "2 problems in the KPI library:\n"
            "- {path}: kpi: unknown top-level key. Did you mean 'kpis'?\n"
            "  Suggestion: a library file has only 'version', 'kpis'.\n"
            "- {path}: kpis: missing.\n"
            "  Suggestion: write a top-level 'kpis:' list of KPI entries.",
        ),
        (
            "kpis: revenue\n",
            "{path}: kpis: must be a list of KPI entries, got the text "
            "'revenue'.\nSuggestion: write each KPI as a list item starting "
            "with '- id: ...'.",
        ),
        (
            "kpis:\n  - revenue\n",
            "{path}: kpis[0]: must be a mapping of KPI fields, got the "
            "text 'revenue'.\nSuggestion: write the entry as 'id: ...', "
            "'name: ...' and the other fields.",
        ),
    ],
)
def test_bad_file_shapes(tmp_path, text, message):
    path = tmp_path / "shape.yaml"
    path.write_text(text)
    assert error_of(path) == message.format(path=path)


def test_unknown_version(tmp_path):
    path = tmp_path / "v2.yaml"
    path.write_text("version: 2\nkpis: []\n")
    assert error_of(path) == (
        f"{path}: version: 2 is not a library format this kpitools reads.\n"
        "Suggestion: write 'version: 1' or leave the key out."
    )
    path.write_text("kpis: []\n")  # no version and no KPIs: a valid, empty addition
    assert len(load_library(path)) == len(load_library())


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    assert error_of(path) == (
        f"{path}: KPI library file not found.\n"
        f"Suggestion: check the path (working folder: {Path.cwd()})."
    )


def test_nothing_to_load():
    assert error_of(include_default=False) == (
        "No KPI library file to load.\n"
        "Suggestion: pass a library file or keep include_default=True."
    )


def test_errors_pickle(tmp_path):
    path = write(tmp_path, entry("calls_made", direction="up"))
    with pytest.raises(DefinitionError) as info:
        load_library(path)
    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == str(info.value) and type(again) is DefinitionError


def test_kpi_constructed_in_code():
    k = KPI(
        id="visits_per_day",
        name="Visits per day",
        area="sales",
        unit="ratio",
        direction="higher",
        aggregation="ratio",
        formula="visits / days_worked",
        type="leading",
        quantitative=True,
        level="individual",
        description="Client visits per day worked.",
    )
    assert (k.numerator, k.denominator, k.counter_kpi, k.nonnegative) == (
        "visits",
        "days_worked",
        (),
        False,
    )


def test_duplicate_yaml_key_is_not_silently_dropped(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(
        "kpis:\n  - id: calls_made\n    direction: higher\n    name: Calls\n    direction: lower\n"
    )
    assert error_of(path) == (
        f"{path}: line 5, column 5 (kpis[0].direction): the key 'direction' is given twice "
        "(first on line 3).\n"
        "Suggestion: keep only one of them (YAML would silently use the last)."
    )


def test_formula_without_kpi_ids(tmp_path):
    path = write(tmp_path, entry("a_kpi", formula="100 * 2"))
    assert error_of(path) == (
        f"{path}: kpis[0].formula (KPI 'a_kpi'): '100 * 2' uses no KPI id.\n"
        "Suggestion: a formula computes a KPI from other KPIs, e.g. 'won_deals / closed_deals'; "
        "a fixed number belongs in a target."
    )


def test_unhashable_yaml_key(tmp_path):
    path = tmp_path / "key.yaml"
    path.write_text("kpis:\n  - ? [a, b]\n    : 1\n")
    message = error_of(path)
    assert message == (
        f"{path}: line 2, column 7 (kpis[0]): invalid YAML: found unhashable key.\n"
        "Suggestion: use plain text keys in mappings (not lists or mappings)."
    )


def test_missing_shipped_library_is_explained(tmp_path):
    from kpitools.data.library import _read_text

    path = tmp_path / "gone.yaml"
    with pytest.raises(DefinitionError) as info:
        _read_text(path, is_default=True)
    assert str(info.value) == (
        f"{path}: the shipped KPI library is missing.\n"
        "Suggestion: reinstall kpitools from its source tree, or pass your own library file "
        "with include_default=False."
    )


def test_kpi_built_in_code_is_checked_and_normalised():
    fields = {
        "id": "visits",
        "name": "Visits",
        "area": "sales",
        "unit": "count",
        "direction": "higher",
        "aggregation": "sum",
        "type": "leading",
        "quantitative": True,
        "level": "individual",
        "description": "Client visits.",
    }
    k = KPI(**fields, counter_kpi="won_deals", tags=["activity", "field"])
    assert (k.counter_kpi, k.tags) == (("won_deals",), ("activity", "field"))
    with pytest.raises(DefinitionError) as info:
        KPI(**{**fields, "level": "teams"})
    assert str(info.value) == (
        "KPI 'visits': level 'teams' is not allowed. Did you mean 'team'?\n"
        "Suggestion: use one of 'individual', 'team', 'company'."
    )


def test_library_is_read_only(lib):
    with pytest.raises(TypeError):
        lib.kpis["revenue"] = lib["units_sold"]
    with pytest.raises(TypeError):
        lib.sources["revenue"] = "elsewhere.yaml"
    assert lib["revenue"].id == "revenue"
