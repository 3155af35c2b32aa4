"""Unusable targets (kpitools.engine.target_checks): every one named, with the fix that suits."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from payout_cases import long_table, mixed_roles, revenue_scheme, scheme_dict

from kpitools.engine import run_scheme
from kpitools.engine.items import scheme_items
from kpitools.engine.target_checks import find_target_failures
from kpitools.errors import DataValidationError
from kpitools.scheme import TargetResult, load_scheme


def test_missing_and_nonpositive_targets_name_employee_and_period():
    data = long_table(
        [
            ("a", "2025-01", "sales", 10.0, 0.0),
            ("b", "2025-01", "sales", 10.0, np.nan),
            ("c", "2025-01", "sales", 10.0, -5.0),
            ("d", "2025-01", "sales", 10.0, 8.0),
        ]
    )
    comp = {
        "kpi": "sales",
        "weight": 1,
        "target": {"method": "from_data"},
        "curve": {"steps": [[1, 1]]},
    }
    with pytest.raises(DataValidationError) as info:
        run_scheme(data, scheme_dict([comp]), library=False)
    assert str(info.value) == (
        "scheme 't': 3 employee-periods have no usable target:\n"
        "  components[0] (sales): the target is 0 for employee 'a' in 2025-01\n"
        "  components[0] (sales): no target: the data's target column is empty for it (in at "
        "least one month of the period) for employee 'b' in 2025-01\n"
        "  components[0] (sales): the target is negative (-5) for employee 'c' in 2025-01\n"
        "Suggestion: targets must be positive: check the data's target column."
    )
    cases = info.value.failure_cases
    assert cases["employee"].tolist() == ["a", "b", "c"]
    assert cases.columns.tolist() == ["column", "kpi", "employee", "period", "target", "problem"]


def test_single_missing_target_message():
    data = long_table([("b", "2025-01", "sales", 10.0)])
    comp = {
        "kpi": "sales",
        "weight": 1,
        "target": {"method": "from_data"},
        "curve": {"steps": [[1, 1]]},
    }
    with pytest.raises(DataValidationError) as info:
        run_scheme(data, scheme_dict([comp]), library=False)
    assert str(info.value) == (
        "scheme 't': components[0] (sales): no target: the data has no 'target' column for "
        "employee 'b' in 2025-01.\nSuggestion: add a target column to the data, or use another "
        "method (fixed, growth, …)."
    )


def test_engine_errors_pickle():
    data = long_table([("b", "2025-01", "sales", 10.0)])
    comp = {
        "kpi": "sales",
        "weight": 1,
        "target": {"method": "from_data"},
        "curve": {"steps": [[1, 1]]},
    }
    with pytest.raises(DataValidationError) as info:
        run_scheme(data, scheme_dict([comp]), library=False)
    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == str(info.value)
    pd.testing.assert_frame_equal(again.failure_cases, info.value.failure_cases)


def test_without_roles_the_marketing_rows_fail_and_the_message_suggests_roles():
    with pytest.raises(DataValidationError) as info:
        run_scheme(mixed_roles(), revenue_scheme(), library=False)
    assert str(info.value) == (
        "scheme 't': components[0] (revenue): no target: the data's target column is empty "
        "for it (in at least one month of the period) for employee 'm1' in 2025-01.\n"
        "Suggestion: fill in the target column for these rows, or use another target method, "
        "or evaluate only the roles without these problems with roles: [key_account, "
        "sales_rep]."
    )


def test_more_than_ten_failures_show_ten_and_count_the_rest():
    data = long_table([(f"e{i:02d}", "2025-01", "sales", 10.0, 0.0) for i in range(12)])
    comp = {
        "kpi": "sales",
        "weight": 1,
        "target": {"method": "from_data"},
        "curve": {"steps": [[1, 1]]},
    }
    with pytest.raises(DataValidationError) as info:
        run_scheme(data, scheme_dict([comp]), library=False)
    shown = "".join(
        f"  components[0] (sales): the target is 0 for employee 'e{i:02d}' in 2025-01\n"
        for i in range(10)
    )
    assert str(info.value) == (
        "scheme 't': 12 employee-periods have no usable target:\n" + shown + "  … and 2 more\n"
        "Suggestion: targets must be positive: check the data's target column."
    )
    assert len(info.value.failure_cases) == 12


def test_find_target_failures_on_aligned_arrays():
    scheme = load_scheme(
        scheme_dict(
            [
                {
                    "kpi": "nps",
                    "weight": 1,
                    "target": 50,
                    "baseline": 20,
                    "curve": {"steps": [[1, 1]]},
                }
            ]
        )
    )
    (item,) = scheme_items(scheme)
    keys = pd.DataFrame({"employee": ["a", "b", "c"], "period": "2025-01", "role": None})
    found = find_target_failures(
        item,
        "higher",
        keys,
        actual=np.array([30.0, np.nan, 30.0]),
        target=np.array([10.0, 10.0, 50.0]),  # b has no actual: nothing to check
        pos=np.array([0.0, 1.0, 2.0]),
        res=TargetResult(np.array([10.0, 10.0, 50.0])),
    )
    assert found[["employee", "problem"]].values.tolist() == [
        ["a", "the target (10) is not above the baseline (20)"]
    ]
