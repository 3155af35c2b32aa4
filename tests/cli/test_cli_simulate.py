"""`kpitools simulate` and `kpitools calibrate` end to end: files, printed tables, exit codes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from kpitools.cli import main
from kpitools.cli.simulate import bullets, check_periods_option, naming_the_file
from kpitools.engine import METRICS
from kpitools.errors import DefinitionError, KpitoolsError
from kpitools.scheme import load_scheme

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "schemes"


@pytest.fixture
def files(tmp_path):
    rows = [
        {"employee": e, "period": f"2025-{m + 1:02d}", "kpi": "revenue", "actual": v}
        for e, values in {
            "001": [100.0, 120.0, 80.0],
            "002": [50.0, 60.0, 70.0],
            "003": [200.0, 180.0, 220.0],
        }.items()
        for m, v in enumerate(values)
    ]
    data = tmp_path / "data.csv"
    pd.DataFrame(rows).to_csv(data, index=False)
    commission = tmp_path / "commission.yaml"
    commission.write_text(
        yaml.safe_dump(
            {
                "name": "Commission",
                "on_target_pay": 10,
                "budget": 30,
                "components": [{"kpi": "revenue", "commission": {"rate": 0.1}}],
            }
        )
    )
    steps = tmp_path / "steps.yaml"
    steps.write_text(
        yaml.safe_dump(
            {
                "name": "Steps",
                "on_target_pay": 10,
                "components": [
                    {
                        "kpi": "revenue",
                        "weight": 1.0,
                        "target": {"method": "fixed", "value": 100},
                        "curve": {"steps": [[0.8, 0.5], [1.0, 1.0]]},
                    }
                ],
            }
        )
    )
    return {"data": str(data), "commission": str(commission), "steps": str(steps)}


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_simulate_writes_payouts_and_metrics_and_prints_the_table(files, tmp_path, capsys):
    out_dir = tmp_path / "out"
    code, out, err = run(
        [
            "simulate",
            "--data",
            files["data"],
            "--scheme",
            files["commission"],
            "--scheme",
            files["steps"],
            "--out",
            str(out_dir),
        ],
        capsys,
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == (
        f"Simulated Commission (baseline), Steps on {files['data']}: 18 employee-periods."
    )
    assert lines[2] == "metric                 Commission   Steps"
    # Steps: 10 + 10 + 5 (001), nothing for 002, 10 × 3 (003)
    assert lines[3] == "total_cost                    108      55"
    assert "  Steps: cost -53 (-49.1%); 0 employees win, 3 lose, 0 unchanged" in lines
    payouts = pd.read_csv(out_dir / "payouts.csv", dtype={"employee": str})
    metrics = pd.read_csv(out_dir / "metrics.csv")
    assert list(metrics.columns) == ["scheme", *METRICS]
    assert metrics["scheme"].tolist() == ["Commission", "Steps"]
    totals = payouts[payouts["component"] == "total"].groupby("scheme", sort=False)["payout"].sum()
    assert totals.tolist() == pytest.approx(metrics["total_cost"].tolist())
    assert totals.tolist() == pytest.approx([108.0, 55.0])
    assert set(payouts["employee"]) == {"001", "002", "003"}  # ids stay text
    assert lines[-1] == (
        f"Wrote {out_dir / 'payouts.csv'}, {out_dir / 'metrics.csv'}, "
        f"{out_dir / 'winners_losers.csv'}"
    )


def test_simulate_with_periods_and_a_forecast(files, tmp_path, capsys):
    out_dir = tmp_path / "out"
    code, out, err = run(
        [
            "simulate",
            "--data",
            files["data"],
            "--scheme",
            files["commission"],
            "--periods",
            "2025-02..2025-03",
            "--forecast",
            "40",
            "--seed",
            "3",
            "--out",
            str(out_dir),
        ],
        capsys,
    )
    assert code == 0, err
    assert "Simulated Commission on" in out and ": 6 employee-periods." in out
    assert "Forecast of 2025-04 for Commission: 40 draws × 3 employees (seed 3, no trend)" in out
    forecast = pd.read_csv(out_dir / "forecast.csv")
    assert list(forecast.columns) == ["scheme", "metric", "mean", "p5", "p50", "p95"]
    assert forecast["metric"].tolist() == [*METRICS, "prob_over_budget"]
    again_dir = tmp_path / "again"
    assert (
        main(
            [
                "simulate",
                "--data",
                files["data"],
                "--scheme",
                files["commission"],
                "--forecast",
                "40",
                "--seed",
                "3",
                "--out",
                str(again_dir),
            ]
        )
        == 0
    )
    capsys.readouterr()
    pd.testing.assert_frame_equal(pd.read_csv(again_dir / "forecast.csv"), forecast)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--periods", "2025-01-2025-03"],
            "Error: --periods '2025-01-2025-03': '2025-01-2025-03' is not a period.\n"
            "Suggestion: write periods as YYYY-MM, YYYY-Qn or YYYY, e.g. 2025-01..2025-12.\n",
        ),
        (
            ["--forecast", "0"],
            "Error: --forecast 0: the number of simulated periods must be at least 1.\n"
            "Suggestion: use e.g. --forecast 1000.\n",
        ),
        (
            ["--baseline", "Comission"],
            "Error: --baseline 'Comission' is not the name of a simulated scheme. "
            "Did you mean 'Commission'?\nSuggestion: use one of 'Commission'.\n",
        ),
    ],
    ids=["periods", "forecast", "baseline"],
)
def test_simulate_bad_input_exits_2_with_one_message_and_writes_nothing(
    files, tmp_path, capsys, extra, message
):
    out_dir = tmp_path / "out"
    code, out, err = run(
        [
            "simulate",
            "--data",
            files["data"],
            "--scheme",
            files["commission"],
            "--out",
            str(out_dir),
            *extra,
        ],
        capsys,
    )
    assert code == 2
    assert err == message
    assert "Traceback" not in out + err
    assert not out_dir.exists()


def test_simulate_missing_data_file_is_a_clear_error(files, tmp_path, capsys):
    code, out, err = run(
        ["simulate", "--data", str(tmp_path / "nope.csv"), "--scheme", files["commission"]],
        capsys,
    )
    assert code == 2 and err.startswith("Error: ") and "nope.csv" in err
    assert "Traceback" not in err and out == ""


def test_calibrate_prints_the_value_and_writes_the_scheme(files, tmp_path, capsys):
    out_file = tmp_path / "calibrated.yaml"
    code, out, err = run(
        [
            "calibrate",
            "--data",
            files["data"],
            "--scheme",
            files["commission"],
            "--param",
            "components.0.commission.rate",
            "--metric",
            "total_cost",
            "--to",
            "216",
            "--bounds",
            "0",
            "1",
            "--out",
            str(out_file),
        ],
        capsys,
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "components.0.commission.rate = 0.2 (was 0.1)"
    assert lines[1] == "total_cost = 216 (goal 216)"
    assert lines[3] == f"Wrote the calibrated scheme to {out_file}"
    assert load_scheme(out_file).components[0].commission.rate == pytest.approx(0.2)
    # written like a template: one line per component, no solver noise (0.19999999999999998)
    assert (
        "    commission: {rate: 0.2, basis: attainment, mode: marginal}\n" in out_file.read_text()
    )


def test_calibrate_unknown_metric_and_unreachable_goal(files, capsys):
    base = [
        "calibrate",
        "--data",
        files["data"],
        "--scheme",
        files["commission"],
        "--param",
        "components.0.commission.rate",
    ]
    code, out, err = run([*base, "--metric", "pct_at_targt", "--to", "0.65"], capsys)
    assert code == 2
    assert err == (
        "Error: Unknown metric 'pct_at_targt'. Did you mean 'pct_at_target'?\n"
        "Suggestion: use one of " + ", ".join(METRICS) + ".\n"
    )
    code, out, err = run(
        [*base, "--metric", "total_cost", "--to", "1400000", "--bounds", "0", "0.5"], capsys
    )
    assert code == 2
    assert err == (
        "Error: total_cost ranges from 0 to 540 for components.0.commission.rate in [0, 0.5]; "
        "1,400,000 is outside.\nSuggestion: widen --bounds, or aim for a value inside that "
        "range.\n"
    )


def test_simulate_the_templates_on_the_demo_company(demo_csv, tmp_path, capsys):
    data = demo_csv
    out_dir = tmp_path / "out"
    schemes = [str(TEMPLATES / "weighted_scorecard.yaml"), str(TEMPLATES / "team_pool.yaml")]
    code, out, err = run(
        [
            "simulate",
            "--data",
            str(data),
            "--scheme",
            schemes[0],
            "--scheme",
            schemes[1],
            "--out",
            str(out_dir),
        ],
        capsys,
    )
    assert code == 0, err
    assert "metric                 Weighted scorecard        Team pool" in out
    assert "total_cost                 49,334,628 RUB   55,341,390 RUB" in out  # §8: RUB
    assert "  Team pool: cost +6,006,762 RUB (+12.2%); 24 employees win" in out
    assert "Skipped periods:" in out
    payouts = pd.read_csv(out_dir / "payouts.csv", dtype={"employee": str})
    metrics = pd.read_csv(out_dir / "metrics.csv").set_index("scheme")
    total = payouts[payouts["component"] == "total"].groupby("scheme")["payout"].sum()
    assert total["Team pool"] == pytest.approx(metrics.loc["Team pool", "total_cost"])
    assert total["Weighted scorecard"] == pytest.approx(
        metrics.loc["Weighted scorecard", "total_cost"]
    )


def test_data_warnings_are_printed_as_text_not_python_warnings(files, tmp_path, capsys):
    data = tmp_path / "custom.csv"
    pd.DataFrame(
        {"employee": ["1", "2"], "period": ["2025-01"] * 2, "kpi": "widgets", "actual": [5, 7]}
    ).to_csv(data, index=False)
    scheme = tmp_path / "widgets.yaml"
    scheme.write_text(
        yaml.safe_dump(
            {
                "name": "Widgets",
                "on_target_pay": 10,
                "components": [{"kpi": "widgets", "commission": {"rate": 1.0}}],
            }
        )
    )
    code, out, err = run(["simulate", "--data", str(data), "--scheme", str(scheme)], capsys)
    assert code == 0, err
    assert err == ""  # no UserWarning noise on stderr
    lines = out.splitlines()
    assert "Warnings:" in lines
    block = lines[lines.index("Warnings:") + 1 :]
    assert block[0] == f"  - {data}: warnings:"
    assert any("widgets" in line and line.startswith("    ") for line in block[1:])


def test_calibrate_total_cost_to_the_budget(files, capsys):
    base = ["calibrate", "--data", files["data"], "--param", "components.0.commission.rate"]
    code, out, err = run(
        [*base, "--scheme", files["commission"], "--metric", "total_cost", "--to", "budget"],
        capsys,
    )
    assert code == 0, err
    # budget 30 per period × 3 periods = 90; revenue adds up to 1,080, so the rate is 90 / 1,080
    lines = out.splitlines()
    assert lines[1] == "total_cost = 90 (goal 90)"
    assert float(lines[0].split(" = ")[1].split()[0]) == pytest.approx(90 / 1080, abs=1e-5)

    code, out, err = run(
        [*base, "--scheme", files["commission"], "--metric", "pct_at_target", "--to", "budget"],
        capsys,
    )
    assert (code, out) == (2, "")
    assert err == (
        "Error: --to budget: the budget is money, so it only fits --metric total_cost (not "
        "pct_at_target).\nSuggestion: use --metric total_cost, or give a number with --to.\n"
    )
    steps = ["calibrate", "--data", files["data"], "--scheme", files["steps"]]
    code, out, err = run(
        [*steps, "--param", "on_target_pay", "--metric", "total_cost", "--to", "budget"], capsys
    )
    assert (code, out) == (2, "")
    assert err == (
        "Error: --to budget: the scheme 'Steps' has no budget.\nSuggestion: add "
        "'budget: <amount per period>' to the scheme, or give the amount with --to.\n"
    )
    code, out, err = run(
        [*steps, "--param", "on_target_pay", "--metric", "total_cost", "--to", "lots"], capsys
    )
    assert (code, out) == (2, "")
    assert err == (
        "Error: --to 'lots': not a number.\nSuggestion: give the value the metric should hit "
        "(e.g. --to 0.65), or --to budget with --metric total_cost.\n"
    )


def test_a_partial_quarter_left_out_by_periods_is_not_warned_about(tmp_path, capsys):
    rows = [
        {"employee": e, "period": f"2024-{m:02d}", "kpi": "revenue", "actual": 100, "target": 100}
        for e in ("a", "b")
        for m in range(1, 12)  # January to November: 2024-Q4 has two of its three months
    ]
    data = tmp_path / "data.csv"
    pd.DataFrame(rows).to_csv(data, index=False)
    scheme = tmp_path / "q.yaml"
    component = {"kpi": "revenue", "weight": 1.0, "target": {"method": "from_data"}}
    component["curve"] = {"points": [[0.5, 0.5], [1.0, 1.0]]}
    scheme.write_text(
        yaml.safe_dump(
            {"name": "Q", "period": "quarter", "on_target_pay": 100, "components": [component]}
        )
    )
    base = ["simulate", "--data", str(data), "--scheme", str(scheme)]
    code, out, err = run([*base, "--out", str(tmp_path / "all")], capsys)
    assert code == 0, err
    assert (
        "  - Q: 2024-Q4 (2 of its 3 months: 2024-10 to 2024-11) is only partly in the data" in out
    )
    code, out, err = run(
        [*base, "--out", str(tmp_path / "whole"), "--periods", "2024-Q1..2024-Q3"], capsys
    )
    assert code == 0, err
    assert "Warnings:" not in out and "2024-Q4" not in out


# --------------------------------------------------------------------------- the glue
def test_bullets_keep_a_message_of_several_lines_together():
    assert bullets(["one", "two\n  more", ""]) == "  - one\n  - two\n    more\n  - "


@pytest.mark.parametrize(
    ("data", "message", "expected"),
    [
        ("sales.csv", "the data: no rows.", "sales.csv: no rows."),
        ("sales.csv", "the data has no 'kpi' column.", "sales.csv has no 'kpi' column."),
        ("sales.csv", "scheme.yaml: bad key.", "scheme.yaml: bad key."),
        (None, "the data: no rows.", "the data: no rows."),
    ],
)
def test_errors_about_the_data_name_the_file_given(data, message, expected):
    with pytest.raises(KpitoolsError) as info, naming_the_file(data):
        raise KpitoolsError(message)
    assert (str(info.value), info.value.args) == (expected, (expected,))


def test_a_bad_periods_option_names_the_option():
    check_periods_option(None)
    check_periods_option("2025-01..2025-03")
    with pytest.raises(DefinitionError) as info:
        check_periods_option("2025-03..2025-01")
    assert str(info.value) == (
        "--periods '2025-03..2025-01': 2025-03 comes after 2025-01.\n"
        "Suggestion: write the earlier period first (FROM..TO)."
    )


def test_duplicates_stop_simulate_unless_summed(files, tmp_path, capsys):
    """A second January row of 001 (+50): an error that names the flag; with
    --sum-duplicates January is 100 + 50 = 150, and calibrate takes the flag too (twice the
    cost, 226, needs twice the rate)."""
    table = pd.read_csv(files["data"], dtype={"employee": str})
    extra = pd.DataFrame(
        [{"employee": "001", "period": "2025-01", "kpi": "revenue", "actual": 50.0}]
    )
    doubled = tmp_path / "doubled.csv"
    pd.concat([table, extra]).to_csv(doubled, index=False)
    base = ["simulate", "--data", str(doubled), "--scheme", files["commission"]]
    code, out, err = run([*base, "--out", str(tmp_path / "no")], capsys)
    assert code == 2
    assert "duplicates='sum' (CLI: --sum-duplicates)" in err
    assert not (tmp_path / "no").exists()
    code, out, err = run([*base, "--sum-duplicates", "--out", str(tmp_path / "yes")], capsys)
    assert code == 0, err
    metrics = pd.read_csv(tmp_path / "yes" / "metrics.csv")
    # 10% of (150 + 120 + 80) + (50 + 60 + 70) + (200 + 180 + 220) = 35 + 18 + 60
    assert metrics["total_cost"].tolist() == [113.0]
    assert "summed" in out
    code, out, err = run(
        ["calibrate", "--data", str(doubled), "--scheme", files["commission"], "--param",
         "components.0.commission.rate", "--metric", "total_cost", "--to", "226",
         "--sum-duplicates"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert out.splitlines()[1] == "total_cost = 226 (goal 226)"
    assert float(out.split(" = ")[1].split()[0]) == pytest.approx(0.2, abs=1e-4)
