"""Tests for kpitools.report.scope: a report's roster, filter, groups and scheme overrides.

Everything is checked before any work, every problem at once: for a batch each with its
line and key path in the manifest, for a single report in one message. The batch that runs
(two clients split from one data file, one with an override) is in test_batch_scope.py.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kpitools.errors import DefinitionError
from kpitools.report import load_manifest, plan_batch, prepare_job
from kpitools.report.scope import apply_overrides, default_groups, scheme_keys
from kpitools.scheme import load_scheme

TWO = """\
name: Two parts
on_target_pay: 1000
components:
  - {kpi: revenue, weight: 0.6, target: 100, curve: {points: [[0, 0], [2, 2]]}}
  - {kpi: units, weight: 0.4, target: 10, curve: {points: [[0, 0], [2, 2]]}}
"""
OVERRIDE_FIX = (
    "name a scheme by its name or its file name without .yaml, then dotted paths as in "
    "kpitools calibrate --param: overrides: {tiered_accelerator: {on_target_pay: 45000, "
    "budget: 2000000}}."
)


@pytest.fixture
def inputs(tmp_path, write_flat_scheme, write_two_units):
    """One data file for two business units (East, West) and two schemes."""
    write_two_units(tmp_path / "data.csv")
    write_flat_scheme(tmp_path / "flat.yaml")
    (tmp_path / "two.yaml").write_text(TWO)
    return tmp_path


def test_every_problem_of_every_client_at_once(inputs):
    manifest = inputs / "m.yaml"
    manifest.write_text(
        "defaults:\n"
        "  data: data.csv\n"
        '  design: ""\n'
        "  schemes: [flat.yaml, two.yaml]\n"
        "clients:\n"
        "  - client: East\n"
        "    roster: rosters/east.csv\n"
        "    overrides:\n"
        "      flat_bonus: {on_target_pay: 2000}\n"
        "      two:\n"
        "        budgt: 5\n"
        "        on_target_pay: lots\n"
        "        components.7.cap: 2\n"
        "  - client: West\n"
        "    where: region == West and actual > 1000\n"
        "  - client: North\n"
        "    where: region = North\n"
        "  - client: South\n"
        "    where: region == Suoth\n"
        "  - client: Offices\n"
        "    by: [office]\n"
    )
    with pytest.raises(DefinitionError) as err:
        plan_batch(manifest, inputs / "out")
    two = inputs / "two.yaml"
    assert str(err.value) == (
        f"{manifest}: line 7 (clients[0].roster): file not found: "
        f"{inputs / 'rosters' / 'east.csv'}.\n"
        f"Suggestion: check the paths (relative paths are read from {inputs}).\n"
        f"{manifest}: line 9 (clients[0].overrides.flat_bonus): no scheme 'flat_bonus' among the "
        "report's schemes. Did you mean 'Flat bonus'? Schemes: 'Flat bonus', 'flat', "
        "'Two parts', 'two'.\n"
        f"Suggestion: {OVERRIDE_FIX}\n"
        f"{manifest}: line 11 (clients[0].overrides.two.budgt): {two} (after setting budgt): "
        "budgt: unknown key. Did you mean 'budget'?\n"
        "Suggestion: use one of: name, period, on_target_pay, roles, currency, fx, description, "
        "revenue_kpi, components, gates, modifiers, cap, budget, pool, proration, "
        "fiscal_year_start, true_up, draw, clawback.\n"
        f"{manifest}: line 12 (clients[0].overrides.two.on_target_pay): {two} (after setting "
        "on_target_pay): on_target_pay: expected a positive number or a mapping "
        "{role: number}, got 'lots'.\n"
        "Suggestion: write on_target_pay: 30000, on_target_pay: {sales: 30000, manager: "
        "45000}, {from: roster} or {pct_of_salary: 0.15}.\n"
        f"{manifest}: line 13 (clients[0].overrides.two.components.7.cap): {two}: parameter "
        "path 'components.7.cap': components has 2 item(s), so '7' is not an index of it.\n"
        "Suggestion: use an index from 0 to 1.\n"
        f"{manifest}: line 15 (clients[1].where): data.csv: --where 'region == West and actual "
        "> 1000' keeps no rows of 4.\n"
        "Suggestion: check the values, or combine fewer conditions.\n"
        f"{manifest}: line 17 (clients[2].where): Filter 'region = North', column 8: "
        "unexpected '='.\n    region = North\n           ^\n"
        "Suggestion: write conditions such as region == East, team in [A, B], close_date >= "
        "2025-03-10 or close_date between 2025-03-10 and 2025-04-20, joined by 'and'.\n"
        f"{manifest}: line 19 (clients[3].where): data.csv: --where: 'region == Suoth': the "
        "value 'Suoth' never occurs in column 'region'.\n"
        "Values present: 'East', 'West'.\n"
        "Suggestion: write the value exactly as the data has it (case matters); a value that "
        "never occurs would silently match nothing.\n"
        f"{manifest}: line 21 (clients[4].by): no column 'office' in the data or the roster. "
        "Columns: region.\n"
        "Suggestion: group by a column of the data or the roster (team, region, …)."
    )
    assert not (inputs / "out").exists()


def test_a_filter_on_roster_columns_is_checked_with_the_roster(inputs):
    pd.DataFrame({"employee": ["a1", "a2"], "manager": [None, "a1"], "fte": [1, 2]}).to_csv(
        inputs / "bad_roster.csv", index=False
    )
    pd.DataFrame({"employee": ["a1", "b1"], "office": ["Oslo", "Rome"]}).to_csv(
        inputs / "roster.csv", index=False
    )
    manifest = inputs / "m.yaml"
    manifest.write_text(
        "defaults: {data: data.csv, design: '', schemes: [flat.yaml]}\n"
        "clients:\n"
        "  - {client: Oslo, roster: roster.csv, where: office == Oslo}\n"
        "  - {client: Paris, roster: roster.csv, where: office == Paris}\n"
        "  - {client: Bad, roster: bad_roster.csv}\n"
    )
    with pytest.raises(DefinitionError) as err:
        plan_batch(manifest, inputs / "out")
    assert str(err.value) == (
        f"{manifest}: line 4 (clients[1].where): data.csv: --where: 'office == Paris': the "
        "value 'Paris' never occurs in column 'office'.\n"
        "Values present: 'Oslo', 'Rome'.\n"
        "Suggestion: write the value exactly as the data has it (case matters); a value that "
        "never occurs would silently match nothing.\n"
        f"{manifest}: line 5 (clients[2].roster): {inputs / 'bad_roster.csv'}: 1 problem in 1 "
        "row; nothing was loaded.\n"
        "- column 'fte': FTE out of range (it is a share of full time: above 0, at most 1) "
        "(1 row): row 3 ('2')\n"
        "  Suggestion: write 0.5 for half time and 1 for full time (not 50 or 100)."
    )


def test_the_manifest_model_checks_the_types(inputs):
    manifest = inputs / "m.yaml"
    manifest.write_text(
        "defaults: {data: data.csv, design: '', schemes: [flat.yaml]}\n"
        "clients:\n"
        "  - {client: A, by: team, where: [East], roster: 5}\n"
        "  - {client: B, overrides: 5}\n"
        "  - {client: C, overrides: {flat: [on_target_pay, 5]}}\n"
    )
    with pytest.raises(DefinitionError) as err:
        load_manifest(manifest)
    assert str(err.value) == (
        f"{manifest}: line 3 (clients[0].roster): expected text, got 5.\n"
        "Suggestion: write it as text.\n"
        f"{manifest}: line 3 (clients[0].where): expected text, got ['East'].\n"
        "Suggestion: write it as text.\n"
        f"{manifest}: line 3 (clients[0].by): expected a list of column names, got 'team'.\n"
        "Suggestion: write by: [team].\n"
        f"{manifest}: line 4 (clients[1].overrides): expected a mapping, got 5.\n"
        "Suggestion: write key: value pairs.\n"
        f"{manifest}: line 5 (clients[2].overrides.flat): expected a mapping, got "
        "['on_target_pay', 5].\n"
        "Suggestion: write key: value pairs."
    )


def test_a_single_report_says_what_is_wrong_before_any_work(inputs):
    params = {
        "data": "data.csv",
        "design": "",
        "schemes": ["flat.yaml"],
        "where": "region == east",
    }
    with pytest.raises(DefinitionError) as err:
        prepare_job("Acme", params, inputs / "out", base_dir=inputs, formats="xlsx")
    assert str(err.value) == (
        "data.csv: --where: 'region == east': the value 'east' never occurs in column "
        "'region'. Did you mean 'East' or 'West'?\n"
        "Values present: 'East', 'West'.\n"
        "Suggestion: write the value exactly as the data has it (case matters); a value that "
        "never occurs would silently match nothing."
    )
    job = prepare_job(
        "Acme",
        {**params, "where": "region == East", "overrides": {"flat": {"budget": 5000}}},
        inputs / "out",
        base_dir=inputs,
        formats="xlsx",
    )
    assert job.parameters["where"] == "region == East"
    assert not (inputs / "out").exists()


def test_overrides_by_name_or_file_several_paths_checked_together(inputs):
    flat, two = load_scheme(inputs / "flat.yaml"), load_scheme(inputs / "two.yaml")
    assert scheme_keys(flat) == ("Flat bonus", "flat")
    # each weight alone would break the sum of 1: changed together they are checked together
    changed = apply_overrides(
        [flat, two],
        {
            "Two parts": {"components.0.weight": 0.3, "components.1.weight": 0.7},
            "flat": {"on_target_pay": 1500, "cap": 2},
        },
    )
    assert [c.weight for c in changed[1].components] == [0.3, 0.7]
    assert (changed[0].on_target_pay, changed[0].cap) == (1500.0, 2.0)
    assert (flat.on_target_pay, flat.cap) == (1000.0, None)  # the loaded scheme stays as it was
    assert apply_overrides([flat], {}) == [flat]
    with pytest.raises(DefinitionError) as err:
        apply_overrides([flat, two], {"flat": {"components.0.weight": 0.5}, "twoo": {"cap": 2}})
    assert str(err.value) == (
        "overrides.twoo: no scheme 'twoo' among the report's schemes. Did you mean 'two'? "
        "Schemes: 'Flat bonus', 'flat', 'Two parts', 'two'.\n"
        f"Suggestion: {OVERRIDE_FIX}\n"
        f"overrides.flat.components.0.weight: {inputs / 'flat.yaml'} (after setting "
        "components.0.weight): components: the weights of the curve components sum to 0.5 "
        "(0.5), not 1.\n"
        "Suggestion: make the weights add up to 1 (e.g. 0.6 and 0.4)."
    )


def test_default_groups_are_the_rosters_team_and_region():
    from kpitools.data import load_roster

    roster = load_roster(
        pd.DataFrame({"employee": ["a"], "region": ["East"], "team": ["T"], "office": ["O"]})
    )
    assert default_groups(None, roster) == ("team", "region")
    assert default_groups(["Office", "office"], roster) == ("office",)
    assert default_groups(None, None) == ()
