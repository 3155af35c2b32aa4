"""Errors pickle (batch workers send them back); files are written atomically; names are safe."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

from kpitools._util.files import atomic_path, atomic_write, safe_name
from kpitools.errors import DataValidationError, DefinitionError, did_you_mean


def test_errors_survive_pickling_with_their_failure_cases():
    cases = pd.DataFrame(
        {
            "file": ["d.csv"],
            "row": [3],
            "column": ["actual"],
            "value": ["abc"],
            "problem": ["not a number"],
        }
    )
    err = pickle.loads(pickle.dumps(DataValidationError("d.csv: 1 problem", cases)))
    assert str(err) == "d.csv: 1 problem"
    pd.testing.assert_frame_equal(err.failure_cases, cases)
    definition = pickle.loads(pickle.dumps(DefinitionError("s.yaml: cap: must be > 0")))
    assert type(definition) is DefinitionError and str(definition) == "s.yaml: cap: must be > 0"


def test_did_you_mean():
    assert did_you_mean("revnue", ["revenue", "units_sold"]) == " Did you mean 'revenue'?"
    assert did_you_mean("zzz", ["revenue"]) == ""


def test_atomic_write_replaces_whole_file(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    atomic_write(target, "first")
    atomic_write(target, "second")
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]


def test_atomic_files_get_the_usual_permissions(tmp_path):
    import os
    import stat

    mask = os.umask(0o022)
    try:
        path = atomic_write(tmp_path / "report.html", "<p>x</p>")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "payouts.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("worker died")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["payouts.csv"]


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "etc-passwd"),
        ("Acme <b>Corp</b>", "Acme-b-Corp-b"),
        ("ООО «Ромашка»", "ООО-Ромашка"),
        ("..", "client"),
        ("", "client"),
        ("/abs/path", "abs-path"),
        ("a" * 200, "a" * 80),
    ],
)
def test_safe_name_never_escapes_the_folder(name, safe):
    assert safe_name(name) == safe
    assert "/" not in safe_name(name) and safe_name(name) not in (".", "..")
