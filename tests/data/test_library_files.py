"""Library files: user files merged over the shipped one, and every way a file can be wrong."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import yaml

from kpitools.data import (
    Library,
    Override,
    default_library_path,
    load_library,
)
from kpitools.data.library_files import read_library_text, resolve_library
from kpitools.data.library_spec import KpiSpec
from kpitools.errors import DefinitionError


@pytest.fixture(scope="module")
def lib() -> Library:
    return load_library()


def entry(kpi_id: str, **fields) -> dict:
    """A valid user library entry; keyword arguments replace or add fields."""
    base = {
        "id": kpi_id,
        "name": kpi_id.replace("_", " ").capitalize(),
        "area": "sales",
        "unit": "count",
        "direction": "higher",
        "aggregation": "sum",
        "type": "lagging",
        "quantitative": True,
        "level": "individual",
        "description": "A test KPI.",
        "gaming_risk": "Counting things twice.",
        "counter_kpi": ["revenue"],
        "tags": ["test"],
    }
    base.update(fields)
    return base


def write(tmp_path: Path, *entries: dict, name: str = "my_kpis.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"version": 1, "kpis": list(entries)}, sort_keys=False))
    return path


def error_of(*paths, include_default: bool = True) -> str:
    with pytest.raises(DefinitionError) as info:
        load_library(*paths, include_default=include_default)
    return str(info.value)


# --------------------------------------------------------------------------- user files
def test_load_library_is_cached_until_the_file_changes(tmp_path):
    path = write(tmp_path, entry("calls_made"))
    first = load_library(path)
    assert load_library(path) is first
    write(tmp_path, entry("calls_made", name="Outbound calls made by the seller"))
    assert load_library(path)["calls_made"].name == "Outbound calls made by the seller"


def test_user_file_overrides_and_adds(tmp_path, lib):
    path = write(
        tmp_path,
        entry(
            "win_rate",
            name="Win rate (count only signed deals)",
            area="sales",
            unit="percent",
            aggregation="ratio",
            formula="won_deals / closed_deals",
            counter_kpi=["won_deals"],
        ),
        entry("demo_visits", name="Product demos", type="leading", counter_kpi="win_rate"),
    )
    mine = load_library(path)
    assert len(mine) == len(lib) + 1
    assert mine["win_rate"].name == "Win rate (count only signed deals)"
    assert mine["win_rate"].counter_kpi == ("won_deals",)
    assert mine["demo_visits"].counter_kpi == ("win_rate",)
    assert mine["demo_visits"].nonnegative  # count unit default
    assert mine.overrides == (Override("win_rate", str(default_library_path()), str(path)),)
    assert mine.sources["demo_visits"] == str(path)
    assert mine.sources["revenue"] == str(default_library_path())
    assert mine.ids[-2:] == ("win_rate", "demo_visits")  # the later file's order
    assert lib["win_rate"].name == "Win rate"  # the shipped library is untouched


def test_two_user_files_later_wins(tmp_path):
    first = write(tmp_path, entry("calls_made", name="First", counter_kpi=[]), name="a.yaml")
    second = write(tmp_path, entry("calls_made", name="Second", counter_kpi=[]), name="b.yaml")
    mine = load_library(first, second, include_default=False)
    assert mine["calls_made"].name == "Second"
    assert mine.overrides == (Override("calls_made", str(first), str(second)),)
    assert len(mine) == 1


def test_user_file_can_define_its_own_counter_and_formula_ids(tmp_path):
    path = write(
        tmp_path,
        entry("visits", counter_kpi=["buyers"]),
        entry("buyers", counter_kpi=["visits"]),
        entry(
            "visit_conversion",
            unit="percent",
            aggregation="ratio",
            formula="buyers / visits",
            counter_kpi=["visits"],
        ),
    )
    mine = load_library(path, include_default=False)
    assert mine.ids == ("visits", "buyers", "visit_conversion")
    assert mine["visit_conversion"].denominator == "visits"
    assert not mine["visit_conversion"].nonnegative  # percent: default false


# --------------------------------------------------------------------------- bad input
def test_unknown_field_with_did_you_mean(tmp_path):
    path = write(tmp_path, entry("calls_made", gamming_risk="x"))
    assert error_of(path) == (
        f"{path}: line 18 (kpis[0].gamming_risk): unknown key. Did you mean 'gaming_risk'?\n"
        "Suggestion: use one of: id, name, area, unit, direction, aggregation, formula, type, "
        "quantitative, level, description, gaming_risk, counter_kpi, tags, nonnegative, limits, "
        "reversible, scale."
    )


def test_bad_enum_value(tmp_path):
    path = write(tmp_path, entry("calls_made"), entry("visits", direction="up"))
    assert error_of(path) == (
        f"{path}: line 22 (kpis[1].direction): 'up' is not allowed.\n"
        "Suggestion: use one of: higher, lower."
    )


def test_bad_enum_value_with_did_you_mean(tmp_path):
    path = write(tmp_path, entry("calls_made", area="customer service"))
    assert error_of(path) == (
        f"{path}: line 5 (kpis[0].area): 'customer service' is not allowed. "
        "Did you mean 'customer_service'?\n"
        "Suggestion: use one of: sales, marketing, customer_service, operations, finance, hr, "
        "management."
    )


def test_duplicate_id_within_a_file(tmp_path):
    path = write(tmp_path, entry("calls_made"), entry("visits"), entry("calls_made"))
    assert error_of(path) == (
        f"{path}: line 33 (kpis[2].id): 'calls_made' is already defined at kpis[0] in this "
        "file.\n"
        "Suggestion: remove or rename one of them; to replace a KPI of an earlier library, "
        "define it in a file loaded after that library."
    )


def test_unknown_counter_kpi(tmp_path):
    path = write(tmp_path, entry("calls_made", counter_kpi=["win_rat"]))
    assert error_of(path) == (
        f"{path}: line 15 (kpis[0].counter_kpi): 'win_rat' is not in the KPI library. "
        "Did you mean 'win_rate' or 'discount_rate'?\n"
        "Suggestion: name a library id, or define that KPI in your library file."
    )


def test_own_counter_kpi(tmp_path):
    path = write(tmp_path, entry("calls_made", counter_kpi="calls_made"))
    assert error_of(path) == (
        f"{path}: line 14 (kpis[0].counter_kpi): a KPI cannot be its own counter KPI.\n"
        "Suggestion: name a different KPI that keeps this one honest."
    )


def test_unknown_formula_id(tmp_path):
    path = write(
        tmp_path,
        entry("calls_per_deal", unit="ratio", aggregation="ratio", formula="calls / won_deal"),
    )
    assert error_of(path) == (
        f"{path}: line 18 (kpis[0].formula): 'calls' in 'calls / won_deal' is not in the KPI "
        "library. Did you mean 'sales_calls'?\n"
        "Suggestion: a formula may use only library ids and numbers.\n"
        f"{path}: line 18 (kpis[0].formula): 'won_deal' in 'calls / won_deal' is not in the KPI "
        "library. Did you mean 'won_deals' or 'closed_deals'?\n"
        "Suggestion: a formula may use only library ids and numbers."
    )


def test_formula_cycle_is_named(tmp_path):
    path = write(
        tmp_path,
        entry("a_kpi", formula="b_kpi + 1", counter_kpi=[]),
        entry("b_kpi", formula="c_kpi * 2", counter_kpi=[]),
        entry("c_kpi", formula="a_kpi - 1", counter_kpi=[]),
    )
    assert error_of(path, include_default=False) == (
        f"{path}: line 17 (kpis[0].formula): formulas refer to each other in a cycle: "
        "a_kpi -> b_kpi -> c_kpi -> a_kpi.\n"
        "Suggestion: compute at least one KPI of the cycle from data, without a formula."
    )


def test_formula_referring_to_itself(tmp_path):
    path = write(tmp_path, entry("a_kpi", formula="a_kpi + 1", counter_kpi=[]))
    assert error_of(path, include_default=False) == (
        f"{path}: line 17 (kpis[0].formula): formulas refer to each other in a cycle: "
        "a_kpi -> a_kpi.\n"
        "Suggestion: compute at least one KPI of the cycle from data, without a formula."
    )


def test_formula_syntax_error(tmp_path):
    path = write(tmp_path, entry("a_kpi", formula="revenue ** 2"))
    assert error_of(path) == (
        f"{path}: line 18 (kpis[0].formula): Formula 'revenue ** 2': operator '**' is not "
        "allowed at column 9.\n    revenue ** 2\n            ^\n"
        "Suggestion: a formula may only use numbers, KPI/goal ids, + - * / and parentheses."
    )


def test_ratio_without_formula_and_rate_not_ratio(tmp_path):
    path = write(
        tmp_path,
        entry("a_kpi", aggregation="ratio"),
        entry("b_kpi", aggregation="mean", formula="revenue / leads"),
    )
    assert error_of(path) == (
        f"{path}: line 8 (kpis[0].aggregation): 'ratio' needs a formula that divides by a "
        "KPI, e.g. 'won_deals / closed_deals', so the value over several periods can be "
        "recomputed from summed inputs.\n"
        "Suggestion: add the formula, or use 'sum', 'mean' or 'last'.\n"
        f"{path}: line 23 (kpis[1].aggregation): 'mean' does not fit the formula "
        "'revenue / leads', which divides by a KPI: a rate must be recomputed from summed "
        "inputs over periods, never summed or averaged.\n"
        "Suggestion: use aggregation: ratio."
    )


def test_ratio_inputs_must_be_summable(tmp_path):
    path = write(tmp_path, entry("a_kpi", aggregation="ratio", formula="nps / leads"))
    assert error_of(path) == (
        f"{path}: line 18 (kpis[0].formula): input 'nps' has aggregation 'mean', but a "
        "'ratio' KPI is recomputed from the sums of its inputs over periods.\n"
        "Suggestion: use inputs whose aggregation is 'sum' (amounts and counts)."
    )


def test_missing_fields_and_bad_types(tmp_path):
    bad = entry("a_kpi", quantitative="yes please", tags=[1, 2])
    del bad["level"]
    path = write(tmp_path, bad)
    assert error_of(path) == (
        f"{path}: line 10 (kpis[0].quantitative): expected true or false, got 'yes please'.\n"
        "Suggestion: write true or false.\n"
        f"{path}: line 3 (kpis[0].level): required key is missing.\n"
        "Suggestion: add level: to kpis[0].\n"
        f"{path}: line 16 (kpis[0].tags[0]): expected text, got 1.\n"
        "Suggestion: write it as text.\n"
        f"{path}: line 17 (kpis[0].tags[1]): expected text, got 2.\n"
        "Suggestion: write it as text."
    )


def test_id_must_be_snake_case(tmp_path):
    path = write(tmp_path, entry("Win Rate"))
    assert error_of(path) == (
        f"{path}: line 3 (kpis[0].id): 'Win Rate' is not a snake_case id.\n"
        "Suggestion: use lower-case letters, digits and '_', starting with a letter, "
        "e.g. 'win_rate'."
    )


def test_malformed_yaml_gives_line_and_column(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("kpis:\n  - id: a_kpi\n    name: Calls: made\n")
    assert error_of(path) == (
        f"{path}: line 3, column 16: invalid YAML: mapping values are not allowed here.\n"
        "Suggestion: check the indentation and the ':' after each key on that line (use "
        "spaces, not tabs), and quote text that contains ': ' or '#'."
    )


def test_python_tag_is_rejected(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("kpis:\n  - !!python/object/apply:os.system ['echo hacked']\n")
    assert error_of(path) == (
        f"{path}: line 2, column 5 (kpis[0]): the YAML tag '!!python/object/apply:os.system' "
        "is not allowed: a KPI library file holds plain data only (text, numbers, lists, "
        "mappings).\n"
        "Suggestion: remove the tag and write the value as plain text or a number."
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "",
            "{path}: the KPI library file is empty.\n"
            "Suggestion: write a top-level 'kpis:' list of KPI entries.",
        ),
        (
            "- id: a\n",
            "{path}: the top level must be a mapping with a 'kpis:' list, got "
            "list.\nSuggestion: start the file with 'kpis:'.",
        ),
        (
            "kpi: []\n",
            "{path}: kpis: required key is missing.\nSuggestion: add kpis: to the top level.\n"
            "{path}: line 1 (kpi): unknown key. Did you mean 'kpis'?\n"
            "Suggestion: use one of: version, kpis.",
        ),
        (
            "kpis: revenue\n",
            "{path}: line 1 (kpis): expected a list, got 'revenue'.\nSuggestion: write each "
            "KPI as a list item starting with '- id: ...'.",
        ),
        (
            "kpis:\n  - revenue\n",
            "{path}: line 2 (kpis[0]): expected a mapping of KPI fields, got 'revenue'.\n"
            "Suggestion: write the entry as 'id: ...', 'name: ...' and the other fields.",
        ),
    ],
)
def test_bad_file_shapes(tmp_path, text, message):
    path = tmp_path / "shape.yaml"
    path.write_text(text)
    assert error_of(path) == message.format(path=path)


def test_unknown_version(tmp_path):
    path = tmp_path / "v2.yaml"
    path.write_text("version: 2\nkpis: []\n")
    assert error_of(path) == (
        f"{path}: line 1 (version): 2 is not a library format this kpitools reads.\n"
        "Suggestion: write 'version: 1' or leave the key out."
    )
    path.write_text("kpis: []\n")  # no version and no KPIs: a valid, empty addition
    assert len(load_library(path)) == len(load_library())


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    assert error_of(path) == (
        f"{path}: KPI library file not found.\n"
        f"Suggestion: check the path (working folder: {Path.cwd()})."
    )


def test_nothing_to_load():
    assert error_of(include_default=False) == (
        "No KPI library file to load.\n"
        "Suggestion: pass a library file or keep include_default=True."
    )


def test_errors_pickle(tmp_path):
    path = write(tmp_path, entry("calls_made", direction="up"))
    with pytest.raises(DefinitionError) as info:
        load_library(path)
    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == str(info.value) and type(again) is DefinitionError


def test_duplicate_yaml_key_is_not_silently_dropped(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(
        "kpis:\n  - id: calls_made\n    direction: higher\n    name: Calls\n    direction: lower\n"
    )
    assert error_of(path) == (
        f"{path}: line 5, column 5 (kpis[0].direction): the key 'direction' is given twice "
        "(first on line 3).\n"
        "Suggestion: keep only one of them (YAML would silently use the last)."
    )


def test_formula_without_kpi_ids(tmp_path):
    path = write(tmp_path, entry("a_kpi", formula="100 * 2"))
    assert error_of(path) == (
        f"{path}: line 18 (kpis[0].formula): '100 * 2' uses no KPI id.\n"
        "Suggestion: a formula computes a KPI from other KPIs, e.g. 'won_deals / closed_deals'; "
        "a fixed number belongs in a target."
    )


def test_unhashable_yaml_key(tmp_path):
    path = tmp_path / "key.yaml"
    path.write_text("kpis:\n  - ? [a, b]\n    : 1\n")
    message = error_of(path)
    assert message == (
        f"{path}: line 2, column 7 (kpis[0]): invalid YAML: found unhashable key.\n"
        "Suggestion: use plain text keys in mappings (not lists or mappings)."
    )


def test_missing_shipped_library_is_explained(tmp_path):
    path = tmp_path / "gone.yaml"
    with pytest.raises(DefinitionError) as info:
        read_library_text(path, is_default=True)
    assert str(info.value) == (
        f"{path}: the shipped KPI library is missing.\n"
        "Suggestion: reinstall kpitools from its source tree, or pass your own library file "
        "with include_default=False."
    )


# --------------------------------------------------------------------------- every problem at once
def test_problems_of_every_file_are_reported_at_once(tmp_path):
    first = write(tmp_path, entry("calls_made", direction="up"), name="a.yaml")
    second = write(tmp_path, entry("visits", area="sale"), name="b.yaml")
    assert error_of(first, second) == (
        f"{first}: line 7 (kpis[0].direction): 'up' is not allowed.\n"
        "Suggestion: use one of: higher, lower.\n"
        f"{second}: line 5 (kpis[0].area): 'sale' is not allowed. Did you mean 'sales'?\n"
        "Suggestion: use one of: sales, marketing, customer_service, operations, finance, hr, "
        "management."
    )


def test_every_bad_entry_of_a_file_is_reported(tmp_path):
    path = tmp_path / "mixed.yaml"
    path.write_text("kpis:\n  - revenue\n  - id: x\n")
    fields = "name area unit direction aggregation type quantitative level description".split()
    assert error_of(path) == "\n".join(
        [
            f"{path}: line 2 (kpis[0]): expected a mapping of KPI fields, got 'revenue'.\n"
            "Suggestion: write the entry as 'id: ...', 'name: ...' and the other fields."
        ]
        + [
            f"{path}: line 3 (kpis[1].{f}): required key is missing.\n"
            f"Suggestion: add {f}: to kpis[1]."
            for f in fields
        ]
    )


def test_entry_spec_fills_in_the_defaults_and_tidies_values():
    spec = KpiSpec(
        id=" visits ", name="Visits", area="sales", unit="days", direction="higher",
        aggregation="sum", type="leading", quantitative=True, level="team",
        description="Client visits.", tags="field", counter_kpi=["a", "b", "a"],
    )  # fmt: skip
    kpi = spec.to_kpi()
    assert (kpi.id, kpi.tags, kpi.counter_kpi) == ("visits", ("field",), ("a", "b"))
    assert (kpi.gaming_risk, kpi.formula, kpi.nonnegative) == ("", None, True)  # days
    assert spec.model_copy(update={"nonnegative": False}).to_kpi().nonnegative is False


def test_entry_spec_refuses_a_bool_written_as_text_and_an_empty_name():
    good = entry("calls_made")
    with pytest.raises(Exception) as info:  # noqa: B017 - pydantic's ValidationError
        KpiSpec(**{**good, "quantitative": "yes", "name": "  "})
    assert [e["loc"] for e in info.value.errors()] == [("name",), ("quantitative",)]


def test_resolve_library_is_the_one_rule_for_library_arguments(tmp_path):
    path = write(tmp_path, entry("calls_made"))
    shipped = load_library()
    assert resolve_library(None) is shipped
    assert resolve_library(False) is None
    assert resolve_library(path) is load_library(path)
    assert resolve_library(str(path)) is load_library(path)
    assert resolve_library([path]) is load_library(path)
    assert resolve_library(shipped) is shipped
