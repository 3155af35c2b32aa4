"""The demo company's model: its names, roles, KPIs, products and the numbers that drive it.

Everything the generator draws from is written down here, so the story the data tells
(seasonality, trend, how targets are negotiated, what each role sells) can be read and
changed in one place. The generator modules (:mod:`.roster`, :mod:`.activity`,
:mod:`.deals`, :mod:`.targets`) only apply these numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "COMPANY_DESCRIPTION",
    "COMPANY_NAME",
    "CURRENCY",
    "DEFAULT_SEED",
    "KPI_NAMES",
    "LIST_MARGIN",
    "LIST_PRICE",
    "MARKETING_KPIS",
    "NEGOTIATED",
    "PRE_HISTORY",
    "PRODUCTS",
    "PRODUCT_MIX",
    "REGIONS",
    "REGION_EFFECT",
    "ROLES",
    "ROLE_MODELS",
    "RoleModel",
    "SALES_KPIS",
    "SALES_ROLES",
    "SEASONALITY",
    "TARGET_GROWTH",
    "TIMER_SHIFT",
    "TREND",
    "role_parameter",
]

COMPANY_NAME = "Northstar Components"
COMPANY_DESCRIPTION = "B2B distributor of industrial components"
CURRENCY = "RUB"
DEFAULT_SEED = 2027

#: KPIs of the sales roles, in the order their rows appear per employee and month.
SALES_KPIS = (
    "revenue",
    "units_sold",
    "new_clients",
    "leads",
    "meetings",
    "won_deals",
    "closed_deals",
    "gross_margin",
    "nps",
)
#: KPIs of the marketing role (``revenue`` is the revenue attributed to campaigns).
MARKETING_KPIS = ("marketing_cost", "leads", "mql", "revenue")
#: Every KPI of the company once, sales roles' first.
KPI_NAMES = tuple(dict.fromkeys(SALES_KPIS + MARKETING_KPIS))
ROLES = ("sales_rep", "key_account_manager", "marketing")
SALES_ROLES = ("sales_rep", "key_account_manager")
REGIONS = ("North", "Central", "South")
REGION_EFFECT = np.array([0.93, 1.08, 1.00])

# Jan..Dec; weak January and August, strong March, November and December.
_SEASON_RAW = np.array([0.80, 0.93, 1.10, 0.99, 0.98, 0.96, 0.91, 0.78, 1.02, 1.05, 1.14, 1.30])
SEASONALITY = _SEASON_RAW / _SEASON_RAW.mean()
TREND = 0.08  # yearly growth of the underlying business
TARGET_GROWTH = 1.05  # the yearly plan: last year + 5% ...
NEGOTIATED = 0.88  # ... which managers negotiate down (sandbagging): about 55% of rows hit
PRE_HISTORY = 12  # months simulated before the window: last year's actuals set year 1 targets

# Product catalogue: list price per unit (RUB) and gross margin at list price.
PRODUCTS = ("Bearings", "Fasteners", "Hydraulics", "Sensors", "Drives")
LIST_PRICE = np.array([4_500.0, 1_200.0, 18_000.0, 9_500.0, 42_000.0])
LIST_MARGIN = np.array([0.31, 0.38, 0.27, 0.34, 0.26])
PRODUCT_MIX = np.array(
    [
        [0.30, 0.30, 0.15, 0.15, 0.10],  # sales_rep
        [0.15, 0.10, 0.25, 0.20, 0.30],  # key_account_manager
        [0.20, 0.20, 0.20, 0.20, 0.20],  # marketing (no deals)
    ]
)

TIMER_SHIFT = 0.5  # share of a quarter-end timer's deals held back to the quarter's last month


@dataclass(frozen=True)
class RoleModel:
    """How one role works, at skill 1 with no season and no trend."""

    meetings: float  # mean meetings per month
    close_rate: float  # share of meetings that end in a decision (won or lost) that month
    win_rate: float  # win rate
    deal_value: float  # mean value of a deal at list price (RUB)
    new_client_rate: float  # share of won deals with a new client
    leads: float  # leads worked per month


#: The model of each role, in the order of :data:`ROLES`.
ROLE_MODELS = {
    "sales_rep": RoleModel(30.0, 0.50, 0.45, 60_000.0, 0.20, 48.0),
    "key_account_manager": RoleModel(16.0, 0.45, 0.50, 400_000.0, 0.08, 12.0),
    "marketing": RoleModel(0.0, 0.0, 0.5, 0.0, 0.0, 0.0),
}


def role_parameter(name: str, role: np.ndarray) -> np.ndarray:
    """One :class:`RoleModel` field for each person, from their role codes.

    Examples
    --------
    >>> role_parameter("meetings", np.array([0, 1, 2])).tolist()
    [30.0, 16.0, 0.0]
    """
    return np.array([getattr(ROLE_MODELS[r], name) for r in ROLES])[role]
