"""The demo company's months: who works when, how hard, and what each role achieves.

:func:`simulate_activity` runs the model over people x months arrays, with a year of
pre-history so that the first year's targets come from last year's actuals:

- presence and effort: ramp-up of new hires, leavers fading, seasonality, trend, team
  and region effects, a monthly shock;
- the sales funnel: leads, meetings -> closed -> won (skill-dependent win rate), with
  quarter-end timers holding deals back to the quarter's last month;
- deals one by one (:mod:`.deals`), summed into units, revenue, margin and new clients;
- NPS from a small monthly survey, falling with aggressive discounting;
- marketing: spend -> leads -> MQL -> attributed revenue;
- targets (:mod:`.targets`) for revenue, units and marketing leads.

Every draw comes from one generator in a fixed order: the same seed gives the same months.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .columns import iso_dates, text_column
from .deals import draw_deals
from .model import (
    KPI_NAMES,
    MARKETING_KPIS,
    PRE_HISTORY,
    REGION_EFFECT,
    REGIONS,
    ROLES,
    SALES_KPIS,
    SEASONALITY,
    TIMER_SHIFT,
    TREND,
    role_parameter,
)
from .roster import Roster
from .targets import plan_targets

__all__ = ["Activity", "Calendar", "simulate_activity"]


@dataclass(frozen=True, kw_only=True)
class Activity:
    """The simulated months of everyone, pre-history included.

    Attributes
    ----------
    periods : list of str
        Every simulated month, ``YYYY-MM`` (the first :data:`~.model.PRE_HISTORY` precede
        the window).
    active : numpy.ndarray
        People x months: who was on the roster.
    values, targets : dict of str to numpy.ndarray
        People x months per KPI: the actuals, and the targets of the KPIs that have one.
    deals : pandas.DataFrame
        The deal table of the window.
    """

    periods: list[str]
    active: np.ndarray
    values: dict[str, np.ndarray]
    targets: dict[str, np.ndarray]
    deals: pd.DataFrame

    def long_table(self, roster: Roster) -> pd.DataFrame:
        """The canonical long table of the window (``data.csv``), active rows only.

        Rows run by employee, month, then each KPI's position in its role's list, so
        they read in a natural order.
        """
        window = slice(PRE_HISTORY, len(self.periods))
        active = self.active[:, window]
        is_mkt = roster.role == 2
        parts = []
        for code, kpi in enumerate(KPI_NAMES):
            rank = np.where(
                is_mkt,
                MARKETING_KPIS.index(kpi) if kpi in MARKETING_KPIS else -1,
                SALES_KPIS.index(kpi) if kpi in SALES_KPIS else -1,
            )
            people, month = np.nonzero(active & (rank >= 0)[:, None])
            target = self.targets.get(kpi)
            parts.append(
                (
                    people,
                    month,
                    np.full(people.size, code),
                    rank[people],
                    self.values[kpi][:, window][people, month],
                    target[:, window][people, month]
                    if target is not None
                    else np.full(people.size, np.nan),
                )
            )
        people, month, kpi_code, rank, actual, target = (
            np.concatenate(x) for x in zip(*parts, strict=True)
        )
        order = np.lexsort((rank, month, people))
        people, month, kpi_code = people[order], month[order], kpi_code[order]
        team = roster.team[people]
        return pd.DataFrame(
            {
                "employee": text_column(people, roster.ids),
                "period": text_column(month, self.periods[PRE_HISTORY:]),
                "kpi": text_column(kpi_code, KPI_NAMES),
                "actual": actual[order].astype(float),
                "target": target[order].astype(float),
                "role": text_column(roster.role[people], ROLES),
                "team": text_column(team, roster.team_labels),
                "region": text_column(roster.region[people], REGIONS),
                "manager": text_column(team, roster.manager_labels),
            }
        )


@dataclass(frozen=True, kw_only=True)
class Calendar:
    """The simulated months: column ``j`` is window month ``j - PRE_HISTORY``."""

    col: np.ndarray
    month_of_year: np.ndarray  # 0 = January
    month_dates: np.ndarray  # datetime64[M]
    days_in_month: np.ndarray
    to_quarter_end: np.ndarray  # months until the quarter's last month
    season: np.ndarray
    trend: np.ndarray

    @classmethod
    def of(cls, months: int, start_month: int) -> Calendar:
        """The window of ``months`` months from ``start_month`` (months since 1970-01)."""
        col = np.arange(months + PRE_HISTORY)
        month_index = start_month - PRE_HISTORY + col  # months since 1970-01
        month_of_year = month_index % 12
        month_dates = month_index.astype("datetime64[M]")
        days_in_month = (
            (month_dates + 1).astype("datetime64[D]") - month_dates.astype("datetime64[D]")
        ).astype(int)
        return cls(
            col=col,
            month_of_year=month_of_year,
            month_dates=month_dates,
            days_in_month=days_in_month,
            to_quarter_end=2 - month_of_year % 3,
            season=SEASONALITY[month_of_year],
            trend=(1.0 + TREND) ** ((col - PRE_HISTORY) / 12.0),
        )


@dataclass(frozen=True)
class _Presence:
    active: np.ndarray
    ramp: np.ndarray
    shock: np.ndarray
    effort: np.ndarray


def _presence(rng: np.random.Generator, roster: Roster, cal: Calendar) -> _Presence:
    """Who is active each month and how hard they push (the effort multiplier)."""
    col = cal.col
    first = np.where(roster.hired, roster.start + PRE_HISTORY, 0)
    last = roster.end + PRE_HISTORY
    active = (col >= first[:, None]) & (col <= last[:, None])
    tenure = col - first[:, None]
    ramp_len = roster.ramp[:, None]
    ramp = np.where(roster.hired[:, None], np.clip((tenure + 1) / (ramp_len + 1), 0.0, 1.0), 1.0)
    fading = np.where(roster.left[:, None] & (last[:, None] - col < 2), 0.8, 1.0)
    shock = rng.gamma(16.0, 1.0 / 16.0, size=(roster.size, col.size))
    effort = (
        cal.season
        * cal.trend
        * ramp
        * fading
        * shock
        * roster.team_effect[:, None]
        * REGION_EFFECT[roster.region][:, None]
    )
    return _Presence(active, ramp, shock, effort)


def _funnel(
    rng: np.random.Generator, roster: Roster, effort: np.ndarray, sales: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Leads, meetings, won and lost deals of the sales roles per person-month."""
    role, skill = roster.role, roster.skill[:, None]
    leads = rng.poisson(role_parameter("leads", role)[:, None] * skill**0.3 * effort) * sales
    meetings = rng.poisson(role_parameter("meetings", role)[:, None] * skill**0.5 * effort)
    meetings = meetings * sales
    closed = rng.binomial(meetings, role_parameter("close_rate", role)[:, None])
    win_base = role_parameter("win_rate", role)
    logit = np.log(win_base / (1.0 - win_base)) + 0.9 * np.log(roster.skill)
    p_win = 1.0 / (1.0 + np.exp(-logit))
    won = rng.binomial(closed, p_win[:, None])
    return leads, meetings, won, closed - won


def _hold_to_quarter_end(
    rng: np.random.Generator,
    roster: Roster,
    cal: Calendar,
    active: np.ndarray,
    won: np.ndarray,
    lost: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Quarter-end timers move about half their deals to the quarter's last month."""
    n_ext = cal.col.size
    ahead = cal.to_quarter_end
    movable = (
        roster.timer[:, None]
        & active
        & (ahead > 0)
        & (cal.col + ahead < n_ext)
        & np.take(active, np.minimum(cal.col + ahead, n_ext - 1), axis=1)
    )
    moved_won = rng.binomial(won, TIMER_SHIFT * movable)
    moved_lost = rng.binomial(lost, TIMER_SHIFT * movable)
    won = won - moved_won
    lost = lost - moved_lost
    for shift in (1, 2):
        src = np.flatnonzero((ahead == shift) & (cal.col + shift < n_ext))
        won[:, src + shift] += moved_won[:, src]
        lost[:, src + shift] += moved_lost[:, src]
    return won, lost


def _nps(
    rng: np.random.Generator, roster: Roster, won: np.ndarray, sales: np.ndarray
) -> np.ndarray:
    """NPS from a small monthly survey of the person's clients (NaN where nobody answered)."""
    skill = roster.skill
    aggressiveness = (roster.discount - 0.07) / 0.04 + 1.5 * roster.timer
    p_promoter = np.clip(0.50 + 0.10 * np.log(skill) - 0.05 * aggressiveness, 0.15, 0.85)
    p_detractor = np.clip(0.18 - 0.03 * np.log(skill) + 0.04 * aggressiveness, 0.03, 0.6)
    p_detractor = np.minimum(p_detractor, 0.95 - p_promoter)
    respondents = np.maximum(5, rng.poisson(6.0 + won)) * sales
    promoters = rng.binomial(respondents, p_promoter[:, None])
    detractors = rng.binomial(respondents - promoters, (p_detractor / (1 - p_promoter))[:, None])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.round(100.0 * (promoters - detractors) / respondents, 1)


def _marketing(
    rng: np.random.Generator, roster: Roster, cal: Calendar, presence: _Presence, mkt: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Marketing spend, leads, MQL and attributed revenue per person-month."""
    shape = presence.active.shape
    skill = roster.skill
    draw = rng.gamma(25.0, 1 / 25.0, shape)
    cost = np.round(380_000.0 * cal.season * cal.trend * presence.ramp * draw, 2)
    cost_per_lead = 1_900.0 / skill[:, None] ** 0.5
    leads = rng.poisson(cost / cost_per_lead * presence.shock) * mkt
    mql = rng.binomial(leads, np.clip(0.30 * skill**0.3, 0.05, 0.9)[:, None])
    attributed = np.round(mql * 0.06 * 140_000.0 * rng.lognormal(0.0, 0.3, shape), 2)
    return cost, leads, mql, attributed


def simulate_activity(
    rng: np.random.Generator, roster: Roster, months: int, start_month: int
) -> Activity:
    """Monthly KPIs over people x months arrays, with a year of pre-history for targets.

    Parameters
    ----------
    rng : numpy.random.Generator
        The company's generator, right after :func:`~.roster.make_roster` drew from it.
    roster : Roster
        The people.
    months : int
        Months in the window.
    start_month : int
        The window's first month, counted in months since 1970-01.
    """
    cal = Calendar.of(months, start_month)
    presence = _presence(rng, roster, cal)
    active = presence.active
    sales = (roster.role < 2)[:, None] & active
    mkt = (roster.role == 2)[:, None] & active
    leads_sales, meetings, won, lost = _funnel(rng, roster, presence.effort, sales)
    won, lost = _hold_to_quarter_end(rng, roster, cal, active, won, lost)
    deals = draw_deals(
        rng, roster, won, lost, days_in_month=cal.days_in_month, to_quarter_end=cal.to_quarter_end
    )
    from_deals = deals.monthly_totals(active.shape)
    nps = _nps(rng, roster, won, sales)
    cost, leads_mkt, mql, attributed = _marketing(rng, roster, cal, presence, mkt)
    values = {
        "revenue": np.where(mkt, attributed, from_deals["revenue"]),
        "units_sold": from_deals["units_sold"],
        "new_clients": from_deals["new_clients"],
        "leads": np.where(mkt, leads_mkt, leads_sales).astype(float),
        "meetings": meetings.astype(float),
        "won_deals": won.astype(float),
        "closed_deals": (won + lost).astype(float),
        "gross_margin": from_deals["gross_margin"],
        "nps": nps,
        "marketing_cost": np.where(mkt, cost, 0.0),
        "mql": mql.astype(float),
    }
    targets = {
        "revenue": plan_targets(rng, values["revenue"], active, roster, 1_000.0, sales),
        "units_sold": plan_targets(rng, values["units_sold"], active, roster, 1.0, sales),
        "leads": plan_targets(rng, values["leads"], active, roster, 1.0, mkt),
    }
    return Activity(
        periods=iso_dates(cal.month_dates, "M"),
        active=active,
        values=values,
        targets=targets,
        deals=deals.table(roster, cal.month_dates),
    )
