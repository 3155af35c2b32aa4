"""`kpitools simulate` with a rated objective and a funded pool: pools.csv, the pool's
metrics, and a missing rating stopping the run with exit code 2 and nothing written."""

from __future__ import annotations

import pandas as pd

from kpitools.cli import main

RATED = """\
name: Rated
on_target_pay: 10000
components:
  - {kpi: rating, weight: 0.3, basis: score, curve: {points: [[0, 0], [3, 1], [5, 1.5]]}}
  - {kpi: sales, weight: 0.7, target: 100, curve: {steps: [[1, 1]]}}
"""
POOLED = """\
name: Pooled
on_target_pay: 1000
components:
  - {kpi: x, commission: {rate: 1}}
pool: {funded_by: {kpi: margin, rate: 0.1, above: 100000}}
"""


def test_a_funded_pool_writes_pools_csv_and_its_metrics(tmp_path, capsys):
    rows = [(e, p, k, v) for p, m in (("2025-01", 150_000), ("2025-02", 250_000))
            for e, x in (("a", 1000.0), ("b", 2000.0), ("c", 3000.0))
            for k, v in (("x", x), ("margin", m / 3))]  # fmt: skip
    pd.DataFrame(rows, columns=["employee", "period", "kpi", "actual"]).to_csv(
        tmp_path / "data.csv", index=False
    )
    (tmp_path / "pooled.yaml").write_text(POOLED)
    code = main(["simulate", "--data", str(tmp_path / "data.csv"), "--scheme",
                 str(tmp_path / "pooled.yaml"), "--out", str(tmp_path / "out")])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "pool_periods_scaled_down      50%" in out
    assert "pool_share_used             55.0%" in out
    pools = pd.read_csv(tmp_path / "out" / "pools.csv")
    assert pools["paid"].tolist() == [5000.0, 6000.0]
    payouts = pd.read_csv(tmp_path / "out" / "payouts.csv")
    total = payouts[payouts["component"] == "total"]
    assert total["payout"].tolist() == [833.33, 1666.67, 2500.0, 1000.0, 2000.0, 3000.0]


def test_a_missing_rating_stops_the_run_with_exit_code_2_and_writes_nothing(tmp_path, capsys):
    rows = [("a", "2025-01", "rating", 4.0), ("a", "2025-01", "sales", 100.0),
            ("b", "2025-01", "sales", 90.0)]  # fmt: skip
    pd.DataFrame(rows, columns=["employee", "period", "kpi", "actual"]).to_csv(
        tmp_path / "data.csv", index=False
    )
    (tmp_path / "rated.yaml").write_text(RATED)
    code = main(["simulate", "--data", str(tmp_path / "data.csv"), "--scheme",
                 str(tmp_path / "rated.yaml"), "--out", str(tmp_path / "out")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        f"Error: {tmp_path / 'rated.yaml'}: components[0] (rating): 1 employee-period(s) have "
        "no score:\n  employee 'b' in 2025-01\nSuggestion: enter the missing ratings in the "
        "data, or say how to pay them with missing: target (as if on target) or missing: "
        "zero.\n"
    )
    assert not (tmp_path / "out").exists()
