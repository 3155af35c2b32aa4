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


def window_mask(comp: Any, periods: Any, code: Any = None) -> np.ndarray | None:
    """Whether each period label lies inside the component's window (``None``: no window).

    ``code`` (the rows' period codes, as :class:`~kpitools.engine.PayoutInputs` holds them:
    one code per period label) saves reading every label: each code's label is read once.
    """
    window = getattr(comp, "active", None)
    if window is None:
        return None
    if code is None:
        code, labels = pd.factorize(np.asarray(periods, dtype=object))
    else:
        code = np.asarray(code, dtype=np.int64)
        first = np.full(int(code.max(initial=-1)) + 1, -1, dtype=np.int64)
        first[code[::-1]] = np.arange(code.size - 1, -1, -1)  # each code's first row
        seen = first >= 0
        labels = np.full(first.size, None, dtype=object)
        labels[seen] = pd.Series(periods).iloc[first[seen]].to_numpy(dtype=object)
    inside = np.zeros(len(labels) + 1, dtype=bool)  # the last: no period, outside
    for j, label in enumerate(labels):
        if label is not None:
            kind, ordinal = parse_period(label)
            start = ordinal * months_in(kind)
            inside[j] = start >= window.first and start + months_in(kind) - 1 <= window.last
    return inside[np.asarray(code, dtype=np.int64)]
