"""The demo company: deterministic, realistic in the ways the notebooks rely on, consistent."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpitools.cli.main import main
from kpitools.data import aggregate_events, load_library
from kpitools.demo import (
    COMPANY_NAME,
    DEFAULT_SEED,
    MARKETING_KPIS,
    SALES_KPIS,
    DemoCompany,
    demo_data,
    make_demo_company,
    run_demo,
    write_demo,
)
from kpitools.errors import DefinitionError, KpitoolsError

COLUMNS = ["employee", "period", "kpi", "actual", "target", "role", "team", "region", "manager"]
SALES_ROLES = ["sales_rep", "key_account_manager"]


@pytest.fixture(scope="module")
def company() -> DemoCompany:
    return make_demo_company()


@pytest.fixture(scope="module")
def wide(company) -> pd.DataFrame:
    """One row per employee-month, one column per KPI."""
    data = company.data
    out = data.pivot(index=["employee", "period"], columns="kpi", values="actual")
    roles = data.drop_duplicates(["employee", "period"]).set_index(["employee", "period"])["role"]
    return out.join(roles).reset_index()


def _sales_revenue(data: pd.DataFrame) -> pd.DataFrame:
    rev = data[(data["kpi"] == "revenue") & data["role"].isin(SALES_ROLES)]
    return rev.assign(
        year=rev["period"].str[:4].astype(int), month=rev["period"].str[5:].astype(int)
    )


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


def test_html_repr_shows_the_company_and_its_kpis(company):
    html = company._repr_html_()
    assert html.startswith(
        "<p><b>Northstar Components</b> - B2B distributor of industrial components, "
        "currency RUB; 36 months (2024-01 to 2026-12); 60 people (10 hired, 8 left); "
    )
    assert html.count("<tr") == 1 + 2 * len(SALES_KPIS) + len(MARKETING_KPIS)


def test_summary_frame_matches_the_data(company):
    summary = company.summary.set_index(["role", "kpi"])
    data = company.data
    reps = data[data["role"] == "sales_rep"]
    assert summary.loc[("sales_rep", "revenue"), "value"] == pytest.approx(
        reps.loc[reps["kpi"] == "revenue", "actual"].sum(), rel=1e-12
    )
    assert summary.loc[("sales_rep", "nps"), "aggregation"] == "mean"
    assert summary.loc[("sales_rep", "nps"), "value"] == pytest.approx(
        reps.loc[reps["kpi"] == "nps", "actual"].mean(), rel=1e-12
    )
    assert np.isnan(summary.loc[("sales_rep", "meetings"), "share_at_target"])
    assert len(summary) == 2 * len(SALES_KPIS) + len(MARKETING_KPIS)


# --------------------------------------------------------------------------- deals
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
    paths = write_demo(tmp_path)
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


# --------------------------------------------------------------------------- files
def test_write_demo_writes_csvs_that_read_back_equal(tmp_path, company):
    paths = write_demo(tmp_path / "demo")
    assert {key: path.name for key, path in paths.items()} == {
        "data": "data.csv",
        "deals": "deals.csv",
        "employees": "employees.csv",
    }
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == [
        "data.csv",
        "deals.csv",
        "employees.csv",
    ]
    data = pd.read_csv(paths["data"], dtype={"employee": str})
    pd.testing.assert_frame_equal(data, company.data, check_exact=True)
    deals = pd.read_csv(paths["deals"], dtype={"sales_agent": str})
    pd.testing.assert_frame_equal(deals, company.deals, check_exact=True)
    employees = pd.read_csv(paths["employees"], dtype={"employee": str})
    pd.testing.assert_frame_equal(employees, company.employees, check_exact=True)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One ``run_demo`` for the tests that read what it printed and returned."""
    out = tmp_path_factory.mktemp("run") / "reports" / "demo"
    lines: list[str] = []
    result = run_demo(out, echo=lines.append)
    return out, lines, result


def test_run_demo_prints_a_summary_of_the_data(demo_run, company):
    out, lines, result = demo_run
    data, emp = company.data, company.employees
    assert sorted(result["files"]) == ["data", "deals", "employees"]
    assert all(path.is_file() for path in result["files"].values())
    assert result["summary"] == "\n".join(lines)
    assert lines[0] == "Northstar Components - demo company (seed 2027)"
    assert lines[-1] == f"Output folder: {out}"

    start, end = company.periods[0], company.periods[-1]
    assert f"Months: 36 ({start} to {end})" in lines
    assert (
        f"People: {len(emp)} on the roster ({(emp['first_period'] == start).sum()} at the start, "
        f"{(emp['first_period'] > start).sum()} hired, {(emp['last_period'] < end).sum()} left, "
        f"{(emp['last_period'] == end).sum()} at the end)"
    ) in lines

    def row(*start: str) -> list[str]:
        found = [line.split() for line in lines if tuple(line.split()[: len(start)]) == start]
        assert len(found) == 1
        return found[0]

    rows = data[(data["role"] == "sales_rep") & (data["kpi"] == "revenue")]
    share = (rows["actual"] >= rows["target"]).mean()
    total = rows["actual"].sum()
    assert row("sales_rep", "revenue") == [
        "sales_rep",
        "revenue",
        f"{len(rows):,}",
        f"{total:,.2f}",
        "RUB",
        f"{len(rows):,}",
        f"{share:.0%}",
    ]
    meetings = data[(data["role"] == "key_account_manager") & (data["kpi"] == "meetings")]
    assert row("key_account_manager", "meetings") == [
        "key_account_manager",
        "meetings",
        f"{len(meetings):,}",
        f"{meetings['actual'].sum():,.0f}",
    ]
    nps = data[(data["role"] == "sales_rep") & (data["kpi"] == "nps")]
    assert row("sales_rep", "nps") == [
        "sales_rep",
        "nps",
        f"{len(nps):,}",
        f"{nps['actual'].mean():,.1f}",
        "(mean)",
    ]
    sales = data[data["role"].isin(SALES_ROLES)]
    for year in ("2024", "2025", "2026"):
        rows = sales[sales["period"].str.startswith(year)]
        revenue = rows.loc[rows["kpi"] == "revenue", "actual"].sum()
        won = rows.loc[rows["kpi"] == "won_deals", "actual"].sum()
        closed = rows.loc[rows["kpi"] == "closed_deals", "actual"].sum()
        growth = []
        if year != "2024":
            before = sales[sales["period"].str.startswith(str(int(year) - 1))]
            growth = [
                f"{revenue / before.loc[before['kpi'] == 'revenue', 'actual'].sum() - 1:+.1%}"
            ]
        assert row(year) == [
            year,
            "12",
            f"{revenue:,.2f}",
            "RUB",
            *growth,
            f"{won:,.0f}",
            f"{won / closed:.1%}",
        ]
    planted = lines.index("Planted in the data (ground truth in employees.csv):")
    assert lines[planted + 1] == (
        f"  {emp['is_quarter_end_timer'].sum()} quarter-end timers, {emp['hired'].sum()} new hires "
        f"ramping up, {emp['left'].sum()} leavers."
    )
    team = emp[emp["team"] == "North 1"]
    assert row("sales_rep", "North", "1") == [
        "sales_rep",
        "North",
        "1",
        "North",
        "M01",
        str(len(team)),
        str(team["hired"].sum()),
        str(team["left"].sum()),
    ]


def test_run_demo_checks_its_data_with_the_data_layer(demo_run, company):
    _, lines, result = demo_run
    report = result["check"]
    assert report.ok and report.rows_read == report.rows_kept == len(company.data)
    assert (
        f"Data check: OK - {len(company.data):,} rows read, {len(company.data):,} kept, 0 issues"
    ) in lines
    pd.testing.assert_frame_equal(
        report.data.reset_index(drop=True), company.data, check_exact=True
    )


def test_cli_demo_writes_the_files(tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["demo", "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "Northstar Components - demo company (seed 2027)"
    assert printed[-1] == f"Output folder: {out}"
    assert sorted(p.name for p in out.iterdir()) == ["data.csv", "deals.csv", "employees.csv"]


def test_run_demo_refuses_a_file_as_output_folder(tmp_path):
    target = tmp_path / "taken"
    target.write_text("x")
    with pytest.raises(KpitoolsError) as info:
        run_demo(target, echo=lambda line: None)
    assert str(info.value) == (
        f"Cannot write the demo company into {str(target)!r}: it is a file, not a folder.\n"
        "Suggestion: pass a folder name, e.g. --out reports/demo."
    )
    assert target.read_text() == "x"


def test_cli_demo_refuses_a_file_as_output_folder(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("x")
    assert main(["demo", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (
        f"Error: Invalid value for '--out': Directory {str(target)!r} is a file."
    )
    assert target.read_text() == "x"
