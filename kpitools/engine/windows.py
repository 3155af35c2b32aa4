"""Windows: a component with ``active: {from, to}`` pays only in the periods inside it.

Contract §9 (docs/ratings-pools-spifs.md). A scheme checks that a window covers whole
periods (:mod:`kpitools.scheme.windows`), so a period is either inside or outside.

Examples
--------
>>> from kpitools.scheme import Component
>>> c = Component(kpi="units", commission={"per_unit": 50},
...               active={"from": "2025-03", "to": "2025-05"})
>>> window_mask(c, np.array(["2025-02", "2025-03", "2025-06"], dtype=object)).tolist()
[False, True, False]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..data import months_in, parse_period

__all__ = ["window_mask"]


def window_mask(comp: Any, periods: Any) -> np.ndarray | None:
    """Whether each period label lies inside the component's window (``None``: no window)."""
    window = getattr(comp, "active", None)
    if window is None:
        return None
    codes, labels = pd.factorize(np.asarray(periods, dtype=object))
    inside = np.empty(len(labels) + 1, dtype=bool)
    for j, label in enumerate(labels):
        kind, ordinal = parse_period(label)
        first = ordinal * months_in(kind)
        inside[j] = first >= window.first and first + months_in(kind) - 1 <= window.last
    inside[-1] = False  # no period: outside
    return inside[np.asarray(codes, dtype=np.int64)]
