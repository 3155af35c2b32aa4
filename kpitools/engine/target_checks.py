"""Checking the targets set: every employee-period with an actual needs a usable target.

A missing, zero or negative target where an actual exists, or one on the wrong side of a
``baseline``, is an error naming the employee and period (:func:`find_target_failures`
finds them all, :func:`raise_target_failures` reports them at once, with the fix that suits
the target method).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataValidationError
from ..scheme import Scheme, TargetResult
from .items import SchemeItem

__all__ = ["find_target_failures", "raise_target_failures"]


def find_target_failures(
    item: SchemeItem,
    direction: str,
    keys: pd.DataFrame,
    actual: np.ndarray,
    target: np.ndarray,
    pos: np.ndarray,
    res: TargetResult,
) -> pd.DataFrame:
    """The employee-periods of one item whose target cannot be used, and why.

    A target is missing, zero or negative, or on the wrong side of the item's ``baseline``
    where an actual exists.

    Parameters
    ----------
    item : SchemeItem
        The component, gate or modifier.
    direction : str
        Its resolved direction.
    keys : pandas.DataFrame
        ``employee, period, role`` of the rows.
    actual, target : numpy.ndarray
        Aligned with ``keys``.
    pos : numpy.ndarray
        The row of each key in the target method's frame (NaN where none).
    res : TargetResult
        What the target method returned (its reasons for a missing target).

    Returns
    -------
    pandas.DataFrame
        ``item, kpi, employee, period, target, problem`` and the helper columns ``_role,
        _method, _kind`` that :func:`raise_target_failures` reads; empty when all is well.
    """
    have = ~np.isnan(actual)
    b = item.spec.baseline
    with np.errstate(invalid="ignore"):
        missing = have & np.isnan(target)
        nonpos = have & ~np.isnan(target) & (target <= 0)
        if b is not None:
            direction_lower = direction == "lower"
            bad_base = have & ~np.isnan(target) & ~nonpos
            bad_base &= (target >= b) if direction_lower else (target <= b)
        else:
            bad_base = np.zeros_like(have)
    bad = np.flatnonzero(missing | nonpos | bad_base)
    if bad.size == 0:
        return pd.DataFrame()
    problems = []
    for r in bad:
        t = target[r]
        if missing[r]:
            why = res.reasons.get(int(pos[r]), "") if not np.isnan(pos[r]) else ""
            problems.append("no target" + (f": {why}" if why else ""))
        elif nonpos[r]:
            problems.append(f"the target is {'0' if t == 0 else f'negative ({t:g})'}")
        else:
            side = "below" if direction == "lower" else "above"
            problems.append(f"the target ({t:g}) is not {side} the baseline ({b:g})")
    return pd.DataFrame(
        {
            "item": item.path,
            "kpi": item.spec.kpi,
            "employee": keys["employee"].to_numpy()[bad],
            "period": keys["period"].to_numpy()[bad],
            "target": target[bad],
            "problem": problems,
            "_role": keys["role"].to_numpy(dtype=object)[bad],
            "_method": getattr(item.spec.target, "method", ""),
            "_kind": np.where(missing[bad], "missing", np.where(nonpos[bad], "nonpos", "base")),
        }
    )


def _roles_without_failures(scheme: Scheme, fails: pd.DataFrame, roles: Any) -> str:
    """A ", or evaluate only … with roles: [...]" when whole roles fail and others run cleanly.

    Only when every employee-period of each failing role fails (a role that has no targets
    at all, like marketing people with revenue but no revenue target); a new hire's gap is
    not a reason to drop the role.
    """
    if scheme.roles is not None or roles is None or fails["_role"].isna().any():
        return ""
    if not ((fails["_method"] == "from_data") & (fails["_kind"] == "missing")).all():
        return ""  # other methods have their own fixes (later periods, peers, a window)
    all_roles = pd.Series(roles, dtype=object)
    if all_roles.isna().any():
        return ""
    rows_per_role = all_roles.value_counts()
    failed = fails.drop_duplicates(["employee", "period"])["_role"].value_counts()
    if not (failed == rows_per_role.reindex(failed.index)).all():
        return ""
    clean = sorted(set(rows_per_role.index) - set(failed.index))
    if not clean:
        return ""
    return f", or evaluate only the roles without these problems with roles: [{', '.join(clean)}]"


def raise_target_failures(
    scheme: Scheme, fails: pd.DataFrame, results: Mapping[SchemeItem, TargetResult], roles=None
) -> None:
    """Raise the :class:`DataValidationError` listing every unusable target.

    Parameters
    ----------
    scheme : Scheme
        Named in the message.
    fails : pandas.DataFrame
        The rows of :func:`find_target_failures` for all items.
    results : mapping
        Item → what its target method returned (its suggestion for a missing target).
    roles : array-like, optional
        The role of every employee-period (to suggest ``roles:`` when whole roles fail).

    Raises
    ------
    DataValidationError
        Always; its ``failure_cases`` lists every failing employee-period.
    """
    first = fails.iloc[0]
    item = next(it for it in results if it.path == first["item"])
    if first["_kind"] == "missing":
        fix = results[item].suggestion or "set a target for it."
    elif first["_kind"] == "nonpos":
        fix = (
            "targets must be positive: check the data's target column."
            if first["_method"] == "from_data"
            else "targets must be positive: check the actuals the target is set from, or use "
            "another target method."
        )
    else:
        fix = "put the target on the far side of the baseline, or change the baseline."
    also = _roles_without_failures(scheme, fails, roles)
    if also:
        fix = fix.rstrip(".") + also + "."

    def line(row) -> str:
        return (
            f"{row['item']} ({row['kpi']}): {row['problem']} for employee "
            f"{row['employee']!r} in {row['period']}"
        )

    if len(fails) == 1:
        message = f"{scheme.source}: {line(first)}.\nSuggestion: {fix}"
    else:
        shown = [f"  {line(r)}" for _, r in fails.head(10).iterrows()]
        more = f"\n  … and {len(fails) - 10} more" if len(fails) > 10 else ""
        message = (
            f"{scheme.source}: {len(fails)} employee-periods have no usable target:\n"
            + "\n".join(shown)
            + more
            + f"\nSuggestion: {fix}"
        )
    cases = fails.drop(columns=["_role", "_method", "_kind"]).rename(columns={"item": "column"})
    raise DataValidationError(message, cases)
