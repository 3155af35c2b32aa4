"""The demo company tells its story: season, trend, skill, ramp-up, timers, targets."""

from __future__ import annotations

import pandas as pd
import pytest

SALES_ROLES = ["sales_rep", "key_account_manager"]


def _sales_revenue(data: pd.DataFrame) -> pd.DataFrame:
    rev = data[(data["kpi"] == "revenue") & data["role"].isin(SALES_ROLES)]
    return rev.assign(
        year=rev["period"].str[:4].astype(int), month=rev["period"].str[5:].astype(int)
    )


# --------------------------------------------------------------------------- the story
def test_seasonality_strong_months_beat_weak_months(company):
    rev = _sales_revenue(company.data)
    by_month = rev.groupby(["year", "month"])["actual"].sum().groupby("month").mean()
    strong = by_month[[3, 11, 12]].mean()
    weak = by_month[[1, 8]].mean()
    assert strong > 1.2 * weak
    assert by_month[12] == by_month.max()


def test_trend_year_three_beats_year_one(company):
    rev = _sales_revenue(company.data)
    total = rev.groupby("year")["actual"].sum()
    per_head = total / rev.groupby("year")["employee"].size()  # revenue per person-month
    assert total[2026] > total[2024]
    assert per_head[2026] > 1.03 * per_head[2024]


def test_skill_differences_persist(company):
    rev = _sales_revenue(company.data)
    rev = rev[rev["role"] == "sales_rep"]
    mean = rev.groupby(["employee", "year"])["actual"].mean().unstack()
    both = mean.dropna(subset=[2024, 2026])
    assert len(both) > 30
    assert both[2024].corr(both[2026], method="spearman") > 0.5
    skill = company.employees.set_index("employee")["skill"]
    assert mean.mean(axis=1).corr(skill.reindex(mean.index), method="spearman") > 0.6


def test_nps_falls_with_aggressive_discounting(company):
    nps = company.data[company.data["kpi"] == "nps"].groupby("employee")["actual"].mean()
    emp = company.employees.set_index("employee").reindex(nps.index)
    assert nps.corr(emp["discount"], method="spearman") < -0.3
    assert 0 < nps.corr(emp["skill"], method="spearman") < 0.7  # weakly related to skill
    assert nps[emp["is_quarter_end_timer"]].mean() < nps[~emp["is_quarter_end_timer"]].mean()


def test_new_hires_ramp_up(company):
    rev = _sales_revenue(company.data)
    hires = company.employees.loc[company.employees["hired"], "employee"]
    rev = rev[rev["employee"].isin(hires)].copy()
    rev["tenure"] = rev.groupby("employee").cumcount()
    first_months = rev[rev["tenure"] < 3].groupby("employee")["actual"].mean()
    later = rev[rev["tenure"] >= 6].groupby("employee")["actual"].mean()
    ratio = (first_months / later).dropna()
    assert len(ratio) >= 5
    assert ratio.median() < 0.7


def test_quarter_end_timers_bunch_revenue_into_quarter_ends(company):
    rev = _sales_revenue(company.data)
    rev["quarter_end"] = rev["month"] % 3 == 0
    totals = rev.groupby(["employee", "quarter_end"])["actual"].sum().unstack()
    share = totals[True] / totals.sum(axis=1)
    timers = company.employees.set_index("employee")["is_quarter_end_timer"]
    timers = timers.reindex(share.index)
    assert 3 <= timers.sum() <= 4
    assert share[timers].min() > share[~timers].quantile(0.9)
    assert share[timers].mean() > share[~timers].mean() + 0.2
    # the deals show it too: late in the quarter's last month
    deals = company.deals
    timer_deals = deals[deals["sales_agent"].isin(timers[timers].index)]
    day = timer_deals["close_date"].str[8:].astype(int)
    month = timer_deals["close_date"].str[5:7].astype(int)
    assert (day[month % 3 == 0] >= 22).mean() > 0.5


def test_targets_exist_for_revenue_units_and_marketing_leads(company):
    data = company.data
    with_target = data[data["target"].notna()]
    assert sorted(with_target.groupby(["role", "kpi"]).size().index.tolist()) == [
        ("key_account_manager", "revenue"),
        ("key_account_manager", "units_sold"),
        ("marketing", "leads"),
        ("sales_rep", "revenue"),
        ("sales_rep", "units_sold"),
    ]
    # every such row has one, and targets are round numbers
    expected = data["kpi"].isin(["revenue", "units_sold"]) & data["role"].isin(SALES_ROLES)
    expected |= (data["kpi"] == "leads") & (data["role"] == "marketing")
    assert data["target"].notna().tolist() == expected.tolist()
    assert (with_target["target"] > 0).all()
    revenue_targets = with_target.loc[with_target["kpi"] == "revenue", "target"]
    assert (revenue_targets % 1000 == 0).all()


def test_targets_come_from_last_year_phased_by_season(company):
    rev = _sales_revenue(company.data)
    emp = company.employees.set_index("employee")
    full_years = emp[(emp["first_period"] == "2024-01") & (emp["last_period"] == "2026-12")]
    rev = rev[rev["employee"].isin(full_years.index)]
    actual = rev.groupby(["employee", "year"])["actual"].sum().unstack()
    target = rev.groupby(["employee", "year"])["target"].sum().unstack()
    # the 2025 plan is last year's actual x 1.05, talked down ~12%, with per-person noise
    ratio = target[2025] / actual[2024]
    assert ratio.median() == pytest.approx(1.05 * 0.88, abs=0.05)
    assert ratio.between(0.7, 1.2).all()
    # phased by last year's season: December targets above January targets
    by_month = rev.groupby("month")["target"].sum()
    assert by_month[12] > 1.3 * by_month[1]


def test_attainment_varies_around_100_percent(company):
    rows = company.data.dropna(subset=["target"])
    attainment = rows["actual"] / rows["target"]
    hit = (attainment >= 1).mean()
    assert 0.4 <= hit <= 0.8
    assert 0.85 < attainment.median() < 1.2
    revenue = rows[rows["kpi"] == "revenue"]
    assert 0.4 <= (revenue["actual"] >= revenue["target"]).mean() <= 0.8
