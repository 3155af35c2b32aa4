"""``recommendation:`` in a design file: the decision rule's thresholds, checked with lines."""

from __future__ import annotations

import pytest

from kpitools.design import load_design
from kpitools.errors import DefinitionError

DESIGN = """\
client: Acme
period: 2025-01
goals:
  - {id: revenue, name: Revenue, target: 100}
recommendation:
  max_p_over_budget: 0.1
  {extra}
"""


def test_the_design_sets_thresholds_and_leaves_the_others_at_their_defaults(tmp_path):
    path = tmp_path / "design.yaml"
    path.write_text(DESIGN.replace("{extra}", "cost_tie: 0.02"))
    assert load_design(path).recommendation == {"max_p_over_budget": 0.1, "cost_tie": 0.02}
    plain = tmp_path / "plain.yaml"
    plain.write_text(DESIGN.split("recommendation:")[0])
    assert load_design(plain).recommendation == {}


def test_a_bad_threshold_names_the_file_line_and_key(tmp_path):
    path = tmp_path / "design.yaml"
    path.write_text(DESIGN.replace("{extra}", "min_pay_perf_corr: 0.6"))
    with pytest.raises(DefinitionError) as info:
        load_design(path)
    assert str(info.value) == (
        f"{path}: line 7 (recommendation.min_pay_perf_corr): unknown key. Did you mean "
        "'min_pay_performance_corr'?\nSuggestion: use one of: max_budget_overrun, "
        "max_p_over_budget, min_pct_at_target, max_pct_at_target, min_pay_performance_corr, "
        "max_gaming_cost_pct, cost_tie."
    )
