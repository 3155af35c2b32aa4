"""The scheme's registries: curve types, target methods and component kinds, one of each."""

from __future__ import annotations

import pandas as pd
import pytest

from kpitools.errors import DefinitionError
from kpitools.scheme import (
    COMPONENT_KINDS,
    CURVE_TYPES,
    TARGET_METHODS,
    TARGET_SPECS,
    Commission,
    FixedTarget,
    GrowthTarget,
    LinearCurve,
    TargetContext,
    TargetMethod,
    compute_targets,
    get_curve_type,
    get_target_method,
    get_target_spec,
    load_scheme,
)
from kpitools.scheme.curves import CurveBase


def test_registries_list_known_names():
    assert list(CURVE_TYPES) == ["points", "steps", "linear"]
    assert list(TARGET_SPECS) == ["fixed", "from_data", "growth", "percentile", "allocate"]
    assert get_curve_type("linear") is LinearCurve
    with pytest.raises(DefinitionError) as info:
        get_curve_type("step")
    assert str(info.value) == (
        "Unknown curve type 'step'. Did you mean 'steps'?\n"
        "Suggestion: use one of: points, steps, linear."
    )
    with pytest.raises(DefinitionError) as info:
        get_target_spec("percentil")
    assert str(info.value) == (
        "Unknown target method 'percentil'. Did you mean 'percentile'?\n"
        "Suggestion: use one of: fixed, from_data, growth, percentile, allocate."
    )


def test_target_methods_are_registered_once_with_their_computation():
    # one registry: the spec class named by `method:` carries its own computation
    assert TARGET_SPECS is TARGET_METHODS
    for name, cls in TARGET_METHODS.items():
        assert issubclass(cls, TargetMethod), name
        assert cls.model_fields["method"].default == name
        assert get_target_spec(name) is cls
        assert get_target_method(name) is cls.compute
    with pytest.raises(DefinitionError) as info:
        get_target_method("fixd")
    assert str(info.value) == (
        "Unknown target method 'fixd'. Did you mean 'fixed'?\n"
        "Suggestion: use one of: fixed, from_data, growth, percentile, allocate."
    )


def test_get_target_method_computes_like_compute_targets():
    frame = pd.DataFrame(
        {"employee": ["a", "a"], "period": [1, 2], "role": ["", ""], "actual": [10.0, 20.0],
         "target": [None, None]}
    )  # fmt: skip
    ctx = TargetContext(frame=frame, kind="month")
    spec = GrowthTarget(rate=0.5)
    direct = get_target_method("growth")(spec, ctx)
    assert direct.values[1] == compute_targets(spec, ctx).values[1] == 15.0
    assert get_target_method("fixed")(FixedTarget(value=3), ctx).values.tolist() == [3.0, 3.0]


def test_curve_types_are_curve_classes_named_by_their_key():
    # the key that names a curve in a scheme file is its class's field
    for name, cls in CURVE_TYPES.items():
        assert issubclass(cls, CurveBase) and name in cls.model_fields


def test_component_kinds():
    assert list(COMPONENT_KINDS) == ["curve", "commission"]
    assert COMPONENT_KINDS.get("commission") is Commission
    assert COMPONENT_KINDS.get("curve") is CurveBase
    scheme = load_scheme(
        {
            "name": "s",
            "on_target_pay": 100,
            "components": [
                {"kpi": "x", "weight": 1, "target": 5, "curve": {"steps": [[1, 1]]}},
                {"kpi": "y", "commission": {"rate": 0.1}},
            ],
        }
    )
    assert [c.kind for c in scheme.components] == ["curve", "commission"]
    for c in scheme.components:
        assert isinstance(c.payout_rule, COMPONENT_KINDS.get(c.kind))
    with pytest.raises(DefinitionError) as info:
        COMPONENT_KINDS.get("comission")
    assert str(info.value) == (
        "Unknown component kind 'comission'. Did you mean 'commission'?\n"
        "Suggestion: use one of: curve, commission."
    )
