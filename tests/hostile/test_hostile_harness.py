"""The hostile-input harness: generated corrupt and adversarial files through the real CLI.

For every file kind kpitools reads, hypothesis draws hostile files (see ``hostile_cases``);
each runs through the ``kpitools`` command line in a subprocess (one interpreter for all
the cases of a run: ``hostile_driver.py``). The outcome must be a result (exit 0 or 1) or
a located error (exit 2, naming a file) — never a traceback, a library's warning text or
an internal error, never a hang (a time limit per case), never a partial output (no file
left in ``--out`` after a failure, no temporary file after a success).

Seeded: ``KPITOOLS_FUZZ_SEED`` (default 20251115 in ``make test``; ``make fuzz`` draws a
new one), ``KPITOOLS_FUZZ_CASES`` cases per kind (default 30). The seed, the cases per kind
and their outcomes are printed at the end of the run; a failing case is written out under
the test's temporary folder with its command line, to rerun by hand.
"""

from __future__ import annotations

import collections
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hostile_cases import KINDS, Case, good_files
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from kpitools._util.files import FORMULA_START

SEED = int(os.environ.get("KPITOOLS_FUZZ_SEED", "20251115"))
CASES = int(os.environ.get("KPITOOLS_FUZZ_CASES", "30"))
LIMIT = float(os.environ.get("KPITOOLS_FUZZ_LIMIT", "30"))  # seconds per case
DRIVER = Path(__file__).with_name("hostile_driver.py")

#: Filled by the run; printed by ``conftest.pytest_terminal_summary``.
STATS: dict = {"seed": SEED, "cases": CASES, "kinds": {}, "seconds": 0.0}

_LEAKS = [
    ("a traceback", re.compile(r"Traceback \(most recent call last\)")),
    ("an 'Exception ignored' report", re.compile(r"Exception ignored")),
    ("a Python warning", re.compile(r"^\S.*:\d+: \w*Warning: ", re.MULTILINE)),
    ("an internal error", re.compile(r"Internal error")),
]


def _generate(kind: str, n: int, index: int) -> list[Case]:
    drawn: list[Case] = []

    @seed(SEED * 100 + index)
    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(KINDS[kind]())
    def collect(case):
        if len(drawn) < n:
            drawn.append(case)

    collect()
    return drawn


def _write(case: Case, folder: Path, good: dict[str, bytes]) -> None:
    folder.mkdir(parents=True)
    for name, data in {**good, **case.files}.items():
        (folder / name).write_bytes(data)
    (folder / "case.json").write_text(case.describe())


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, list[tuple[Case, Path, dict]]]:
    """Every kind's cases, drawn and run in one driver process."""
    root = tmp_path_factory.mktemp("hostile")
    good = good_files()
    planned, specs = [], []
    for index, kind in enumerate(KINDS):
        for i, case in enumerate(_generate(kind, CASES, index)):
            folder = root / f"{kind}-{i:03d}"
            _write(case, folder, good)
            planned.append((kind, case, folder))
            specs.append({"id": len(specs), "argv": case.argv, "cwd": str(folder), "limit": LIMIT})
    (root / "cases.json").write_text(json.dumps(specs))
    start = time.perf_counter()
    env = {**os.environ, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, str(DRIVER), str(root / "cases.json"), str(root / "results.json")],
        capture_output=True,
        text=True,
        timeout=LIMIT * len(specs) + 120,
        env=env,
    )
    STATS["seconds"] = time.perf_counter() - start
    assert done.returncode == 0, done.stderr[-3000:]
    by_id = {r["id"]: r for r in json.loads((root / "results.json").read_text())}
    out: dict[str, list] = collections.defaultdict(list)
    for i, (kind, case, folder) in enumerate(planned):
        out[kind].append((case, folder, by_id[i]))
    return out


def _problems(case: Case, folder: Path, result: dict) -> list[str]:
    """What is wrong with one outcome (empty: a clean result or a located error)."""
    found = []
    text = result["stdout"] + result["stderr"]
    if result["timed_out"]:
        return [f"no answer within {LIMIT:g} s (a hang)"]
    if result["code"] not in (0, 1, 2):
        found.append(f"exit code {result['code']!r}")
    found += [f"{what} in the output" for what, pattern in _LEAKS if pattern.search(text)]
    if result["code"] == 2:
        # located: the message names a file, an option, or what the user typed in one
        # (a measure's name, a column)
        named = any(name in text for name in [*_typed(case.argv), "--"])
        if not named:
            found.append("an error that names no file or option")
    out = folder / "out"
    leftovers = sorted(p.name for p in out.rglob("*") if p.is_file()) if out.exists() else []
    if result["code"] != 0 and leftovers:
        found.append(f"files left in --out after a failure: {leftovers}")
    if any(name.endswith(".tmp") for name in leftovers):
        found.append(f"temporary files left in --out: {leftovers}")
    if result["code"] == 0:
        for name in case.writes:
            path = folder / name
            if not path.exists():
                found.append(f"{name} missing after success")
            else:
                found += _unsafe_cells(path)
    return found


def _typed(argv: list[str]) -> list[str]:
    """File names, and option values as a message would quote them (``won`` of ``won=…``)."""
    after_option = [b for a, b in zip(argv, argv[1:], strict=False) if a.startswith("--")]
    files = [a for a in argv if "." in a and not a.startswith("-")]
    return [v.split("=")[0] for v in after_option + files if len(v.split("=")[0]) >= 3]


def _unsafe_cells(path: Path) -> list[str]:
    """Text cells a spreadsheet would run as a formula (the CSV must escape them)."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    cells = pd.Series(table.to_numpy().ravel().tolist() + list(table.columns), dtype=object)
    number = cells.str.fullmatch(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?inf|nan")
    risky = cells[cells.str.startswith(FORMULA_START) & ~number]
    return (
        [f"{path.name}: formula-like cells written raw: {risky.tolist()[:3]}"] if len(risky) else []
    )


@pytest.mark.parametrize("kind", list(KINDS))
def test_hostile_files_give_a_result_or_a_located_error(kind, results):
    outcomes = collections.Counter()
    failures = []
    for case, folder, result in results[kind]:
        outcomes[f"exit {result['code']}" if not result["timed_out"] else "timeout"] += 1
        for problem in _problems(case, folder, result):
            failures.append(
                f"{folder.name}: {problem}\n  kpitools {' '.join(case.argv)}  (cd {folder})\n"
                f"  mutations: {case.mutations}\n"
                f"  output: {(result['stdout'] + result['stderr'])[-800:]!r}"
            )
    STATS["kinds"][kind] = {
        "cases": len(results[kind]),
        "outcomes": dict(sorted(outcomes.items())),
        "slowest": max((r["seconds"] for _, _, r in results[kind]), default=0.0),
    }
    assert not failures, f"seed {SEED}: {len(failures)} hostile case(s) failed:\n" + "\n".join(
        failures[:10]
    )


def test_the_strategies_draw_the_same_cases_for_a_seed():
    first = [c.describe() for c in _generate("scheme", 5, 5)]
    assert first == [c.describe() for c in _generate("scheme", 5, 5)]
    assert len(first) == 5


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(list(KINDS)), st.data())
def test_every_case_names_its_file_on_the_command_line(kind, data):
    case = data.draw(KINDS[kind]())
    assert any(name in case.argv for name in case.files)
