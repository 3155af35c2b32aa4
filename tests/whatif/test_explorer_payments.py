"""The scheme explorer with a roster: pay per person, proration and payments, live."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from kpitools.engine import STEP_COLUMNS, compute_metrics, run_scheme
from kpitools.whatif import SchemeExplorer

TEMPLATES = "templates/schemes"
DRAW = f"{TEMPLATES}/new_hire_draw.yaml"
TRUE_UP = f"{TEMPLATES}/quarterly_true_up.yaml"


def explorer(data, scheme, **kw) -> SchemeExplorer:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the demo roster's notes (hires, leavers)
        return SchemeExplorer(data, scheme, **kw)


def direct(data, scheme, roster):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_scheme(data, scheme, roster=roster)


def total_rows(run, employee: str) -> pd.DataFrame:
    p = run.payouts
    return p[(p["component"] == "total") & (p["employee"] == employee)].reset_index(drop=True)


@pytest.fixture(scope="module")
def company(demo_company):
    return demo_company


@pytest.fixture(scope="module")
def new_hire(company):
    """An employee hired inside the data's months: the draw pays them."""
    roster = company.roster
    first = company.data["period"].min()
    hired = roster[(roster["hire_date"] > f"{first}-01") & (roster["role"] == "sales_rep")]
    return str(hired["employee"].iloc[0])


@pytest.fixture(scope="module")
def draws(company):
    return explorer(company.data, DRAW, roster=company.roster)


def test_with_a_draw_the_costs_are_payments_as_a_direct_run_counts_them(draws, company):
    run = direct(company.data, DRAW, company.roster)
    pd.testing.assert_series_equal(draws.metrics, compute_metrics(run))
    assert draws.metrics["draw_cost"] > 0  # the draws paid beyond earnings
    assert draws.uses_mechanics and draws._payments_box.layout.display is None


def test_the_payments_of_a_new_hire_are_the_total_rows_of_the_payout_table(
    draws, company, new_hire
):
    draws.reset()
    draws.payment_employee.value = new_hire
    shown = draws.payments
    run = direct(company.data, DRAW, company.roster)
    expected = total_rows(run, new_hire)
    assert shown["period"].tolist() == expected["period"].tolist()
    for column in ("on_target_pay", "proration", *STEP_COLUMNS):
        np.testing.assert_array_equal(shown[column].to_numpy(), expected[column].to_numpy())
    assert (shown["draw_balance"] > 0).any()  # the draw was advanced and carried
    # the section shows the same figures, to the cent, under the employee's name
    html = draws._payments.value
    assert f"Payments of {new_hire}</b> (RUB)" in html
    first_payment = f"{shown['payment'].iloc[0]:,.2f}"
    assert f"<td>{first_payment}</td>" in html


def test_a_control_change_recomputes_payments_as_the_saved_scheme_pays(draws, company, new_hire):
    draws.reset()
    draws.payment_employee.value = new_hire
    before = draws.payments["payment"].sum()
    rate = next(n for n in draws.controls if n.endswith("rate"))
    draws.controls[rate].value = 0.15
    assert draws.error is None
    run = direct(company.data, draws.scheme, company.roster)
    pd.testing.assert_series_equal(draws.metrics, compute_metrics(run))
    expected = total_rows(run, new_hire)
    np.testing.assert_array_equal(
        draws.payments["payment"].to_numpy(), expected["payment"].to_numpy()
    )
    assert draws.payments["payment"].sum() != before
    assert f"{draws.payments['payment'].iloc[-1]:,.2f}" in draws._payments.value


def test_picking_another_employee_shows_theirs(draws, company):
    draws.reset()
    other = draws.payment_employee.options[-1]
    draws.payment_employee.value = other
    assert f"Payments of {other}</b>" in draws._payments.value
    run = direct(company.data, DRAW, company.roster)
    np.testing.assert_array_equal(
        draws.payments["earned"].to_numpy(), total_rows(run, other)["earned"].to_numpy()
    )


def test_a_quarterly_true_up_shows_year_to_date_steps(company):
    ex = explorer(company.data, TRUE_UP, roster=company.roster)
    run = direct(company.data, TRUE_UP, company.roster)
    pd.testing.assert_series_equal(ex.metrics, compute_metrics(run))
    employee = ex.payment_employee.value
    shown, expected = ex.payments, total_rows(run, employee)
    for column in STEP_COLUMNS:
        np.testing.assert_array_equal(shown[column].to_numpy(), expected[column].to_numpy())
    # paid to date is what the earlier quarters of the year paid
    year = shown["period"].str[:4]
    paid = shown["payment"].groupby(year).cumsum() - shown["payment"]
    np.testing.assert_allclose(shown["paid_to_date"], paid, atol=1e-6)


def test_without_a_mechanic_or_roster_the_payments_are_hidden(company):
    ex = explorer(company.data, f"{TEMPLATES}/linear_commission.yaml")
    assert not ex.uses_mechanics
    assert ex._payments_box.layout.display == "none" and ex._payments.value == ""
    assert ex.payments.columns.tolist() == ["period", "on_target_pay", "payment"]


def test_a_roster_prorates_live_and_the_run_of_the_explorer_agrees(company):
    ex = explorer(company.data, f"{TEMPLATES}/linear_commission.yaml", roster=company.roster)
    assert ex.uses_mechanics  # proration from hire and leave dates
    run = ex.run()
    pd.testing.assert_series_equal(ex.metrics, compute_metrics(run))
    shares = ex._now.inputs.proration
    assert shares is not None and (shares < 1).any() and (shares > 0).all()
    assert "proration" in ex.payments.columns


def test_a_clawback_on_restated_values_pays_the_adjustment_in_its_month():
    # January 10,000 restated to 7,000 as of March (contract §9): March pays 400 − 300
    data = pd.DataFrame(
        {
            "employee": ["a"] * 4,
            "period": ["2025-01", "2025-01", "2025-02", "2025-03"],
            "kpi": ["revenue"] * 4,
            "actual": [10_000.0, 7_000.0, 5_000.0, 4_000.0],
            "as_of": [None, "2025-03", None, None],
        }
    )
    scheme = {"name": "t", "period": "month", "on_target_pay": 1000, "clawback": {"within": 3},
              "components": [{"kpi": "revenue", "commission": {"rate": 0.10}}]}  # fmt: skip
    ex = explorer(data, scheme)
    shown = ex.payments_of("a")
    assert shown["payment"].tolist() == [1_000.0, 500.0, 100.0]
    assert shown["adjustment"].tolist() == [0.0, 0.0, -300.0]
    assert ex.metrics["total_cost"] == 1_600.0
    assert "<td>-300.00</td>" in ex._payments.value
