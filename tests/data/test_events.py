"""Tests for kpitools.data.measures and .events: the measure grammar and event aggregation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpitools.data as data
from kpitools.data import Aggregate, Condition, Ratio, parse_measure, parse_measures
from kpitools.errors import DataValidationError, DefinitionError

GRAMMAR = (
    "Suggestion: a measure is NAME=count, NAME=sum(col), NAME=mean(col) or NAME=nunique(col), "
    "optionally followed by 'where col == value' (also != < > <= >= 'in (a, b)' and "
    "'between a and b'), or a ratio of other measures by name such as win_rate=won/closed."
)

DEALS = (
    "sales_agent,deal_stage,close_date,close_value,account,office\n"
    "Anna,Won,2017-03-01,100,A1,East\n"
    "Anna,Lost,2017-03-05,0,A2,East\n"
    "Anna,Engaging,,,A3,East\n"
    "Anna,Won,2017-05-02,50,A1,West\n"
    'Bob,Won,2017-04-10,"1,000",B1,West\n'
    "Bob,Lost,2017-04-11,,B2,West\n"
)

NORTHWIND = Path(__file__).parents[3] / "shared" / "data" / "northwind"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def records(df: pd.DataFrame) -> list[list]:
    return df.astype(object).where(df.notna(), None).values.tolist()


# --------------------------------------------------------------------------- grammar
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("deals=count", Aggregate(name="deals", func="count", column=None)),
        ("deals = count()", Aggregate(name="deals", func="count", column=None)),
        ("n=count(close_value)", Aggregate(name="n", func="count", column="close_value")),
        ("r=sum(`Close Value`)", Aggregate(name="r", func="sum", column="close_value")),
        (
            "won_revenue=sum(close_value) where deal_stage == Won",
            Aggregate(
                name="won_revenue",
                func="sum",
                column="close_value",
                where=(Condition("deal_stage", "==", ("Won",)),),
            ),
        ),
        (
            "x=mean(v) WHERE stage != 'Closed Lost' AND amount >= 1.5e3",
            Aggregate(
                name="x",
                func="mean",
                column="v",
                where=(
                    Condition("stage", "!=", ("Closed Lost",)),
                    Condition("amount", ">=", ("1.5e3",)),
                ),
            ),
        ),
        (
            'c=nunique(account) where stage in (Won, "Lost", 5) and region not in (North)',
            Aggregate(
                name="c",
                func="nunique",
                column="account",
                where=(
                    Condition("stage", "in", ("Won", "Lost", "5")),
                    Condition("region", "not in", ("North",)),
                ),
            ),
        ),
        (
            "x=count where day < 2025-01-01",
            Aggregate(
                name="x", func="count", column=None, where=(Condition("day", "<", ("2025-01-01",)),)
            ),
        ),
    ],
)
def test_parse_aggregates(text, expected):
    assert parse_measure(text) == expected


def test_parse_column_with_space_needs_backticks():
    with pytest.raises(DefinitionError) as excinfo:
        parse_measure("r=sum(Close Value)")
    assert str(excinfo.value) == (
        "Measure 'r=sum(Close Value)', column 13: expected ')', found 'Value'.\n"
        "    r=sum(Close Value)\n"
        "                ^\n" + GRAMMAR
    )


def test_parse_ratio_uses_the_formula_parser():
    got = parse_measure("win_rate = won / (won + lost) * 100")
    assert isinstance(got, Ratio)
    assert got.expr.names == ("won", "lost")
    assert str(got.expr) == "won / (won + lost) * 100"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "x=__import__('os')",
            "Measure \"x=__import__('os')\", column 3: unknown function '__import__'; only "
            "count, sum, mean, nunique exist.\n    x=__import__('os')\n      ^\n" + GRAMMAR,
        ),
        (
            "x=eval(v)",
            "Measure 'x=eval(v)', column 3: unknown function 'eval'; only count, sum, mean, "
            "nunique exist.\n    x=eval(v)\n      ^\n" + GRAMMAR,
        ),
        (
            "x=sum(v.__class__)",
            "Measure 'x=sum(v.__class__)', column 7: 'v.__class__' is not a column name (no "
            "attribute access).\n    x=sum(v.__class__)\n          ^\n" + GRAMMAR,
        ),
        (
            "x=mean(__v)",
            "Measure 'x=mean(__v)', column 8: '__v' is not a column name (write `odd names` in "
            "backticks).\n    x=mean(__v)\n           ^\n" + GRAMMAR,
        ),
        (
            "x=os.system('ls')",
            "Measure \"x=os.system('ls')\": the ratio is not valid: Formula \"os.system('ls')\": "
            "attribute access '.' is not allowed at column 3.\n    os.system('ls')\n      ^\n"
            + GRAMMAR,
        ),
        (
            "x=won.real / 2",
            "Measure 'x=won.real / 2': the ratio is not valid: Formula 'won.real / 2': "
            "attribute access '.' is not allowed at column 4.\n    won.real / 2\n       ^\n"
            + GRAMMAR,
        ),
        (
            "x=lambda: 1",
            "Measure 'x=lambda: 1': the ratio is not valid: Formula 'lambda: 1': 'lambda' is a "
            "reserved word, not an id at column 1.\n    lambda: 1\n    ^\n" + GRAMMAR,
        ),
        (
            "x=SUM(v)",
            "Measure 'x=SUM(v)', column 3: unknown function 'SUM' (write it in lower case).\n"
            "    x=SUM(v)\n      ^\n" + GRAMMAR,
        ),
        (
            "x=sum",
            "Measure 'x=sum', column 3: sum needs a column: sum(column).\n    x=sum\n      ^\n"
            + GRAMMAR,
        ),
        (
            "x=sum(v) where a == 1 or b == 2",
            "Measure 'x=sum(v) where a == 1 or b == 2', column 23: only 'and' can join "
            "conditions.\n    x=sum(v) where a == 1 or b == 2\n                          ^\n"
            + GRAMMAR,
        ),
        (
            "x=count where a ~ b",
            "Measure 'x=count where a ~ b', column 17: expected a comparison (== != < > <= >= "
            "in between), found '~'.\n    x=count where a ~ b\n                    ^\n" + GRAMMAR,
        ),
        (
            "x=count where a === b",
            "Measure 'x=count where a === b', column 19: unexpected '='.\n"
            "    x=count where a === b\n                      ^\n" + GRAMMAR,
        ),
        (
            "x=count where a in (1,",
            "Measure 'x=count where a in (1,', column 23: a value is missing (found the end).\n"
            "    x=count where a in (1,\n                          ^\n" + GRAMMAR,
        ),
        (
            "=count",
            "Measure '=count': write it as NAME=EXPR with a plain name, e.g. deals=count.\n"
            + GRAMMAR,
        ),
        (
            "x=",
            "Measure 'x=', column 3: the expression is missing.\n    x=\n      ^\n" + GRAMMAR,
        ),
        ("__x=count", "Measure '__x=count': the name '__x' is not allowed."),
    ],
)
def test_rejected_measures(text, expected):
    with pytest.raises(DefinitionError) as excinfo:
        parse_measure(text)
    assert str(excinfo.value) == expected


@pytest.mark.parametrize(
    ("measures", "expected"),
    [
        (
            ["a=count", "a=count"],
            "Measure name 'a' is used twice.\nSuggestion: give each measure its own name.",
        ),
        (
            ["won=count", "r=won/clsed", "closed=count"],
            "Measure 'r': 'clsed' is not a measure; the measures are won, closed. Did you mean "
            "'closed'?\nSuggestion: a ratio divides measures by name; define the parts first, "
            "e.g. won=count where stage == Won.",
        ),
        (["r=s/a", "s=r*2", "a=count"], "Measures refer to each other in a circle: r -> s -> r."),
        (["r=r/2"], "Measure 'r' refers to itself."),
        ([], "No measures given.\n" + GRAMMAR),
    ],
)
def test_measure_sets_are_checked(measures, expected):
    with pytest.raises(DefinitionError) as excinfo:
        parse_measures(measures)
    assert str(excinfo.value) == expected


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_parser_never_crashes_and_never_evaluates(text):
    try:
        got = parse_measure("m=" + text)
    except DefinitionError:
        return
    assert isinstance(got, Aggregate | Ratio)


# --------------------------------------------------------------------------- aggregation
def test_worked_example_with_zero_fill_ratio_and_attribute(tmp_path):
    path = write(tmp_path, "deals.csv", DEALS)
    with pytest.warns(UserWarning) as record:
        out = data.aggregate_events(
            path,
            employee="Sales Agent",
            date="close_date",
            measures=[
                "won_revenue=sum(close_value) where deal_stage == Won",
                "deals=count",
                "won=count where deal_stage == 'Won'",
                "closed=count where deal_stage in (Won, Lost)",
                "win_rate=won/closed",
                "avg_won=mean(close_value) where deal_stage == Won",
            ],
            attributes=["region=office"],
        )
    assert out.columns.tolist() == ["employee", "period", "kpi", "actual", "region"]
    got = {(e, p, k): (a, r) for e, p, k, a, r in records(out)}
    expected = {
        ("Anna", "2017-03", "won_revenue"): (100.0, "East"),
        ("Anna", "2017-03", "deals"): (2.0, "East"),
        ("Anna", "2017-03", "won"): (1.0, "East"),
        ("Anna", "2017-03", "closed"): (2.0, "East"),
        ("Anna", "2017-03", "win_rate"): (0.5, "East"),
        ("Anna", "2017-03", "avg_won"): (100.0, "East"),
        # April: no events inside Anna's active range -> 0 for counts/sums, no ratio, no mean
        ("Anna", "2017-04", "won_revenue"): (0.0, "East"),
        ("Anna", "2017-04", "deals"): (0.0, "East"),
        ("Anna", "2017-04", "won"): (0.0, "East"),
        ("Anna", "2017-04", "closed"): (0.0, "East"),
        ("Anna", "2017-05", "won_revenue"): (50.0, "West"),
        ("Anna", "2017-05", "deals"): (1.0, "West"),
        ("Anna", "2017-05", "won"): (1.0, "West"),
        ("Anna", "2017-05", "closed"): (1.0, "West"),
        ("Anna", "2017-05", "win_rate"): (1.0, "West"),
        ("Anna", "2017-05", "avg_won"): (50.0, "West"),
        ("Bob", "2017-04", "won_revenue"): (1000.0, "West"),
        ("Bob", "2017-04", "deals"): (2.0, "West"),
        ("Bob", "2017-04", "won"): (1.0, "West"),
        ("Bob", "2017-04", "closed"): (2.0, "West"),
        ("Bob", "2017-04", "win_rate"): (0.5, "West"),
        ("Bob", "2017-04", "avg_won"): (1000.0, "West"),
    }
    assert got == expected
    assert list(got) == list(expected)  # sorted by employee, period, measure order
    assert str(record[0].message) == (
        f"{path}: warnings:\n"
        "- column 'close_date': no date: event skipped (1 row): row 4\n"
        "  Suggestion: fill in the date if the event counts.\n"
        "- ratio undefined (division by zero): no row made (1 case): Anna × 2017-04 "
        "(measure 'win_rate' = won / closed)\n"
        "  Suggestion: nothing to do if there was nothing to divide; the KPI is absent for "
        "that month."
    )
    # the result is a valid long table
    assert len(data.load(out, library=False)) == len(out)


def test_quarterly_aggregation(tmp_path):
    path = write(tmp_path, "deals.csv", DEALS)
    with pytest.warns(UserWarning, match="no date"):
        out = data.aggregate_events(
            path,
            employee="sales_agent",
            date="close_date",
            measures={"won_revenue": "sum(close_value) where deal_stage == Won", "deals": "count"},
            freq="quarter",
        )
    assert records(out) == [
        ["Anna", "2017-Q1", "won_revenue", 100.0],
        ["Anna", "2017-Q1", "deals", 2.0],
        ["Anna", "2017-Q2", "won_revenue", 50.0],
        ["Anna", "2017-Q2", "deals", 1.0],
        ["Bob", "2017-Q2", "won_revenue", 1000.0],
        ["Bob", "2017-Q2", "deals", 2.0],
    ]


def test_numeric_comparisons_on_numeric_columns():
    events = pd.DataFrame(
        {
            "rep": ["a", "a", "a", "b"],
            "day": ["2025-01-02", "2025-01-03", "2025-01-04", "2025-01-05"],
            "amount": ["10", "10.0", "2,5", "7"],
            "code": [5, 5.0, 6, 7],
        }
    )
    out = data.aggregate_events(
        events,
        employee="rep",
        date="day",
        measures=[
            "ten=count where amount == 10",
            "small=sum(amount) where amount < 8",
            "coded=count where code in (5, 7)",
            "other=count where code != 5",
            "uniq=nunique(amount)",
        ],
    )
    assert records(out) == [
        ["a", "2025-01", "ten", 2.0],
        ["a", "2025-01", "small", 2.5],
        ["a", "2025-01", "coded", 2.0],
        ["a", "2025-01", "other", 1.0],
        ["a", "2025-01", "uniq", 3.0],
        ["b", "2025-01", "ten", 0.0],
        ["b", "2025-01", "small", 7.0],
        ["b", "2025-01", "coded", 1.0],
        ["b", "2025-01", "other", 1.0],
        ["b", "2025-01", "uniq", 1.0],
    ]


def test_ordering_comparison_on_text_column_is_refused():
    events = pd.DataFrame({"rep": ["a", "b"], "day": ["2025-01-02"] * 2, "stage": ["Won", "3"]})
    with pytest.raises(DefinitionError) as excinfo:
        data.aggregate_events(
            events, employee="rep", date="day", measures=["x=count where stage > 2"]
        )
    assert str(excinfo.value) == (
        "Measure 'x': 'stage > 2' compares in order, but column 'stage' holds text, not numbers "
        "or dates (row 0: 'Won').\nSuggestion: compare numbers with numbers and dates with dates "
        "(2025-03-10); use == or in for text."
    )


def test_bad_event_rows_are_all_reported(tmp_path):
    text = (
        "rep,day,amount,stage\n"
        "A,2025-01-03,10,Won\n"
        ",2025-01-04,5,Won\n"
        "B,2025-02-30,7,Won\n"
        "C,2025-01-05,lots,Won\n"
        "C,2025-01-06,junk,Lost\n"
    )
    path = write(tmp_path, "ev.csv", text)
    with pytest.raises(DataValidationError) as excinfo:
        data.aggregate_events(
            path, employee="rep", date="day", measures=["rev=sum(amount) where stage == Won"]
        )
    assert str(excinfo.value) == (
        f"{path}: 3 problems in 3 rows; nothing was aggregated.\n"
        "- column 'rep': no employee id (1 row): row 3\n"
        "  Suggestion: fill in the employee id or delete the row.\n"
        "- column 'day': cannot read the date (1 row): row 4 ('2025-02-30')\n"
        "  Suggestion: write dates as YYYY-MM-DD (2025-01-15), DD.MM.YYYY or M/D/YYYY.\n"
        "- column 'amount': not a number (1 row): row 5 ('lots') (in measure 'rev')\n"
        "  Suggestion: write plain numbers without units or text, or filter the rows out with "
        "'where'."
    )
    assert excinfo.value.failure_cases["row"].tolist() == [3, 4, 5]


def test_missing_columns_in_events(tmp_path):
    path = write(tmp_path, "deals.csv", DEALS)
    with pytest.raises(DataValidationError) as excinfo:
        data.aggregate_events(
            path,
            employee="sales agnt",
            date="close_date",
            measures=["x=sum(value)", "y=count where Stage == 1"],
            attributes=["team"],
        )
    assert str(excinfo.value) == (
        f"{path}: missing columns:\n"
        "- 'sales_agnt' (for the employee). Did you mean 'sales_agent'?\n"
        "- 'value' (for measure 'x'). Did you mean 'close_value'?\n"
        "- 'stage' (for measure 'y'). Did you mean 'deal_stage'?\n"
        "- 'team' (for an attribute).\n"
        "Found columns: 'sales_agent', 'deal_stage', 'close_date', 'close_value', 'account', "
        "'office'.\n"
        "Suggestion: use the column names of the file (case and spaces do not matter)."
    )


def test_bad_frequency():
    with pytest.raises(DefinitionError) as excinfo:
        data.aggregate_events(
            pd.DataFrame(), employee="a", date="b", measures=["x=count"], freq="monht"
        )
    assert (
        str(excinfo.value)
        == "Unknown period 'monht'; use 'month' or 'quarter'. Did you mean 'month'?"
    )


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["e1", "e2", "e3"]),
            st.integers(1, 12),
            st.integers(0, 1000),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_sums_and_counts_add_up_to_the_events(rows):
    events = pd.DataFrame(rows, columns=["rep", "month", "value"])
    events["day"] = "2025-" + events["month"].astype(str).str.zfill(2) + "-15"
    out = data.aggregate_events(
        events, employee="rep", date="day", measures=["total=sum(value)", "n=count"]
    )
    assert out.loc[out["kpi"] == "total", "actual"].sum() == events["value"].sum()
    assert out.loc[out["kpi"] == "n", "actual"].sum() == len(events)
    # every employee has one row per month from its first to its last event
    for rep, grp in events.groupby("rep"):
        months = out[(out["employee"] == rep) & (out["kpi"] == "n")]["period"].tolist()
        expected = [f"2025-{m:02d}" for m in range(grp["month"].min(), grp["month"].max() + 1)]
        assert months == expected


@pytest.mark.skipif(not NORTHWIND.exists(), reason="shared/data/northwind is not beside the repo")
def test_northwind_monthly_net_revenue_adds_up():
    # orders.csv has unquoted commas in addresses after the 4th field: read only the first 4
    orders = pd.read_csv(
        NORTHWIND / "orders.csv",
        header=None,
        skiprows=1,
        names=list(range(15)),
        usecols=[0, 2, 3],
        dtype=str,
    ).set_axis(["orderID", "employeeID", "orderDate"], axis=1)
    details = pd.read_csv(NORTHWIND / "order-details.csv", dtype={"orderID": str})
    events = details.merge(orders, on="orderID", validate="many_to_one")
    assert len(events) == 2155
    events["net_revenue"] = events["unitPrice"] * events["quantity"] * (1 - events["discount"])
    with pytest.warns(UserWarning, match="ratio undefined"):
        out = data.aggregate_events(
            events,
            employee="employeeID",
            date="orderDate",
            measures=["net=sum(net_revenue)", "orders=nunique(orderID)", "aov=net/orders"],
        )
    net = out[out["kpi"] == "net"]
    assert round(net["actual"].sum(), 2) == 1265793.04
    assert sorted(net["employee"].unique()) == [str(i) for i in range(1, 10)]
    assert net["period"].min() == "1996-07" and net["period"].max() == "1998-05"
    assert out.loc[out["kpi"] == "orders", "actual"].sum() == 830
    aov = out[out["kpi"] == "aov"].set_index(["employee", "period"])["actual"]
    by = out.pivot_table(index=["employee", "period"], columns="kpi", values="actual")
    ok = by["orders"] > 0
    np.testing.assert_allclose(aov.loc[by.index[ok]], (by["net"] / by["orders"])[ok])


def test_sums_carry_no_binary_noise():
    events = pd.DataFrame(
        {
            "agent": ["A"] * 2,
            "day": ["2025-01-03", "2025-01-09"],
            "value": [0.1, 0.2],
        }
    )
    assert 0.1 + 0.2 == 0.30000000000000004  # what a plain sum gives
    out = data.aggregate_events(events, employee="agent", date="day", measures=["v=sum(value)"])
    assert out["actual"].tolist() == [0.3]
