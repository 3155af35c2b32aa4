"""`kpitools simulate --stress [SHIFT]`: stress.csv, the two metrics, the printed lines."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from kpitools.cli import main
from kpitools.engine import METRICS


@pytest.fixture
def files(tmp_path):
    # The contract's example (§9): a step at 100% of 100, 1,000 a quarter; 98, 105, 60, 100.
    data = tmp_path / "data.csv"
    pd.DataFrame(
        {"employee": "E1", "period": ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"],
         "kpi": "revenue", "actual": [98.0, 105.0, 60.0, 100.0]}
    ).to_csv(data, index=False)  # fmt: skip
    step = tmp_path / "step.yaml"
    step.write_text(
        yaml.safe_dump(
            {
                "name": "Step",
                "period": "quarter",
                "on_target_pay": 1000,
                "currency": "EUR",
                "components": [
                    {"kpi": "revenue", "weight": 1, "target": 100, "curve": {"steps": [[1.0, 1.0]]}}
                ],
            }
        )  # fmt: skip
    )
    commission = tmp_path / "commission.yaml"
    commission.write_text(
        yaml.safe_dump(
            {
                "name": "Commission",
                "period": "quarter",
                "on_target_pay": 1000,
                "currency": "EUR",
                "components": [{"kpi": "revenue", "commission": {"rate": 0.1}}],
            }
        )  # fmt: skip
    )
    return {"data": str(data), "step": str(step), "commission": str(commission)}


def _simulate(files, tmp_path, capsys, *extra):
    out = tmp_path / "out"
    argv = ["simulate", "--data", files["data"], "--scheme", files["step"],
            "--scheme", files["commission"], "--out", str(out), *extra]  # fmt: skip
    code = main(argv)
    printed, err = capsys.readouterr()
    return code, printed, err, out


def test_stress_writes_stress_csv_and_the_two_metrics(files, tmp_path, capsys):
    code, printed, err, out = _simulate(files, tmp_path, capsys, "--stress")
    assert code == 0, err
    assert (out / "stress.csv").read_text() == (
        '"scheme","employee","moves","extra_pay"\n'
        '"Step","E1","2 units of revenue from 2025-Q2 to 2025-Q1",1000\n'
    )
    metrics = pd.read_csv(out / "metrics.csv", index_col="scheme")
    assert list(metrics.columns) == [*METRICS, "gaming_cost", "gaming_cost_pct"]
    assert metrics.loc["Step", ["gaming_cost", "gaming_cost_pct"]].tolist() == [1000.0, 0.5]
    assert metrics.loc["Commission", ["gaming_cost", "gaming_cost_pct"]].tolist() == [0.0, 0.0]
    assert (
        "Gaming stress test (up to 10% of a period's results moved to an adjacent period of "
        "the same year):\n"
        "  Step: 1,000 EUR more (50.0% of its honest cost); most for E1: 1,000 EUR\n"
        "  Commission: 0 EUR more (0.0% of its honest cost)\n"
    ) in printed
    table = [line.split() for line in printed.splitlines() if line.startswith("gaming_cost")]
    assert table == [
        ["gaming_cost", "1,000", "EUR", "0", "EUR"],
        ["gaming_cost_pct", "50.0%", "0.0%"],
    ]


def test_stress_takes_a_shift(files, tmp_path, capsys):
    code, printed, err, out = _simulate(files, tmp_path, capsys, "--stress", "0.5")
    assert code == 0, err
    assert "up to 50% of a period's results" in printed
    # at 50% Q4 (100) may give Q3 (60) its 40, but then loses its own step: no better
    stress = pd.read_csv(out / "stress.csv")
    assert stress["extra_pay"].tolist() == [1000.0]


def test_without_stress_nothing_changes(files, tmp_path, capsys):
    code, printed, err, out = _simulate(files, tmp_path, capsys)
    assert code == 0, err
    assert not (out / "stress.csv").exists()
    assert list(pd.read_csv(out / "metrics.csv").columns) == ["scheme", *METRICS]
    assert "Gaming stress test" not in printed and "gaming_cost" not in printed


@pytest.mark.parametrize("bad", ["0", "1.5", "2"])
def test_a_bad_shift_is_an_error_naming_the_option(files, tmp_path, capsys, bad):
    code, printed, err, out = _simulate(files, tmp_path, capsys, f"--stress={bad}")
    assert code == 2
    assert err == (
        f"Error: --stress {float(bad):g}: the share of a period's actual that may move must lie "
        "above 0 and at most 1.\n"
        "Suggestion: use e.g. --stress 0.10 (10% of the period's actual).\n"
    )
    assert not out.exists()


def test_a_shift_that_is_not_a_number_is_refused(files, tmp_path, capsys):
    code, printed, err, out = _simulate(files, tmp_path, capsys, "--stress", "lots")
    assert code == 2
    assert "'lots' is not a valid float" in err
    assert not out.exists()
