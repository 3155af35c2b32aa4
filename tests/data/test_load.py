"""Tests for kpitools.data: loaders, validation, reshaping, saving."""

from __future__ import annotations

import datetime as dt
import pickle
import warnings
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpitools.data as data
from kpitools.data import layout, load_library, quality, read, validate
from kpitools.errors import DataValidationError, DefinitionError

LONG = (
    "employee,period,kpi,actual,target,team\n"
    "007,2025-01,revenue,1200.5,1000,North\n"
    "007,2025-01,deals,3,4,North\n"
    "008,2025-02,revenue,900,1000,South\n"
)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def message(excinfo) -> str:
    return str(excinfo.value)


# --------------------------------------------------------------------------- loaders
def test_long_csv_keeps_ids_as_text_and_file_order(tmp_path):
    df = data.load(write(tmp_path, "long.csv", LONG), library=False)
    assert df.columns.tolist() == ["employee", "period", "kpi", "actual", "target", "team"]
    assert df["employee"].tolist() == ["007", "007", "008"]
    assert df["kpi"].tolist() == ["revenue", "deals", "revenue"]
    assert df["actual"].tolist() == [1200.5, 3.0, 900.0]
    assert df["actual"].dtype == np.float64 and df["target"].dtype == np.float64
    assert pd.api.types.is_string_dtype(df["employee"].dtype)
    assert isinstance(df.index, pd.RangeIndex)


def test_semicolon_decimal_comma_bom_and_case_insensitive_names(tmp_path):
    text = (
        "\ufeff Employee ;PERIOD;Kpi;Actual;Target\n"
        "001;2025-01;revenue;1 234,5;1\u00a0000,25\n"
        "002;2025-01;revenue;-7,5;\n"
    )
    df = data.load(write(tmp_path, "semi.csv", text), library=False)
    assert df["employee"].tolist() == ["001", "002"]
    assert df["actual"].tolist() == [1234.5, -7.5]
    assert df["target"].iloc[0] == 1000.25 and np.isnan(df["target"].iloc[1])


def test_quoted_thousands_in_comma_file(tmp_path):
    text = 'employee,period,kpi,actual\nA,2025-03,revenue,"1,234.5"\n'
    assert data.load(write(tmp_path, "q.csv", text), library=False)["actual"].tolist() == [1234.5]


def test_cp1251_file(tmp_path):
    text = "employee;period;kpi;actual;team\nИванов;2025-01;выручка;10,5;Север\n"
    df = data.load(write(tmp_path, "cp.csv", text, encoding="cp1251"), library=False)
    assert df[["employee", "kpi", "team"]].values.tolist() == [["Иванов", "выручка", "Север"]]


def test_blank_lines_are_skipped_and_row_numbers_stay_exact(tmp_path):
    text = "employee,period,kpi,actual\n\nA,2025-01,x,1\n\nB,2025-01,x,oops\n"
    with pytest.raises(DataValidationError) as excinfo:
        data.load(write(tmp_path, "blank.csv", text), library=False)
    assert excinfo.value.failure_cases[["row", "column", "value"]].values.tolist() == [
        [5, "actual", "oops"]
    ]


def test_xlsx_spreadsheet_rows_dates_and_text_ids(tmp_path):
    path = tmp_path / "data.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Employee", "Period", "KPI", "Actual"])
    ws.append(["007", dt.datetime(2025, 1, 15), "revenue", 10])
    ws.append([None, None, None, None])
    ws.append([8, "2025-Q1", "deals", 2.5])
    ws.append(["009", "2025-02", "deals", "n/a"])
    wb.save(path)
    report = data.check(path, library=False)
    errors = report.failure_cases[report.failure_cases["severity"] == "error"]
    assert errors[["row", "column", "value", "problem"]].values.tolist() == [
        [5, "Actual", "n/a", "not a number"]
    ]
    path2 = tmp_path / "ok.xlsx"
    ws.delete_rows(5)
    wb.save(path2)
    with pytest.warns(UserWarning, match="periods of different lengths"):
        df = data.load(path2, library=False)
    assert df[["employee", "period", "actual"]].values.tolist() == [
        ["007", "2025-01", 10.0],
        ["8", "2025-Q1", 2.5],
    ]


def test_xlsx_named_sheet_and_unknown_sheet(tmp_path):
    path = tmp_path / "two.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "notes"
    ws = wb.create_sheet("kpis")
    ws.append(["employee", "period", "kpi", "actual"])
    ws.append(["A", "2025-01", "deals", 1])
    wb.save(path)
    assert data.load(path, sheet="kpis", library=False)["actual"].tolist() == [1.0]
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, sheet="kpi", library=False)
    assert message(excinfo) == (
        f"{path}: no sheet 'kpi'; the sheets are 'notes', 'kpis'. Did you mean 'kpis'?\n"
        "Suggestion: pass one of these names as sheet=."
    )


def test_parquet_with_numeric_ids_and_datetime_periods(tmp_path):
    path = tmp_path / "d.parquet"
    pd.DataFrame(
        {
            "employee": [7, 8],
            "period": pd.to_datetime(["2025-01-31", "2025-02-01"]),
            "kpi": ["deals", "deals"],
            "actual": [1, -2],
        }
    ).to_parquet(path)
    df = data.load(path, library=False)
    assert df[["employee", "period", "actual"]].values.tolist() == [
        ["7", "2025-01", 1.0],
        ["8", "2025-02", -2.0],
    ]


def test_dataframe_source_uses_index_labels_as_rows():
    frame = pd.DataFrame(
        {"employee": ["a", "b"], "period": ["2025-01", "2025-02"], "kpi": "x", "actual": [1, None]},
        index=[10, 11],
    )
    with pytest.raises(DataValidationError) as excinfo:
        data.load(frame, library=False)
    assert message(excinfo) == (
        "<DataFrame>: 1 problem in 1 row; nothing was loaded.\n"
        "- column 'actual': no actual value (1 row): row 11\n"
        "  Suggestion: fill in the number or delete the row."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01", "2025-01"),
        ("2025-1", "2025-01"),
        ("2025-01-15", "2025-01"),
        ("2025-01-31 00:00:00", "2025-01"),
        ("1996-07-04 00:00:00.000", "1996-07"),
        ("2025-01-15T10:30:00Z", "2025-01"),
        ("2025/03", "2025-03"),
        ("202503", "2025-03"),
        ("01.2025", "2025-01"),
        ("15.02.2025", "2025-02"),
        ("2/15/2025", "2025-02"),
        ("Mar 2025", "2025-03"),
        ("2025Q1", "2025-Q1"),
        ("2025-Q2", "2025-Q2"),
        ("2025-q3", "2025-Q3"),
        ("Q4 2025", "2025-Q4"),
        (" 2025-01 ", "2025-01"),
    ],
)
def test_periods_are_normalised(text, expected):
    assert data.parse_periods([text]).tolist() == [expected]


@pytest.mark.parametrize(
    "text", ["2025-13", "2025-02-30", "2025-Q5", "13.2025", "Foo 2025", "abc", "0999-01"]
)
def test_bad_periods_become_nan(text):
    assert data.parse_periods([text]).isna().tolist() == [True]


def test_parse_periods_to_quarters():
    got = data.parse_periods(["2025-01", "2025-03-31", "2025-04", "2025-Q3"], freq="quarter")
    assert got.tolist() == ["2025-Q1", "2025-Q1", "2025-Q2", "2025-Q3"]


# --------------------------------------------------------------------------- bad input
def test_every_problem_is_collected_with_rows_and_values(tmp_path):
    text = (
        "employee,period,kpi,actual,target\n"
        "A,2025-01,revenue,10,\n"  # 2 ok
        ",2025-01,revenue,10,\n"  # 3 no employee
        "B,2025-13,revenue,10,\n"  # 4 bad period
        "C,,revenue,10,\n"  # 5 no period
        "D,2025-01,,10,\n"  # 6 no kpi
        "E,2025-01,revenue,,\n"  # 7 no actual
        "F,2025-01,revenue,12 kg,x\n"  # 8 bad actual and target
        "G,2025-01,revenue,inf,\n"  # 9 not finite
        "A,2025-1,revenue,5,\n"  # 10 duplicate of row 2
    )
    path = write(tmp_path, "bad.csv", text)
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, library=False)
    assert message(excinfo) == (
        f"{path}: 8 problems in 9 rows; nothing was loaded.\n"
        "- duplicate employee × period × KPI (2 rows): row 2 ('A × 2025-01 × revenue'), "
        "row 10 ('A × 2025-01 × revenue')\n"
        "  Suggestion: keep one row per employee, period and KPI, or sum them with "
        "duplicates='sum' (CLI: --sum-duplicates).\n"
        "- column 'employee': no employee id (1 row): row 3\n"
        "  Suggestion: fill in the employee id or delete the row.\n"
        "- column 'period': cannot read the period (1 row): row 4 ('2025-13')\n"
        "  Suggestion: write periods as YYYY-MM (2025-01), YYYY-Qn (2025-Q1) or a date "
        "(2025-01-15).\n"
        "- column 'period': no period (1 row): row 5\n"
        "  Suggestion: fill in the period, e.g. 2025-01 or 2025-Q1.\n"
        "- column 'kpi': no KPI id (1 row): row 6\n"
        "  Suggestion: fill in the KPI id or delete the row.\n"
        "- column 'actual': no actual value (1 row): row 7\n"
        "  Suggestion: fill in the number or delete the row.\n"
        "- column 'actual': not a number (2 rows): row 8 ('12 kg'), row 9 ('inf')\n"
        "  Suggestion: write plain numbers (1234.5, or 1234,5 in a ';' file) without units "
        "or text.\n"
        "- column 'target': target is not a number (1 row): row 8 ('x')\n"
        "  Suggestion: write plain numbers, or leave the cell empty when there was no target."
    )
    cases = excinfo.value.failure_cases
    assert cases.columns.tolist() == ["file", "row", "column", "value", "problem", "severity"]
    assert sorted(cases["row"].tolist()) == [2, 3, 4, 5, 6, 7, 8, 8, 9, 10]
    assert set(cases["file"]) == {str(path)}


def test_many_bad_rows_list_ten_and_count_the_rest(tmp_path):
    rows = "".join(f"E{i},2025-01,deals,n/a\n" for i in range(1236))
    path = write(tmp_path, "many.csv", "employee,period,kpi,actual\n" + rows)
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, library=False)
    examples = ", ".join(f"row {r} ('n/a')" for r in range(2, 12))
    assert message(excinfo) == (
        f"{path}: 1 problem in 1,236 rows; nothing was loaded.\n"
        f"- column 'actual': not a number (1,236 rows): {examples} … and 1,226 more\n"
        "  Suggestion: write plain numbers (1234.5, or 1234,5 in a ';' file) without units "
        "or text."
    )
    assert len(excinfo.value.failure_cases) == 1236


def test_missing_columns_name_what_was_found(tmp_path):
    path = write(tmp_path, "cols.csv", "Employe,month,kpi,actual\nA,2025-01,x,1\n")
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, library=False)
    assert message(excinfo) == (
        f"{path}: missing columns 'employee', 'period' for a long table.\n"
        "Found columns: 'Employe', 'month', 'kpi', 'actual'.\n"
        "A long table needs employee, period, kpi, actual (+ optional target, role, team, "
        "region, manager).\n"
        "For 'employee': Did you mean 'employe'?\n"
        "Suggestion: rename the columns (case and spaces do not matter), or pass "
        "layout='long'/'wide' (kpitools data check --layout) if the layout was guessed wrongly."
    )
    assert excinfo.value.failure_cases["column"].tolist() == ["employee, period"]


@pytest.mark.parametrize("written", ["actaul", "value"])
def test_a_long_table_without_actual_is_named_not_read_as_wide(tmp_path, written):
    """A ``kpi`` column makes the table long: the misspelt ``actual`` is named, instead of
    every row becoming a duplicate of a KPI called 'actaul'."""
    path = write(tmp_path, "l.csv", f"employee,period,kpi,{written}\nA,2025-01,x,1\n")
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, library=False)
    hint = "For 'actual': Did you mean 'actaul'?\n" if written == "actaul" else ""
    assert message(excinfo) == (
        f"{path}: missing column 'actual' for a long table.\n"
        f"Found columns: 'employee', 'period', 'kpi', '{written}'.\n"
        "A long table needs employee, period, kpi, actual (+ optional target, role, team, "
        f"region, manager).\n{hint}"
        "Suggestion: rename the columns (case and spaces do not matter), or pass "
        "layout='long'/'wide' (kpitools data check --layout) if the layout was guessed wrongly."
    )


def test_wide_without_kpi_columns(tmp_path):
    path = write(tmp_path, "w.csv", "employee,period,name\nA,2025-01,Ann\n")
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, library=False)
    assert message(excinfo) == (
        f"{path}: no KPI columns with numbers; found columns: 'employee', 'period', 'name'.\n"
        "A wide table needs employee, period and one column per KPI; a long table needs "
        "employee, period, kpi, actual.\n"
        "Suggestion: add the KPI columns, or rename the columns of a long table."
    )


def test_duplicate_column_names_after_normalising(tmp_path):
    path = write(tmp_path, "d.csv", "employee,Period,period ,kpi,actual\nA,1,2,x,1\n")
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, library=False)
    assert message(excinfo) == (
        f"{path}: columns 'Period' and 'period' both mean 'period' (names are matched "
        "ignoring case and spaces).\nSuggestion: rename or delete one of them."
    )


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.csv", b"", "{p}: the file is empty.\nSuggestion: export the data again."),
        ("blank.csv", b"\n \n", "{p}: the file is empty.\nSuggestion: export the data again."),
        (
            "header.csv",
            b"employee,period,kpi,actual\n",
            "{p}: no data rows: only a header (employee, period, kpi, actual).\n"
            "Suggestion: export the data again with its rows.",
        ),
        (
            "image.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "{p}: this is not a CSV text file: it looks like a PNG image.\n"
            "Suggestion: export the data as CSV (UTF-8), XLSX or Parquet.",
        ),
        (
            "book.csv",
            b"PK\x03\x04rest-of-zip",
            "{p}: this is not a CSV text file: it looks like a ZIP archive (an .xlsx workbook "
            "is one: rename it to .xlsx).\n"
            "Suggestion: export the data as CSV (UTF-8), XLSX or Parquet.",
        ),
        (
            "nul.csv",
            b"employee,period\x00\x01\x02",
            "{p}: this is not a CSV text file: it contains binary data (NUL bytes).\n"
            "Suggestion: export the data as CSV (UTF-8), XLSX or Parquet.",
        ),
        (
            "neither.csv",
            b"employee,period,kpi,actual\nA,2025-01,\x98x,1\n",
            "{p}: cannot read the text: it is neither UTF-8 nor cp1251 (byte 0x98 is not "
            "valid in either).\nSuggestion: save the file as CSV UTF-8.",
        ),
        (
            "old.xls",
            b"\xd0\xcf\x11\xe0",
            "{p}: old Excel .xls files are not supported.\n"
            "Suggestion: open it in Excel and save it as .xlsx or CSV.",
        ),
        (
            "data.json",
            b"{}",
            "{p}: unknown file type '.json'.\nSuggestion: use a .csv, .xlsx or .parquet file.",
        ),
        (
            "fake.xlsx",
            b"not a zip",
            "{p}: not a readable XLSX workbook (BadZipFile: File is not a zip file).\n"
            "Suggestion: open it in Excel and save it again as .xlsx, or export CSV.",
        ),
    ],
)
def test_unreadable_files(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, library=False)
    assert message(excinfo) == expected.format(p=path)
    assert excinfo.value.failure_cases["file"].tolist() == [str(path)]


def test_missing_file(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, library=False)
    assert (
        message(excinfo) == f"{path}: file not found.\nSuggestion: check the path and its spelling."
    )


def test_wrong_number_of_fields_is_reported_with_line_numbers(tmp_path):
    text = "employee,period,kpi,actual\nA,2025-01,x,1\nB,2025-01,x\nC,2025-01,x,1,9\n"
    path = write(tmp_path, "f.csv", text)
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, library=False)
    assert message(excinfo) == (
        f"{path}: 1 problem in 2 rows; nothing was loaded.\n"
        "- wrong number of fields (2 rows): row 3 ('3 of 4 fields: B,2025-01,x'), "
        "row 4 ('5 of 4 fields: C,2025-01,x,1,9')\n"
        "  Suggestion: every line needs one value per header column; quote values that "
        "contain the delimiter."
    )


def test_duplicates_can_be_summed_with_a_warning(tmp_path):
    text = (
        "employee,period,kpi,actual,target\n"
        "A,2025-01,revenue,10,100\nA,2025-01,revenue,5,\nB,2025-01,revenue,1,2\n"
    )
    path = write(tmp_path, "dup.csv", text)
    with pytest.warns(UserWarning) as record:
        df = data.load(path, duplicates="sum", library=False)
    assert df.values.tolist() == [
        ["A", "2025-01", "revenue", 15.0, 100.0],
        ["B", "2025-01", "revenue", 1.0, 2.0],
    ]
    assert str(record[0].message) == (
        f"{path}: warnings:\n"
        "- duplicate rows summed (duplicates='sum') (2 rows): row 2 ('A × 2025-01 × revenue'), "
        "row 3 ('A × 2025-01 × revenue')\n"
        "  Suggestion: nothing to do if the rows are parts of one total."
    )


def test_bad_options():
    frame = pd.DataFrame({"employee": ["a"], "period": ["2025-01"], "kpi": ["x"], "actual": [1]})
    with pytest.raises(DefinitionError) as excinfo:
        data.load(frame, duplicates="sums", library=False)
    assert message(excinfo) == (
        "Unknown duplicates option 'sums'; use 'error' or 'sum'. Did you mean 'sum'?"
    )
    with pytest.raises(DefinitionError) as excinfo:
        data.load(frame, layout="longg", library=False)
    assert (
        message(excinfo)
        == "Unknown layout 'longg'; use one of auto, long, wide. Did you mean 'long'?"
    )


def test_library_unknown_kpi_warns_and_negative_count_is_an_error(tmp_path):
    library = load_library()
    text = (
        "employee,period,kpi,actual\n"
        "A,2025-01,won_deals,-2\n"
        "A,2025-01,revenu,10\n"
        "A,2025-01,nps,-30\n"
    )
    path = write(tmp_path, "lib.csv", text)
    report = data.check(path, library=library)
    assert not report.ok
    assert str(report) == (
        "Data quality report\n"
        f"  file:            {path}\n"
        "  layout:          long\n"
        "  rows read:       3\n"
        "  rows kept:       2\n"
        "  employees:       1\n"
        "  periods:         2025-01 .. 2025-01 (1)\n"
        "  KPIs:            revenu, nps\n"
        "Values per KPI:\n"
        "  kpi     unit   rows  employees  min  median  max\n"
        "  revenu  -         1          1   10      10   10\n"
        "  nps     score     1          1  -30     -30  -30\n"
        "Issues: 1 error(s), 1 warning(s)\n"
        "  - column 'actual': negative value for a KPI that cannot be negative (1 row): "
        "row 2 ('won_deals = -2.0')\n"
        "    Suggestion: check the sign; a negative count or duration is a data entry error.\n"
        "  - column 'kpi': KPI not in the library (1 row): row 3 ('revenu')\n"
        "    Did you mean 'revenu' → 'revenue'?\n"
        "    Suggestion: check the spelling, or add the KPI to your own library file.\n"
        "Result: errors found: fix them and check again (nothing was loaded)."
    )
    assert report.data is None
    ok = write(tmp_path, "lib_ok.csv", "employee,period,kpi,actual\nA,2025-01,revenu,10\n")
    with pytest.warns(UserWarning, match="KPI not in the library"):
        assert data.load(ok, library=library)["kpi"].tolist() == ["revenu"]


def test_error_pickles_with_failure_cases(tmp_path):
    path = write(tmp_path, "p.csv", "employee,period,kpi,actual\nA,2025-01,x,zz\n")
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, library=False)
    clone = pickle.loads(pickle.dumps(excinfo.value))
    assert str(clone) == str(excinfo.value)
    pd.testing.assert_frame_equal(clone.failure_cases, excinfo.value.failure_cases)


# --------------------------------------------------------------------------- wide
WIDE = (
    "Employee,Period,Team,Revenue,Deals,target_revenue,notes\n"
    "007,2025-01,North,100,3,90,ok\n"
    "008,2025-01-20,South,,2,,late\n"
    "009,2025-02,South,50,x,60,\n"
)


def test_wide_table_is_detected_and_melted_with_warnings(tmp_path):
    path = write(tmp_path, "wide.csv", WIDE.replace(",x,", ",1,"))
    with pytest.warns(UserWarning) as record:
        df = data.load(path, library=False)
    assert df.columns.tolist() == ["employee", "period", "kpi", "actual", "target", "team"]
    assert df.astype(object).where(df.notna(), None).values.tolist() == [
        ["007", "2025-01", "revenue", 100.0, 90.0, "North"],
        ["007", "2025-01", "deals", 3.0, None, "North"],
        ["008", "2025-01", "deals", 2.0, None, "South"],
        ["009", "2025-02", "revenue", 50.0, 60.0, "South"],
        ["009", "2025-02", "deals", 1.0, None, "South"],
    ]
    assert str(record[0].message) == (
        f"{path}: warnings:\n"
        "- column 'notes': column has no numbers: ignored, not a KPI\n"
        "  Suggestion: rename it to role, team, region or manager to keep it, or delete it.\n"
        "- column 'Revenue': empty cell: no row made for this KPI (1 row): row 3\n"
        "  Suggestion: nothing to do if the employee has no such KPI; otherwise fill in the "
        "number."
    )


def test_wide_bad_cell_names_the_wide_column(tmp_path):
    path = write(tmp_path, "wide.csv", WIDE)
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, library=False)
    assert message(excinfo) == (
        f"{path}: 1 problem in 1 row; nothing was loaded.\n"
        "- column 'Deals': not a number (1 row): row 4 ('x')\n"
        "  Suggestion: write plain numbers (1234.5, or 1234,5 in a ';' file) without units "
        "or text."
    )


def test_layout_override(tmp_path):
    path = write(tmp_path, "w.csv", "employee,period,kpi,actual,deals\nA,2025-01,x,4,3\n")
    with pytest.warns(UserWarning) as record:
        df = data.load(path, layout="wide", library=False)
    assert df[["kpi", "actual"]].values.tolist() == [["deals", 3.0]]
    assert str(record[0].message) == (
        f"{path}: warnings:\n"
        "- column 'kpi': column ignored (a wide table has one column per KPI; pass "
        "layout='long' for a long one)\n"
        "  Suggestion: rename it to one of employee, period, kpi, actual, target, role, team, "
        "region, manager if it is meant to be used.\n"
        "- column 'actual': column ignored (a wide table has one column per KPI; pass "
        "layout='long' for a long one)\n"
        "  Suggestion: rename it to one of employee, period, kpi, actual, target, role, team, "
        "region, manager if it is meant to be used."
    )
    with pytest.raises(DataValidationError) as excinfo:
        data.load(
            write(tmp_path, "wide.csv", "employee,period,deals\nA,2025-01,3\n"),
            layout="long",
            library=False,
        )
    assert message(excinfo).splitlines()[0] == (
        f"{tmp_path / 'wide.csv'}: missing columns 'kpi', 'actual' for a long table."
    )


def test_to_wide_and_back():
    long = pd.DataFrame(
        {
            "employee": ["007", "007", "008"],
            "period": ["2025-01", "2025-01", "2025-02"],
            "kpi": ["revenue", "deals", "revenue"],
            "actual": [10.0, 2.0, 7.5],
            "target": [12.0, np.nan, 8.0],
            "team": ["N", "N", "S"],
        }
    )
    wide = data.to_wide(long)
    assert wide.columns.tolist() == [
        "employee",
        "period",
        "team",
        "revenue",
        "deals",
        "target_revenue",
    ]
    assert wide["deals"].isna().tolist() == [False, True]
    back = data.from_wide(wide)
    pd.testing.assert_frame_equal(
        back, long.astype({c: "str" for c in ("employee", "period", "kpi", "team")})
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["001", "02", "E3", "Zoë"]),
            st.sampled_from(["2024-12", "2025-01", "2025-Q1"]),
            st.sampled_from(["revenue", "deals", "nps"]),
            st.floats(-1e9, 1e9, allow_nan=False),
        ),
        min_size=1,
        max_size=30,
        unique_by=lambda t: t[:3],
    )
)
def test_long_wide_long_round_trip_property(rows):
    long = pd.DataFrame(rows, columns=["employee", "period", "kpi", "actual"])
    back = data.from_wide(data.to_wide(long))
    key = ["employee", "period", "kpi"]
    expected = long.sort_values(key).reset_index(drop=True)
    got = back.sort_values(key).reset_index(drop=True)
    assert got[key].astype(object).values.tolist() == expected[key].values.tolist()
    np.testing.assert_array_equal(got["actual"].to_numpy(), expected["actual"].to_numpy())


# --------------------------------------------------------------------------- save
@pytest.mark.parametrize("ext", ["csv", "xlsx", "parquet"])
def test_save_round_trips_through_load(tmp_path, ext):
    df = data.load(write(tmp_path, "long.csv", LONG), library=False)
    out = data.save(df, tmp_path / "sub" / f"out.{ext}")
    assert out.exists()
    pd.testing.assert_frame_equal(data.load(out, library=False), df)
    assert [p.name for p in (tmp_path / "sub").iterdir()] == [f"out.{ext}"]


def test_save_escapes_formulas_in_xlsx_and_csv(tmp_path):
    df = pd.DataFrame({"employee": ["=HYPERLINK(1)", "+1", "@x", "ok"], "actual": [-1.0, 2, 3, 4]})
    data.save(df, tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    cells = [ws.cell(row=r, column=1) for r in range(2, 6)]
    assert [c.value for c in cells] == ["=HYPERLINK(1)", "+1", "@x", "ok"]
    assert [c.data_type for c in cells] == ["s", "s", "s", "s"]
    assert [c.quotePrefix for c in cells] == [True, True, True, False]
    assert ws.cell(row=2, column=2).value == -1
    data.save(df, tmp_path / "x.csv")
    assert (tmp_path / "x.csv").read_text().splitlines() == [
        "employee,actual",
        "'=HYPERLINK(1),-1",
        "+1,2",
        "'@x,3",
        "ok,4",
    ]
    data.save(df, tmp_path / "raw.csv", raw_csv=True)
    assert (tmp_path / "raw.csv").read_text().splitlines()[1:3] == ["=HYPERLINK(1),-1", "+1,2"]


def test_save_unknown_extension(tmp_path):
    with pytest.raises(Exception) as excinfo:
        data.save(pd.DataFrame({"a": [1]}), tmp_path / "x.txt")
    assert message(excinfo) == (
        f"{tmp_path / 'x.txt'}: cannot write '.txt'.\n"
        "Suggestion: end the file name with .csv, .xlsx or .parquet."
    )
    assert not (tmp_path / "x.txt").exists()


def test_check_output_path_refuses_before_writing(tmp_path):
    assert data.check_output_path(tmp_path / "kpis.PARQUET") == ".parquet"
    with pytest.raises(Exception) as excinfo:
        data.check_output_path(tmp_path / "kpis")
    assert message(excinfo) == (
        f"{tmp_path / 'kpis'}: cannot write 'files without an extension'.\n"
        "Suggestion: end the file name with .csv, .xlsx or .parquet."
    )


# --------------------------------------------------------------------------- sep= line
@pytest.mark.parametrize(
    ("first", "body", "actual"),
    [
        ("sep=;", "employee;period;kpi;actual\n007;2025-01;deals;1,5\n", 1.5),
        ("sep=,", "employee,period,kpi,actual\n007,2025-01,deals,2.5\n", 2.5),
        ("SEP=\t", "employee\tperiod\tkpi\tactual\n007\t2025-01\tdeals\t3,5\n", 3.5),
    ],
)
def test_excel_sep_line_sets_the_delimiter(tmp_path, first, body, actual):
    df = data.load(write(tmp_path, "excel.csv", f"\ufeff{first}\n{body}"), library=False)
    assert df.to_dict("list") == {
        "employee": ["007"],
        "period": ["2025-01"],
        "kpi": ["deals"],
        "actual": [actual],
    }


def test_sep_line_counts_in_row_numbers(tmp_path):
    # a ';' header with more commas than semicolons: without the sep line it would be ','
    text = (
        "sep=;\n"
        "employee;period;kpi;actual;team,region\n"
        "007;2025-01;deals;1;a,b\n"
        "008;2025-13;deals;x;a,b\n"
        "009;2025-01;deals;2;a,b;extra\n"
    )
    with pytest.raises(DataValidationError) as excinfo:
        data.load(write(tmp_path, "excel.csv", text), library=False)
    assert message(excinfo) == (
        f"{tmp_path / 'excel.csv'}: 3 problems in 2 rows; nothing was loaded.\n"
        "- column 'actual': not a number (1 row): row 4 ('x')\n"
        "  Suggestion: write plain numbers (1234.5, or 1234,5 in a ';' file) without units or "
        "text.\n"
        "- column 'period': cannot read the period (1 row): row 4 ('2025-13')\n"
        "  Suggestion: write periods as YYYY-MM (2025-01), YYYY-Qn (2025-Q1) or a date "
        "(2025-01-15).\n"
        "- wrong number of fields (1 row): row 5 ('6 of 5 fields: 009;2025-01;deals;2;a,b;extra')\n"
        "  Suggestion: every line needs one value per header column; quote values that contain "
        "the delimiter."
    )


def test_sep_line_with_an_unsupported_delimiter(tmp_path):
    path = write(tmp_path, "pipe.csv", "sep=|\nemployee|period|kpi|actual\n1|2025-01|x|1\n")
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, library=False)
    assert message(excinfo) == (
        f"{path}: line 1 ('sep=|') asks for the delimiter '|', which is not supported.\n"
        "Suggestion: save the file with ',', ';' or tab as the delimiter."
    )


def test_sep_line_alone_is_an_empty_file(tmp_path):
    path = write(tmp_path, "empty.csv", "sep=;\n\n")
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, library=False)
    assert message(excinfo) == f"{path}: the file is empty.\nSuggestion: export the data again."


# --------------------------------------------------------------------------- report
def test_clean_report_and_html(tmp_path):
    path = write(tmp_path, "long.csv", LONG)
    report = data.check(path, library=False)
    assert report.ok and report.rows_read == 3 and report.rows_kept == 3
    assert str(report) == (
        "Data quality report\n"
        f"  file:            {path}\n"
        "  layout:          long\n"
        "  rows read:       3\n"
        "  rows kept:       3\n"
        "  employees:       2\n"
        "  periods:         2025-01 .. 2025-02 (2)\n"
        "  KPIs:            revenue, deals\n"
        "Values per KPI:\n"
        "  kpi      unit  rows  employees  min    median      max\n"
        "  revenue  -        2          2  900  1,050.25  1,200.5\n"
        "  deals    -        1          1    3         3        3\n"
        "Issues: none\n"
        "Result: OK"
    )
    html = report._repr_html_()
    assert "Data quality report" in html and "No issues." in html and ">OK<" in html
    assert report.issues.empty


def test_report_html_escapes_values(tmp_path):
    path = write(tmp_path, "x.csv", "employee,period,kpi,actual\nA,2025-01,x,<b>\n")
    html = data.check(path, library=False)._repr_html_()
    assert "&lt;b&gt;" in html and "<b>" not in html


def test_load_does_not_warn_when_clean(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data.load(write(tmp_path, "long.csv", LONG), library=False)


# --------------------------------------------------------------------------- more sources
def test_cp1251_bytes_after_the_first_64_kb(tmp_path):
    filler = "".join(f"E{i},2025-01,deals,1\n" for i in range(5000))  # ASCII, > 64 KB
    body = "employee,period,kpi,actual\n" + filler + "Пётр,2025-01,deals,2\n"
    df = data.load(write(tmp_path, "late.csv", body, encoding="cp1251"), library=False)
    assert len(df) == 5001
    assert df["employee"].iloc[-1] == "Пётр"


def test_undecodable_bytes_after_the_first_64_kb(tmp_path):
    filler = "".join(f"E{i},2025-01,deals,1\n" for i in range(5000))
    path = tmp_path / "junk.csv"
    path.write_bytes(("employee,period,kpi,actual\n" + filler).encode() + b"\x98,2025-01,x,1\n")
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, library=False)
    assert message(excinfo) == (
        f"{path}: cannot read the text: it is neither UTF-8 nor cp1251 (byte 0x98 is not "
        "valid in either).\nSuggestion: save the file as CSV UTF-8."
    )


def test_xlsx_header_below_a_blank_row_and_stray_cells(tmp_path):
    path = tmp_path / "offset.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([None])
    ws.append(["employee", "period", "kpi", "actual"])
    ws.append(["A", "2025-01", "deals", 1, None, "stray"])
    ws.append(["B", "2025-01", "deals", "x"])
    wb.save(path)
    report = data.check(path, library=False)
    cases = report.failure_cases[["row", "column", "value", "problem", "severity"]]
    assert cases.astype(object).where(cases.notna(), None).values.tolist() == [
        [3, None, "stray", "value right of the last header column: ignored", "warning"],
        [4, "actual", "x", "not a number", "error"],
    ]


def test_parquet_categorical_text_and_missing_employee(tmp_path):
    path = tmp_path / "c.parquet"
    pd.DataFrame(
        {
            "employee": pd.Categorical(["a", None, "c"]),
            "period": ["2025-01"] * 3,
            "kpi": pd.Categorical(["deals"] * 3),
            "actual": [1.0, 2.0, 3.0],
        }
    ).to_parquet(path)
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, library=False)
    assert message(excinfo) == (
        f"{path}: 1 problem in 1 row; nothing was loaded.\n"
        "- column 'employee': no employee id (1 row): row 2\n"
        "  Suggestion: fill in the employee id or delete the row."
    )


def test_dataframe_with_datetime_periods_and_padded_text():
    frame = pd.DataFrame(
        {
            "employee": [" 007 ", "008"],
            "period": pd.to_datetime(["2025-01-31 13:00", "2025-03-01 00:00"]),
            "kpi": ["deals ", "deals"],
            "actual": [1, 2],
        }
    )
    df = data.load(frame, library=False)
    assert df[["employee", "period", "kpi"]].values.tolist() == [
        ["007", "2025-01", "deals"],
        ["008", "2025-03", "deals"],
    ]


def test_to_wide_needs_a_long_table():
    with pytest.raises(DefinitionError) as excinfo:
        data.to_wide(pd.DataFrame({"employee": ["a"], "period": ["2025-01"]}))
    assert message(excinfo) == "to_wide needs a long table; missing column(s) kpi, actual."


def test_from_wide_reports_bad_cells():
    wide = pd.DataFrame(
        {"employee": ["a", "b"], "period": ["2025-01", "2025-01"], "deals": ["1", "?"]}
    )
    with pytest.raises(DataValidationError) as excinfo:
        data.from_wide(wide)
    assert message(excinfo) == (
        "<DataFrame>: the wide table has problems; nothing was converted.\n"
        "- column 'deals': not a number (1 row): row 1 ('?')\n"
        "  Suggestion: write plain numbers (1234.5, or 1234,5 in a ';' file) without units "
        "or text."
    )


def test_event_table_is_pointed_to_aggregate(tmp_path):
    path = write(
        tmp_path, "deals.csv", "deal_id,sales_agent,close_date,close_value\nD1,A,2025-01-02,5\n"
    )
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, library=False)
    assert message(excinfo) == (
        f"{path}: missing columns 'employee', 'period' for a wide table.\n"
        "Found columns: 'deal_id', 'sales_agent', 'close_date', 'close_value'.\n"
        "A wide table needs employee, period and one column per KPI.\n"
        "Suggestion: rename the columns (case and spaces do not matter), or pass "
        "layout='long'/'wide' (kpitools data check --layout) if the layout was guessed wrongly.\n"
        "A file with one row per event (deal, order, shift) is turned into KPIs with "
        "'kpitools data aggregate' (Python: kpitools.data.aggregate_events)."
    )


def test_mixed_monthly_and_quarterly_periods_warn(tmp_path):
    text = (
        "employee,period,kpi,actual\n"
        "A,2025-01,deals,1\nA,2025-02,deals,2\nA,2025-03,deals,3\nA,2025Q1,nps,40\n"
    )
    path = write(tmp_path, "mixed.csv", text)
    with pytest.warns(UserWarning) as record:
        df = data.load(path, library=False)
    assert df["period"].tolist() == ["2025-01", "2025-02", "2025-03", "2025-Q1"]
    assert str(record[0].message) == (
        f"{path}: warnings:\n"
        "- column 'period': periods of different lengths in one table (months, quarters, "
        "years) (1 row): row 5 ('2025-Q1') (3 monthly and 1 quarterly rows)\n"
        "  Suggestion: fine for KPIs measured quarterly or yearly; otherwise write every period "
        "the same way (schemes roll months up to quarters and years, never the other way)."
    )


@settings(max_examples=20, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(
                alphabet=st.characters(
                    codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")
                ),
                min_size=1,
                max_size=6,
            ).filter(lambda t: t.strip() == t and t[0] not in "\"'"),
            st.sampled_from(["2024-12", "2025-01", "2025-02"]),
            st.floats(-1e12, 1e12, allow_nan=False),
        ),
        min_size=1,
        max_size=20,
        unique_by=lambda t: t[:2],
    ),
    st.sampled_from(["csv", "parquet"]),
)
def test_save_then_load_is_exact(tmp_path_factory, rows, ext):
    long = pd.DataFrame(rows, columns=["employee", "period", "actual"])
    long.insert(2, "kpi", "revenue")
    path = tmp_path_factory.mktemp("rt") / f"t.{ext}"
    data.save(long, path)
    back = data.load(path, library=False)
    assert back["employee"].tolist() == long["employee"].tolist()
    assert back["actual"].tolist() == long["actual"].tolist()


# --------------------------------------------------------------------------- fast CSV reader
# The fast reader (pandas' C parser) must read every file it accepts exactly as the
# careful reader (arrow, with line-accurate diagnostics) does, and hand the rest over.
H = "employee,period,kpi,actual,target,team\n"
FAST_CASES = {
    "clean, ids with zeros": (
        H + "007,2025-01,deals,3,4,North\n008,2025-02,deals,5,4,South\n",
        True,
    ),
    "numeric periods": (H + "E1,202501,deals,3,4,N\nE1,202502,deals,1.5,4,N\n", True),
    "padded text and numbers": (H + " E1 ,2025-01, deals , 3 ,4,North \n", True),
    "duplicates and bad period": (
        H + "A,2025-01,x,1,2,N\nA,2025-01,x,2,2,N\nB,2025-13,x,1,2,N\n",
        True,
    ),
    "unknown column": ("employee,period,kpi,actual,note\nA,2025-01,x,1,hello\n", True),
    "wide": ("employee,period,deals,calls\nA,2025-01,3,40\nB,2025-01,4,41\n", True),
    "crlf": (H.replace("\n", "\r\n") + "A,2025-01,x,1,2,N\r\n", True),
    "quoted fields": (H + '"A","2025-01","x","1","2","N"\n', True),
    "team of booleans": (H + "A,2025-01,x,1,2,True\nB,2025-01,x,1,2,False\n", True),
    "empty target last": (
        "employee,period,kpi,actual,target\nA,2025-01,x,1,\nB,2025-01,x,2,3\n",
        True,
    ),
    "empty target, crlf": (
        "employee,period,kpi,actual,target\r\nA,2025-01,x,1,\r\nB,2025-01,x,2,3",
        True,
    ),
    "empty targets only": (
        "employee,period,kpi,actual,target\nA,2025-01,x,1,\nB,2025-01,x,2,\n",
        True,
    ),
    "empty team last": (H + "A,2025-01,x,1,2,\nB,2025-01,x,1,2,N\n", True),
    "quoted empty team last": (H + 'A,2025-01,x,1,2,""\nB,2025-01,x,1,2,N\n', False),
    "short row ending in a delimiter": (H + "A,2025-01,x,1,\nB,2025-01,x,1,2,N\n", False),
    "short row and an empty team": (H + "A,2025-01,x,1,2,\nB,2025-01,x,1,2\n", False),
    "empty team and a blank line at the end": (H + "A,2025-01,x,1,2,\n\n", False),
    "empty team, sep line": ("sep=,\n" + H + "A,2025-01,x,1,2,\nB,2025-01,x,1,2,N\n", True),
    "empty team, line break in quotes": (H + 'A,2025-01,x,1,2,\nB,"2025-\n01",x,1,2,N\n', False),
    "short row": (H + "A,2025-01,x,1,2\nB,2025-01,x,1,2,N\n", False),
    "long row": (H + "A,2025-01,x,1,2,N,extra\nB,2025-01,x,1,2,N\n", False),
    "blank lines": (H + "\nA,2025-01,x,1,2,N\n\n", False),
    "line break in quotes": (H + 'A,2025-01,x,1,2,"N\nS"\nB,2025-01,x,1,2,N\n', False),
    "line break in an ignored column": (
        'employee,period,kpi,actual,note\nA,2025-01,x,1,"a\nb"\nB,2025-01,x,1,c\n',
        False,
    ),
    "line break in a KPI id": (H + 'A,2025-01,"x\ny",1,2,N\nB,2025-01,x,1,2,N\n', False),
    "line break at the end of a team": (H + 'A,2025-01,x,1,2," N\n"\nB,2025-01,x,1,2,N\n', False),
    "wide with a line break": ('employee,period,deals\n"A\nB",2025-01,3\nC,2025-01,4\n', False),
    "text actual": (H + "A,2025-01,x,oops,2,N\n", False),
    "percent actual": (H + "A,2025-01,x,35%,40%,N\nB,2025-01,x,0.4,0.4,N\n", False),
    "currency in quotes": (H + 'A,2025-01,x,"$1,234.50",1000,N\n', False),
    "accounting brackets": (H + 'A,2025-01,x,"(1,234)",1000,N\n', False),
    "unicode minus": (H + "A,2025-01,x,\u221212,2,N\n", False),
    "exponent": (H + "A,2025-01,x,1.2E+03,1e3,N\n", True),
    "excel errors": (H + "A,2025-01,x,#N/A,#DIV/0!,N\nB,2025-01,x,1,2,N\n", False),
    "percent, decimal comma": ("employee;period;kpi;actual\nA;2025-01;x;12,5 %\n", False),
    "booleans as actuals": (H + "A,2025-01,x,True,2,N\nB,2025-01,x,False,2,N\n", False),
    "infinity": (H + "A,2025-01,x,inf,2,N\n", False),
    "nan text": (H + "A,2025-01,x,NaN,2,N\n", False),
    "thousands in quotes": (H + 'A,2025-01,x,"1,234.5",2,N\n', False),
    "decimal comma": ("employee;period;kpi;actual\nA;2025-01;x;1,5\nB;2025-01;x;1 234,5\n", False),
    "sep line": ("sep=;\nemployee;period;kpi;actual\nA;2025-01;x;1,5\n", True),
    "missing employee": (H + ",2025-01,x,1,2,N\nB,2025-01,x,1,2,N\n", True),
    "big integers": (H + "A,2025-01,x,12345678901234567890,9007199254740993,N\n", True),
}


def _both_readers(path: Path) -> tuple[data.DataQualityReport, data.DataQualityReport]:
    fast = data.check(path, library=False)
    read._FAST_CSV = False
    try:
        careful = data.check(path, library=False)
    finally:
        read._FAST_CSV = True
    return fast, careful


def _same_report(fast: data.DataQualityReport, careful: data.DataQualityReport) -> None:
    assert str(fast) == str(careful)
    pd.testing.assert_frame_equal(fast.failure_cases, careful.failure_cases)
    if careful.data is None:
        assert fast.data is None
    else:
        pd.testing.assert_frame_equal(fast.data, careful.data)


@pytest.mark.parametrize("case", FAST_CASES)
def test_fast_reader_matches_the_careful_one(tmp_path, case):
    text, accepted = FAST_CASES[case]
    path = write(tmp_path, "t.csv", text)
    fast, careful = _both_readers(path)
    _same_report(fast, careful)
    assert _fast_reader_used(path) == accepted


def _fast_reader_used(path: Path) -> bool:
    """Whether the fast reader's table is the one validated (no hand-over)."""
    encoding, head = read._sniff_head(path, str(path))
    raw = read._read_csv_fast(path, str(path), layout._numeric_hint("auto"), encoding, head)
    if raw is None:
        return False
    try:
        validate._validate(raw, "auto", "error", None)
    except quality._CarefulNeeded:  # a line break inside quotes, found in the unique values
        return False
    return True


def test_fast_reader_cp1251_and_bom(tmp_path):
    text = H + "Анна,2025-01,x,1,2,Север\n"
    for path in (
        write(tmp_path, "a.csv", text, "cp1251"),
        write(tmp_path, "b.csv", "\ufeff" + text),
    ):
        fast, careful = _both_readers(path)
        _same_report(fast, careful)
        assert fast.data["employee"].tolist() == ["Анна"]
        assert fast.data["team"].tolist() == ["Север"]


def test_fast_reader_ids_that_look_numeric_only_after_the_sample(tmp_path):
    # the first 200 lines have letters: pandas would infer text; later "007" must stay "007"
    lines = [f"E{i},2025-01,x,{i},1,N" for i in range(300)] + ["007,2025-02,x,1,1,N"]
    path = write(tmp_path, "t.csv", H + "\n".join(lines) + "\n")
    fast, careful = _both_readers(path)
    _same_report(fast, careful)
    assert fast.data["employee"].iloc[-1] == "007"


CELLS = st.sampled_from(
    ["", " ", "007", "E1", "1", "0", "-2.5", "1e3", "True", "nan", "inf", "x y", '"a,b"',
     '"q""q"', '"l\nb"', "2025-01", "2025-Q1", "202501", "13.2025", " 3 "]
)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(CELLS, min_size=4, max_size=7), min_size=1, max_size=8),
    st.sampled_from([",", ";"]),
)
def test_fast_reader_matches_the_careful_one_property(tmp_path_factory, rows, sep):
    header = sep.join(["employee", "period", "kpi", "actual", "target", "team"])
    text = header + "\n" + "\n".join(sep.join(r) for r in rows) + "\n"
    path = tmp_path_factory.mktemp("fast") / "t.csv"
    path.write_text(text, encoding="utf-8")
    try:
        fast, careful = _both_readers(path)
    except DataValidationError as err:  # e.g. no data rows at all: both must say the same
        read._FAST_CSV = False
        try:
            with pytest.raises(DataValidationError) as excinfo:
                data.check(path, library=False)
        finally:
            read._FAST_CSV = True
        assert str(excinfo.value) == str(err)
        return
    _same_report(fast, careful)


def test_saved_csv_writes_whole_numbers_without_a_decimal_point(tmp_path):
    table = pd.DataFrame(
        {
            "employee": ["E1", "E1"],
            "period": ["2025-01", "2025-01"],
            "kpi": ["revenue", "deals"],
            "actual": [474112.16, 11.0],
        }
    )
    path = data.save(table, tmp_path / "kpis.csv")
    assert path.read_text().splitlines()[1:] == [
        "E1,2025-01,revenue,474112.16",
        "E1,2025-01,deals,11",
    ]


# --------------------------------------------------------------------------- spreadsheet numbers
CONVERTED_SUGGESTION = (
    "  Suggestion: nothing to do if the readings are right (a percentage is kept as a "
    "fraction: 35% → 0.35); otherwise write plain numbers."
)
MIXED_SUGGESTION = (
    "  Suggestion: write every value of the KPI the same way, as 35% or as 0.35 (12 is read "
    "as 12, that is 1,200%; if it means 12%, write 12% or 0.12)."
)
EXCEL_SUGGESTION = (
    "  Suggestion: fix the formula in the source sheet so that it gives a number (or clear "
    "the cell if there is no value), then save or export the file again."
)
FORMULA_SUGGESTION = (
    "  Suggestion: open the workbook in Excel (or LibreOffice) and save it, so that the "
    "formulas are calculated, or export the sheet to CSV; then load it again."
)
CONVERTED = "written with %, a currency or accounting brackets: read as numbers"
EXCEL = "the cell holds an Excel error value (#N/A, #DIV/0!, #VALUE! …), not a number"
FORMULA = (
    "formula without a calculated value (the workbook was saved by a program that does "
    "not calculate formulas): the value is unknown"
)
MIXED = (
    "number above 1 in a KPI written elsewhere with %: kept as written, not read as a percentage"
)


def load_warning(path: Path, **kwargs) -> tuple[pd.DataFrame, str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = data.load(path, **kwargs, library=False)
    assert len(caught) == 1
    return df, str(caught[0].message)


def test_comma_file_reads_percent_currency_brackets_minus_and_exponents(tmp_path):
    text = (
        "employee,period,kpi,actual,target\n"
        "A,2025-01,conversion,35%,40 %\n"  # 2: 35e-2 and 40e-2
        'A,2025-01,revenue,"$1,234.50",USD 1000\n'  # 3
        'B,2025-01,revenue,"(1,234)",1000 USD\n'  # 4: accounting negative
        "C,2025-01,revenue,\u221212,1.2E+03\n"  # 5: Unicode minus, exponent: no warning
        "D,2025-01,conversion,35.1%,0.4\n"  # 6: 35.1e-2, not 35.1 / 100 (0.35100000000000003)
        "E,2025-01,revenue,-$3,\n"  # 7
    )
    path = write(tmp_path, "money.csv", text)
    df, message_ = load_warning(path)
    assert df["actual"].tolist() == [0.35, 1234.5, -1234.0, -12.0, 0.351, -3.0]
    assert df["target"].tolist()[:5] == [0.4, 1000.0, 1000.0, 1200.0, 0.4]
    assert message_ == (
        f"{path}: warnings:\n"
        f"- column 'actual': {CONVERTED} (5 rows): row 2 ('35%' → 0.35), "
        "row 3 ('$1,234.50' → 1234.5), row 4 ('(1,234)' → -1234), row 6 ('35.1%' → 0.351), "
        "row 7 ('-$3' → -3)\n"
        f"{CONVERTED_SUGGESTION}\n"
        f"- column 'target': {CONVERTED} (3 rows): row 2 ('40 %' → 0.4), "
        "row 3 ('USD 1000' → 1000), row 4 ('1000 USD' → 1000)\n"
        f"{CONVERTED_SUGGESTION}"
    )


def test_semicolon_decimal_comma_file_reads_euro_roubles_and_brackets(tmp_path):
    text = (
        "employee;period;kpi;actual;target\n"
        "A;2025-01;revenue_eu;€ 1.234,50;1 000\n"  # 2: dots group thousands, comma decimals
        "B;2025-01;revenue;₽ 1 234;(1 000)\n"  # 3
        "C;2025-01;revenue;1 234 руб.;1\u00a0000 р.\n"  # 4: no-break space
        "D;2025-01;conversion;12,5 %;0,4\n"  # 5: 12.5e-2
        "E;2025-01;revenue;1,2E+03;\u22121,5\n"  # 6: plain numbers
        "F;2025-01;revenue_us;$1,234.50;\n"  # 7: both separators: unambiguous
    )
    path = write(tmp_path, "eu.csv", text)
    df, message_ = load_warning(path)
    assert df["actual"].tolist() == [1234.5, 1234.0, 1234.0, 0.125, 1200.0, 1234.5]
    assert df["target"].tolist()[:5] == [1000.0, -1000.0, 1000.0, 0.4, -1.5]
    assert message_ == (
        f"{path}: warnings:\n"
        f"- column 'actual': {CONVERTED} (5 rows): row 2 ('€ 1.234,50' → 1234.5), "
        "row 3 ('₽ 1 234' → 1234), row 4 ('1 234 руб.' → 1234), row 5 ('12,5 %' → 0.125), "
        "row 7 ('$1,234.50' → 1234.5)\n"
        f"{CONVERTED_SUGGESTION}\n"
        f"- column 'target': {CONVERTED} (2 rows): row 3 ('(1 000)' → -1000), "
        "row 4 ('1\u00a0000 р.' → 1000)\n"
        f"{CONVERTED_SUGGESTION}"
    )


def test_cp1251_file_with_roubles_and_percent(tmp_path):
    text = (
        "сотрудник;period;kpi;actual;target;employee\n"
        "x;2025-01;выручка;1 234 руб.;1.000,00 р.;Иванов\n"
        "x;2025-01;конверсия;35%;0,4;Иванов\n"
    )
    path = write(tmp_path, "cp.csv", text, encoding="cp1251")
    report = data.check(path, library=False)
    assert report.data["actual"].tolist() == [1234.0, 0.35]
    assert report.data["target"].tolist() == [1000.0, 0.4]
    assert report.data["employee"].tolist() == ["Иванов", "Иванов"]
    assert report._lines == (
        "- column 'сотрудник': column ignored",
        "  Suggestion: rename it to one of employee, period, kpi, actual, target, role, team, "
        "region, manager if it is meant to be used.",
        f"- column 'actual': {CONVERTED} (2 rows): row 2 ('1 234 руб.' → 1234), "
        "row 3 ('35%' → 0.35)",
        CONVERTED_SUGGESTION,
        f"- column 'target': {CONVERTED} (1 row): row 2 ('1.000,00 р.' → 1000)",
        CONVERTED_SUGGESTION,
    )


def test_excel_error_values_have_their_own_message(tmp_path):
    text = (
        "employee;period;kpi;actual;target\n"
        "A;2025-01;revenue;#N/A;#DIV/0!\n"
        "B;2025-01;revenue;#VALUE!;1\n"
        "C;2025-01;revenue;#REF!;#Н/Д\n"  # a Russian Excel writes #Н/Д for #N/A
        "D;2025-01;revenue;#ДЕЛ/0!;1\n"
        "E;2025-01;revenue;n/a;1\n"  # text, not an Excel error
    )
    path = write(tmp_path, "err.csv", text, encoding="cp1251")
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, library=False)
    assert message(excinfo) == (
        f"{path}: 3 problems in 5 rows; nothing was loaded.\n"
        f"- column 'actual': {EXCEL} (4 rows): row 2 ('#N/A'), row 3 ('#VALUE!'), "
        "row 4 ('#REF!'), row 5 ('#ДЕЛ/0!')\n"
        f"{EXCEL_SUGGESTION}\n"
        f"- column 'target': {EXCEL} (2 rows): row 2 ('#DIV/0!'), row 4 ('#Н/Д')\n"
        f"{EXCEL_SUGGESTION}\n"
        "- column 'actual': not a number (1 row): row 6 ('n/a')\n"
        "  Suggestion: write plain numbers (1234.5, or 1234,5 in a ';' file) without units "
        "or text."
    )
    cases = excinfo.value.failure_cases
    assert cases[["row", "column", "value"]].values.tolist() == [
        [6, "actual", "n/a"],
        [2, "actual", "#N/A"],
        [3, "actual", "#VALUE!"],
        [4, "actual", "#REF!"],
        [5, "actual", "#ДЕЛ/0!"],
        [2, "target", "#DIV/0!"],
        [4, "target", "#Н/Д"],
    ]


def test_plain_numbers_above_1_beside_percent_cells_are_named_per_kpi(tmp_path):
    text = (
        "employee,period,kpi,actual,target\n"
        "A,2025-01,conversion,35%,0.4\n"  # 2: a percent KPI
        "B,2025-01,conversion,0.4,40%\n"  # 3: a fraction: consistent
        "C,2025-01,conversion,12,0.4\n"  # 4: 12% or 1,200%? kept as 12, named
        "C,2025-01,revenue,120000,100000\n"  # 5: another KPI: plain numbers are fine
        "D,2025-01,conversion,1,35\n"  # 6: 1 = 100% is fine; a target of 35 is named
    )
    path = write(tmp_path, "mixed.csv", text)
    df, message_ = load_warning(path)
    assert df["actual"].tolist() == [0.35, 0.4, 12.0, 120000.0, 1.0]
    assert message_ == (
        f"{path}: warnings:\n"
        f"- column 'actual': {CONVERTED} (1 row): row 2 ('35%' → 0.35)\n"
        f"{CONVERTED_SUGGESTION}\n"
        f"- column 'target': {CONVERTED} (1 row): row 3 ('40%' → 0.4)\n"
        f"{CONVERTED_SUGGESTION}\n"
        f"- column 'actual': {MIXED} (1 row): row 4 ('conversion = 12')\n"
        f"{MIXED_SUGGESTION}\n"
        f"- column 'target': {MIXED} (1 row): row 6 ('conversion = 35')\n"
        f"{MIXED_SUGGESTION}"
    )


def test_wide_table_reads_percent_cells_and_names_mixed_ones(tmp_path):
    text = (
        "employee;period;conversion;target_conversion;revenue\n"
        "A;2025-01;35%;40;€ 1.000\n"  # target 40 beside 35%: named
        "B;2025-01;0,3;0,4;2000\n"
        "C;2025-01;#N/A;0,4;3000\n"
    )
    path = write(tmp_path, "wide.csv", text)
    report = data.check(path, library=False)
    assert not report.ok
    assert report._lines == (
        f"- column 'conversion': {EXCEL} (1 row): row 4 ('#N/A')",
        EXCEL_SUGGESTION,
        f"- column 'conversion': {CONVERTED} (1 row): row 2 ('35%' → 0.35)",
        CONVERTED_SUGGESTION,
        f"- column 'target_conversion': {MIXED} (1 row): row 2 ('40')",
        MIXED_SUGGESTION,
        f"- column 'revenue': {CONVERTED} (1 row): row 2 ('€ 1.000' → 1000)",
        CONVERTED_SUGGESTION,
    )


def test_wide_column_of_excel_errors_is_a_kpi_with_errors_not_an_ignored_column(tmp_path):
    path = write(tmp_path, "w.csv", "employee,period,deals,calls\nA,2025-01,#N/A,3\n")
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, library=False)
    assert message(excinfo) == (
        f"{path}: 1 problem in 1 row; nothing was loaded.\n"
        f"- column 'deals': {EXCEL} (1 row): row 2 ('#N/A')\n{EXCEL_SUGGESTION}"
    )


def test_decorated_cells_that_stay_unreadable(tmp_path):
    text = (
        "employee,period,kpi,actual\n"
        "A,2025-01,x,$3$\n"  # two currencies
        "B,2025-01,x,(3\n"  # an open bracket
        "C,2025-01,x,35%$\n"  # percent and a currency
        "D,2025-01,x,-(3)\n"  # a sign and brackets
        "E,2025-01,x,12 kg\n"  # a unit that is not a currency
    )
    path = write(tmp_path, "odd.csv", text)
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, library=False)
    assert message(excinfo) == (
        f"{path}: 1 problem in 5 rows; nothing was loaded.\n"
        "- column 'actual': not a number (5 rows): row 2 ('$3$'), row 3 ('(3'), "
        "row 4 ('35%$'), row 5 ('-(3)'), row 6 ('12 kg')\n"
        "  Suggestion: write plain numbers (1234.5, or 1234,5 in a ';' file) without units "
        "or text."
    )


def _workbook(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_xlsx_text_cells_with_percent_currency_and_excel_errors(tmp_path):
    path = _workbook(
        tmp_path / "k.xlsx",
        [
            ["employee", "period", "kpi", "actual", "target"],
            ["A", "2025-01", "conversion", "35%", 0.4],  # text typed with %
            ["A", "2025-01", "revenue", "1 234,50 ₽", 1000],  # XLSX text: decimal comma
            ["B", "2025-01", "revenue", "#N/A", 1000],  # openpyxl stores an error cell
            ["C", "2025-01", "conversion", 0.3, "#DIV/0!"],
        ],
    )
    assert openpyxl.load_workbook(path)["Sheet"]["D4"].data_type == "e"  # a real error cell
    report = data.check(path, library=False)
    assert report._lines == (
        f"- column 'actual': {EXCEL} (1 row): row 4 ('#N/A')",
        EXCEL_SUGGESTION,
        f"- column 'target': {EXCEL} (1 row): row 5 ('#DIV/0!')",
        EXCEL_SUGGESTION,
        f"- column 'actual': {CONVERTED} (2 rows): row 2 ('35%' → 0.35), "
        "row 3 ('1 234,50 ₽' → 1234.5)",
        CONVERTED_SUGGESTION,
    )


def test_xlsx_formulas_excel_never_calculated_are_errors_not_empty_cells(tmp_path):
    # openpyxl stores formulas without a cached value, as any script-written workbook
    path = _workbook(
        tmp_path / "f.xlsx",
        [
            ["employee", "period", "kpi", "actual", "target"],
            ["A", "2025-01", "deals", 3, "=D2*2"],
            ["B", "2025-01", "deals", "=SUM(1,2)", 4],
            ["C", "2025-01", "deals", 5, None],  # truly empty target: fine
            ["D", "2025-01", "deals", None, 4],  # truly empty actual: the usual error
        ],
    )
    with pytest.raises(DataValidationError) as excinfo:
        data.load(path, library=False)
    assert message(excinfo) == (
        f"{path}: 3 problems in 3 rows; nothing was loaded.\n"
        f"- column 'target': {FORMULA} (1 row): row 2 ('=D2*2')\n"
        f"{FORMULA_SUGGESTION}\n"
        f"- column 'actual': {FORMULA} (1 row): row 3 ('=SUM(1,2)')\n"
        f"{FORMULA_SUGGESTION}\n"
        "- column 'actual': no actual value (1 row): row 5\n"
        "  Suggestion: fill in the number or delete the row."
    )


def test_xlsx_wide_formulas_are_errors_not_empty_cells(tmp_path):
    path = _workbook(
        tmp_path / "w.xlsx",
        [
            [],  # two blank rows: the header is row 3
            [],
            ["employee", "period", "deals", "target_deals", "calls"],
            ["A", "2025-01", 3, "=C4*2", None],
            ["B", "2025-01", "=1+1", 4, 5],
            ["C", "2025-01", "=1+2", None, None],  # only a formula: not a blank row
        ],
    )
    report = data.check(path, layout="wide", library=False)
    assert report._lines == (
        f"- column 'target_deals': {FORMULA} (1 row): row 4 ('=C4*2')",
        FORMULA_SUGGESTION,
        f"- column 'deals': {FORMULA} (2 rows): row 5 ('=1+1'), row 6 ('=1+2')",
        FORMULA_SUGGESTION,
        "- column 'calls': empty cell: no row made for this KPI (2 rows): row 4, row 6",
        "  Suggestion: nothing to do if the employee has no such KPI; otherwise fill in the "
        "number.",
    )
    assert not report.ok


def test_xlsx_formula_in_a_text_column_is_not_looked_up(tmp_path):
    # ids by formula read as empty as before; only number columns get the second look
    path = _workbook(
        tmp_path / "t.xlsx",
        [["employee", "period", "kpi", "actual"], ['="A"', "2025-01", "deals", 3]],
    )
    assert data.check(path, library=False)._lines == (
        "- column 'employee': no employee id (1 row): row 2",
        "  Suggestion: fill in the employee id or delete the row.",
    )


WHOLE = (
    "percent KPI written as whole percentages (its values are mostly above 2, that is 200%): "
    "read as written"
)
WHOLE_SUGGESTION = (
    "  Suggestion: percent KPIs are stored as fractions: write 0.35 or 35% for 35%; nothing to "
    "do if the values really are that high."
)


def test_percent_kpi_typed_as_whole_percentages_is_named(tmp_path):
    text = (
        "employee,period,kpi,actual,target\n"
        "A,2025-01,gross_margin_pct,35,30\n"  # median |actual| 31.5 > 2: 35 means 35%
        "B,2025-01,gross_margin_pct,28,30\n"
        "C,2025-01,quota_attainment,1.2,\n"  # 120% as a fraction: median 1.05, fine
        "D,2025-01,quota_attainment,0.9,\n"
        "E,2025-01,win_rate,0.35,0.3\n"  # fractions: fine
        "F,2025-01,revenue,120000,100000\n"  # not a percent KPI
    )
    path = write(tmp_path, "pct.csv", text)
    report = data.check(path, library=load_library())
    assert report.ok
    assert report.data["actual"].tolist() == [35.0, 28.0, 1.2, 0.9, 0.35, 120000.0]
    assert report._lines == (
        f"- column 'actual': {WHOLE} (2 rows): row 2 ('gross_margin_pct = 35'), "
        "row 3 ('gross_margin_pct = 28')",
        WHOLE_SUGGESTION,
        f"- column 'target': {WHOLE} (2 rows): row 2 ('gross_margin_pct = 30'), "
        "row 3 ('gross_margin_pct = 30')",
        WHOLE_SUGGESTION,
    )
    assert data.check(path, library=False)._lines == ()  # without a library units are unknown


def test_percent_kpi_typed_as_whole_percentages_in_a_wide_table(tmp_path):
    text = (
        "employee,period,gross_margin_pct,target_gross_margin_pct,win_rate\n"
        "A,2025-01,35,0.3,40%\n"  # win_rate written with %: not a whole percentage
        "B,2025-01,28,0.3,0.5\n"
    )
    path = write(tmp_path, "pctw.csv", text)
    report = data.check(path, library=load_library())
    assert report._lines == (
        f"- column 'win_rate': {CONVERTED} (1 row): row 2 ('40%' → 0.4)",
        CONVERTED_SUGGESTION,
        f"- {WHOLE} (2 rows): row 2 ('gross_margin_pct = 35'), row 3 ('gross_margin_pct = 28')",
        WHOLE_SUGGESTION,
    )


def test_sap_trailing_minus_and_excel_accounting_zero(tmp_path):
    text = (
        "employee;period;kpi;actual;target\n"
        "A;2025-01;revenue_us;1.234,50-;$ -\n"  # SAP writes -1234.50 so; "$ -" is a zero
        "B;2025-01;revenue;-   ₽;100-\n"  # Russian accounting zero; -100
        "C;2025-01;revenue;-;1\n"  # a bare dash stays unreadable: zero or no value?
    )
    path = write(tmp_path, "sap.csv", text)
    report = data.check(path, library=False)
    assert report._lines == (
        "- column 'actual': not a number (1 row): row 4 ('-')",
        "  Suggestion: write plain numbers (1234.5, or 1234,5 in a ';' file) without units "
        "or text.",
        f"- column 'actual': {CONVERTED} (2 rows): row 2 ('1.234,50-' → -1234.5), "
        "row 3 ('-   ₽' → 0)",
        CONVERTED_SUGGESTION,
        f"- column 'target': {CONVERTED} (2 rows): row 2 ('$ -' → 0), row 3 ('100-' → -100)",
        CONVERTED_SUGGESTION,
    )
    good = data.check(
        write(tmp_path, "sap2.csv", text.replace("C;2025-01;revenue;-;1\n", "")), library=False
    )
    assert good.data["actual"].tolist() == [-1234.5, 0.0]
    assert good.data["target"].tolist() == [0.0, -100.0]


CURRENCIES = "amounts in another currency than the KPI's other amounts: kept with their currency"
CURRENCIES_SUGGESTION = (
    "  Suggestion: give the run a currency and rates (currency: USD, fx: {EUR: 1.08} in the "
    "scheme or design): simulate and report convert every amount before anything is summed."
)


def test_amounts_of_one_kpi_in_several_currencies_are_named(tmp_path):
    text = (
        "employee,period,kpi,actual,target\n"
        "A,2025-01,revenue,$100,$90\n"
        "B,2025-01,revenue,$100,90\n"
        "C,2025-01,revenue,€100,90\n"  # in euros: USD is the KPI's most frequent currency
        "D,2025-01,margin,100 руб.,₽ 90\n"  # руб. and ₽ are one currency; another KPI
        "E,2025-01,revenue,100,90\n"  # no currency written: nothing to compare
    )
    report = data.check(write(tmp_path, "cur.csv", text), library=False)
    assert report.ok
    assert report._lines[4:] == (
        f"- column 'actual': {CURRENCIES} (1 row): row 4 ('revenue: EUR beside USD')",
        CURRENCIES_SUGGESTION,
    )
    assert report.data["currency"].fillna("-").tolist() == ["USD", "USD", "EUR", "RUB", "-"]
    wide = "employee,period,revenue,target_revenue\nA,2025-01,$100,$90\nB,2025-01,€100,\n"
    assert data.check(write(tmp_path, "curw.csv", wide), library=False)._lines[4:] == (
        f"- column 'revenue': {CURRENCIES} (1 row): row 3 ('EUR beside USD')",
        CURRENCIES_SUGGESTION,
    )


def test_yearly_data_is_read_and_rolled_up(tmp_path):
    path = write(
        tmp_path,
        "yearly.csv",
        "employee,period,kpi,actual\nA,2023,revenue,100\nA,2024,revenue,120\nB,2024,revenue,90\n",
    )
    df = data.load(path, library=False)
    assert df["period"].tolist() == ["2023", "2024", "2024"]
    rolled = data.roll_up(df, "year").values
    assert rolled[["employee", "actual"]].values.tolist() == [
        ["A", 100.0],
        ["A", 120.0],
        ["B", 90.0],
    ]
    assert rolled["period"].tolist() == [2023, 2024, 2024]


def test_yearly_rows_beside_monthly_ones_are_named():
    frame = pd.DataFrame(
        {
            "employee": ["A", "A", "A"],
            "period": ["2024-01", "2024-02", "2024"],
            "kpi": ["revenue", "revenue", "nps"],
            "actual": [1.0, 2.0, 40.0],
        }
    )
    report = data.check(frame, library=False)
    assert report.ok
    assert "(2 monthly and 1 yearly rows)" in str(report)


def test_a_currency_column_and_written_symbols_give_each_row_its_currency(tmp_path):
    text = (
        "employee,period,kpi,actual,target,currency\n"
        "A,2025-01,revenue,100,90,usd\n"  # the column: read as an ISO code
        "B,2025-01,revenue,€100,90,EUR\n"  # symbol and column agree
        "C,2025-01,revenue,100,90,\n"  # neither: the employee's or the run's
    )
    with pytest.warns(UserWarning, match="read as numbers"):
        table = data.load(write(tmp_path, "c.csv", text), library=False)
    assert table["currency"].fillna("-").tolist() == ["USD", "EUR", "-"]
    bad = (
        "employee,period,kpi,actual,target,currency\n"
        "A,2025-01,revenue,$100,90,EUR\n"
        "B,2025-01,revenue,100,90,dollars\n"
        "C,2025-01,revenue,$100,€90,\n"
    )
    report = data.check(write(tmp_path, "bad.csv", bad), library=False)
    assert not report.ok
    assert [line for line in report._lines if not line.startswith("  Suggestion")] == [
        "- column 'actual': two currencies for one row's amounts (1 row): row 2 "
        "('USD, but EUR in currency')",
        "- column 'currency': not a currency code (1 row): row 3 ('dollars')",
        "- column 'target': two currencies for one row's amounts (1 row): row 4 "
        "('EUR, but USD in actual')",
        f"- column 'actual': {CONVERTED} (2 rows): row 2 ('$100' → 100), row 4 ('$100' → 100)",
        f"- column 'target': {CONVERTED} (1 row): row 4 ('€90' → 90)",
        f"- column 'target': {CURRENCIES} (1 row): row 4 ('revenue: EUR beside USD')",
    ]


def test_duplicates_in_different_currencies_are_not_summed(tmp_path):
    text = (
        "employee,period,kpi,actual\n"
        "A,2025-01,revenue,$100\n"
        "A,2025-01,revenue,€50\n"
        "B,2025-01,revenue,$10\n"
        "B,2025-01,revenue,$20\n"
    )
    report = data.check(write(tmp_path, "d.csv", text), library=False, duplicates="sum")
    assert not report.ok
    assert report._lines[:2] == (
        "- duplicate rows in different currencies: they cannot be summed (2 rows): "
        "row 2 ('A × 2025-01 × revenue: USD'), row 3 ('A × 2025-01 × revenue: EUR')",
        "  Suggestion: convert the amounts to one currency, or keep one row per employee, "
        "period and KPI.",
    )
    with pytest.warns(UserWarning, match="duplicate rows summed"):
        summed = data.load(
            write(tmp_path, "ok.csv", text.replace("€50", "$50")), library=False, duplicates="sum"
        )
    assert summed[["employee", "actual", "currency"]].values.tolist() == [
        ["A", 150.0, "USD"],
        ["B", 30.0, "USD"],
    ]
