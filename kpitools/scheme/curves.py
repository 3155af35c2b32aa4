"""Payout curves: attainment → payout factor, as points, steps or a straight line.

Each curve type is a frozen spec that checks itself when built and evaluates whole arrays at
once. The types are registered in :data:`CURVE_TYPES` under the key that names them in a
scheme file (``curve: {points: …}``); :data:`Curve` is the field type that picks the class
from that key.

Examples
--------
>>> PointsCurve(points=((0.8, 0.5), (1.0, 1.0), (1.5, 2.0))).evaluate([0.7, 0.9, 2.0]).tolist()
[0.0, 0.75, 2.0]
>>> get_curve_type("steps").__name__
'StepsCurve'
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Annotated, Any, Union

import numpy as np
from pydantic import Discriminator, Field, Tag, field_validator

from .._util.registry import Registry
from .._util.spec import TAG, Spec, as_written, spec_error
from ..errors import did_you_mean
from .edges import reached
from .pairs import check_attainment, check_pairs, pairs_input

__all__ = [
    "CurveBase",
    "PointsCurve",
    "StepsCurve",
    "LinearSpec",
    "LinearCurve",
    "CURVE_TYPES",
    "Curve",
    "get_curve_type",
    "curve_input",
]


class CurveBase(Spec):
    """Shared behaviour of the curve types: attainment → payout factor."""

    def evaluate(self, attainment: Any) -> np.ndarray:  # pragma: no cover - abstract
        """Payout factor for each attainment (NaN stays NaN)."""
        raise NotImplementedError

    @property
    def thresholds(self) -> tuple[float, ...]:  # pragma: no cover - abstract
        """Attainments where pay jumps up."""
        raise NotImplementedError

    @property
    def max_attainment(self) -> float:  # pragma: no cover - abstract
        """The highest attainment where the factor still changes."""
        raise NotImplementedError

    @property
    def rises_forever(self) -> bool:
        """Whether the factor keeps rising with attainment (no highest attainment)."""
        return False


#: Curve types by the key that names them in a scheme file.
CURVE_TYPES: Registry[type[CurveBase]] = Registry("curve type")


def get_curve_type(name: str) -> type[CurveBase]:
    """Return the curve class registered as ``name``.

    Examples
    --------
    >>> get_curve_type("linear").__name__
    'LinearCurve'
    """
    return CURVE_TYPES.get(name)


# Lookup tables of a curve, cached by its (hashable) definition: not stored on the frozen
# models, so that comparing and pickling schemes never meets a numpy array.
@lru_cache(maxsize=256)
def _points_tables(points: tuple, extrapolate: bool):
    a = np.array([p[0] for p in points], dtype=float)
    f = np.array([p[1] for p in points], dtype=float)
    da = np.diff(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(da > 0, np.diff(f) / np.where(da > 0, da, 1.0), 0.0)
    tail = 0.0
    if extrapolate:
        positive = np.flatnonzero(da > 0)
        tail = float(slope[positive[-1]]) if positive.size else 0.0
    # Tables indexed by the number of points reached (0: below the first point → 0).
    tables = a, np.r_[0.0, a], np.r_[0.0, f], np.r_[0.0, slope, tail]
    for t in tables:
        t.flags.writeable = False
    return tables


@lru_cache(maxsize=256)
def _steps_tables(steps: tuple):
    a = np.array([s[0] for s in steps], dtype=float)
    f = np.array([0.0] + [s[1] for s in steps], dtype=float)
    a.flags.writeable = f.flags.writeable = False
    return a, f


@CURVE_TYPES.register("points")
class PointsCurve(CurveBase):
    """Piecewise-linear curve through ``points: [[a1, p1], …]``.

    0 below ``a1``; straight lines between points; ``pn`` from ``an`` on (a cap) unless
    ``extrapolate: true`` continues the slope of the last segment of positive length
    (a falling slope stops at 0: a factor is never negative).
    Two points at the same attainment make a jump; at exactly that attainment the later
    point applies.
    """

    points: tuple[tuple[float, float], ...]
    extrapolate: bool = False

    @field_validator("points", mode="before")
    @classmethod
    def _shape(cls, v):
        return pairs_input(v, "point")

    @field_validator("points", mode="after")
    @classmethod
    def _check(cls, v):
        check_pairs(v, "point", strict=False)
        for i in range(2, len(v)):
            if v[i][0] == v[i - 1][0] == v[i - 2][0]:
                raise spec_error(
                    f"three points at attainment {as_written(v[i][0])}",
                    "a jump needs exactly two points at the same attainment.",
                )
        return v

    def evaluate(self, attainment: Any) -> np.ndarray:
        """Payout factor for each attainment (NaN stays NaN).

        Examples
        --------
        >>> PointsCurve(points=((1.0, 0.5), (1.0, 1.0), (2.0, 2.0))).evaluate([0.9, 1.0, 1.5])
        array([0. , 1. , 1.5])
        """
        x = np.asarray(attainment, dtype=float)
        a, a0, f0, s0 = _points_tables(self.points, self.extrapolate)
        # j = number of points with a <= x; at a jump both are reached: the later applies.
        j = reached(x, a)
        out = np.take(a0, j, mode="clip")
        np.subtract(x, out, out=out)  # NaN stays NaN: (NaN − 0) × 0 + 0
        tmp = np.take(s0, j, mode="clip")
        out *= tmp
        np.take(f0, j, out=tmp, mode="clip")
        out += tmp
        if s0[-1] < 0:  # a falling last segment extrapolated: never below 0
            np.maximum(out, 0.0, out=out)
        return out

    @property
    def thresholds(self) -> tuple[float, ...]:
        """Attainments where pay jumps up (the first point if it pays, and each jump)."""
        out = []
        prev_a, prev_f = None, 0.0
        for a, f in self.points:
            if (prev_a is None and f > 0) or (prev_a == a and f > prev_f):
                out.append(float(a))
            prev_a, prev_f = a, f
        return tuple(out)

    @property
    def max_attainment(self) -> float:
        """The highest attainment on the curve: the last point's."""
        return float(self.points[-1][0])

    @property
    def rises_forever(self) -> bool:
        """Whether ``extrapolate`` continues a rising last segment."""
        return bool(self.extrapolate and _points_tables(self.points, True)[3][-1] > 0)

    @property
    def key_points(self) -> dict[str, float | None]:
        """Threshold, target and cap attainments, for plots."""
        return {
            "threshold": float(self.points[0][0]),
            "target": 1.0,
            "cap": None if self.extrapolate else float(self.points[-1][0]),
        }


@CURVE_TYPES.register("steps")
class StepsCurve(CurveBase):
    """Step curve ``steps: [[a1, p1], …]``: the factor of the highest step reached; 0 below a1."""

    steps: tuple[tuple[float, float], ...]

    @field_validator("steps", mode="before")
    @classmethod
    def _shape(cls, v):
        return pairs_input(v, "step")

    @field_validator("steps", mode="after")
    @classmethod
    def _check(cls, v):
        return check_pairs(v, "step", strict=True)

    def evaluate(self, attainment: Any) -> np.ndarray:
        """Payout factor for each attainment (NaN stays NaN).

        Examples
        --------
        >>> StepsCurve(steps=((0.9, 0.5), (1.0, 1.0))).evaluate([0.89, 0.9, 1.0, 3.0])
        array([0. , 0.5, 1. , 1. ])
        """
        x = np.asarray(attainment, dtype=float)
        a, f = _steps_tables(self.steps)
        out = np.take(f, reached(x, a), mode="clip")
        nan = np.isnan(x)
        if nan.any():
            out[nan] = np.nan
        return out

    @property
    def thresholds(self) -> tuple[float, ...]:
        """Attainments of the steps that raise the factor."""
        out, prev = [], 0.0
        for a, f in self.steps:
            if f > prev:
                out.append(float(a))
            prev = f
        return tuple(out)

    @property
    def max_attainment(self) -> float:
        """The highest attainment on the curve: the last step's."""
        return float(self.steps[-1][0])

    @property
    def key_points(self) -> dict[str, float | None]:
        """Threshold, target and cap attainments, for plots."""
        return {
            "threshold": float(self.steps[0][0]),
            "target": 1.0,
            "cap": float(self.steps[-1][0]),
        }


class LinearSpec(Spec):
    """``{slope, threshold, cap}`` of a linear curve."""

    slope: float = Field(ge=0)
    threshold: float = 0.0
    cap: float | None = Field(default=None, gt=0)

    @field_validator("threshold", mode="after")
    @classmethod
    def _threshold(cls, v):
        check_attainment(v, "as the threshold")
        return v


@CURVE_TYPES.register("linear")
class LinearCurve(CurveBase):
    """``linear: {slope, threshold, cap}``: a straight line from the threshold, capped.

    slope × attainment once attainment ≥ threshold, else 0; never above ``cap``.
    """

    linear: LinearSpec

    def evaluate(self, attainment: Any) -> np.ndarray:
        """Payout factor for each attainment (NaN stays NaN).

        Examples
        --------
        >>> LinearCurve(linear={"slope": 1, "threshold": 0.5, "cap": 1.5}).evaluate(
        ...     [0.4, 0.5, 2.0]
        ... )
        array([0. , 0.5, 1.5])
        """
        x = np.asarray(attainment, dtype=float)
        spec = self.linear
        out = spec.slope * x
        out[x < spec.threshold] = 0.0  # NaN is not below: it stays NaN
        if spec.cap is not None:
            np.minimum(out, spec.cap, out=out)  # keeps NaN
        return out

    @property
    def thresholds(self) -> tuple[float, ...]:
        """The threshold, when pay jumps there from 0."""
        spec = self.linear
        return (float(spec.threshold),) if spec.slope * spec.threshold > 0 else ()

    @property
    def max_attainment(self) -> float:
        """Where the cap is reached; without a cap, max(threshold, 1)."""
        spec = self.linear
        if spec.cap is not None and spec.slope > 0:
            return max(float(spec.cap / spec.slope), float(spec.threshold))
        return max(float(spec.threshold), 1.0)

    @property
    def rises_forever(self) -> bool:
        """Whether the line rises with no cap."""
        return self.linear.cap is None and self.linear.slope > 0

    @property
    def key_points(self) -> dict[str, float | None]:
        """Threshold, target and cap attainments, for plots."""
        spec = self.linear
        cap = spec.cap / spec.slope if spec.cap is not None and spec.slope > 0 else None
        return {"threshold": float(spec.threshold), "target": 1.0, "cap": cap}


def _curve_tag(v: Any) -> str | None:
    """The union tag of a curve: its class's registered name, or the key that names it."""
    if isinstance(v, CurveBase):
        return TAG + next(k for k, c in CURVE_TYPES.items() if isinstance(v, c))
    if isinstance(v, Mapping):
        for key in CURVE_TYPES:
            if key in v:
                return TAG + key
    return None


def curve_input(v: Any) -> Any:
    """Check a curve as written before its type's own checks: a mapping with one type key.

    Use it as the ``mode="before"`` validator of every field of type :data:`Curve`.
    """
    if isinstance(v, CurveBase) or v is None:
        return v
    if not isinstance(v, Mapping):
        raise spec_error(
            f"expected a mapping such as {{points: [[0.8, 0.5], [1.0, 1.0]]}}, got {v!r}",
            "write the curve as {points: …}, {steps: …} or {linear: {slope: …}}.",
        )
    types = [k for k in CURVE_TYPES if k in v]
    if len(types) > 1:
        raise spec_error(
            "a curve has one type, got " + " and ".join(repr(t) for t in types),
            "keep one of them.",
        )
    if not types:
        unknown = [k for k in v if k != "extrapolate"]
        hint = did_you_mean(str(unknown[0]), CURVE_TYPES.names()) if unknown else ""
        got = f" (got {', '.join(repr(str(k)) for k in unknown)})" if unknown else ""
        raise spec_error(
            f"unknown curve type{got}.{hint}".replace(".. ", ". ").rstrip(),
            f"use one of: {', '.join(CURVE_TYPES)}.",
        )
    return v


#: The type of a ``curve:`` field: the registered curve class named by the mapping's key.
Curve = Annotated[
    Union[tuple(Annotated[c, Tag(TAG + k)] for k, c in CURVE_TYPES.items())],  # noqa: UP007
    Discriminator(_curve_tag),
]
