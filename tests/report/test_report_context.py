"""Tests for kpitools.report.context: the report's context, built from the data it is given."""

from __future__ import annotations

import pytest

from kpitools.errors import DefinitionError
from kpitools.report import DEMO_DESIGN, DEMO_SCHEMES, build_context


def test_the_context_needs_data_and_names_it_as_told(demo_data):
    with pytest.raises(DefinitionError) as err:
        build_context(client="Acme", data="")
    assert str(err.value) == (
        "No data given for the report.\n"
        "Suggestion: pass a data file or table (the report notebook uses the demo company "
        "when its 'data' parameter is empty)."
    )
    ctx = build_context(client="Acme", data=demo_data, forecast_draws=0)
    assert ctx.data_source == "the given table"
    assert ctx.design is None and ctx.simulation is None and ctx.chosen is None
    ctx = build_context(
        client="Acme", data=demo_data, data_label="the demo company (kpitools.demo)"
    )
    assert ctx.data_source == "the demo company (kpitools.demo)"
    assert ctx.period_range == "January 2024 to December 2026"


def test_the_demo_inputs_are_shipped_templates():
    assert DEMO_DESIGN.name == "b2b_sales.yaml" and DEMO_DESIGN.is_file()
    assert [p.stem for p in DEMO_SCHEMES] == [
        "linear_commission",
        "tiered_accelerator",
        "weighted_scorecard",
    ]
    assert all(p.is_file() for p in DEMO_SCHEMES)
