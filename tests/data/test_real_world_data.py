"""The data layer on messy real-world client files, used the way a consultant would.

Russian 1C/Excel CSV exports, XLSX workbooks typed by hand, long and wide tables with
odd headers, and two public datasets (UCI garment productivity, Northwind) run through
``aggregate`` and ``simulate`` from the command line.

Choices written down here:

- Russian month names (``январь 2025``) are not read as periods: they have several
  grammatical forms and abbreviations; the row is named in a clear error instead.
- Employee ids are text. A numeric XLSX cell ``7`` becomes ``"7"`` (never ``"7.0"``);
  when other ids in the same column keep leading zeros (``"007"``) the numeric cells
  are reported as a warning, since Excel drops the zeros of ids typed as numbers.
"""

from __future__ import annotations

import datetime as dt
import warnings
from functools import partial
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.cli import main
from kpitools.data import aggregate_events
from kpitools.data import check as _check
from kpitools.data import load as _load
from kpitools.errors import DataValidationError

# these tests are about reading exports: without the KPI library unless a test gives one
check = partial(_check, library=False)
load = partial(_load, library=False)

SHARED = Path(__file__).parents[3] / "shared" / "data"
GARMENT = SHARED / "uci_garment_productivity" / "garments_worker_productivity.csv"
NORTHWIND = SHARED / "northwind"
needs_garment = pytest.mark.skipif(not GARMENT.exists(), reason="shared UCI garment data absent")
needs_northwind = pytest.mark.skipif(
    not (NORTHWIND / "orders.csv").exists(), reason="shared Northwind data absent"
)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """Files are named as a user types them: relative to the working folder."""
    monkeypatch.chdir(tmp_path)


def quiet_load(path, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load(path, **kwargs)


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- 1C / Excel CSV
def write_1c(path: Path, body: str) -> Path:
    """A 1C/Excel export: ``sep=;`` first line, CRLF line ends, cp1251."""
    path.write_bytes(("sep=;\n" + body).replace("\n", "\r\n").encode("cp1251"))
    return path


def test_1c_export_cp1251_semicolon_decimal_comma_and_space_thousands(tmp_path):
    path = write_1c(
        Path("выгрузка.csv"),
        "employee;period;kpi;actual;target\n"
        "Иванов И.И.;15.01.2025;revenue;1 234 567,89;1\u00a0000\u00a0000\n"
        "Петров П.П.;31.01.2025;revenue;1\u00a0234,5;\n"
        "007;01.02.2025;revenue;-12,5;10\n",
    )
    df = quiet_load(path)
    assert df["employee"].tolist() == ["Иванов И.И.", "Петров П.П.", "007"]
    assert df["period"].tolist() == ["2025-01", "2025-01", "2025-02"]
    assert df["actual"].tolist() == [1234567.89, 1234.5, -12.5]
    np.testing.assert_array_equal(df["target"].to_numpy(), [1_000_000.0, np.nan, 10.0])


def test_1c_export_russian_month_name_is_an_error_naming_the_row(tmp_path):
    path = write_1c(
        Path("kpi.csv"),
        "employee;period;kpi;actual\n"
        "Иванов;2025-01;revenue;10\n"
        "Петров;январь 2025;revenue;1 234,5\n",
    )
    with pytest.raises(DataValidationError) as err:
        load(path)
    assert str(err.value) == (
        "kpi.csv: 1 problem in 1 row; nothing was loaded.\n"
        "- column 'period': cannot read the period (1 row): row 4 ('январь 2025')\n"
        "  Suggestion: write periods as YYYY-MM (2025-01), YYYY-Qn (2025-Q1) or a date "
        "(2025-01-15)."
    )
    assert err.value.failure_cases["row"].tolist() == [4]


def test_1c_export_cyrillic_headers_name_the_columns_found(tmp_path, capsys):
    path = write_1c(Path("kpi.csv"), "Сотрудник;Период;KPI;Факт\nИванов;2025-01;revenue;1,5\n")
    code, out, err = run(["data", "check", path], capsys)
    assert code == 2
    assert out == ""
    assert err == (
        "Error: kpi.csv: missing columns 'employee', 'period', 'actual' for a long table.\n"
        "Found columns: 'Сотрудник', 'Период', 'KPI', 'Факт'.\n"
        "A long table needs employee, period, kpi, actual (+ optional target, role, team, "
        "region, manager).\n"
        "Suggestion: rename the columns (case and spaces do not matter), or pass "
        "layout='long'/'wide' (kpitools data check --layout) if the layout was guessed wrongly.\n"
    )


def test_csv_with_a_title_above_the_header_names_the_header_row(tmp_path):
    path = Path("kpi.csv")
    path.write_text(
        "KPI за январь;;;\n;;;\nemployee;period;kpi;actual\n1;2025-01;revenue;1\n",
        encoding="utf-8",
    )
    with pytest.raises(DataValidationError) as err:
        load(path)
    assert str(err.value) == (
        "kpi.csv: the header is not on the first line: row 3 holds the column names "
        "(employee, period, kpi, actual); the first line read as the header was: "
        "'KPI за январь', '', '', ''.\n"
        "Suggestion: delete the rows above row 3 (titles, notes, blank lines) so that the "
        "column names are on the first line, then load the file again."
    )


# --------------------------------------------------------------------------- XLSX
@pytest.fixture
def workbook(tmp_path) -> Path:
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Notes"
    notes.append(["The data is on sheet 2025"])
    ws = wb.create_sheet("2025")
    ws.append(["Employee", "PERIOD", "kpi", "actual", "target", None])
    ws.append([7, dt.datetime(2025, 1, 15), "revenue", 100.5, 90, None])
    ws.append(["007", dt.datetime(2025, 2, 1), "revenue", "1 234,5", None, None])
    ws.append([8.0, dt.date(2025, 1, 31), "revenue", 3, 2, None])
    ws.append([None] * 6)
    ws.cell(row=40, column=9).value = ""  # a formatted, empty cell far away
    titled = wb.create_sheet("titled")
    titled.append(["Report KPI Q1 2025"])
    titled.append([])
    titled.append(["employee", "period", "kpi", "actual"])
    titled.append(["1", "2025-01", "revenue", 1])
    path = Path("history.xlsx")
    wb.save(path)
    return path


def test_xlsx_sheet_by_name_or_index_with_numeric_ids_and_real_dates(workbook):
    by_name = quiet_load(workbook, sheet="2025")
    by_index = quiet_load(workbook, sheet=1)
    pd.testing.assert_frame_equal(by_name, by_index)
    assert by_name["employee"].tolist() == ["7", "007", "8"]  # numbers as text, no ".0"
    assert by_name["period"].tolist() == ["2025-01", "2025-02", "2025-01"]
    assert by_name["actual"].tolist() == [100.5, 1234.5, 3.0]
    np.testing.assert_array_equal(by_name["target"].to_numpy(), [90.0, np.nan, 2.0])


def test_xlsx_numeric_ids_next_to_zero_padded_ids_are_a_warning(workbook):
    report = check(workbook, sheet="2025")
    assert report.ok
    assert report.issues.to_dict("records") == [
        {
            "severity": "warning",
            "column": "employee",
            "problem": "employee id stored as a number while other ids have leading zeros "
            "(Excel drops them: 7 may be the same employee as 007)",
            "count": 2,
            "rows": "row 2 ('7'), row 4 ('8')",
            "note": "",
        }
    ]
    assert report.failure_cases[["row", "value"]].values.tolist() == [[2, "7"], [4, "8"]]


def test_xlsx_numeric_ids_alone_are_not_a_warning(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["employee", "period", "kpi", "actual"])
    wb.active.append([7, "2025-01", "revenue", 1])
    wb.active.append(["12", "2025-01", "revenue", 2])
    wb.save(Path("ids.xlsx"))
    report = check(Path("ids.xlsx"))
    assert report.ok
    assert report.issues.empty
    assert quiet_load(Path("ids.xlsx"))["employee"].tolist() == ["7", "12"]


def test_xlsx_missing_sheet_and_title_rows_are_clear_errors(workbook):
    with pytest.raises(DataValidationError) as err:
        load(workbook, sheet="2024")
    assert str(err.value) == (
        "history.xlsx: no sheet '2024'; the sheets are 'Notes', '2025', 'titled'. "
        "Did you mean '2025'?\nSuggestion: pass one of these names as sheet=."
    )
    with pytest.raises(DataValidationError) as err:
        load(workbook, sheet="titled")
    assert str(err.value) == (
        "history.xlsx: the header is not on the first line: row 3 holds the column names "
        "(employee, period, kpi, actual); the first line read as the header was: "
        "'Report KPI Q1 2025'.\n"
        "Suggestion: delete the rows above row 3 (titles, notes, blank lines) so that the "
        "column names are on the first line, then load the file again."
    )
    with pytest.raises(DataValidationError) as err:
        load(workbook)  # the first sheet holds a note only
    assert str(err.value) == (
        "history.xlsx: no data rows: only a header (The data is on sheet 2025).\n"
        "Suggestion: export the data again with its rows."
    )


# --------------------------------------------------------------------------- long / wide
def test_long_table_other_order_case_extra_columns_and_partial_targets(tmp_path):
    path = Path("long.csv")
    path.write_text(
        "Region,PERIOD,Actual,Employee,KPI,Target,Comment\n"
        "North,2025-01,10,007,revenue,,first month\n"
        "North,2025-02,12,007,revenue,11,\n"
        "South,2025-01,5,8,revenue,6,x\n",
        encoding="utf-8",
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = load(path)
    assert [str(w.message) for w in caught] == [
        "long.csv: warnings:\n"
        "- column 'Comment': column ignored\n"
        "  Suggestion: rename it to one of employee, period, kpi, actual, target, role, team, "
        "region, manager if it is meant to be used."
    ]
    assert list(df.columns) == ["employee", "period", "kpi", "actual", "target", "region"]
    assert df["employee"].tolist() == ["007", "007", "8"]
    np.testing.assert_array_equal(df["target"].to_numpy(), [np.nan, 11.0, 6.0])
    assert df["region"].tolist() == ["North", "North", "South"]


def test_wide_table_with_target_columns(tmp_path):
    path = Path("wide.csv")
    path.write_text(
        "employee;period;revenue;target_revenue;sales_calls;target_sales_calls\n"
        "007;2025-01;100,5;90;5;\n"
        "008;2025-01;80;;7;6\n",
        encoding="utf-8",
    )
    df = quiet_load(path)
    assert df[["employee", "kpi", "actual"]].values.tolist() == [
        ["007", "revenue", 100.5],
        ["007", "sales_calls", 5.0],
        ["008", "revenue", 80.0],
        ["008", "sales_calls", 7.0],
    ]
    np.testing.assert_array_equal(df["target"].to_numpy(), [90.0, np.nan, np.nan, 6.0])


# --------------------------------------------------------------------------- real datasets
@needs_garment
def test_garment_factory_monthly_kpis_per_team(tmp_path):
    raw = pd.read_csv(GARMENT, dtype={"team": str})
    # as published: 'finishing' is also written with a trailing space
    assert sorted(raw["department"].unique()) == ["finishing", "finishing ", "sweing"]
    raw["employee"] = raw["department"].str.strip() + "-" + raw["team"]
    long = aggregate_events(
        raw,
        employee="employee",
        date="date",
        measures={
            "productivity": "mean(actual_productivity)",
            "targeted": "mean(targeted_productivity)",
            "incentive": "sum(incentive)",
        },
    )
    assert len(long) == 24 * 3 * 3  # 24 teams × Jan..Mar 2015 × 3 measures
    assert sorted(long["period"].unique()) == ["2015-01", "2015-02", "2015-03"]
    assert long.loc[long["kpi"] == "incentive", "actual"].sum() == raw["incentive"].sum() == 45738
    # one cell recomputed independently: sewing team 8, February 2015
    month = pd.to_datetime(raw["date"], format="%m/%d/%Y").dt.strftime("%Y-%m")
    rows = raw[(raw["employee"] == "sweing-8") & (month == "2015-02")]
    got = long.set_index(["employee", "period", "kpi"])["actual"]
    assert got[("sweing-8", "2015-02", "productivity")] == pytest.approx(
        rows["actual_productivity"].mean(), abs=1e-10
    )
    assert got[("sweing-8", "2015-02", "targeted")] == pytest.approx(
        rows["targeted_productivity"].mean(), abs=1e-10
    )
    path = Path("garment_kpis.csv")
    long.to_csv(path, index=False)
    report = check(path)
    assert report.ok
    assert report.issues.empty  # productivity, targeted, incentive: no issue at all


@needs_northwind
def test_northwind_orders_file_as_published_has_unquoted_commas(tmp_path, capsys):
    code, out, err = run(
        [
            "data",
            "aggregate",
            NORTHWIND / "orders.csv",
            "--employee",
            "employeeID",
            "--date",
            "orderDate",
            "--measure",
            "orders=count",
            "--out",
            Path("orders_kpis.csv"),
        ],
        capsys,
    )
    assert code == 2
    assert out == ""
    assert err.startswith(
        f"Error: {NORTHWIND / 'orders.csv'}: 1 problem in 176 rows; nothing was aggregated.\n"
        "- wrong number of fields (176 rows): row 4 ('15 of 14 fields: 10250,HANAR,4,"
        "1996-07-08 00:00:00.000,1996-08-05 00:00:00.00'), "
    )
    assert err.endswith(
        " … and 166 more\n"
        "  Suggestion: every line needs one value per header column; quote values that "
        "contain the delimiter.\n"
    )
    assert not (Path("orders_kpis.csv")).exists()


@pytest.fixture
def northwind_lines(tmp_path) -> Path:
    """Order lines with the order's employee and date; the address columns are not read."""
    orders = pd.read_csv(
        NORTHWIND / "orders.csv", header=None, skiprows=1, names=range(15), usecols=[0, 2, 3],
        dtype=str,
    )  # fmt: skip
    orders.columns = ["orderID", "employeeID", "orderDate"]
    details = pd.read_csv(NORTHWIND / "order-details.csv", dtype={"orderID": str})
    details["net"] = details["unitPrice"] * details["quantity"] * (1 - details["discount"])
    lines = details.merge(orders, on="orderID", how="left", validate="many_to_one")
    assert lines["employeeID"].notna().all()
    path = Path("order_lines.csv")
    lines[["orderID", "employeeID", "orderDate", "net"]].to_csv(path, index=False)
    return path


@needs_northwind
def test_northwind_revenue_and_orders_then_simulate_a_commission(northwind_lines, tmp_path, capsys):
    kpis = Path("kpis.csv")
    code, out, err = run(
        [
            "data",
            "aggregate",
            northwind_lines,
            "--employee",
            "employeeID",
            "--date",
            "orderDate",
            "--measure",
            "revenue=sum(net)",
            "--measure",
            "orders=nunique(orderID)",
            "--out",
            kpis,
        ],
        capsys,
    )
    assert (code, err) == (0, "")
    assert out == "Wrote 404 rows (9 employees, 23 periods, 2 KPIs) to kpis.csv.\n"
    long = quiet_load(kpis)
    revenue = long[long["kpi"] == "revenue"]
    assert revenue["actual"].sum() == pytest.approx(1_265_793.04, abs=0.005)
    assert long.loc[long["kpi"] == "orders", "actual"].sum() == 830

    scheme = Path("commission.yaml")
    scheme.write_text(
        yaml.safe_dump(
            {
                "name": "Commission",
                "on_target_pay": 1000,
                "components": [{"kpi": "revenue", "commission": {"rate": 0.05}}],
            }
        )
    )
    out_dir = Path("sim")
    code, out, err = run(["simulate", "--data", kpis, "--scheme", scheme, "--out", out_dir], capsys)
    assert (code, err) == (0, "")
    assert out.startswith("Simulated Commission on kpis.csv: 202 employee-periods.\n")
    payouts = pd.read_csv(out_dir / "payouts.csv", dtype={"employee": str, "component": str})
    metrics = pd.read_csv(out_dir / "metrics.csv")
    totals = payouts[payouts["component"] == "total"]
    assert len(totals) == 202  # 9 employees × their active months
    assert (totals["payout"] >= 0).all()
    assert metrics.loc[0, "total_cost"] == pytest.approx(totals["payout"].sum(), abs=1e-6)
    # 5% of every month's revenue, rounded to cents per employee-month
    assert metrics.loc[0, "total_cost"] == pytest.approx(0.05 * 1_265_793.04, abs=0.005 * 202)
    merged = totals[["employee", "period", "payout"]].merge(revenue, on=["employee", "period"])
    assert len(merged) == 202
    np.testing.assert_allclose(merged["payout"], 0.05 * merged["actual"], atol=0.005)


@needs_garment
def test_garment_productivity_bonus_with_targets_from_the_data(capsys):
    raw = pd.read_csv(GARMENT, dtype={"team": str})
    raw["employee"] = raw["department"].str.strip() + "-" + raw["team"]
    long = aggregate_events(
        raw,
        employee="employee",
        date="date",
        measures={
            "productivity": "mean(actual_productivity)",
            "targeted": "mean(targeted_productivity)",
        },
    )
    wide = long.pivot(index=["employee", "period"], columns="kpi", values="actual").reset_index()
    history = pd.DataFrame(
        {
            "employee": wide["employee"],
            "period": wide["period"],
            "kpi": "productivity",
            "actual": wide["productivity"],
            "target": wide["targeted"],
        }
    )
    history.to_csv("garment.csv", index=False)
    Path("bonus.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "Productivity bonus",
                "on_target_pay": 1000,
                "components": [
                    {
                        "kpi": "productivity",
                        "weight": 1.0,
                        "target": {"method": "from_data"},
                        "curve": {"points": [[0.8, 0.5], [1.0, 1.0], [1.2, 1.5]]},
                    }
                ],
            }
        )
    )
    code, out, err = run(
        ["simulate", "--data", "garment.csv", "--scheme", "bonus.yaml", "--out", "sim"], capsys
    )
    assert (code, err) == (0, "")
    assert out.startswith("Simulated Productivity bonus on garment.csv: 72 employee-periods.\n")
    assert out.endswith("Wrote sim/payouts.csv, sim/metrics.csv\n")
    payouts = pd.read_csv("sim/payouts.csv", dtype={"employee": str, "component": str})
    metrics = pd.read_csv("sim/metrics.csv")
    totals = payouts[payouts["component"] == "total"]
    assert len(totals) == 72
    assert metrics.loc[0, "total_cost"] == pytest.approx(totals["payout"].sum(), abs=1e-6)
    # hand rule: attainment = actual / target; nothing below 0.8, linear between the
    # points, flat at 1.5 above 1.2; pay = 1000 × factor in cents
    rows = payouts[payouts["component"] == "0"].merge(
        history, on=["employee", "period"], suffixes=("", "_data")
    )
    attainment = rows["actual_data"] / rows["target_data"]
    factor = np.where(attainment < 0.8, 0.0, np.interp(attainment, [0.8, 1.0, 1.2], [0.5, 1, 1.5]))
    np.testing.assert_allclose(rows["attainment"], attainment, rtol=1e-9)
    np.testing.assert_allclose(rows["payout"], np.round(1000 * factor, 2), atol=0.005)
    assert (rows["payout"] == 0).sum() == 2  # two finishing teams fell below 80% in March


def test_xlsx_event_export_with_cyrillic_headers_and_a_totals_row():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Менеджер", "Дата", "Сумма", None])
    ws.append([7, dt.datetime(2025, 1, 15, 13, 45), 100.5, None])
    ws.append(["007", "15.01.2025", "1 234,5", None])
    ws.append(["007", dt.datetime(2025, 2, 3), 10, None])
    ws.append([None, None, None, None])
    ws.append(["Итого", None, 1345, None])  # 1C puts the total under the data
    wb.save("продажи.xlsx")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        long = aggregate_events(
            "продажи.xlsx", employee="Менеджер", date="Дата", measures=["rev=sum(Сумма)", "n=count"]
        )
    assert [str(w.message) for w in caught] == [
        "продажи.xlsx: warnings:\n"
        "- column 'Дата': no date: event skipped (1 row): row 6\n"
        "  Suggestion: fill in the date if the event counts."
    ]
    assert long.values.tolist() == [
        ["007", "2025-01", "rev", 1234.5],
        ["007", "2025-01", "n", 1.0],
        ["007", "2025-02", "rev", 10.0],
        ["007", "2025-02", "n", 1.0],
        ["7", "2025-01", "rev", 100.5],
        ["7", "2025-01", "n", 1.0],
    ]


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    cents=st.lists(st.integers(-(10**11), 10**11), min_size=1, max_size=8),
    space=st.sampled_from([" ", "\u00a0"]),
)
def test_russian_number_format_reads_back_exactly(tmp_path_factory, cents, space):
    """``-1 234 567,89`` written the 1C way (any thousands space) reads back as the number."""

    def russian(c: int) -> str:
        whole, frac = divmod(abs(c), 100)
        groups = f"{whole:,}".replace(",", space)
        return f"{'-' if c < 0 else ''}{groups},{frac:02d}"

    body = "employee;period;kpi;actual\n" + "".join(
        f"e{i};2025-01;revenue;{russian(c)}\n" for i, c in enumerate(cents)
    )
    path = write_1c(tmp_path_factory.mktemp("ru") / "kpi.csv", body)
    df = quiet_load(path)
    assert df["actual"].tolist() == [c / 100 for c in cents]


def test_csv_title_line_without_delimiters_above_the_header():
    Path("kpi.csv").write_text(
        "KPI export January\nemployee;period;kpi;actual\n1;2025-01;revenue;1\n", encoding="utf-8"
    )
    with pytest.raises(DataValidationError) as err:
        load("kpi.csv")
    assert str(err.value) == (
        "kpi.csv: the header is not on the first line: row 2 holds the column names "
        "(employee, period, kpi, actual); the first line read as the header was: "
        "'KPI export January'.\n"
        "Suggestion: delete the rows above row 2 (titles, notes, blank lines) so that the "
        "column names are on the first line, then load the file again."
    )


def test_csv_whose_every_row_is_malformed_says_so_not_no_data_rows():
    # the title's comma makes ',' the delimiter: every real line then has 1 field of 2
    Path("kpi.csv").write_text(
        "KPI export, January\n\nemployee;period;kpi;actual\n1;2025-01;revenue;1\n",
        encoding="utf-8",
    )
    with pytest.raises(DataValidationError) as err:
        load("kpi.csv")
    assert str(err.value) == (
        "kpi.csv: 1 problem in 2 rows; nothing was read.\n"
        "- wrong number of fields (2 rows): row 3 ('1 of 2 fields: employee;period;kpi;actual'), "
        "row 4 ('1 of 2 fields: 1;2025-01;revenue;1')\n"
        "  Suggestion: every line needs one value per header column; quote values that contain "
        "the delimiter."
    )
    assert err.value.failure_cases["row"].tolist() == [3, 4]


def test_simulate_a_commission_on_a_1c_export(capsys):
    write_1c(
        Path("kpi.csv"),
        "employee;period;kpi;actual\n"
        "Иванов И.И.;15.01.2025;revenue;1 234 567,89\n"
        "Петров П.П.;31.01.2025;revenue;1\u00a0234,5\n",
    )
    Path("commission.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "Commission",
                "on_target_pay": 1000,
                "components": [{"kpi": "revenue", "commission": {"rate": 0.05}}],
            }
        )
    )
    code, out, err = run(
        ["simulate", "--data", "kpi.csv", "--scheme", "commission.yaml", "--out", "sim"], capsys
    )
    assert (code, err) == (0, "")
    payouts = pd.read_csv("sim/payouts.csv", dtype={"component": str}, encoding="utf-8")
    totals = payouts[payouts["component"] == "total"]
    # 5% of 1 234 567.89 = 61 728.3945 and of 1 234.5 = 61.725, in cents (half up)
    assert totals[["employee", "payout"]].values.tolist() == [
        ["Иванов И.И.", 61728.39],
        ["Петров П.П.", 61.73],
    ]
    metrics = pd.read_csv("sim/metrics.csv")
    assert metrics.loc[0, "total_cost"] == pytest.approx(61728.39 + 61.73, abs=1e-9)


@needs_garment
def test_garment_by_team_number_alone_warns_that_departments_mix(capsys):
    # team numbers repeat across departments: team 1 sews and finishes
    code, out, err = run(
        [
            "data",
            "aggregate",
            GARMENT,
            "--employee",
            "team",
            "--date",
            "date",
            "--measure",
            "productivity=mean(actual_productivity)",
            "--attr",
            "team=department",
            "--out",
            "teams.csv",
        ],
        capsys,
    )
    assert code == 0
    assert out == "Wrote 36 rows (12 employees, 3 periods, 1 KPIs) to teams.csv.\n"
    assert err == (
        "Warning: column 'department': several values in one employee × period: the most "
        "frequent one kept (36 cases): 1 × 2015-01, 1 × 2015-02, 1 × 2015-03, 10 × 2015-01, "
        "10 × 2015-02, 10 × 2015-03, 11 × 2015-01, 11 × 2015-02, 11 × 2015-03, 12 × 2015-01 "
        "… and 26 more (attribute 'team')\n"
        "  Suggestion: nothing to do if the employee moved during the period; otherwise check "
        "the column (is the employee id unique on its own?).\n"
    )
    teams = pd.read_csv("teams.csv", dtype=str)
    # team 1 in January 2015: 25 sewing days, 23 finishing days: sewing kept
    assert teams.iloc[0].tolist() == ["1", "2015-01", "productivity", "0.82814683", "sweing"]


def test_simulate_on_a_1c_export_with_roubles_and_percent_cells(capsys):
    # a 1C/Excel export as typed: amounts with "руб.", the margin as "31,5%", targets too
    write_1c(
        Path("kpi.csv"),
        "employee;period;kpi;actual;target\n"
        "Иванов И.И.;01.2025;revenue;1 000 000 руб.;1 000 000 руб.\n"
        "Иванов И.И.;01.2025;gross_margin_pct;36%;35%\n"
        "Петров П.П.;01.2025;revenue;1 200 000 р.;1 000 000\n"
        "Петров П.П.;01.2025;gross_margin_pct;31,5%;0,35\n",
    )
    Path("bonus.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "Bonus with a margin gate",
                "on_target_pay": 1000,
                "components": [
                    {
                        "kpi": "revenue",
                        "weight": 1.0,
                        "target": {"method": "from_data"},
                        "curve": {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]},
                    }
                ],
                "gates": [
                    {
                        "kpi": "gross_margin_pct",
                        "min_attainment": 0.9,
                        "target": {"method": "fixed", "value": 0.35},
                    }
                ],
            },
            allow_unicode=True,
        )
    )
    code, out, err = run(
        ["simulate", "--data", "kpi.csv", "--scheme", "bonus.yaml", "--out", "sim"], capsys
    )
    assert code == 0
    payouts = pd.read_csv("sim/payouts.csv", dtype={"component": str}, encoding="utf-8")
    totals = payouts[payouts["component"] == "total"]
    # Иванов: revenue 1.0 × target → factor 1.0 → 1000; margin 0.36 / 0.35 = 1.03 ≥ 0.9: paid
    # Петров: revenue 1.2 → 1.0 + (1.2 − 1.0) / 0.5 × 1.0 = 1.4 → 1400, but the margin
    # 0.315 / 0.35 = 0.9 reaches the gate exactly: paid (read as 31.5, it would be 90 ×)
    assert totals[["employee", "payout"]].values.tolist() == [
        ["Иванов И.И.", 1000.0],
        ["Петров П.П.", 1400.0],
    ]
    assert err == ""
    assert (
        "Warnings:\n"
        "  - kpi.csv: warnings:\n"
        "    - column 'actual': written with %, a currency or accounting brackets: read as "
        "numbers (4 rows): row 3 ('1 000 000 руб.' → 1000000), row 4 ('36%' → 0.36), "
        "row 5 ('1 200 000 р.' → 1200000), row 6 ('31,5%' → 0.315)\n"
        "    Suggestion: nothing to do if the readings are right (a percentage is kept as a "
        "fraction: 35% → 0.35); otherwise write plain numbers.\n"
        "    - column 'target': written with %, a currency or accounting brackets: read as "
        "numbers (2 rows): row 3 ('1 000 000 руб.' → 1000000), row 4 ('35%' → 0.35)\n"
    ) in out
