"""On-target pay per employee-period: one amount, an amount per role, or per person.

A scheme gives ``on_target_pay`` as one number, per role, or per person from the roster
(``{from: roster}``: the roster's ``on_target_pay`` column, the amount per period of the
scheme; ``{pct_of_salary: r}``: r × the roster's annual ``salary`` / 12 for a monthly
scheme, / 4 for a quarterly one, rounded to the cent). :func:`on_target_pay_per_row` turns
it into one amount per row of the engine's keys, and names the roles or people it has no
amount for.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..data import Roster, lag_year
from ..errors import DefinitionError, did_you_mean
from ..scheme import RosterPay, Scheme
from .money import round_cents
from .proration import roster_values

__all__ = ["on_target_pay_per_row"]


def on_target_pay_per_row(
    scheme: Scheme,
    keys: pd.DataFrame,
    has_role: bool = True,
    codes: tuple | None = None,
    *,
    roster: Roster | None = None,
) -> np.ndarray:
    """On-target pay of each row of ``keys`` (employee-periods with a ``role`` column).

    Parameters
    ----------
    scheme : Scheme
        Its ``on_target_pay``: one number, or an amount per role.
    keys : pandas.DataFrame
        ``employee, period, role``, one row per employee-period.
    has_role : bool
        Whether the data has a ``role`` column (needed for pay per role).
    codes : (array, array), optional
        The rows' role codes and the role names they index (``pandas.factorize``), when
        already known: one look-up per role instead of one per row.
    roster : Roster, optional
        Where pay per person (``{from: roster}``, ``{pct_of_salary: r}``) is read.

    Returns
    -------
    numpy.ndarray

    Raises
    ------
    DefinitionError
        Pay per role without a ``role`` column, or a role (or no role) without an amount;
        pay per person without a roster, or a person without the amount.

    Examples
    --------
    >>> from kpitools.scheme import load_scheme
    >>> s = load_scheme({"name": "s", "on_target_pay": {"rep": 100, "lead": 150},
    ...     "components": [{"kpi": "x", "weight": 1, "target": 1, "curve": {"steps": [[1, 1]]}}]})
    >>> keys = pd.DataFrame({"employee": ["a", "b"], "period": ["2025-01"] * 2,
    ...                      "role": ["rep", "lead"]})
    >>> on_target_pay_per_row(s, keys).tolist()
    [100.0, 150.0]
    """
    otp = scheme.on_target_pay
    if scheme.pay_per_person:
        return _per_person(scheme, keys, roster)
    if not isinstance(otp, Mapping):
        return np.full(len(keys), float(otp))
    if not has_role:
        raise DefinitionError(
            f"{scheme.source}: on_target_pay is given per role "
            f"({', '.join(otp)}) but the data has no 'role' column.\n"
            "Suggestion: add a role column to the data, or give on_target_pay as one number."
        )
    if codes is None:
        codes = pd.factorize(keys["role"].astype(object))
    code, names = codes
    # one look-up per distinct role; code -1 (no role) takes the NaN appended last
    by_code = np.array([otp.get(r, np.nan) for r in names] + [np.nan], dtype=float)
    amounts = by_code[np.asarray(code, dtype=np.int64)]
    bad = np.isnan(amounts)
    if bad.any():
        raise _no_pay_error(scheme, keys, bad)
    return amounts


def _no_pay_error(scheme: Scheme, keys: pd.DataFrame, bad: np.ndarray) -> DefinitionError:
    """The error naming the first role without an amount, how many rows it has, and the fix."""
    otp = scheme.on_target_pay
    roles = keys["role"].astype(object).to_numpy()
    missing_roles = pd.unique(pd.Series(roles[bad], dtype=object).fillna("(none)"))
    first = np.flatnonzero(bad)[0]
    role = missing_roles[0]
    n_rows = int((pd.Series(roles[bad], dtype=object).fillna("(none)") == role).sum())
    what = "no role" if role == "(none)" else f"role {role!r}"
    others = f" (also: {', '.join(map(repr, missing_roles[1:]))})" if len(missing_roles) > 1 else ""
    hint = did_you_mean(str(role), otp) if role != "(none)" else ""
    return DefinitionError(
        f"{scheme.source}: on_target_pay: no amount for {what}{others}: "
        f"{n_rows} employee-period(s), e.g. employee {keys['employee'].iloc[first]!r} in "
        f"{keys['period'].iloc[first]}.{hint}\n"
        + (
            f"Suggestion: add {role}: <amount> under on_target_pay"
            if role != "(none)"
            else "Suggestion: fill in the role column for these rows"
        )
        + (
            f", or evaluate only the roles it pays with roles: [{', '.join(otp)}]."
            if scheme.roles is None
            else "."
        )
    )


def _per_person(scheme: Scheme, keys: pd.DataFrame, roster: Roster | None) -> np.ndarray:
    """Each row's own on-target pay from the roster (see the module docstring)."""
    pay = scheme.on_target_pay
    from_roster = isinstance(pay, RosterPay)
    column = "on_target_pay" if from_roster else "salary"
    written = "{from: roster}" if from_roster else f"{{pct_of_salary: {pay.pct_of_salary:g}}}"
    if roster is None:
        raise DefinitionError(
            f"{scheme.source}: on_target_pay: {written} reads each person's {column} from "
            "the roster, and no roster was given.\n"
            "Suggestion: give the roster (--roster FILE, or roster= in Python), or write "
            "on_target_pay as an amount."
        )
    if column not in roster.table.columns:
        raise DefinitionError(
            f"{scheme.source}: on_target_pay: {written} reads each person's {column}, and "
            f"{roster.file} has no {column!r} column.\n"
            f"Suggestion: add a {column} column to the roster."
        )
    amounts = roster_values(keys["employee"].array, roster, column).astype(float)
    if not from_roster:
        amounts = round_cents(amounts * pay.pct_of_salary / lag_year(scheme.period))
    bad = np.isnan(amounts)
    if bad.any():
        who = pd.unique(np.asarray(keys["employee"], dtype=object)[bad]).tolist()
        more = f" and {len(who) - 10} more" if len(who) > 10 else ""
        shown = ", ".join(map(repr, who[:10])) + more
        raise DefinitionError(
            f"{scheme.source}: on_target_pay: {written}: {len(who)} "
            f"employee{'s' if len(who) != 1 else ''} {'have' if len(who) != 1 else 'has'} "
            f"no {column} in {roster.file}: {shown}.\n"
            f"Suggestion: fill in their {column} in the roster (or add them to it), or "
            "evaluate only the roles that have one with roles: [...]."
        )
    return amounts
