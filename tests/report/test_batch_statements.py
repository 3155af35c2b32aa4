"""Batch clients get their recommendation.json and, when asked, their statements.

Two clients of one manifest: East asks for statements (``statements: true``) and a stricter
decision rule (``recommendation:``); West takes the defaults. Payouts by hand: a flat bonus of
1,000 × attainment against a fixed target of 100 (a1 80 → 800, a2 140 → 1,400).
"""

from __future__ import annotations

import json

import pytest
from pypdf import PdfReader

from kpitools.cli import main

MANIFEST = """\
defaults:
  data: deals_kpis.csv
  design: ""
  schemes: [flat.yaml]
  currency: USD
  forecast_draws: 0
  formats: xlsx
clients:
  - client: East
    where: region == East
    statements: true
    recommendation: {min_pay_performance_corr: 0.9, cost_tie: 0.02}
  - client: West
    where: region == West
"""


@pytest.fixture(scope="module")
def batch(tmp_path_factory, write_flat_scheme, write_two_units):
    root = tmp_path_factory.mktemp("stmt")
    write_two_units(root / "deals_kpis.csv")
    write_flat_scheme(root / "flat.yaml")
    (root / "batch.yaml").write_text(MANIFEST)
    out = root / "out"
    code = main(["batch", str(root / "batch.yaml"), "--out", str(out), "--jobs", "2"])
    return {"out": out, "code": code}


def test_statements_for_the_client_that_asks(batch):
    assert batch["code"] == 0
    east = batch["out"] / "East"
    assert sorted(p.name for p in (east / "statements").iterdir()) == ["a1.pdf", "a2.pdf"]
    for employee, payment in (("a1", "800.00 USD"), ("a2", "1,400.00 USD")):
        text = PdfReader(east / "statements" / f"{employee}.pdf").pages[0].extract_text()
        assert f"Payment: {payment}." in text
    assert not (batch["out"] / "West" / "statements").exists()
    manifest = json.loads((east / "manifest.json").read_text())
    assert manifest["parameters"]["statements"] is True
    assert {"statements/a1.pdf", "statements/a2.pdf"} <= {o["file"] for o in manifest["outputs"]}


def test_each_client_has_its_recommendation_with_its_own_rule(batch):
    east = json.loads((batch["out"] / "East" / "recommendation.json").read_text())
    west = json.loads((batch["out"] / "West" / "recommendation.json").read_text())
    assert east["rule"]["thresholds"]["min_pay_performance_corr"] == 0.9
    assert east["rule"]["thresholds"]["cost_tie"] == 0.02
    assert west["rule"]["thresholds"]["min_pay_performance_corr"] == 0.5
    assert set(east["schemes"]) == set(west["schemes"]) == {"Flat bonus"}
    assert east["currency"] == west["currency"] == "USD"
