"""The demo company's deals aggregate exactly to its long table."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpitools.data import aggregate_events
from kpitools.demo import DemoCompany, make_demo_company

SALES_ROLES = ["sales_rep", "key_account_manager"]


def _aggregate_deals(deals: pd.DataFrame) -> pd.DataFrame:
    won = deals["deal_stage"] == "Won"
    frame = deals.assign(
        period=deals["close_date"].str[:7],
        won=won.astype(float),
        cents=np.where(won, np.round(deals["close_value"] * 100), 0.0),
        won_units=np.where(won, deals["units"], 0.0),
        new=(won & (deals["client_type"] == "new")).astype(float),
    )
    return frame.groupby(["sales_agent", "period"]).agg(
        won_deals=("won", "sum"),
        closed_deals=("deal_id", "size"),
        cents=("cents", "sum"),
        units_sold=("won_units", "sum"),
        new_clients=("new", "sum"),
    )


def _check_deals_match(company: DemoCompany) -> None:
    deals = company.deals
    assert list(deals.columns) == [
        "deal_id",
        "sales_agent",
        "close_date",
        "deal_stage",
        "close_value",
        "product",
        "account",
        "client_type",
        "units",
    ]
    assert deals["deal_id"].is_unique
    assert set(deals["deal_stage"]) <= {"Won", "Lost"}
    assert (deals["close_value"] > 0).all() and (deals["units"] >= 1).all()
    assert pd.to_datetime(deals["close_date"], format="%Y-%m-%d").is_monotonic_increasing
    # a new client appears in a won deal only once
    new_won = deals[(deals["client_type"] == "new") & (deals["deal_stage"] == "Won")]
    assert new_won["account"].is_unique

    wide = company.data.pivot(index=["employee", "period"], columns="kpi", values="actual")
    roles = company.data.drop_duplicates(["employee", "period"]).set_index(["employee", "period"])
    sales = wide[roles["role"].reindex(wide.index).isin(SALES_ROLES)]
    agg = _aggregate_deals(deals)
    agg.index.names = ["employee", "period"]
    # every deal belongs to an active sales employee-month
    assert agg.index.difference(sales.index).empty
    agg = agg.reindex(sales.index, fill_value=0.0)
    assert (agg["won_deals"] == sales["won_deals"]).all()
    assert (agg["closed_deals"] == sales["closed_deals"]).all()
    assert (agg["units_sold"] == sales["units_sold"]).all()
    assert (agg["new_clients"] == sales["new_clients"]).all()
    # revenue to the cent
    assert (agg["cents"] == np.round(sales["revenue"] * 100)).all()


def test_deals_aggregate_exactly_to_the_long_table(company):
    _check_deals_match(company)
    assert company.deals["product"].nunique() == 5


def test_the_data_layer_aggregates_the_deals_file_back_to_the_kpis(tmp_path, company):
    paths = company.write(tmp_path)
    kpis = aggregate_events(
        paths["deals"],
        employee="sales_agent",
        date="close_date",
        measures=[
            "won_deals=count where deal_stage == Won",
            "closed_deals=count",
            "revenue=sum(close_value) where deal_stage == Won",
            "units_sold=sum(units) where deal_stage == Won",
            "new_clients=count where deal_stage == Won and client_type == new",
        ],
    )
    merged = kpis.merge(
        company.data, on=["employee", "period", "kpi"], how="left", suffixes=("_deals", "")
    )
    assert merged["actual"].notna().all()
    assert (merged["role"] != "marketing").all()
    assert (np.round(merged["actual_deals"] * 100) == np.round(merged["actual"] * 100)).all()
    assert len(kpis) > 0.95 * 5 * (company.data["kpi"] == "won_deals").sum()


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n_employees=st.integers(3, 40),
    months=st.integers(1, 30),
    start_month=st.integers(1, 12),
)
def test_invariants_hold_for_any_size(seed, n_employees, months, start_month):
    company = make_demo_company(
        seed, n_employees=n_employees, months=months, start=f"2023-{start_month:02d}"
    )
    assert len(company.employees) == n_employees
    assert len(company.periods) == months and company.periods[0] == f"2023-{start_month:02d}"
    assert set(company.data["employee"]) == set(company.employees["employee"])
    assert not company.data.duplicated(["employee", "period", "kpi"]).any()
    _check_deals_match(company)
