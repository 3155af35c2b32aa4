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
from .targets import (
    TARGET_METHODS,
    TargetContext,
    TargetResult,
    compute_targets,
    get_target_method,
)

__all__ = [
    "TARGET_METHODS",
    "TargetContext",
    "TargetResult",
    "compute_targets",
    "get_target_method",
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
