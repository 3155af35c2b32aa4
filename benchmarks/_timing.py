"""What the benchmarks share: the best of several timed runs.

The scripts run as ``python benchmarks/bench_x.py``, so this folder is first on the import
path and ``from _timing import best_of`` finds this module.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def best_of(func: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The fastest of ``repeat`` calls of ``func`` in seconds, and the last call's result.

    The minimum, not the mean: on a shared machine the noise only ever adds time.
    """
    best, out = float("inf"), None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - t0)
    return best, out
