"""kpitools.scheme."""

from __future__ import annotations

from .spec import (
    CURVE_TYPES,
    TARGET_SPECS,
    AllocateTarget,
    Commission,
    Component,
    FixedTarget,
    FromDataTarget,
    GrowthTarget,
    LinearCurve,
    PercentileTarget,
    PointsCurve,
    Scheme,
    StepsCurve,
    get_curve_type,
    get_target_spec,
    load_scheme,
    tidy_number,
)

__all__ = [
    "AllocateTarget",
    "CURVE_TYPES",
    "Commission",
    "Component",
    "FixedTarget",
    "FromDataTarget",
    "GrowthTarget",
    "LinearCurve",
    "PercentileTarget",
    "PointsCurve",
    "Scheme",
    "StepsCurve",
    "TARGET_SPECS",
    "get_curve_type",
    "get_target_spec",
    "load_scheme",
    "tidy_number",
]
