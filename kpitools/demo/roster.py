"""The demo company's people: roles, teams, regions, hires, leavers, skill and habits.

:func:`make_roster` draws the people of the whole window (leavers and new hires included)
and issues their ids in hiring order; :func:`roster_frame` turns them into the published
``employees`` frame with the ground truth (skill, discount, who times deals to quarter ends).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .columns import text_column
from .model import REGIONS, ROLES

__all__ = ["Roster", "make_roster", "roster_frame"]


@dataclass(frozen=True, kw_only=True)
class Roster:
    """Everyone on the roster over the window, one array element per person, in id order.

    Roles, teams and regions are integer codes (into :data:`~.model.ROLES`,
    ``team_labels`` and :data:`~.model.REGIONS`); ``start`` and ``end`` are the first and
    last active month, counted from 0 at the window's first month.
    """

    role: np.ndarray
    team: np.ndarray
    region: np.ndarray
    hired: np.ndarray
    left: np.ndarray
    start: np.ndarray
    end: np.ndarray
    ramp: np.ndarray  # months a new hire takes to ramp up (0 for the others)
    skill: np.ndarray
    discount: np.ndarray
    timer: np.ndarray  # holds deals back to the quarter's last month
    team_effect: np.ndarray
    ids: list[str]
    team_labels: list[str]
    manager_labels: list[str]

    @property
    def size(self) -> int:
        """The number of people."""
        return int(self.role.size)


@dataclass(frozen=True)
class _Layout:
    role: np.ndarray
    within: np.ndarray  # position of each person within their role
    team: np.ndarray
    region: np.ndarray
    team_names: list[str]


def _numbered(name: str, count: int) -> list[str]:
    return [name] if count == 1 else [f"{name} {k}" for k in range(1, count + 1)]


def _team_layout(n: int) -> _Layout:
    """Roles (77% sales reps, 13% key account managers, 10% marketing), teams and regions."""
    n_mkt = max(1, round(n * 0.10))
    n_kam = max(1, round(n * 0.135))
    n_rep = n - n_mkt - n_kam
    n_rep_teams = max(1, round(n_rep / 9))
    n_kam_teams = max(1, round(n_kam / 10))
    n_mkt_teams = max(1, round(n_mkt / 10))

    role = np.repeat(np.arange(3), [n_rep, n_kam, n_mkt])
    within = np.concatenate([np.arange(n_rep), np.arange(n_kam), np.arange(n_mkt)])
    team = np.concatenate(
        [
            np.arange(n_rep) % n_rep_teams,
            n_rep_teams + np.arange(n_kam) % n_kam_teams,
            n_rep_teams + n_kam_teams + np.arange(n_mkt) % n_mkt_teams,
        ]
    )
    team_region = np.concatenate(
        [np.arange(n_rep_teams) % 3, np.zeros(n_kam_teams, int), np.ones(n_mkt_teams, int)]
    )
    region = team_region[team]
    region[role == 1] = within[role == 1] % 3  # key account managers cover every region
    team_names = (
        [f"{REGIONS[k % 3]} {k // 3 + 1}" for k in range(n_rep_teams)]
        + _numbered("Key Accounts", n_kam_teams)
        + _numbered("Marketing", n_mkt_teams)
    )
    return _Layout(role, within, team, region, team_names)


def _hires_and_leavers(
    rng: np.random.Generator, within: np.ndarray, months: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Who was hired or left, and each person's first and last active month.

    Never the first person of a role, so every role has history.
    """
    n = within.size
    first_of_role = within == 0
    hired = np.zeros(n, bool)
    left = np.zeros(n, bool)
    start = np.zeros(n, int)  # first active month, 0-based in the window
    end = np.full(n, months - 1)  # last active month
    if months >= 12:
        n_hires = round(n / 6)
        n_leavers = round(n * 0.135)
        pool = np.flatnonzero(~first_of_role)
        hires = rng.choice(pool, size=min(n_hires, pool.size), replace=False)
        hired[hires] = True
        start[hires] = rng.integers(2, months - 5, size=hires.size)
        pool = np.flatnonzero(~first_of_role & ~hired)
        leavers = rng.choice(pool, size=min(n_leavers, pool.size), replace=False)
        left[leavers] = True
        end[leavers] = rng.integers(5, months - 2, size=leavers.size)
    return hired, left, start, end


def _quarter_end_timers(
    rng: np.random.Generator, role: np.ndarray, hired: np.ndarray, left: np.ndarray
) -> np.ndarray:
    """Quarter-end timers: sales people present the whole window, about 7% of sales."""
    sales = role < 2
    candidates = np.flatnonzero(sales & ~hired & ~left)
    n_timers = min(candidates.size, max(1, round(0.07 * sales.sum())))
    timer = np.zeros(role.size, bool)
    timer[rng.choice(candidates, size=n_timers, replace=False)] = True
    return timer


def make_roster(rng: np.random.Generator, n: int, months: int) -> Roster:
    """People, roles, teams, hire and leave months; ids are issued in hiring order.

    Draws from ``rng`` in a fixed order (the same generator state gives the same roster).
    """
    layout = _team_layout(n)
    n_teams = len(layout.team_names)
    hired, left, start, end = _hires_and_leavers(rng, layout.within, months)
    ramp = np.where(hired, rng.integers(3, 7, size=n), 0)
    skill = rng.lognormal(0.0, 0.30, size=n)
    discount = 0.03 + 0.10 * rng.beta(2.0, 3.0, size=n)
    team_effect = rng.lognormal(0.0, 0.07, size=n_teams)
    timer = _quarter_end_timers(rng, layout.role, hired, left)
    discount = np.where(timer, discount + 0.03, discount)  # they buy deals forward with discounts

    # Employee ids in hiring order: the people already there, by role and team, then hires.
    tiebreak = rng.permutation(n)
    order = np.lexsort((tiebreak, layout.team, layout.role, start, hired))
    per_person = {
        "role": layout.role,
        "team": layout.team,
        "region": layout.region,
        "hired": hired,
        "left": left,
        "start": start,
        "end": end,
        "ramp": ramp,
        "skill": skill,
        "discount": discount,
        "timer": timer,
    }
    per_person = {key: value[order] for key, value in per_person.items()}
    width = max(3, len(str(n)))
    manager_width = max(2, len(str(n_teams)))
    return Roster(
        **per_person,
        team_effect=team_effect[per_person["team"]],
        ids=[f"E{i:0{width}d}" for i in range(1, n + 1)],
        team_labels=layout.team_names,
        manager_labels=[f"M{k:0{manager_width}d}" for k in range(1, n_teams + 1)],
    )


def roster_frame(roster: Roster, periods: tuple[str, ...]) -> pd.DataFrame:
    """The published roster (``employees.csv``) with the ground truth of every person."""
    n = roster.size
    return pd.DataFrame(
        {
            "employee": text_column(np.arange(n), roster.ids),
            "role": text_column(roster.role, ROLES),
            "team": text_column(roster.team, roster.team_labels),
            "region": text_column(roster.region, REGIONS),
            "manager": text_column(roster.team, roster.manager_labels),
            "first_period": text_column(roster.start, periods),
            "last_period": text_column(roster.end, periods),
            "hired": roster.hired,
            "left": roster.left,
            "ramp_months": roster.ramp,
            "skill": np.round(roster.skill, 4),
            "discount": np.round(roster.discount, 4),
            "is_quarter_end_timer": roster.timer,
        }
    )
