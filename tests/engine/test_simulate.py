"""Simulating several schemes (kpitools.engine.simulate): metrics, comparison, CSV files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from simulation_cases import COMMISSION, CURVE, small_history

from kpitools.engine import (
    METRICS,
    PAYOUT_COLUMNS,
    WINNERS_COLUMNS,
    SimulationResult,
    compare,
    simulate,
)
from kpitools.errors import DefinitionError


@pytest.fixture
def small():
    return small_history()


def test_simulate_runs_schemes_and_compares_them_with_the_baseline(small):
    result = simulate(small, [COMMISSION, CURVE], library=False)
    assert isinstance(result, SimulationResult)
    assert result.schemes == ["C", "K"] and result.baseline == "C"
    assert list(result.metrics.columns) == list(METRICS)
    assert result.metrics.index.name == "scheme"
    c, k = result.metrics.loc["C"], result.metrics.loc["K"]
    assert c["total_cost"] == pytest.approx(112.0)  # 10% of 1,120
    assert c["cost_of_sales"] == pytest.approx(0.1)
    assert c["budget_variance"] == pytest.approx((112.0 - 90.0) / 90.0)  # 3 periods of 30
    # K: attainments ≥ 1 for 100, 120, 200, 180, 220; ≥ 0.8 for 80 → 5 × 10 + 1 × 5
    assert k["total_cost"] == 55.0 and k["pct_at_target"] == pytest.approx(5 / 12)
    assert k["near_threshold_share"] == pytest.approx(0.0)  # nobody at 0.76–0.8 or 0.95–1
    assert list(result.payouts.columns[:10]) == [
        "scheme",
        "employee",
        "period",
        "component",
        "kpi",
        "actual",
        "target",
        "attainment",
        "factor",
        "payout",
    ]
    wl = result.winners_losers.set_index("employee")
    # per employee over 3 months: C pays 30, 18, 60, 4; K pays 25, 0, 30, 0
    assert wl["baseline_total"].tolist() == pytest.approx([30.0, 18.0, 60.0, 4.0])
    assert wl["scheme_total"].tolist() == [25.0, 0.0, 30.0, 0.0]
    assert result.compare.loc["K", "losers"] == 4
    assert result.summary is result.compare
    assert repr(result) == (
        "<kpitools.SimulationResult: 2 scheme(s), baseline 'C', 24 employee-periods, "
        "total cost {C: 112, K: 55}, 0 skipped period(s)>"
    )
    assert "<table" in result._repr_html_()


def test_save_writes_both_files_atomically_with_contract_columns(small, tmp_path):
    result = simulate(small, [COMMISSION, CURVE], baseline="K", library=False)
    written = result.save(tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "metrics.csv",
        "payouts.csv",
        "winners_losers.csv",
    ]
    metrics = pd.read_csv(written["metrics"])
    assert list(metrics.columns) == ["scheme", *METRICS]
    payouts = pd.read_csv(written["payouts"], dtype={"employee": str})
    # one column order for the payout table: the run's, the result's and the file's
    assert list(payouts.columns) == list(PAYOUT_COLUMNS) == list(result.payouts.columns)
    assert list(result.runs["C"].payouts.columns) == list(PAYOUT_COLUMNS)
    winners = pd.read_csv(written["winners_losers"], dtype={"employee": str})
    assert list(winners.columns) == list(WINNERS_COLUMNS)
    totals = payouts[payouts["component"] == "total"].groupby("scheme")["payout"].sum()
    np.testing.assert_allclose(
        totals.reindex(metrics["scheme"]).to_numpy(), metrics["total_cost"].to_numpy()
    )


def test_simulate_refuses_two_schemes_with_one_name_and_an_unknown_baseline(small):
    with pytest.raises(DefinitionError) as err:
        simulate(small, [COMMISSION, {**CURVE, "name": "C"}], library=False)
    assert str(err.value) == (
        "Schemes 1 and 2 are both named 'C'; results are kept per scheme name.\n"
        "Suggestion: give each scheme a distinct 'name:'."
    )
    with pytest.raises(DefinitionError) as err:
        simulate(small, [COMMISSION, CURVE], baseline="k", library=False)
    assert str(err.value) == (
        "--baseline 'k' is not the name of a simulated scheme. Did you mean 'K'?\n"
        "Suggestion: use one of 'C', 'K'."
    )


def test_simulate_forecasts_each_scheme_on_the_data_it_loaded(small):
    result = simulate(small, [COMMISSION, CURVE], forecast=20, seed=4, library=False)
    assert list(result.forecasts) == ["C", "K"]
    assert [f.n for f in result.forecasts.values()] == [20, 20]
    assert result.forecasts["C"].period == "2025-04"
    with pytest.raises(DefinitionError) as err:
        simulate(small, [COMMISSION], forecast=2.5, library=False)
    assert str(err.value) == (
        "forecast = 2.5: the number of simulated periods must be a whole number of at least 1."
        "\nSuggestion: use e.g. forecast=1000."
    )


def test_schemes_without_a_common_period_are_compared_over_their_own_periods(small):
    quarterly = {**CURVE, "name": "Q", "period": "quarter"}
    result = simulate(small, [COMMISSION, quarterly], library=False)
    assert result.warnings == (
        "Q: With no KPI library, the monthly values of 'sales' were summed. If one of them is "
        "an average or a ratio, give its aggregation in a KPI library file.",
        "Q and the baseline C share no evaluated period (e.g. a monthly and a quarterly "
        "scheme): winners and losers compare each scheme's totals over its own periods.",
    )
    assert result.winners_losers["periods_compared"].tolist() == [1, 1, 1, 1]


def test_compare_is_the_comparison_table_of_a_simulation(small):
    table = compare(small, [COMMISSION, CURVE], baseline="K", library=False)
    want = simulate(small, [COMMISSION, CURVE], baseline="K", library=False).compare
    pd.testing.assert_frame_equal(table, want)
    assert table.loc["C", "winners"] == 4 and table.loc["K", "cost_change"] == 0.0


def test_a_scheme_whose_targets_need_more_history_than_the_data_has_says_what_it_needs(
    tmp_path, capsys
):
    import yaml

    from kpitools.cli import main

    # ten months, a quarterly growth target on the same quarter last year: no quarter has
    # a base (before: "Baseline scheme 'G' is not among the simulated schemes")
    data = pd.DataFrame(
        {
            "employee": ["a"] * 10,
            "period": [f"2024-{m:02d}" for m in range(1, 11)],
            "kpi": "sales",
            "actual": 100.0,
        }
    )
    scheme = {
        "name": "G",
        "period": "quarter",
        "on_target_pay": 1000,
        "components": [
            {
                "kpi": "sales",
                "weight": 1,
                "target": {"method": "growth", "rate": 0.1, "base": "same_period_last_year"},
                "curve": {"points": [[0, 0], [2, 2]]},
            }
        ],
    }
    expected = (
        "scheme 'G': no period can be evaluated: the data (2024-01 to 2024-10) is too short "
        "for its target methods:\n"
        + "".join(
            f"  2024-Q{q} (1 period): components[0] (sales): growth (base same_period_last_year) "
            f"has no history: nobody has an actual in 2023-Q{q} (it needs 4 quarters of history "
            f"before 2024-Q{q}; the data has {found})\n"
            for q, found in (
                (1, "none"),
                (2, "1, from 2024-Q1"),
                (3, "2, from 2024-Q1"),
                (4, "3, from 2024-Q1"),
            )
        )
        + "Suggestion: give more history before the periods to evaluate, or use a target "
        "method that needs none (fixed, from_data)."
    )
    with pytest.raises(DefinitionError) as err:
        simulate(data, scheme, library=False)
    assert str(err.value) == expected
    path, scheme_file = tmp_path / "d.csv", tmp_path / "g.yaml"
    data.to_csv(path, index=False)
    scheme_file.write_text(yaml.safe_dump(scheme), encoding="utf-8")
    code = main(["simulate", "--data", str(path), "--scheme", str(scheme_file), "--out",
                 str(tmp_path / "out")])  # fmt: skip
    assert code == 2
    assert capsys.readouterr().err == (
        "Error: " + expected.replace("scheme 'G':", f"{scheme_file}:", 1) + "\n"
    )
    assert not (tmp_path / "out").exists()
