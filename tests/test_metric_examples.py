"""Hand-computed examples of target methods, period roll-up and metrics, run through the CLI.

Each example is a tiny long CSV and a scheme YAML, run with ``kpitools simulate`` (or
``calibrate``) in-process; every number read back from ``payouts.csv`` / ``metrics.csv`` /
stdout is derived by hand in the comments, from CONTRACT §4 and §5 (not from the code).
Quantiles are numpy's default (linear interpolation between order statistics).
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pandas as pd
import pytest
import yaml

import kpitools
from kpitools.cli import main
from kpitools.data import roll_up


def _cli(argv) -> tuple[int, str]:
    """The console script's entry point in-process: (exit code, stdout + stderr)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        code = main([str(a) for a in argv])
    return code, buffer.getvalue()


def _run(tmp_path, rows, schemes, *args, header="employee,period,kpi,actual"):
    """Write the data and schemes, run ``kpitools simulate``; (exit code, stdout, out dir)."""
    data = tmp_path / "data.csv"
    data.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    argv = ["simulate", "--data", str(data), "--out", str(tmp_path / "out")]
    for i, scheme in enumerate(schemes):
        path = tmp_path / f"s{i}.yaml"
        path.write_text(yaml.safe_dump(scheme, sort_keys=False), encoding="utf-8")
        argv += ["--scheme", str(path)]
    code, output = _cli(argv + list(args))
    return code, output, tmp_path / "out"


def _payouts(out) -> pd.DataFrame:
    return pd.read_csv(
        out / "payouts.csv", dtype={"employee": str, "component": str, "period": str}
    )


def _metrics(out) -> dict:
    return pd.read_csv(out / "metrics.csv").set_index("scheme").to_dict("index")


def _totals(out, scheme=None) -> dict:
    p = _payouts(out)
    p = p[p["component"] == "total"]
    if scheme is not None:
        p = p[p["scheme"] == scheme]
    return {(e, per): v for e, per, v in zip(p["employee"], p["period"], p["payout"], strict=True)}


def _targets(out, scheme=None) -> dict:
    p = _payouts(out)
    p = p[p["component"] == "0"]
    if scheme is not None:
        p = p[p["scheme"] == scheme]
    return {(e, per): v for e, per, v in zip(p["employee"], p["period"], p["target"], strict=True)}


IDENTITY = {"points": [[0, 0], [3, 3]]}  # factor = attainment (up to 3)


def _comp(kpi, target, weight=1.0, curve=None):
    return {"kpi": kpi, "weight": weight, "target": target, "curve": curve or IDENTITY}


def _scheme(components, name="S", period="month", otp=1000, **extra):
    return {"name": name, "period": period, "on_target_pay": otp, "components": components, **extra}


# --------------------------------------------------------------------------- 1. roll-up
def test_quarter_roll_up_sum_mean_last_ratio_and_a_new_hire_mid_quarter(tmp_path):
    rows = [
        # a: all three months
        "a,2024-01,revenue,100,90",
        "a,2024-02,revenue,120,90",
        "a,2024-03,revenue,80,90",
        "a,2024-01,csat,4.0,",
        "a,2024-02,csat,5.0,",
        "a,2024-03,csat,3.0,",
        "a,2024-01,ticket_backlog,12,",
        "a,2024-02,ticket_backlog,9,",
        "a,2024-03,ticket_backlog,8,",
        "a,2024-01,won_deals,2,",
        "a,2024-02,won_deals,3,",
        "a,2024-03,won_deals,1,",
        "a,2024-01,closed_deals,4,",
        "a,2024-02,closed_deals,4,",
        "a,2024-03,closed_deals,2,",
        "a,2024-01,win_rate,0.5,",
        "a,2024-02,win_rate,0.75,",
        "a,2024-03,win_rate,0.5,",
        # b: hired in February (2 of the quarter's 3 months)
        "b,2024-02,revenue,150,90",
        "b,2024-03,revenue,150,90",
        "b,2024-02,csat,4.5,",
        "b,2024-03,csat,4.0,",
        "b,2024-02,ticket_backlog,5,",
        "b,2024-03,ticket_backlog,16,",
        "b,2024-02,won_deals,1,",
        "b,2024-03,won_deals,3,",
        "b,2024-02,closed_deals,1,",
        "b,2024-03,closed_deals,5,",
        "b,2024-02,win_rate,1.0,",
        "b,2024-03,win_rate,0.6,",
    ]
    scheme = _scheme(
        [
            _comp("revenue", {"method": "from_data"}, 0.4),
            _comp("csat", {"method": "fixed", "value": 4}, 0.2),
            _comp("ticket_backlog", {"method": "fixed", "value": 10}, 0.2),  # lower is better
            _comp("win_rate", {"method": "fixed", "value": 0.5}, 0.2),
        ],
        period="quarter",
        revenue_kpi="revenue",
    )
    code, output, out = _run(tmp_path, rows, [scheme], header="employee,period,kpi,actual,target")
    assert code == 0, output
    p = _payouts(out)
    comp = p[p["component"] != "total"]
    cols = (comp.employee, comp.kpi, comp.actual, comp.target)
    got = {(e, k): (a, t) for e, k, a, t in zip(*cols, strict=True)}
    assert {key: pytest.approx(pair) for key, pair in got.items()} == (
        {
            # revenue (sum): a 100+120+80 = 300 vs 3 × 90 = 270; b 150+150 = 300 vs the two
            # months' targets 2 × 90 = 180 (from_data pro-rates a new hire by itself)
            ("a", "revenue"): (300.0, 270.0),
            ("b", "revenue"): (300.0, 180.0),
            # csat (mean over the months present): a (4+5+3)/3 = 4; b (4.5+4)/2 = 4.25
            ("a", "csat"): (4.0, 4.0),
            ("b", "csat"): (4.25, 4.0),
            # ticket_backlog (last): a March 8, b March 16
            ("a", "ticket_backlog"): (8.0, 10.0),
            ("b", "ticket_backlog"): (16.0, 10.0),
            # win_rate (ratio, recomputed from won_deals / closed_deals, never averaged):
            # a (2+3+1)/(4+4+2) = 0.6 (the mean of the months would be 0.5833);
            # b (1+3)/(1+5) = 0.6667 (the mean would be 0.8)
            ("a", "win_rate"): (0.6, 0.5),
            ("b", "win_rate"): (4 / 6, 0.5),
        }
    )
    # a: 0.4×1000×300/270 = 444.44; 0.2×1000×1 = 200; 0.2×1000×10/8 = 250; 0.2×1000×1.2 = 240
    #    → 1,134.44.  b: 0.4×1000×300/180 = 666.67; 0.2×1000×1.0625 = 212.50;
    #    0.2×1000×10/16 = 125; 0.2×1000×(4/6)/0.5 = 266.67 → 1,270.84
    assert _totals(out) == {("a", "2024-Q1"): 1134.44, ("b", "2024-Q1"): 1270.84}
    m = _metrics(out)["S"]
    # cost of sales 2,405.28 / (300 + 300) = 4.0088
    assert m["cost_of_sales"] == pytest.approx(2405.28 / 600)
    # the consultant is told that b's quarter holds only two months
    assert (
        "S: 1 employee-quarter(s) have data for only some of their months (e.g. employee 'b' "
        "in 2024-Q1: 2 of 3; new hires, leavers, gaps): their quarter sums cover those months "
        "only, and targets other than from_data are not pro-rated."
    ) in output


def test_year_roll_up_of_quarterly_data(tmp_path):
    rows = [
        "a,2023-Q1,won_deals,2",
        "a,2023-Q2,won_deals,4",
        "a,2023-Q3,won_deals,0",
        "a,2023-Q4,won_deals,4",
        "a,2023-Q1,closed_deals,10",
        "a,2023-Q2,closed_deals,5",
        "a,2023-Q3,closed_deals,0",
        "a,2023-Q4,closed_deals,5",
        "a,2023-Q1,win_rate,0.2",
        "a,2023-Q2,win_rate,0.8",
        "a,2023-Q4,win_rate,0.8",  # no closed deal in Q3: no rate that quarter
        "a,2023-Q1,csat,4",
        "a,2023-Q2,csat,3",
        "a,2023-Q3,csat,5",
        "a,2023-Q4,csat,4.4",
        "a,2023-Q1,ticket_backlog,4",
        "a,2023-Q2,ticket_backlog,8",
        "a,2023-Q3,ticket_backlog,2",
        "a,2023-Q4,ticket_backlog,5",
    ]
    scheme = _scheme(
        [
            _comp("win_rate", {"method": "fixed", "value": 0.5}, 0.5),
            _comp("csat", {"method": "fixed", "value": 4}, 0.3),
            _comp("ticket_backlog", {"method": "fixed", "value": 4}, 0.2),
        ],
        period="year",
        otp=10000,
    )
    code, output, out = _run(tmp_path, rows, [scheme])
    assert code == 0, output
    comp = _payouts(out)
    comp = comp[comp["component"] != "total"]
    # win_rate 10/20 = 0.5 (the mean of the three rates would be 0.6) → 1.0 → 5,000;
    # csat (4+3+5+4.4)/4 = 4.1 → 1.025 → 3,075; backlog last = 5, lower: 4/5 = 0.8 → 1,600
    assert comp["actual"].tolist() == pytest.approx([0.5, 4.1, 5.0])
    assert comp["payout"].tolist() == [5000.0, 3075.0, 1600.0]
    assert _totals(out) == {("a", "2023"): 9675.0}
    m = _metrics(out)["S"]
    # weighted attainment 0.5×1 + 0.3×1.025 + 0.2×0.8 = 0.9675 < 1 → not at target
    assert (m["pct_at_target"], m["payout_p50"]) == (0.0, pytest.approx(0.9675))


def test_partly_covered_quarters_at_the_edges_of_the_data_are_named(tmp_path):
    # Data from 2024-01 to 2024-04, February missing: 2024-Q2 holds only April.
    rows = ["a,2024-01,revenue,100", "a,2024-03,revenue,120", "a,2024-04,revenue,90"]
    scheme = _scheme([_comp("revenue", {"method": "fixed", "value": 300})], period="quarter")
    code, output, out = _run(tmp_path, rows, [scheme])
    assert code == 0, output
    # Q1 = 100 + 120 = 220 / 300; Q2 = 90 / 300 (one month of three)
    assert _totals(out) == {("a", "2024-Q1"): 733.33, ("a", "2024-Q2"): 300.0}
    assert (
        "  - S: 2024-Q2 (1 of its 3 months: 2024-04) is only partly in the data: quarter sums "
        "there cover those months only, so attainment against a whole-quarter target is "
        "understated.\n"
        "    Suggestion: evaluate whole quarters only: periods 2024-Q1..2024-Q1 (--periods on "
        "the command line).\n"
        "  - S: 1 employee-quarter(s) have data for only some of their months (e.g. employee "
        "'a' in 2024-Q1: 2 of 3; new hires, leavers, gaps)"
    ) in output
    # With a selection of whole quarters, the roll-up has nothing to say about Q2.
    data = pd.read_csv(tmp_path / "data.csv", dtype=str)
    kept = roll_up(data, "quarter", periods="2024-Q1..2024-Q1")
    assert [w[:40] for w in kept.warnings] == [
        "With no KPI library, the monthly values ",
        "1 employee-quarter(s) have data for only",
    ]


# --------------------------------------------------------------------------- 2. targets
def test_growth_previous_period_with_peer_median_by_role(tmp_path):
    rows = [
        "a,2024-01,revenue,100,rep",
        "a,2024-02,revenue,110,rep",
        "a,2024-03,revenue,90,rep",
        "b,2024-01,revenue,200,rep",
        "b,2024-02,revenue,180,rep",
        "b,2024-03,revenue,240,rep",
        "c,2024-01,revenue,50,rep",
        "c,2024-02,revenue,60,rep",
        "c,2024-03,revenue,70,rep",
        "d,2024-03,revenue,100,rep",  # new rep in March
        "m,2024-01,revenue,1000,mgr",
        "m,2024-02,revenue,1000,mgr",
        "m,2024-03,revenue,1300,mgr",
        "n,2024-03,revenue,500,mgr",  # new manager in March
    ]
    target = {"method": "growth", "rate": 0.1, "base": "previous_period", "fallback": "peer_median"}
    curve = {"points": [[0.5, 0], [1, 1], [1.5, 2]]}
    scheme = _scheme([_comp("revenue", target, curve=curve)], otp={"rep": 1000, "mgr": 2000})
    code, output, out = _run(tmp_path, rows, [scheme], header="employee,period,kpi,actual,role")
    assert code == 0, output
    assert _targets(out) == pytest.approx(
        {
            # February: January × 1.1
            ("a", "2024-02"): 110.0,
            ("b", "2024-02"): 220.0,
            ("c", "2024-02"): 55.0,
            ("m", "2024-02"): 1100.0,
            # March: February × 1.1 = 121, 198, 66; d gets the median of the reps' 121
            # (not of everyone's); n the median of the managers' targets, m's 1,100
            ("a", "2024-03"): 121.0,
            ("b", "2024-03"): 198.0,
            ("c", "2024-03"): 66.0,
            ("d", "2024-03"): 121.0,
            ("m", "2024-03"): 1100.0,
            ("n", "2024-03"): 1100.0,
        }
    )
    # factor: (att − 0.5) / 0.5 between 0.5 and 1; 1 + (att − 1) × 2 between 1 and 1.5
    assert _totals(out) == {
        ("a", "2024-02"): 1000.0,  # 110/110 = 1 exactly
        ("b", "2024-02"): 636.36,  # 180/220 = 0.8182 → 0.6364 × 1000
        ("c", "2024-02"): 1181.82,  # 60/55 = 1.0909 → 1.1818
        ("m", "2024-02"): 1636.36,  # 1000/1100 = 0.9091 → 0.8182 × 2000
        ("a", "2024-03"): 487.6,  # 90/121 = 0.7438 → 0.4876
        ("b", "2024-03"): 1424.24,  # 240/198 = 1.2121 → 1.4242
        ("c", "2024-03"): 1121.21,  # 70/66 = 1.0606 → 1.1212
        ("d", "2024-03"): 652.89,  # 100/121 = 0.8264 → 0.6529
        ("m", "2024-03"): 2727.27,  # 1300/1100 = 1.1818 → 1.3636 × 2000
        ("n", "2024-03"): 0.0,  # 500/1100 = 0.4545 < 0.5
    }
    m = _metrics(out)["S"]
    # multiples sorted: 0, .4876, .6364, .6529, .8182, 1, 1.1212, 1.1818, 1.3636, 1.4242
    # p10: position 0.9 → 0.9 × 0.4876 = 0.43884; p50: (0.81818 + 1) / 2 = 0.90909;
    # p90: position 8.1 → 1.36364 + 0.1 × (1.42424 − 1.36364) = 1.36970
    assert m["payout_p10"] == pytest.approx(0.9 * 0.4876, abs=1e-6)
    assert m["payout_p50"] == pytest.approx((0.81818 + 1) / 2, abs=1e-5)
    assert m["payout_p90"] == pytest.approx(1.36970, abs=1e-5)
    assert m["leverage"] == pytest.approx(1.36970 / 0.90909, abs=1e-4)
    # at target (≥ 1, exactly 1 counts): a Feb, c Feb, b Mar, c Mar, m Mar = 5 of 10
    assert (m["pct_at_target"], m["pct_zero_payout"]) == (0.5, 0.1)
    # 10,867.75 over 6 employees; the same curve for all → ranks agree → Spearman 1
    assert m["total_cost"] == pytest.approx(10867.75)
    assert m["cost_per_employee"] == pytest.approx(10867.75 / 6)
    assert m["pay_performance_corr"] == pytest.approx(1.0)
    assert (
        "Skipped periods:\n  S: 2024-01 (1 period): components[0] (revenue): growth (base "
        "previous_period) has no history: nobody has an actual in 2023-12"
    ) in output


def test_quarterly_data_growth_on_last_year_and_quarter_period_selection(tmp_path):
    rows = [
        "a,2023-Q1,revenue,100",
        "a,2023-Q2,revenue,200",
        "a,2023-Q3,revenue,300",
        "a,2023-Q4,revenue,400",
        "a,2024-Q1,revenue,105",
        "a,2024-Q2,revenue,220",
        "b,2023-Q1,revenue,50",
        "b,2023-Q2,revenue,60",
        "b,2023-Q3,revenue,70",
        "b,2023-Q4,revenue,80",
        "b,2024-Q1,revenue,40",
        "b,2024-Q2,revenue,63",
    ]
    target = {"method": "growth", "rate": 0.05, "base": "same_period_last_year"}
    curve = {"steps": [[0.9, 0.5], [1.0, 1.0], [1.2, 1.5]]}
    scheme = _scheme([_comp("revenue", target, curve=curve)], period="quarter")
    code, output, out = _run(tmp_path, rows, [scheme])
    assert code == 0, output
    # targets: the same quarter of 2023 × 1.05
    assert _targets(out) == pytest.approx(
        {
            ("a", "2024-Q1"): 105.0,
            ("b", "2024-Q1"): 52.5,
            ("a", "2024-Q2"): 210.0,
            ("b", "2024-Q2"): 63.0,
        }
    )
    # a Q1 105/105 = 1 → 1,000; b Q1 40/52.5 = 0.762 < 0.9 → 0; a Q2 220/210 = 1.048 → 1,000;
    # b Q2 63/63 = 1 → 1,000
    assert _totals(out) == {
        ("a", "2024-Q1"): 1000.0,
        ("b", "2024-Q1"): 0.0,
        ("a", "2024-Q2"): 1000.0,
        ("b", "2024-Q2"): 1000.0,
    }
    m = _metrics(out)["S"]
    # Spearman: attainment ranks (2.5, 1, 4, 2.5), payout ranks (3, 1, 3, 3):
    # Σ dx·dy = 0·.5 + (−1.5)(−1.5) + 1.5·.5 + 0 = 3; √(4.5 × 3) = 3.6742 → 0.8165
    assert m["pay_performance_corr"] == pytest.approx(3 / np.sqrt(13.5))
    assert m["pct_at_target"] == 0.75
    assert (
        "  S: 2023-Q1 (1 period): components[0] (revenue): growth (base same_period_last_year) "
        "has no history: nobody has an actual in 2022-Q1"
    ) in output
    # --periods is inclusive at both ends, in quarters or in months
    for selection in ("2024-Q2..2024-Q2", "2024-04..2024-06"):
        code, output, out = _run(tmp_path, rows, [scheme], "--periods", selection)
        assert code == 0, output
        assert _totals(out) == {("a", "2024-Q2"): 1000.0, ("b", "2024-Q2"): 1000.0}
        assert "Skipped periods" not in output  # 2023 is history, not evaluated
    # a range starting in the skipped year lists the skipped quarters inside it only
    code, output, out = _run(tmp_path, rows, [scheme], "--periods", "2023-Q3..2024-Q1")
    assert code == 0, output
    assert set(_totals(out)) == {("a", "2024-Q1"), ("b", "2024-Q1")}
    skipped = [line for line in output.splitlines() if line.startswith("  S: 20")]
    assert [line[:15] for line in skipped] == ["  S: 2023-Q3 (1", "  S: 2023-Q4 (1"]


def test_percentile_of_peers_and_own_with_a_window_and_winners(tmp_path):
    rows = [
        "a,2024-01,calls,10",
        "b,2024-01,calls,20",
        "c,2024-01,calls,30",
        "a,2024-02,calls,40",
        "b,2024-02,calls,50",
        "a,2024-03,calls,60",
        "b,2024-03,calls,70",
        "c,2024-03,calls,80",
    ]
    peers = _scheme(
        [_comp("calls", {"method": "percentile", "q": 0.4, "of": "peers", "window": 2})],
        name="P",
    )
    own = _scheme(
        [_comp("calls", {"method": "percentile", "q": 0.4, "of": "own", "window": 2})],
        name="O",
    )
    code, output, out = _run(tmp_path, rows, [peers, own])
    assert code == 0, output
    # peers, February: window Dec–Jan = {10, 20, 30}, position 0.4 × 2 = 0.8 → 18;
    # March: window Jan–Feb = {10, 20, 30, 40, 50}, position 1.6 → 20 + 0.6 × 10 = 26
    assert _targets(out, "P") == pytest.approx(
        {
            ("a", "2024-02"): 18.0,
            ("b", "2024-02"): 18.0,
            ("a", "2024-03"): 26.0,
            ("b", "2024-03"): 26.0,
            ("c", "2024-03"): 26.0,
        }
    )
    # own: a Feb {10} → 10; b Feb {20} → 20; a Mar {10, 40} → 10 + 0.4 × 30 = 22;
    # b Mar {20, 50} → 32; c Mar {30} (absent in Feb) → 30
    assert _targets(out, "O") == pytest.approx(
        {
            ("a", "2024-02"): 10.0,
            ("b", "2024-02"): 20.0,
            ("a", "2024-03"): 22.0,
            ("b", "2024-03"): 32.0,
            ("c", "2024-03"): 30.0,
        }
    )
    wl = pd.read_csv(out / "winners_losers.csv", dtype={"employee": str})
    # a: P 40/18 → 2,222.22 + 60/26 → 2,307.69 = 4,529.91; O 40/10 = 4 → capped 3 → 3,000
    #    + 60/22 → 2,727.27 = 5,727.27 (+1,197.36, winner)
    # b: P 2,777.78 + 2,692.31 = 5,470.09; O 2,500 + 70/32 → 2,187.50 = 4,687.50 (loser)
    # c: P 80/26 = 3.08 → 3,000; O 80/30 → 2,666.67 (loser)
    assert wl[["employee", "baseline_total", "scheme_total", "outcome"]].to_dict("list") == {
        "employee": ["a", "b", "c"],
        "baseline_total": [4529.91, 5470.09, 3000.0],
        "scheme_total": [5727.27, 4687.5, 2666.67],
        "outcome": ["winner", "loser", "loser"],
    }
    assert "  O: cost " in output and "1 employee wins, 2 lose, 0 unchanged" in output


def test_allocate_equal_and_history_share_among_the_employees_active(tmp_path):
    rows = [
        "a,2024-01,revenue,100",
        "b,2024-01,revenue,300",
        "a,2024-02,revenue,150",
        "b,2024-02,revenue,500",
        "c,2024-02,revenue,300",  # c joins in February
        "a,2024-03,revenue,400",  # b has left in March
        "c,2024-03,revenue,800",
    ]
    equal = _scheme(
        [_comp("revenue", {"method": "allocate", "total": 1200, "by": "equal"})], name="EQ"
    )
    share = _scheme(
        [
            _comp(
                "revenue",
                {"method": "allocate", "total": 1200, "by": "history_share", "window": 2},
            )
        ],
        name="HS",
    )
    code, output, out = _run(tmp_path, rows, [equal, share])
    assert code == 0, output
    # equal: 1,200 / 2 in January and March, / 3 in February
    assert _targets(out, "EQ") == pytest.approx(
        {
            ("a", "2024-01"): 600.0,
            ("b", "2024-01"): 600.0,
            ("a", "2024-02"): 400.0,
            ("b", "2024-02"): 400.0,
            ("c", "2024-02"): 400.0,
            ("a", "2024-03"): 600.0,
            ("c", "2024-03"): 600.0,
        }
    )
    # history share, February: a 100, b 300, c (no history) the average of those with one,
    # 200 → 1,200 × (100, 300, 200) / 600 = 200, 600, 400.
    # March (window Jan–Feb, average per period): a (100 + 150) / 2 = 125, c 300 →
    # 1,200 × 125/425 = 352.94, 1,200 × 300/425 = 847.06
    assert _targets(out, "HS") == pytest.approx(
        {
            ("a", "2024-02"): 200.0,
            ("b", "2024-02"): 600.0,
            ("c", "2024-02"): 400.0,
            ("a", "2024-03"): 1200 * 125 / 425,
            ("c", "2024-03"): 1200 * 300 / 425,
        }
    )
    assert (
        "  HS: 2024-01 (1 period): components[0] (revenue): allocate (by history_share) has no "
        "history: none of the employees active in 2024-01 has actuals in 2023-11 to 2023-12"
    ) in output
    # cost change over the periods both evaluated (Feb, Mar): EQ 375 + 1,250 + 750 + 666.67
    # + 1,333.33 = 4,375; HS 750 + 833.33 + 750 + 1,133.33 + 944.44 = 4,411.10 → +36 (+0.8%)
    assert "  HS: cost +36 (+0.8%); 1 employee wins, 2 lose, 0 unchanged" in output
    # money in the files is in cents, without float noise: a 1,041.67 → 1,883.33 = +841.66;
    # b 1,250 → 833.33 = −416.67; c 1,083.33 + 1,000 → 750 + 944.44 = −388.89
    wl = pd.read_csv(out / "winners_losers.csv", dtype={"employee": str})
    assert wl["difference"].tolist() == [841.66, -416.67, -388.89]
    # EQ 166.67 + 500 + 375 + 1,250 + 750 + 666.67 + 1,333.33 = 5,041.67
    assert [m["total_cost"] for m in _metrics(out).values()] == [5041.67, 4411.1]


def test_no_target_method_looks_ahead():
    rng = np.random.default_rng(0)
    rows = []
    for e in "abcdef":
        for m in range(1, 13):
            if (e == "f" and m < 5) or (e == "e" and m > 8):
                continue  # f joins in May, e leaves after August
            role = "r1" if e in "abc" else "r2"
            rows.append((e, f"2024-{m:02d}", "revenue", float(rng.integers(50, 150)), role))
    data = pd.DataFrame(rows, columns=["employee", "period", "kpi", "actual", "role"])
    later = data["period"] > "2024-08"
    changed = data.copy()
    changed.loc[later, "actual"] = changed.loc[later, "actual"] * 7 + 3
    newcomer = pd.DataFrame([("z", "2024-10", "revenue", 999.0, "r1")], columns=data.columns)
    for spec in (
        {"method": "growth", "rate": 0.1, "base": "previous_period", "fallback": "peer_median"},
        {"method": "percentile", "q": 0.4, "of": "peers", "window": 3},
        {"method": "percentile", "q": 0.6, "of": "own"},
        {"method": "allocate", "total": 1000, "by": "history_share", "window": 2},
        {"method": "allocate", "total": 1000, "by": "equal"},
    ):
        scheme = kpitools.load_scheme(_scheme([_comp("revenue", spec)]))
        other = changed if spec.get("of") == "own" else pd.concat([changed, newcomer])

        def early_targets(frame, scheme=scheme):
            run = kpitools.run_scheme(frame, scheme, library=False, periods="2024-06..2024-12")
            p = run.payouts[(run.payouts["component"] == "0") & (run.payouts["period"] < "2024-09")]
            return p[["employee", "period", "target"]].reset_index(drop=True)

        before, after = early_targets(data), early_targets(other)
        assert len(before) == 18  # June–August × 6 employees
        pd.testing.assert_frame_equal(before, after)


def test_zero_actuals_everywhere_for_one_employee(tmp_path):
    rows = [
        "a,2024-01,revenue,100",
        "b,2024-01,revenue,0",
        "a,2024-02,revenue,120",
        "b,2024-02,revenue,0",
        "a,2024-03,revenue,90",
        "b,2024-03,revenue,0",
    ]
    growth = {"method": "growth", "rate": 0.1, "base": "previous_period", "fallback": "peer_median"}
    code, output, out = _run(tmp_path, rows, [_scheme([_comp("revenue", growth)])])
    assert code == 0, output
    # b's base is 0 (no base): the peer median of the targets that exist, a's 110 and 132
    assert _targets(out) == pytest.approx(
        {
            ("a", "2024-02"): 110.0,
            ("b", "2024-02"): 110.0,
            ("a", "2024-03"): 132.0,
            ("b", "2024-03"): 132.0,
        }
    )
    peers = {"method": "percentile", "q": 0.5, "of": "peers"}
    code, output, out = _run(tmp_path, rows, [_scheme([_comp("revenue", peers)])])
    assert code == 0, output
    # Feb: median {100, 0} = 50; Mar: median {100, 0, 120, 0} = 50
    assert set(_targets(out).values()) == {50.0}
    # own history all zero → a zero target is an error naming the employee and period
    own = {"method": "percentile", "q": 0.5, "of": "own"}
    code, output, out = _run(tmp_path, rows, [_scheme([_comp("revenue", own)])])
    assert code == 2
    assert (
        "2 employee-periods have no usable target:\n"
        "  components[0] (revenue): the target is 0 for employee 'b' in 2024-02\n"
        "  components[0] (revenue): the target is 0 for employee 'b' in 2024-03\n"
    ) in output
    assert "Traceback" not in output


# --------------------------------------------------------------------------- 3. metrics
def test_everybody_misses_near_threshold_and_budget(tmp_path):
    rows = [
        "a,2024-01,revenue,50",
        "b,2024-01,revenue,60",
        "c,2024-01,revenue,0",
        "a,2024-02,revenue,70",
        "b,2024-02,revenue,79",
        "c,2024-02,revenue,0",
    ]
    jump = {"points": [[0.8, 0], [0.8, 0.5], [1.0, 1.0]]}  # nothing below 80%, 50% at it
    scheme = _scheme(
        [_comp("revenue", {"method": "fixed", "value": 100}, curve=jump)],
        budget=2000,
        revenue_kpi="revenue",
    )
    code, output, out = _run(tmp_path, rows, [scheme])
    assert code == 0, output
    m = _metrics(out)["S"]
    # nobody reaches 80%: all zero; cost of sales 0 / 259 = 0
    assert {k: m[k] for k in ("total_cost", "cost_of_sales", "pct_at_target")} == {
        "total_cost": 0.0,
        "cost_of_sales": 0.0,
        "pct_at_target": 0.0,
    }
    assert (m["pct_zero_payout"], m["payout_p10"], m["payout_p50"], m["payout_p90"]) == (
        1.0,
        0.0,
        0.0,
        0.0,
    )
    # leverage 0/0, Spearman with a constant payout, Gini of nothing paid: undefined
    assert all(np.isnan(m[k]) for k in ("leverage", "pay_performance_corr", "gini"))
    # near a jump: 0.95 × 0.8 = 0.76 ≤ attainment < 0.8 → only b in February (0.79): 1/6
    assert m["near_threshold_share"] == pytest.approx(1 / 6)
    # budget 2,000 × 2 periods = 4,000 planned, 0 spent → −100%
    assert m["budget_variance"] == -1.0
    assert "budget_variance        -100.0%" in output


def test_one_employee_an_empty_month_and_every_metric(tmp_path):
    rows = ["a,2024-01,revenue,100", "a,2024-03,revenue,120", "a,2024-04,revenue,90"]
    steps = {"steps": [[0.9, 0.5], [1.0, 1.0], [1.2, 1.5]]}
    scheme = _scheme(
        [_comp("revenue", {"method": "fixed", "value": 100}, curve=steps)],
        budget=1000,
        revenue_kpi="revenue",
    )
    code, output, out = _run(tmp_path, rows, [scheme], "--periods", "2024-01..2024-05")
    assert code == 0, output
    # Jan 1.0 → 1,000; Mar 1.2 → 1,500; Apr 0.9 (a step reached exactly) → 500
    assert _totals(out) == {
        ("a", "2024-01"): 1000.0,
        ("a", "2024-03"): 1500.0,
        ("a", "2024-04"): 500.0,
    }
    m = _metrics(out)["S"]
    # multiples 0.5, 1, 1.5: p10 = 0.5 + 0.2 × 0.5 = 0.6; p50 = 1; p90 = 1.4; leverage 1.4
    # Gini: Σ|xi − xj| over ordered pairs = 2 × (500 + 500 + 1,000) = 4,000;
    #       / (2 × 3² × 1,000) = 0.2222
    # budget: 3 evaluated months × 1,000 = 3,000 = cost → 0; February and May (no rows) are
    # not evaluated and not budgeted
    assert m == pytest.approx(
        {
            "total_cost": 3000.0,
            "cost_per_employee": 3000.0,
            "cost_of_sales": 3000 / 310,
            "pct_at_target": 2 / 3,
            "pct_zero_payout": 0.0,
            "payout_p10": 0.6,
            "payout_p50": 1.0,
            "payout_p90": 1.4,
            "leverage": 1.4,
            "pay_performance_corr": 1.0,
            "gini": 4000 / 18000,
            "near_threshold_share": 0.0,  # 0.9 and 1.2 are reached exactly, not below
            "budget_variance": 0.0,
        }
    )
    assert (
        "Skipped periods:\n  S: 2024-02, 2024-05 (2 periods): no data: nobody has a row for the "
        "scheme's KPIs in this period"
    ) in output


def test_calibrate_pct_at_target_and_total_cost_and_an_unreachable_goal(tmp_path):
    # 20 people: 100 in January, 80 + 2i in February → growth g_i = −0.20 + 0.02 i.
    # With a growth target at rate r, February attainment ≥ 1 ⟺ g_i ≥ r; 65% = 13 of 20 people
    # (i = 7 … 19) ⟺ −0.08 < r ≤ −0.06.
    rows = []
    for i in range(20):
        rows += [f"e{i:02d},2024-01,revenue,100", f"e{i:02d},2024-02,revenue,{80 + 2 * i}"]
    data = tmp_path / "data.csv"
    data.write_text("employee,period,kpi,actual\n" + "\n".join(rows) + "\n", encoding="utf-8")
    growth = {"method": "growth", "rate": 0.05, "base": "previous_period"}
    scheme = tmp_path / "s.yaml"
    scheme.write_text(
        yaml.safe_dump(_scheme([_comp("revenue", growth)], budget=15000)), encoding="utf-8"
    )
    base = ["calibrate", "--data", str(data), "--scheme", str(scheme)]
    rate = ["--param", "components.0.target.rate", "--metric", "pct_at_target", "--to", "0.65"]
    code, output = _cli(base + rate + ["--bounds", "-0.5", "0.5"])
    assert code == 0, output
    first, second = output.splitlines()[:2]
    value = float(first.split(" = ")[1].split(" ")[0])
    assert -0.08 < value <= -0.06
    assert second == "pct_at_target = 65.0% (goal 65.0%)"
    # total cost at rate 0.05: Σ (80 + 2i) / 105 × OTP = 1,980 / 105 × OTP = 18.857 × OTP;
    # 15,000 → OTP = 15,000 × 105 / 1,980 = 795.45
    code, output = _cli(
        base + ["--param", "on_target_pay", "--metric", "total_cost", "--to", "15000"]
    )
    assert code == 0, output
    assert output.splitlines()[:2] == [
        "on_target_pay = 795.455 (was 1000)",
        "total_cost = 15,000 (goal 15,000)",
    ]
    # rates of 30% to 50% are above everyone's growth: nobody at target anywhere in the bounds
    code, output = _cli(base + rate + ["--bounds", "0.3", "0.5"])
    assert code == 2
    assert output == (
        "Error: pct_at_target ranges from 0.0% to 0.0% for components.0.target.rate in "
        "[0.3, 0.5]; 65.0% is outside.\n"
        "Suggestion: widen --bounds, or aim for a value inside that range.\n"
    )


def test_forecast_is_seeded_and_its_overrun_chance_matches_the_draws(tmp_path):
    rows = [
        "a,2024-01,revenue,100",
        "a,2024-02,revenue,300",
        "b,2024-01,revenue,0",
        "b,2024-02,revenue,200",
    ]
    scheme = _scheme([_comp("revenue", {"method": "fixed", "value": 100})], budget=3000)
    # A draw picks one past month per person: a pays 1,000 or 3,000, b 0 or 2,000, so the
    # total is 1,000, 3,000, 3,000 or 5,000 with probability 1/4 each: p5 = 1,000,
    # p50 = 3,000, p95 = 5,000; P(cost > 3,000) = 1/4 (equal to the budget is no overrun).
    code, output, out = _run(tmp_path, rows, [scheme], "--forecast", "4000", "--seed", "7")
    assert code == 0, output
    fc = pd.read_csv(out / "forecast.csv").set_index("metric")
    assert fc.loc["total_cost", ["p5", "p50", "p95"]].tolist() == [1000.0, 3000.0, 5000.0]
    over = fc.loc["prob_over_budget", "p50"]
    assert abs(over - 0.25) < 3 * np.sqrt(0.25 * 0.75 / 4000)  # within 3 standard errors
    assert "  total_cost p5 1,000, p50 3,000, p95 5,000" in output
    assert f"chance that cost exceeds the budget of 3,000: {over:.1%}" in output
    # the same seed gives the same file
    first = (out / "forecast.csv").read_bytes()
    code, output, out = _run(tmp_path, rows, [scheme], "--forecast", "4000", "--seed", "7")
    assert (out / "forecast.csv").read_bytes() == first


def test_forecast_of_a_quarterly_scheme_on_data_ending_inside_a_quarter(tmp_path):
    # Monthly data January to November: a sells 100 a month, b 50. Under a quarterly scheme
    # with growth 0% on the previous quarter, every whole quarter is 300 (a) and 150 (b), so
    # each is exactly at target (1,000 each, 2,000 in all) whichever quarter is drawn.
    # October–November (200 and 100) are no quarter: resampled, or used as the growth base,
    # they would understate both the actuals and the targets.
    rows = [
        f"{e},2024-{m:02d},revenue,{v}" for e, v in (("a", 100), ("b", 50)) for m in range(1, 12)
    ]
    growth = {"method": "growth", "rate": 0.0, "base": "previous_period"}
    scheme = _scheme([_comp("revenue", growth)], period="quarter", budget=2000)
    code, output, out = _run(tmp_path, rows, [scheme], "--forecast", "50", "--seed", "1")
    assert code == 0, output
    assert (
        "Forecast of 2024-Q4 for S: 50 draws × 2 employees (seed 1, no trend)\n"
        "  total_cost p5 2,000, p50 2,000, p95 2,000\n"
        "  chance that cost exceeds the budget of 2,000: 0.0%\n"
        "  note: the data ends inside 2024-Q4 (2024-10 to 2024-11 only): those months are left "
        "out, so that the forecast of 2024-Q4 resamples whole quarters.\n"
    ) in output
    # the simulation itself names the partial quarter too
    assert "2024-Q4 (2 of its 3 months: 2024-10 to 2024-11) is only partly in the data" in output


def test_near_threshold_share_counts_retroactive_tiers_on_amounts(tmp_path):
    # Retroactive tiers on amounts: 5% of everything below 50,000; 8% of everything from it.
    # 49,000 pays 2,450 and 50,000 pays 4,000: one more deal is worth 1,550, so 47,500 ≤
    # actual < 50,000 is where a deal gets moved. Actuals: 47,500 (near: the band's lower
    # edge counts), 49,999 (near), 50,000 (reached: not near), 47,000 (below the band),
    # 120,000 (nowhere near) → 2 of 5.
    rows = [
        "a,2024-01,revenue,47500",
        "b,2024-01,revenue,49999",
        "c,2024-01,revenue,50000",
        "d,2024-01,revenue,47000",
        "e,2024-01,revenue,120000",
    ]
    tiers = [[0, 0.05], [50000, 0.08]]
    retro = {"tiers": tiers, "basis": "value", "mode": "retroactive"}
    marginal = {"tiers": tiers, "basis": "value", "mode": "marginal"}
    schemes = [
        _scheme([{"kpi": "revenue", "commission": retro}], name="R", otp=4000),
        _scheme([{"kpi": "revenue", "commission": marginal}], name="M", otp=4000),
    ]
    code, output, out = _run(tmp_path, rows, schemes)
    assert code == 0, output
    # retroactive: 2,375; 2,499.95; 4,000; 2,350; 9,600
    assert _totals(out, "R") == {
        ("a", "2024-01"): 2375.0,
        ("b", "2024-01"): 2499.95,
        ("c", "2024-01"): 4000.0,
        ("d", "2024-01"): 2350.0,
        ("e", "2024-01"): 9600.0,
    }
    m = _metrics(out)
    assert m["R"]["near_threshold_share"] == pytest.approx(2 / 5)
    # marginal tiers pay continuously (no jump): nothing to game at the edge
    assert m["M"]["near_threshold_share"] == 0.0


def test_quarterly_data_under_a_monthly_scheme_names_the_file(tmp_path):
    rows = ["a,2024-Q1,revenue,100", "a,2024-Q2,revenue,120"]
    scheme = _scheme([_comp("revenue", {"method": "fixed", "value": 100})])
    code, output, out = _run(tmp_path, rows, [scheme])
    assert code == 2
    assert output == (
        f"Error: {tmp_path / 'data.csv'} has quarter periods (YYYY-Qn) but the scheme pays per "
        "month.\nSuggestion: give monthly data, or set the scheme's period to quarter.\n"
    )
    assert not (out / "payouts.csv").exists()
    code, output = _cli(
        ["calibrate", "--data", tmp_path / "data.csv", "--scheme", tmp_path / "s0.yaml"]
        + ["--param", "on_target_pay", "--metric", "total_cost", "--to", "100"]
    )
    assert (code, output.splitlines()[0]) == (
        2,
        f"Error: {tmp_path / 'data.csv'} has quarter periods (YYYY-Qn) but the scheme pays per "
        "month.",
    )
