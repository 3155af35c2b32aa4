"""Rated objectives: a component with ``basis: score`` maps the score itself through its curve.

Contract §9 (docs/ratings-pools-spifs.md). The score is the component's actual (a KPI of
``type: rating``, entered per employee and period); it needs no target. Its payout factor is
curve(score); its attainment, as the payout table and the weighted attainment show it, is
that factor (1 = paid as on target). A missing score is an error naming each employee and
period, unless the component says ``missing: target`` (factor 1) or ``missing: zero``
(factor 0).

Examples
--------
>>> import pandas as pd
>>> from kpitools.scheme import Component
>>> c = Component(kpi="rating", weight=0.3, basis="score", missing="target",
...               curve={"points": [[0, 0], [3, 1], [5, 1.5]]})
>>> keys = pd.DataFrame({"employee": ["a", "b"], "period": ["2025-01"] * 2})
>>> score_factor(c, np.array([4.0, np.nan]), keys, "components[0]", "s").tolist()
[1.25, 1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataValidationError

__all__ = ["is_score", "missing_score_note", "not_a_rating_note", "score_factor"]

_SHOWN = 10  # missing scores listed in a message


def is_score(comp: Any) -> bool:
    """Whether a component maps a score (``basis: score``)."""
    return getattr(comp, "basis", None) == "score"


def missing_score_note(comp: Any, label: str, n_missing: int) -> str:
    """The run's warning about scores paid by ``missing:`` (as on target, or 0).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> missing_score_note(SimpleNamespace(missing="target"), "components[2] (r)", 3)
    'components[2] (r): 3 employee-period(s) have no score; paid as on target (missing: target).'
    """
    how = "paid as on target" if comp.missing == "target" else "that component pays 0"
    return (
        f"{label}: {n_missing} employee-period(s) have no score; {how} (missing: {comp.missing})."
    )


def not_a_rating_note(comp: Any, label: str, library: Any) -> list[str]:
    """A warning when ``basis: score`` reads a KPI the library knows and does not rate.

    A score is a rating (``type: rating`` with a ``scale``); any other KPI's values (revenue
    of 100,000) would be read through the curve as if they were scores.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> lib = {"revenue": SimpleNamespace(type="amount")}
    >>> not_a_rating_note(SimpleNamespace(kpi="revenue"), "components[0]", lib)[0][:46]
    "components[0]: basis: score reads 'revenue', w"
    """
    known = library.get(comp.kpi) if library is not None else None
    if known is None or getattr(known, "type", None) == "rating":
        return []
    return [
        f"{label}: basis: score reads {comp.kpi!r}, which the KPI library does not mark as a "
        "rating (type: rating with a scale): its values are used as scores as they are."
    ]


def score_factor(
    comp: Any, score: np.ndarray, keys: pd.DataFrame, label: str, source: str
) -> np.ndarray:
    """The payout factor of each score: curve(score), missing scores as ``missing`` says.

    Raises
    ------
    DataValidationError
        A missing score without ``missing:``, naming every employee and period (the first
        ten in the message, all in ``failure_cases``).
    """
    score = np.asarray(score, dtype=float)
    factor = np.asarray(comp.curve.evaluate(np.round(score, 12)), dtype=float)
    gone = np.isnan(score)
    if not gone.any():
        return factor
    if comp.missing is None:
        raise _missing_error(comp, keys, gone, label, source)
    factor = factor.copy()
    factor[gone] = 1.0 if comp.missing == "target" else 0.0
    return factor


def _missing_error(comp, keys: pd.DataFrame, gone: np.ndarray, label: str, source: str):
    who = keys.loc[gone, ["employee", "period"]].astype(str)
    lines = [f"  employee {e!r} in {p}" for e, p in who.head(_SHOWN).itertuples(index=False)]
    more = f"\n  … and {len(who) - _SHOWN} more" if len(who) > _SHOWN else ""
    cases = pd.DataFrame(
        {
            "file": source,
            "row": pd.array([pd.NA] * len(who), dtype="Int64"),
            "column": f"{label} ({comp.kpi})",
            "value": (who["employee"] + " × " + who["period"]).to_numpy(),
            "problem": "no score",
        }
    )
    return DataValidationError(
        f"{source}: {label} ({comp.kpi}): {len(who)} employee-period(s) have no score:\n"
        + "\n".join(lines)
        + more
        + "\nSuggestion: enter the missing ratings in the data, or say how to pay them with "
        "missing: target (as if on target) or missing: zero.",
        cases,
    )
