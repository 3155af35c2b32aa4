"""Tests for the `kpitools data check` and `kpitools data aggregate` commands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from kpitools.cli import main

LONG = (
    "employee,period,kpi,actual,target\n"
    "007,2025-01,revenue,1200.5,1000\n"
    "007,2025-02,revenue,900,1000\n"
    "008,2025-01,won_deals,3,4\n"
)
DEALS = (
    "sales_agent,deal_stage,close_date,close_value,office\n"
    "Anna,Won,2017-03-01,100,East\n"
    "Anna,Lost,2017-03-05,0,East\n"
    "Anna,Engaging,,,East\n"
    "Bob,Won,2017-04-10,250.5,West\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(args: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(args)
    except SystemExit as exc:  # commands signal "checks failed" with SystemExit
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_check_clean_file_exits_0(tmp_path, capsys):
    path = write(tmp_path, "long.csv", LONG)
    code, out, err = run(["data", "check", str(path)], capsys)
    assert (code, err) == (0, "")
    assert out == (
        "Data quality report\n"
        f"  file:            {path}\n"
        "  layout:          long\n"
        "  rows read:       3\n"
        "  rows kept:       3\n"
        "  employees:       2\n"
        "  periods:         2025-01 .. 2025-02 (2)\n"
        "  KPIs:            revenue, won_deals\n"
        "Values per KPI:\n"
        "  kpi        unit      rows  employees  min    median      max\n"
        "  revenue    currency     2          1  900  1,050.25  1,200.5\n"
        "  won_deals  count        1          1    3         3        3\n"
        "Issues: none\n"
        "Result: OK\n"
    )


def test_check_of_a_wide_file_counts_long_rows(tmp_path, capsys):
    path = write(tmp_path, "wide.csv", "employee,period,revenue,won_deals\n007,2025-01,100,3\n")
    code, out, err = run(["data", "check", str(path)], capsys)
    assert (code, err) == (0, "")
    assert out == (
        "Data quality report\n"
        f"  file:            {path}\n"
        "  layout:          wide\n"
        "  rows read:       1\n"
        "  long rows kept:  2\n"
        "  employees:       1\n"
        "  periods:         2025-01 .. 2025-01 (1)\n"
        "  KPIs:            revenue, won_deals\n"
        "Values per KPI:\n"
        "  kpi        unit      rows  employees  min  median  max\n"
        "  revenue    currency     1          1  100     100  100\n"
        "  won_deals  count        1          1    3       3    3\n"
        "Issues: none\n"
        "Result: OK\n"
    )


def test_check_with_errors_exits_2_and_lists_every_issue(tmp_path, capsys):
    path = write(
        tmp_path,
        "bad.csv",
        LONG + "008,2025-13,won_deals,-1,4\n009,2025-01,won_deals,abc,\n009,2025-01,revnue,1,\n",
    )
    code, out, err = run(["data", "check", str(path)], capsys)
    assert (code, err) == (2, "")
    assert out == (
        "Data quality report\n"
        f"  file:            {path}\n"
        "  layout:          long\n"
        "  rows read:       6\n"
        "  rows kept:       4\n"
        "  employees:       3\n"
        "  periods:         2025-01 .. 2025-02 (2)\n"
        "  KPIs:            revenue, won_deals, revnue\n"
        "Values per KPI:\n"
        "  kpi        unit      rows  employees  min    median      max\n"
        "  revenue    currency     2          1  900  1,050.25  1,200.5\n"
        "  won_deals  count        1          1    3         3        3\n"
        "  revnue     -            1          1    1         1        1\n"
        "Issues: 3 error(s), 1 warning(s)\n"
        "  - column 'period': cannot read the period (1 row): row 5 ('2025-13')\n"
        "    Suggestion: write periods as YYYY-MM (2025-01), YYYY-Qn (2025-Q1) or a date "
        "(2025-01-15).\n"
        "  - column 'actual': negative value for a KPI that cannot be negative (1 row): "
        "row 5 ('won_deals = -1.0')\n"
        "    Suggestion: check the sign; a negative count or duration is a data entry error.\n"
        "  - column 'actual': not a number (1 row): row 6 ('abc')\n"
        "    Suggestion: write plain numbers (1234.5, or 1234,5 in a ';' file) without units "
        "or text.\n"
        "  - column 'kpi': KPI not in the library (1 row): row 7 ('revnue')\n"
        "    Did you mean 'revnue' → 'revenue'?\n"
        "    Suggestion: check the spelling, or add the KPI to your own library file.\n"
        "Result: errors found: fix them and check again (nothing was loaded).\n"
    )


def test_check_warnings_alone_exit_0_and_no_library_skips_them(tmp_path, capsys):
    path = write(tmp_path, "w.csv", "employee,period,kpi,actual\nA,2025-01,my_kpi,1\n")
    code, out, _ = run(["data", "check", str(path)], capsys)
    assert code == 0
    assert out.splitlines()[-1] == "Result: OK (with warnings)"
    code, out, _ = run(["data", "check", str(path), "--no-library"], capsys)
    assert code == 0
    assert out.splitlines()[-2:] == ["Issues: none", "Result: OK"]


def test_check_sum_duplicates_and_layout_options(tmp_path, capsys):
    path = write(tmp_path, "d.csv", "employee,period,kpi,actual\nA,2025-01,x,1\nA,2025-01,x,2\n")
    code, out, _ = run(["data", "check", str(path), "--no-library"], capsys)
    assert code == 2
    code, out, _ = run(["data", "check", str(path), "--no-library", "--sum-duplicates"], capsys)
    assert code == 0
    assert "  rows kept:       1\n" in out
    wide = write(tmp_path, "wide.csv", "employee,period,won_deals\nA,2025-01,3\n")
    code, out, _ = run(["data", "check", str(wide)], capsys)
    assert code == 0
    assert "  layout:          wide\n" in out
    code, out, err = run(["data", "check", str(wide), "--layout", "long"], capsys)
    assert (code, out) == (2, "")
    assert (
        err.splitlines()[0] == f"Error: {wide}: missing columns 'kpi', 'actual' for a long table."
    )


def test_check_unreadable_file_prints_one_message(tmp_path, capsys):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    code, out, err = run(["data", "check", str(path)], capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"Error: {path}: this is not a CSV text file: it looks like a PNG image.\n"
        "Suggestion: export the data as CSV (UTF-8), XLSX or Parquet.\n"
    )


def test_aggregate_writes_the_long_table(tmp_path, capsys):
    events = write(tmp_path, "deals.csv", DEALS)
    out_file = tmp_path / "out" / "kpis.csv"
    code, out, err = run(
        [
            "data",
            "aggregate",
            str(events),
            "--employee",
            "sales_agent",
            "--date",
            "close_date",
            "--measure",
            "won_revenue=sum(close_value) where deal_stage == Won",
            "--measure",
            "deals=count",
            "--attr",
            "region=office",
            "--out",
            str(out_file),
        ],
        capsys,
    )
    assert code == 0
    assert out == f"Wrote 4 rows (2 employees, 2 periods, 2 KPIs) to {out_file}.\n"
    assert err == (
        "Warning: column 'close_date': no date: event skipped (1 row): row 4\n"
        "  Suggestion: fill in the date if the event counts.\n"
    )
    assert out_file.read_text(encoding="utf-8") == (
        "employee,period,kpi,actual,region\n"
        "Anna,2017-03,won_revenue,100,East\n"
        "Anna,2017-03,deals,2,East\n"
        "Bob,2017-04,won_revenue,250.5,West\n"
        "Bob,2017-04,deals,1,West\n"
    )


def test_aggregate_quarterly_to_xlsx(tmp_path, capsys):
    events = write(tmp_path, "deals.csv", DEALS)
    out_file = tmp_path / "kpis.xlsx"
    code, _, _ = run(
        [
            "data",
            "aggregate",
            str(events),
            "--employee",
            "sales_agent",
            "--date",
            "close_date",
            "--measure",
            "deals=count",
            "--period",
            "quarter",
            "--out",
            str(out_file),
        ],
        capsys,
    )
    assert code == 0
    got = pd.read_excel(out_file, dtype={"employee": str})
    assert got.values.tolist() == [["Anna", "2017-Q1", "deals", 2], ["Bob", "2017-Q2", "deals", 1]]


@pytest.mark.parametrize(
    ("measure", "expected"),
    [
        (
            "x=__import__('os').system('id')",
            "Error: Measure \"x=__import__('os').system('id')\", column 3: unknown function "
            "'__import__'; only count, sum, mean, nunique exist.\n",
        ),
        (
            "x=sum(close_value.__class__)",
            "Error: Measure 'x=sum(close_value.__class__)', column 7: 'close_value.__class__' is "
            "not a column name (no attribute access).\n",
        ),
    ],
)
def test_aggregate_rejects_injection_without_writing(tmp_path, capsys, measure, expected):
    events = write(tmp_path, "deals.csv", DEALS)
    out_file = tmp_path / "kpis.csv"
    args = ["data", "aggregate", str(events), "--employee", "sales_agent", "--date", "close_date"]
    code, out, err = run([*args, "--measure", measure, "--out", str(out_file)], capsys)
    assert (code, out) == (2, "")
    assert err.startswith(expected)
    assert "Traceback" not in err
    assert not out_file.exists()


def test_aggregate_refuses_an_unknown_out_extension_before_aggregating(tmp_path, capsys):
    events = write(tmp_path, "deals.csv", DEALS)
    out_file = tmp_path / "kpis.txt"
    args = ["data", "aggregate", str(events), "--employee", "sales_agent", "--date", "close_date"]
    # the measure is bad too: the --out error comes first, so nothing was aggregated
    code, out, err = run([*args, "--measure", "x=median(y)", "--out", str(out_file)], capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"Error: {out_file}: cannot write '.txt'.\n"
        "Suggestion: end the file name with .csv, .xlsx or .parquet.\n"
    )
    assert list(tmp_path.iterdir()) == [events]


def test_help_shows_examples(capsys):
    code, out, _ = run(["data", "aggregate", "--help"], capsys)
    assert code == 0
    assert "--measure 'won_revenue=sum(close_value) where deal_stage == Won'" in out
    code, out, _ = run(["data", "check", "--help"], capsys)
    assert code == 0
    assert "kpitools data check reports/demo/data.csv" in out


def test_console_exit_code_and_no_traceback(tmp_path):
    path = write(tmp_path, "bad.csv", "employee,period,kpi,actual\nA,2025-01,x,oops\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from kpitools.cli import main; sys.exit(main(sys.argv[1:]))",
            "data",
            "check",
            str(path),
            "--no-library",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "  - column 'actual': not a number (1 row): row 2 ('oops')" in proc.stdout


def test_check_reads_spreadsheet_numbers_and_says_so(tmp_path, capsys):
    path = write(
        tmp_path,
        "money.csv",
        "employee,period,kpi,actual,target\n"
        '007,2025-01,revenue,"$1,200.50",USD 1000\n'
        "008,2025-01,revenue,(200),1000\n",  # accounting negative: -200
    )
    code, out, err = run(["data", "check", str(path), "--no-library"], capsys)
    assert (code, err) == (0, "")
    assert out == (
        "Data quality report\n"
        f"  file:            {path}\n"
        "  layout:          long\n"
        "  rows read:       2\n"
        "  rows kept:       2\n"
        "  employees:       2\n"
        "  periods:         2025-01 .. 2025-01 (1)\n"
        "  KPIs:            revenue\n"
        "Values per KPI:\n"
        "  kpi      unit  rows  employees          min       median          max\n"
        "  revenue  -        1          1  1,200.5 USD  1,200.5 USD  1,200.5 USD\n"
        "  revenue  -        1          1         -200         -200         -200\n"
        "Issues: 0 error(s), 2 warning(s)\n"
        "  - column 'actual': written with %, a currency or accounting brackets: read as "
        "numbers (2 rows): row 2 ('$1,200.50' → 1200.5), row 3 ('(200)' → -200)\n"
        "    Suggestion: nothing to do if the readings are right (a percentage is kept as a "
        "fraction: 35% → 0.35); otherwise write plain numbers.\n"
        "  - column 'target': written with %, a currency or accounting brackets: read as "
        "numbers (1 row): row 2 ('USD 1000' → 1000)\n"
        "    Suggestion: nothing to do if the readings are right (a percentage is kept as a "
        "fraction: 35% → 0.35); otherwise write plain numbers.\n"
        "Result: OK (with warnings)\n"
    )


def test_check_excel_errors_exit_2(tmp_path, capsys):
    path = write(tmp_path, "e.csv", "employee,period,kpi,actual\n007,2025-01,revenue,#DIV/0!\n")
    code, out, err = run(["data", "check", str(path), "--no-library"], capsys)
    assert (code, err) == (2, "")
    assert out.splitlines()[-3:] == [
        "  - column 'actual': the cell holds an Excel error value (#N/A, #DIV/0!, #VALUE! …), "
        "not a number (1 row): row 2 ('#DIV/0!')",
        "    Suggestion: fix the formula in the source sheet so that it gives a number (or clear "
        "the cell if there is no value), then save or export the file again.",
        "Result: errors found: fix them and check again (nothing was loaded).",
    ]


CRM_DEALS = (
    "sales_agent,deal_stage,close_date,close_value\n"
    'Anna,Won,2017-03-01,"$1,200.50"\n'
    "Anna,Won,2017-03-05,$99.50\n"
    "Bob,Won,2017-04-10,250\n"
)


def aggregate_args(events: Path, out_file: Path) -> list[str]:
    return [
        "data",
        "aggregate",
        str(events),
        "--employee",
        "sales_agent",
        "--date",
        "close_date",
        "--measure",
        "won_revenue=sum(close_value) where deal_stage == Won",
        "--measure",
        "avg=mean(close_value)",
        "--out",
        str(out_file),
    ]


def test_aggregate_reads_currency_cells_and_warns_once_per_column(tmp_path, capsys):
    events = write(tmp_path, "crm.csv", CRM_DEALS)
    out_file = tmp_path / "kpis.csv"
    code, out, err = run(aggregate_args(events, out_file), capsys)
    assert code == 0
    assert err == (
        "Warning: column 'close_value': written with %, a currency or accounting brackets: "
        "read as numbers (2 rows): row 2 ('$1,200.50' → 1200.5), row 3 ('$99.50' → 99.5)\n"
        "  Suggestion: nothing to do if the readings are right (a percentage is kept as a "
        "fraction: 35% → 0.35); otherwise write plain numbers.\n"
    )
    assert out_file.read_text(encoding="utf-8") == (
        "employee,period,kpi,actual\n"
        "Anna,2017-03,won_revenue,1300\n"  # 1200.50 + 99.50
        "Anna,2017-03,avg,650\n"  # 1300 / 2
        "Bob,2017-04,won_revenue,250\n"
        "Bob,2017-04,avg,250\n"
    )


def test_aggregate_names_excel_errors(tmp_path, capsys):
    events = write(tmp_path, "crm.csv", CRM_DEALS.replace("$99.50", "#N/A"))
    out_file = tmp_path / "kpis.csv"
    code, out, err = run(aggregate_args(events, out_file), capsys)
    assert code == 2
    assert not out_file.exists()
    assert (
        "- column 'close_value': the cell holds an Excel error value (#N/A, #DIV/0!, #VALUE! …), "
        "not a number (1 row): row 3 ('#N/A') (in measure 'won_revenue')\n"
        "  Suggestion: fix the formula in the source sheet so that it gives a number (or clear "
        "the cell if there is no value), then save or export the file again."
    ) in err


def test_aggregate_counts_a_bad_cell_once_when_two_measures_read_it(tmp_path, capsys):
    # before: "not a number (2 rows): row 3 ('x'), row 3 ('x')", once per measure
    events = write(tmp_path, "crm.csv", CRM_DEALS.replace("$99.50", "x"))
    code, out, err = run(aggregate_args(events, tmp_path / "kpis.csv"), capsys)
    assert code == 2
    assert err.splitlines()[1:] == [
        "- column 'close_value': not a number (1 row): row 3 ('x') (in measure 'won_revenue')",
        "  Suggestion: write plain numbers without units or text, or filter the rows out with "
        "'where'.",
    ]


def test_aggregate_names_formulas_excel_never_calculated(tmp_path, capsys):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["sales_agent", "deal_stage", "close_date", "close_value"])
    ws.append(["Anna", "Won", "2017-03-01", 100])
    ws.append(["Anna", "Won", "2017-03-05", "=D2*2"])  # a script wrote it: no cached value
    ws.append(["Bob", "Won", "2017-04-10", None])  # truly empty: a warning (not shown here)
    events = tmp_path / "crm.xlsx"
    wb.save(events)
    code, out, err = run(aggregate_args(events, tmp_path / "kpis.csv"), capsys)
    assert code == 2
    assert err.splitlines()[1:] == [
        "- column 'close_value': formula without a calculated value (the workbook was saved by "
        "a program that does not calculate formulas): the value is unknown (1 row): "
        "row 3 ('=D2*2') (in measure 'won_revenue')",
        "  Suggestion: open the workbook in Excel (or LibreOffice) and save it, so that the "
        "formulas are calculated, or export the sheet to CSV; then load it again.",
    ]


def test_check_with_a_roster_and_a_filter_says_what_each_did(tmp_path, capsys):
    path = write(tmp_path, "long.csv", LONG)
    roster = write(
        tmp_path, "roster.csv", "employee,team,region\n007,A,East\n008,B,West\n009,B,West\n"
    )
    code, out, err = run(
        ["data", "check", str(path), "--roster", str(roster), "--where", "region == East"], capsys
    )
    assert (code, err) == (0, "")
    lines = out.splitlines()
    start = lines.index("Roster and filter:")
    assert lines[start : start + 8] == [
        "Roster and filter:",
        f"  - roster {roster}: 3 employees; attributes: team, region.",
        f"  - 1 employee of {roster} has no rows in {path} (no results invented; "
        "paid only by team or manager schemes): 009.",
        "  - where region == East: kept 2 of 3 rows (1 employee).",
        "Values per KPI:",
        "  kpi      unit      rows  employees  min    median      max",
        "  revenue  currency     2          1  900  1,050.25  1,200.5",
        "Issues: none",
    ]


def test_check_with_a_filter_on_a_value_that_never_occurs_exits_2(tmp_path, capsys):
    path = write(tmp_path, "long.csv", LONG)
    roster = write(tmp_path, "roster.csv", "employee,region\n007,East\n008,West\n")
    code, out, err = run(
        ["data", "check", str(path), "--roster", str(roster), "--where", "region == east"], capsys
    )
    assert code == 2
    assert "the value 'east' never occurs in column 'region'. Did you mean 'East'" in err


def test_aggregate_where_keeps_only_the_events_of_a_date_window(tmp_path, capsys):
    events = write(tmp_path, "deals.csv", DEALS)
    out_file = tmp_path / "kpis.csv"
    code, out, err = run(
        ["data", "aggregate", str(events), "--employee", "sales_agent", "--date", "close_date",
         "--measure", "won=count where deal_stage == Won", "--where",
         "close_date between 2017-03-02 and 2017-04-30", "--out", str(out_file)],
        capsys,
    )  # fmt: skip
    assert (code, err) == (
        0,
        "Warning: column 'close_date': no date: event skipped (1 row): row 4\n"
        "  Suggestion: fill in the date if the event counts.\n",
    )
    table = pd.read_csv(out_file)
    # Anna's only deal in the window is lost (2017-03-05): 0 won in March; Bob's win in April
    assert table[["employee", "period", "kpi", "actual"]].values.tolist() == [
        ["Anna", "2017-03", "won", 0],
        ["Bob", "2017-04", "won", 1],
    ]


def test_aggregate_measure_with_a_value_in_the_wrong_case_is_an_error_not_zeros(tmp_path, capsys):
    events = write(tmp_path, "deals.csv", DEALS)
    out_file = tmp_path / "kpis.csv"
    code, out, err = run(
        ["data", "aggregate", str(events), "--employee", "sales_agent", "--date", "close_date",
         "--measure", "won=count where deal_stage == won", "--out", str(out_file)],
        capsys,
    )  # fmt: skip
    assert code == 2 and out == "" and not out_file.exists()
    assert "'won' never occurs in column 'deal_stage'" in err
    assert "Did you mean 'Won'?" in err


def test_check_shows_money_values_in_their_currency(tmp_path, capsys):
    path = write(
        tmp_path,
        "usd_eur.csv",
        "employee,period,kpi,actual\n"
        'a,2025-01,revenue,"$1,100"\n'
        'b,2025-01,revenue,"€1.100,50"\n'
        "c,2025-01,revenue,900\n"
        "c,2025-01,new_clients,3\n",
    )
    code, out, err = run(["data", "check", str(path), "--currency", "usd"], capsys)
    assert (code, err) == (0, "")
    values = out[out.index("Values per KPI:") : out.index("Issues:")]
    assert values == (
        "Values per KPI:\n"
        "  kpi          unit      rows  employees          min       median          max\n"
        "  revenue      currency     2          2      900 USD    1,000 USD    1,100 USD\n"
        "  revenue      currency     1          1  1,100.5 EUR  1,100.5 EUR  1,100.5 EUR\n"
        "  new_clients  count        1          1            3            3            3\n"
    )
    code, out, err = run(["data", "check", str(path), "--currency", "dollars"], capsys)
    assert (code, out) == (2, "")
    assert err == (
        "Error: --currency: 'dollars' is not an ISO 4217 currency code.\n"
        "Suggestion: write an ISO 4217 code such as USD, EUR or RUB.\n"
    )
