"""Regression tests for YAML defects found by the hostile-input harness (tests/hostile)."""

from __future__ import annotations

import time

import pytest

from kpitools._util.yamlfile import MAX_DEPTH, parse_yaml
from kpitools.errors import DefinitionError

BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
    "name: x\n"
)


def test_an_alias_bomb_is_refused_at_once():
    start = time.perf_counter()
    with pytest.raises(DefinitionError) as excinfo:
        parse_yaml(BOMB, file="s.yaml", what="scheme file")
    assert time.perf_counter() - start < 5
    assert str(excinfo.value) == (
        "s.yaml: line 6, column 4: the YAML expands to more than 200,000 values through its "
        "aliases ('*name').\n"
        "Suggestion: write the values out instead of nesting aliases of aliases; a file that "
        "multiplies itself this way is not a kpitools file."
    )


def test_a_few_aliases_are_fine():
    doc = parse_yaml("a: &a [1, 2]\nb: *a\n", file="s.yaml", what="scheme file")
    assert doc.data == {"a": [1, 2], "b": [1, 2]}


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 500, 50_000])
def test_deep_nesting_is_refused_without_a_recursion_error(depth):
    with pytest.raises(DefinitionError) as excinfo:
        parse_yaml(f"name: {'[' * depth}{']' * depth}\n", file="d.yaml", what="design file")
    assert str(excinfo.value) == (
        f"d.yaml: the YAML is nested more than {MAX_DEPTH} levels deep.\n"
        "Suggestion: check for unbalanced brackets '[' and '{'; kpitools files nest only a "
        "few levels (a list of goals, each with a few keys)."
    )


def test_nesting_up_to_the_limit_is_read():
    depth = MAX_DEPTH - 2
    doc = parse_yaml(f"name: {'[' * depth}{']' * depth}\n", file="d.yaml", what="design file")
    assert isinstance(doc.data["name"], list)
