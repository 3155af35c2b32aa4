"""Design files: loading, cascade, coverage, sensitivity and gap analysis."""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kpitools._util.format import number
from kpitools.design import (
    Design,
    cascade,
    coverage,
    gap_analysis,
    load_design,
    sensitivity,
)
from kpitools.errors import DefinitionError, FormulaError

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "templates" / "designs" / "sales_generator.yaml"


def goals(*items):
    return load_design({"goals": list(items)}, library={})


def error_of(mapping, library=None):
    with pytest.raises(DefinitionError) as info:
        cascade(load_design(mapping, library={} if library is None else library))
    return str(info.value)


# --------------------------------------------------------------------------- the template
def test_contract_example_cascades_to_200_units():
    d = load_design(TEMPLATE)
    r = cascade(d)
    assert r.values == {"revenue": 2_000_000.0, "units_sold": 200.0, "avg_price": 10_000.0}
    assert r.how == {"revenue": "target", "units_sold": "solved", "avg_price": "assumption"}
    assert r.solved == ("units_sold",)
    assert d.client == "Sales Generator LLC"
    assert d.period == "2027-02"
    assert d.currency == "RUB"
    assert list(r.summary["display"]) == ["2,000,000 RUB", "200", "10,000 RUB"]


def test_contract_example_four_people_cover_the_goal():
    cov = coverage(load_design(TEMPLATE)).set_index("goal")
    assert cov.loc["units_sold", "covered"] == 200.0
    assert cov.loc["units_sold", "status"] == "covered"
    assert cov.loc["units_sold", "by_role"] == "sales_department: 4 × 50"
    assert cov.loc["revenue", "status"] == "not measured"


def test_template_lines_are_recorded_for_messages():
    d = load_design(TEMPLATE)
    assert d.where("goals[0].formula") == f"{TEMPLATE}: line 12 (goals[0].formula)"


def test_design_objects_are_frozen_and_pickle():
    d = load_design(TEMPLATE)
    with pytest.raises(AttributeError):
        d.period = "2027-03"
    assert pickle.loads(pickle.dumps(d)).goals == d.goals


# --------------------------------------------------------------------------- worked cascades
def test_additive_cascade_solves_the_missing_term():
    d = goals(
        {"id": "revenue", "target": 1_000_000, "formula": "new_revenue + existing_revenue"},
        {"id": "new_revenue"},
        {"id": "existing_revenue", "value": 700_000},
    )
    assert cascade(d).values["new_revenue"] == 300_000.0


def test_multiplicative_cascade():
    d = goals(
        {"id": "revenue", "target": 3_000_000, "formula": "units * price"},
        {"id": "units"},
        {"id": "price", "value": 12_500},
    )
    assert cascade(d).values["units"] == 240.0


def test_nested_cascade_flows_down_two_levels():
    d = goals(
        {"id": "revenue", "target": 2_000_000, "formula": "units * price"},
        {"id": "units", "formula": "leads * conversion"},
        {"id": "price", "value": 10_000},
        {"id": "leads", "value": 1_000},
        {"id": "conversion"},
    )
    r = cascade(d)
    assert r.values["units"] == 200.0
    assert r.values["conversion"] == pytest.approx(0.2, rel=1e-15)
    assert r.how["conversion"] == "solved"
    assert r.methods == {"units": "inverted", "conversion": "inverted"}


def test_goal_given_at_a_lower_level_and_another_above():
    # units is given below: price is solved from revenue; profit rolls up from revenue
    d = goals(
        {"id": "profit", "formula": "revenue - costs"},
        {"id": "revenue", "target": 2_000_000, "formula": "units * price"},
        {"id": "units", "target": 250},
        {"id": "price"},
        {"id": "costs", "value": 1_500_000},
    )
    r = cascade(d)
    assert r.values == {
        "profit": 500_000.0,
        "revenue": 2_000_000.0,
        "units": 250.0,
        "price": 8_000.0,
    } | {"costs": 1_500_000.0}
    assert r.how["profit"] == "computed"
    assert r.how["price"] == "solved"
    assert set(r.solved) == {"profit", "price"}


@pytest.mark.parametrize(
    ("formula", "target", "known", "expected"),
    [
        ("a - x", 30, {"a": 100}, 70.0),
        ("x - a", 30, {"a": 100}, 130.0),
        ("a / x", 4, {"a": 100}, 25.0),
        ("x / a", 4, {"a": 100}, 400.0),
        ("-x + a", 30, {"a": 100}, 70.0),
        ("(a + x) * 2 / (a - 50)", 6, {"a": 100}, 50.0),
    ],
)
def test_inversion_along_the_expression_tree(formula, target, known, expected):
    d = goals(
        {"id": "y", "target": target, "formula": formula},
        {"id": "x"},
        *({"id": k, "value": v} for k, v in known.items()),
    )
    r = cascade(d)
    assert r.values["x"] == pytest.approx(expected, rel=1e-12)
    assert r.methods["x"] == "inverted"


@pytest.mark.parametrize(
    ("formula", "target", "expected"),
    [("x * x + x", 12, 3.0), ("(x + 1) / x", 1.25, 4.0), ("x * x", 0.25, 0.5)],
)
def test_unknown_appearing_twice_is_solved_with_brentq(formula, target, expected):
    r = cascade(goals({"id": "y", "target": target, "formula": formula}, {"id": "x"}))
    assert r.values["x"] == pytest.approx(expected, rel=1e-9)
    assert r.methods["x"] == "brentq"


def test_unrelated_goal_without_anything_is_unknown():
    r = cascade(goals({"id": "nps", "name": "Customer satisfaction"}))
    assert math.isnan(r.values["nps"])
    assert r.unknown == ("nps",)
    assert r.to_dict() == {"nps": None}


def test_cascade_text_and_html():
    r = cascade(load_design(TEMPLATE))
    assert str(r) == (
        "Goal cascade: Sales Generator LLC, period 2027-02\n"
        "goal        name                                       value  how         formula\n"
        "----------  ---------------------------------  -------------  ----------  "
        "----------------------\n"
        "revenue     Earn 2 million rubles in February  2,000,000 RUB  target      "
        "units_sold * avg_price\n"
        "units_sold  Units sold                                   200  solved\n"
        "avg_price   Average price per unit                10,000 RUB  assumption"
    )
    assert "<h4>Goal cascade</h4>" in r._repr_html_()
    assert repr(r) == "<CascadeResult: 3 goals, 1 solved, 0 unknown>"


# --------------------------------------------------------------------------- cascade errors
def test_two_unknowns_are_named():
    msg = error_of(
        {
            "goals": [
                {"id": "revenue", "target": 1, "formula": "units_sold * price"},
                {"id": "units_sold"},
                {"id": "price"},
            ]
        }
    )
    assert msg == (
        "design: goals[0].formula: cannot solve revenue = units_sold * price: 2 unknowns "
        "('units_sold', 'price'); a formula solves for one unknown only.\n"
        "Suggestion: give a target or an assumed value ('value:') to all but one of "
        "'units_sold', 'price'."
    )


def test_division_by_zero_in_a_formula():
    msg = error_of(
        {
            "goals": [
                {"id": "rate", "formula": "won / leads"},
                {"id": "won", "value": 3},
                {"id": "leads", "value": 0},
            ]
        }
    )
    assert msg == (
        "design: goals[0].formula: goal 'rate': Division by zero in 'won / leads': "
        "'leads' is 0.\nSuggestion: give the divisor a value other than 0, or change the formula."
    )


def test_multiplied_by_zero_cannot_be_solved():
    msg = error_of(
        {
            "goals": [
                {"id": "revenue", "target": 100, "formula": "units * price"},
                {"id": "units"},
                {"id": "price", "value": 0},
            ]
        }
    )
    assert msg == (
        "design: goals[0].formula: cannot solve revenue = units * price for 'units' with "
        "revenue = 100: 'price' is 0, so the product is 0 whatever 'units' is.\n"
        "Suggestion: change the assumptions in the formula or give 'units' a target."
    )


def test_no_root_for_brentq():
    msg = error_of({"goals": [{"id": "y", "target": -4, "formula": "x * x"}, {"id": "x"}]})
    assert msg == (
        "design: goals[0].formula: cannot solve y = x * x for 'x' with y = -4: no value of "
        "'x' between -1e15 and 1e15 reaches it.\n"
        "Suggestion: change the assumptions in the formula or give 'x' a target."
    )


def test_contradicting_targets():
    msg = error_of(
        {
            "goals": [
                {"id": "revenue", "target": 100, "formula": "units * price"},
                {"id": "units", "target": 5},
                {"id": "price", "value": 10},
            ]
        }
    )
    assert msg == (
        "design: goals[0].formula: goal 'revenue' is 100 (target) but its formula "
        "'units * price' gives 50 (units = 5, price = 10).\n"
        "Suggestion: remove the target of 'revenue' or of one of its drivers, or make them agree."
    )


# --------------------------------------------------------------------------- load errors
@pytest.mark.parametrize(
    ("goal_list", "expected"),
    [
        (
            [{"id": "a", "formula": "b + 1"}, {"id": "b", "formula": "a * 2"}],
            "design: goals[0].formula: the goal formulas form a cycle: a → b → a.\n"
            "Suggestion: a goal cannot depend on itself; remove one of these formulas or one "
            "of its ids.",
        ),
        (
            [
                {"id": "x"},
                {"id": "a", "formula": "c"},
                {"id": "b", "formula": "a"},
                {"id": "c", "formula": "b + x"},
            ],
            "design: goals[1].formula: the goal formulas form a cycle: a → c → b → a.\n"
            "Suggestion: a goal cannot depend on itself; remove one of these formulas or one "
            "of its ids.",
        ),
        (
            [{"id": "a", "formula": "a + 1"}],
            "design: goals[0].formula: the goal formulas form a cycle: a → a.\n"
            "Suggestion: a goal cannot depend on itself; remove one of these formulas or one "
            "of its ids.",
        ),
        (
            [
                {"id": "revenue", "formula": "unit_sold * price"},
                {"id": "units_sold"},
                {"id": "price"},
            ],
            "design: goals[0].formula: formula 'unit_sold * price' of goal 'revenue' uses "
            "unknown id 'unit_sold'. Did you mean 'units_sold'?\n"
            "Suggestion: every name in a formula must be a goal id; add a goal 'id: unit_sold' "
            "or fix the spelling.",
        ),
        (
            [{"id": "revenue", "target": 100, "value": 3}],
            "design: goals[0]: goal 'revenue' has both a target (100) and a value (3).\n"
            "Suggestion: keep 'target' for what the company wants, or 'value' for an "
            "assumption held fixed, not both.",
        ),
        (
            [{"id": "x", "target": "2 000 000"}],
            "design: goals[0].target: must be a number, got '2 000 000'.\n"
            "Suggestion: write a plain number such as 2000000 or 0.25 (no spaces, no currency).",
        ),
        (
            [{"id": "x"}, {"id": "x"}],
            "design: goals[1].id: goal id 'x' is already used by goals[0].\n"
            "Suggestion: give every goal its own id.",
        ),
        (
            [{"id": "units sold"}],
            "design: goals[0].id: goal id 'units sold' is not a valid id.\n"
            "Suggestion: use letters, digits and '_' only, starting with a letter "
            "(e.g. units_sold).",
        ),
        (
            [{"id": "x", "formual": "y"}],
            "design: goals[0].formual: unknown key. Did you mean 'formula'?\n"
            "Suggestion: use one of: id, name, target, value, formula, unit, kpi, "
            "description.",
        ),
    ],
)
def test_goal_errors(goal_list, expected):
    assert error_of({"goals": goal_list}) == expected


INJECTIONS = [
    (
        "__import__('os').system('x')",
        "design: goals[0].formula: Formula \"__import__('os').system('x')\": name "
        "'__import__' is not allowed (starts with '__') at column 1.\n"
        "    __import__('os').system('x')\n    ^\n"
        "Suggestion: a formula may only use goal ids, numbers, + - * / and parentheses, "
        "e.g. 'units_sold * avg_price'.",
    ),
    (
        "units.__class__",
        "design: goals[0].formula: Formula 'units.__class__': attribute access '.' is not "
        "allowed at column 6.\n    units.__class__\n         ^\n"
        "Suggestion: a formula may only use numbers, KPI/goal ids, + - * / and parentheses.",
    ),
    (
        "units(2)",
        "design: goals[0].formula: Formula 'units(2)': function calls are not allowed at "
        "column 6.\n    units(2)\n         ^\n"
        "Suggestion: a formula may only use numbers, KPI/goal ids, + - * / and parentheses.",
    ),
    (
        "lambda: 1",
        "design: goals[0].formula: Formula 'lambda: 1': 'lambda' is a reserved word, not an "
        "id at column 1.\n    lambda: 1\n    ^\n"
        "Suggestion: a formula may only use goal ids, numbers, + - * / and parentheses, "
        "e.g. 'units_sold * avg_price'.",
    ),
    (
        "2**10**10",
        "design: goals[0].formula: Formula '2**10**10': operator '**' is not allowed at "
        "column 2.\n    2**10**10\n     ^\n"
        "Suggestion: a formula may only use numbers, KPI/goal ids, + - * / and parentheses.",
    ),
]


@pytest.mark.parametrize(("formula", "expected"), INJECTIONS)
def test_injection_attempts_through_design_files_are_refused(tmp_path, formula, expected):
    d = {"goals": [{"id": "y", "target": 1, "formula": formula}, {"id": "units"}]}
    assert error_of(d) == expected
    # the same through a real file: the message names the file and the line
    path = tmp_path / "d.yaml"
    path.write_text(
        "goals:\n  - id: y\n    target: 1\n    formula: "
        + repr(formula).replace("\\'", "''")
        + "\n  - id: units\n",
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError) as info:
        load_design(path, library={})
    assert str(info.value) == expected.replace(
        "design: goals[0].formula:", f"{path}: line 4 (goals[0].formula):"
    )


def test_malformed_yaml_names_line_and_column(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("goals:\n  - id: revenue\n    target: 100\n   formula: x\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        load_design(path, library={})
    assert str(info.value) == (
        f"{path}: line 4, column 4: invalid YAML: expected <block end>, but found "
        "'<block mapping start>'.\n"
        "Suggestion: check the indentation and the ':' after each key on that line (use "
        "spaces, not tabs), and quote text that contains ': ' or '#'."
    )


def test_python_object_tags_are_refused_with_file_and_key_path(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text(
        "goals:\n  - id: revenue\n    target: !!python/object/apply:os.system ['touch pwned']\n",
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError) as info:
        load_design(path, library={})
    assert str(info.value) == (
        f"{path}: line 3, column 13 (goals[0].target): the YAML tag "
        "'!!python/object/apply:os.system' is not allowed: a design file holds plain data "
        "only (text, numbers, lists, mappings).\n"
        "Suggestion: remove the tag and write the value as plain text or a number."
    )
    assert not (Path.cwd() / "pwned").exists()


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(DefinitionError) as info:
        load_design(tmp_path / "nope.yaml", library={})
    assert str(info.value) == (
        f"{tmp_path / 'nope.yaml'}: design file not found.\n"
        f"Suggestion: check the path (working folder: {Path.cwd()}); for an example see "
        "templates/designs/sales_generator.yaml."
    )
    (tmp_path / "empty.yaml").write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        load_design(tmp_path / "empty.yaml", library={})
    assert str(info.value) == (
        f"{tmp_path / 'empty.yaml'}: the design file is empty.\n"
        "Suggestion: start from templates/designs/sales_generator.yaml."
    )


def role_error(kpi_entry, role_extra=None):
    role = {"id": "r", "headcount": 2, "kpis": [kpi_entry]} | (role_extra or {})
    with pytest.raises(DefinitionError) as info:
        load_design({"goals": [{"id": "units_sold"}], "roles": [role]})
    return str(info.value)


def test_unknown_library_kpi_did_you_mean():
    assert role_error({"kpi": "unit_sold"}) == (
        "design: roles[0].kpis[0].kpi: unknown KPI 'unit_sold': it is not in the KPI library "
        "and not defined inline. Did you mean 'units_sold' or 'units_produced'?\n"
        "Suggestion: use a library id, or define the KPI here with at least 'name:' (and unit, "
        "direction, type, level)."
    )


def test_unknown_goal_did_you_mean():
    assert role_error({"kpi": "units_sold", "goal": "unit_sold"}) == (
        "design: roles[0].kpis[0].goal: KPI 'units_sold' serves unknown goal 'unit_sold'. "
        "Did you mean 'units_sold'?\nSuggestion: use one of the goal ids: units_sold."
    )


def test_weight_as_percent_is_refused():
    assert role_error({"kpi": "units_sold", "weight": 70}) == (
        "design: roles[0].kpis[0].weight: weight 70 is above 1: a weight is a share of "
        "on-target pay.\nSuggestion: write 0.7 for 70%."
    )


def test_inline_field_is_validated():
    assert role_error({"kpi": "calls", "name": "Calls", "type": "leadng"}) == (
        "design: roles[0].kpis[0].type: 'leadng' is not allowed. Did you mean 'leading' or "
        "'lagging'?\n"
        "Suggestion: use one of: leading, lagging."
    )


def test_missing_headcount():
    with pytest.raises(DefinitionError) as info:
        load_design({"roles": [{"id": "r", "kpis": []}]}, library={})
    assert str(info.value) == (
        "design: roles[0]: role 'r' has no 'headcount'.\n"
        "Suggestion: add 'headcount: 4' (the number of people in the role)."
    )


def test_bad_period():
    with pytest.raises(DefinitionError) as info:
        load_design({"period": "Feb 2027"}, library={})
    assert str(info.value) == (
        "design: period: 'Feb 2027' is not a period.\n"
        "Suggestion: write the month as YYYY-MM (2027-02), a quarter as YYYY-Qn (2027-Q1) or "
        "a year."
    )


def test_inline_kpi_and_library_override():
    d = load_design(
        {
            "goals": [{"id": "calls"}],
            "roles": [
                {
                    "id": "r",
                    "headcount": 3,
                    "kpis": [
                        {"kpi": "calls", "name": "Calls made", "unit": "count", "type": "leading"},
                        {"kpi": "revenue", "level": "team"},
                    ],
                }
            ],
        }
    )
    calls, revenue = d.roles[0].kpis
    assert (calls.definition.name, calls.definition.source) == ("Calls made", "inline")
    assert calls.definition.type == "leading"
    assert revenue.definition.level == "team"
    assert revenue.definition.unit == "currency"
    assert revenue.definition.source == "library+inline"
    assert revenue.location == "roles[0].kpis[1]"


def test_lookups_did_you_mean():
    d = load_design(TEMPLATE)
    with pytest.raises(DefinitionError) as info:
        d.goal("revenu")
    assert str(info.value) == (
        f"{TEMPLATE}: no goal 'revenu'. Did you mean 'revenue'?\n"
        "Suggestion: use one of the goal ids: revenue, units_sold, avg_price."
    )
    with pytest.raises(DefinitionError) as info:
        d.role("sales")
    assert str(info.value) == (
        f"{TEMPLATE}: no role 'sales'.\nSuggestion: use one of the role ids: sales_department."
    )


# --------------------------------------------------------------------------- coverage
def test_coverage_short_and_mean_kpis():
    d = load_design(
        {
            "goals": [
                {"id": "revenue", "target": 1_000_000, "formula": "units_sold * avg_price"},
                {"id": "units_sold"},
                {"id": "avg_price", "value": 5_000},
            ],
            "roles": [
                {
                    "id": "a",
                    "headcount": 3,
                    "kpis": [
                        {"kpi": "units_sold", "target": 40},
                        {"kpi": "avg_price", "target": 4_000},
                    ],
                },
                {
                    "id": "b",
                    "headcount": 2,
                    "kpis": [
                        {"kpi": "units_sold", "target": 30},
                        {"kpi": "avg_price", "target": 6_500},
                    ],
                },
            ],
        }
    )
    cov = coverage(d).set_index("goal")
    # 3 × 40 + 2 × 30 = 180 units against 200
    assert cov.loc["units_sold", "covered"] == 180.0
    assert cov.loc["units_sold", "gap"] == -20.0
    assert cov.loc["units_sold", "share"] == 0.9
    assert cov.loc["units_sold", "status"] == "short"
    assert cov.loc["units_sold", "by_role"] == "a: 3 × 40; b: 2 × 30"
    # avg_price is a ratio: headcount-weighted mean (3 × 4000 + 2 × 6500) / 5 = 5000
    assert cov.loc["avg_price", "covered"] == 5_000.0
    assert cov.loc["avg_price", "status"] == "covered"
    per_role = coverage(d, by="role")
    assert per_role[["role", "goal", "contribution", "share_of_goal"]].to_dict("records") == [
        {"role": "a", "goal": "units_sold", "contribution": 120.0, "share_of_goal": 0.6},
        {
            "role": "a",
            "goal": "avg_price",
            "contribution": 4_000.0,
            "share_of_goal": pytest.approx(float("nan"), nan_ok=True),
        },
        {"role": "b", "goal": "units_sold", "contribution": 60.0, "share_of_goal": 0.3},
        {
            "role": "b",
            "goal": "avg_price",
            "contribution": 6_500.0,
            "share_of_goal": pytest.approx(float("nan"), nan_ok=True),
        },
    ]
    with pytest.raises(DefinitionError) as info:
        coverage(d, by="roles")
    assert str(info.value) == (
        "coverage: by='roles' is not known. Did you mean 'role'?\n"
        "Suggestion: use by='goal' or by='role'."
    )


# --------------------------------------------------------------------------- sensitivity
def test_sensitivity_additive_elasticity_is_the_share():
    d = goals(
        {"id": "revenue", "target": 1_000_000, "formula": "new_revenue + existing_revenue"},
        {"id": "new_revenue"},
        {"id": "existing_revenue", "value": 700_000},
    )
    s = sensitivity(d)
    assert s.goal == "revenue"
    assert s.elasticities.to_dict() == pytest.approx({"existing_revenue": 0.7, "new_revenue": 0.3})
    t = s.tornado.set_index("driver")
    assert t.loc["existing_revenue", "goal_at_low"] == pytest.approx(930_000)
    assert t.loc["existing_revenue", "goal_at_high"] == pytest.approx(1_070_000)
    assert t.loc["new_revenue", "swing"] == pytest.approx(60_000)
    assert list(s.tornado["driver"]) == ["existing_revenue", "new_revenue"]


def test_sensitivity_nested_and_quotient():
    d = goals(
        {"id": "profit", "formula": "revenue - costs"},
        {"id": "revenue", "target": 2_000_000, "formula": "units * price"},
        {"id": "units", "formula": "leads / cost_per_lead"},
        {"id": "price", "value": 10_000},
        {"id": "costs", "value": 1_500_000},
        {"id": "leads", "value": 4_000},
        {"id": "cost_per_lead"},
    )
    s = sensitivity(d)
    e = s.elasticities
    # profit = 500,000; d profit / d price = units = 200 → 200 × 10,000 / 500,000 = 4
    assert e["price"] == pytest.approx(4.0)
    assert e["leads"] == pytest.approx(4.0)
    assert e["cost_per_lead"] == pytest.approx(-4.0)
    assert e["costs"] == pytest.approx(-3.0)
    t = s.tornado.set_index("driver")
    # cost per lead 20 → 22: units 181.8…, revenue 1,818,181.8…, profit 318,181.8…
    assert t.loc["cost_per_lead", "goal_at_high"] == pytest.approx(4_000 / 22 * 10_000 - 1.5e6)
    assert "Sensitivity of profit (base 500,000), ±10% per driver" in str(s)


# --------------------------------------------------------------------------- gap analysis
NESTED = [
    {"id": "revenue", "target": 2_000_000, "formula": "units_sold * avg_price"},
    {"id": "units_sold", "formula": "leads * conversion"},
    {"id": "avg_price", "value": 10_000},
    {"id": "leads", "value": 1_000},
    {"id": "conversion"},
]


def test_gap_additive_is_exact():
    d = goals(
        {"id": "revenue", "target": 1_000_000, "formula": "new_revenue + existing_revenue"},
        {"id": "new_revenue"},
        {"id": "existing_revenue", "value": 700_000},
    )
    g = gap_analysis(d, {"new_revenue": 250_000, "existing_revenue": 720_000})
    c = g.contributions.set_index("driver")["contribution"].to_dict()
    assert c == {"new_revenue": -50_000.0, "existing_revenue": 20_000.0}
    assert g.gap == -30_000.0
    assert g.worst == "new_revenue"


def test_gap_multiplicative_is_lmdi():
    d = goals(NESTED[0], {"id": "units_sold"}, NESTED[2])
    g = gap_analysis(d, {"units_sold": 180, "avg_price": 10_500})
    y0, y1 = 2_000_000, 180 * 10_500
    lmean = (y1 - y0) / math.log(y1 / y0)
    c = g.contributions.set_index("driver")["contribution"]
    assert c["units_sold"] == pytest.approx(lmean * math.log(0.9), rel=1e-12)
    assert c["avg_price"] == pytest.approx(lmean * math.log(1.05), rel=1e-12)
    assert c.sum() == pytest.approx(g.gap, rel=1e-12)
    assert g.worst == "units_sold"


def test_gap_nested_and_unexplained_residual():
    d = goals(*NESTED)
    g = gap_analysis(d, {"leads": 900, "conversion": 0.19, "avg_price": 10_500, "units_sold": 160})
    c = g.contributions
    assert g.actual == 160 * 10_500
    assert math.fsum(c["contribution"]) == pytest.approx(g.gap, rel=1e-12)
    assert set(c["driver"]) == {"leads", "conversion", "avg_price", "units_sold"}
    assert c.set_index("driver").loc["units_sold", "kind"] == "unexplained"
    # 900 × 0.19 = 171 units explained by the drivers, 160 sold: 11 units unexplained
    assert c.set_index("driver").loc["units_sold", "change"] == pytest.approx(-11)
    assert g.worst == "leads"
    detail = g.detail.set_index("driver")
    assert detail.loc["units_sold", "contribution"] == pytest.approx(
        detail.loc[["leads", "conversion"], "contribution"].sum()
        + c.set_index("driver").loc["units_sold", "contribution"]
    )


def test_gap_driver_without_actual_is_assumed_on_plan():
    g = gap_analysis(goals(*NESTED), {"leads": 800})
    assert g.assumed_on_plan == ("avg_price", "conversion")
    assert g.contributions.set_index("driver")["contribution"]["leads"] == pytest.approx(-400_000)
    assert "leads cost the most" in str(g)


def test_gap_unknown_actual_id():
    with pytest.raises(DefinitionError) as info:
        gap_analysis(goals(*NESTED), {"lead": 800})
    assert str(info.value) == (
        "design: actual given for unknown goal 'lead'. Did you mean 'leads'?\n"
        "Suggestion: use goal ids: revenue, units_sold, avg_price, leads, conversion."
    )


FORMULAS = [
    "a + b * c",
    "(a + b) * c / d",
    "a * b - c / d",
    "a / (b + c) * d",
    "(a - b) * (c + d)",
    "a * a + b",
]


@settings(max_examples=60, deadline=None)
@given(
    formula=st.sampled_from(FORMULAS),
    plan=st.lists(st.floats(1, 1_000), min_size=4, max_size=4),
    ratio=st.lists(st.floats(0.2, 3), min_size=4, max_size=4),
)
def test_gap_contributions_add_up_to_the_gap(formula, plan, ratio):
    names = "abcd"
    d = goals(
        {"id": "y", "formula": formula},
        *({"id": n, "value": v} for n, v in zip(names, plan, strict=True)),
    )
    used = set(d.goal("y").drivers)
    actuals = {n: p * r for n, p, r in zip(names, plan, ratio, strict=True) if n in used}
    g = gap_analysis(d, actuals)
    assert math.fsum(g.contributions["contribution"]) == pytest.approx(
        g.gap, rel=1e-9, abs=1e-9 * max(1.0, abs(g.plan))
    )


def test_numbers_in_design_messages_read_as_the_one_formatter_writes_them():
    assert number(2_000_000, "currency", "RUB") == "2,000,000 RUB"
    assert number(1234.567) == "1,234.57"
    assert number(0.0523) == "0.0523"
    assert number(0.25, "percent") == "25%"
    assert number(float("nan")) == "n/a"


def test_design_repr():
    assert repr(load_design(TEMPLATE)) == (
        "<Design 'Sales Generator LLC': period 2027-02, 3 goals, 1 roles, 3 KPIs>"
    )
    assert isinstance(load_design(load_design(TEMPLATE)), Design)


def test_brentq_picks_the_smallest_positive_root():
    r = cascade(goals({"id": "y", "target": 0, "formula": "x * x - 5 * x + 6"}, {"id": "x"}))
    assert r.values["x"] == pytest.approx(2.0, rel=1e-9)


@settings(max_examples=50, deadline=None, derandomize=True)
@given(
    formula=st.sampled_from(FORMULAS),
    values=st.lists(st.floats(0.5, 500), min_size=4, max_size=4),
    hidden=st.integers(0, 3),
)
def test_cascade_recovers_a_hidden_driver(formula, values, hidden):
    """Compute the goal forward, hide one driver, and the cascade solves it back."""
    env = dict(zip("abcd", values, strict=True))
    # (a - b) * (c + d) with a == b is 0 whatever c and d are: nothing to solve for
    assume(formula != "(a - b) * (c + d)" or env["a"] != env["b"])
    d = goals({"id": "y", "formula": formula}, *({"id": n, "value": v} for n, v in env.items()))
    names = d.goal("y").drivers
    x = names[hidden % len(names)]
    y = cascade(d).values["y"]
    items = [{"id": "y", "target": y, "formula": formula}]
    items += [{"id": n} if n == x else {"id": n, "value": v} for n, v in env.items()]
    solved = cascade(goals(*items))
    assert solved.how[x] == "solved"
    # the solved driver reproduces the goal (the root may differ from the hidden value where
    # the formula is not one-to-one, e.g. a * a + b)
    back = dict(env, **{x: solved.values[x]})
    assert d.goal("y").expr.evaluate(back) == pytest.approx(y, rel=1e-9)


def test_gap_division_by_zero_in_actuals():
    d = goals(
        {"id": "leads", "target": 1000, "formula": "budget / cpl"},
        {"id": "budget", "value": 100_000},
        {"id": "cpl"},
    )
    with pytest.raises(FormulaError) as info:
        gap_analysis(d, {"cpl": 0})
    assert str(info.value) == (
        "design: actuals of goal 'leads': Division by zero in 'budget / cpl': 'cpl' is 0.\n"
        "Suggestion: give the divisor a value other than 0, or change the formula."
    )


def test_top_goal_sensitivity_of_another_goal_and_role_table():
    d = load_design(ROOT / "templates" / "designs" / "b2b_sales.yaml")
    assert d.top_goal == "revenue"
    assert d.depth()["leads"] == 4
    s = sensitivity(d, goal="won_deals")
    assert set(s.tornado["driver"]) == {"meetings", "win_per_meeting", "leads", "meeting_rate"}
    assert s.elasticities["leads"] == pytest.approx(1.0)
    table = d.role_kpis()
    assert list(table.columns) == [
        "role",
        "kpi",
        "name",
        "goal",
        "weight",
        "target",
        "headcount",
        "on_target_pay",
        "unit",
        "type",
        "level",
        "location",
    ]
    assert len(table) == 11
    assert table.groupby("role", sort=False)["weight"].sum().round(9).tolist() == [1.0, 1.0, 1.0]


def test_a_key_given_twice_is_an_error(tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text("goals:\n  - id: revenue\n    target: 100\n    target: 200\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        load_design(path, library={})
    assert str(info.value) == (
        f"{path}: line 4, column 5 (goals[0].target): the key 'target' is given twice "
        "(first on line 3).\nSuggestion: keep only one of them (YAML would silently use the "
        "last)."
    )


def test_inline_kpi_formula_is_parsed_safely():
    with pytest.raises(DefinitionError) as info:
        load_design(
            {
                "roles": [
                    {
                        "id": "r",
                        "headcount": 1,
                        "kpis": [{"kpi": "x", "name": "X", "formula": "a.__class__"}],
                    }
                ]
            },
            library={},
        )
    assert str(info.value) == (
        "design: roles[0].kpis[0].formula: Formula 'a.__class__': attribute access '.' is not "
        "allowed at column 2.\n    a.__class__\n     ^\n"
        "Suggestion: a formula may only use numbers, KPI/goal ids, + - * / and parentheses."
    )


def test_every_problem_of_a_design_file_is_reported_at_once_with_its_line(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text(
        "goals:\n"
        "  - id: revenue\n"
        "    targte: 100\n"
        "  - id: units\n"
        "    target: 2 000\n"
        "roles:\n"
        "  - id: rep\n"
        "    headcount: 3\n"
        "    kpis:\n"
        "      - {kpi: units_sold, weight: 70}\n",
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError) as info:
        load_design(path)
    assert str(info.value) == (
        f"{path}: line 3 (goals[0].targte): unknown key. Did you mean 'target'?\n"
        "Suggestion: use one of: id, name, target, value, formula, unit, kpi, description.\n"
        f"{path}: line 5 (goals[1].target): must be a number, got '2 000'.\n"
        "Suggestion: write a plain number such as 2000000 or 0.25 (no spaces, no currency).\n"
        f"{path}: line 10 (roles[0].kpis[0].weight): weight 70 is above 1: a weight is a share "
        "of on-target pay.\nSuggestion: write 0.7 for 70%."
    )


def test_problems_that_need_the_whole_design_are_reported_together(tmp_path):
    path = tmp_path / "d.yaml"
    path.write_text(
        "goals:\n"
        "  - id: revenue\n"
        "    formula: units * prise\n"
        "  - id: units\n"
        "  - id: units\n"
        "roles:\n"
        "  - id: rep\n"
        "    headcount: 3\n"
        "    kpis:\n"
        "      - {kpi: units_sld, goal: unit}\n",
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError) as info:
        load_design(path)
    assert str(info.value) == (
        f"{path}: line 5 (goals[2].id): goal id 'units' is already used by goals[1].\n"
        "Suggestion: give every goal its own id.\n"
        f"{path}: line 3 (goals[0].formula): formula 'units * prise' of goal 'revenue' uses "
        "unknown id 'prise'.\n"
        "Suggestion: every name in a formula must be a goal id; add a goal 'id: prise' or fix "
        "the spelling.\n"
        f"{path}: line 10 (roles[0].kpis[0].goal): KPI 'units_sld' serves unknown goal 'unit'. "
        "Did you mean 'units'?\n"
        "Suggestion: use one of the goal ids: revenue, units.\n"
        f"{path}: line 10 (roles[0].kpis[0].kpi): unknown KPI 'units_sld': it is not in the KPI "
        "library and not defined inline. Did you mean 'units_sold' or 'units_produced'?\n"
        "Suggestion: use a library id, or define the KPI here with at least 'name:' (and unit, "
        "direction, type, level)."
    )
