"""The KPI library: the shipped file, the Library object, KPIs and their ratio maths."""

from __future__ import annotations

import doctest
import importlib
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools._util.formula import parse
from kpitools._util.graph import dependency_order, find_cycle
from kpitools.data import (
    AGGREGATIONS,
    AREAS,
    DIRECTIONS,
    KPI,
    LEVELS,
    TYPES,
    UNITS,
    Library,
    default_library_path,
    load_library,
)
from kpitools.errors import DefinitionError

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


# --------------------------------------------------------------------------- shipped library
def test_default_library_path_is_the_repo_template():
    path = default_library_path()
    assert path == Path(__file__).resolve().parents[2] / "templates" / "kpi_library.yaml"
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
        # and the rated objectives (type: rating) of management and customer service
        assert {k.type for k in lib.in_area(area)} - {"rating"} == {"leading", "lagging"}, area


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
    assert find_cycle(lib.dependencies) is None
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
        "limits",
        "reversible",
        "scale",
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


# --------------------------------------------------------------------------- modules
@pytest.mark.parametrize(
    "name", ["library", "kpi", "library_spec", "library_files", "formula_kpis"]
)
def test_library_modules_have_working_examples(name):
    module = importlib.import_module(f"kpitools.data.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_dependencies_are_the_formula_graph(lib):
    graph = lib.dependencies
    assert graph["romi"] == ("revenue", "marketing_cost") and graph["revenue"] == ()
    assert list(graph) == list(lib.ids)
    order = dependency_order(graph)
    assert [k.id for k in lib.formula_kpis] == [i for i in order if lib[i].formula]


def test_a_library_built_in_code_with_a_cycle_still_orders_its_formulas():
    def kpi(kpi_id, formula):
        return KPI(id=kpi_id, name=kpi_id, area="sales", unit="count", direction="higher",
                   aggregation="sum", formula=formula, type="lagging", quantitative=True,
                   level="individual", description="d")  # fmt: skip

    lib = Library({"a": kpi("a", "b + 1"), "b": kpi("b", "a - 1"), "c": kpi("c", "a * 2")})
    assert find_cycle(lib.dependencies) == ["a", "b", "a"]
    assert [k.id for k in lib.formula_kpis] == ["b", "a", "c"]
