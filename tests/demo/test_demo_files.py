"""The demo company's files: written atomically, read back equal."""

from __future__ import annotations

import pandas as pd
import pytest

from kpitools.demo import DEMO_FILES, write_demo
from kpitools.demo.write import write_frames
from kpitools.errors import KpitoolsError


def test_write_demo_writes_csvs_that_read_back_equal(tmp_path, company):
    paths = write_demo(tmp_path / "demo")
    assert {key: path.name for key, path in paths.items()} == {
        "data": "data.csv",
        "deals": "deals.csv",
        "employees": "employees.csv",
        "roster": "roster.csv",
    }
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == [
        "data.csv",
        "deals.csv",
        "employees.csv",
        "roster.csv",
    ]
    data = pd.read_csv(paths["data"], dtype={"employee": str})
    pd.testing.assert_frame_equal(data, company.data, check_exact=True)
    deals = pd.read_csv(paths["deals"], dtype={"sales_agent": str})
    pd.testing.assert_frame_equal(deals, company.deals, check_exact=True)
    employees = pd.read_csv(paths["employees"], dtype={"employee": str})
    pd.testing.assert_frame_equal(employees, company.employees, check_exact=True)


def test_the_company_writes_its_own_files_byte_identical_to_write_demo(tmp_path, company):
    written = company.write(tmp_path / "a")
    again = write_demo(tmp_path / "b")
    assert list(written) == list(DEMO_FILES) == ["data", "deals", "employees", "roster"]
    for key, path in written.items():
        assert path.read_bytes() == again[key].read_bytes()
    # 15 significant digits: cents exact, counts without ".0", Unix line ends
    head = written["data"].read_text().splitlines()[:2]
    assert head[0] == "employee,period,kpi,actual,target,role,team,region,manager"
    assert b"\r\n" not in written["deals"].read_bytes()


def test_a_file_in_the_way_is_refused_and_left_alone(tmp_path, company):
    target = tmp_path / "taken"
    target.write_text("x")
    with pytest.raises(KpitoolsError) as info:
        write_frames({"data": company.data}, target)
    assert str(info.value) == (
        f"Cannot write the demo company into {str(target)!r}: it is a file, not a folder.\n"
        "Suggestion: pass a folder name, e.g. --out reports/demo."
    )
    assert target.read_text() == "x"
