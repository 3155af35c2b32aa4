"""A batch of the shipped report notebook: one data file split per client, with an override.

Two business units in one export (East, West) become two clients with ``where:``; West has
its own roster and its own on-target pay and budget (``overrides:``). The payouts are worked
by hand: a flat bonus of 1,000 × attainment against a fixed target of 100.
"""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

from kpitools.cli import main
from kpitools.report import file_sha256

MANIFEST = """\
defaults:
  data: exports/deals_kpis.csv
  design: ""
  schemes: [schemes/flat.yaml]
  currency: USD
  forecast_draws: 0
  formats: xlsx
clients:
  - client: East
    where: region == East
  - client: West
    where: region == West
    roster: hr/west.csv
    overrides:
      flat: {on_target_pay: 2000, budget: 5000}
"""


@pytest.fixture(scope="module")
def split_batch(tmp_path_factory, write_flat_scheme, write_two_units):
    root = tmp_path_factory.mktemp("split")
    for folder in ("exports", "schemes", "hr"):
        (root / folder).mkdir()
    write_two_units(root / "exports" / "deals_kpis.csv")
    pd.DataFrame({"employee": ["b1", "b2"], "team": ["Hunters", "Farmers"]}).to_csv(
        root / "hr" / "west.csv", index=False
    )
    write_flat_scheme(root / "schemes" / "flat.yaml")
    (root / "batch.yaml").write_text(MANIFEST)
    out = root / "out"
    code = main(["batch", str(root / "batch.yaml"), "--out", str(out), "--jobs", "2"])
    return {"root": root, "out": out, "code": code}


def _sheet(path, name):
    ws = openpyxl.load_workbook(path)[name]
    header = [c.value for c in ws[1]]
    return [
        dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)
    ]


def _totals(path):
    rows = _sheet(path, "Payouts")
    return {r["employee"]: r["payout"] for r in rows if r["component"] == "total"}


def test_each_client_is_paid_on_its_own_rows(split_batch):
    assert split_batch["code"] == 0
    out = split_batch["out"]
    # East: 1,000 × 0.8 and 1,000 × 1.4
    assert _totals(out / "East" / "payouts.xlsx") == {"a1": 800.0, "a2": 1400.0}
    (east,) = _sheet(out / "East" / "payouts.xlsx", "Summary")
    assert east["total_cost"] == 2200.0
    # West with its own on-target pay: 2,000 × 1.5 and 2,000 × 0.5 (1,500 and 500 without)
    assert _totals(out / "West" / "payouts.xlsx") == {"b1": 3000.0, "b2": 1000.0}
    (west,) = _sheet(out / "West" / "payouts.xlsx", "Summary")
    assert west["total_cost"] == 4000.0
    # and its own budget: (4,000 − 5,000) / 5,000
    assert west["budget_variance"] == pytest.approx(-0.2)
    # West's roster gives it teams: a sheet by team; East has no roster, no such sheet
    assert [(r["team"], r["employees"], r["total_cost"]) for r in _sheet(
        out / "West" / "payouts.xlsx", "By team"
    )] == [("Farmers", 1, 1000.0), ("Hunters", 1, 3000.0)]  # fmt: skip
    assert openpyxl.load_workbook(out / "East" / "payouts.xlsx").sheetnames == [
        "Summary",
        "Assumptions",
        "Payouts",
        "By employee",
        "Winners and losers",
    ]


def test_the_batch_records_each_clients_filter_roster_and_overrides(split_batch):
    root, out = split_batch["root"], split_batch["out"]
    record = json.loads((out / "batch.json").read_text())
    assert record["manifest"] == {
        "path": str((root / "batch.yaml").resolve()),
        "sha256": file_sha256(root / "batch.yaml"),
    }
    data = str((root / "exports" / "deals_kpis.csv").resolve())
    roster = str((root / "hr" / "west.csv").resolve())
    assert [
        {k: c[k] for k in ("client", "status", "data", "where", "roster", "by", "overrides")}
        for c in record["clients"]
    ] == [
        {
            "client": "East",
            "status": "ok",
            "data": data,
            "where": "region == East",
            "roster": None,
            "by": [],
            "overrides": {},
        },
        {
            "client": "West",
            "status": "ok",
            "data": data,
            "where": "region == West",
            "roster": {"name": "roster", "path": roster, "sha256": file_sha256(roster)},
            "by": [],
            "overrides": {"flat": {"on_target_pay": 2000, "budget": 5000}},
        },
    ]
    west = json.loads((out / "West" / "manifest.json").read_text())
    assert west["parameters"]["where"] == "region == West"
    assert west["parameters"]["overrides"] == {"flat": {"on_target_pay": 2000, "budget": 5000}}
    assert {"name": "roster", "path": roster, "sha256": file_sha256(roster)} in west["inputs"]
