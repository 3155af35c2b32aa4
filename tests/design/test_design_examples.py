"""Textbook design files a consultant might bring, run through the real CLI (`--json`).

Every expected number is worked out by hand in the comment next to it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from kpitools.cli import main
from kpitools.design import gap_analysis, load_design, run_checks, sensitivity, suggest


def write(tmp_path: Path, text: str, name: str = "design.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(args: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(args)
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def cascade(tmp_path: Path, text: str, capsys) -> dict:
    code, out, err = run(["design", "cascade", str(write(tmp_path, text)), "--json"], capsys)
    assert (code, err) == (0, "")
    return json.loads(out)


def check(tmp_path: Path, text: str, capsys, *extra: str) -> tuple[int, list[tuple]]:
    """Exit code and the findings as (rule, severity, location) in printed order."""
    code, out, err = run(["design", "check", str(write(tmp_path, text)), "--json", *extra], capsys)
    assert err == ""
    return code, [(f["rule"], f["severity"], f["location"]) for f in json.loads(out)]


def check_messages(tmp_path: Path, text: str, capsys, rule: str) -> list[str]:
    code, out, _ = run(["design", "check", str(write(tmp_path, text)), "--json"], capsys)
    return [f["message"] for f in json.loads(out) if f["rule"] == rule]


def bad(tmp_path: Path, text: str, capsys, verb: str = "cascade") -> str:
    path = write(tmp_path, text)
    code, out, err = run(["design", verb, str(path), "--json"], capsys)
    assert (code, out) == (2, "")
    return err.replace(str(path), "FILE")


# --------------------------------------------------------------------------- cascades
CONTRACT = """\
client: Sales Generator LLC
period: 2027-02
currency: RUB
goals:
  - id: revenue
    name: Earn 2 million rubles in February
    target: 2000000
    formula: units_sold * avg_price
  - id: units_sold
    name: Units sold
  - id: avg_price
    name: Average price per unit
    value: 10000
roles:
  - id: sales_department
    headcount: 4
    on_target_pay: 50000
    kpis:
      - {kpi: units_sold, goal: units_sold, weight: 0.7, target: 50}
      - {kpi: income_per_lead, goal: revenue, weight: 0.3, target: 2100}
"""


def test_contract_example_cascades_to_200_units_and_4_x_50_covers_it(tmp_path, capsys):
    # 2,000,000 / 10,000 = 200 units
    assert cascade(tmp_path, CONTRACT, capsys) == {
        "revenue": 2_000_000.0,
        "units_sold": 200.0,
        "avg_price": 10_000.0,
    }
    # 4 people × 50 units = 200: covered, so no coverage finding; weights 0.7 + 0.3 = 1
    code, found = check(tmp_path, CONTRACT, capsys)
    assert code == 0
    assert found == [
        ("lagging-only", "warning", "roles[0]"),
        ("gaming-risk", "warning", "roles[0].kpis[0]"),
        ("gaming-risk", "warning", "roles[0].kpis[1]"),
    ]


def test_funnel_leads_x_conversion_x_average_check(tmp_path, capsys):
    text = """\
period: 2027-Q1
goals:
  - {id: revenue, target: 600000, formula: leads * conversion_rate * avg_check}
  - {id: leads}
  - {id: conversion_rate, value: 0.2}
  - {id: avg_check, value: 1500}
roles:
  - id: sdr
    headcount: 5
    on_target_pay: 3000
    kpis:
      - {kpi: leads, goal: leads, weight: 0.1, target: 400}
      - {kpi: meetings, goal: leads, weight: 0.2, target: 60}
      - {kpi: conversion_rate, goal: conversion_rate, weight: 0.7, target: 0.2}
"""
    # 600,000 / (0.2 × 1,500) = 2,000 leads
    assert cascade(tmp_path, text, capsys)["leads"] == 2000.0
    # 5 × 400 = 2,000 leads covered; mean conversion target 0.2 = 0.2; weights
    # 0.1 + 0.2 + 0.7 (= 1.0000000000000002 summed left to right) are 100%
    assert check(tmp_path, text, capsys) == (0, [])


def test_profit_is_revenue_minus_costs(tmp_path, capsys):
    text = """\
period: 2027
goals:
  - {id: profit, target: 300000, formula: revenue - costs}
  - {id: revenue}
  - {id: costs, value: 700000}
"""
    # 300,000 + 700,000 = 1,000,000
    assert cascade(tmp_path, text, capsys) == {
        "profit": 300_000.0,
        "revenue": 1_000_000.0,
        "costs": 700_000.0,
    }


NESTED = """\
period: 2027-03
goals:
  - {id: profit, target: 500000, formula: revenue - costs}
  - {id: revenue, formula: units * price}
  - {id: units, formula: leads * conv}
  - {id: leads}
  - {id: conv, value: 0.25}
  - {id: price, value: 2000}
  - {id: costs, value: 1500000}
"""


def test_three_levels_cascade_down(tmp_path, capsys):
    # revenue = 500,000 + 1,500,000 = 2,000,000; units = 2,000,000 / 2,000 = 1,000;
    # leads = 1,000 / 0.25 = 4,000
    assert cascade(tmp_path, NESTED, capsys) == {
        "profit": 500_000.0,
        "revenue": 2_000_000.0,
        "units": 1000.0,
        "leads": 4000.0,
        "conv": 0.25,
        "price": 2000.0,
        "costs": 1_500_000.0,
    }


def test_unknown_in_a_denominator_and_twice_in_a_ratio(tmp_path, capsys):
    text = """\
period: 2027-03
goals:
  - {id: cpl, target: 50, formula: marketing_cost / leads}
  - {id: marketing_cost, value: 10000}
  - {id: leads}
  - {id: margin, target: 0.25, formula: (revenue - cogs) / revenue}
  - {id: revenue}
  - {id: cogs, value: 750}
  - {id: roi, target: 3, formula: (income - spend) / spend}
  - {id: income, value: 400000}
  - {id: spend}
"""
    got = cascade(tmp_path, text, capsys)
    assert got["leads"] == 200.0  # 10,000 / 50
    assert got["revenue"] == 1000.0  # 1 - 750 / revenue = 0.25 → revenue = 750 / 0.75
    assert got["spend"] == 100_000.0  # 400,000 / spend - 1 = 3 → spend = 400,000 / 4


def test_unknown_twice_in_a_formula_is_solved_to_the_number_a_person_writes(tmp_path, capsys):
    text = """\
goals:
  - {id: margin, target: 0.2, formula: (price - cost) / price}
  - {id: price}
  - {id: cost, value: 80}
  - {id: conv, target: 0.25, formula: won / (won + lost)}
  - {id: won}
  - {id: lost, value: 300}
  - {id: growth, target: 1.1, formula: (base + 0.1) / base}
  - {id: base}
"""
    got = cascade(tmp_path, text, capsys)
    assert got["price"] == 100.0  # (100 - 80) / 100 = 0.2 (was 99.9999999999999)
    assert got["won"] == 100.0  # 100 / (100 + 300) = 0.25
    assert got["base"] == 1.0  # (1 + 0.1) / 1 = 1.1 (was 1.00000000000021)


def test_unknown_in_a_sum(tmp_path, capsys):
    text = """\
period: 2027-03
goals:
  - {id: revenue, target: 1000000, formula: new_revenue + upsell + renewals}
  - {id: new_revenue}
  - {id: upsell, value: 150000}
  - {id: renewals, value: 550000}
"""
    # 1,000,000 - 150,000 - 550,000 = 300,000
    assert cascade(tmp_path, text, capsys)["new_revenue"] == 300_000.0


def test_solved_values_carry_no_binary_noise(tmp_path, capsys):
    text = """\
period: 2027-03
goals:
  - {id: revenue, target: 700000, formula: leads * conv * check}
  - {id: leads}
  - {id: conv, value: 0.07}
  - {id: check, value: 1000}
  - {id: total, target: 0.3, formula: part_a + part_b}
  - {id: part_a, value: 0.1}
  - {id: part_b}
  - {id: sum_up, formula: part_a + x}
  - {id: x, value: 0.2}
"""
    got = cascade(tmp_path, text, capsys)
    # 700,000 / (0.07 × 1,000) = 10,000 (floating point alone gives 9,999.999999999998)
    assert got["leads"] == 10_000.0
    # 0.3 - 0.1 = 0.2 (floating point alone gives 0.19999999999999998)
    assert got["part_b"] == 0.2
    # 0.1 + 0.2 = 0.3 (floating point alone gives 0.30000000000000004)
    assert got["sum_up"] == 0.3


def test_inline_kpi_definition(tmp_path, capsys):
    text = """\
period: 2027-04
currency: EUR
goals:
  - {id: revenue, target: 120000, formula: demos * close_rate * deal}
  - {id: demos}
  - {id: close_rate, value: 0.3}
  - {id: deal, value: 2000}
roles:
  - id: ae
    headcount: 4
    on_target_pay: 5000
    kpis:
      - kpi: demos
        name: Product demos held
        unit: count
        type: leading
        aggregation: sum
        goal: demos
        weight: 0.5
        target: 50
      - {kpi: win_rate, goal: close_rate, weight: 0.5, target: 0.3}
"""
    # 120,000 / (0.3 × 2,000) = 200 demos; 4 × 50 = 200 covers them
    assert cascade(tmp_path, text, capsys)["demos"] == 200.0
    assert check(tmp_path, text, capsys) == (0, [("gaming-risk", "warning", "roles[0].kpis[1]")])


# --------------------------------------------------------------------------- bad designs
def test_two_unknowns_are_named(tmp_path, capsys):
    text = "goals:\n  - {id: revenue, target: 1000, formula: units * price}\n"
    text += "  - {id: units}\n  - {id: price}\n"
    assert bad(tmp_path, text, capsys) == (
        "Error: FILE: line 2 (goals[0].formula): cannot solve revenue = units * price: "
        "2 unknowns ('units', 'price'); a formula solves for one unknown only.\n"
        "Suggestion: give a target or an assumed value ('value:') to all but one of "
        "'units', 'price'.\n"
    )


def test_cycle_is_named(tmp_path, capsys):
    text = "goals:\n  - {id: a, formula: b + 1}\n  - {id: b, formula: c * 2}\n"
    text += "  - {id: c, formula: a - 3}\n"
    assert bad(tmp_path, text, capsys, verb="check") == (
        "Error: FILE: line 2 (goals[0].formula): the goal formulas form a cycle: "
        "a → b → c → a.\n"
        "Suggestion: a goal cannot depend on itself; remove one of these formulas or one of "
        "its ids.\n"
    )


def test_division_by_zero(tmp_path, capsys):
    text = "goals:\n  - {id: cpl, formula: cost / leads}\n  - {id: cost, value: 100}\n"
    text += "  - {id: leads, value: 0}\n"
    assert bad(tmp_path, text, capsys) == (
        "Error: FILE: line 2 (goals[0].formula): goal 'cpl': Division by zero in "
        "'cost / leads': 'leads' is 0.\n"
        "Suggestion: give the divisor a value other than 0, or change the formula.\n"
    )


def test_unknown_ids_get_did_you_mean(tmp_path, capsys):
    text = "goals:\n  - {id: revenue, target: 1000, formula: units * prce}\n"
    text += "  - {id: units}\n  - {id: price, value: 10}\n"
    assert bad(tmp_path, text, capsys) == (
        "Error: FILE: line 2 (goals[0].formula): formula 'units * prce' of goal 'revenue' "
        "uses unknown id 'prce'. Did you mean 'price'?\n"
        "Suggestion: every name in a formula must be a goal id; add a goal 'id: prce' or fix "
        "the spelling.\n"
    )
    text = """\
goals:
  - {id: revenue, target: 1000}
roles:
  - id: rep
    headcount: 1
    kpis:
      - {kpi: units_sld, goal: revenue, weight: 1, target: 5}
"""
    assert bad(tmp_path, text, capsys, verb="check") == (
        "Error: FILE: line 7 (roles[0].kpis[0].kpi): unknown KPI 'units_sld': it is not in "
        "the KPI library and not defined inline. Did you mean 'units_sold' or "
        "'units_produced'?\n"
        "Suggestion: use a library id, or define the KPI here with at least 'name:' (and "
        "unit, direction, type, level).\n"
    )


def test_python_tag_in_goals_is_refused(tmp_path, capsys):
    text = 'period: 2027-03\ngoals: !!python/object/apply:os.system ["echo pwned"]\n'
    assert bad(tmp_path, text, capsys) == (
        "Error: FILE: line 2, column 8 (goals): the YAML tag "
        "'!!python/object/apply:os.system' is not allowed: a design file holds plain data "
        "only (text, numbers, lists, mappings).\n"
        "Suggestion: remove the tag and write the value as plain text or a number.\n"
    )


def test_over_determined_goal(tmp_path, capsys):
    # revenue has its own target and its formula's drivers are all given too
    text = """\
goals:
  - {id: revenue, target: 2000000, formula: units * price}
  - {id: units, target: 200}
  - {id: price, value: 10000}
"""
    # 200 × 10,000 = 2,000,000: they agree, nothing to solve
    assert cascade(tmp_path, text, capsys)["revenue"] == 2_000_000.0
    # 150 × 10,000 = 1,500,000 ≠ 2,000,000: the design contradicts itself
    assert bad(tmp_path, text.replace("target: 200}", "target: 150}"), capsys) == (
        "Error: FILE: line 2 (goals[0].formula): goal 'revenue' is 2,000,000 (target) but "
        "its formula 'units * price' gives 1,500,000 (units = 150, price = 10,000).\n"
        "Suggestion: remove the target of 'revenue' or of one of its drivers, or make them "
        "agree.\n"
    )


# --------------------------------------------------------------------------- the checks table
def design_with(kpis: str, *, goal: str = "{id: revenue, target: 1000}", period=True) -> str:
    head = "period: 2027-02\n" if period else ""
    return (
        f"{head}goals:\n  - {goal}\nroles:\n  - id: rep\n    headcount: 2\n"
        f"    on_target_pay: 1000\n    kpis:\n{kpis}"
    )


def kpi_line(kpi: str, weight, target=1, goal="revenue") -> str:
    parts = [f"kpi: {kpi}"]
    if goal:
        parts.append(f"goal: {goal}")
    if weight is not None:
        parts.append(f"weight: {weight}")
    if target is not None:
        parts.append(f"target: {target}")
    return "      - {" + ", ".join(parts) + "}\n"


EIGHT = [
    "meetings",
    "sales_calls",
    "won_deals",
    "gross_margin_pct",
    "win_rate",
    "avg_deal_size",
    "csat",
    "new_clients",
]


def rules_of(found: list[tuple], rule: str) -> list[tuple]:
    return [f for f in found if f[0] == rule]


def test_too_many_kpis_at_seven_and_eight(tmp_path, capsys):
    seven = design_with("".join(kpi_line(k, "0.1428571429") for k in EIGHT[:7]))
    eight = design_with("".join(kpi_line(k, 0.125) for k in EIGHT))
    assert rules_of(check(tmp_path, seven, capsys)[1], "too-many-kpis") == []
    assert rules_of(check(tmp_path, eight, capsys)[1], "too-many-kpis") == [
        ("too-many-kpis", "warning", "roles[0].kpis")
    ]
    # configurable: 8 is fine with --max-kpis 8
    assert rules_of(check(tmp_path, eight, capsys, "--max-kpis", "8")[1], "too-many-kpis") == []


def test_weights_float_sums_and_the_five_percent_edge(tmp_path, capsys):
    def weights(a, b, c):
        return design_with(
            kpi_line("meetings", a) + kpi_line("gross_margin_pct", b) + kpi_line("win_rate", c)
        )

    # 0.1 + 0.2 + 0.7 is 100% although 0.1 + 0.2 = 0.30000000000000004
    assert rules_of(check(tmp_path, weights(0.1, 0.2, 0.7), capsys)[1], "weights") == []
    # exactly 5% is allowed; 4% is under
    assert rules_of(check(tmp_path, weights(0.05, 0.25, 0.7), capsys)[1], "weights") == []
    assert rules_of(check(tmp_path, weights(0.04, 0.26, 0.7), capsys)[1], "weights") == [
        ("weights", "warning", "roles[0].kpis[0].weight")
    ]
    # 3 × 30% = 90%: an error, exit 1
    code, found = check(tmp_path, weights(0.3, 0.3, 0.3), capsys)
    assert code == 1
    assert rules_of(found, "weights") == [("weights", "error", "roles[0].kpis")]


def coverage_design(goal: str, target: str) -> str:
    return design_with(
        kpi_line("units_sold", 0.6, target, "units_sold")
        + kpi_line("meetings", 0.2, 10, "units_sold")
        + kpi_line("gross_margin_pct", 0.2, 0.3, "units_sold"),
        goal=f"{{id: units_sold, target: {goal}}}",
    ).replace("headcount: 2", "headcount: 4")


def test_coverage_exact_and_one_short(tmp_path, capsys):
    # 4 × 50 = 200 = the goal
    assert rules_of(check(tmp_path, coverage_design("200", "50"), capsys)[1], "coverage") == []
    # 4 × 49.75 = 199: one unit short
    code, found = check(tmp_path, coverage_design("200", "49.75"), capsys)
    assert (code, rules_of(found, "coverage")) == (1, [("coverage", "error", "goals[0]")])
    # 4 × 500,000 = 2,000,000 = the goal
    exact = coverage_design("2000000", "500000")
    assert rules_of(check(tmp_path, exact, capsys)[1], "coverage") == []
    # 4 × 499,999.75 = 1,999,999: one unit short of two million is within the 0.1%
    # tolerance: covered, with a note of the gap, not an error (exit 0)
    short = coverage_design("2000000", "499999.75")
    assert check(tmp_path, short, capsys)[0] == 0
    assert check_messages(tmp_path, short, capsys, "coverage") == [
        "Goal 'units_sold' needs 2,000,000 and the role targets add up to 1,999,999 "
        "(rep: 4 × 499,999.75), 1 (0.00005%) short of it: within the coverage tolerance of "
        "0.1%, so the goal counts as covered. Suggestion: none needed; set 'checks: "
        "{coverage_tolerance: 0}' in the design to require an exact match."
    ]
    # 3 × 1/3 = 1 to rounding: covered
    third = coverage_design("1", "0.3333333333333333").replace("headcount: 4", "headcount: 3")
    assert rules_of(check(tmp_path, third, capsys)[1], "coverage") == []


def test_coverage_of_a_lower_is_better_ratio(tmp_path, capsys):
    def cac(target):
        return design_with(
            kpi_line("cac", 1, target, "acquisition"),
            goal="{id: acquisition, target: 500, kpi: cac}",
        )

    # CAC is a ratio (mean over people) and lower is better: 550 misses a 500 ceiling
    assert check_messages(tmp_path, cac(550), capsys, "coverage") == [
        "Goal 'acquisition' needs at most 500 but the role targets average 550 "
        "(rep: 2 × 550, weighted by headcount), 50 (10%) above it: the goal will not be "
        "reached even if everyone hits target. Suggestion: lower the targets, or raise the "
        "goal."
    ]
    # 450 is stricter than the goal: a buffer
    assert check_messages(tmp_path, cac(450), capsys, "coverage") == [
        "Goal 'acquisition' needs at most 500 and the role targets average 450 "
        "(rep: 2 × 450, weighted by headcount), 50 (10%) below it: a buffer below the goal, "
        "so bonuses start later than the goal requires."
    ]


def test_one_rule_each_triggering_and_clean(tmp_path, capsys):
    good = kpi_line("meetings", 0.5) + kpi_line("gross_margin_pct", 0.5)
    clean = rules_of(check(tmp_path, design_with(good), capsys)[1], "gaming-risk")
    assert check(tmp_path, design_with(good), capsys) == (0, clean)
    cases = {
        "orphan-kpi": kpi_line("meetings", 0.5, goal=None) + kpi_line("gross_margin_pct", 0.5),
        "plan-not-kpi": good + kpi_line("csat", None),
        "no-target": kpi_line("meetings", 0.5, target=None) + kpi_line("gross_margin_pct", 0.5),
        "no-qualitative": kpi_line("meetings", 0.5) + kpi_line("won_deals", 0.5),
        "lagging-only": kpi_line("won_deals", 0.5) + kpi_line("gross_margin_pct", 0.5),
        "not-controllable": kpi_line("meetings", 0.5) + kpi_line("ebitda", 0.5),
    }
    expected = {
        "orphan-kpi": [("orphan-kpi", "warning", "roles[0].kpis[0]")],
        "plan-not-kpi": [("plan-not-kpi", "warning", "roles[0].kpis[2]")],
        # a paid KPI without a target cannot pay: an error
        "no-target": [("no-target", "error", "roles[0].kpis[0]")],
        "no-qualitative": [("no-qualitative", "warning", "roles[0]")],
        "lagging-only": [("lagging-only", "warning", "roles[0]")],
        "not-controllable": [("not-controllable", "warning", "roles[0].kpis[1]")],
    }
    for rule, kpis in cases.items():
        assert rules_of(check(tmp_path, design_with(kpis), capsys)[1], rule) == expected[rule]
    # a company-level role may be paid on a company KPI
    mgmt = design_with(kpi_line("meetings", 0.5) + kpi_line("ebitda", 0.5)).replace(
        "    headcount: 2\n", "    headcount: 2\n    level: company\n"
    )
    assert rules_of(check(tmp_path, mgmt, capsys)[1], "not-controllable") == []
    # gaming-risk: meetings alone is gameable; its counter won_deals in the role keeps it honest
    gamed = rules_of(check(tmp_path, design_with(good), capsys)[1], "gaming-risk")
    assert ("gaming-risk", "warning", "roles[0].kpis[0]") in gamed
    honest = kpi_line("meetings", 0.5) + kpi_line("won_deals", 0.5)
    found = rules_of(check(tmp_path, design_with(honest), capsys)[1], "gaming-risk")
    assert ("gaming-risk", "warning", "roles[0].kpis[0]") not in found
    # not-time-bound
    no_period = check(tmp_path, design_with(good, period=False), capsys)[1]
    assert rules_of(no_period, "not-time-bound") == [("not-time-bound", "warning", "period")]
    assert rules_of(check(tmp_path, design_with(good), capsys)[1], "not-time-bound") == []


def history(tmp_path: Path, kpi: str, hits: int, target: float, lower: bool = False) -> Path:
    """20 employee-periods (5 people × 4 months); the first ``hits`` reach the target."""
    rows = ["employee,period,kpi,actual"]
    for i in range(20):
        hit = i < hits
        v = target + (1 if hit != lower else -1)
        if i == 0 and hit:
            v = target  # exactly at target counts as reaching it
        rows.append(f"e{i % 5},2026-{i // 5 + 1:02d},{kpi},{v}")
    path = tmp_path / f"{kpi}_{hits}.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("kpi", "target", "lower", "hits", "flagged"),
    [
        ("meetings", 20, False, 2, False),  # 2 / 20 = 10%: not under 10%
        ("meetings", 20, False, 1, True),  # 1 / 20 = 5%
        ("meetings", 20, False, 19, False),  # 19 / 20 = 95%: not over 95%
        ("meetings", 20, False, 20, True),  # 20 / 20 = 100%
        ("sales_cycle_days", 30, True, 2, False),  # lower is better: at or below 30 days
        ("sales_cycle_days", 30, True, 1, True),
        ("sales_cycle_days", 30, True, 19, False),
        ("sales_cycle_days", 30, True, 20, True),
    ],
)
def test_not_achievable_edges(tmp_path, capsys, kpi, target, lower, hits, flagged):
    text = design_with(kpi_line(kpi, 1, target))
    data = history(tmp_path, kpi, hits, target, lower)
    found = rules_of(check(tmp_path, text, capsys, "--data", str(data))[1], "not-achievable")
    assert found == ([("not-achievable", "warning", "roles[0].kpis[0]")] if flagged else [])


# --------------------------------------------------------------------------- sensitivity, gap
def test_elasticities_of_a_product_a_sum_and_a_tree(tmp_path):
    product = load_design(write(tmp_path, CONTRACT))
    assert sensitivity(product).elasticities.to_dict() == {"units_sold": 1.0, "avg_price": 1.0}
    total = load_design(
        {
            "goals": [
                {"id": "revenue", "target": 1_000_000, "formula": "new + upsell + renewals"},
                {"id": "new"},
                {"id": "upsell", "value": 150_000},
                {"id": "renewals", "value": 550_000},
            ]
        },
        library={},
    )
    # each term's share of the sum: 550k, 300k, 150k of 1,000,000 (sorted by swing)
    assert sensitivity(total).elasticities.to_dict() == pytest.approx(
        {"renewals": 0.55, "new": 0.3, "upsell": 0.15}, rel=1e-12
    )
    tree = load_design(write(tmp_path, NESTED))
    el = sensitivity(tree).elasticities.to_dict()
    # d profit / d leads × leads / profit = conv × price × 4,000 / 500,000 = 2,000,000 / 500,000
    assert el["leads"] == pytest.approx(4.0, rel=1e-12)
    # d profit / d costs × costs / profit = -1,500,000 / 500,000
    assert el["costs"] == pytest.approx(-3.0, rel=1e-12)


def test_gap_contributions_add_up_to_the_gap(tmp_path):
    d = load_design(write(tmp_path, NESTED))
    r = gap_analysis(d, {"leads": 3500, "conv": 0.22, "price": 2100, "costs": 1_600_000})
    # actual = 3,500 × 0.22 × 2,100 − 1,600,000 = 1,617,000 − 1,600,000 = 17,000
    assert (r.plan, r.actual, r.gap) == (500_000.0, 17_000.0, -483_000.0)
    c = dict(zip(r.contributions["driver"], r.contributions["contribution"], strict=True))
    assert c["costs"] == pytest.approx(-100_000.0, rel=1e-12)  # a sum term: exact
    assert math.fsum(c.values()) == pytest.approx(-483_000.0, abs=1e-6)
    assert r.worst == "leads"


# --------------------------------------------------------------------------- suggest
def test_suggest_respects_room_and_gives_reasons(tmp_path):
    full = load_design(write(tmp_path, design_with("".join(kpi_line(k, 1 / 7) for k in EIGHT[:7]))))
    assert suggest(full).empty  # 7 KPIs: no room
    two = load_design(write(tmp_path, CONTRACT))
    df = suggest(two)
    assert len(df) == 5  # 7 − 2
    assert df["reason"].str.len().gt(0).all()
    df = suggest(
        load_design(write(tmp_path, design_with("".join(kpi_line(k, 0.2) for k in EIGHT[:5]))))
    )
    assert len(df) <= 2


def test_suggest_for_a_role_without_kpis_proposes_the_goal_measures(tmp_path, capsys):
    text = """\
period: 2027-05
goals:
  - {id: revenue, target: 3000000, formula: leads * conversion_rate * avg_deal_size}
  - {id: leads}
  - {id: conversion_rate, value: 0.1}
  - {id: avg_deal_size, value: 30000}
roles:
  - {id: sales_rep, headcount: 5, on_target_pay: 40000}
"""
    df = suggest(load_design(write(tmp_path, text)))
    assert df[["kpi", "reason"]].to_dict("records") == [
        {"kpi": "revenue", "reason": "measures goal revenue"},
        {"kpi": "leads", "reason": "measures goal leads"},
        {"kpi": "conversion_rate", "reason": "measures goal conversion_rate"},
        {"kpi": "avg_deal_size", "reason": "measures goal avg_deal_size"},
    ]
    # the role still has room for 7: four is what the goals call for (a leading indicator,
    # leads, and quality measures, conversion and deal size, are among them)
    code, out, _ = run(["design", "suggest", str(tmp_path / "design.yaml")], capsys)
    assert code == 0
    assert out.startswith("sales_rep: 0 KPIs, room for 7\n")


def test_checks_api_matches_cli(tmp_path):
    report = run_checks(write(tmp_path, CONTRACT))
    assert [f.rule for f in report.findings] == ["lagging-only", "gaming-risk", "gaming-risk"]


def test_a_typo_in_a_goals_kpi_is_an_error_not_a_silent_gap(tmp_path, capsys):
    text = design_with(
        kpi_line("cac", 1, 550, "acquisition"),
        goal="{id: acquisition, target: 500, kpi: cacc}",
    )
    # before: the goal was silently "not measured", so 2 × 550 against 500 went unchecked
    assert bad(tmp_path, text, capsys, verb="check") == (
        "Error: FILE: line 3 (goals[0].kpi): goal 'acquisition' is measured by unknown KPI "
        "'cacc': it is not in the KPI library and no role has it. Did you mean 'cac'?\n"
        "Suggestion: use a library id or the id of a role's KPI, or drop 'kpi:' if the goal's "
        "own id names its KPI.\n"
    )


def test_exponent_numbers_are_numbers(tmp_path, capsys):
    # YAML 1.1 reads 1e6 (no dot) as text; a consultant means 1,000,000
    text = "goals:\n  - {id: revenue, target: 1e6, formula: units * price}\n"
    text += "  - {id: units}\n  - {id: price, value: 2.5e3}\n"
    # 1,000,000 / 2,500 = 400
    assert cascade(tmp_path, text, capsys) == {"revenue": 1e6, "units": 400.0, "price": 2500.0}
    assert bad(tmp_path, text.replace("2.5e3", "'2 500'"), capsys) == (
        "Error: FILE: line 4 (goals[2].value): must be a number, got '2 500'.\n"
        "Suggestion: write a plain number such as 2000000 or 0.25 (no spaces, no currency).\n"
    )


def test_weights_message_never_reads_100_percent_when_it_is_not(tmp_path, capsys):
    text = design_with(
        kpi_line("meetings", 0.3333)
        + kpi_line("gross_margin_pct", 0.3333)
        + kpi_line("win_rate", 0.3333)
    )
    # 3 × 33.33% = 99.99%: short of 100% (was printed "add up to 100% ... not 100%")
    assert check_messages(tmp_path, text, capsys, "weights") == [
        "Weights of role 'rep' add up to 99.99% (33.33% + 33.33% + 33.33%), not 100%. "
        "Suggestion: rebalance them so they add up to 1."
    ]
    text = design_with(
        kpi_line("meetings", 0.0499)
        + kpi_line("gross_margin_pct", 0.2501)
        + kpi_line("win_rate", 0.7)
    )
    # 4.99% is under 5% (was printed "weighs 5%, under 5%")
    assert check_messages(tmp_path, text, capsys, "weights") == [
        "KPI 'meetings' of role 'rep' weighs 4.99%, under 5%: too little pay to change "
        "behaviour. Suggestion: raise it to at least 5% or drop the KPI."
    ]


def test_a_kpi_defined_inline_in_one_role_is_known_in_the_others(tmp_path, capsys):
    text = """\
period: 2027-04
goals:
  - {id: demos, target: 300}
roles:
  - id: ae
    headcount: 4
    on_target_pay: 5000
    kpis:
      - {kpi: demos, name: Product demos held, unit: count, type: leading, goal: demos,
         weight: 1, target: 50}
  - id: se
    headcount: 2
    on_target_pay: 3000
    kpis:
      - {kpi: demos, goal: demos, weight: 1, target: 50}
"""
    # before: roles[1] was refused with "unknown KPI 'demos'"
    d = load_design(write(tmp_path, text))
    assert d.role("se").kpis[0].definition.name == "Product demos held"
    assert d.role("se").kpis[0].definition.type == "leading"
    # 4 × 50 + 2 × 50 = 300 = the goal
    assert check(tmp_path, text, capsys) == (
        0,
        [("no-qualitative", "warning", "roles[0]"), ("no-qualitative", "warning", "roles[1]")],
    )


def test_not_achievable_in_a_quarterly_design_uses_whole_quarters_only(tmp_path, capsys):
    text = design_with(kpi_line("meetings", 1, 30)).replace("2027-02", "2027-Q1")
    # 5 people, 10 meetings a month, January to April 2026: Q1 = 30 each (target reached);
    # Q2 has April only (10), which is no quarter at all and must not count as a miss
    rows = ["employee,period,kpi,actual"]
    rows += [f"e{e},2026-{m:02d},meetings,10" for e in range(5) for m in range(1, 5)]
    data = tmp_path / "history.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, _ = run(
        ["design", "check", str(write(tmp_path, text)), "--data", str(data), "--json"], capsys
    )
    found = [f["message"] for f in json.loads(out) if f["rule"] == "not-achievable"]
    # 5 of 5 whole quarters reached 30 (was 5 of 10 = 50% with the April stubs: no finding)
    assert found == [
        "KPI 'meetings' of role 'rep': 100% of 5 past employee-periods were at or above the "
        "target 30, over 95%: it pays for business as usual. Suggestion: raise the target."
    ]


def test_a_per_person_target_equal_to_the_whole_goal_is_named(tmp_path, capsys):
    text = CONTRACT.replace("weight: 0.7, target: 50}", "weight: 0.7, target: 200}")
    # 4 people × 200 = 800 against 200 units: each was given the team's whole goal
    code, out, _ = run(["design", "check", str(write(tmp_path, text)), "--json"], capsys)
    assert code == 0
    assert [f for f in json.loads(out) if f["rule"] == "coverage"] == [
        {
            "rule": "coverage",
            "severity": "warning",
            "message": "Goal 'units_sold' needs 200 and the role targets add up to 800 "
            "(sales_department: 4 × 200), 600 (300%) above it: a buffer above the goal, so "
            "bonuses start later than the goal requires. Targets are per person: "
            "'sales_department' has 4 people, so a target equal to the whole goal asks each of "
            "them for all of it; per person the goal is 50. Suggestion: make the per-person "
            "figure the target.",
            "location": "goals[1]",
        }
    ]
    # a real buffer (4 × 60 = 240) stays an info without the sentence
    text = CONTRACT.replace("weight: 0.7, target: 50}", "weight: 0.7, target: 60}")
    assert check_messages(tmp_path, text, capsys, "coverage") == [
        "Goal 'units_sold' needs 200 and the role targets add up to 240 (sales_department: "
        "4 × 60), 40 (20%) above it: a buffer above the goal, so bonuses start later than the "
        "goal requires."
    ]


def test_not_achievable_refuses_quarterly_history_for_a_monthly_design(tmp_path, capsys):
    text = design_with(kpi_line("meetings", 1, 30))
    data = tmp_path / "quarters.csv"
    data.write_text(
        "employee,period,kpi,actual\ne1,2026-Q1,meetings,90\ne2,2026-Q1,meetings,60\n",
        encoding="utf-8",
    )
    # 90 meetings a quarter against 30 a month would read as "always reached": not compared
    code, out, _ = run(
        ["design", "check", str(write(tmp_path, text)), "--data", str(data), "--json"], capsys
    )
    assert [f for f in json.loads(out) if f["rule"] == "not-achievable"] == [
        {
            "rule": "not-achievable",
            "severity": "info",
            "message": "The history is by quarter but the design's period 2027-02 is a month: "
            "targets per month cannot be compared with actuals per quarter, so the chance of "
            "reaching them was not checked. Suggestion: give the history by month (or shorter).",
            "location": "period",
        }
    ]


def test_a_solved_zero_is_never_minus_zero(tmp_path, capsys):
    text = "goals:\n  - {id: y, target: 0, formula: a * b}\n  - {id: a}\n  - {id: b, value: -5}\n"
    # 0 / -5 is -0.0 in floating point; the JSON must say 0.0
    code, out, _ = run(["design", "cascade", str(write(tmp_path, text)), "--json"], capsys)
    assert (code, out) == (0, '{\n  "y": 0.0,\n  "a": 0.0,\n  "b": -5.0\n}\n')


def test_gap_with_an_unexplained_part_prints_plain_shares(tmp_path):
    d = load_design(write(tmp_path, CONTRACT))
    r = gap_analysis(d, {"units_sold": 180, "avg_price": 10_000, "revenue": 1_750_000})
    # units: (180 - 200) × 10,000 = -200,000; revenue given 1,750,000 against 180 × 10,000 =
    # 1,800,000: -50,000 unexplained; together the gap of -250,000; an unchanged price: 0%
    assert str(r) == (
        "Gap analysis of revenue: plan 2,000,000, actual 1,750,000, gap -250,000; units_sold "
        "cost the most\n"
        "driver                      plan     actual  change  contribution  share\n"
        "---------------------  ---------  ---------  ------  ------------  -----\n"
        "units_sold                   200        180  -10.0%      -200,000    80%\n"
        "revenue (unexplained)  1,800,000  1,750,000   -2.8%       -50,000    20%\n"
        "avg_price                 10,000     10,000   +0.0%             0     0%"
    )
