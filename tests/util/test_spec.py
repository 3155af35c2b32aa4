"""The one YAML validation path (kpitools._util.spec): every problem at once, one shape."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import field_validator

from kpitools._util.spec import Spec, as_written, spec_error, validate
from kpitools._util.yamlfile import parse_yaml
from kpitools.errors import DefinitionError


class Curve(Spec):
    points: list[tuple[float, float]]


class Component(Spec):
    kpi: str
    weight: float = 1.0
    kind: Literal["curve", "commission"] = "curve"
    curve: Curve | None = None

    @field_validator("weight")
    @classmethod
    def _weight(cls, v: float) -> float:
        if v < 0:
            raise spec_error(f"a weight must not be negative, got {as_written(v)}", "use 0 to 1.")
        return v


class Scheme(Spec):
    name: str
    components: list[Component]


def _error(text: str) -> str:
    doc = parse_yaml(text, file="s.yaml", what="scheme file")
    with pytest.raises(DefinitionError) as err:
        validate(Scheme, doc.data, source=doc, list_fix={"components": "write one per line."})
    return str(err.value)


def test_every_problem_is_listed_with_its_line_and_key_path():
    text = (
        "name: s\n"
        "components:\n"
        "  - kpi: revenue\n"
        "    weigth: 0.5\n"
        "  - kpi: units\n"
        "    weight: -1\n"
        "    kind: comission\n"
    )
    assert _error(text) == (
        "s.yaml: line 4 (components[0].weigth): unknown key. Did you mean 'weight'?\n"
        "Suggestion: use one of: kpi, weight, kind, curve.\n"
        "s.yaml: line 6 (components[1].weight): a weight must not be negative, got -1.\n"
        "Suggestion: use 0 to 1.\n"
        "s.yaml: line 7 (components[1].kind): 'comission' is not allowed. "
        "Did you mean 'commission'?\n"
        "Suggestion: use one of: curve, commission."
    )


def test_a_missing_key_and_a_scalar_for_a_list():
    assert _error("components: 3\n") == (
        "s.yaml: name: required key is missing.\n"
        "Suggestion: add name: to the top level.\n"
        "s.yaml: line 1 (components): expected a list, got 3.\n"
        "Suggestion: write one per line."
    )


def test_a_percentage_for_a_number_gets_the_fraction_as_the_fix():
    text = "name: s\ncomponents:\n  - kpi: a\n    curve: {points: [[80%, 0.5]]}\n"
    assert _error(text) == (
        "s.yaml: line 4 (components[0].curve.points[0][0]): expected a number, got '80%'.\n"
        "Suggestion: write 80% as 0.8 (a fraction, not a percentage)."
    )


def test_data_not_from_a_file_is_named_by_its_label_without_lines():
    with pytest.raises(DefinitionError) as err:
        validate(Scheme, {"name": "s", "components": [{"kpi": 1}]}, source="scheme 's'")
    assert str(err.value) == (
        "scheme 's': components[0].kpi: expected text, got 1.\nSuggestion: write it as text."
    )


def test_a_valid_tree_is_built_and_frozen():
    scheme = validate(Scheme, {"name": "s", "components": [{"kpi": "a"}]}, source="x")
    assert scheme.components[0].weight == 1.0
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        scheme.name = "t"  # type: ignore[misc]


def test_numbers_read_as_written():
    assert [as_written(x) for x in (0.8, 12.0, 1500000, 1e20)] == ["0.8", "12", "1500000", "1e+20"]
