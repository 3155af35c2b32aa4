"""Commission: money paid on the actual itself, at a flat rate or in tiers.

Examples
--------
>>> c = Commission(tiers=((0, 0.10), (1.0, 0.15)), mode="marginal")
>>> float(c.evaluate([150_000.0], [100_000.0])[0])
17500.0
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

import numpy as np
from pydantic import field_validator, model_validator

from .._util.spec import Spec, as_written, spec_error
from .edges import reached
from .pairs import check_attainment, pairs_input

__all__ = ["Commission"]


@lru_cache(maxsize=256)
def _tier_tables(tiers: tuple):
    """Tier starts and rates as read-only arrays, cached by the (hashable) tiers."""
    starts = np.array([t[0] for t in tiers], dtype=float)
    rates = np.array([t[1] for t in tiers], dtype=float)
    starts.flags.writeable = rates.flags.writeable = False
    return starts, rates


class Commission(Spec):
    """Money on the actual itself: ``{rate}``, ``{per_unit}`` or ``{tiers, basis, mode}``.

    ``per_unit: P`` pays P × the actual (units sold, say: a SPIF of 50 per unit).

    ``tiers: [[start, rate], …]``: bands start at multiples of target (``basis:
    attainment``) or at amounts (``basis: value``). ``mode: marginal`` applies each rate to
    the part of the actual inside its band; ``retroactive`` applies the rate of the highest
    band reached to the whole actual. An amount exactly on a tier edge takes the higher
    tier. Below the first band nothing is paid; a negative actual pays nothing, unless
    the KPI is ``reversible`` (credit notes above the period's sales): then the negative
    amount is paid at the rate of the band that starts at 0 (the flat ``rate``, or the
    first tier when it starts at 0), a negative commission recovered from that period.

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
    per_unit: float | None = None
    tiers: tuple[tuple[float, float], ...] | None = None
    basis: Literal["attainment", "value"] = "attainment"
    mode: Literal["marginal", "retroactive"] = "marginal"

    @field_validator("rate", "per_unit", mode="after")
    @classmethod
    def _rate(cls, v, info):
        if v is not None and v < 0:
            what = "an amount per unit" if info.field_name == "per_unit" else "a commission rate"
            raise spec_error(f"{what} must not be negative, got {as_written(v)}", "use 0 or more.")
        return v

    @field_validator("tiers", mode="before")
    @classmethod
    def _shape(cls, v):
        return pairs_input(v, "tier")

    @field_validator("tiers", mode="after")
    @classmethod
    def _tiers(cls, v):
        if v is not None:
            _check_tiers(v)
        return v

    @model_validator(mode="after")
    def _one_kind(self):
        given = [k for k in ("rate", "per_unit", "tiers") if getattr(self, k) is not None]
        if len(given) != 1:
            raise spec_error(
                "give one of 'rate', 'per_unit' or 'tiers'"
                + (f", not {' and '.join(given)}" if given else ""),
                "write {rate: 0.05} (of the amount), {per_unit: 50} (money per unit) or "
                "{tiers: [[0, 0.01], [1.0, 0.02]], mode: marginal}.",
            )
        if self.tiers is not None and self.basis == "attainment":
            for i, (start, _rate) in enumerate(self.tiers):
                check_attainment(
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

    def evaluate(
        self,
        actual: Any,
        target: Any = None,
        attainment: Any = None,
        *,
        reversible: bool = False,
        edge_scale: Any = None,
    ) -> np.ndarray:
        """Commission in money for each actual (vectorised).

        ``attainment`` (actual / target, as the engine computed it) decides the band of a
        retroactive attainment-based tier, so that the band shown matches the attainment
        shown; it defaults to ``actual / target``. ``reversible``: a negative actual pays
        a negative commission (see the class). ``edge_scale`` multiplies the tier starts
        of ``basis: value`` (proration: a person active two thirds of the period reaches
        each band at two thirds of its amount); rates are never scaled.

        Examples
        --------
        >>> Commission(rate=0.1).evaluate([-700.0, 500.0], reversible=True).tolist()
        [-70.0, 50.0]
        >>> c = Commission(tiers=((0, 0.1), (1000, 0.2)), basis="value")
        >>> c.evaluate([900.0], edge_scale=[0.5]).tolist()
        [130.0]
        """
        raw = np.asarray(actual, dtype=float)
        out = self._evaluate_positive(np.maximum(raw, 0.0), target, attainment, edge_scale)
        if reversible:
            out = out + np.minimum(raw, 0.0) * self._rate_at_zero
        return out

    @property
    def _flat(self) -> float | None:
        """The flat rate: ``rate`` of an amount, or ``per_unit`` money per unit."""
        return self.rate if self.rate is not None else self.per_unit

    @property
    def _rate_at_zero(self) -> float:
        """The rate of a band starting at 0 (what a negative amount is paid at)."""
        if self._flat is not None:
            return float(self._flat)
        first_start, first_rate = self.tiers[0]
        return float(first_rate) if first_start == 0 else 0.0

    def _evaluate_positive(self, x, target, attainment, edge_scale) -> np.ndarray:
        if self._flat is not None:
            return self._flat * x
        starts, rates = _tier_tables(self.tiers or ())
        if self.basis == "attainment":
            t = np.asarray(target, dtype=float)
            if attainment is None:
                with np.errstate(divide="ignore", invalid="ignore"):
                    attainment = x / t
            position, scale = np.asarray(attainment, dtype=float), t
        elif edge_scale is not None:
            scale = np.asarray(edge_scale, dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                position = np.round(x / scale, 12)  # x on an edge × scale reaches it
        else:
            position, scale = x, None
        if self.mode == "retroactive":
            return _retroactive(x, position, starts, rates)
        return _marginal(x, position, scale, starts, rates)

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


def _check_tiers(v: tuple[tuple[float, float], ...]) -> None:
    """At least one tier; no negative start or rate; starts increase."""
    if not v:
        raise spec_error("at least one tier is needed", "write e.g. [[0, 0.01], [1.0, 0.02]].")
    for i, (start, rate) in enumerate(v):
        if rate < 0:
            raise spec_error(
                f"commission rates must not be negative ({as_written(rate)} in tier {i})",
                "use 0 or more.",
            )
        if start < 0:
            raise spec_error(
                f"tier starts must not be negative ({as_written(start)} in tier {i})",
                "start the first tier at 0.",
            )
    for i in range(1, len(v)):
        if v[i][0] <= v[i - 1][0]:
            raise spec_error(
                f"tier starts must increase ({as_written(v[i - 1][0])} is followed by "
                f"{as_written(v[i][0])})",
                "list the tiers in order of their start, each start once.",
            )


def _retroactive(
    x: np.ndarray, position: np.ndarray, starts: np.ndarray, rates: np.ndarray
) -> np.ndarray:
    """The rate of the highest band reached, on the whole actual."""
    out = np.take(np.r_[0.0, rates], reached(position, starts), mode="clip")
    out *= x
    nan = np.isnan(position)
    if nan.any():
        out[nan] = np.nan
    return out


def _marginal(
    x: np.ndarray,
    position: np.ndarray,
    scale: np.ndarray | None,
    starts: np.ndarray,
    rates: np.ndarray,
) -> np.ndarray:
    """Σ rate_k × clip(x − start_k, 0, width_k), starts in money (× target on attainment)."""
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
