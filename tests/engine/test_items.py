"""A scheme's components, gates and modifiers as one list (kpitools.engine.items)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kpitools.data import load_library
from kpitools.engine.items import kpi_direction, scheme_items
from kpitools.scheme import load_scheme

SCHEME = {
    "name": "s",
    "on_target_pay": 1,
    "components": [
        {"kpi": "revenue", "weight": 1, "target": 1, "curve": {"steps": [[1, 1]]}},
        {"kpi": "revenue", "commission": {"rate": 0.1}},
    ],
    "gates": [{"kpi": "units", "min_attainment": 1, "target": 1}],
    "modifiers": [{"kpi": "nps", "target": 50, "curve": {"steps": [[0, 1]]}}],
}


def test_items_list_components_then_gates_then_modifiers():
    items = scheme_items(load_scheme(SCHEME))
    assert [(it.kind, it.index, it.path, it.label) for it in items] == [
        ("component", 0, "components[0]", "components[0] (revenue)"),
        ("component", 1, "components[1]", "components[1] (revenue)"),
        ("gate", 0, "gates[0]", "gates[0] (units)"),
        ("modifier", 0, "modifiers[0]", "modifiers[0] (nps)"),
    ]
    # a flat-rate commission pays on value: it needs no target; everything else does
    assert [it.needs_target for it in items] == [True, False, True, True]
    assert len(set(items)) == 4  # usable as keys


@pytest.mark.parametrize(
    ("direction", "kpi", "library", "expected"),
    [
        ("lower", "revenue", None, "lower"),  # the scheme's word first
        (None, "cpl", "shipped", "lower"),  # then the library's
        (None, "cpl", None, "higher"),  # without a library: higher
        (None, "not_in_the_library", "shipped", "higher"),
    ],
)
def test_kpi_direction_scheme_then_library_then_higher(direction, kpi, library, expected):
    lib = load_library() if library == "shipped" else None
    assert kpi_direction(SimpleNamespace(kpi=kpi, direction=direction), lib) == expected
