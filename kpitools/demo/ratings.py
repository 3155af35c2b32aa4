"""Manager ratings of objectives for the demo company (a rated objective's data).

Northstar's managers rate each sales rep's and key account manager's quarterly objectives
on 0 to 5 (``objectives_rating``, ``type: rating`` in the KPI library) at the end of each
quarter. The rating follows the quarter's revenue attainment (3 = objectives met) with a
manager's judgement on top (seeded noise), in half points; people hired within the quarter
or the one before are not rated yet (their rows are missing: a scheme pays them with
``missing: target``). The ratings are a table of their own, not part of the demo's long
table, so that every output of the demo stays as it was; add them to it to run
``templates/schemes/scorecard_rated.yaml``.

Examples
--------
>>> from kpitools.demo import make_demo_company
>>> company = make_demo_company()
>>> ratings = objective_ratings(company)
>>> sorted(ratings["actual"].unique())[:3], ratings["period"].str[-2:].unique().tolist()
([0.0, 0.5, 1.0], ['03', '06', '09', '12'])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .model import SALES_ROLES

__all__ = ["RATING_KPI", "objective_ratings"]

#: The KPI id of the managers' ratings (in templates/kpi_library.yaml).
RATING_KPI = "objectives_rating"
_SEED_OFFSET = 13  # the ratings' own random stream, apart from the company's
_PER_POINT = 3.0  # rating points per unit of attainment above or below 1
_JUDGEMENT = 0.5  # the spread of a manager's judgement, in rating points


def objective_ratings(company: Any) -> pd.DataFrame:
    """The managers' quarterly ratings, as rows of the demo's long table (same columns).

    One row per sales employee rated, in the last month of each quarter, ``kpi``
    :data:`RATING_KPI`, no target.
    """
    data = company.data
    rev = data[(data["kpi"] == "revenue") & data["role"].isin(SALES_ROLES)]
    quarter = (
        rev["period"].str[:4]
        + "Q"
        + ((rev["period"].str[5:7].astype(int) - 1) // 3 + 1).astype(str)
    )
    sums = rev.assign(quarter=quarter).groupby(["employee", "quarter"], sort=True)
    att = (sums["actual"].sum() / sums["target"].sum()).rename("attainment").reset_index()
    months = sums["period"].agg(["max", "count"]).reset_index(drop=True)
    att["period"] = months["max"].to_numpy()
    first = rev.groupby("employee")["period"].min()
    rated = (att["period"].str[-2:].isin(["03", "06", "09", "12"])) & (
        months["count"].to_numpy() == 3
    )
    rated &= ~_new_hire(att, first)
    att = att[rated.to_numpy()].reset_index(drop=True)
    rng = np.random.default_rng(company.seed + _SEED_OFFSET)
    score = 3.0 + _PER_POINT * (att["attainment"].to_numpy() - 1.0)
    score += rng.normal(0.0, _JUDGEMENT, len(att))
    score = np.clip(np.round(score * 2.0) / 2.0, 0.0, 5.0) + 0.0
    attrs = rev.drop_duplicates(["employee", "period"]).set_index(["employee", "period"])
    who = attrs.loc[list(zip(att["employee"], att["period"], strict=True))]
    return pd.DataFrame(
        {
            "employee": att["employee"].to_numpy(),
            "period": att["period"].to_numpy(),
            "kpi": RATING_KPI,
            "actual": score,
            "target": np.full(len(att), np.nan),
            **{c: who[c].to_numpy() for c in ("role", "team", "region", "manager")},
        },
        columns=list(data.columns),
    ).astype({c: data[c].dtype for c in ("employee", "period", "kpi", "role")})


def _new_hire(att: pd.DataFrame, first: pd.Series) -> pd.Series:
    """Employee-quarters within the first six months of the employee's data (not rated)."""
    start = first.reindex(att["employee"]).to_numpy()
    months = _month(att["period"].to_numpy()) - _month(start)
    data_start = _month(np.array([first.min()] * len(att)))
    return pd.Series((months < 6) & (_month(start) > data_start), index=att.index)


def _month(labels: np.ndarray) -> np.ndarray:
    labels = pd.Series(labels, dtype=str)
    return (labels.str[:4].astype(int) * 12 + labels.str[5:7].astype(int) - 1).to_numpy()
