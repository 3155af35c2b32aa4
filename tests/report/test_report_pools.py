"""The report says what a funded pool was, period by period, in amounts worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from kpitools.demo import make_demo_company
from kpitools.report import build_context, mechanics_in_use

TEMPLATE = "templates/schemes/profit_pool.yaml"


@pytest.fixture(scope="module")
def ctx():
    company = make_demo_company(seed=7, n_employees=12, months=12)
    return build_context(
        client="Acme", data=company.data, schemes=[TEMPLATE], forecast_draws=0, stress=None
    )


def test_the_funded_pool_sentence_gives_its_size_and_use(ctx):
    data = ctx.data
    margin = data[data["kpi"] == "gross_margin"].groupby("period")["actual"].sum()
    # the template: 30% of the period's gross margin above 1,000,000, distribute: cap
    pool = (0.30 * np.maximum(0.0, margin.to_numpy() - 1_000_000)).round(2)
    table = mechanics_in_use(ctx)[1]
    text = table.loc[table["Mechanic"] == "Pool", "What it did"].item()
    assert text.startswith(
        "Pool funded by Gross margin: 30.0% of the period's total above 1,000,000 RUB; pay is "
        "scaled down only where it would exceed the pool. Over 12 periods the pool was "
        f"{pool.sum():,.0f} RUB in all (from {pool.min():,.0f} RUB to {pool.max():,.0f} RUB a "
        "period)"
    )
    paid = ctx.simulation.runs[ctx.schemes[0]].totals["payout"].sum()
    assert f"were paid {paid:,.0f} RUB" in text
    assert paid <= pool.sum() + 0.01  # a cap pool never pays more than the pool
