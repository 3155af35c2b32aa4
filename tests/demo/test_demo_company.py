"""The demo company: deterministic, canonical in shape, consistent, explained when misused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpitools.data import load_library
from kpitools.demo import (
    COMPANY_NAME,
    DEFAULT_SEED,
    MARKETING_KPIS,
    SALES_KPIS,
    demo_data,
    make_demo_company,
)
from kpitools.errors import DefinitionError

COLUMNS = ["employee", "period", "kpi", "actual", "target", "role", "team", "region", "manager"]
SALES_ROLES = ["sales_rep", "key_account_manager"]


# --------------------------------------------------------------------------- determinism
def test_same_seed_gives_identical_frames():
    a, b = make_demo_company(7), make_demo_company(7)
    pd.testing.assert_frame_equal(a.data, b.data, check_exact=True)
    pd.testing.assert_frame_equal(a.deals, b.deals, check_exact=True)
    pd.testing.assert_frame_equal(a.employees, b.employees, check_exact=True)


def test_default_seed_is_fixed(company):
    assert company.seed == DEFAULT_SEED == 2027
    pd.testing.assert_frame_equal(demo_data(), company.data, check_exact=True)


def test_different_seeds_give_different_companies(company):
    other = make_demo_company(DEFAULT_SEED + 1)
    assert not other.data["actual"].equals(company.data["actual"])
    assert not other.employees["skill"].equals(company.employees["skill"])


# --------------------------------------------------------------------------- shape
def test_long_table_is_canonical(company):
    data = company.data
    assert list(data.columns) == COLUMNS
    assert isinstance(data.index, pd.RangeIndex)
    assert data["actual"].dtype == np.float64 and data["target"].dtype == np.float64
    assert data["employee"].str.fullmatch(r"E\d{3}").all()
    assert data["period"].str.fullmatch(r"\d{4}-\d{2}").all()
    assert not data.duplicated(["employee", "period", "kpi"]).any()
    assert not data[["employee", "period", "kpi", "actual", "role", "team"]].isna().any().any()
    assert company.name == COMPANY_NAME and company.currency == "RUB"
    assert company.periods == tuple(
        f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)
    )
    assert repr(company) == (
        "DemoCompany(name='Northstar Components', seed=2027, periods='2024-01'..'2026-12', "
        f"employees=60, rows={len(data)}, deals={len(company.deals)})"
    )


def test_roster_has_about_60_people_in_roles_teams_and_regions(company):
    emp = company.employees
    assert len(emp) == 60 and emp["employee"].is_unique
    assert emp["role"].value_counts().to_dict() == {
        "sales_rep": 46,
        "key_account_manager": 8,
        "marketing": 6,
    }
    reps = emp[emp["role"] == "sales_rep"]
    assert reps["team"].nunique() == 5
    assert sorted(reps["region"].unique()) == ["Central", "North", "South"]
    # every team has one manager, and managers differ between teams
    assert (emp.groupby("team")["manager"].nunique() == 1).all()
    assert emp.drop_duplicates("team")["manager"].is_unique
    assert set(emp.loc[emp["role"] == "marketing", "team"]) == {"Marketing"}
    # the long table carries the same attributes as the roster
    attrs = company.data.drop_duplicates("employee").set_index("employee")
    roster = emp.set_index("employee")
    for column in ("role", "team", "region", "manager"):
        assert attrs[column].to_dict() == roster[column].to_dict()


def test_histories_are_ragged_and_rows_stay_inside_active_months(company):
    emp, data, periods = company.employees, company.data, company.periods
    hired = emp[emp["first_period"] > periods[0]]
    left = emp[emp["last_period"] < periods[-1]]
    assert hired["employee"].tolist() == emp.loc[emp["hired"], "employee"].tolist()
    assert left["employee"].tolist() == emp.loc[emp["left"], "employee"].tolist()
    assert len(hired) == 10 and len(left) == 8

    span = data.groupby("employee")["period"].agg(["min", "max", "nunique"])
    roster = emp.set_index("employee")
    assert span["min"].to_dict() == roster["first_period"].to_dict()
    assert span["max"].to_dict() == roster["last_period"].to_dict()
    # no gaps: as many months as the span from first to last
    first = pd.PeriodIndex(span["min"], freq="M")
    last = pd.PeriodIndex(span["max"], freq="M")
    months = (last.year - first.year) * 12 + (last.month - first.month) + 1
    assert span["nunique"].tolist() == list(months)


def test_every_role_has_its_kpis_every_month(company):
    data = company.data
    per_month = data.groupby(["employee", "period", "role"])["kpi"].apply(tuple).reset_index()
    expected = per_month["role"].map(
        {"sales_rep": SALES_KPIS, "key_account_manager": SALES_KPIS, "marketing": MARKETING_KPIS}
    )
    assert per_month["kpi"].tolist() == expected.tolist()


def test_every_kpi_is_in_the_kpi_library():
    library = load_library()
    assert [kpi for kpi in SALES_KPIS + MARKETING_KPIS if kpi not in library] == []


def test_values_are_valid(company, wide):
    data = company.data
    library = load_library()
    counts = data[
        data["kpi"].isin([k for k in SALES_KPIS + MARKETING_KPIS if library[k].unit == "count"])
    ]
    assert (counts["actual"] >= 0).all()
    assert (counts["actual"] == counts["actual"].round()).all()
    money = data[data["kpi"].isin(["revenue", "gross_margin", "marketing_cost"])]
    assert (money["actual"] >= 0).all()
    assert (money["actual"] == money["actual"].round(2)).all()
    nps = data.loc[data["kpi"] == "nps", "actual"]
    assert nps.between(-100, 100).all() and nps.std() > 10

    sales = wide[wide["role"].isin(SALES_ROLES)]
    assert (sales["won_deals"] <= sales["closed_deals"]).all()
    assert (sales["new_clients"] <= sales["won_deals"]).all()
    assert (sales["gross_margin"] <= sales["revenue"]).all()
    sold = sales[sales["revenue"] > 0]
    assert (sold["gross_margin"] < sold["revenue"]).all()
    margin_rate = sold["gross_margin"].sum() / sold["revenue"].sum()
    assert 0.15 < margin_rate < 0.40
    mkt = wide[wide["role"] == "marketing"]
    assert (mkt["mql"] <= mkt["leads"]).all()


def test_kpis_are_correlated_along_the_funnel(wide):
    reps = wide[wide["role"] == "sales_rep"]
    corr = reps[["meetings", "closed_deals", "won_deals", "revenue", "gross_margin"]].corr()
    assert corr.loc["meetings", "closed_deals"] > 0.5
    assert corr.loc["closed_deals", "won_deals"] > 0.5
    assert corr.loc["won_deals", "revenue"] > 0.3
    assert corr.loc["revenue", "gross_margin"] > 0.9


def test_a_thousand_people_scale(company):
    big = make_demo_company(n_employees=1000, months=36)
    emp = big.employees
    assert len(emp) == 1000 and emp["employee"].iloc[[0, -1]].tolist() == ["E0001", "E1000"]
    assert big.data["employee"].nunique() == 1000
    assert emp["role"].value_counts(normalize=True)["sales_rep"] == pytest.approx(0.765, abs=0.01)
    assert 50 <= emp["is_quarter_end_timer"].sum() <= 70


# --------------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"n_employees": 2},
            "The demo company needs n_employees >= 3 (one per role), got 2.\n"
            "Suggestion: use n_employees=60 (the default).",
        ),
        (
            {"months": 0},
            "The demo company needs months >= 1, got 0.\nSuggestion: use months=36 (the default).",
        ),
        (
            {"start": "2024-13"},
            "The demo company's start must be a month written YYYY-MM, got '2024-13'.\n"
            "Suggestion: use start='2024-01' (the default).",
        ),
        (
            {"seed": -1},
            "The demo company's seed must be a non-negative integer, got -1.\n"
            "Suggestion: use seed=2027 (the default) or any other whole number >= 0.",
        ),
    ],
)
def test_bad_arguments_are_explained(kwargs, message):
    with pytest.raises(DefinitionError) as info:
        make_demo_company(**kwargs)
    assert str(info.value) == message
