"""What a run reads once (kpitools.engine.loading): schemes, the KPI library, the data."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from kpitools.data import Library, load_library
from kpitools.engine import library_for_run, load_data_with_warnings, load_schemes
from kpitools.engine.loading import load_data
from kpitools.errors import DefinitionError

SCHEME = {
    "name": "s",
    "on_target_pay": 1,
    "components": [{"kpi": "x", "weight": 1, "target": 1, "curve": {"steps": [[1, 1]]}}],
}


def test_one_scheme_or_several(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: from file\non_target_pay: 1\ncomponents:\n"
        "  - {kpi: x, weight: 1, target: 1, curve: {steps: [[1, 1]]}}\n"
    )
    assert [s.name for s in load_schemes(SCHEME)] == ["s"]
    assert [s.name for s in load_schemes(str(path))] == ["from file"]
    (loaded,) = load_schemes(path)
    assert [s.name for s in load_schemes([SCHEME, loaded])] == ["s", "from file"]
    assert load_schemes(loaded)[0] is loaded


def test_no_scheme_and_one_name_twice_are_refused():
    with pytest.raises(DefinitionError) as info:
        load_schemes([])
    assert str(info.value) == "No scheme to simulate.\nSuggestion: pass at least one scheme."
    with pytest.raises(DefinitionError) as info:
        load_schemes([SCHEME, SCHEME])
    assert str(info.value) == (
        "Schemes 1 and 2 are both named 's'; results are kept per scheme name.\n"
        "Suggestion: give each scheme a distinct 'name:'."
    )


def test_the_library_of_a_run_is_resolved_once():
    shipped = library_for_run(None)
    assert isinstance(shipped, Library) and len(shipped) >= 60
    assert library_for_run(False) is False  # passed on as False: None would mean "shipped"
    own = load_library()
    assert library_for_run(own) is own


def test_the_loaders_warnings_come_back_as_text(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(
        "employee,period,kpi,actual\n"
        "a,2025-01,revenue,10\n"
        "a,2025-01,revenue_typo,5\n"  # not in the shipped library
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing reaches Python's warning printer
        table, messages = load_data_with_warnings(path, library=None)
    assert len(table) == 2
    assert len(messages) == 1 and "revenue_typo" in messages[0]
    table, messages = load_data_with_warnings(path, library=False)
    assert messages == []
    pd.testing.assert_frame_equal(load_data(path, library=False), table)
