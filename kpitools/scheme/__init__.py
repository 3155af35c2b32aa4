"""kpitools.scheme: what a bonus scheme says, and how its targets are set.

A scheme file is read with :func:`load_scheme` into a frozen, checked :class:`Scheme`:
pay components (a KPI, a target method, and a curve or a commission), gates, modifiers,
a cap and a pool. The engine (:mod:`kpitools.engine`) pays a scheme on data; this
subpackage only describes it and sets targets.

Modules, by job:

- ``spec``: the :class:`Scheme` model and :func:`load_scheme` (file or mapping).
- ``components``: :class:`Component`, ``Gate``, ``Modifier``, ``Pool``, and the component
  kinds (:data:`COMPONENT_KINDS`: curve or commission).
- ``curves``: the curve types (:data:`CURVE_TYPES`: points, steps, linear) and their
  evaluation.
- ``commission``: :class:`Commission`, flat or tiered, marginal or retroactive.
- ``targets``: the target methods (:data:`TARGET_METHODS`: fixed, from_data, growth,
  percentile, allocate), each one class with its settings and its computation, and
  :func:`compute_targets`; ``history`` holds the vectorised maths they share.
- ``mechanics``: the plan mechanics (pay per person, ``true_up``, ``draw``, ``clawback``,
  ``proration``, ``fiscal_year_start``; docs/plan-mechanics.md).
- ``rules`` (checks across a scheme's parts), ``pairs`` (checks of curve and tier pairs),
  ``edges`` (the lookup curves and tiers evaluate with), ``dump`` (YAML out,
  :func:`tidy_number`), ``edit`` (one value changed by its dotted path).

Registries (:class:`~kpitools._util.registry.Registry`): :data:`CURVE_TYPES`,
:data:`TARGET_METHODS` (also :data:`TARGET_SPECS`) and :data:`COMPONENT_KINDS`.

Examples
--------
>>> scheme = load_scheme("templates/schemes/tiered_accelerator.yaml")
>>> scheme.components[0].kind, scheme.components[0].target.method in TARGET_METHODS
('curve', True)
"""

from __future__ import annotations

from .commission import Commission
from .components import COMPONENT_KINDS, SCOPES, Component, Gate, Modifier, Pool
from .curves import CURVE_TYPES, LinearCurve, PointsCurve, StepsCurve, get_curve_type
from .dump import tidy_number
from .mechanics import Clawback, Draw, RosterPay, SalaryPay, TrueUp
from .spec import Scheme, load_scheme
from .targets import (
    TARGET_METHODS,
    TARGET_SPECS,
    AllocateTarget,
    FixedTarget,
    FromDataTarget,
    GrowthTarget,
    PercentileTarget,
    TargetContext,
    TargetMethod,
    TargetResult,
    compute_targets,
    get_target_method,
    get_target_spec,
)

__all__ = [
    "AllocateTarget",
    "Clawback",
    "Draw",
    "RosterPay",
    "SalaryPay",
    "TrueUp",
    "COMPONENT_KINDS",
    "CURVE_TYPES",
    "Commission",
    "Component",
    "FixedTarget",
    "FromDataTarget",
    "Gate",
    "GrowthTarget",
    "LinearCurve",
    "Modifier",
    "PercentileTarget",
    "PointsCurve",
    "Pool",
    "SCOPES",
    "Scheme",
    "StepsCurve",
    "TARGET_METHODS",
    "TARGET_SPECS",
    "TargetContext",
    "TargetMethod",
    "TargetResult",
    "compute_targets",
    "get_curve_type",
    "get_target_method",
    "get_target_spec",
    "load_scheme",
    "tidy_number",
]
