"""The one YAML reader (kpitools/_yaml.py): every refusal with its whole message."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools._util.yamlfile import YamlDocument, key_lines, parse_yaml, read_text, read_yaml
from kpitools.errors import DefinitionError

INVALID_HINT = (
    "Suggestion: check the indentation and the ':' after each key on that line (use spaces, "
    "not tabs), and quote text that contains ': ' or '#'."
)
TAG_HINT = "Suggestion: remove the tag and write the value as plain text or a number."


def error_of(path: Path, what: str = "design file", example: str | None = None) -> str:
    with pytest.raises(DefinitionError) as info:
        read_yaml(path, what=what, example=example)
    return str(info.value)


def write(tmp_path: Path, text: str, name: str = "f.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_gives_data_text_and_lines(tmp_path):
    path = write(tmp_path, "goals:\n  - id: revenue\n    target: 100\n")
    doc = read_yaml(path, what="design file")
    assert doc == YamlDocument(
        {"goals": [{"id": "revenue", "target": 100}]},
        "goals:\n  - id: revenue\n    target: 100\n",
        str(path),
    )
    assert doc.lines == {"goals": 2, "goals[0]": 2, "goals[0].id": 2, "goals[0].target": 3}


def test_an_empty_file_gives_none(tmp_path):
    assert read_yaml(write(tmp_path, "# only a comment\n"), what="scheme file").data is None


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffname: Café\n".encode())
    doc = read_yaml(path, what="scheme file")
    assert (doc.data, doc.text) == ({"name": "Café"}, "name: Café\n")


def test_file_not_found_with_and_without_example(tmp_path):
    path = tmp_path / "nope.yaml"
    assert error_of(path, "batch manifest", "templates/batch/manifest.yaml") == (
        f"{path}: batch manifest not found.\n"
        f"Suggestion: check the path (working folder: {os.getcwd()}); for an example see "
        "templates/batch/manifest.yaml."
    )
    assert error_of(path, "KPI library file") == (
        f"{path}: KPI library file not found.\n"
        f"Suggestion: check the path (working folder: {os.getcwd()})."
    )


def test_a_folder_is_refused(tmp_path):
    assert error_of(tmp_path, "scheme file", "templates/schemes/tiered_accelerator.yaml") == (
        f"{tmp_path}: is a folder, not a scheme file.\n"
        "Suggestion: give the path of a .yaml file, e.g. "
        "templates/schemes/tiered_accelerator.yaml."
    )
    assert error_of(tmp_path, "KPI library file") == (
        f"{tmp_path}: is a folder, not a KPI library file.\n"
        "Suggestion: give the path of a .yaml file."
    )


def test_not_utf8_names_line_column_and_byte(tmp_path):
    path = tmp_path / "latin1.yaml"
    # line 2 is "né: Caf\xe9": the bad byte is the 8th character of that line
    path.write_bytes("a: 1\nné: Caf".encode() + b"\xe9\n")
    assert error_of(path) == (
        f"{path}: line 2, column 8: not UTF-8 text (byte 14 is 0xe9).\n"
        "Suggestion: save the design file as UTF-8 (in your editor: save with encoding UTF-8)."
    )
    with pytest.raises(DefinitionError) as info:
        read_text(path, what="batch manifest")
    assert str(info.value) == (
        f"{path}: line 2, column 8: not UTF-8 text (byte 14 is 0xe9).\n"
        "Suggestion: save the batch manifest as UTF-8 (in your editor: save with encoding "
        "UTF-8)."
    )


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux's /proc")
def test_an_unreadable_file():
    # /proc/self/mem exists but refuses a plain read, even to root (CI runs as root)
    assert error_of(Path("/proc/self/mem")) == (
        "/proc/self/mem: cannot read the design file (Input/output error).\n"
        "Suggestion: check that the file exists and that you may read it."
    )


def test_python_object_tag_is_refused_with_key_path_and_never_run(tmp_path):
    marker = tmp_path / "pwned"
    path = write(
        tmp_path,
        "goals:\n  - id: revenue\n"
        f"    target: !!python/object/apply:os.system ['touch {marker}']\n",
    )
    assert error_of(path) == (
        f"{path}: line 3, column 13 (goals[0].target): the YAML tag "
        "'!!python/object/apply:os.system' is not allowed: a design file holds plain data only "
        f"(text, numbers, lists, mappings).\n{TAG_HINT}"
    )
    assert not marker.exists()


@pytest.mark.parametrize(
    ("text", "where", "tag"),
    [
        (
            "client: !!python/name:os.system\n",
            "line 1, column 9 (client)",
            "!!python/name:os.system",
        ),
        ("- a\n- !!python/tuple [1, 2]\n", "line 2, column 3 ([1])", "!!python/tuple"),
        ("a:\n  b: !custom 1\n", "line 2, column 6 (a.b)", "!custom"),
        ("!!python/object:os.PathLike {}\n", "line 1, column 1", "!!python/object:os.PathLike"),
    ],
)
def test_every_kind_of_object_tag_is_refused(tmp_path, text, where, tag):
    path = write(tmp_path, text)
    assert error_of(path, "KPI library file") == (
        f"{path}: {where}: the YAML tag {tag!r} is not allowed: a KPI library file holds plain "
        f"data only (text, numbers, lists, mappings).\n{TAG_HINT}"
    )


def test_invalid_yaml_names_line_and_column(tmp_path):
    path = write(tmp_path, "goals:\n  - id: revenue\n    target: 100\n   formula: x\n")
    assert error_of(path) == (
        f"{path}: line 4, column 4: invalid YAML: expected <block end>, but found "
        f"'<block mapping start>'.\n{INVALID_HINT}"
    )
    path = write(tmp_path, "name: Calls: made\n")
    assert error_of(path, "scheme file") == (
        f"{path}: line 1, column 12: invalid YAML: mapping values are not allowed here.\n"
        f"{INVALID_HINT}"
    )


def test_a_list_as_a_key_is_refused(tmp_path):
    path = write(tmp_path, "kpis:\n  - ? [a, b]\n    : 1\n")
    assert error_of(path, "KPI library file") == (
        f"{path}: line 2, column 7 (kpis[0]): invalid YAML: found unhashable key.\n"
        "Suggestion: use plain text keys in mappings (not lists or mappings)."
    )


def test_a_control_character_is_refused_with_its_place(tmp_path):
    path = write(tmp_path, "a: 1\nb: x\x00y\n")
    assert error_of(path) == (
        f"{path}: line 2, column 5: invalid YAML: the control character #x0000 is not allowed "
        "in YAML text.\nSuggestion: delete that character (save the file as plain UTF-8 text)."
    )


def test_a_key_given_twice_is_refused_first_repeat_in_the_file(tmp_path):
    path = write(
        tmp_path,
        "roles:\n  - id: rep\n    kpis:\n      - kpi: calls\n        weight: 1\n"
        "        weight: 2\nclient: A\nclient: B\n",
    )
    assert error_of(path, "batch manifest") == (
        f"{path}: line 6, column 9 (roles[0].kpis[0].weight): the key 'weight' is given twice "
        "(first on line 5).\n"
        "Suggestion: keep only one of them (YAML would silently use the last)."
    )


def test_keys_that_differ_in_type_are_not_repeats(tmp_path):
    # 1 (a number) and '1' (text) are two different keys once built
    doc = read_yaml(write(tmp_path, "1: a\n'1': b\n"), what="scheme file")
    assert doc.data == {1: "a", "1": "b"}


def test_the_same_key_in_two_mappings_is_fine(tmp_path):
    doc = read_yaml(write(tmp_path, "- id: a\n- id: b\n"), what="scheme file")
    assert doc.data == [{"id": "a"}, {"id": "b"}]


def test_errors_pickle(tmp_path):
    path = write(tmp_path, "a: 1\na: 2\n")
    with pytest.raises(DefinitionError) as info:
        read_yaml(path, what="design file")
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is DefinitionError and str(again) == str(info.value)


def test_key_lines_worked_example():
    text = "client: A\ngoals:\n  - id: revenue\n    target: 100\n  - id: units\nroles: []\n"
    assert key_lines(text) == {
        "client": 1,
        "goals": 3,
        "goals[0]": 3,
        "goals[0].id": 3,
        "goals[0].target": 4,
        "goals[1]": 5,
        "goals[1].id": 5,
        "roles": 6,
    }
    assert key_lines("a: [1\n") == {}  # broken YAML: no lines, never an exception
    assert key_lines("") == {}


_keys = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
_scalars = st.one_of(
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.text("abc xyz:#'\"é", max_size=8),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_keys, inner, min_size=1, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(_keys, _values, min_size=1, max_size=4))
def test_any_plain_document_reads_back_as_written(data):
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    doc = parse_yaml(text, file="f.yaml", what="design file")
    assert doc.data == data
    lines = doc.lines
    assert set(data) <= set(lines)
    assert all(1 <= line <= text.count("\n") for line in lines.values())
