"""Fixtures of the demo company's tests."""

from __future__ import annotations

import pandas as pd
import pytest

from kpitools.demo import DemoCompany


@pytest.fixture(scope="module")
def company(demo_company) -> DemoCompany:
    """The demo company of the default seed (built once per run, tests/conftest.py)."""
    return demo_company


@pytest.fixture(scope="module")
def wide(company) -> pd.DataFrame:
    """One row per employee-month, one column per KPI."""
    data = company.data
    out = data.pivot(index=["employee", "period"], columns="kpi", values="actual")
    roles = data.drop_duplicates(["employee", "period"]).set_index(["employee", "period"])["role"]
    return out.join(roles).reset_index()
