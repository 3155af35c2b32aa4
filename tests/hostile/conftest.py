"""Print the hostile-input harness's seed, cases per kind and outcomes at the end of a run."""

from __future__ import annotations

import sys


def pytest_terminal_summary(terminalreporter) -> None:
    """One block after the test summary: what the harness ran (when it ran)."""
    module = sys.modules.get("test_hostile_harness")
    stats = getattr(module, "STATS", None)
    if not stats or not stats["kinds"]:
        return
    write = terminalreporter.write_line
    write("")
    write(
        f"hostile harness: seed {stats['seed']} (KPITOOLS_FUZZ_SEED), {stats['cases']} cases "
        f"per kind, {stats['seconds']:.1f} s in the driver"
    )
    for kind, s in stats["kinds"].items():
        outcomes = ", ".join(f"{k}: {n}" for k, n in s["outcomes"].items())
        write(f"  {kind:<10} {s['cases']:>4} cases  {outcomes}  (slowest {s['slowest']:.2f} s)")
