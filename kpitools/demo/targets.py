"""The demo company's historical targets, set the way a real company sets them.

Each plan year (12 months from the window's start) a person's monthly target is their
average month of the previous 12 months x the growth plan x a negotiated factor (managers
talk the plan down by about 12% on average), phased by last year's company profile for
that calendar month (a strong December last year means a high December target). People
with fewer than 3 months last year (new hires) get the median target of their role that
month times a standard 4-month ramp plan (25%, 50%, 75%, 100%). About 55% of the rows
reach their target.
"""

from __future__ import annotations

import numpy as np

from .model import NEGOTIATED, PRE_HISTORY, TARGET_GROWTH
from .roster import Roster

__all__ = ["plan_targets"]


def _from_last_year(
    rng: np.random.Generator, actual: np.ndarray, active: np.ndarray, applies: np.ndarray
) -> np.ndarray:
    """Each person's target per window month from their last 12 months; NaN without a base."""
    n, n_ext = actual.shape
    window = np.arange(PRE_HISTORY, n_ext)
    plan_year = (window - PRE_HISTORY) // 12
    monthly_noise = rng.lognormal(0.0, 0.03, size=(n, window.size))
    from_history = np.full((n, window.size), np.nan)
    for year in range(int(plan_year.max()) + 1):  # one plan per year, not per row
        last_year = slice(12 * year, 12 * year + 12)
        seen = active[:, last_year] & applies[:, last_year]
        values = np.where(seen, actual[:, last_year], 0.0)
        months_seen = seen.sum(axis=1)
        average = values.sum(axis=1) / np.maximum(months_seen, 1)
        per_head = values.sum(axis=0) / np.maximum(seen.sum(axis=0), 1)
        phase = per_head / per_head.mean() if per_head.mean() > 0 else np.ones(12)
        negotiated = NEGOTIATED * rng.lognormal(0.0, 0.06, size=n)
        cols = np.flatnonzero(plan_year == year)
        base = average * TARGET_GROWTH * negotiated
        from_history[:, cols] = np.where(
            ((months_seen >= 3) & (average > 0))[:, None],
            base[:, None] * phase[cols - 12 * year][None, :] * monthly_noise[:, cols],
            np.nan,
        )
    return from_history


def _peer_medians(
    from_history: np.ndarray, role: np.ndarray, applies: np.ndarray, step: float
) -> np.ndarray:
    """The median target of each person's role per month.

    In months nobody of the role has a target: the role's overall median, else ``step``.
    """
    n, n_months = from_history.shape
    peer_median = np.full((n, n_months), np.nan)
    for r in np.unique(role[applies.any(axis=1)]):
        rows = role == r
        values = from_history[rows]
        by_month = np.full(n_months, np.nan)
        observed = np.isfinite(values).any(axis=0)
        by_month[observed] = np.nanmedian(values[:, observed], axis=0)
        fallback = np.nanmedian(values) if np.isfinite(values).any() else step
        peer_median[rows] = np.where(np.isfinite(by_month), by_month, fallback)
    return peer_median


def plan_targets(
    rng: np.random.Generator,
    actual: np.ndarray,
    active: np.ndarray,
    roster: Roster,
    step: float,
    applies: np.ndarray,
) -> np.ndarray:
    """Targets of one KPI over people x months (pre-history included, where they are NaN).

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the negotiation and the monthly noise.
    actual, active, applies : numpy.ndarray
        The KPI's actuals, who is active, and who has this KPI, people x months.
    roster : Roster
        Roles (peers) and hire dates (ramp plans).
    step : float
        Targets are rounded to it (RUB 1,000 for money, 1 for counts).
    """
    n, n_ext = actual.shape
    target = np.full((n, n_ext), np.nan)
    window = np.arange(PRE_HISTORY, n_ext)
    from_history = _from_last_year(rng, actual, active, applies)
    has_base = np.isfinite(from_history) & applies[:, window]
    from_history = np.where(has_base, from_history, np.nan)
    peer_median = _peer_medians(from_history, roster.role, applies, step)
    first = np.where(roster.hired, roster.start, -PRE_HISTORY)
    tenure = (window - PRE_HISTORY)[None, :] - first[:, None]
    ramp_plan = np.minimum(1.0, (tenure + 1) / 4.0)
    result = np.where(has_base, from_history, peer_median * ramp_plan)
    result = np.maximum(step, np.round(result / step) * step)
    target[:, window] = np.where(applies[:, window], result, np.nan)
    return target
