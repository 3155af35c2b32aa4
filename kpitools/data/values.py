"""What a data check read, per KPI: unit, rows, employees and the spread of the values.

The table lets a user see at a glance a decimal comma misread as a thousands separator, or a
column in the wrong unit, before anything is computed from it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._util.format import number, text_table

__all__ = ["kpi_values", "values_table"]


def kpi_values(
    table: pd.DataFrame, library: Any = None, currency: str | None = None
) -> pd.DataFrame:
    """Per KPI: ``kpi, unit, rows, employees, min, median, max`` of the actuals kept.

    Where amounts name their currency (a ``currency`` column: written ``$1,100`` or given)
    there is one row per KPI and currency, with a ``currency`` column after ``unit``: amounts
    in different currencies are never mixed. ``currency`` (the run's, when known) labels the
    money KPIs' amounts that name none.
    """
    columns = ["kpi", "unit", "rows", "employees", "min", "median", "max"]
    if table is None or table.empty:
        return pd.DataFrame(columns=columns)
    get = getattr(library, "get", None) if library is not None else None
    kpis = pd.unique(table["kpi"].astype(str))
    units = {k: getattr(get(k), "unit", None) if get else None for k in kpis}
    keys: list[Any] = ["kpi"]
    if "currency" in table.columns or currency:
        own = table.get("currency", pd.Series(pd.NA, index=table.index)).astype(object)
        money = table["kpi"].astype(str).map(units).to_numpy() == "currency"
        run = pd.Series(np.where(money, currency or "", ""), index=table.index)
        keys.append(own.fillna(run).rename("currency"))
        columns.insert(2, "currency")
    grouped = table.groupby(keys, sort=False, observed=True)
    out = grouped["actual"].agg(["count", "min", "median", "max"]).reset_index()
    out["employees"] = grouped["employee"].nunique().to_numpy()
    out["unit"] = [units[str(k)] for k in out["kpi"]]
    out = out.rename(columns={"count": "rows"})
    out["rows"] = out["rows"].astype("int64")
    return out[columns]


_STATS = ("min", "median", "max")


def values_table(values: pd.DataFrame) -> list[str]:
    """The values per KPI as the lines of a text table."""
    codes = values["currency"] if "currency" in values.columns else pd.Series("", values.index)
    rows = [
        [
            r["kpi"],
            r["unit"] if isinstance(r["unit"], str) and r["unit"] else "-",
            number(r["rows"]),
            number(r["employees"]),
            *(number(r[c], r["unit"] or ("currency" if code else None), code) for c in _STATS),
        ]
        for r, code in zip(values.to_dict("records"), codes.fillna("").tolist(), strict=True)
    ]
    headers = ["kpi", "unit", "rows", "employees", "min", "median", "max"]
    return text_table(headers, rows, right=headers[2:]).splitlines()
