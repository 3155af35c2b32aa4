"""Scheme specs: what a bonus scheme file says, as small frozen typed objects.

A scheme file (contract §4) is loaded with :func:`load_scheme` into a :class:`Scheme`:
components (a KPI, a target method, and a payout curve or a commission), gates,
modifiers, a cap and a pool. Every object is a frozen pydantic model, checked when
built; bad input raises one :class:`~kpitools.errors.DefinitionError` naming the
file, the key path in ``components[1].curve.points`` form, what is wrong and how to
fix it, with a "did you mean" for unknown keys and names.

Curve types and target methods are registries (:data:`CURVE_TYPES`,
:data:`TARGET_SPECS`); :func:`get_curve_type` and :func:`get_target_spec` list the
known names when one is not found.

Boundaries: reaching a boundary exactly counts as reaching it (``>=``) everywhere:
curve jumps, steps, linear thresholds, tier edges and gates. Attainments are multiples of
target: one above :data:`MAX_ATTAINMENT` (20) in a curve, a linear threshold, a gate or an
attainment tier is refused as a percentage (80 for 80%) or an amount (a tier in money
without ``basis: value``) typed where a multiple belongs.

Extension of the contract: ``roles: [sales_rep, key_account_manager]`` (optional) says who
is eligible. Only the data's rows whose ``role`` is listed are evaluated: rows of other
roles (and rows without a role) are left out *before* targets are set, so ``allocate``
splits its total among the listed roles only and a history under another role is not used.
Without ``roles`` everyone in the data is evaluated. Each listed role must occur in the
data (a "did you mean" error otherwise), the data must have a ``role`` column, and with
``on_target_pay`` per role each listed role needs an amount. A sales scheme paying on
``revenue`` with ``target: {method: from_data}`` thus skips the marketing people who also
have ``revenue`` rows but no targets.

Examples
--------
>>> scheme = load_scheme(
...     {
...         "name": "Simple",
...         "period": "month",
...         "on_target_pay": 1000,
...         "components": [
...             {
...                 "kpi": "revenue",
...                 "weight": 1.0,
...                 "target": {"method": "fixed", "value": 100},
...                 "curve": {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]},
...             }
...         ],
...     }
... )
>>> scheme.components[0].curve.evaluate([0.7, 0.8, 0.9, 1.2, 2.0]).tolist()
[0.0, 0.5, 0.75, 1.4, 2.0]
>>> scheme.set("components.0.target.value", 120).components[0].target.value
120.0
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import numpy as np
import yaml
from pydantic import (
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    field_validator,
    model_validator,
)

from .._util.files import atomic_write
from .._util.spec import TAG as _TAG
from .._util.spec import Spec as _Spec
from .._util.spec import as_written as _num
from .._util.spec import spec_error as _fail
from .._util.spec import validate
from .._util.yamlfile import read_yaml
from ..errors import DefinitionError, did_you_mean

__all__ = [
    "Scheme",
    "Component",
    "Gate",
    "Modifier",
    "Pool",
    "Curve",
    "PointsCurve",
    "StepsCurve",
    "LinearCurve",
    "LinearSpec",
    "Commission",
    "TargetSpec",
    "FixedTarget",
    "FromDataTarget",
    "GrowthTarget",
    "PercentileTarget",
    "AllocateTarget",
    "CURVE_TYPES",
    "TARGET_SPECS",
    "WEIGHT_TOLERANCE",
    "MAX_ATTAINMENT",
    "get_curve_type",
    "get_target_spec",
    "load_scheme",
]

#: Curve-component weights must sum to 1 within this tolerance.
WEIGHT_TOLERANCE = 1e-9


def _pairs(pairs: Sequence[Sequence[float]]) -> str:
    return "[" + ", ".join(f"[{_num(a)}, {_num(b)}]" for a, b in pairs) + "]"


class _CurveBase(_Spec):
    """Shared behaviour of the curve types: attainment → payout factor."""

    def evaluate(self, attainment: Any) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def thresholds(self) -> tuple[float, ...]:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def max_attainment(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError


_FEW_EDGES = 48
_MIN_GAP = 1e-9  # distinct attainments of a curve closer than this are a typo
#: Attainments are multiples of target: one above this in a scheme file is a percentage or an
#: amount typed where a multiple belongs (80 for 80%, 50000 for a tier in money).
MAX_ATTAINMENT = 20.0


def _check_attainment(a: float, where: str, fix: str = "") -> None:
    """Refuse an attainment that can only be a percentage or an amount."""
    if a > MAX_ATTAINMENT:
        raise _fail(
            f"attainment {_num(a)} {where} means {_num(a)} × target ({_num(a * 100)}%)",
            fix or "attainments are multiples of target: write 80% as 0.8.",
        )


def _reached(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """How many of the sorted ``edges`` each ``x`` has reached (edge <= x); NaN reaches none.

    A handful of comparisons over the whole array is several times faster than
    ``np.searchsorted``'s per-element binary search for the few edges a curve has.
    """
    if edges.size > _FEW_EDGES:
        out = np.searchsorted(edges, x, side="right")
        out[np.isnan(x)] = 0
        return out
    acc = np.zeros(x.shape, dtype=np.uint8)
    cmp = np.empty(x.shape, dtype=bool)
    for e in edges:
        np.greater_equal(x, e, out=cmp)
        acc += cmp
    return acc.astype(np.intp)


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


@lru_cache(maxsize=256)
def _tier_tables(tiers: tuple):
    starts = np.array([t[0] for t in tiers], dtype=float)
    rates = np.array([t[1] for t in tiers], dtype=float)
    starts.flags.writeable = rates.flags.writeable = False
    return starts, rates


def _pairs_input(v: Any, what: str) -> Any:
    """Check the shape [[a, b], …] before the numbers are checked."""
    if isinstance(v, Sequence) and not isinstance(v, str):
        for i, pair in enumerate(v):
            if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
                pair_words = "start, rate" if what == "tier" else "attainment, factor"
                raise _fail(
                    f"{what} {i} must be a pair [{pair_words}], got {pair!r}",
                    f"write each {what} as two numbers, e.g. [1.0, 1.0].",
                )
    return v


def _check_pairs(v: tuple[tuple[float, float], ...], what: str, strict: bool):
    if not v:
        raise _fail(f"at least one {what} is needed", "write e.g. [[0.8, 0.5], [1.0, 1.0]].")
    for i, (a, _p) in enumerate(v):
        factors_too = any(p > MAX_ATTAINMENT for _, p in v)
        _check_attainment(
            a,
            f"at {what} {i}",
            "attainments are multiples of target: write 80% as 0.8"
            + (", and factors too: 150% as 1.5." if factors_too else "."),
        )
    for i, (_a, p) in enumerate(v):
        if p < 0:
            raise _fail(
                f"payout factors must not be negative ({_num(p)} at {what} {i})",
                "use 0 for no pay.",
            )
    for i in range(1, len(v)):
        gap = v[i][0] - v[i - 1][0]
        if 0 < gap < _MIN_GAP:
            raise _fail(
                f"attainments {_num(v[i - 1][0])} and {_num(v[i][0])} are closer than {_MIN_GAP:g}",
                f"write a jump as two {what}s at the same attainment."
                if not strict
                else f"merge the two {what}s.",
            )
        if v[i][0] < v[i - 1][0] or (strict and v[i][0] == v[i - 1][0]):
            word = "increase" if strict else "not decrease"
            raise _fail(
                f"attainments must {word} ({_num(v[i - 1][0])} is followed by {_num(v[i][0])})",
                f"list the {what}s in order of attainment"
                + (", each attainment once." if strict else "."),
            )
    return v


class PointsCurve(_CurveBase):
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
        return _pairs_input(v, "point")

    @field_validator("points", mode="after")
    @classmethod
    def _check(cls, v):
        _check_pairs(v, "point", strict=False)
        for i in range(2, len(v)):
            if v[i][0] == v[i - 1][0] == v[i - 2][0]:
                raise _fail(
                    f"three points at attainment {_num(v[i][0])}",
                    "a jump needs exactly two points at the same attainment.",
                )
        return v

    @property
    def _arrays(self):
        return _points_tables(self.points, self.extrapolate)

    def evaluate(self, attainment: Any) -> np.ndarray:
        """Payout factor for each attainment (NaN stays NaN).

        Examples
        --------
        >>> PointsCurve(points=((1.0, 0.5), (1.0, 1.0), (2.0, 2.0))).evaluate([0.9, 1.0, 1.5])
        array([0. , 1. , 1.5])
        """
        x = np.asarray(attainment, dtype=float)
        a, a0, f0, s0 = self._arrays
        # j = number of points with a <= x; at a jump both are reached: the later applies.
        j = _reached(x, a)
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
    def key_points(self) -> dict[str, float | None]:
        """Threshold, target and cap attainments, for plots."""
        return {
            "threshold": float(self.points[0][0]),
            "target": 1.0,
            "cap": None if self.extrapolate else float(self.points[-1][0]),
        }


class StepsCurve(_CurveBase):
    """Step curve ``steps: [[a1, p1], …]``: the factor of the highest step reached; 0 below a1."""

    steps: tuple[tuple[float, float], ...]

    @field_validator("steps", mode="before")
    @classmethod
    def _shape(cls, v):
        return _pairs_input(v, "step")

    @field_validator("steps", mode="after")
    @classmethod
    def _check(cls, v):
        return _check_pairs(v, "step", strict=True)

    @property
    def _arrays(self):
        return _steps_tables(self.steps)

    def evaluate(self, attainment: Any) -> np.ndarray:
        """Payout factor for each attainment (NaN stays NaN).

        Examples
        --------
        >>> StepsCurve(steps=((0.9, 0.5), (1.0, 1.0))).evaluate([0.89, 0.9, 1.0, 3.0])
        array([0. , 0.5, 1. , 1. ])
        """
        x = np.asarray(attainment, dtype=float)
        a, f = self._arrays
        out = np.take(f, _reached(x, a), mode="clip")
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


class LinearSpec(_Spec):
    """``{slope, threshold, cap}`` of a linear curve."""

    slope: float = Field(ge=0)
    threshold: float = 0.0
    cap: float | None = Field(default=None, gt=0)

    @field_validator("threshold", mode="after")
    @classmethod
    def _threshold(cls, v):
        _check_attainment(v, "as the threshold")
        return v


class LinearCurve(_CurveBase):
    """``linear: {slope, threshold, cap}``: slope × attainment once attainment ≥ threshold,
    else 0; never above ``cap``.
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
    def key_points(self) -> dict[str, float | None]:
        """Threshold, target and cap attainments, for plots."""
        spec = self.linear
        cap = spec.cap / spec.slope if spec.cap is not None and spec.slope > 0 else None
        return {"threshold": float(spec.threshold), "target": 1.0, "cap": cap}


#: Registry of curve types by the key that names them in a scheme file.
CURVE_TYPES: dict[str, type[_CurveBase]] = {
    "points": PointsCurve,
    "steps": StepsCurve,
    "linear": LinearCurve,
}


def get_curve_type(name: str) -> type[_CurveBase]:
    """Return the curve class registered as ``name``.

    Examples
    --------
    >>> get_curve_type("steps").__name__
    'StepsCurve'
    """
    try:
        return CURVE_TYPES[name]
    except KeyError:
        raise DefinitionError(
            f"Unknown curve type {name!r}.{did_you_mean(name, CURVE_TYPES)}\n"
            f"Suggestion: use one of: {', '.join(CURVE_TYPES)}."
        ) from None


def _curve_tag(v: Any) -> str | None:
    if isinstance(v, _CurveBase):
        return _TAG + next(k for k, c in CURVE_TYPES.items() if isinstance(v, c))
    if isinstance(v, Mapping):
        for key in CURVE_TYPES:
            if key in v:
                return _TAG + key
    return None


def _check_curve_input(v: Any) -> Any:
    if isinstance(v, _CurveBase) or v is None:
        return v
    if not isinstance(v, Mapping):
        raise _fail(
            f"expected a mapping such as {{points: [[0.8, 0.5], [1.0, 1.0]]}}, got {v!r}",
            "write the curve as {points: …}, {steps: …} or {linear: {slope: …}}.",
        )
    types = [k for k in CURVE_TYPES if k in v]
    if len(types) > 1:
        raise _fail(
            "a curve has one type, got " + " and ".join(repr(t) for t in types),
            "keep one of them.",
        )
    if not types:
        unknown = [k for k in v if k != "extrapolate"]
        hint = did_you_mean(str(unknown[0]), CURVE_TYPES) if unknown else ""
        got = f" (got {', '.join(repr(str(k)) for k in unknown)})" if unknown else ""
        raise _fail(
            f"unknown curve type{got}.{hint}".replace(".. ", ". ").rstrip(),
            f"use one of: {', '.join(CURVE_TYPES)}.",
        )
    return v


Curve = Annotated[
    Union[tuple(Annotated[c, Tag(_TAG + k)] for k, c in CURVE_TYPES.items())],  # noqa: UP007
    Discriminator(_curve_tag),
]


# --------------------------------------------------------------------------- commission
class Commission(_Spec):
    """Money on the actual itself: ``{rate}`` or ``{tiers, basis, mode}``.

    ``tiers: [[start, rate], …]``: bands start at multiples of target (``basis:
    attainment``) or at amounts (``basis: value``). ``mode: marginal`` applies each rate to
    the part of the actual inside its band; ``retroactive`` applies the rate of the highest
    band reached to the whole actual. An amount exactly on a tier edge takes the higher
    tier. Below the first band nothing is paid; a negative actual pays nothing.

    Examples
    --------
    >>> c = Commission(tiers=((0, 0.10), (1.0, 0.15)), mode="marginal")
    >>> float(c.evaluate([150_000.0], [100_000.0])[0])
    17500.0
    >>> c = Commission(tiers=((0, 0.10), (1.0, 0.15)), mode="retroactive")
    >>> float(c.evaluate([150_000.0], [100_000.0])[0])
    22500.0
    """

    rate: float | None = None
    tiers: tuple[tuple[float, float], ...] | None = None
    basis: Literal["attainment", "value"] = "attainment"
    mode: Literal["marginal", "retroactive"] = "marginal"

    @field_validator("rate", mode="after")
    @classmethod
    def _rate(cls, v):
        if v is not None and v < 0:
            raise _fail(f"a commission rate must not be negative, got {_num(v)}", "use 0 or more.")
        return v

    @field_validator("tiers", mode="before")
    @classmethod
    def _shape(cls, v):
        return _pairs_input(v, "tier")

    @field_validator("tiers", mode="after")
    @classmethod
    def _tiers(cls, v):
        if v is None:
            return v
        if not v:
            raise _fail("at least one tier is needed", "write e.g. [[0, 0.01], [1.0, 0.02]].")
        for i, (start, rate) in enumerate(v):
            if rate < 0:
                raise _fail(
                    f"commission rates must not be negative ({_num(rate)} in tier {i})",
                    "use 0 or more.",
                )
            if start < 0:
                raise _fail(
                    f"tier starts must not be negative ({_num(start)} in tier {i})",
                    "start the first tier at 0.",
                )
        for i in range(1, len(v)):
            if v[i][0] <= v[i - 1][0]:
                raise _fail(
                    f"tier starts must increase ({_num(v[i - 1][0])} is followed by "
                    f"{_num(v[i][0])})",
                    "list the tiers in order of their start, each start once.",
                )
        return v

    @model_validator(mode="after")
    def _one_kind(self):
        if (self.rate is None) == (self.tiers is None):
            raise _fail(
                "give either 'rate' or 'tiers'" + (", not both" if self.rate is not None else ""),
                "write {rate: 0.05} or {tiers: [[0, 0.01], [1.0, 0.02]], mode: marginal}.",
            )
        if self.tiers is not None and self.basis == "attainment":
            for i, (start, _rate) in enumerate(self.tiers):
                _check_attainment(
                    start,
                    f"at tier {i} (basis: attainment)",
                    "for tiers in amounts add basis: value; with basis: attainment tiers start "
                    "at multiples of target (write 80% as 0.8).",
                )
        return self

    @property
    def needs_target(self) -> bool:
        """Whether the pay depends on the target (tiers on attainment)."""
        return self.tiers is not None and self.basis == "attainment"

    @property
    def _arrays(self):
        return _tier_tables(self.tiers or ())

    def evaluate(self, actual: Any, target: Any = None, attainment: Any = None) -> np.ndarray:
        """Commission in money for each actual (vectorised).

        ``attainment`` (actual / target, as the engine computed it) decides the band of a
        retroactive attainment-based tier, so that the band shown matches the attainment
        shown; it defaults to ``actual / target``.
        """
        x = np.maximum(np.asarray(actual, dtype=float), 0.0)
        if self.rate is not None:
            return self.rate * x
        starts, rates = self._arrays
        if self.basis == "attainment":
            t = np.asarray(target, dtype=float)
            if attainment is None:
                with np.errstate(divide="ignore", invalid="ignore"):
                    attainment = x / t
            position, scale = np.asarray(attainment, dtype=float), t
        else:
            position, scale = x, None
        if self.mode == "retroactive":
            out = np.take(np.r_[0.0, rates], _reached(position, starts), mode="clip")
            out *= x
            nan = np.isnan(position)
            if nan.any():
                out[nan] = np.nan
            return out
        # marginal: Σ rate_k × clip(x − start_k, 0, width_k), starts in money
        out = np.zeros(np.broadcast(x, position).shape)
        part = np.empty_like(out)
        for k in range(len(starts)):
            if scale is None:
                np.subtract(x, starts[k], out=part)
            else:
                np.multiply(scale, -starts[k], out=part)
                part += x
            np.maximum(part, 0.0, out=part)
            if k + 1 < len(starts):
                width = starts[k + 1] - starts[k]
                np.minimum(part, width if scale is None else width * scale, out=part)
            part *= rates[k]
            out += part
        if scale is not None:
            out[np.isnan(position)] = np.nan
        return out

    @property
    def thresholds(self) -> tuple[float, ...]:
        """Tier starts where pay jumps (retroactive tiers on attainment that raise the rate)."""
        if self.tiers is None or self.mode != "retroactive" or self.basis != "attainment":
            return ()
        out, prev = [], 0.0
        for start, rate in self.tiers:
            if rate > prev and start > 0:
                out.append(float(start))
            prev = rate
        return tuple(out)

    @property
    def key_points(self) -> dict[str, float | None]:
        """Where pay starts, the target, and no cap (a commission is uncapped), for plots."""
        by_attainment = self.tiers is not None and self.basis == "attainment"
        start = float(self.tiers[0][0]) if by_attainment else None
        return {"threshold": start, "target": 1.0, "cap": None}

    @property
    def max_attainment(self) -> float:
        """The start of the last attainment tier (1.0 otherwise)."""
        if self.tiers is not None and self.basis == "attainment":
            return max(float(self.tiers[-1][0]), 1.0)
        return 1.0


# --------------------------------------------------------------------------- targets
class FixedTarget(_Spec):
    """``{method: fixed, value}``: the same target for everyone in every period."""

    method: Literal["fixed"] = "fixed"
    value: float = Field(gt=0)


class FromDataTarget(_Spec):
    """``{method: from_data}``: the data's ``target`` column (rolled up like the actual)."""

    method: Literal["from_data"] = "from_data"


class GrowthTarget(_Spec):
    """``{method: growth, rate, base, fallback}``: base × (1 + rate).

    ``base: previous_period`` is the employee's actual in the period just before;
    ``same_period_last_year`` the one a year before. An employee with no base (a new hire,
    an absence) gets the median of the peers' targets with ``fallback: peer_median``;
    without a fallback that is an error naming the employee and period.
    """

    method: Literal["growth"] = "growth"
    rate: float = Field(gt=-1)
    base: Literal["previous_period", "same_period_last_year"] = "previous_period"
    fallback: Literal["peer_median"] | None = None


class PercentileTarget(_Spec):
    """``{method: percentile, q, of, window}``: the q-quantile of past actuals.

    ``of: peers`` pools the past actuals of everyone with the employee's role (everyone if
    the data has no role); ``own`` the employee's own. ``window`` limits the history to the
    last N periods before the one being set (all history by default).
    """

    method: Literal["percentile"] = "percentile"
    q: float
    of: Literal["peers", "own"] = "peers"
    window: int | None = Field(default=None, ge=1)

    @field_validator("q", mode="after")
    @classmethod
    def _q(cls, v):
        if not 0 <= v <= 1:
            raise _fail(
                f"q must be between 0 and 1, got {_num(v)}",
                "write the 40th percentile as 0.4.",
            )
        return v


class AllocateTarget(_Spec):
    """``{method: allocate, total, by, window}``: a top-down total for each period split
    across the employees active in it, equally or by their share of past actuals.
    """

    method: Literal["allocate"] = "allocate"
    total: float = Field(gt=0)
    by: Literal["history_share", "equal"] = "history_share"
    window: int | None = Field(default=None, ge=1)


#: Registry of target specs by method name
#: (the implementations are in :mod:`kpitools.scheme.targets`).
TARGET_SPECS: dict[str, type[_Spec]] = {
    "fixed": FixedTarget,
    "from_data": FromDataTarget,
    "growth": GrowthTarget,
    "percentile": PercentileTarget,
    "allocate": AllocateTarget,
}


def get_target_spec(name: str) -> type[_Spec]:
    """Return the target spec class registered for ``method: name``.

    Examples
    --------
    >>> get_target_spec("growth").__name__
    'GrowthTarget'
    """
    try:
        return TARGET_SPECS[name]
    except KeyError:
        raise DefinitionError(
            f"Unknown target method {name!r}.{did_you_mean(name, TARGET_SPECS)}\n"
            f"Suggestion: use one of: {', '.join(TARGET_SPECS)}."
        ) from None


def _target_tag(v: Any) -> str | None:
    method = v.get("method") if isinstance(v, Mapping) else getattr(v, "method", None)
    return _TAG + method if method in TARGET_SPECS else None


def _check_target_input(v: Any) -> Any:
    if v is None or isinstance(v, _Spec):
        return v
    if isinstance(v, int | float) and not isinstance(v, bool):
        return {"method": "fixed", "value": v}
    if not isinstance(v, Mapping):
        raise _fail(
            f"expected a mapping such as {{method: fixed, value: 12}}, got {v!r}",
            f"write the target as {{method: …}} with one of: {', '.join(TARGET_SPECS)}.",
        )
    if "method" not in v:
        raise _fail(
            "the target has no 'method'",
            f"add method: with one of: {', '.join(TARGET_SPECS)}.",
        )
    method = v["method"]
    if method not in TARGET_SPECS:
        raise _fail(
            f"unknown target method {str(method)!r}.{did_you_mean(str(method), TARGET_SPECS)}",
            f"use one of: {', '.join(TARGET_SPECS)}.",
        )
    return v


TargetSpec = Annotated[
    Union[tuple(Annotated[c, Tag(_TAG + k)] for k, c in TARGET_SPECS.items())],  # noqa: UP007
    Discriminator(_target_tag),
]


# --------------------------------------------------------------------------- components
class _Measured(_Spec):
    """A KPI measured against a target: shared by components, gates and modifiers."""

    kpi: str = Field(min_length=1)
    target: TargetSpec | None = None
    direction: Literal["higher", "lower"] | None = None
    baseline: float | None = None

    @field_validator("target", mode="before")
    @classmethod
    def _target_input(cls, v):
        return _check_target_input(v)


class Component(_Measured):
    """One pay component: a KPI, its target, and a curve (with a weight) or a commission.

    Payout = on_target_pay × weight × curve(attainment), or the commission in money.
    """

    name: str | None = None
    weight: float | None = None
    curve: Curve | None = None
    commission: Commission | None = None

    @field_validator("curve", mode="before")
    @classmethod
    def _curve_input(cls, v):
        return _check_curve_input(v)

    @field_validator("weight", mode="after")
    @classmethod
    def _weight(cls, v):
        if v is not None and v < 0:
            raise _fail(f"a weight must not be negative, got {_num(v)}", "use 0 to 1.")
        return v

    @model_validator(mode="after")
    def _shape(self):
        if (self.curve is None) == (self.commission is None):
            raise _fail(
                "a component has either a 'curve' or a 'commission'"
                + (", not both" if self.curve is not None else ""),
                "add curve: {points: …} with a weight, or commission: {rate: …}.",
            )
        if self.curve is not None:
            if self.weight is None:
                raise _fail(
                    "a component with a curve needs a 'weight'",
                    "add weight: (the weights of the curve components sum to 1).",
                )
            if self.target is None:
                raise _fail(
                    "a component with a curve needs a 'target'",
                    "add target: {method: fixed, value: …} (or another method).",
                )
        else:
            if self.weight is not None:
                raise _fail(
                    "a commission component has no 'weight'",
                    "remove weight: (a commission pays money on the actual itself).",
                )
            if self.target is None and self.commission.needs_target:
                raise _fail(
                    "a commission with tiers on attainment needs a 'target'",
                    "add target: {method: …}, or use basis: value.",
                )
        return self

    @property
    def payout_rule(self) -> _CurveBase | Commission:
        """The curve or the commission."""
        return self.curve if self.curve is not None else self.commission


class Gate(_Measured):
    """A qualifier: below ``min_attainment`` the components in ``applies_to`` pay nothing.

    ``applies_to`` lists component indexes or KPI ids (one may be written without the
    list: ``applies_to: revenue``); all components by default. An attainment exactly at
    ``min_attainment`` passes.
    """

    min_attainment: float
    applies_to: tuple[int | str, ...] | None = None

    @field_validator("min_attainment", mode="after")
    @classmethod
    def _min(cls, v):
        _check_attainment(v, "as the minimum")
        return v

    @field_validator("applies_to", mode="before")
    @classmethod
    def _one_or_more(cls, v):
        if isinstance(v, str | int) and not isinstance(v, bool):
            return (v,)
        if isinstance(v, Sequence) and not isinstance(v, str) and len(v) == 0:
            raise _fail(
                "applies_to is empty, so the gate would hold back nothing",
                "name the components it holds back (by index from 0 or KPI id), or remove "
                "applies_to: to gate every component.",
            )
        return v

    @model_validator(mode="after")
    def _needs_target(self):
        if self.target is None:
            raise _fail(
                "a gate needs a 'target'", "add target: {method: fixed, value: …} or another."
            )
        return self


class Modifier(_Measured):
    """A multiplier of the summed component payouts: curve(attainment of its KPI)."""

    curve: Curve

    @field_validator("curve", mode="before")
    @classmethod
    def _curve_input(cls, v):
        return _check_curve_input(v)

    @model_validator(mode="after")
    def _needs_target(self):
        if self.target is None:
            raise _fail(
                "a modifier needs a 'target'", "add target: {method: fixed, value: …} or another."
            )
        return self


class Pool(_Spec):
    """``pool: {budget}``: per period, above the budget every payout is scaled down pro rata."""

    budget: float = Field(gt=0)


# --------------------------------------------------------------------------- scheme
class Scheme(_Spec):
    """A whole bonus scheme (contract §4). Build it with :func:`load_scheme`.

    Attributes
    ----------
    name, period, on_target_pay, revenue_kpi, components, gates, modifiers, cap, budget, pool
        As in the scheme file.
    roles : tuple of str or None
        Extension of the contract: only employees with one of these roles are evaluated
        (``None``: everyone).
    """

    name: str = Field(min_length=1)
    period: Literal["month", "quarter", "year"] = "month"
    on_target_pay: float | dict[str, float]
    roles: tuple[str, ...] | None = None
    currency: str | None = None
    description: str | None = None
    revenue_kpi: str | None = None
    components: tuple[Component, ...]
    gates: tuple[Gate, ...] = ()
    modifiers: tuple[Modifier, ...] = ()
    cap: float | None = Field(default=None, gt=0)
    budget: float | None = Field(default=None, ge=0)
    pool: Pool | None = None

    _source: str = PrivateAttr(default="")

    @field_validator("on_target_pay", mode="before")
    @classmethod
    def _otp(cls, v):
        bad = _fail(
            f"expected a positive number or a mapping {{role: number}}, got {v!r}",
            "write on_target_pay: 30000 or on_target_pay: {sales: 30000, manager: 45000}.",
        )
        if isinstance(v, bool):
            raise bad
        if isinstance(v, int | float):
            if not math.isfinite(v) or v <= 0:
                raise bad
            return float(v)
        if isinstance(v, Mapping):
            if not v:
                raise bad
            for role, pay in v.items():
                if isinstance(pay, bool) or not isinstance(pay, int | float):
                    raise _fail(
                        f"the on-target pay of role {str(role)!r} must be a number, got {pay!r}",
                        "write on_target_pay: {role: 30000, …}.",
                    )
                if not math.isfinite(pay) or pay <= 0:
                    raise _fail(
                        f"the on-target pay of role {str(role)!r} must be positive, "
                        f"got {_num(pay)}",
                        "use the bonus paid at 100% attainment.",
                    )
            return {str(role): float(pay) for role, pay in v.items()}
        raise bad

    @field_validator("roles", mode="before")
    @classmethod
    def _roles_input(cls, v):
        if isinstance(v, str):
            raise _fail(
                f"expected a list of roles, got {v!r}",
                f"write roles: [{v}] (a list, even for one role).",
            )
        return v

    @field_validator("roles", mode="after")
    @classmethod
    def _roles(cls, v):
        if v is None:
            return v
        if not v:
            raise _fail(
                "the list of roles is empty",
                "list the roles to evaluate, e.g. roles: [sales_rep], or remove roles: "
                "to evaluate everyone.",
            )
        seen: set[str] = set()
        for i, role in enumerate(v):
            if not role.strip():
                raise _fail(
                    f"role {i} is empty", "write the role as it appears in the data.", f"roles[{i}]"
                )
            if role in seen:
                raise _fail(f"role {role!r} is listed twice", "list each role once.", f"roles[{i}]")
            seen.add(role)
        return v

    @field_validator("components", mode="after")
    @classmethod
    def _components(cls, v):
        if not v:
            raise _fail("a scheme needs at least one component", "add components: [- kpi: …].")
        return v

    @model_validator(mode="after")
    def _whole(self):
        if self.roles is not None and isinstance(self.on_target_pay, dict):
            unpaid = [r for r in self.roles if r not in self.on_target_pay]
            if unpaid:
                raise _fail(
                    f"no amount for role {unpaid[0]!r}, which roles lists."
                    f"{did_you_mean(unpaid[0], self.on_target_pay)}".rstrip("."),
                    f"add {unpaid[0]}: <amount> under on_target_pay, or remove it from roles.",
                    path="on_target_pay",
                )
        weighted = [(i, c.weight) for i, c in enumerate(self.components) if c.curve is not None]
        if weighted:
            total = math.fsum(w for _, w in weighted)
            if abs(total - 1.0) > WEIGHT_TOLERANCE:
                terms = " + ".join(_num(w) for _, w in weighted)
                percent = abs(total - 100.0) <= 100 * WEIGHT_TOLERANCE
                raise _fail(
                    f"the weights of the curve components sum to {total:.10g} ({terms}), not 1",
                    "weights are fractions of 1: write 60% as 0.6."
                    if percent
                    else "make the weights add up to 1 (e.g. 0.6 and 0.4).",
                    path="components",
                )
        seen: dict[str, int] = {}
        for i, c in enumerate(self.components):
            label = c.name if c.name else str(i)
            if label == "total":
                raise _fail(
                    "'total' names the total row of the payout table",
                    "give the component another name.",
                    path=f"components[{i}].name",
                )
            if label in seen:
                raise _fail(
                    f"components {seen[label]} and {i} are both called {label!r}",
                    "give each component its own name (the payout table's 'component').",
                    path=f"components[{i}].name",
                )
            seen[label] = i
        kpis = [c.kpi for c in self.components]
        n = len(self.components)
        for g, gate in enumerate(self.gates):
            for k, ref in enumerate(gate.applies_to or ()):
                path = f"gates[{g}].applies_to[{k}]"
                if isinstance(ref, int) and not isinstance(ref, bool):
                    if not 0 <= ref < n:
                        raise _fail(
                            f"there is no component {ref} (the scheme has {n}: 0 to {n - 1})",
                            "name a component by its index (from 0) or its KPI id.",
                            path=path,
                        )
                elif ref not in kpis:
                    raise _fail(
                        f"no component pays on KPI {ref!r}."
                        f"{did_you_mean(ref, list(dict.fromkeys(kpis)))}".rstrip("."),
                        "name a component by its index (from 0) or its KPI id: "
                        + ", ".join(dict.fromkeys(kpis))
                        + ".",
                        path=path,
                    )
        return self

    # ----------------------------------------------------------------- helpers
    def __eq__(self, other: object) -> bool:
        # Same content, wherever it was loaded from.
        if not isinstance(other, Scheme):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in type(self).model_fields)

    __hash__ = None  # type: ignore[assignment]  # on_target_pay may be a dict

    @property
    def source(self) -> str:
        """Where the scheme came from: the file path, or ``scheme 'name'``."""
        return self._source or f"scheme {self.name!r}"

    def on_target_pay_for(self, role: str | None = None) -> float:
        """On-target pay of a role (the single number when not given per role)."""
        if isinstance(self.on_target_pay, dict):
            if role not in self.on_target_pay:
                raise DefinitionError(
                    f"{self.source}: on_target_pay: no amount for role {role!r}."
                    f"{did_you_mean(str(role), self.on_target_pay)}\n"
                    f"Suggestion: add {role}: <amount> under on_target_pay."
                )
            return self.on_target_pay[role]
        return self.on_target_pay

    def component_label(self, index: int) -> str:
        """The ``component`` value of the payout table: the name, else the index."""
        c = self.components[index]
        return c.name if c.name else str(index)

    def to_dict(self) -> dict[str, Any]:
        """A plain mapping (YAML-ready) that :func:`load_scheme` turns back into this scheme.

        Examples
        --------
        >>> s = load_scheme({"name": "s", "on_target_pay": 100, "components": [
        ...     {"kpi": "x", "weight": 1, "target": 5, "curve": {"steps": [[1, 1]]}}]})
        >>> s.to_dict()["components"][0]["target"]
        {'method': 'fixed', 'value': 5.0}
        >>> load_scheme(s.to_dict()) == s
        True
        """
        return self.model_dump(mode="json", exclude_none=True)

    def to_yaml(self, path: str | os.PathLike | None = None) -> str:
        """The scheme as YAML a consultant can read; written atomically to ``path`` if given.

        The layout of the shipped templates (key order, each target and curve on one line)
        and tidy numbers (12 significant digits, no ``.0`` on whole amounts), so a scheme
        saved from the what-if explorer or by ``kpitools calibrate --out`` reads like one
        written by hand. :func:`load_scheme` reads it back to the same scheme.

        Examples
        --------
        >>> s = load_scheme({"name": "s", "on_target_pay": 30000.000000000004, "components": [
        ...     {"kpi": "x", "weight": 0.7, "target": {"method": "fixed", "value": 12},
        ...      "curve": {"points": [[0.8, 0.30000000000000004], [1.0, 1.0]]}},
        ...     {"kpi": "y", "weight": 0.30000000000000004,
        ...      "target": {"method": "fixed", "value": 3},
        ...      "curve": {"steps": [[1.0, 1.0]]}}], "budget": 1.4e6})
        >>> print(s.to_yaml(), end="")
        name: s
        period: month
        on_target_pay: 30000
        components:
          - kpi: x
            weight: 0.7
            target: {method: fixed, value: 12}
            curve: {points: [[0.8, 0.3], [1.0, 1.0]]}
          - kpi: y
            weight: 0.3
            target: {method: fixed, value: 3}
            curve: {steps: [[1.0, 1.0]]}
        budget: 1400000
        """
        text = _scheme_yaml(self.to_dict())
        if path is not None:
            atomic_write(path, text)
        return text

    def set(self, path: str, value: Any) -> Scheme:
        """A new validated scheme with one value changed (this one is left as it was).

        Parameters
        ----------
        path : str
            Dotted path; list items by index: ``components.0.target.rate``, ``cap``,
            ``components.1.curve.points.0.0``.
        value : Any
            The new value.

        Examples
        --------
        >>> s = load_scheme({"name": "s", "on_target_pay": 100, "components": [
        ...     {"kpi": "x", "weight": 1, "target": 5, "curve": {"steps": [[1, 1]]}}]})
        >>> s.set("cap", 2.0).cap
        2.0
        """
        data = self.to_dict()
        parts = [p for p in str(path).split(".") if p != ""]
        if not parts:
            raise DefinitionError(
                f"{self.source}: empty parameter path.\n"
                "Suggestion: use a dotted path such as components.0.target.rate."
            )
        node: Any = data
        done: list[str] = []
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            where = ".".join(done) or "the scheme"
            if isinstance(node, list):
                if not part.lstrip("-").isdigit() or not -len(node) <= int(part) < len(node):
                    raise DefinitionError(
                        f"{self.source}: parameter path {path!r}: {where} has {len(node)} "
                        f"item(s), so {part!r} is not an index of it.\n"
                        f"Suggestion: use an index from 0 to {len(node) - 1}."
                    )
                key: Any = int(part)
            elif isinstance(node, dict):
                key = part
                if key not in node and not last:
                    node[key] = {}
            else:
                raise DefinitionError(
                    f"{self.source}: parameter path {path!r}: {where} is a value, not a "
                    f"mapping or a list.\nSuggestion: stop the path at {where}."
                )
            if last:
                node[key] = value
            else:
                node = node[key]
                done.append(part)
        return _validate(data, self._source, label=f"{self.source} (after setting {path})")


# --------------------------------------------------------------------------- YAML out
_TOP_ORDER = (
    "name", "description", "period", "currency", "on_target_pay", "revenue_kpi", "roles",
    "components", "gates", "modifiers", "cap", "budget", "pool",
)  # fmt: skip
_ITEM_ORDER = ("kpi", "name", "weight", "target", "curve", "commission", "min_attainment")


def tidy_number(value: Any, ints: bool = True) -> Any:
    """Numbers as a consultant writes them: 0.3 not 0.30000000000000004, 1400000 not 1400000.0."""
    if isinstance(value, bool) or not isinstance(value, float) or not math.isfinite(value):
        return value
    value = float(f"{value:.12g}") + 0.0
    return int(value) if ints and value.is_integer() and abs(value) < 1e15 else value


class _Flow(list):
    """A list written on one line in the YAML (``[[0.8, 0.5], [1.0, 1.0]]``)."""


class _FlowMap(dict):
    """A mapping written on one line in the YAML (``{method: fixed, value: 12}``)."""


def _clean(node: Any, *, flow: bool = False, ints: bool = True) -> Any:
    if isinstance(node, Mapping):
        items = {k: _clean(v, flow=flow, ints=ints) for k, v in node.items()}
        return _FlowMap(items) if flow else items
    if isinstance(node, list | tuple):
        items = [_clean(v, flow=flow, ints=ints) for v in node]
        return _Flow(items) if flow else items
    return tidy_number(node, ints)


def _item(node: Mapping[str, Any]) -> dict[str, Any]:
    """A component, gate or modifier: block style, its values (target, curve …) on one line."""
    out = {}
    for k in [k for k in _ITEM_ORDER if k in node] + [k for k in node if k not in _ITEM_ORDER]:
        v = node[k]
        if k == "curve" and isinstance(v, Mapping) and v.get("extrapolate") is False:
            v = {a: b for a, b in v.items() if a != "extrapolate"}  # the default
        # curve points keep 1.0 (an attainment or a factor, as in the templates)
        out[k] = _clean(v, flow=isinstance(v, Mapping | list | tuple), ints=k != "curve")
    return out


def _scheme_yaml(data: Mapping[str, Any]) -> str:
    """``Scheme.to_dict()`` as YAML laid out like the shipped templates.

    Keys in template order, each component's target and curve on one line, numbers rounded
    to 12 significant digits (float noise from sliders and solvers removed), integral
    amounts without ``.0``; :func:`load_scheme` reads it back to the same scheme.
    """
    out: dict[str, Any] = {}
    for k in [k for k in _TOP_ORDER if k in data] + [k for k in data if k not in _TOP_ORDER]:
        v = data[k]
        if k in ("components", "gates", "modifiers"):
            if v:
                out[k] = [_item(it) for it in v]
        else:
            out[k] = _clean(v, flow=k in ("pool", "roles"))
    return yaml.dump(out, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


class _Dumper(yaml.SafeDumper):
    """Block lists indented under their key (``  - kpi:`` under ``components:``)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


_Dumper.add_representer(
    _Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)
_Dumper.add_representer(
    _FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True)
)


# How to write each list of a scheme file, by its key.
_ITEMS = "write one item per line, each starting with '- ' (a list, even for one {})."
_LIST_FIX = {
    "points": "write pairs [attainment, factor], e.g. [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]].",
    "steps": "write pairs [attainment, factor], e.g. [[0.9, 0.5], [1.0, 1.0]].",
    "tiers": "write pairs [start, rate], e.g. [[0, 0.01], [1.0, 0.02]].",
    "components": _ITEMS.format("component"),
    "gates": _ITEMS.format("gate"),
    "modifiers": _ITEMS.format("modifier"),
    "roles": "write roles: [sales_rep, key_account_manager] (a list, even for one role).",
}


def _validate(data: Any, source: str, label: str | None = None) -> Scheme:
    label = label or source or "scheme"
    if not isinstance(data, Mapping):
        raise DefinitionError(
            f"{label}: expected a mapping of keys (name, period, on_target_pay, components, …), "
            f"got {type(data).__name__}.\nSuggestion: see templates/schemes/ for examples."
        )
    scheme = validate(Scheme, data, source=label, list_fix=_LIST_FIX)
    scheme._source = source
    return scheme


def load_scheme(path_or_mapping: str | os.PathLike | Mapping[str, Any] | Scheme) -> Scheme:
    """Load and check a scheme from a YAML file or a mapping.

    A file without a ``name`` takes its file name (without extension) as the name.

    Parameters
    ----------
    path_or_mapping : str, path-like, mapping or Scheme
        A ``.yaml`` file, an already-parsed mapping, or a scheme (returned as is).

    Returns
    -------
    Scheme

    Raises
    ------
    DefinitionError
        Naming the file, the key path (``components[1].curve.points``), what is wrong and
        a suggestion.

    Examples
    --------
    >>> load_scheme({"name": "s", "on_target_pay": 100,
    ...              "components": [{"kpi": "x", "weight": 1.0,
    ...                              "target": {"method": "from_data"},
    ...                              "curve": {"steps": [[1.0, 1.0]]}}]}).period
    'month'
    """
    if isinstance(path_or_mapping, Scheme):
        return path_or_mapping
    if isinstance(path_or_mapping, Mapping):
        name = path_or_mapping.get("name")
        label = f"scheme {name!r}" if isinstance(name, str) and name else "scheme"
        return _validate(path_or_mapping, "", label=label)
    path = Path(path_or_mapping)
    source = str(path_or_mapping)
    data = read_yaml(
        path, what="scheme file", example="templates/schemes/tiered_accelerator.yaml"
    ).data
    if isinstance(data, dict) and "name" not in data:
        data = {"name": path.stem, **data}
    return _validate(data, source)
