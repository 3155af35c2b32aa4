"""Vendor- and textbook-style worked examples, run end to end through the command line.

Each example is a tiny long-format CSV and a hand-written scheme YAML, as a consultant would
type them, run with ``kpitools simulate --data D --scheme S --out OUT`` (the console
script's own entry point, :func:`kpitools.cli`, and once the installed binary), and
checked cent by cent against ``payouts.csv``. Every expected number is derived by hand in the
comment next to it, from contract §4–§5, not from the code.

The KPIs are the shipped library's, so directions (``dso`` and ``avg_handling_time`` are
lower-is-better) come from the library as they would for a client.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from kpitools.cli import main


def _write(tmp_path: Path, csv: str, *schemes: str) -> tuple[Path, list[Path]]:
    data = tmp_path / "data.csv"
    data.write_text(textwrap.dedent(csv).lstrip(), encoding="utf-8")
    paths = []
    for i, text in enumerate(schemes):
        path = tmp_path / f"scheme{i}.yaml"
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        paths.append(path)
    return data, paths


def _argv(data: Path, schemes: list[Path], out: Path) -> list[str]:
    argv = ["simulate", "--data", str(data), "--out", str(out)]
    for s in schemes:
        argv += ["--scheme", str(s)]
    return argv


def _read(out: Path) -> pd.DataFrame:
    return pd.read_csv(
        out / "payouts.csv", dtype={"employee": str, "component": str, "period": str}
    )


def simulate(tmp_path, capsys, csv: str, *schemes: str) -> tuple[pd.DataFrame, str]:
    """Run the CLI on the files; the payout table and what was printed."""
    data, paths = _write(tmp_path, csv, *schemes)
    out = tmp_path / "out"
    code = main(_argv(data, paths, out))
    printed = capsys.readouterr()
    assert code == 0, printed.err
    return _read(out), printed.out


def fails(tmp_path, capsys, csv: str, scheme: str) -> str:
    """Run the CLI expecting bad input: exit 2, no traceback, nothing written; the message."""
    data, paths = _write(tmp_path, csv, scheme)
    out = tmp_path / "out"
    code = main(_argv(data, paths, out))
    printed = capsys.readouterr()
    assert code == 2, printed
    assert "Traceback" not in printed.err
    assert not out.exists()
    return printed.err.replace(str(tmp_path), "DIR")


def totals(payouts: pd.DataFrame, scheme: str | None = None) -> dict:
    t = payouts[payouts["component"] == "total"]
    if scheme is not None:
        t = t[t["scheme"] == scheme]
    return {(e, p): v for e, p, v in zip(t["employee"], t["period"], t["payout"], strict=True)}


def column(payouts: pd.DataFrame, component: str, name: str, scheme: str | None = None) -> list:
    rows = payouts[payouts["component"] == component]
    if scheme is not None:
        rows = rows[rows["scheme"] == scheme]
    return rows[name].tolist()


def _nan_as_none(values: list) -> list:
    return [None if pd.isna(v) else v for v in values]


# --------------------------------------------------------------------------- 1
def test_flat_commission_rate_on_bookings(tmp_path, capsys):
    # Xactly-style "8% of bookings": pays rate × actual, no target needed.
    payouts, _ = simulate(
        tmp_path,
        capsys,
        """
        employee,period,kpi,actual
        r01,2025-03,revenue,125000
        r02,2025-03,revenue,0
        r03,2025-03,revenue,43210.55
        """,
        """
        name: flat_rate
        on_target_pay: 8000
        components:
          - kpi: revenue
            commission: {rate: 0.08}
        """,
    )
    # r01: 125,000 × 0.08 = 10,000; r02: 0; r03: 43,210.55 × 0.08 = 3,456.844 → 3,456.84
    assert totals(payouts) == {
        ("r01", "2025-03"): 10000.0,
        ("r02", "2025-03"): 0.0,
        ("r03", "2025-03"): 3456.84,
    }
    # factor = effective rate (payout / actual); undefined on an actual of 0
    assert _nan_as_none(column(payouts, "0", "factor")) == [0.08, None, 0.08]


# --------------------------------------------------------------------------- 2
MARGINAL = """
    name: marginal
    on_target_pay: 10000
    components:
      - kpi: revenue
        target: {method: from_data}
        commission: {tiers: [[0, 0.10], [1.0, 0.15]], basis: attainment, mode: marginal}
    """
RETROACTIVE = MARGINAL.replace("marginal", "retroactive")
CONTRACT_CSV = """
    employee,period,kpi,actual,target
    a,2025-01,revenue,150000,100000
    b,2025-01,revenue,100000,100000
    c,2025-01,revenue,95000,100000
    """


def test_contract_tier_example_and_an_amount_exactly_on_the_tier_edge(tmp_path, capsys):
    payouts, _ = simulate(tmp_path, capsys, CONTRACT_CSV, MARGINAL, RETROACTIVE)
    # marginal: a 100,000 × 0.10 + 50,000 × 0.15 = 17,500 (the contract's number);
    #   b exactly at 100%: 100,000 × 0.10 = 10,000 (nothing lies above the 1.0 edge);
    #   c 95,000 × 0.10 = 9,500
    assert totals(payouts, "marginal") == {
        ("a", "2025-01"): 17500.0,
        ("b", "2025-01"): 10000.0,
        ("c", "2025-01"): 9500.0,
    }
    # retroactive: a 150,000 × 0.15 = 22,500 (the contract's number);
    #   b on the edge takes the higher tier: 100,000 × 0.15 = 15,000; c 95,000 × 0.10 = 9,500
    assert totals(payouts, "retroactive") == {
        ("a", "2025-01"): 22500.0,
        ("b", "2025-01"): 15000.0,
        ("c", "2025-01"): 9500.0,
    }
    assert column(payouts, "0", "attainment", "retroactive") == [1.5, 1.0, 0.95]
    # factor: the rate applied (retroactive), the effective rate (marginal: 17,500 / 150,000)
    assert column(payouts, "0", "factor", "retroactive") == [0.15, 0.15, 0.10]
    assert column(payouts, "0", "factor", "marginal") == [0.116666666667, 0.1, 0.1]


def test_the_installed_console_script_gives_the_same_numbers(tmp_path):
    data, paths = _write(tmp_path, CONTRACT_CSV, RETROACTIVE)
    out = tmp_path / "out"
    exe = Path(sys.executable).with_name("kpitools")
    res = subprocess.run(
        [str(exe), *_argv(data, paths, out)], capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 0, res.stderr
    assert totals(_read(out)) == {
        ("a", "2025-01"): 22500.0,
        ("b", "2025-01"): 15000.0,
        ("c", "2025-01"): 9500.0,
    }


# --------------------------------------------------------------------------- 3
VALUE_TIERS_CSV = """
    employee,period,kpi,actual
    a,2025-06,revenue,49999.99
    b,2025-06,revenue,50000
    c,2025-06,revenue,100000
    d,2025-06,revenue,120000
    """


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        # marginal, bands 0–50k at 5%, 50k–100k at 7%, 100k+ at 10%:
        # a 49,999.99 × 0.05 = 2,499.9995 → 2,500.00 (half up);
        # b 50,000 × 0.05 = 2,500 (nothing inside the 7% band yet);
        # c 2,500 + 50,000 × 0.07 = 6,000; d 6,000 + 20,000 × 0.10 = 8,000
        ("marginal", [2500.0, 2500.0, 6000.0, 8000.0]),
        # retroactive, the rate of the highest band reached on the whole amount; on an edge
        # the higher band: a 49,999.99 × 0.05 = 2,499.9995 → 2,500.00; b 50,000 × 0.07 =
        # 3,500; c 100,000 × 0.10 = 10,000; d 120,000 × 0.10 = 12,000
        ("retroactive", [2500.0, 3500.0, 10000.0, 12000.0]),
    ],
)
def test_tiers_on_amounts_with_amounts_on_and_a_cent_below_the_edges(
    tmp_path, capsys, mode, expected
):
    payouts, _ = simulate(
        tmp_path,
        capsys,
        VALUE_TIERS_CSV,
        f"""
        name: value_tiers
        on_target_pay: 6000
        components:
          - kpi: revenue
            commission:
              tiers: [[0, 0.05], [50000, 0.07], [100000, 0.10]]
              basis: value
              mode: {mode}
        """,
    )
    assert list(totals(payouts).values()) == expected


# --------------------------------------------------------------------------- 4
ACCELERATOR = """
    name: {name}
    on_target_pay: 20000
    components:
      - kpi: revenue
        weight: 1.0
        target: {{method: fixed, value: 250000}}
        curve:
          points: [[0.9, 0], [0.9, 0.5], [1.0, 1.0], [1.5, 2.0]]
          extrapolate: {extrapolate}
    """


def test_threshold_jump_accelerator_flat_after_the_last_point_or_extrapolated(tmp_path, capsys):
    payouts, _ = simulate(
        tmp_path,
        capsys,
        """
        employee,period,kpi,actual
        a,2025-01,revenue,224999.99
        b,2025-01,revenue,225000
        c,2025-01,revenue,237500
        d,2025-01,revenue,300000
        e,2025-01,revenue,375000
        f,2025-01,revenue,400000
        """,
        ACCELERATOR.format(name="flat", extrapolate="false"),
        ACCELERATOR.format(name="extrapolated", extrapolate="true"),
    )
    # target 250,000, on-target pay 20,000:
    # a 0.89999996: just below the jump → 0
    # b 0.9 exactly: the later point of the jump applies → 0.5 → 10,000
    # c 0.95: 0.5 + 0.05 × (0.5 / 0.1) = 0.75 → 15,000
    # d 1.2: 1.0 + 0.2 × (1.0 / 0.5) = 1.4 → 28,000
    # e 1.5: the last point, 2.0 → 40,000
    # f 1.6: flat after the last point → 2.0 → 40,000; extrapolated with the last
    #   slope 2 → 2.0 + 0.1 × 2 = 2.2 → 44,000
    flat = [0.0, 10000.0, 15000.0, 28000.0, 40000.0, 40000.0]
    assert list(totals(payouts, "flat").values()) == flat
    assert list(totals(payouts, "extrapolated").values()) == flat[:-1] + [44000.0]
    assert column(payouts, "0", "attainment", "flat") == [0.89999996, 0.9, 0.95, 1.2, 1.5, 1.6]
    assert column(payouts, "0", "factor", "extrapolated") == [0.0, 0.5, 0.75, 1.4, 2.0, 2.2]


# --------------------------------------------------------------------------- 5
def test_boundaries_reached_exactly_though_float_division_lands_below(tmp_path, capsys):
    # Each of these is exactly on a boundary in decimal arithmetic, but the float division
    # lands a hair below it: 0.99 / 1.1 = 0.8999999999999999, 1.21 / 1.1 = 1.0999999999999999,
    # 0.36 / 0.4 = 0.8999999999999999, lower-is-better 0.7 / 0.875 = 0.7999999999999999.
    # Reaching a boundary counts (≥), so each must reach it.
    payouts, _ = simulate(
        tmp_path,
        capsys,
        """
        employee,period,kpi,actual
        a,2025-02,revenue,0.99
        a,2025-02,avg_handling_time,0.875
        a,2025-02,gross_margin_pct,0.36
        b,2025-02,revenue,1.21
        b,2025-02,avg_handling_time,0.7
        b,2025-02,gross_margin_pct,0.44
        c,2025-02,revenue,0.9899
        c,2025-02,avg_handling_time,0.8751
        c,2025-02,gross_margin_pct,0.4
        d,2025-02,revenue,1.21
        d,2025-02,avg_handling_time,0.875
        d,2025-02,gross_margin_pct,0.3599
        """,
        """
        name: float_edges
        on_target_pay: 1000
        components:
          - kpi: revenue                 # in millions
            weight: 0.5
            target: 1.1
            curve: {steps: [[0.9, 0.5], [1.0, 1.0], [1.1, 1.5]]}
          - kpi: avg_handling_time       # lower is better (library)
            weight: 0.5
            target: 0.7
            curve: {points: [[0.8, 0], [0.8, 0.5], [1.0, 1.0]]}
        gates:
          - {kpi: gross_margin_pct, min_attainment: 0.9, target: 0.4}
        """,
    )
    # a: revenue 0.9 → step 0.5 → 1000 × 0.5 × 0.5 = 250; handling time 0.8 → the jump's
    #    later point 0.5 → 250; margin 0.9 passes → 500
    # b: revenue 1.1 → 1.5 → 750; handling time 0.7 / 0.7 = 1 → 500; margin 1.1 → 1,250
    # c: revenue 0.9899 / 1.1 = 0.8999… below 0.9 → 0; 0.7 / 0.8751 = 0.79990… → 0 → 0
    # d: as a and b (750 + 250 = 1,000) but margin 0.3599 / 0.4 = 0.89975 misses → 0
    assert list(totals(payouts).values()) == [500.0, 1250.0, 0.0, 0.0]
    assert column(payouts, "0", "attainment") == [0.9, 1.1, 0.899909090909, 1.1]
    assert column(payouts, "1", "attainment") == [0.8, 1.0, 0.799908581876, 0.8]
    assert column(payouts, "total", "gate_passed") == [True, True, True, False]
    # d's components keep their factors (traceable) but pay 0 after the gate
    assert column(payouts, "0", "factor") == [0.5, 1.5, 0.0, 1.5]
    assert column(payouts, "0", "payout") == [250.0, 750.0, 0.0, 0.0]


# --------------------------------------------------------------------------- 6
def test_linear_payout_with_threshold_and_cap(tmp_path, capsys):
    payouts, _ = simulate(
        tmp_path,
        capsys,
        """
        employee,period,kpi,actual
        a,2025-04,new_clients,19
        b,2025-04,new_clients,20
        c,2025-04,new_clients,30
        d,2025-04,new_clients,60
        e,2025-04,new_clients,80
        """,
        """
        name: linear
        on_target_pay: 6000
        components:
          - kpi: new_clients
            weight: 1
            target: {method: fixed, value: 40}
            curve: {linear: {slope: 1.0, threshold: 0.5, cap: 1.5}}
        """,
    )
    # target 40: a 0.475 below the threshold → 0; b 0.5 exactly → 0.5 → 3,000;
    # c 0.75 → 4,500; d 1.5 → 9,000; e 2.0 → capped at 1.5 → 9,000
    assert list(totals(payouts).values()) == [0.0, 3000.0, 4500.0, 9000.0, 9000.0]
    assert column(payouts, "0", "factor") == [0.0, 0.5, 0.75, 1.5, 1.5]


# --------------------------------------------------------------------------- 7
def test_lower_is_better_dso_from_the_library_and_an_actual_of_zero(tmp_path, capsys):
    payouts, _ = simulate(
        tmp_path,
        capsys,
        """
        employee,period,kpi,actual
        a,2025-05,dso,40
        b,2025-05,dso,56.25
        c,2025-05,dso,60
        d,2025-05,dso,0
        e,2025-05,dso,36
        """,
        """
        name: collections
        on_target_pay: 2000
        components:
          - kpi: dso                      # no direction: the library says lower
            weight: 1
            target: 45
            curve: {points: [[0.8, 0.5], [1.0, 1.0], [1.25, 1.5]]}
        """,
    )
    # attainment = target / actual:
    # a 45/40 = 1.125 → 1.0 + 0.125 × (0.5 / 0.25) = 1.25 → 2,500
    # b 45/56.25 = 0.8 → 0.5 → 1,000;  c 45/60 = 0.75 → below the first point → 0
    # d 0 days: the highest attainment on the curve, 1.25 → 1.5 → 3,000
    # e 45/36 = 1.25 → 1.5 → 3,000
    assert list(totals(payouts).values()) == [2500.0, 1000.0, 0.0, 3000.0, 3000.0]
    assert column(payouts, "0", "attainment") == [1.125, 0.8, 0.75, 1.25, 1.25]


# --------------------------------------------------------------------------- 8
def test_baseline_on_a_higher_and_a_lower_kpi(tmp_path, capsys):
    payouts, _ = simulate(
        tmp_path,
        capsys,
        """
        employee,period,kpi,actual
        a,2025-01,nps,35
        a,2025-01,churn_rate,0.075
        b,2025-01,nps,65
        b,2025-01,churn_rate,0.0751
        c,2025-01,nps,10
        c,2025-01,churn_rate,0.05
        d,2025-01,nps,80
        d,2025-01,churn_rate,0.12
        """,
        """
        name: improvement
        on_target_pay: 3000
        components:
          - kpi: nps
            weight: 0.5
            baseline: 20
            target: 50
            curve: {linear: {slope: 1, cap: 1.5}}
          - kpi: churn_rate               # lower is better (library)
            weight: 0.5
            baseline: 0.10
            target: 0.05
            curve: {steps: [[0.5, 1.0]]}
        """,
    )
    # attainment = (actual − baseline) / (target − baseline):
    # nps: a (35−20)/30 = 0.5 → 750; b 45/30 = 1.5 → 2,250; c −10/30 → 0; d 60/30 = 2 →
    #   capped 1.5 → 2,250
    # churn: a (0.075−0.10)/(0.05−0.10) = 0.5 (float: 0.5000000000000001) → step 1.0 → 1,500;
    #   b 0.498 → 0; c 1.0 → 1,500; d (0.12−0.10)/(−0.05) = −0.4 → 0
    assert list(totals(payouts).values()) == [2250.0, 2250.0, 1500.0, 2250.0]
    assert column(payouts, "0", "attainment") == [0.5, 1.5, -0.333333333333, 2.0]
    assert column(payouts, "1", "attainment") == [0.5, 0.498, 1.0, -0.4]


# --------------------------------------------------------------------------- 9
def test_gates_by_kpi_id_and_by_index_exactly_at_and_just_below_their_minimum(tmp_path, capsys):
    rows = ["employee,period,kpi,actual"]
    for e, gm, sla in [
        ("a", 0.315, 0.95),
        ("b", 0.3149, 0.96),
        ("c", 0.4, 0.9499),
        ("d", 0.2, 0.5),
    ]:
        rows += [
            f"{e},2025-07,revenue,100000",
            f"{e},2025-07,new_clients,10",
            f"{e},2025-07,csat,90",
            f"{e},2025-07,gross_margin_pct,{gm}",
            f"{e},2025-07,sla_compliance,{sla}",
        ]
    payouts, _ = simulate(
        tmp_path,
        capsys,
        "\n".join(rows),
        """
        name: gated_scorecard
        on_target_pay: 10000
        components:
          - {kpi: revenue, weight: 0.5, target: 100000,
             curve: {points: [[0.5, 0], [1.0, 1.0], [1.5, 2.0]]}}
          - {kpi: new_clients, weight: 0.3, target: 10, curve: {steps: [[0.8, 0.5], [1.0, 1.0]]}}
          - {kpi: csat, weight: 0.2, target: 90, curve: {steps: [[0.9, 1.0]]}}
        gates:
          - {kpi: gross_margin_pct, min_attainment: 0.9, target: 0.35, applies_to: [revenue]}
          - {kpi: sla_compliance, min_attainment: 1.0, target: 0.95, applies_to: [1, 2]}
        """,
    )
    # everyone is at 100% on every component: 5,000 + 3,000 + 2,000 = 10,000 before gates.
    # a: margin 0.315/0.35 = 0.9 exactly, SLA 0.95/0.95 = 1 exactly → both pass → 10,000
    # b: margin 0.3149/0.35 = 0.8997 misses → revenue zeroed → 3,000 + 2,000 = 5,000
    # c: SLA 0.9499/0.95 = 0.99989… misses → components 1 and 2 zeroed → 5,000
    # d: both miss → 0
    assert list(totals(payouts).values()) == [10000.0, 5000.0, 5000.0, 0.0]
    assert column(payouts, "0", "payout") == [5000.0, 0.0, 5000.0, 0.0]
    assert column(payouts, "1", "payout") == [3000.0, 3000.0, 0.0, 0.0]
    assert column(payouts, "0", "gate_passed") == [True, False, True, False]
    assert column(payouts, "2", "gate_passed") == [True, True, False, False]
    assert column(payouts, "total", "gate_passed") == [True, False, False, False]
    # the total row's attainment: 0.5 × 1 + 0.3 × 1 + 0.2 × 1 = 1 exactly
    assert column(payouts, "total", "attainment") == [1.0, 1.0, 1.0, 1.0]


# --------------------------------------------------------------------------- 10
def test_modifiers_multiply_then_the_cap(tmp_path, capsys):
    payouts, _ = simulate(
        tmp_path,
        capsys,
        """
        employee,period,kpi,actual
        a,2025-09,revenue,120
        a,2025-09,nps,50
        a,2025-09,churn_rate,0.04
        b,2025-09,revenue,150
        b,2025-09,nps,60
        b,2025-09,churn_rate,0.025
        c,2025-09,revenue,80
        c,2025-09,nps,20
        c,2025-09,churn_rate,0.1
        d,2025-09,revenue,100
        d,2025-09,nps,25
        d,2025-09,churn_rate,0
        """,
        """
        name: modified
        on_target_pay: 5000
        components:
          - {kpi: revenue, weight: 1, target: 100, curve: {linear: {slope: 1}}}
        modifiers:
          - {kpi: nps, target: 50, curve: {steps: [[0, 0.9], [0.5, 1.0], [1.0, 1.1]]}}
          - {kpi: churn_rate, target: 0.05, curve: {points: [[0.5, 0.8], [1, 1], [2, 1.2]]}}
        cap: 1.5
        """,
    )
    # a: 5,000 × 1.2 = 6,000; nps 1.0 → 1.1; churn 0.05/0.04 = 1.25 → 1 + 0.25 × 0.2 = 1.05;
    #    modifier 1.1 × 1.05 = 1.155 → 6,930; cap 1.5 × 5,000 = 7,500 → 6,930
    # b: 7,500; nps 1.2 → 1.1; churn 2 → 1.2; 1.32 → 9,900 → capped 7,500
    # c: 4,000; nps 0.4 → 0.9; churn 0.5 → 0.8; 0.72 → 2,880
    # d: 5,000; nps 0.5 → 1.0; churn 0 → the curve's top, 2 → 1.2 → 6,000
    assert column(payouts, "total", "subtotal") == [6000.0, 7500.0, 4000.0, 5000.0]
    assert column(payouts, "total", "modifier") == [1.155, 1.32, 0.72, 1.2]
    assert column(payouts, "total", "before_cap") == [6930.0, 9900.0, 2880.0, 6000.0]
    assert column(payouts, "total", "after_cap") == [6930.0, 7500.0, 2880.0, 6000.0]
    assert column(payouts, "total", "pool_factor") == [1.0, 1.0, 1.0, 1.0]
    assert list(totals(payouts).values()) == [6930.0, 7500.0, 2880.0, 6000.0]


# --------------------------------------------------------------------------- 11
def test_pool_prorates_an_over_budget_period_and_leaves_one_within_budget(tmp_path, capsys):
    payouts, _ = simulate(
        tmp_path,
        capsys,
        """
        employee,period,kpi,actual
        a,2025-01,revenue,150
        b,2025-01,revenue,90
        c,2025-01,revenue,50
        a,2025-02,revenue,100
        b,2025-02,revenue,100
        """,
        """
        name: pooled
        on_target_pay: 10000
        components:
          - {kpi: revenue, weight: 1, target: 100, curve: {linear: {slope: 1}}}
        pool: {budget: 20000}
        """,
    )
    # January: 15,000 + 9,000 + 5,000 = 29,000 > 20,000 → × 20/29:
    #   a 10,344.8275… b 6,206.8965… c 3,448.2758…; floors sum to 19,999.98 and the two
    #   cents left go to the largest remainders (a .76, b .66): 10,344.83 / 6,206.90 / 3,448.27
    # February: 10,000 + 10,000 = 20,000, exactly the budget → not binding, factor 1
    assert totals(payouts) == {
        ("a", "2025-01"): 10344.83,
        ("b", "2025-01"): 6206.90,
        ("c", "2025-01"): 3448.27,
        ("a", "2025-02"): 10000.0,
        ("b", "2025-02"): 10000.0,
    }
    assert round(sum(list(totals(payouts).values())[:3]), 2) == 20000.0
    assert column(payouts, "total", "pool_factor") == [20000 / 29000] * 3 + [1.0, 1.0]
    assert column(payouts, "total", "after_cap") == [15000.0, 9000.0, 5000.0, 10000.0, 10000.0]


# --------------------------------------------------------------------------- 12
def test_pay_per_role_a_new_hire_and_a_missing_actual(tmp_path, capsys):
    payouts, printed = simulate(
        tmp_path,
        capsys,
        """
        employee,period,kpi,actual,target,role
        a,2025-01,revenue,90,100,sales_rep
        a,2025-01,new_clients,5,,sales_rep
        b,2025-01,revenue,120,100,account_manager
        a,2025-02,revenue,100,100,sales_rep
        a,2025-02,new_clients,6,,sales_rep
        b,2025-02,revenue,119.99,100,account_manager
        b,2025-02,new_clients,5,,account_manager
        c,2025-02,revenue,200,100,sales_rep
        c,2025-02,new_clients,0,,sales_rep
        """,
        """
        name: by_role
        on_target_pay: {sales_rep: 4000, account_manager: 6000}
        components:
          - kpi: revenue
            weight: 0.7
            target: {method: from_data}
            curve: {steps: [[0.9, 0.5], [1.0, 1.0], [1.2, 1.5]]}
          - kpi: new_clients
            weight: 0.3
            target: {method: fixed, value: 5}
            curve: {steps: [[1.0, 1.0]]}
        """,
    )
    # 2025-01 a (rep, 4,000): revenue 0.9 → 0.5 → 4,000 × 0.7 × 0.5 = 1,400;
    #   new clients 1.0 → 4,000 × 0.3 = 1,200 → 2,600
    # 2025-01 b (AM, 6,000): revenue 1.2 → 1.5 → 6,300; no new-clients row → 0 → 6,300
    # 2025-02 a: 2,800 + 1,200 = 4,000; b: 119.99 → 1.1999 → 1.0 → 4,200 + 1,800 = 6,000
    # 2025-02 c (new hire, February only, rep): revenue 2.0 → 1.5 → 4,200; 0 clients → 0
    assert totals(payouts) == {
        ("a", "2025-01"): 2600.0,
        ("b", "2025-01"): 6300.0,
        ("a", "2025-02"): 4000.0,
        ("b", "2025-02"): 6000.0,
        ("c", "2025-02"): 4200.0,
    }
    assert column(payouts, "total", "on_target_pay") == [4000, 6000, 4000, 6000, 4000]
    assert _nan_as_none(column(payouts, "1", "actual")) == [5.0, None, 6.0, 5.0, 0.0]
    assert column(payouts, "1", "payout") == [1200.0, 0.0, 1200.0, 1800.0, 0.0]
    assert (
        "by_role: components[1] (new_clients): 1 employee-period(s) have no actual; that "
        "component pays 0 there." in printed
    )


# --------------------------------------------------------------------------- 13
def test_quarterly_amount_tiers_on_monthly_cents_reach_the_edge_exactly(tmp_path, capsys):
    payouts, _ = simulate(
        tmp_path,
        capsys,
        """
        employee,period,kpi,actual
        a,2025-01,revenue,33333.33
        a,2025-02,revenue,33333.33
        a,2025-03,revenue,33333.34
        b,2025-01,revenue,33333.33
        b,2025-02,revenue,33333.33
        b,2025-03,revenue,33333.33
        """,
        """
        name: quarterly_tiers
        period: quarter
        on_target_pay: 5000
        components:
          - kpi: revenue
            commission: {tiers: [[0, 0.05], [100000, 0.08]], basis: value, mode: retroactive}
        """,
    )
    # a: 33,333.33 + 33,333.33 + 33,333.34 = 100,000.00 exactly on the edge → 8% → 8,000
    # b: 99,999.99 → 5% → 4,999.9995 → 5,000.00
    assert totals(payouts) == {("a", "2025-Q1"): 8000.0, ("b", "2025-Q1"): 5000.0}
    assert column(payouts, "0", "actual") == [100000.0, 99999.99]
    assert column(payouts, "0", "factor") == [0.08, 0.05]


# --------------------------------------------------------------------------- 14
def test_weighted_attainment_and_modifier_carry_no_float_noise(tmp_path, capsys):
    # 0.6 + 0.3 + 0.1 is 0.9999999999999999 in floats and 1.1 × 1.05 is 1.1550000000000002:
    # the payout table shows 1 and 1.155, so that "at target" reads as at target.
    payouts, _ = simulate(
        tmp_path,
        capsys,
        """
        employee,period,kpi,actual
        a,2025-01,revenue,10
        a,2025-01,new_clients,10
        a,2025-01,orders,10
        a,2025-01,nps,50
        a,2025-01,csat,84
        """,
        """
        name: scorecard
        on_target_pay: 1000
        components:
          - {kpi: revenue, weight: 0.6, target: 10, curve: {steps: [[1.0, 1.0]]}}
          - {kpi: new_clients, weight: 0.3, target: 10, curve: {steps: [[1.0, 1.0]]}}
          - {kpi: orders, weight: 0.1, target: 10, curve: {steps: [[1.0, 1.0]]}}
        modifiers:
          - {kpi: nps, target: 50, curve: {steps: [[1.0, 1.1]]}}
          - {kpi: csat, target: 80, curve: {points: [[1.0, 1.0], [1.1, 1.1]]}}
        """,
    )
    # 1,000 × (0.6 + 0.3 + 0.1) = 1,000; nps 1.0 → 1.1; csat 84/80 = 1.05 → 1.05;
    # 1,000 × 1.1 × 1.05 = 1,155
    assert column(payouts, "total", "attainment") == [1.0]
    assert column(payouts, "total", "modifier") == [1.155]
    assert list(totals(payouts).values()) == [1155.0]
    text = (tmp_path / "out" / "payouts.csv").read_text(encoding="utf-8")
    assert "0.9999999999999999" not in text and "1.1550000000000002" not in text


# --------------------------------------------------------------------------- errors
GOOD_CSV = """
    employee,period,kpi,actual,target
    a,2025-01,revenue,100,100
    """
CURVE = "weight: 1, target: {method: from_data}, curve: {steps: [[1, 1]]}"


@pytest.mark.parametrize(
    ("csv", "scheme", "message"),
    [
        (
            """
            employee,period,kpi,actual,target
            a,2025-01,revenue,100,100
            b,2025-02,revenue,100,0
            """,
            f"components: [{{kpi: revenue, {CURVE}}}]",
            "DIR/scheme0.yaml: components[0] (revenue): the target is 0 for employee 'b' in "
            "2025-02.\nSuggestion: targets must be positive: check the data's target column.",
        ),
        (
            """
            employee,period,kpi,actual,target
            a,2025-01,revenue,100,100
            b,2025-03,revenue,100,-5
            """,
            f"components: [{{kpi: revenue, {CURVE}}}]",
            "DIR/scheme0.yaml: components[0] (revenue): the target is negative (-5) for employee "
            "'b' in 2025-03.\nSuggestion: targets must be positive: check the data's target "
            "column.",
        ),
        (
            """
            employee,period,kpi,actual,target
            a,2025-01,revenue,100,100
            b,2025-01,revenue,100,
            """,
            f"components: [{{kpi: revenue, {CURVE}}}]",
            "DIR/scheme0.yaml: components[0] (revenue): no target: the data's target column is "
            "empty for it (in at least one month of the period) for employee 'b' in 2025-01.\n"
            "Suggestion: fill in the target column for these rows, or use another target "
            "method.",
        ),
        (
            GOOD_CSV,
            "components: [{kpi: revenue, weight: 1, target: 100, "
            "curve: {points: [[1.0, 1.0], [0.8, 0.5]]}}]",
            "DIR/scheme0.yaml: line 3 (components[0].curve.points): attainments must not decrease "
            "(1 is followed by 0.8).\nSuggestion: list the points in order of attainment.",
        ),
        (
            GOOD_CSV,
            "components: [{kpi: revenue, commission: {rate: -0.05}}]",
            "DIR/scheme0.yaml: line 3 (components[0].commission.rate): a commission rate must not "
            "be negative, got -0.05.\nSuggestion: use 0 or more.",
        ),
        (
            GOOD_CSV,
            "components: [{kpi: revenue, target: 100, "
            "commission: {tiers: [[0, 0.05], [1.0, -0.1]]}}]",
            "DIR/scheme0.yaml: line 3 (components[0].commission.tiers): commission rates must not "
            "be negative (-0.1 in tier 1).\nSuggestion: use 0 or more.",
        ),
        (
            GOOD_CSV,
            f"components: [{{kpi: revenue, {CURVE.replace('weight: 1', 'weight: 0.6')}}}, "
            f"{{kpi: revenue, name: again, {CURVE.replace('weight: 1', 'weight: 0.3')}}}]",
            "DIR/scheme0.yaml: line 3 (components): the weights of the curve components sum to 0.9 "
            "(0.6 + 0.3), not 1.\nSuggestion: make the weights add up to 1 (e.g. 0.6 and 0.4).",
        ),
        (
            GOOD_CSV,
            f"components: [{{kpi: revenue, {CURVE.replace('weight', 'wieght')}}}]",
            "DIR/scheme0.yaml: line 3 (components[0].wieght): unknown key. Did you mean 'weight'?\n"
            "Suggestion: use one of: kpi, target, direction, baseline, scope, name, weight, curve, "
            "commission, basis, missing, active.",
        ),
        (
            GOOD_CSV,
            f"components: [{{kpi: revenue, {CURVE}}}]\n"
            "gates: [{kpi: revenue, min_attainment: 0.9, target: 100, applies_to: [revenu]}]",
            "DIR/scheme0.yaml: line 4 (gates[0].applies_to[0]): no component pays on KPI "
            "'revenu'. Did you mean 'revenue'?\nSuggestion: name a component by its index (from "
            "0) or its KPI id: revenue.",
        ),
        (
            GOOD_CSV,
            f"components: [{{kpi: revenue, {CURVE}}}]\n"
            "modifiers: [{kpi: revenue, target: 100, curve: {step: [[1, 1]]}}]",
            "DIR/scheme0.yaml: line 4 (modifiers[0].curve): unknown curve type (got 'step'). "
            "Did you mean 'steps'?\nSuggestion: use one of: points, steps, linear.",
        ),
    ],
    ids=[
        "zero-target",
        "negative-target",
        "missing-target",
        "unsorted-points",
        "negative-rate",
        "negative-tier-rate",
        "weights",
        "unknown-key",
        "applies-to-typo",
        "curve-type-typo",
    ],
)
def test_bad_input_is_one_message_with_exit_code_2(tmp_path, capsys, csv, scheme, message):
    text = f"name: bad\non_target_pay: 1000\n{scheme}\n"
    assert fails(tmp_path, capsys, csv, text) == f"Error: {message}\n"


# --------------------------------------------------------------------------- 15
def test_a_cap_worth_a_fraction_of_a_cent_is_never_exceeded(tmp_path, capsys):
    payouts, _ = simulate(
        tmp_path,
        capsys,
        """
        employee,period,kpi,actual
        a,2025-01,revenue,200
        b,2025-01,revenue,50
        c,2025-01,revenue,40
        """,
        """
        name: half_cent_cap
        on_target_pay: 333.33
        components:
          - {kpi: revenue, weight: 1, target: 100, curve: {linear: {slope: 1}}}
        cap: 0.5
        """,
    )
    # cap = 0.5 × 333.33 = 166.665: no total may exceed it, so at most 166.66 is paid.
    # a: 333.33 × 2 = 666.66 → 166.66; b: 333.33 × 0.5 = 166.665 → 166.67 (half up) before
    # the cap → 166.66; c: 333.33 × 0.4 = 133.332 → 133.33, under the cap
    assert column(payouts, "total", "before_cap") == [666.66, 166.67, 133.33]
    assert list(totals(payouts).values()) == [166.66, 166.66, 133.33]


# --------------------------------------------------------------------------- 16
def test_quarterly_quota_accelerator_with_monthly_quotas_and_a_mid_quarter_hire(tmp_path, capsys):
    payouts, _ = simulate(
        tmp_path,
        capsys,
        """
        employee,period,kpi,actual,target
        a,2025-01,revenue,70000,50000
        a,2025-02,revenue,40000,50000
        a,2025-03,revenue,70000,50000
        b,2025-01,revenue,100000,50000
        b,2025-02,revenue,100000,50000
        b,2025-03,revenue,100000,50000
        c,2025-02,revenue,30000,50000
        c,2025-03,revenue,20000,50000
        """,
        """
        name: quota_accelerator
        period: quarter
        on_target_pay: 15000
        components:
          - kpi: revenue
            target: {method: from_data}
            commission:
              tiers: [[0, 0.08], [1.0, 0.12], [1.5, 0.15]]
              basis: attainment
              mode: marginal
        """,
    )
    # quotas add up over the quarter: 3 × 50,000 = 150,000 (c, hired in February: 100,000)
    # a: 180,000 → 1.2: 150,000 × 0.08 + 30,000 × 0.12 = 12,000 + 3,600 = 15,600
    # b: 300,000 → 2.0: 12,000 + 75,000 × 0.12 + 75,000 × 0.15 = 12,000 + 9,000 + 11,250
    #    = 32,250
    # c: 50,000 of 100,000 → 0.5: 50,000 × 0.08 = 4,000
    assert totals(payouts) == {
        ("a", "2025-Q1"): 15600.0,
        ("b", "2025-Q1"): 32250.0,
        ("c", "2025-Q1"): 4000.0,
    }
    assert column(payouts, "0", "target") == [150000.0, 150000.0, 100000.0]
    assert column(payouts, "0", "attainment") == [1.2, 2.0, 0.5]
