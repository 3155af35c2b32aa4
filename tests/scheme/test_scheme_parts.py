"""The small parts of kpitools.scheme on their own: edges, pairs, rules, edits, YAML out."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import numpy as np
import pytest
import yaml
from pydantic_core import PydanticCustomError

import kpitools.scheme
from kpitools.errors import DefinitionError
from kpitools.scheme import load_scheme, tidy_number
from kpitools.scheme.dump import scheme_yaml
from kpitools.scheme.edges import FEW_EDGES, reached
from kpitools.scheme.edit import set_path
from kpitools.scheme.history import group_quantile, history_slices
from kpitools.scheme.pairs import MAX_ATTAINMENT, check_attainment, check_pairs, pairs_input
from kpitools.scheme.rules import (
    check_component_names,
    check_gate_targets,
    check_roles,
    check_weights,
    on_target_pay_input,
)

MODULES = ["kpitools.scheme"] + sorted(
    f"kpitools.scheme.{m.name}" for m in pkgutil.iter_modules(kpitools.scheme.__path__)
)


@pytest.mark.parametrize("name", MODULES)
def test_every_scheme_module_has_working_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def _problem(err: PydanticCustomError) -> tuple[str, str]:
    return err.context["what"], err.context["suggestion"]


# --------------------------------------------------------------------------- edges
@pytest.mark.parametrize("n", [3, FEW_EDGES + 5])
def test_reached_counts_edges_reached_with_either_lookup(n):
    edges = np.linspace(0.5, 1.5, n)
    x = np.array([0.0, 0.5, 1.0, 1.5, 9.0, np.nan, *edges])
    expected = np.searchsorted(edges, x, side="right")
    expected[np.isnan(x)] = 0
    np.testing.assert_array_equal(reached(x, edges), expected)


# --------------------------------------------------------------------------- pairs
def test_attainment_limit():
    check_attainment(MAX_ATTAINMENT, "as the minimum")  # 20 × target is allowed
    with pytest.raises(PydanticCustomError) as info:
        check_attainment(80, "as the threshold")
    assert _problem(info.value) == (
        "attainment 80 as the threshold means 80 × target (8000%)",
        "attainments are multiples of target: write 80% as 0.8.",
    )


def test_pairs_shape_and_order():
    assert pairs_input("not a list", "point") == "not a list"  # pydantic reports the type
    with pytest.raises(PydanticCustomError) as info:
        pairs_input([[0, 0.1], [1]], "tier")
    assert _problem(info.value) == (
        "tier 1 must be a pair [start, rate], got [1]",
        "write each tier as two numbers, e.g. [1.0, 1.0].",
    )
    assert check_pairs(((1.0, 0.5), (1.0, 1.0)), "point", strict=False)  # a jump
    with pytest.raises(PydanticCustomError) as info:
        check_pairs(((1.0, 0.5), (1.0, 1.0)), "step", strict=True)
    assert _problem(info.value) == (
        "attainments must increase (1 is followed by 1)",
        "list the steps in order of attainment, each attainment once.",
    )
    with pytest.raises(PydanticCustomError) as info:
        check_pairs((), "step", strict=True)
    assert _problem(info.value) == (
        "at least one step is needed",
        "write e.g. [[0.8, 0.5], [1.0, 1.0]].",
    )


# --------------------------------------------------------------------------- rules
def test_on_target_pay_input():
    assert on_target_pay_input(30000) == 30000.0
    assert on_target_pay_input({"rep": 1, "lead": 2.5}) == {"rep": 1.0, "lead": 2.5}
    for bad in (True, 0, float("inf"), {}, "30000"):
        with pytest.raises(PydanticCustomError) as info:
            on_target_pay_input(bad)
        assert _problem(info.value)[0] == (
            f"expected a positive number or a mapping {{role: number}}, got {bad!r}"
        )
    with pytest.raises(PydanticCustomError) as info:
        on_target_pay_input({"rep": "a lot"})
    assert _problem(info.value) == (
        "the on-target pay of role 'rep' must be a number, got 'a lot'",
        "write on_target_pay: {role: 30000, …}.",
    )


def test_roles_rules():
    assert check_roles(None) is None
    assert check_roles(("a", "b")) == ("a", "b")
    with pytest.raises(PydanticCustomError) as info:
        check_roles(("a", "b", "a"))
    assert info.value.context["path"] == "roles[2]"


def _scheme(**change):
    data = {
        "name": "s",
        "on_target_pay": 100,
        "components": [
            {"kpi": "x", "weight": 0.5, "target": 5, "curve": {"steps": [[1, 1]]}},
            {"kpi": "y", "weight": 0.5, "target": 5, "curve": {"steps": [[1, 1]]}},
        ],
        "gates": [{"kpi": "z", "min_attainment": 0.5, "target": 1, "applies_to": ["y", 0]}],
    }
    data.update(change)
    return load_scheme(data)


def test_scheme_rules_pass_a_good_scheme_and_name_the_path_of_a_bad_one():
    s = _scheme()
    check_weights(s.components)
    check_component_names(s.components)
    check_gate_targets(s.gates, s.components)
    with pytest.raises(PydanticCustomError) as info:
        check_weights(s.components[:1])
    assert info.value.context["path"] == "components"
    with pytest.raises(PydanticCustomError) as info:
        check_gate_targets(s.gates, s.components[:1])
    assert info.value.context["path"] == "gates[0].applies_to[0]"


# --------------------------------------------------------------------------- edit
def test_set_path_adds_keys_and_indexes_lists():
    data = {"components": [{"kpi": "x"}], "cap": 1}
    set_path(data, "components.-1.target.value", 5, source="s")
    set_path(data, "cap", 2, source="s")
    assert data == {"components": [{"kpi": "x", "target": {"value": 5}}], "cap": 2}
    with pytest.raises(DefinitionError) as info:
        set_path(data, "cap.value", 3, source="scheme 's'")
    assert str(info.value) == (
        "scheme 's': parameter path 'cap.value': cap is a value, not a mapping or a list.\n"
        "Suggestion: stop the path at cap."
    )
    with pytest.raises(DefinitionError) as info:
        set_path(data, "..", 3, source="scheme 's'")
    assert str(info.value) == (
        "scheme 's': empty parameter path.\n"
        "Suggestion: use a dotted path such as components.0.target.rate."
    )


# --------------------------------------------------------------------------- dump
def test_tidy_number():
    assert tidy_number(0.1 + 0.2) == 0.3
    assert tidy_number(1400000.0) == 1400000 and isinstance(tidy_number(1400000.0), int)
    assert isinstance(tidy_number(2.0, ints=False), float)
    assert tidy_number(True) is True and tidy_number("a") == "a"
    assert np.isnan(tidy_number(float("nan")))
    assert tidy_number(-0.0) == 0.0 and str(tidy_number(-0.0, ints=False)) == "0.0"


def test_scheme_yaml_reads_back_and_keeps_template_order():
    s = _scheme(cap=2.5, description="d", roles=["rep"], on_target_pay={"rep": 100})
    text = scheme_yaml(s.to_dict())
    assert list(yaml.safe_load(text)) == [
        "name", "description", "period", "on_target_pay", "roles", "components", "gates", "cap",
    ]  # fmt: skip
    assert (
        "roles: [rep]\n" in text
        and "  - kpi: z\n    target: {method: fixed, value: 1}\n    min_attainment: 0.5\n" in text
    )
    assert load_scheme(yaml.safe_load(text)) == s


# --------------------------------------------------------------------------- history
def test_group_quantile_matches_numpy():
    rng = np.random.default_rng(3)
    group = rng.integers(0, 4, 50)
    values = rng.normal(size=50)
    got = group_quantile(group, values, 0.3, 5)
    for g in range(4):
        assert got[g] == pytest.approx(np.quantile(values[group == g], 0.3))
    assert np.isnan(got[4])


def test_history_slices_are_the_periods_before():
    per = np.array([3, 1, 2, 1, 3])
    slices = [(p, sorted(now), sorted(hist)) for p, now, hist in history_slices(per, window=1)]
    assert slices == [(1, [1, 3], []), (2, [2], [1, 3]), (3, [0, 4], [2])]
