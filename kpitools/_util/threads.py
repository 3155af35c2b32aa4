"""Work on a big table shared between threads: numpy's and arrow's kernels release the GIL.

Encoding several text columns, selecting medians per group or writing slices of a CSV
spend their time in C code that lets other threads run, so on two cores two columns
take about the time of one. Small tables are worked on in the calling thread: a
thread pool costs more than it saves there.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["PARALLEL_ROWS", "side_by_side", "thread_count"]

#: From this many rows, work is shared between threads.
PARALLEL_ROWS = 200_000

# More threads than this gain nothing on the kernels used here.
_MAX_THREADS = 4


def thread_count(rows: int) -> int:
    """How many threads to share work on ``rows`` rows between (1: the calling thread only)."""
    if rows < PARALLEL_ROWS:
        return 1
    return min(os.cpu_count() or 1, _MAX_THREADS)


def side_by_side(jobs: Sequence[Callable[[], Any]], *, rows: int) -> list[Any]:
    """Each job's result, in the jobs' order: side by side in threads on a big table.

    A job's exception is raised as it would be one after another: the first failing
    job's, in order.

    Examples
    --------
    >>> side_by_side([lambda: 1, lambda: 2], rows=10)
    [1, 2]
    """
    workers = min(len(jobs), thread_count(rows))
    if workers < 2:
        return [job() for job in jobs]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(job) for job in jobs]
        return [future.result() for future in futures]
