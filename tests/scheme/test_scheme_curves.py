"""Curves: points, steps and linear curves evaluated at worked attainments, and their registry."""

from __future__ import annotations

import numpy as np
import pytest

from kpitools.scheme import (
    Commission,
    LinearCurve,
    PointsCurve,
    StepsCurve,
)

POINTS = PointsCurve(points=((0.8, 0.5), (1.0, 1.0), (1.0, 1.2), (1.5, 2.0)))


@pytest.mark.parametrize(
    ("att", "factor"),
    [
        (0.79, 0.0),  # below a1: 0
        (0.8, 0.5),  # exactly at the threshold: p1
        (0.9, 0.75),  # halfway 0.8→1.0: 0.5 + 0.5 × (1.0 − 0.5)
        (0.999, 0.9975),  # 0.5 + 0.995 × 0.5 (just below the jump)
        (1.0, 1.2),  # on the jump: the later point applies
        (1.25, 1.6),  # 1.2 + 0.25 × (2.0 − 1.2) / 0.5
        (1.5, 2.0),  # last point
        (3.0, 2.0),  # beyond: capped at pn
    ],
)
def test_points_curve_worked_examples(att, factor):
    assert POINTS.evaluate(np.array([att]))[0] == pytest.approx(factor, abs=1e-12)


def test_points_curve_extrapolate_continues_last_slope():
    curve = PointsCurve(points=((0.8, 0.5), (1.0, 1.0), (1.5, 2.0)), extrapolate=True)
    # last segment slope: (2.0 − 1.0) / (1.5 − 1.0) = 2 → at 2.0: 2.0 + 0.5 × 2 = 3.0
    assert curve.evaluate([2.0, 1.5, 0.5]).tolist() == [3.0, 2.0, 0.0]
    with_jump = PointsCurve(points=((1.0, 1.0), (2.0, 2.0), (2.0, 3.0)), extrapolate=True)
    # the last segment of positive length has slope 1: at 3.0 → 3.0 + 1 × 1 = 4.0
    assert with_jump.evaluate([3.0, 2.0, 1.999]).tolist() == pytest.approx([4.0, 3.0, 1.999])


def test_curves_keep_nan():
    for curve in (POINTS, StepsCurve(steps=((1, 1),)), LinearCurve(linear={"slope": 1})):
        assert np.isnan(curve.evaluate([np.nan])[0])


def test_steps_curve_exact_edges():
    curve = StepsCurve(steps=((0.9, 0.5), (1.0, 1.0), (1.2, 1.3)))
    got = curve.evaluate([0.8999, 0.9, 0.9999, 1.0, 1.1999, 1.2, 5.0]).tolist()
    assert got == [0.0, 0.5, 0.5, 1.0, 1.0, 1.3, 1.3]


def test_linear_curve_threshold_and_cap():
    curve = LinearCurve(linear={"slope": 1.5, "threshold": 0.6, "cap": 2.0})
    # 0.59 < threshold → 0; 0.6 → 0.9; 1.0 → 1.5; 1.4 → 2.1 capped at 2.0
    assert curve.evaluate([0.59, 0.6, 1.0, 1.4]).tolist() == pytest.approx([0, 0.9, 1.5, 2.0])
    assert curve.thresholds == (0.6,)
    assert curve.max_attainment == pytest.approx(2.0 / 1.5)


def test_thresholds_and_key_points():
    assert POINTS.thresholds == (0.8, 1.0)
    assert POINTS.key_points == {"threshold": 0.8, "target": 1.0, "cap": 1.5}
    steps = StepsCurve(steps=((0, 0.75), (0.6, 1.0)))
    assert steps.thresholds == (0.0, 0.6)
    assert PointsCurve(points=((0.5, 0.0), (1.0, 1.0))).thresholds == ()
    assert Commission(tiers=((0, 0.1), (1.0, 0.15)), mode="retroactive").thresholds == (1.0,)
    assert Commission(tiers=((0, 0.1), (1.0, 0.15))).thresholds == ()


def test_extrapolated_falling_curve_stops_at_zero():
    curve = PointsCurve(points=((1.0, 2.0), (2.0, 1.0)), extrapolate=True)
    # slope −1: at 2.5 → 0.5; at 4.0 → 1 − 2 = −1 → 0
    assert curve.evaluate([2.5, 4.0]).tolist() == [0.5, 0.0]
