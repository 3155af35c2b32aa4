"""The prepared base (kpitools.engine.base): the data read, checked, rolled up for a scheme."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from payout_cases import (
    curve_component,
    long_table,
    mixed_roles,
    revenue_scheme,
    scheme_dict,
)

from kpitools.data import load_library
from kpitools.demo import make_demo_company
from kpitools.engine import prepare, prepare_base, run_scheme
from kpitools.engine.base import base_signature
from kpitools.errors import DataValidationError, DefinitionError
from kpitools.scheme import load_scheme


def test_kpi_missing_from_data():
    data = long_table([("a", "2025-01", "sales", 1.0)])
    with pytest.raises(DefinitionError) as info:
        run_scheme(data, scheme_dict([curve_component("sale", {"steps": [[1, 1]]})]), library=False)
    assert str(info.value) == (
        "scheme 't': components[0].kpi: KPI 'sale' is not in the data. Did you mean 'sales'?\n"
        "Suggestion: add its rows to the data, or use a KPI the data has: sales."
    )


def test_quarterly_scheme_recomputes_a_ratio_gate_from_the_library():
    rows = []
    for m, (won, closed, revenue) in enumerate([(1, 4, 100.0), (3, 4, 200.0), (0, 2, 300.0)], 1):
        p = f"2025-{m:02d}"
        rows += [
            ("a", p, "won_deals", float(won)),
            ("a", p, "closed_deals", float(closed)),
            ("a", p, "win_rate", won / closed),
            ("a", p, "revenue", revenue),
        ]
    data = long_table(rows)
    scheme = scheme_dict(
        [curve_component("revenue", {"points": [[0, 0], [1, 1]]}, target=600)],
        period="quarter",
        gates=[{"kpi": "win_rate", "min_attainment": 1.0, "target": 0.4}],
    )
    run = run_scheme(data, scheme, library=load_library())
    # revenue 100 + 200 + 300 = 600 → attainment 1.0 → 1000; win rate 4 / 10 = 0.4 (not the
    # mean 0.333 of the months, which would miss the gate) → attainment exactly 1.0 passes
    assert run.totals[["period", "gate_passed", "payout"]].to_dict("records") == [
        {"period": "2025-Q1", "gate_passed": True, "payout": 1000.0}
    ]


def test_duplicate_rows_are_an_error():
    data = long_table(
        [
            ("a", "2025-01", "sales", 1.0),
            ("b", "2025-01", "sales", 1.0),
            ("a", "2025-01", "sales", 2.0),
        ]
    )
    with pytest.raises(DataValidationError) as info:
        run_scheme(
            data,
            scheme_dict([curve_component("sales", {"steps": [[1, 1]]}, target=1)]),
            library=False,
        )
    assert str(info.value) == (
        "the data: 2 rows repeat an employee × period × KPI, e.g. employee 'a', 2025-01, "
        "'sales' (rows 2, 4).\nSuggestion: remove the repeats, or load the data with "
        "kpitools.data.load(..., duplicates='sum')."
    )
    assert info.value.failure_cases["row"].tolist() == [2, 4]


def test_missing_columns_are_named():
    with pytest.raises(DataValidationError) as info:
        run_scheme(
            pd.DataFrame({"employee": ["a"], "value": [1]}),
            scheme_dict([curve_component("s", {"steps": [[1, 1]]})]),
        )
    assert str(info.value) == (
        "the data: missing column(s) period, kpi, actual (found: employee, value).\n"
        "Suggestion: give the long table (employee, period, kpi, actual), or load it with "
        "kpitools.data.load, which also reads wide tables."
    )


def test_duplicate_rows_are_numbered_as_in_the_file_even_among_other_kpis():
    data = long_table(
        [
            ("a", "2025-01", "other", 1.0),
            ("a", "2025-01", "sales", 1.0),
            ("a", "2025-01", "other", 5.0),
            ("a", "2025-01", "sales", 2.0),
        ]
    )
    with pytest.raises(DataValidationError) as info:
        run_scheme(
            data,
            scheme_dict([curve_component("sales", {"steps": [[1, 1]]}, target=1)]),
            library=False,
        )
    # the repeats of 'sales' are the 2nd and 4th data rows: file rows 3 and 5
    assert info.value.failure_cases["row"].tolist() == [3, 5]
    assert str(info.value) == (
        "the data: 2 rows repeat an employee × period × KPI, e.g. employee 'a', 2025-01, "
        "'sales' (rows 3, 5).\nSuggestion: remove the repeats, or load the data with "
        "kpitools.data.load(..., duplicates='sum')."
    )


def test_a_selection_outside_the_data_is_an_error():
    data = long_table([("a", "2025-01", "sales", 1.0), ("a", "2025-02", "sales", 1.0)])
    with pytest.raises(DefinitionError) as info:
        run_scheme(
            data,
            scheme_dict([curve_component("sales", {"steps": [[1, 1]]}, target=1)]),
            periods="2030-01..2030-12",
        )
    assert str(info.value) == (
        "periods '2030-01..2030-12': none of the data's months is inside (the data has 2025-01 "
        "to 2025-02).\nSuggestion: choose periods within the data; a month counts when it lies "
        "wholly inside FROM..TO."
    )


def test_empty_data_is_an_error():
    empty = pd.DataFrame(
        {
            c: pd.Series([], dtype=float if c == "actual" else str)
            for c in ("employee", "period", "kpi", "actual")
        }
    )
    with pytest.raises(DataValidationError) as info:
        run_scheme(
            empty, scheme_dict([curve_component("sales", {"steps": [[1, 1]]})]), library=False
        )
    assert str(info.value) == (
        "the data: the data has no rows.\n"
        "Suggestion: check the file, or the filter that produced the table."
    )


def test_roles_evaluate_only_the_listed_roles():
    scheme = revenue_scheme(roles=["sales_rep", "key_account"])
    run = run_scheme(mixed_roles(), scheme, library=False)
    # r1: 0.9 → 0.5 + (0.1 / 0.2) × 0.5 = 0.75 → 750; r2: 1.3 → 1 + 0.3 / 0.5 = 1.6 → 1600
    # k1: 200 / 160 = 1.25 → 1 + 0.25 / 0.5 = 1.5 → 1500; m1 (marketing) is not evaluated
    assert run.totals.set_index("employee")["payout"].to_dict() == {
        "r1": 750.0,
        "r2": 1600.0,
        "k1": 1500.0,
    }
    assert run.totals[["employee", "role"]].values.tolist() == [
        ["k1", "key_account"],
        ["r1", "sales_rep"],
        ["r2", "sales_rep"],
    ]


def test_a_listed_role_absent_from_the_data():
    with pytest.raises(DefinitionError) as info:
        run_scheme(mixed_roles(), revenue_scheme(roles=["sales_rep", "key_acount"]), library=False)
    assert str(info.value) == (
        "scheme 't': roles[1]: role 'key_acount' is not in the data. Did you mean "
        "'key_account'?\n"
        "Suggestion: list roles the data has: key_account, marketing, sales_rep."
    )


def test_roles_need_a_role_column():
    data = mixed_roles().drop(columns="role")
    with pytest.raises(DefinitionError) as info:
        run_scheme(data, revenue_scheme(roles=["sales_rep"]), library=False)
    assert str(info.value) == (
        "scheme 't': roles: the data has no 'role' column, so the roles to evaluate "
        "(sales_rep) cannot be found.\n"
        "Suggestion: add a role column to the data, or remove roles: from the scheme to "
        "evaluate everyone."
    )


def test_a_kpi_the_listed_roles_do_not_have():
    scheme = scheme_dict([curve_component("leads", {"steps": [[1, 1]]})], roles=["sales_rep"])
    with pytest.raises(DefinitionError) as info:
        run_scheme(mixed_roles(), scheme, library=False)
    assert str(info.value) == (
        "scheme 't': components[0].kpi: KPI 'leads' has no rows for the roles the scheme "
        "evaluates (sales_rep) in the data.\n"
        "Suggestion: add the roles that have it to roles:, or use a KPI these roles have."
    )


def test_roles_split_an_allocated_total_among_the_listed_roles_only():
    data = long_table(
        [
            ("r1", "2025-01", "revenue", 100.0),
            ("r2", "2025-01", "revenue", 100.0),
            ("m1", "2025-01", "revenue", 100.0),
        ],
        role={"r1": "sales_rep", "r2": "sales_rep", "m1": "marketing"},
    )
    comp = curve_component("revenue", {"steps": [[1, 1]]})
    comp["target"] = {"method": "allocate", "total": 200, "by": "equal"}
    inputs = prepare(data, scheme_dict([comp], roles=["sales_rep"]), library=False)
    assert inputs.keys["employee"].tolist() == ["r1", "r2"]
    assert inputs.target[0].tolist() == [100.0, 100.0]


def test_roles_make_a_sales_revenue_scheme_run_on_the_demo_company():
    data = make_demo_company(n_employees=20, seed=3).data
    scheme = revenue_scheme(
        on_target_pay={"sales_rep": 40000, "key_account_manager": 60000},
        roles=["sales_rep", "key_account_manager"],
    )
    run = run_scheme(data, scheme, library=False)
    sales = data[data["role"].isin(["sales_rep", "key_account_manager"])]
    assert set(run.totals["role"]) == {"sales_rep", "key_account_manager"}
    assert len(run.totals) == int((sales["kpi"] == "revenue").sum())
    assert set(data.loc[data["kpi"] == "revenue", "role"]) >= {"marketing"}


def test_the_base_keys_every_employee_period_by_period_then_employee():
    data = long_table(
        [
            ("b", "2025-02", "sales", 1.0),
            ("a", "2025-02", "sales", 2.0),
            ("b", "2025-01", "sales", 3.0),
            ("c", "2025-01", "other", 4.0),  # no component KPI: not a row to evaluate
        ]
    )
    scheme = scheme_dict([curve_component("sales", {"steps": [[1, 1]]})])
    base = prepare_base(data, scheme, library=False)
    assert base.n == 3 and base.kind == "month" and not base.has_role
    assert base.rows["sales"].actual.tolist() == [3.0, 2.0, 1.0]
    assert not base.rows["sales"].actual.flags.writeable
    rows, keys, period_code = base.selection(np.array([], dtype=np.int64))
    assert keys[["employee", "period"]].values.tolist() == [
        ["b", "2025-01"],
        ["a", "2025-02"],
        ["b", "2025-02"],
    ]
    assert rows.tolist() == [0, 1, 2] and period_code.tolist() == [0, 1, 1]
    # the same selection comes from the cache; a skipped period selects other rows
    assert base.selection(np.array([], dtype=np.int64))[1] is keys
    january = base.per[0]
    assert base.selection(np.array([january]))[0].tolist() == [1, 2]


def test_the_signature_is_what_a_roll_up_depends_on():
    scheme = load_scheme(
        scheme_dict([curve_component("sales", {"steps": [[1, 1]]})], revenue_kpi="revenue")
    )
    assert base_signature(scheme, {"sales", "revenue"}, None) == (
        "month",
        None,
        "revenue",
        frozenset({"sales", "revenue"}),
        frozenset({"sales"}),
        None,
    )
    # a revenue KPI the data lacks is not rolled up
    assert base_signature(scheme, {"sales"}, None)[3] == frozenset({"sales"})
    # a pool funded by a component's own KPI still needs another base (its all-employee total)
    funded = scheme.set("pool", {"funded_by": {"kpi": "sales", "rate": 0.1}})
    assert base_signature(funded, {"sales", "revenue"}, None)[3:] == (
        frozenset({"sales", "revenue"}),
        frozenset({"sales"}),
        "sales",
    )
