"""The demo company's deals: drawn one by one, then summed into the monthly KPIs.

Each person-month's closed deals (won first) get a product, units, a price after the
person's discount, a margin, a client (new or from the person's book) and a close date.
The monthly ``won_deals``, ``units_sold``, ``new_clients``, ``revenue`` and
``gross_margin`` of the sales roles are sums over these deals, so the deal table
aggregates back to the long table exactly (money to the cent).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .columns import iso_dates, numbered_ids, text_column
from .model import LIST_MARGIN, LIST_PRICE, PRE_HISTORY, PRODUCT_MIX, PRODUCTS, role_parameter
from .roster import Roster

__all__ = ["Deals", "deal_table", "draw_deals"]

_BOOK = 40  # existing clients in each person's book


@dataclass(frozen=True, kw_only=True)
class Deals:
    """Every closed deal of the sales roles as arrays, pre-history months included.

    ``cell`` is the deal's person-month (``person * n_months + month``); money is in
    cents so that sums are exact.
    """

    cell: np.ndarray
    person: np.ndarray
    month: np.ndarray
    won: np.ndarray
    product: np.ndarray
    units: np.ndarray
    value_cents: np.ndarray
    margin_cents: np.ndarray
    new_client: np.ndarray
    day: np.ndarray
    book: np.ndarray

    def monthly_totals(self, shape: tuple[int, int]) -> dict[str, np.ndarray]:
        """The won deals summed per person-month: units, revenue, margin, new clients."""
        size = shape[0] * shape[1]
        won_cells = self.cell[self.won]
        units = np.bincount(won_cells, weights=self.units[self.won], minlength=size)
        revenue = np.bincount(won_cells, weights=self.value_cents[self.won], minlength=size)
        margin = np.bincount(won_cells, weights=self.margin_cents[self.won], minlength=size)
        new_clients = np.bincount(self.cell[self.won & self.new_client], minlength=size)
        return {
            "revenue": revenue.reshape(shape) / 100.0,
            "units_sold": units.reshape(shape),
            "new_clients": new_clients.reshape(shape).astype(float),
            "gross_margin": margin.reshape(shape) / 100.0,
        }

    def table(self, roster: Roster, month_dates: np.ndarray) -> pd.DataFrame:
        """The deal table of the window (pre-history left out), in date order."""
        keep = self.month >= PRE_HISTORY
        return deal_table(
            roster=roster,
            person=self.person[keep],
            date=month_dates[self.month[keep]].astype("datetime64[D]")
            + (self.day[keep] - 1).astype(int),
            won=self.won[keep],
            value_cents=self.value_cents[keep],
            product=self.product[keep],
            new_client=self.new_client[keep],
            book=self.book[keep],
            units=self.units[keep],
        )


def draw_deals(
    rng: np.random.Generator,
    roster: Roster,
    won: np.ndarray,
    lost: np.ndarray,
    *,
    days_in_month: np.ndarray,
    to_quarter_end: np.ndarray,
) -> Deals:
    """Draw every deal of the people x months ``won`` and ``lost`` counts, won ones first.

    Quarter-end timers close most deals of a quarter's last month in its last week.
    """
    n_ext = won.shape[1]
    closed = (won + lost).ravel()
    cell = np.repeat(np.arange(closed.size), closed)
    n_deals = cell.size
    cell_start = np.repeat(np.cumsum(closed) - closed, closed)
    is_won = (np.arange(n_deals) - cell_start) < won.ravel()[cell]
    person = cell // n_ext
    month = cell % n_ext
    role, skill = roster.role, roster.skill
    u = rng.random(n_deals)
    product = (u[:, None] > np.cumsum(PRODUCT_MIX, axis=1)[role[person]][:, :-1]).sum(axis=1)
    deal_value = role_parameter("deal_value", role)
    mean_units = deal_value[person] * skill[person] ** 0.3 / LIST_PRICE[product]
    units = 1 + np.rint(rng.gamma(4.0, np.maximum(mean_units - 1.0, 0.05) / 4.0)).astype(np.int64)
    price = (
        LIST_PRICE[product]
        * (1.0 - roster.discount[person])
        * np.clip(rng.lognormal(0.0, 0.05, size=n_deals), 0.9, 1.1)
    )
    value_cents = np.round(units * price * 100.0)
    cost_cents = np.round(units * LIST_PRICE[product] * (1.0 - LIST_MARGIN[product]) * 100.0)
    new_rate = role_parameter("new_client_rate", role)
    new_client = rng.random(n_deals) < np.where(is_won, new_rate[person], 0.5)
    day = 1 + np.floor(rng.random(n_deals) * days_in_month[month]).astype(int)
    late = roster.timer[person] & (to_quarter_end[month] == 0) & (rng.random(n_deals) < 0.6)
    day = np.where(late, days_in_month[month] - np.floor(rng.random(n_deals) * 7), day)
    return Deals(
        cell=cell,
        person=person,
        month=month,
        won=is_won,
        product=product,
        units=units,
        value_cents=value_cents,
        margin_cents=value_cents - cost_cents,
        new_client=new_client,
        day=day,
        book=rng.integers(0, _BOOK, size=n_deals),
    )


def deal_table(
    *,
    roster: Roster,
    person: np.ndarray,
    date: np.ndarray,
    won: np.ndarray,
    value_cents: np.ndarray,
    product: np.ndarray,
    new_client: np.ndarray,
    book: np.ndarray,
    units: np.ndarray,
) -> pd.DataFrame:
    """The published deal table (``deals.csv``): one row per closed deal, in date order."""
    order = np.lexsort((np.arange(person.size), person, date))
    person, date, won = person[order], date[order], won[order]
    value_cents, product, units = value_cents[order], product[order], units[order]
    new_client, book = new_client[order], book[order]

    n_people = roster.size
    # Existing clients come from each person's book; new clients get fresh ids in date order.
    account_no = np.where(
        new_client, n_people * _BOOK + np.cumsum(new_client), person * _BOOK + book + 1
    )
    first_day = date.min() if date.size else np.datetime64("1970-01-01")
    days = np.arange(first_day, (date.max() if date.size else first_day) + 1)
    return pd.DataFrame(
        {
            "deal_id": numbered_ids("D", np.arange(1, person.size + 1), 6),
            "sales_agent": text_column(person, roster.ids),
            "close_date": text_column((date - first_day).astype(np.int64), iso_dates(days, "D")),
            "deal_stage": text_column(won.astype(np.int64), ["Lost", "Won"]),
            "close_value": value_cents / 100.0,
            "product": text_column(product, PRODUCTS),
            "account": numbered_ids("C", account_no, 5),
            "client_type": text_column(new_client.astype(np.int64), ["existing", "new"]),
            "units": units.astype(np.int64),
        }
    )
