"""Where pay jumps up (kpitools.engine.thresholds): the thresholds of near_threshold_share."""

from __future__ import annotations

import numpy as np
import pytest

from kpitools.engine.thresholds import component_thresholds, near_measures, value_tier_edges
from kpitools.scheme import load_scheme


def _scheme(*components):
    return load_scheme({"name": "s", "on_target_pay": 1, "components": list(components)})


def _curve(curve, weight=1.0):
    return {"kpi": "x", "weight": weight, "target": 1, "curve": curve}


def _commission(commission):
    return {"kpi": "v", "target": 1, "commission": commission}


def test_thresholds_of_curves_and_commissions():
    scheme = _scheme(
        _curve({"points": [[0.8, 0.5], [1.0, 1.0], [1.0, 1.2], [1.5, 2.0]]}, 0.5),
        _curve({"steps": [[1, 1], [1.2, 2]]}, 0.25),
        _curve({"linear": {"slope": 1.0}}, 0.25),
        _commission(
            {"tiers": [[0, 0.05], [50_000, 0.08]], "mode": "retroactive", "basis": "value"}
        ),
    )
    assert component_thresholds(scheme) == [
        (0.8, 1.0),  # pay starts at 0.8 and jumps at 1.0
        (1.0, 1.2),  # the steps
        (),  # a linear curve without a threshold does not jump
        (50_000.0,),  # a retroactive commission on value: amounts of the actual
    ]


@pytest.mark.parametrize(
    ("tiers", "mode", "basis", "expected"),
    [
        ([[0, 0.05], [50_000, 0.08], [90_000, 0.08]], "retroactive", "value", (50_000.0,)),
        ([[0, 0.05], [50_000, 0.08]], "marginal", "value", ()),  # no cliff when marginal
    ],
)
def test_value_tier_edges_only_where_a_retroactive_rate_rises(tiers, mode, basis, expected):
    commission = _scheme(_commission({"tiers": tiers, "mode": mode, "basis": basis}))
    assert value_tier_edges(commission.components[0].commission) == expected
    assert value_tier_edges(None) == ()


def test_near_measures_compare_value_tiers_with_the_actual():
    scheme = _scheme(
        _curve({"steps": [[1, 1]]}),
        _commission({"tiers": [[0, 0.05], [100, 0.08]], "mode": "retroactive", "basis": "value"}),
    )
    att = [np.array([0.97]), np.array([0.96])]
    act = [np.array([97.0]), np.array([96.0])]
    chosen = near_measures(scheme, att, act)
    assert chosen[0] is att[0] and chosen[1] is act[1]
