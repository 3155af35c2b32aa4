"""What users hit with design files (issue 11): coverage by unit and with a tolerance, the
type of inline KPIs, ``checks:`` and ``roster:`` keys. Each runs the real CLI or loader.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from kpitools.cli import main
from kpitools.data import Roster
from kpitools.design import CheckSettings, coverage, load_design, run_checks, suggest
from kpitools.errors import DefinitionError

ROOT = Path(__file__).resolve().parents[2]
CRM_ROSTER = ROOT / "tests" / "fixtures" / "crm" / "roster.csv"

# 3 reps × 50 units against 200 units, measured by an inline KPI of the goal's unit;
# "Calls made" and "Meetings held" are inline too, with no type given.
UNITS = """\
client: Gadgets Inc
period: 2027-03
goals:
  - {id: units, name: Units delivered, target: 200, unit: count}
roles:
  - id: reps
    headcount: 3
    on_target_pay: 1000
    kpis:
      - {kpi: units_closed, name: Units closed, unit: count, goal: units, weight: 0.6, target: 50}
      - {kpi: calls, name: Calls made, unit: count, weight: 0.2, target: 300}
      - {kpi: meetings_held, name: Meetings held, unit: count, weight: 0.2, target: 20}
"""

MILLION = """\
client: Big Co
period: 2027
currency: USD
goals:
  - {id: revenue, target: 1000000}
roles:
  - id: sales
    headcount: 3
    on_target_pay: 10000
    kpis:
      - {kpi: revenue, goal: revenue, weight: 1, target: 333330}
"""


def write(tmp_path: Path, text: str, name: str = "design.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(args: list[str]) -> int:
    try:
        return main(args)
    except SystemExit as exc:  # design check exits 1 on errors
        return exc.code


def check(tmp_path: Path, text: str, capsys, *extra: str) -> tuple[int, list[dict]]:
    code = run(["design", "check", str(write(tmp_path, text)), "--json", *extra])
    out = capsys.readouterr()
    assert out.err == ""
    return code, json.loads(out.out)


def of_rule(findings: list[dict], rule: str) -> list[tuple[str, str]]:
    return [(f["severity"], f["message"]) for f in findings if f["rule"] == rule]


# --------------------------------------------------------------------------- coverage
def test_an_inline_kpi_in_the_goals_unit_covers_it(tmp_path, capsys):
    code, findings = check(tmp_path, UNITS, capsys)
    assert code == 1
    assert of_rule(findings, "coverage") == [
        (
            "error",
            "Goal 'units' needs 200 but the role targets add up to 150 (reps: 3 × 50 "
            "(units_closed)), 50 (25%) short of it: the goal will not be reached even if "
            "everyone hits target. Suggestion: raise the targets or the headcount, or lower "
            "the goal.",
        )
    ]
    row = coverage(load_design(write(tmp_path, UNITS))).set_index("goal").loc["units"]
    assert (row["kpi"], row["covered"], row["gap"], row["status"]) == (
        "units_closed",
        150.0,
        -50.0,
        "short",
    )


def test_every_kpi_serving_the_goal_in_its_unit_is_counted_and_named_but_activities(
    tmp_path, capsys
):
    # calls serve the goal in its unit: with no type they count (and are named) ...
    text = UNITS.replace(
        "unit: count, weight: 0.2, target: 300",
        "unit: count, goal: units, weight: 0.2, target: 300",
    )
    row = coverage(load_design(write(tmp_path, text))).set_index("goal").loc["units"]
    assert (row["kpi"], row["covered"], row["status"]) == ("units_closed, calls", 1050.0, "over")
    assert row["by_role"] == "reps: 3 × 50 (units_closed); reps: 3 × 300 (calls)"
    # ... an activity (type: leading) moves the goal but does not add up to it
    leading = text.replace("goal: units, weight: 0.2", "type: leading, goal: units, weight: 0.2")
    row = coverage(load_design(write(tmp_path, leading))).set_index("goal").loc["units"]
    assert (row["kpi"], row["covered"]) == ("units_closed", 150.0)
    # a KPI of another unit (a percentage) or kind (a ratio) never adds up to a count
    other = UNITS.replace(
        "{kpi: units_closed, name: Units closed, unit: count,",
        "{kpi: fill_rate, name: Fill rate, unit: percent,",
    )
    assert coverage(load_design(write(tmp_path, other)))["status"].tolist() == ["not measured"]


def test_a_goal_covered_to_within_the_tolerance_is_covered_and_says_by_how_much(tmp_path, capsys):
    # 3 × 333,330 = 999,990 against 1,000,000: 10 short, 0.001%, inside the default 0.1%
    code, findings = check(tmp_path, MILLION, capsys)
    assert code == 0
    assert of_rule(findings, "coverage") == [
        (
            "info",
            "Goal 'revenue' needs 1,000,000 USD and the role targets add up to 999,990 USD "
            "(sales: 3 × 333,330), 10 USD (0.001%) short of it: within the coverage tolerance "
            "of 0.1%, so the goal counts as covered. Suggestion: none needed; set 'checks: "
            "{coverage_tolerance: 0}' in the design to require an exact match.",
        )
    ]
    row = coverage(load_design(write(tmp_path, MILLION))).iloc[0]
    assert (row["covered"], row["gap"], row["status"]) == (999_990.0, -10.0, "covered")
    # the design can ask for an exact match: then it is an error, with the gap
    exact = MILLION + "checks: {coverage_tolerance: 0}\n"
    code, findings = check(tmp_path, exact, capsys)
    assert code == 1
    assert of_rule(findings, "coverage") == [
        (
            "error",
            "Goal 'revenue' needs 1,000,000 USD but the role targets add up to 999,990 USD "
            "(sales: 3 × 333,330), 10 USD (0.001%) short of it: the goal will not be reached "
            "even if everyone hits target. Suggestion: raise the targets or the headcount, or "
            "lower the goal.",
        )
    ]
    assert load_design(write(tmp_path, exact)).checks == {"coverage_tolerance": 0.0}
    assert coverage(load_design(write(tmp_path, exact))).iloc[0]["status"] == "short"
    # 1% short is outside the default tolerance: an error
    code, _ = check(tmp_path, MILLION.replace("333330", "330000"), capsys)
    assert code == 1
    # an explicit tolerance wins over the design's
    assert coverage(load_design(write(tmp_path, exact)), tolerance=0.01).iloc[0]["status"] == (
        "covered"
    )
    with pytest.raises(DefinitionError) as err:
        coverage(load_design(write(tmp_path, MILLION)), tolerance=5)
    assert str(err.value) == (
        "coverage: tolerance=5 must be a share from 0 up to 1.\n"
        "Suggestion: e.g. tolerance=0.001 (0.1%), or 0 for an exact match."
    )


def test_checks_in_the_design_set_the_thresholds_and_options_override_them(tmp_path, capsys):
    text = UNITS + "checks: {max_kpis: 2, min_weight: 0.25}\n"
    design = load_design(write(tmp_path, text))
    assert design.checks == {"max_kpis": 2, "min_weight": 0.25}
    assert CheckSettings.for_design(design) == CheckSettings(max_kpis=2, min_weight=0.25)
    rules = {f.rule for f in run_checks(design).findings}
    assert {"too-many-kpis", "weights"} <= rules
    # the command-line options win over the file
    code, findings = check(tmp_path, text, capsys, "--max-kpis", "3", "--min-weight", "0.1")
    assert not {"too-many-kpis", "weights"} & {f["rule"] for f in findings}
    assert suggest(design).empty  # no room left under the design's 2 KPIs


def test_bad_checks_are_refused_with_the_line_and_the_fix(tmp_path, capsys):
    text = UNITS + "checks:\n  coverage_tolerance: 5\n  max_kpi: 3\n"
    path = write(tmp_path, text)
    assert run(["design", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"Error: {path}: line 14 (checks.coverage_tolerance): must be less than 1, got 5.\n"
        "Suggestion: use a number less than 1.\n"
        f"{path}: line 15 (checks.max_kpi): unknown key. Did you mean 'max_kpis'?\n"
        "Suggestion: use one of: max_kpis, min_weight, achievable_low, achievable_high, "
        "coverage_tolerance.\n"
    )


# --------------------------------------------------------------------------- leading/lagging
def test_inline_kpis_without_a_type_are_unknown_not_lagging(tmp_path, capsys):
    design = load_design(write(tmp_path, UNITS))
    types = {k.kpi: k.definition.type for k in design.roles[0].kpis}
    # "Meetings held" is the library's meetings (by name): leading; the others unknown
    assert types == {"units_closed": "unknown", "calls": "unknown", "meetings_held": "leading"}
    assert design.role_kpis()["type"].tolist() == ["unknown", "unknown", "leading"]
    _, findings = check(tmp_path, UNITS, capsys)
    assert of_rule(findings, "lagging-only") == []  # meetings are a leading indicator
    no_meetings = UNITS.replace("name: Meetings held", "name: Demo sessions")
    _, findings = check(tmp_path, no_meetings, capsys)
    assert of_rule(findings, "lagging-only") == [
        (
            "info",
            "Role 'reps' has no KPI known to be a leading indicator: units_closed, calls, "
            "meetings_held have no type (unknown: neither given in the design nor found in "
            "the KPI library by id or name). Suggestion: add 'type: leading' or 'type: "
            "lagging' to them.",
        )
    ]
    mixed = no_meetings.replace(
        "{kpi: units_closed, name: Units closed, unit: count,", "{kpi: units_sold,"
    )
    _, findings = check(tmp_path, mixed, capsys)
    assert of_rule(findings, "lagging-only") == [
        (
            "info",
            "Role 'reps' has no KPI known to be a leading indicator: calls, meetings_held have "
            "no type (unknown: neither given in the design nor found in the KPI library by id "
            "or name), units_sold is lagging. Suggestion: add 'type: leading' or 'type: "
            "lagging' to them.",
        )
    ]
    typed = no_meetings.replace("name: Calls made,", "name: Calls made, type: leading,")
    _, findings = check(tmp_path, typed, capsys)
    assert of_rule(findings, "lagging-only") == []
    reasons = " ".join(suggest(load_design(write(tmp_path, mixed)))["reason"])
    assert "adds a known leading indicator (calls, meetings_held: type unknown)" in reasons
    assert "adds the missing leading indicator" not in reasons


# --------------------------------------------------------------------------- roster
def test_a_roster_key_is_read_relative_to_the_design_file(tmp_path):
    folder = tmp_path / "client"
    folder.mkdir()
    (folder / "people.csv").write_text(CRM_ROSTER.read_text(encoding="utf-8"), encoding="utf-8")
    path = write(folder, UNITS + "roster: people.csv\n")
    design = load_design(path)
    assert isinstance(design.roster, Roster)
    assert design.roster_file == str(folder / "people.csv")
    assert len(design.roster) == 8 and design.roster.employees[0] == "Mia Hart"
    assert load_design(write(folder, UNITS)).roster is None
    # from a mapping, relative to the working folder
    mapping = {"goals": [{"id": "units", "target": 1}], "roster": str(folder / "people.csv")}
    assert len(load_design(mapping).roster) == 8


def test_a_missing_roster_file_is_named_with_its_line(tmp_path, capsys):
    path = write(tmp_path, UNITS + "roster: staff/roster.csv\n")
    with pytest.raises(DefinitionError) as err:
        load_design(path)
    assert str(err.value) == (
        f"{path}: line 13 (roster): roster file 'staff/roster.csv' does not exist (looked for "
        f"{tmp_path / 'staff' / 'roster.csv'}).\n"
        "Suggestion: give the roster's path relative to the design file, e.g. 'roster: "
        "roster.csv' for a file beside it."
    )
    assert run(["design", "check", str(path)]) == 2
    assert capsys.readouterr().err == f"Error: {err.value}\n"


# --------------------------------------------------------------------------- goal history
ANNUAL = """\
client: Acme
period: 2027
goals:
  - {id: units_sold, target: 2400}
roles:
  - id: rep
    headcount: 2
    on_target_pay: 12000
    kpis:
      - {kpi: units_sold, goal: units_sold, weight: 0.8, target: 1200}
      - {kpi: meetings, goal: units_sold, weight: 0.2, target: 100}
"""


def ten_months(units: dict[str, float], meetings: float = 10.0) -> pd.DataFrame:
    months = [f"2026-{m:02d}" for m in range(1, 11)]
    rows = [
        {"employee": e, "period": p, "kpi": k, "actual": v}
        for e, per_month in units.items()
        for p in months
        for k, v in (("units_sold", per_month), ("meetings", meetings))
    ]
    return pd.DataFrame(rows)


def test_an_annual_goal_with_ten_months_of_history_uses_them_and_says_so(tmp_path):
    design = load_design(write(tmp_path, ANNUAL))
    # a: 110 a month → 1,100 in 10 months → 1,320 a year ≥ 1,200; b: 90 → 1,080 < 1,200;
    # meetings 10 a month → 120 a year ≥ 100 for both
    report = run_checks(design, ten_months({"a": 110.0, "b": 90.0}))
    found = [(f.severity, f.message) for f in report.findings if f.rule == "not-achievable"]
    assert found == [
        (
            "warning",
            "KPI 'meetings' of role 'rep', on partial history (10 of the 12 months of a year, "
            "2026-01 to 2026-10, scaled up to a whole year): 100% of 2 past employee-periods "
            "were at or above the target 100, over 95%: it pays for business as usual. "
            "Suggestion: raise the target.",
        ),
        (
            "info",
            "KPI 'units_sold' of role 'rep', on partial history (10 of the 12 months of a "
            "year, 2026-01 to 2026-10, scaled up to a whole year): 50% of 2 past "
            "employee-periods were at or above the target 1,200: within 10%–95%, as far as a "
            "partial year can tell. Suggestion: check again with a whole year of history.",
        ),
    ]
    assert not any(f.message.startswith("No history") for f in report.findings)


def test_whole_periods_are_still_preferred_to_partial_ones(tmp_path):
    # 2025 whole (100 a month = 1,200: reached), 2026 ten months only: only 2025 counts
    design = load_design(write(tmp_path, ANNUAL))
    rows = [
        {"employee": "a", "period": f"{y}-{m:02d}", "kpi": "units_sold", "actual": 100.0}
        for y, months in ((2025, range(1, 13)), (2026, range(1, 11)))
        for m in months
    ]
    report = run_checks(design, pd.DataFrame(rows), rules=["not-achievable"])
    assert [f.message for f in report.findings] == [
        "KPI 'units_sold' of role 'rep': 100% of 1 past employee-periods were at or above the "
        "target 1,200, over 95%: it pays for business as usual. Suggestion: raise the target.",
        "No history for KPI 'meetings': the chance of reaching 100 in role 'rep' was not "
        "checked. Suggestion: add its past actuals to the data.",
    ]


def test_design_check_on_ten_months_prints_the_partial_finding(tmp_path, capsys):
    data = tmp_path / "history.csv"
    ten_months({"a": 110.0, "b": 90.0}).to_csv(data, index=False)
    code, findings = check(tmp_path, ANNUAL, capsys, "--data", str(data))
    assert code == 0
    assert [f["severity"] for f in findings if f["rule"] == "not-achievable"] == [
        "warning",
        "info",
    ]
