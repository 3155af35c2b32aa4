"""`kpitools demo`: the files, the printed summary, the data check, a bad output folder."""

from __future__ import annotations

import pandas as pd
import pytest

from kpitools.cli import main
from kpitools.cli.demo import run_demo
from kpitools.errors import KpitoolsError

SALES_ROLES = ["sales_rep", "key_account_manager"]


@pytest.fixture(scope="module")
def company(demo_company):
    """The demo company of the default seed (built once per run, tests/conftest.py)."""
    return demo_company


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One ``run_demo`` for the tests that read what it printed and returned."""
    out = tmp_path_factory.mktemp("run") / "reports" / "demo"
    lines: list[str] = []
    result = run_demo(out, echo=lines.append)
    return out, lines, result


def test_run_demo_prints_a_summary_of_the_data(demo_run, company):
    out, lines, result = demo_run
    data, emp = company.data, company.employees
    assert sorted(result["files"]) == ["data", "deals", "employees", "roster"]
    assert all(path.is_file() for path in result["files"].values())
    assert result["summary"] == "\n".join(lines)
    assert lines[0] == "Northstar Components - demo company (seed 2027)"
    assert lines[-1] == f"Output folder: {out}"

    start, end = company.periods[0], company.periods[-1]
    assert f"Months: 36 ({start} to {end})" in lines
    assert (
        f"People: {len(emp)} on the roster ({(emp['first_period'] == start).sum()} at the start, "
        f"{(emp['first_period'] > start).sum()} hired, {(emp['last_period'] < end).sum()} left, "
        f"{(emp['last_period'] == end).sum()} at the end)"
    ) in lines

    def row(*start: str) -> list[str]:
        found = [line.split() for line in lines if tuple(line.split()[: len(start)]) == start]
        assert len(found) == 1
        return found[0]

    rows = data[(data["role"] == "sales_rep") & (data["kpi"] == "revenue")]
    share = (rows["actual"] >= rows["target"]).mean()
    total = rows["actual"].sum()
    assert row("sales_rep", "revenue") == [
        "sales_rep",
        "revenue",
        f"{len(rows):,}",
        f"{total:,.2f}",
        "RUB",
        f"{len(rows):,}",
        f"{share:.0%}",
    ]
    meetings = data[(data["role"] == "key_account_manager") & (data["kpi"] == "meetings")]
    assert row("key_account_manager", "meetings") == [
        "key_account_manager",
        "meetings",
        f"{len(meetings):,}",
        f"{meetings['actual'].sum():,.0f}",
    ]
    nps = data[(data["role"] == "sales_rep") & (data["kpi"] == "nps")]
    assert row("sales_rep", "nps") == [
        "sales_rep",
        "nps",
        f"{len(nps):,}",
        f"{nps['actual'].mean():,.1f}",
        "(mean)",
    ]
    sales = data[data["role"].isin(SALES_ROLES)]
    for year in ("2024", "2025", "2026"):
        rows = sales[sales["period"].str.startswith(year)]
        revenue = rows.loc[rows["kpi"] == "revenue", "actual"].sum()
        won = rows.loc[rows["kpi"] == "won_deals", "actual"].sum()
        closed = rows.loc[rows["kpi"] == "closed_deals", "actual"].sum()
        growth = []
        if year != "2024":
            before = sales[sales["period"].str.startswith(str(int(year) - 1))]
            growth = [
                f"{revenue / before.loc[before['kpi'] == 'revenue', 'actual'].sum() - 1:+.1%}"
            ]
        assert row(year) == [
            year,
            "12",
            f"{revenue:,.2f}",
            "RUB",
            *growth,
            f"{won:,.0f}",
            f"{won / closed:.1%}",
        ]
    planted = lines.index("Planted in the data (ground truth in employees.csv):")
    assert lines[planted + 1] == (
        f"  {emp['is_quarter_end_timer'].sum()} quarter-end timers, {emp['hired'].sum()} new hires "
        f"ramping up, {emp['left'].sum()} leavers."
    )
    team = emp[emp["team"] == "North 1"]
    assert row("sales_rep", "North", "1") == [
        "sales_rep",
        "North",
        "1",
        "North",
        "M01",
        str(len(team)),
        str(team["hired"].sum()),
        str(team["left"].sum()),
    ]


def test_run_demo_checks_its_data_with_the_data_layer(demo_run, company):
    _, lines, result = demo_run
    report = result["check"]
    assert report.ok and report.rows_read == report.rows_kept == len(company.data)
    assert (
        f"Data check: OK - {len(company.data):,} rows read, {len(company.data):,} kept, 0 issues"
    ) in lines
    pd.testing.assert_frame_equal(
        report.data.reset_index(drop=True), company.data, check_exact=True
    )


def test_cli_demo_writes_the_files(tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["demo", "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "Northstar Components - demo company (seed 2027)"
    assert printed[-1] == f"Output folder: {out}"
    assert sorted(p.name for p in out.iterdir()) == [
        "data.csv",
        "deals.csv",
        "employees.csv",
        "roster.csv",
    ]


def test_run_demo_refuses_a_file_as_output_folder(tmp_path):
    target = tmp_path / "taken"
    target.write_text("x")
    with pytest.raises(KpitoolsError) as info:
        run_demo(target, echo=lambda line: None)
    assert str(info.value) == (
        f"Cannot write the demo company into {str(target)!r}: it is a file, not a folder.\n"
        "Suggestion: pass a folder name, e.g. --out reports/demo."
    )
    assert target.read_text() == "x"


def test_cli_demo_refuses_a_file_as_output_folder(tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("x")
    assert main(["demo", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (
        f"Error: Invalid value for '--out': Directory {str(target)!r} is a file."
    )
    assert target.read_text() == "x"


def test_run_demo_lists_every_file_with_its_rows(demo_run, company):
    _, lines, result = demo_run
    files = lines[lines.index("Files:") + 1 : -1]
    expected = {
        "data": len(company.data),
        "deals": len(company.deals),
        "employees": len(company.employees),
        "roster": len(company.employees) + company.employees["manager"].nunique(),
    }
    assert [line.split() for line in files] == [
        [str(result["files"][key]), f"{n:,}"] for key, n in expected.items()
    ]
