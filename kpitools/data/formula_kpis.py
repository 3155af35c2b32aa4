"""Formula KPIs computed from a long table: ``win_rate = won_deals / closed_deals`` per row.

The table is pivoted once; each formula is evaluated on whole columns, inputs first (so
``gross_margin = revenue - cogs`` can feed ``gross_margin_pct``), and the new rows are
returned in the long table's own columns.

Examples
--------
>>> long = pd.DataFrame({"employee": ["007", "007"], "period": ["2026-01"] * 2,
...                      "kpi": ["won_deals", "closed_deals"], "actual": [3.0, 12.0]})
>>> compute_formula_kpis(long, ids=["win_rate"])
  employee   period       kpi  actual
0      007  2026-01  win_rate    0.25
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .._util.graph import dependency_order
from ..errors import DataValidationError, DefinitionError, did_you_mean
from .kpi import Library
from .library_files import resolve_library

__all__ = ["compute_formula_kpis"]

_KEYS = ("employee", "period")
_ATTRIBUTES = ("role", "team", "region", "manager")


def compute_formula_kpis(
    long: pd.DataFrame, library: Any = None, ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """Compute formula KPIs per employee × period from a long table.

    The table is pivoted once; each formula is evaluated on whole columns, in an
    order where inputs come first (so ``gross_margin = revenue - cogs`` can feed
    ``gross_margin_pct``). A KPI is computed for an employee × period when all its
    inputs are there and the table does not already hold that KPI there (rows are
    never duplicated). A division by zero (``0 / 0`` closed deals) yields no rate:
    such rows are dropped and counted in ``result.attrs["dropped"]``, a dict
    ``{kpi id: rows dropped}`` holding only KPIs with drops.

    Parameters
    ----------
    long : DataFrame
        Columns ``employee, period, kpi, actual`` [, ``target``, ``role``, ``team``,
        ``region``, ``manager``]; one row per employee × period × KPI.
    library : Library, path or list of paths, optional
        The KPI library (see :func:`~kpitools.data.resolve_library`): the shipped one by
        default.
    ids : iterable of str, optional
        Formula KPIs to compute; by default every formula KPI of the library.

    Returns
    -------
    DataFrame
        New long rows with the columns of ``long`` (``target`` NaN; attribute
        columns carried over from the employee × period), ordered by first
        appearance of the employee × period, then by KPI.

    Examples
    --------
    >>> long = pd.DataFrame({"employee": ["1"], "period": ["2026-01"], "kpi": ["revenue"],
    ...                      "actual": [5.0]})
    >>> compute_formula_kpis(long, ids="win_rate").empty
    True
    """
    library = _library(library)
    _check_columns(long)
    wanted = _wanted(library, ids)
    columns = list(long.columns)
    empty = long.iloc[0:0][columns].copy()
    empty.attrs = {"dropped": {}}
    if not wanted or long.empty:
        return empty
    _check_duplicates(long)
    order = long[list(_KEYS)].drop_duplicates()
    blocks, dropped = _evaluate(library, wanted, long, order)
    if not blocks:
        empty.attrs = {"dropped": dropped}
        return empty
    out = _assemble(blocks, long)
    out.attrs = {"dropped": dropped}
    return out


def _library(library: Any) -> Library:
    found = resolve_library(library)
    if found is None:
        raise DefinitionError(
            "compute_formula_kpis needs a KPI library: the formulas are in it.\n"
            "Suggestion: pass library=None (the shipped library), a library file or a "
            "Library object."
        )
    return found


def _check_columns(long: pd.DataFrame) -> None:
    missing = [c for c in (*_KEYS, "kpi", "actual") if c not in long.columns]
    if missing:
        raise DefinitionError(
            f"compute_formula_kpis needs the columns employee, period, kpi, actual; "
            f"missing {', '.join(map(repr, missing))} "
            f"(found {', '.join(repr(str(c)) for c in long.columns)}).\n"
            "Suggestion: load the data with kpitools.data.load first."
        )


def _check_duplicates(long: pd.DataFrame) -> None:
    dup = long.duplicated(subset=[*_KEYS, "kpi"], keep=False)
    if dup.any():
        cases = long.loc[dup, [*_KEYS, "kpi", "actual"]].copy()
        cases.insert(0, "row", cases.index + 1)
        raise DataValidationError(
            f"compute_formula_kpis: {int(dup.sum())} rows repeat an employee × period × KPI.\n"
            "Suggestion: load the data with kpitools.data.load, which reports or sums them.",
            cases,
        )


def _wanted(library: Library, ids: Iterable[str] | None) -> dict[str, None]:
    """The formula KPIs asked for, in order (every formula KPI by default)."""
    if ids is None:
        return {k.id: None for k in library.formula_kpis}
    if isinstance(ids, str):
        ids = [ids]
    wanted: dict[str, None] = {}
    formula_ids = [k.id for k in library.formula_kpis]
    for kpi_id in ids:
        kpi = library.get(kpi_id)
        if kpi is None or kpi.formula is None:
            what = "is not in the KPI library" if kpi is None else "has no formula"
            raise DefinitionError(
                f"compute_formula_kpis: KPI {kpi_id!r} {what}."
                f"{did_you_mean(kpi_id, formula_ids)}\n"
                "Suggestion: pass ids of formula KPIs, e.g. 'win_rate' or 'romi'."
            )
        wanted[kpi_id] = None
    return wanted


def _needed(library: Library, wanted: Iterable[str]) -> list[str]:
    """The formula KPIs ``wanted`` needs (itself included), every one after its inputs."""
    graph = {kpi_id: library[kpi_id].inputs for kpi_id in wanted}
    queue = list(graph)
    while queue:  # everything the wanted KPIs use, directly or not
        for name in graph[queue.pop()]:
            if name not in graph and name in library:
                graph[name] = library[name].inputs
                queue.append(name)
    return [i for i in dependency_order(graph) if library[i].formula is not None]


def _evaluate(
    library: Library, wanted: dict[str, None], long: pd.DataFrame, order: pd.DataFrame
) -> tuple[list[pd.DataFrame], dict[str, int]]:
    """New rows of each wanted KPI (one block per KPI) and the rows dropped per KPI."""
    index = pd.MultiIndex.from_frame(order)
    wide = long.pivot(index=list(_KEYS), columns="kpi", values="actual").reindex(index)
    wide.columns = wide.columns.astype(object)
    env: dict[str, pd.Series] = {c: wide[c].astype("float64") for c in wide.columns}
    nan = pd.Series(np.nan, index=index, dtype="float64")
    blocks: list[pd.DataFrame] = []
    dropped: dict[str, int] = {}
    for position, kpi_id in enumerate(_needed(library, wanted)):
        kpi = library[kpi_id]
        inputs = [env.get(name, nan) for name in kpi.inputs]
        have_inputs = np.logical_and.reduce([s.notna().to_numpy() for s in inputs])
        if not have_inputs.any():
            continue
        value = kpi.expr.evaluate(
            dict(zip(kpi.inputs, inputs, strict=True)), on_zero_division="nan"
        )
        value = pd.Series(value, index=index, dtype="float64")
        existing = env.get(kpi_id)
        new = have_inputs & (existing.isna().to_numpy() if existing is not None else True)
        undefined = new & value.isna().to_numpy()
        if kpi_id in wanted and undefined.any():
            dropped[kpi_id] = int(undefined.sum())
        fill = new & ~undefined
        env[kpi_id] = value if existing is None else existing.where(~fill, value)
        if kpi_id in wanted and fill.any():
            block = order[fill].copy()
            block["kpi"] = kpi_id
            block["actual"] = value.to_numpy()[fill]
            block["_row"] = np.flatnonzero(fill)
            block["_kpi"] = position
            blocks.append(block)
    return blocks, dropped


def _assemble(blocks: list[pd.DataFrame], long: pd.DataFrame) -> pd.DataFrame:
    """The new rows in the columns of ``long``, by employee × period, then by KPI."""
    columns = list(long.columns)
    out = pd.concat(blocks, ignore_index=True).sort_values(["_row", "_kpi"], kind="stable")
    if "target" in columns:
        out["target"] = np.nan
    attributes = [c for c in _ATTRIBUTES if c in columns]
    if attributes:
        first = long.groupby(list(_KEYS), sort=False)[attributes].first()
        out = out.join(first, on=list(_KEYS))
    extra = [c for c in columns if c not in out.columns]
    for c in extra:  # columns of unknown meaning cannot be carried to computed rows
        out[c] = long[c].iloc[0:0].reindex(range(len(out))).to_numpy()
    out = out[columns].reset_index(drop=True)
    if not isinstance(long["kpi"].dtype, pd.CategoricalDtype):  # new ids are not categories
        out["kpi"] = out["kpi"].astype(long["kpi"].dtype)
    return out
