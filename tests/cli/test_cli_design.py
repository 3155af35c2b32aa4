"""The `kpitools design check | cascade | suggest` commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kpitools.cli import main

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates" / "designs"
SALES = str(TEMPLATES / "sales_generator.yaml")

BAD_WEIGHTS = """\
period: 2027-02
goals:
  - {id: revenue, target: 1000000, formula: units_sold * avg_price}
  - {id: units_sold}
  - {id: avg_price, value: 10000}
roles:
  - id: sales
    headcount: 2
    on_target_pay: 50000
    kpis:
      - {kpi: units_sold, goal: units_sold, weight: 0.6, target: 50}
      - {kpi: avg_price, goal: avg_price, weight: 0.3, target: 10000}
      - {kpi: meetings, goal: units_sold, weight: 0.05, target: 40}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(args: list[str], capsys) -> tuple[int, str, str]:
    try:
        code = main(args)
    except SystemExit as exc:  # 'design check' signals errors found with SystemExit(1)
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cascade_json_is_every_goal_by_id(capsys):
    code, out, err = run(["design", "cascade", SALES, "--json"], capsys)
    assert (code, err) == (0, "")
    assert json.loads(out) == {"revenue": 2_000_000.0, "units_sold": 200.0, "avg_price": 10_000.0}


def test_cascade_human_output(capsys):
    code, out, err = run(["design", "cascade", SALES], capsys)
    assert (code, err) == (0, "")
    assert out == (
        "Goal cascade: Sales Generator LLC, period 2027-02\n"
        "goal        name                                       value  how         formula\n"
        "----------  ---------------------------------  -------------  ----------  "
        "----------------------\n"
        "revenue     Earn 2 million rubles in February  2,000,000 RUB  target      "
        "units_sold * avg_price\n"
        "units_sold  Units sold                                   200  solved\n"
        "avg_price   Average price per unit                10,000 RUB  assumption\n"
        "\n"
        "Coverage: role targets × headcount against each goal\n"
        "goal        goal value  role targets  share  status   by role (headcount × target)\n"
        "----------  ----------  ------------  -----  -------  ----------------------------\n"
        "units_sold         200           200   100%  covered  sales_department: 4 × 50\n"
        "\n"
        "Sensitivity of revenue (base 2,000,000), ±10% per driver\n"
        "driver      elasticity  goal at -10%  goal at +10%    swing\n"
        "----------  ----------  ------------  ------------  -------\n"
        "units_sold           1     1,800,000     2,200,000  400,000\n"
        "avg_price            1     1,800,000     2,200,000  400,000\n"
    )


def test_check_template_reports_plan_not_kpi_and_exits_0(capsys):
    code, out, err = run(["design", "check", SALES, "--json"], capsys)
    assert (code, err) == (0, "")
    findings = json.loads(out)
    assert [(f["rule"], f["severity"], f["location"]) for f in findings] == [
        ("plan-not-kpi", "warning", "roles[0].kpis[2]"),
        ("lagging-only", "warning", "roles[0]"),
        ("gaming-risk", "warning", "roles[0].kpis[0]"),
    ]
    assert all(list(f) == ["rule", "severity", "message", "location"] for f in findings)


def test_check_human_output_is_a_table(capsys):
    code, out, _ = run(["design", "check", SALES], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Design check: Sales Generator LLC"
    assert lines[1] == ("severity  rule          location                    message")
    assert lines[3].startswith(
        "warning   plan-not-kpi  roles[0].kpis[2] (line 33)  KPI 'new_clients' of role"
    )
    assert lines[-1] == "0 errors, 3 warnings, 0 info."


def test_check_exits_1_on_errors(tmp_path, capsys):
    path = write(tmp_path, "d.yaml", BAD_WEIGHTS)
    code, out, err = run(["design", "check", str(path), "--json"], capsys)
    assert (code, err) == (1, "")
    errors = [f for f in json.loads(out) if f["severity"] == "error"]
    assert errors == [
        {
            "rule": "weights",
            "severity": "error",
            "message": "Weights of role 'sales' add up to 95% (60% + 30% + 5%), not 100%. "
            "Suggestion: rebalance them so they add up to 1.",
            "location": "roles[0].kpis",
        }
    ]


def test_check_settings_from_options(tmp_path, capsys):
    code, out, _ = run(["design", "check", SALES, "--json", "--max-kpis", "2"], capsys)
    assert code == 0
    assert "too-many-kpis" in [f["rule"] for f in json.loads(out)]
    path = write(tmp_path, "d.yaml", BAD_WEIGHTS)
    code, out, _ = run(["design", "check", str(path), "--json", "--min-weight", "0.1"], capsys)
    assert [f["location"] for f in json.loads(out) if f["rule"] == "weights"] == [
        "roles[0].kpis",
        "roles[0].kpis[2].weight",
    ]


def test_check_with_history_data(tmp_path, capsys):
    rows = ["employee,period,kpi,actual,role"]
    rows += [f"{i:03d},2026-01,units_sold,{10 if i else 60},sales_department" for i in range(20)]
    data = write(tmp_path, "history.csv", "\n".join(rows) + "\n")
    code, out, err = run(["design", "check", SALES, "--data", str(data), "--json"], capsys)
    assert code == 0
    hits = [f for f in json.loads(out) if f["rule"] == "not-achievable"]
    assert hits[0] == {
        "rule": "not-achievable",
        "severity": "warning",
        "message": "KPI 'units_sold' of role 'sales_department': 5% of 20 past "
        "employee-periods were at or above the target 50, under 10%: almost nobody will reach "
        "it. Suggestion: lower the target or add support (leads, training).",
        "location": "roles[0].kpis[0]",
    }


def test_suggest_command(capsys):
    code, out, err = run(["design", "suggest", SALES, "--role", "sales_department"], capsys)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "sales_department: 3 KPIs, room for 4"
    assert out.splitlines()[3].split()[:2] == ["1", "avg_price"]
    assert len(out.splitlines()) == 7


def test_suggest_unknown_role(capsys):
    code, out, err = run(["design", "suggest", SALES, "--role", "sales_departmnt"], capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"Error: {SALES}: no role 'sales_departmnt'. Did you mean 'sales_department'?\n"
        "Suggestion: use one of the role ids: sales_department.\n"
    )


def test_bad_inputs_exit_2_with_one_message(tmp_path, capsys):
    cycle = write(
        tmp_path,
        "cycle.yaml",
        "goals:\n  - {id: a, formula: b + 1}\n  - {id: b, formula: a * 2}\n",
    )
    code, out, err = run(["design", "cascade", str(cycle)], capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"Error: {cycle}: line 2 (goals[0].formula): the goal formulas form a cycle: "
        "a → b → a.\nSuggestion: a goal cannot depend on itself; remove one of these formulas "
        "or one of its ids.\n"
    )
    two = write(
        tmp_path,
        "two.yaml",
        "goals:\n  - id: revenue\n    target: 100\n    formula: units * price\n"
        "  - id: units\n  - id: price\n",
    )
    code, out, err = run(["design", "check", str(two)], capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"Error: {two}: line 4 (goals[0].formula): cannot solve revenue = units * price: "
        "2 unknowns ('units', 'price'); a formula solves for one unknown only.\n"
        "Suggestion: give a target or an assumed value ('value:') to all but one of 'units', "
        "'price'.\n"
    )


def test_python_tag_is_refused_without_traceback(tmp_path):
    evil = write(
        tmp_path,
        "evil.yaml",
        "client: !!python/object/apply:os.system ['echo pwned > pwned.txt']\ngoals: []\n",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "kpitools.cli", "design", "check", str(evil)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == (
        f"Error: {evil}: line 1, column 9 (client): the YAML tag "
        "'!!python/object/apply:os.system' is not allowed: a design file holds plain data "
        "only (text, numbers, lists, mappings).\n"
        "Suggestion: remove the tag and write the value as plain text or a number.\n"
    )
    assert not (tmp_path / "pwned.txt").exists()


def test_malformed_yaml_exit_2(tmp_path, capsys):
    bad = write(tmp_path, "bad.yaml", "goals:\n  - id: [revenue\n")
    code, out, err = run(["design", "cascade", str(bad), "--json"], capsys)
    assert (code, out) == (2, "")
    assert err.startswith(f"Error: {bad}: line 3, column 1: invalid YAML: ")
    assert err.endswith(
        "Suggestion: check the indentation and the ':' after each key on that line (use "
        "spaces, not tabs), and quote text that contains ': ' or '#'.\n"
    )


def test_help_has_examples(capsys):
    for verb in ("check", "cascade", "suggest"):
        code, out, _ = run(["design", verb, "--help"], capsys)
        assert code == 0
        assert f"kpitools design {verb} templates/designs/sales_generator.yaml" in out


def test_out_of_range_options_name_the_option(capsys):
    code, out, err = run(["design", "suggest", SALES, "--max-kpis", "0"], capsys)
    assert (code, out) == (2, "")
    assert err.endswith("Error: Invalid value for '--max-kpis': 0 is not in the range x>=1.\n")
    code, out, err = run(["design", "check", SALES, "--min-weight", "5"], capsys)
    assert (code, out) == (2, "")
    assert err.endswith(
        "Error: Invalid value for '--min-weight': 5.0 is not in the range 0<=x<=1.\n"
    )


OWN_LIBRARY = """\
kpis:
  - id: demos_held
    name: Product demos held
    area: sales
    unit: count
    direction: higher
    aggregation: sum
    type: leading
    quantitative: true
    level: individual
    description: Demos of the product to a qualified prospect.
"""


def test_design_verbs_take_your_own_library(tmp_path, capsys):
    lib = write(tmp_path, "my_kpis.yaml", OWN_LIBRARY)
    design = write(
        tmp_path,
        "d.yaml",
        "period: 2027-02\ngoals:\n  - {id: revenue, target: 100000, formula: demos_held * 500}\n"
        "  - {id: demos_held}\nroles:\n  - id: ae\n    headcount: 4\n    kpis:\n"
        "      - {kpi: demos_held, goal: demos_held, target: 50}\n",
    )
    # without it, demos_held is unknown
    code, out, err = run(["design", "check", str(design)], capsys)
    assert (code, out) == (2, "")
    assert "unknown KPI 'demos_held'" in err
    # 100,000 / 500 = 200 demos; 4 × 50 = 200 covers them
    code, out, err = run(
        ["design", "cascade", str(design), "--library", str(lib), "--json"], capsys
    )
    assert (code, json.loads(out), err) == (0, {"revenue": 100000.0, "demos_held": 200.0}, "")
    code, out, err = run(["design", "check", str(design), "--library", str(lib), "--json"], capsys)
    assert (code, err) == (0, "")
    assert [f["rule"] for f in json.loads(out)] == ["plan-not-kpi", "no-qualitative"]
    code, out, err = run(["design", "suggest", str(design), "--library", str(lib)], capsys)
    assert (code, err) == (0, "")
    assert out.startswith("ae: 1 KPI, room for 6\n")
