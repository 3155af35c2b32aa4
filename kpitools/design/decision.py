"""The thresholds of the decision rule: ``recommendation:`` in a design file.

The rule itself (which tests a scheme passes, which one is recommended) is
:func:`kpitools.engine.recommend_scheme`; the thresholds live here because a design file
sets them, and the design layer sits below the engine. Report parameters and
``kpitools report --rule KEY=VALUE`` change them over the design's.

Examples
--------
>>> RecommendationRule(max_p_over_budget=0.1).max_p_over_budget
0.1
>>> RecommendationRule().text()[:60]
'A scheme is eligible when its backtest cost stays within the'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import Field, model_validator

from .._util.format import number, percent
from .._util.spec import Spec, spec_error, validate

__all__ = ["RecommendationRule", "recommendation_rule"]


def _pct(x: float) -> str:
    """A share to one decimal, as the comparison table shows it (``15.9%``, ``20%``)."""
    return percent(x, 1).replace(".0%", "%")


class RecommendationRule(Spec):
    """The thresholds of the decision rule; a key not given keeps its default.

    Attributes
    ----------
    max_budget_overrun : float
        Backtest cost at most this share over the budget (0: within the budget).
    max_p_over_budget : float
        Forecast chance of going over the budget at most this.
    min_pct_at_target, max_pct_at_target : float
        The healthy band of the share of employee-periods at or above target.
    min_pay_performance_corr : float
        Rank correlation of attainment and pay at least this.
    max_gaming_cost_pct : float
        Extra pay from shifting results between periods at most this share of the cost.
    cost_tie : float
        Costs within this share of each other are a tie, not a reason.
    """

    max_budget_overrun: float = Field(0.0, ge=0)
    max_p_over_budget: float = Field(0.2, ge=0, le=1)
    min_pct_at_target: float = Field(0.4, ge=0, le=1)
    max_pct_at_target: float = Field(0.9, ge=0, le=1)
    min_pay_performance_corr: float = Field(0.5, ge=-1, le=1)
    max_gaming_cost_pct: float = Field(0.05, ge=0)
    cost_tie: float = Field(0.01, ge=0, le=1)

    @model_validator(mode="after")
    def _band(self) -> RecommendationRule:
        if self.min_pct_at_target > self.max_pct_at_target:
            raise spec_error(
                f"min_pct_at_target ({number(self.min_pct_at_target)}) must not be above "
                f"max_pct_at_target ({number(self.max_pct_at_target)})",
                "e.g. min_pct_at_target: 0.4 and max_pct_at_target: 0.9.",
                "min_pct_at_target",
            )
        return self

    def text(self) -> str:
        """The rule in words, with its thresholds."""
        over = (
            "within the budget"
            if self.max_budget_overrun == 0
            else f"within {_pct(self.max_budget_overrun)} over the budget"
        )
        return (
            f"A scheme is eligible when its backtest cost stays {over}, its forecast chance "
            "of going over "
            f"the budget is at most {_pct(self.max_p_over_budget)}, "
            f"{_pct(self.min_pct_at_target)} to {_pct(self.max_pct_at_target)} of "
            "employee-periods reach target, the rank correlation of attainment and pay is at "
            f"least {self.min_pay_performance_corr:.2f}, and shifting results between periods "
            f"would add at most {_pct(self.max_gaming_cost_pct)} to its cost. Among eligible "
            "schemes the one whose pay follows performance most closely is recommended, then "
            f"the cheaper; correlations within the data's resolution and costs within "
            f"{_pct(self.cost_tie)} of each other are ties."
        )


def recommendation_rule(*layers: Mapping[str, Any] | None, source: str) -> RecommendationRule:
    """The rule from thresholds given in layers, each over the ones before it.

    Parameters
    ----------
    *layers : mapping or None
        E.g. the design's ``recommendation:``, then the report's parameter.
    source : str
        Where the last layer comes from, for the message.

    Raises
    ------
    DefinitionError
        An unknown key (with "did you mean"), a value out of range, a band upside down.

    Examples
    --------
    >>> recommendation_rule({"cost_tie": 0.02}, {"max_p_over_budget": 0.1},
    ...                     source="report").cost_tie
    0.02
    """
    merged: dict[str, Any] = {}
    for layer in layers:
        merged.update(dict(layer or {}))
    return validate(RecommendationRule, merged, source=source)
