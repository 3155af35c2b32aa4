"""Scheme specs: loading, validation messages, curves, commission, set/to_dict round trips."""

from __future__ import annotations

import copy
import os
import pickle

import pytest

from kpitools.errors import DefinitionError
from kpitools.scheme import (
    load_scheme,
)

CONTRACT = {
    "name": "Accelerated quarterly bonus",
    "period": "quarter",
    "on_target_pay": 30000,
    "revenue_kpi": "revenue",
    "components": [
        {
            "kpi": "revenue",
            "weight": 0.6,
            "target": {"method": "growth", "rate": 0.10, "base": "same_period_last_year"},
            "curve": {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]},
        },
        {
            "kpi": "new_clients",
            "weight": 0.4,
            "target": {"method": "fixed", "value": 12},
            "curve": {"steps": [[0.9, 0.5], [1.0, 1.0], [1.2, 1.3]]},
        },
        {
            "kpi": "revenue",
            "commission": {"tiers": [[0, 0.01], [1.0, 0.02]], "basis": "attainment"},
            "target": {"method": "from_data"},
        },
    ],
    "gates": [
        {
            "kpi": "gross_margin_pct",
            "min_attainment": 0.9,
            "target": {"method": "fixed", "value": 0.35},
        }
    ],
    "modifiers": [
        {
            "kpi": "nps",
            "target": {"method": "fixed", "value": 50},
            "curve": {"steps": [[0, 0.75], [0.6, 1.0]]},
        }
    ],
    "cap": 2.5,
    "budget": 1400000,
    "pool": {"budget": 1500000},
}

CONTRACT_YAML = """\
name: Accelerated quarterly bonus
period: quarter                 # month | quarter | year
on_target_pay: 30000
revenue_kpi: revenue
components:
  - kpi: revenue
    weight: 0.6
    target: {method: growth, rate: 0.10, base: same_period_last_year}
    curve: {points: [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]}
  - kpi: new_clients
    weight: 0.4
    target: {method: fixed, value: 12}
    curve: {steps: [[0.9, 0.5], [1.0, 1.0], [1.2, 1.3]]}
  - kpi: revenue
    commission: {tiers: [[0, 0.01], [1.0, 0.02]], basis: attainment, mode: marginal}
    target: {method: from_data}
gates:
  - {kpi: gross_margin_pct, min_attainment: 0.9, target: {method: fixed, value: 0.35}}
modifiers:
  - {kpi: nps, target: {method: fixed, value: 50}, curve: {steps: [[0, 0.75], [0.6, 1.0]]}}
cap: 2.5
budget: 1400000
pool: {budget: 1500000}
"""


def _mutated(change):
    data = copy.deepcopy(CONTRACT)
    change(data)
    return data


def _error(change) -> str:
    with pytest.raises(DefinitionError) as info:
        load_scheme(_mutated(change))
    return str(info.value)


# --------------------------------------------------------------------------- loading
def test_contract_example_loads_from_yaml(tmp_path):
    path = tmp_path / "accelerated.yaml"
    path.write_text(CONTRACT_YAML, encoding="utf-8")
    scheme = load_scheme(path)
    assert scheme.name == "Accelerated quarterly bonus"
    assert scheme.period == "quarter"
    assert scheme.on_target_pay == 30000.0
    assert [c.kpi for c in scheme.components] == ["revenue", "new_clients", "revenue"]
    assert scheme.components[0].target.method == "growth"
    assert scheme.components[0].target.base == "same_period_last_year"
    assert scheme.components[2].weight is None
    assert scheme.components[2].commission.mode == "marginal"
    assert scheme.gates[0].min_attainment == 0.9
    assert scheme.cap == 2.5 and scheme.budget == 1400000.0 and scheme.pool.budget == 1500000.0
    assert scheme.source == str(path)
    assert load_scheme(CONTRACT) == scheme


def test_name_defaults_to_file_stem(tmp_path):
    path = tmp_path / "plain_bonus.yaml"
    path.write_text(CONTRACT_YAML.replace("name: Accelerated quarterly bonus\n", ""))
    assert load_scheme(path).name == "plain_bonus"


def test_to_dict_round_trips_and_yaml_is_written_atomically(tmp_path):
    scheme = load_scheme(CONTRACT)
    assert load_scheme(scheme.to_dict()) == scheme
    out = tmp_path / "sub" / "s.yaml"
    text = scheme.to_yaml(out)
    assert out.read_text() == text
    assert load_scheme(out) == scheme
    assert [p.name for p in out.parent.iterdir()] == ["s.yaml"]


def test_scheme_is_frozen_and_set_returns_a_new_scheme():
    scheme = load_scheme(CONTRACT)
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        scheme.cap = 3.0
    changed = scheme.set("components.0.target.rate", 0.2)
    assert changed.components[0].target.rate == 0.2
    assert scheme.components[0].target.rate == 0.1
    assert scheme.set("cap", 3).cap == 3.0
    assert scheme.set("components.1.curve.steps.0.0", 0.8).components[1].curve.steps[0] == (
        0.8,
        0.5,
    )


def test_set_bad_paths_and_values_name_the_path():
    scheme = load_scheme(CONTRACT)
    with pytest.raises(DefinitionError) as info:
        scheme.set("components.5.target.rate", 0.2)
    assert str(info.value) == (
        "scheme 'Accelerated quarterly bonus': parameter path 'components.5.target.rate': "
        "components has 3 item(s), so '5' is not an index of it.\n"
        "Suggestion: use an index from 0 to 2."
    )
    with pytest.raises(DefinitionError) as info:
        scheme.set("components.0.target.rte", 0.2)
    assert str(info.value) == (
        "scheme 'Accelerated quarterly bonus' (after setting components.0.target.rte): "
        "components[0].target.rte: unknown key. Did you mean 'rate'?\n"
        "Suggestion: use one of: method, rate, base, fallback."
    )
    with pytest.raises(DefinitionError) as info:
        scheme.set("components.0.weight", 0.5)
    assert str(info.value) == (
        "scheme 'Accelerated quarterly bonus' (after setting components.0.weight): components: "
        "the weights of the curve components sum to 0.9 (0.5 + 0.4), not 1.\n"
        "Suggestion: make the weights add up to 1 (e.g. 0.6 and 0.4)."
    )


def test_target_number_is_shorthand_for_fixed():
    scheme = load_scheme(_mutated(lambda d: d["components"][1].update(target=12)))
    assert scheme.components[1].target.method == "fixed"
    assert scheme.components[1].target.value == 12.0


def test_on_target_pay_per_role():
    scheme = load_scheme(_mutated(lambda d: d.update(on_target_pay={"rep": 30000, "lead": 45000})))
    assert scheme.on_target_pay == {"rep": 30000.0, "lead": 45000.0}
    assert scheme.on_target_pay_for("lead") == 45000.0
    with pytest.raises(DefinitionError) as info:
        scheme.on_target_pay_for("leed")
    assert str(info.value) == (
        "scheme 'Accelerated quarterly bonus': on_target_pay: no amount for role 'leed'. "
        "Did you mean 'lead'?\nSuggestion: add leed: <amount> under on_target_pay."
    )


def test_definition_error_pickles():
    message = _error(lambda d: d.update(cap=-1))
    err = pickle.loads(pickle.dumps(DefinitionError(message)))
    assert str(err) == message


# --------------------------------------------------------------------------- bad input
BAD = {
    "unknown component key": (
        lambda d: d["components"][1].update(wieght=0.4),
        "scheme 'Accelerated quarterly bonus': components[1].wieght: unknown key. "
        "Did you mean 'weight'?\n"
        "Suggestion: use one of: kpi, target, direction, baseline, scope, name, weight, curve, "
        "commission, basis, missing, active.",
    ),
    "unknown top-level key": (
        lambda d: d.update(caps=2),
        "scheme 'Accelerated quarterly bonus': caps: unknown key. Did you mean 'cap'?\n"
        "Suggestion: use one of: name, period, on_target_pay, roles, currency, fx, "
        "description, revenue_kpi, components, gates, modifiers, cap, budget, pool, "
        "proration, fiscal_year_start, true_up, draw, clawback.",
    ),
    "unsorted points": (
        lambda d: d["components"][0]["curve"].update(points=[[0.8, 0.5], [0.7, 1.0]]),
        "scheme 'Accelerated quarterly bonus': components[0].curve.points: attainments must "
        "not decrease (0.8 is followed by 0.7).\n"
        "Suggestion: list the points in order of attainment.",
    ),
    "three points at one attainment": (
        lambda d: d["components"][0]["curve"].update(points=[[1, 0.5], [1, 1.0], [1, 2.0]]),
        "scheme 'Accelerated quarterly bonus': components[0].curve.points: three points at "
        "attainment 1.\nSuggestion: a jump needs exactly two points at the same attainment.",
    ),
    "points closer than 1e-9": (
        lambda d: d["components"][0]["curve"].update(points=[[1.0, 0.5], [1.0 + 1e-12, 1.0]]),
        "scheme 'Accelerated quarterly bonus': components[0].curve.points: attainments 1 and "
        "1.000000000001 are closer than 1e-09.\nSuggestion: write a jump as two points at the "
        "same attainment.",
    ),
    "repeated step": (
        lambda d: d["components"][1]["curve"].update(steps=[[0.9, 0.5], [0.9, 1.0]]),
        "scheme 'Accelerated quarterly bonus': components[1].curve.steps: attainments must "
        "increase (0.9 is followed by 0.9).\n"
        "Suggestion: list the steps in order of attainment, each attainment once.",
    ),
    "negative factor": (
        lambda d: d["components"][1]["curve"].update(steps=[[0.9, -0.5]]),
        "scheme 'Accelerated quarterly bonus': components[1].curve.steps: payout factors must "
        "not be negative (-0.5 at step 0).\nSuggestion: use 0 for no pay.",
    ),
    "point not a pair": (
        lambda d: d["components"][0]["curve"].update(points=[[0.8]]),
        "scheme 'Accelerated quarterly bonus': components[0].curve.points: point 0 must be a "
        "pair [attainment, factor], got [0.8].\n"
        "Suggestion: write each point as two numbers, e.g. [1.0, 1.0].",
    ),
    "point not a number": (
        lambda d: d["components"][0]["curve"].update(points=[[0.8, "a"]]),
        "scheme 'Accelerated quarterly bonus': components[0].curve.points[0][1]: expected a "
        "number, got 'a'.\nSuggestion: write a plain number such as 0.5.",
    ),
    "unknown curve type": (
        lambda d: d["components"][0].update(curve={"pionts": [[1, 1]]}),
        "scheme 'Accelerated quarterly bonus': components[0].curve: unknown curve type (got "
        "'pionts'). Did you mean 'points'?\nSuggestion: use one of: points, steps, linear.",
    ),
    "two curve types": (
        lambda d: d["components"][0].update(curve={"points": [[1, 1]], "steps": [[1, 1]]}),
        "scheme 'Accelerated quarterly bonus': components[0].curve: a curve has one type, got "
        "'points' and 'steps'.\nSuggestion: keep one of them.",
    ),
    "negative linear slope": (
        lambda d: d["components"][0].update(curve={"linear": {"slope": -1}}),
        "scheme 'Accelerated quarterly bonus': components[0].curve.linear.slope: must be at "
        "least 0, got -1.\nSuggestion: use 0 or more.",
    ),
    "negative commission rate": (
        lambda d: d["components"][2]["commission"].update(tiers=[[0, -0.01]]),
        "scheme 'Accelerated quarterly bonus': components[2].commission.tiers: commission "
        "rates must not be negative (-0.01 in tier 0).\nSuggestion: use 0 or more.",
    ),
    "negative flat rate": (
        lambda d: d["components"][2].update(commission={"rate": -0.05}),
        "scheme 'Accelerated quarterly bonus': components[2].commission.rate: a commission "
        "rate must not be negative, got -0.05.\nSuggestion: use 0 or more.",
    ),
    "unsorted tiers": (
        lambda d: d["components"][2]["commission"].update(tiers=[[1.0, 0.02], [0, 0.01]]),
        "scheme 'Accelerated quarterly bonus': components[2].commission.tiers: tier starts "
        "must increase (1 is followed by 0).\n"
        "Suggestion: list the tiers in order of their start, each start once.",
    ),
    "rate and tiers": (
        lambda d: d["components"][2]["commission"].update(rate=0.1),
        "scheme 'Accelerated quarterly bonus': components[2].commission: give one of 'rate', "
        "'per_unit' or 'tiers', not rate and tiers.\nSuggestion: write {rate: 0.05} (of the "
        "amount), {per_unit: 50} (money per unit) or "
        "{tiers: [[0, 0.01], [1.0, 0.02]], mode: marginal}.",
    ),
    "weights do not sum to 1": (
        lambda d: d["components"][1].update(weight=0.3),
        "scheme 'Accelerated quarterly bonus': components: the weights of the curve "
        "components sum to 0.9 (0.6 + 0.3), not 1.\n"
        "Suggestion: make the weights add up to 1 (e.g. 0.6 and 0.4).",
    ),
    "commission with a weight": (
        lambda d: d["components"][2].update(weight=0.1),
        "scheme 'Accelerated quarterly bonus': components[2]: a commission component has no "
        "'weight'.\nSuggestion: remove weight: (a commission pays money on the actual itself).",
    ),
    "curve without weight": (
        lambda d: d["components"][1].pop("weight"),
        "scheme 'Accelerated quarterly bonus': components[1]: a component with a curve needs "
        "a 'weight'.\nSuggestion: add weight: (the weights of the curve components sum to 1).",
    ),
    "neither curve nor commission": (
        lambda d: d["components"][1].pop("curve"),
        "scheme 'Accelerated quarterly bonus': components[1]: a component has either a "
        "'curve' or a 'commission'.\n"
        "Suggestion: add curve: {points: …} with a weight, or commission: {rate: …}.",
    ),
    "unknown target method": (
        lambda d: d["components"][0].update(target={"method": "grwoth", "rate": 0.1}),
        "scheme 'Accelerated quarterly bonus': components[0].target: unknown target method "
        "'grwoth'. Did you mean 'growth'?\n"
        "Suggestion: use one of: fixed, from_data, growth, percentile, allocate.",
    ),
    "target without method": (
        lambda d: d["components"][0].update(target={"rate": 0.1}),
        "scheme 'Accelerated quarterly bonus': components[0].target: the target has no "
        "'method'.\nSuggestion: add method: with one of: fixed, from_data, growth, "
        "percentile, allocate.",
    ),
    "bad growth base": (
        lambda d: d["components"][0]["target"].update(base="last_year"),
        "scheme 'Accelerated quarterly bonus': components[0].target.base: 'last_year' is not "
        "allowed. Did you mean 'same_period_last_year'?\n"
        "Suggestion: use one of: previous_period, same_period_last_year.",
    ),
    "zero fixed target": (
        lambda d: d["components"][1]["target"].update(value=0),
        "scheme 'Accelerated quarterly bonus': components[1].target.value: must be greater "
        "than 0, got 0.\nSuggestion: use a number greater than 0.",
    ),
    "percentile q above 1": (
        lambda d: d["components"][1].update(target={"method": "percentile", "q": 40}),
        "scheme 'Accelerated quarterly bonus': components[1].target.q: q must be between 0 "
        "and 1, got 40.\nSuggestion: write the 40th percentile as 0.4.",
    ),
    "bad period": (
        lambda d: d.update(period="qtr"),
        "scheme 'Accelerated quarterly bonus': period: 'qtr' is not allowed.\n"
        "Suggestion: use one of: month, quarter, year.",
    ),
    "negative cap": (
        lambda d: d.update(cap=-1),
        "scheme 'Accelerated quarterly bonus': cap: must be greater than 0, got -1.\n"
        "Suggestion: use a number greater than 0.",
    ),
    "missing on_target_pay": (
        lambda d: d.pop("on_target_pay"),
        "scheme 'Accelerated quarterly bonus': on_target_pay: required key is missing.\n"
        "Suggestion: add on_target_pay: to the top level.",
    ),
    "negative role pay": (
        lambda d: d.update(on_target_pay={"rep": -1}),
        "scheme 'Accelerated quarterly bonus': on_target_pay: the on-target pay of role 'rep' "
        "must be positive, got -1.\nSuggestion: use the bonus paid at 100% attainment.",
    ),
    "gate applies to a missing index": (
        lambda d: d["gates"][0].update(applies_to=[5]),
        "scheme 'Accelerated quarterly bonus': gates[0].applies_to[0]: there is no component "
        "5 (the scheme has 3: 0 to 2).\n"
        "Suggestion: name a component by its index (from 0) or its KPI id.",
    ),
    "gate applies to an unknown KPI": (
        lambda d: d["gates"][0].update(applies_to=["revnue"]),
        "scheme 'Accelerated quarterly bonus': gates[0].applies_to[0]: no component pays on "
        "KPI 'revnue'. Did you mean 'revenue'?\n"
        "Suggestion: name a component by its index (from 0) or its KPI id: revenue, "
        "new_clients.",
    ),
    "duplicate component names": (
        lambda d: [c.update(name="rev") for c in d["components"][:2]],
        "scheme 'Accelerated quarterly bonus': components[1].name: components 0 and 1 are both "
        "called 'rev'.\nSuggestion: give each component its own name (the payout table's "
        "'component').",
    ),
    "component named total": (
        lambda d: d["components"][2].update(name="total"),
        "scheme 'Accelerated quarterly bonus': components[2].name: 'total' names the total row "
        "of the payout table.\nSuggestion: give the component another name.",
    ),
    "no components": (
        lambda d: d.update(components=[]),
        "scheme 'Accelerated quarterly bonus': components: a scheme needs at least one "
        "component.\nSuggestion: add components: [- kpi: …].",
    ),
    "roles as one text": (
        lambda d: d.update(roles="sales_rep"),
        "scheme 'Accelerated quarterly bonus': roles: expected a list of roles, got "
        "'sales_rep'.\nSuggestion: write roles: [sales_rep] (a list, even for one role).",
    ),
    "roles empty": (
        lambda d: d.update(roles=[]),
        "scheme 'Accelerated quarterly bonus': roles: the list of roles is empty.\n"
        "Suggestion: list the roles to evaluate, e.g. roles: [sales_rep], or remove roles: to "
        "evaluate everyone.",
    ),
    "role twice": (
        lambda d: d.update(roles=["sales_rep", "kam", "sales_rep"]),
        "scheme 'Accelerated quarterly bonus': roles[2]: role 'sales_rep' is listed twice.\n"
        "Suggestion: list each role once.",
    ),
    "role blank": (
        lambda d: d.update(roles=["sales_rep", " "]),
        "scheme 'Accelerated quarterly bonus': roles[1]: role 1 is empty.\n"
        "Suggestion: write the role as it appears in the data.",
    ),
    "weights written as percentages": (
        lambda d: [d["components"][0].update(weight=60), d["components"][1].update(weight=40)],
        "scheme 'Accelerated quarterly bonus': components: the weights of the curve components "
        "sum to 100 (60 + 40), not 1.\nSuggestion: weights are fractions of 1: write 60% as 0.6.",
    ),
    "empty applies_to": (
        lambda d: d["gates"][0].update(applies_to=[]),
        "scheme 'Accelerated quarterly bonus': gates[0].applies_to: applies_to is empty, so the "
        "gate would hold back nothing.\nSuggestion: name the components it holds back (by index "
        "from 0 or KPI id), or remove applies_to: to gate every component.",
    ),
    "one component as a mapping, not a list": (
        lambda d: d.update(components=d["components"][0]),
        "scheme 'Accelerated quarterly bonus': components: expected a list, got {'kpi': "
        "'revenue', 'weight': 0.6, 'target': {'method': 'growth', 'rate': 0.1, 'base': "
        "'same_period_last_year'}, 'curve': {'points': [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]}}.\n"
        "Suggestion: write one item per line, each starting with '- ' (a list, even for one "
        "component).",
    ),
    "tiers written as a number": (
        lambda d: d["components"][2]["commission"].update(tiers=0.01),
        "scheme 'Accelerated quarterly bonus': components[2].commission.tiers: expected a list, "
        "got 0.01.\nSuggestion: write pairs [start, rate], e.g. [[0, 0.01], [1.0, 0.02]].",
    ),
    "rate written with a percent sign": (
        lambda d: d["components"][2].update(commission={"rate": "8%"}),
        "scheme 'Accelerated quarterly bonus': components[2].commission.rate: expected a "
        "number, got '8%'.\nSuggestion: write 8% as 0.08 (a fraction, not a percentage).",
    ),
    "curve written in percentages": (
        lambda d: d["components"][0]["curve"].update(points=[[80, 50], [100, 100], [150, 200]]),
        "scheme 'Accelerated quarterly bonus': components[0].curve.points: attainment 80 at "
        "point 0 means 80 × target (8000%).\nSuggestion: attainments are multiples of target: "
        "write 80% as 0.8, and factors too: 150% as 1.5.",
    ),
    "gate minimum written as a percentage": (
        lambda d: d["gates"][0].update(min_attainment=90),
        "scheme 'Accelerated quarterly bonus': gates[0].min_attainment: attainment 90 as the "
        "minimum means 90 × target (9000%).\nSuggestion: attainments are multiples of target: "
        "write 80% as 0.8.",
    ),
    "tiers in money without basis: value": (
        lambda d: d["components"][2].update(
            commission={"tiers": [[0, 0.05], [50000, 0.07]], "mode": "retroactive"}
        ),
        "scheme 'Accelerated quarterly bonus': components[2].commission: attainment 50000 at "
        "tier 1 (basis: attainment) means 50000 × target (5000000%).\nSuggestion: for tiers in "
        "amounts add basis: value; with basis: attainment tiers start at multiples of target "
        "(write 80% as 0.8).",
    ),
    "listed role without pay": (
        lambda d: d.update(
            roles=["sales_rep", "key_acount_manager"],
            on_target_pay={"sales_rep": 30000, "key_account_manager": 45000},
        ),
        "scheme 'Accelerated quarterly bonus': on_target_pay: no amount for role "
        "'key_acount_manager', which roles lists. Did you mean 'key_account_manager'?\n"
        "Suggestion: add key_acount_manager: <amount> under on_target_pay, or remove it from "
        "roles.",
    ),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_gives_one_clear_message(case):
    change, expected = BAD[case]
    assert _error(change) == expected


def test_attainments_up_to_the_limit_and_amount_tiers_load():
    # 20 × target is still a (silly but possible) attainment; tiers in money with basis: value
    ok = _mutated(lambda d: d["components"][0]["curve"].update(points=[[0.8, 0.5], [20, 3]]))
    assert load_scheme(ok).components[0].curve.points[-1] == (20.0, 3.0)
    value = {"tiers": [[0, 0.05], [50000, 0.07]], "basis": "value"}
    ok = _mutated(lambda d: d["components"][2].update(commission=value))
    assert load_scheme(ok).components[2].commission.tiers[1] == (50000.0, 0.07)


def test_applies_to_may_name_one_component_without_a_list():
    # a consultant writes applies_to: revenue for one component; it means [revenue]
    by_id = load_scheme(_mutated(lambda d: d["gates"][0].update(applies_to="revenue")))
    by_index = load_scheme(_mutated(lambda d: d["gates"][0].update(applies_to=1)))
    assert by_id.gates[0].applies_to == ("revenue",)
    assert by_index.gates[0].applies_to == (1,)
    assert load_scheme(by_id.to_dict()) == by_id
    # a list still works, and a typo in the single name still gets its did-you-mean
    assert _error(lambda d: d["gates"][0].update(applies_to="revenu")) == (
        "scheme 'Accelerated quarterly bonus': gates[0].applies_to[0]: no component pays on KPI "
        "'revenu'. Did you mean 'revenue'?\nSuggestion: name a component by its index (from 0) "
        "or its KPI id: revenue, new_clients."
    )


def test_weights_within_tolerance_pass_and_outside_fail():
    ok = _mutated(lambda d: d["components"][0].update(weight=0.6 + 5e-10))
    assert load_scheme(ok).components[0].weight == 0.6 + 5e-10
    message = _error(lambda d: d["components"][0].update(weight=0.6 + 1e-8))
    assert message == (
        "scheme 'Accelerated quarterly bonus': components: the weights of the curve components "
        "sum to 1.00000001 (0.60000001 + 0.4), not 1.\n"
        "Suggestion: make the weights add up to 1 (e.g. 0.6 and 0.4)."
    )


def test_bad_file_messages(tmp_path):
    with pytest.raises(DefinitionError) as info:
        load_scheme(tmp_path / "nope.yaml")
    assert str(info.value) == (
        f"{tmp_path / 'nope.yaml'}: scheme file not found.\nSuggestion: check the path "
        f"(working folder: {os.getcwd()}); for an example see "
        "templates/schemes/tiered_accelerator.yaml."
    )
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\ncomponents: [\n  - kpi: a\n")
    with pytest.raises(DefinitionError) as info:
        load_scheme(path)
    assert str(info.value) == (
        f"{path}: line 3, column 3: invalid YAML: expected the node content, but found "
        "'-'.\n"
        "Suggestion: check the indentation and the ':' after each key on that line (use "
        "spaces, not tabs), and quote text that contains ': ' or '#'."
    )
    path.write_text("- just a list\n")
    with pytest.raises(DefinitionError) as info:
        load_scheme(path)
    assert str(info.value) == (
        f"{path}: expected a mapping of keys (name, period, on_target_pay, components, …), "
        "got list.\nSuggestion: see templates/schemes/ for examples."
    )
    path.write_text(CONTRACT_YAML.replace("weight: 0.4", "weight: 0.3"))
    with pytest.raises(DefinitionError) as info:
        load_scheme(path)
    assert str(info.value) == (
        f"{path}: line 6 (components): the weights of the curve components sum to 0.9 "
        "(0.6 + 0.3), not 1.\nSuggestion: make the weights add up to 1 (e.g. 0.6 and 0.4)."
    )


def test_a_file_reports_every_problem_at_once_with_its_line(tmp_path):
    path = tmp_path / "many.yaml"
    text = (
        CONTRACT_YAML.replace("weight: 0.6", "wieght: 0.6")
        .replace("value: 12}", "value: -12}")
        .replace("cap: 2.5", "cap: -1")
        .replace("period: quarter ", "period: qtr ")
    )
    path.write_text(text)
    with pytest.raises(DefinitionError) as info:
        load_scheme(path)
    assert str(info.value) == (
        f"{path}: line 2 (period): 'qtr' is not allowed.\n"
        "Suggestion: use one of: month, quarter, year.\n"
        f"{path}: line 7 (components[0].wieght): unknown key. Did you mean 'weight'?\n"
        "Suggestion: use one of: kpi, target, direction, baseline, scope, name, weight, curve, "
        "commission, basis, missing, active.\n"
        f"{path}: line 12 (components[1].target.value): must be greater than 0, got -12.\n"
        "Suggestion: use a number greater than 0.\n"
        f"{path}: line 21 (cap): must be greater than 0, got -1.\n"
        "Suggestion: use a number greater than 0."
    )


def test_yaml_python_tags_are_refused(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("name: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(DefinitionError) as info:
        load_scheme(path)
    assert str(info.value) == (
        f"{path}: line 1, column 7 (name): the YAML tag '!!python/object/apply:os.system' "
        "is not allowed: a scheme file holds plain data only (text, numbers, lists, "
        "mappings).\n"
        "Suggestion: remove the tag and write the value as plain text or a number."
    )


def test_a_key_given_twice_is_refused(tmp_path):
    # YAML alone would keep the second weight silently and pay on the wrong split
    path = tmp_path / "twice.yaml"
    path.write_text(CONTRACT_YAML.replace("weight: 0.4", "weight: 0.4\n    weight: 0.6", 1))
    line = CONTRACT_YAML[: CONTRACT_YAML.index("weight: 0.4")].count("\n") + 1
    with pytest.raises(DefinitionError) as info:
        load_scheme(path)
    assert str(info.value) == (
        f"{path}: line {line + 1}, column 5 (components[1].weight): the key 'weight' is given "
        f"twice (first on line {line}).\n"
        "Suggestion: keep only one of them (YAML would silently use the last)."
    )


def test_schemes_compare_and_pickle_after_their_curves_ran():
    scheme = load_scheme(CONTRACT)
    for c in scheme.components:
        if c.curve is not None:
            c.curve.evaluate([0.5, 1.0])
        else:
            c.commission.evaluate([1.0], [1.0])
    again = pickle.loads(pickle.dumps(scheme))
    assert again == scheme
    assert again == load_scheme(CONTRACT)
    assert again.components[1].curve.evaluate([1.0]).tolist() == [1.0]


def test_equality_after_evaluation_hash_and_copies():
    scheme = load_scheme(CONTRACT)
    curve = scheme.components[0].curve
    assert curve.evaluate([1.0]).tolist() == [1.0]
    assert scheme == load_scheme(CONTRACT)
    assert scheme != scheme.set("cap", 2.0)
    assert scheme != scheme.set("components.0.curve.points.0.0", 0.7)
    assert copy.copy(scheme) == scheme
    assert copy.deepcopy(scheme) == scheme
    assert scheme.model_copy() == scheme
    # curves are frozen values: equal definitions hash alike and work as dict keys
    assert hash(curve) == hash(load_scheme(CONTRACT).components[0].curve)
    assert set(vars(curve)) == {"points", "extrapolate"}
    # a scheme may hold a dict (on_target_pay per role): it is not hashable
    with pytest.raises(TypeError, match="unhashable type: 'Scheme'"):
        hash(scheme)


def test_roles_set_round_trip_and_removal():
    scheme = load_scheme(CONTRACT)
    assert scheme.roles is None
    assert "roles" not in scheme.to_dict()
    sales = scheme.set("roles", ["sales_rep", "key_account_manager"])
    assert sales.roles == ("sales_rep", "key_account_manager")
    assert sales.to_dict()["roles"] == ["sales_rep", "key_account_manager"]
    assert load_scheme(sales.to_dict()) == sales
    assert sales != scheme
    assert sales.set("roles.1", "manager").roles == ("sales_rep", "manager")
    assert sales.set("roles", None) == scheme
    assert scheme.roles is None  # set returns a new scheme
