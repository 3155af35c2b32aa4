"""A plain-loop implementation of the plan mechanics, to check the engine against (not a test).

Written from the contract (§8 pay per person, §9 plan mechanics) with Python loops over
employees and periods, dates from :mod:`datetime` and no kpitools code: if the vectorised
engine and this agree to the cent on the demo company, neither has misread the rules the
same way by accident. One scheme shape is covered (quarterly, two curve components, a
commission, a cap, on-target pay as a share of salary) with every mechanic switchable.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections import defaultdict

import numpy as np
import pandas as pd

__all__ = ["compare", "demo_roster", "reference_payments", "reference_scheme"]

REVENUE_TARGET = 1_500_000.0
CLIENTS_TARGET = 3.0
MARGIN_RATE = 0.02
CAP = 2.5
SALARY_SHARE = 0.1
POINTS = [(0.5, 0.0), (1.0, 1.0), (1.5, 2.0)]
STEPS = [(1.0, 1.0), (2.0, 1.5)]


def reference_scheme(**mechanics) -> dict:
    """The scheme :func:`reference_payments` computes, as a kpitools scheme mapping."""
    return {
        "name": "reference",
        "period": "quarter",
        "on_target_pay": {"pct_of_salary": SALARY_SHARE},
        "components": [
            {
                "kpi": "revenue",
                "weight": 0.7,
                "target": REVENUE_TARGET,
                "curve": {"points": [list(p) for p in POINTS]},
            },
            {
                "kpi": "new_clients",
                "weight": 0.3,
                "target": CLIENTS_TARGET,
                "curve": {"steps": [list(s) for s in STEPS]},
            },
            {"kpi": "gross_margin", "commission": {"rate": MARGIN_RATE}},
        ],
        "cap": CAP,
        **mechanics,
    }


def demo_roster(employees: pd.DataFrame) -> pd.DataFrame:
    """A roster built from the demo company's ``employees``: hire and leave dates part-way
    through a month, some part-timers, salaries by role."""
    rows = []
    for i, e in enumerate(employees.itertuples()):
        day = 2 + (i * 7) % 26
        hire = f"{e.first_period}-{day:02d}" if e.hired else "2019-03-01"
        leave = f"{e.last_period}-{1 + (i * 5) % 28:02d}" if e.left else None
        fte = (0.5, 0.8, 1.0, 1.0, 1.0)[i % 5]
        salary = {"sales_rep": 1_440_000, "key_account_manager": 1_920_000}.get(e.role, 1_200_000)
        rows.append((e.employee, e.role, hire, leave, fte, float(salary), salary / 40.0))
    columns = ["employee", "role", "hire_date", "leave_date", "fte", "salary", "on_target_pay"]
    return pd.DataFrame(rows, columns=columns)


def _cents(x: float) -> float:
    return math.floor(round(x * 100, 6) + 0.5) / 100


def _floor_cents(x: float) -> float:
    return math.floor(round(x * 100, 6)) / 100


def _points(a: float) -> float:
    if a < POINTS[0][0]:
        return 0.0
    for (a0, p0), (a1, p1) in zip(POINTS, POINTS[1:], strict=False):
        if a0 <= a <= a1:
            return p0 + (p1 - p0) * (a - a0) / (a1 - a0)
    return POINTS[-1][1]


def _steps(a: float) -> float:
    out = 0.0
    for edge, factor in STEPS:
        if a >= edge:
            out = factor
    return out


def _quarter_days(year: int, q: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, 3 * q - 2, 1)
    last_month = 3 * q
    last = dt.date(year, last_month, calendar.monthrange(year, last_month)[1])
    return first, last


def _share(person: dict, year: int, q: int) -> float:
    first, last = _quarter_days(year, q)
    start = max(first, person["hire"]) if person["hire"] else first
    end = min(last, person["leave"]) if person["leave"] else last
    days = (last - first).days + 1
    active = max((end - start).days + 1, 0)
    return person["fte"] * active / days


def _earn(actual: dict, otp: float, share_edges: float, prorate: float) -> float:
    """One evaluation (a period, or a year to date): components → cap."""
    del share_edges  # no tiers in money in this scheme
    total = 0.0
    rev, clients, margin = (actual.get(k) for k in ("revenue", "new_clients", "gross_margin"))
    if rev is not None:
        att = round(rev / (REVENUE_TARGET * prorate), 12)
        total += _cents(otp * 0.7 * _points(att))
    if clients is not None:
        att = round(clients / (CLIENTS_TARGET * prorate), 12)
        total += _cents(otp * 0.3 * _steps(att))
    if margin is not None:
        total += _cents(MARGIN_RATE * margin)  # gross margin is reversible: negative too
    total = _cents(total)
    return min(total, _floor_cents(CAP * otp))


def reference_payments(data: pd.DataFrame, roster: pd.DataFrame, **mechanics) -> pd.DataFrame:
    """``employee, period, payment`` of :func:`reference_scheme` with ``mechanics``, by loops."""
    people = {}
    for r in roster.itertuples():
        people[r.employee] = {
            "hire": dt.date.fromisoformat(r.hire_date) if isinstance(r.hire_date, str) else None,
            "leave": dt.date.fromisoformat(r.leave_date) if isinstance(r.leave_date, str) else None,
            "fte": float(r.fte),
            "salary": float(r.salary),
        }
    sums: dict = defaultdict(dict)
    for r in data.itertuples():
        if r.kpi not in ("revenue", "new_clients", "gross_margin"):
            continue
        year, month = int(r.period[:4]), int(r.period[5:7])
        key = (r.employee, year, (month - 1) // 3 + 1)
        sums[key][r.kpi] = sums[key].get(r.kpi, 0.0) + float(r.actual)
    prorate = mechanics.get("proration") != "none"
    rows = []
    for (emp, year, q), actual in sums.items():
        f = _share(people[emp], year, q) if prorate else 1.0
        if f <= 0:
            continue
        base_otp = _cents(people[emp]["salary"] * SALARY_SHARE / 4)
        otp = _cents(base_otp * f)
        actual = {k: round(v, 10) for k, v in actual.items()}
        rows.append({"employee": emp, "year": year, "q": q, "f": f, "otp": otp, "actual": actual})
    rows.sort(key=lambda r: (r["employee"], r["year"], r["q"]))
    for r in rows:
        r["earned"] = _earn(r["actual"], r["otp"], r["f"], r["f"])
    _true_up(rows, mechanics.get("true_up"))
    _draw(rows, mechanics.get("draw"), people)
    return pd.DataFrame(
        {
            "employee": [r["employee"] for r in rows],
            "period": [f"{r['year']}-Q{r['q']}" for r in rows],
            "payment": [r["payment"] for r in rows],
        }
    )


def _true_up(rows: list[dict], true_up: dict | None) -> None:
    """Each row's ``due``: earned, or the year to date less what the true-up paid before."""
    if true_up is None:
        for r in rows:
            r["due"] = r["earned"]
        return
    shortfall = true_up.get("shortfall", "carry")
    key = None
    for r in rows:
        if (r["employee"], r["year"]) != key:
            key = (r["employee"], r["year"])
            ytd_actual, ytd_otp, ytd_share, paid, previous = {}, 0.0, 0.0, 0.0, 0.0
        for k, v in r["actual"].items():
            ytd_actual[k] = round(ytd_actual.get(k, 0.0) + v, 10)
        ytd_otp = _cents(ytd_otp + r["otp"])
        ytd_share += r["f"]
        to_date = _earn(ytd_actual, ytd_otp, ytd_share, round(ytd_share, 12))
        if shortfall == "recover":
            r["due"] = _cents(to_date - previous)
        else:
            r["due"] = max(_cents(to_date - paid), 0.0)
            paid = _cents(paid + r["due"])
        previous = to_date


def _draw(rows: list[dict], draw: dict | None, people: dict) -> None:
    """Each row's ``payment`` after the draw (a balance carried per employee, or year)."""
    if draw is None:
        for r in rows:
            r["payment"] = r["due"]
        return
    recoverable = draw.get("recoverable", True)
    per_year = draw.get("forgive_at", "year_end") == "year_end"
    first_n = draw.get("for_first")
    key, balance = None, 0.0
    for r in rows:
        group = (r["employee"], r["year"]) if per_year else r["employee"]
        if group != key:
            key, balance = group, 0.0
        hire = people[r["employee"]]["hire"]
        in_window = True
        if first_n is not None:
            in_window = False
            if hire is not None:
                since = (r["year"] * 4 + r["q"] - 1) - (hire.year * 4 + (hire.month - 1) // 3)
                in_window = 0 <= since < first_n
        amount = _cents(draw["amount"] * r["f"])
        due = r["due"]
        if not in_window:
            recovered = min(balance, max(due, 0.0))
            r["payment"] = _cents(due - recovered)
            balance = _cents(balance - recovered)
        elif recoverable:
            r["payment"] = max(amount, _cents(due - balance))
            balance = max(_cents(balance + r["payment"] - due), 0.0)
        else:
            r["payment"] = max(amount, due)


def compare(engine: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Rows where the engine's payment and the reference differ by a cent or more."""
    merged = engine.merge(reference, on=["employee", "period"], how="outer", indicator=True)
    diff = np.abs(merged["payment_x"] - merged["payment_y"])
    return merged[(merged["_merge"] != "both") | ~(diff < 0.005)]


# --------------------------------------------------------------------------- clawbacks
CLAWBACK_TARGET = 500_000.0
CLAWBACK_OTP = 20_000.0
CLAWBACK_RATE = 0.01


def clawback_scheme(within: int) -> dict:
    """A monthly scheme on revenue (a curve and a commission) with ``clawback: {within}``."""
    return {
        "name": "clawback",
        "period": "month",
        "on_target_pay": CLAWBACK_OTP,
        "components": [
            {
                "kpi": "revenue",
                "weight": 1.0,
                "target": CLAWBACK_TARGET,
                "curve": {"points": [list(p) for p in POINTS]},
            },
            {"kpi": "revenue", "commission": {"rate": CLAWBACK_RATE}},
        ],
        "clawback": {"within": within},
    }


def _month(label: str) -> int:
    return int(label[:4]) * 12 + int(label[5:7]) - 1


def _clawback_earned(revenue: float) -> float:
    att = round(revenue / CLAWBACK_TARGET, 12)
    return _cents(_cents(CLAWBACK_OTP * _points(att)) + _cents(CLAWBACK_RATE * revenue))


def reference_clawback(data: pd.DataFrame, within: int) -> pd.DataFrame:
    """``employee, period, payment`` of :func:`clawback_scheme` on revenue rows with ``as_of``."""
    versions: dict = defaultdict(list)  # (employee, month) -> [(known, order, value)]
    for i, r in enumerate(data[data["kpi"] == "revenue"].itertuples()):
        month = _month(r.period)
        known = _month(r.as_of) if isinstance(r.as_of, str) else month
        versions[(r.employee, month)].append((known, i, float(r.actual)))
    paid_value, payment = {}, {}
    for key, vs in versions.items():
        vs.sort()
        in_time = [v for v in vs if v[0] <= key[1]]
        paid_value[key] = (in_time[-1] if in_time else vs[0])[2]
        payment[key] = _clawback_earned(paid_value[key])
    for key, vs in sorted(versions.items()):
        current = paid_value[key]
        for known, _, value in vs:
            if known <= key[1] or known - key[1] > within or value == current:
                continue
            if (key[0], known) in payment:
                change = _clawback_earned(value) - _clawback_earned(current)
                payment[(key[0], known)] = _cents(payment[(key[0], known)] + change)
            current = value
    return pd.DataFrame(
        {
            "employee": [k[0] for k in payment],
            "period": [f"{m // 12}-{m % 12 + 1:02d}" for _, m in payment],
            "payment": list(payment.values()),
        }
    )
