"""Plan mechanics a scheme may add to its pay rules: pay per person, true-up, draws, clawbacks.

All optional (docs/plan-mechanics.md); a scheme without them pays as before.

- ``on_target_pay: {from: roster}`` (:class:`RosterPay`): each person's amount from the
  roster's ``on_target_pay`` column; ``{pct_of_salary: r}`` (:class:`SalaryPay`): r × the
  roster's annual ``salary`` for the scheme's period (/ 12 monthly, / 4 quarterly).
- ``proration: none`` turns off proration from the roster's dates and ``fte`` (on by
  default, :data:`PRORATION`).
- ``fiscal_year_start: MONTH`` (1–12 or a month name): where the year of a true-up or of a
  draw's write-off starts (January by default).
- ``true_up: {over: year, shortfall: carry | recover}`` (:class:`TrueUp`).
- ``draw: {amount, recoverable, for_first, forgive_at}`` (:class:`Draw`).
- ``clawback: {within: N}`` (:class:`Clawback`).

:func:`check_mechanics` holds the rules across them and the rest of the scheme; it reports
every problem it finds at once.

Examples
--------
>>> pay_input({"from": "roster"}), pay_input({"pct_of_salary": 0.15})
(RosterPay(), SalaryPay(pct_of_salary=0.15))
>>> fiscal_month("April"), fiscal_month(7)
(4, 7)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, Tag, model_serializer

from .._util.spec import Spec, as_written, spec_error
from ..errors import did_you_mean

__all__ = [
    "Clawback",
    "Draw",
    "MONTHS",
    "OnTargetPay",
    "PRORATION",
    "RosterPay",
    "SalaryPay",
    "TrueUp",
    "fiscal_month",
    "mechanic_problems",
    "pay_input",
]

#: The values of ``proration:``: ``days`` (the default: fte × days active / days in the
#: period) or ``none``.
PRORATION = ("days", "none")

#: Month names accepted by ``fiscal_year_start`` (English, full or three letters).
MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip

#: A share of salary above this is taken for a percentage typed as a whole number.
_MAX_SALARY_SHARE = 3.0


class RosterPay(Spec):
    """``on_target_pay: {from: roster}``: each person's amount from the roster.

    The roster's ``on_target_pay`` column holds the amount per period of the scheme.
    """

    @model_serializer
    def _dump(self) -> dict[str, str]:
        return {"from": "roster"}

    def __repr__(self) -> str:
        return "RosterPay()"


class SalaryPay(Spec):
    """``on_target_pay: {pct_of_salary: r}``: r × the roster's annual salary, per period.

    An annual salary is divided by 12 for a monthly scheme, by 4 for a quarterly one.
    """

    pct_of_salary: float = Field(gt=0)

    def __repr__(self) -> str:
        return f"SalaryPay(pct_of_salary={self.pct_of_salary!r})"


class TrueUp(Spec):
    """``true_up: {over: year, shortfall: carry | recover}``: year-to-date evaluation.

    Each period is evaluated on the year's data so far; the payment is what was earned to
    date less what was paid to date. ``carry`` pays a negative difference as 0 and nets
    it off later; ``recover`` deducts it.
    """

    over: Literal["year"] = "year"
    shortfall: Literal["carry", "recover"] = "carry"


class Draw(Spec):
    """``draw: {amount, recoverable, for_first, forgive_at}``: a guaranteed minimum payment.

    ``recoverable`` (default true): what the draw pays above earnings is a balance recovered
    from later earnings; otherwise it is a plain floor. ``for_first: N``: only in the first
    N periods after hire. ``forgive_at: year_end`` (default) writes the balance off at the
    end of each (fiscal) year; ``never`` carries it on.
    """

    amount: float = Field(gt=0)
    recoverable: bool = True
    for_first: int | None = Field(default=None, ge=1)
    forgive_at: Literal["year_end", "never"] = "year_end"


class Clawback(Spec):
    """``clawback: {within: N}``: restatements up to N periods later are paid or clawed back."""

    within: int = Field(ge=1)


def _pay_kind(v: Any) -> str:
    if isinstance(v, RosterPay | SalaryPay):
        return type(v).__name__
    return "per_role" if isinstance(v, Mapping) else "amount"


#: The type of ``on_target_pay``: one amount, an amount per role, or per person.
OnTargetPay = Annotated[
    Union[  # noqa: UP007
        Annotated[float, Tag("amount")],
        Annotated[dict[str, float], Tag("per_role")],
        Annotated[RosterPay, Tag("RosterPay")],
        Annotated[SalaryPay, Tag("SalaryPay")],
    ],
    Discriminator(_pay_kind),
]


def pay_input(v: Any) -> Any:
    """``{from: roster}`` or ``{pct_of_salary: r}`` as their models; anything else unchanged.

    A mapping with any other keys is left for the per-role reading of ``on_target_pay``.
    """
    if not isinstance(v, Mapping):
        return v
    keys = set(v)
    if "from" in keys:
        if keys != {"from"} or v["from"] != "roster":
            raise spec_error(
                f"expected {{from: roster}}, got {dict(v)!r}",
                "write on_target_pay: {from: roster} to take each person's amount from the "
                "roster's on_target_pay column.",
            )
        return RosterPay()
    if "pct_of_salary" in keys:
        r = v["pct_of_salary"]
        if keys != {"pct_of_salary"}:
            raise spec_error(
                f"expected {{pct_of_salary: r}} alone, got {dict(v)!r}",
                "write on_target_pay: {pct_of_salary: 0.15} (15% of each person's salary).",
            )
        if isinstance(r, bool) or not isinstance(r, int | float) or not 0 < r <= _MAX_SALARY_SHARE:
            number = isinstance(r, int | float) and not isinstance(r, bool)
            shown = as_written(r) if number else repr(r)
            fix = "write a share of the annual salary, e.g. 0.15 for 15%."
            if number and r > _MAX_SALARY_SHARE:
                fix = f"write {as_written(r)}% as {r / 100:g} (a fraction, not a percentage)."
            raise spec_error(f"pct_of_salary must be a positive share, got {shown}", fix)
        return SalaryPay(pct_of_salary=float(r))
    return v


def fiscal_month(v: Any) -> Any:
    """``fiscal_year_start`` as a month number 1–12 (a name such as ``April`` is accepted)."""
    if v is None:
        return v
    if isinstance(v, str):
        name = v.strip().lower()
        for i, month in enumerate(MONTHS, start=1):
            if name in (month, month[:3]):
                return i
        raise spec_error(
            f"{v!r} is not a month.{did_you_mean(name, MONTHS)}",
            "write the first month of the fiscal year as a number (4) or a name (April).",
        )
    if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 12:
        raise spec_error(
            f"expected a month 1 to 12, got {v!r}",
            "write the first month of the fiscal year as a number (4) or a name (April).",
        )
    return v


def mechanic_problems(scheme: Any) -> list[tuple[str, str, str]]:
    """Every problem across the mechanics and the rest of a scheme: (path, what, fix).

    - a true-up on a yearly scheme (there is nothing to true up within one period);
    - a true-up with a ``pool`` (a pool limits each period's spend, a true-up re-pays
      earlier periods);
    - a fiscal year that does not start on a period boundary (a quarterly scheme's year
      starts in month 1, 4, 7 or 10; a yearly scheme's in January).
    """
    out: list[tuple[str, str, str]] = []
    period = scheme.period
    if scheme.true_up is not None and period == "year":
        out.append(
            (
                "true_up",
                "a true-up needs periods shorter than the year it trues up, and this scheme "
                "pays yearly",
                "remove true_up:, or pay monthly or quarterly (period: quarter) and true up "
                "over the year.",
            )
        )
    if scheme.true_up is not None and scheme.pool is not None:
        out.append(
            (
                "true_up",
                "a true-up cannot be combined with a pool: the pool limits each period's "
                "spend while the true-up pays earlier periods' shortfalls later",
                "remove pool: (use budget: to compare the cost), or remove true_up:.",
            )
        )
    fys = scheme.fiscal_year_start
    if fys is not None:
        if period == "quarter" and (fys - 1) % 3:
            out.append(
                (
                    "fiscal_year_start",
                    f"a quarterly scheme's year starts with a quarter, not in month {fys}",
                    "use 1, 4, 7 or 10.",
                )
            )
        if period == "year" and fys != 1:
            out.append(
                (
                    "fiscal_year_start",
                    f"a yearly scheme's periods are calendar years, so its year cannot start "
                    f"in month {fys}",
                    "remove fiscal_year_start:, or pay monthly or quarterly.",
                )
            )
    return out
