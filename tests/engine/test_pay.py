"""On-target pay per employee-period (kpitools.engine.pay): one amount or one per role."""

from __future__ import annotations

import pandas as pd
import pytest
from payout_cases import (
    curve_component,
    long_table,
    mixed_roles,
    payouts_by_employee,
    revenue_scheme,
    scheme_dict,
)

from kpitools.engine import on_target_pay_per_row, run_scheme
from kpitools.errors import DefinitionError
from kpitools.scheme import load_scheme


def test_on_target_pay_role_missing_from_mapping():
    data = long_table(
        [("a", "2025-01", "sales", 1.0), ("b", "2025-01", "sales", 1.0)],
        role={"a": "rep", "b": "lead"},
    )
    scheme = scheme_dict(
        [curve_component("sales", {"steps": [[1, 1]]}, target=1)],
        on_target_pay={"rep": 100, "leed": 200},
    )
    with pytest.raises(DefinitionError) as info:
        run_scheme(data, scheme, library=False)
    assert str(info.value) == (
        "scheme 't': on_target_pay: no amount for role 'lead': 1 employee-period(s), e.g. "
        "employee 'b' in 2025-01. Did you mean 'leed'?\n"
        "Suggestion: add lead: <amount> under on_target_pay, or evaluate only the roles it "
        "pays with roles: [rep, leed]."
    )
    scheme["on_target_pay"] = {"rep": 100, "lead": 200}
    assert payouts_by_employee(data, scheme) == {"a": 100.0, "b": 200.0}


def test_per_role_pay_without_a_role_column():
    data = long_table([("a", "2025-01", "sales", 1.0)])
    scheme = scheme_dict(
        [curve_component("sales", {"steps": [[1, 1]]}, target=1)], on_target_pay={"rep": 100}
    )
    with pytest.raises(DefinitionError) as info:
        run_scheme(data, scheme, library=False)
    assert str(info.value) == (
        "scheme 't': on_target_pay is given per role (rep) but the data has no 'role' column.\n"
        "Suggestion: add a role column to the data, or give on_target_pay as one number."
    )


def test_per_role_pay_without_an_amount_suggests_roles():
    scheme = revenue_scheme(on_target_pay={"sales_rep": 1000, "key_account": 2000})
    with pytest.raises(DefinitionError) as info:
        run_scheme(mixed_roles(), scheme, library=False)
    assert str(info.value) == (
        "scheme 't': on_target_pay: no amount for role 'marketing': 1 employee-period(s), "
        "e.g. employee 'm1' in 2025-01.\n"
        "Suggestion: add marketing: <amount> under on_target_pay, or evaluate only the roles "
        "it pays with roles: [sales_rep, key_account]."
    )
    scheme["roles"] = ["sales_rep", "key_account"]
    assert payouts_by_employee(mixed_roles(), scheme) == {"r1": 750.0, "r2": 1600.0, "k1": 3000.0}


def _keys(roles):
    return pd.DataFrame(
        {"employee": [f"e{i}" for i in range(len(roles))], "period": "2025-01", "role": roles}
    )


def _one_component(on_target_pay):
    return load_scheme(
        scheme_dict([curve_component("x", {"steps": [[1, 1]]})], on_target_pay=on_target_pay)
    )


def test_one_amount_for_every_row():
    pay = on_target_pay_per_row(_one_component(1000), _keys([None, None]), has_role=False)
    assert pay.tolist() == [1000.0, 1000.0]


def test_an_amount_per_role_with_or_without_known_codes():
    scheme = _one_component({"rep": 100, "lead": 250})
    keys = _keys(["rep", "lead", "rep"])
    assert on_target_pay_per_row(scheme, keys).tolist() == [100.0, 250.0, 100.0]
    codes = pd.factorize(keys["role"].astype(object))
    assert on_target_pay_per_row(scheme, keys, True, codes=codes).tolist() == [100.0, 250.0, 100.0]


def test_rows_without_a_role_have_no_amount():
    scheme = _one_component({"rep": 100})
    with pytest.raises(DefinitionError) as info:
        on_target_pay_per_row(scheme, _keys(["rep", None, "lead"]))
    assert str(info.value) == (
        "scheme 't': on_target_pay: no amount for no role (also: 'lead'): 1 employee-period(s), "
        "e.g. employee 'e1' in 2025-01.\n"
        "Suggestion: fill in the role column for these rows, or evaluate only the roles it pays "
        "with roles: [rep]."
    )
