"""The one registry mechanism (kpitools._util.registry)."""

from __future__ import annotations

import pytest

from kpitools._util.registry import Registry
from kpitools.errors import DefinitionError


def test_register_as_decorator_and_directly_keeps_registration_order():
    reg: Registry = Registry("curve type")

    @reg.register("steps")
    def steps():
        return "s"

    reg.register("points", "p")
    assert reg.names() == ["steps", "points"]
    assert reg.get("steps") is steps and reg.get("points") == "p"
    assert "steps" in reg and "linear" not in reg
    assert list(reg) == ["steps", "points"] and len(reg) == 2
    assert reg.items() == [("steps", steps), ("points", "p")]


def test_registering_a_name_again_replaces_the_builtin():
    reg: Registry = Registry("executor")
    reg.register("local", "builtin")
    reg.register("local", "mine")
    assert reg.get("local") == "mine" and reg.names() == ["local"]


def test_a_miss_names_the_closest_and_lists_every_name():
    reg: Registry = Registry("target method")
    for name in ("fixed", "from_data", "growth"):
        reg.register(name, name)
    with pytest.raises(DefinitionError) as err:
        reg.get("grwth")
    assert str(err.value) == (
        "Unknown target method 'grwth'. Did you mean 'growth'?\n"
        "Suggestion: use one of: fixed, from_data, growth."
    )


def test_an_unhashable_name_is_a_clear_miss_not_a_type_error():
    reg: Registry = Registry("output format")
    reg.register("html", 1)
    with pytest.raises(DefinitionError) as err:
        reg.get(["html"])  # type: ignore[arg-type]
    assert (
        str(err.value)
        == "Unknown output format ['html']. Did you mean 'html'?\nSuggestion: use one of: html."
    )


def test_repr_names_the_kind_and_the_entries():
    reg: Registry = Registry("check rule")
    assert repr(reg) == "Registry('check rule': empty)"
    reg.register("weights", 1)
    assert repr(reg) == "Registry('check rule': weights)"
