"""Did-you-mean hints for typed names (kpitools.engine.hints)."""

from __future__ import annotations

import pytest

from kpitools.engine.hints import suggest_name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pct_at_targt", " Did you mean 'pct_at_target'?"),  # a typo
        ("GINI", " Did you mean 'gini'?"),  # case only
        ("gini_index", " Did you mean 'gini'?"),  # starts with a name
        ("something_else", ""),
    ],
)
def test_suggest_name(name, expected):
    assert suggest_name(name, ["gini", "pct_at_target", "leverage"]) == expected
