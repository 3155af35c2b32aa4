"""The design file as pydantic models: which keys each part takes and what they may hold.

Validated through :func:`kpitools._util.spec.validate`, so every problem of a file is
reported at once with its line and key path. What needs the whole file (ids used before
they are defined, cycles, ids given twice, KPIs found in no library) is checked when the
design is built (:mod:`.load`).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from .._util.currency import CurrencyCode, FxRates
from .._util.format import check_locale, number
from .._util.formula import parse
from .._util.spec import Spec, spec_error
from ..errors import FormulaError, KpitoolsError
from .decision import RecommendationRule

__all__ = [
    "ChecksSpec",
    "DesignSpec",
    "GoalSpec",
    "RoleSpec",
    "RoleKPISpec",
    "KPI_FIELDS",
    "FORMULA_HINT",
]

_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_EXPONENT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+\Z")
_PERIOD = re.compile(r"\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?\Z")

FORMULA_HINT = (
    "a formula may only use goal ids, numbers, + - * / and parentheses, "
    "e.g. 'units_sold * avg_price'."
)

#: The fields of a KPI that a role's entry may give inline (over the library's).
KPI_FIELDS = (
    "name",
    "area",
    "unit",
    "direction",
    "aggregation",
    "formula",
    "type",
    "quantitative",
    "level",
    "description",
    "gaming_risk",
    "counter_kpi",
    "tags",
)


def _show(obj: Any) -> str:
    if isinstance(obj, dict):
        return "a mapping"
    if isinstance(obj, list):
        return "a list"
    if obj is None:
        return "nothing"
    return repr(obj)


def _number(value: Any) -> float:
    if isinstance(value, str) and _EXPONENT.match(value.strip()):
        value = float(value)  # YAML 1.1 reads 1e6 as text; YAML 1.2 and JSON read a number
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise spec_error(
            f"must be a number, got {_show(value)}",
            "write a plain number such as 2000000 or 0.25 (no spaces, no currency).",
        )
    if not math.isfinite(float(value)):
        raise spec_error(f"must be a finite number, got {value!r}", "write a number.")
    return float(value)


def _text(value: Any) -> str:
    if isinstance(value, bool) or value is None or not isinstance(value, str | int | float):
        raise spec_error(f"must be text, got {_show(value)}", "write plain text.")
    return str(value)


def _ident(what: str):
    def check(value: Any) -> str:
        if not isinstance(value, str) or not _ID.match(value) or value.startswith("__"):
            raise spec_error(
                f"{what} {_show(value)} is not a valid id",
                "use letters, digits and '_' only, starting with a letter (e.g. units_sold).",
            )
        return value

    return BeforeValidator(check)


def _formula(value: Any) -> str:
    if not isinstance(value, str):
        raise spec_error(
            f"must be a formula as text, got {_show(value)}",
            "write it with ids, e.g. 'units_sold * avg_price'.",
        )
    try:
        parse(value)
    except FormulaError as err:
        what, _, fix = err.message.partition("\nSuggestion: ")
        raise spec_error(what, fix or FORMULA_HINT) from None
    return value


def _period(value: Any) -> str:
    if isinstance(value, _dt.date):
        return value.strftime("%Y-%m")
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else None
    if text is None or not _PERIOD.match(text):
        raise spec_error(
            f"{_show(value)} is not a period",
            "write the month as YYYY-MM (2027-02), a quarter as YYYY-Qn (2027-Q1) or a year.",
        )
    return text


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list):
        raise spec_error(f"must be a list, got {_show(value)}", "write one '- ' item per line.")
    return tuple(_text(v) for v in value)


def _strict_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise spec_error(f"must be true or false, got {_show(value)}", "write true or false.")
    return value


Number = Annotated[float, BeforeValidator(_number)]
Text = Annotated[str, BeforeValidator(_text)]
Formula = Annotated[str, BeforeValidator(_formula)]
Period = Annotated[str, BeforeValidator(_period)]
Strings = Annotated[tuple[str, ...], BeforeValidator(_strings)]
Bool = Annotated[bool, BeforeValidator(_strict_bool)]


def _locale(value: Any) -> str:
    try:
        return check_locale(value)
    except KpitoolsError:
        raise spec_error(
            f"unknown locale {_show(value)}",
            "use a language and country code such as en_US, en_GB, de_DE or ru_RU.",
        ) from None


LocaleCode = Annotated[str, BeforeValidator(_locale)]
Unit = Literal["currency", "count", "ratio", "percent", "days", "score"]
Level = Literal["individual", "team", "company"]


class _KPIFields(Spec):
    """What a role's entry may say about its KPI beyond the library (or instead of it)."""

    name: Text | None = None
    area: Text | None = None
    unit: Unit | None = None
    direction: Literal["higher", "lower"] | None = None
    aggregation: Literal["sum", "mean", "last", "ratio"] | None = None
    formula: Formula | None = None
    type: Literal["leading", "lagging"] | None = None
    quantitative: Bool | None = None
    level: Level | None = None
    description: Text | None = None
    gaming_risk: Text | None = None
    counter_kpi: Strings = ()
    tags: Strings = ()

    def inline(self) -> dict[str, Any]:
        """The KPI fields this entry gives (not left empty)."""
        return {k: getattr(self, k) for k in KPI_FIELDS if getattr(self, k) not in (None, ())}


class GoalSpec(Spec):
    """A goal: ``id``, and a ``target`` (wanted) or a ``value`` (assumed), and a formula."""

    id: Annotated[str, _ident("goal id")]
    name: Text | None = None
    target: Number | None = None
    value: Number | None = None
    formula: Formula | None = None
    unit: Unit | None = None
    kpi: Annotated[str, _ident("KPI id")] | None = None
    description: Text | None = None

    @model_validator(mode="after")
    def _target_or_value(self) -> GoalSpec:
        if self.target is not None and self.value is not None:
            raise spec_error(
                f"goal {self.id!r} has both a target ({number(self.target)}) and a value "
                f"({number(self.value)})",
                "keep 'target' for what the company wants, or 'value' for an assumption held "
                "fixed, not both.",
            )
        return self


class RoleKPISpec(_KPIFields):
    """A role's KPI: the library ``kpi`` id (or an inline one), its goal, weight, target."""

    kpi: Annotated[str, _ident("KPI id")]
    goal: Text | None = None
    weight: Number | None = Field(default=None, ge=0)
    target: Number | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_id(cls, data: Any) -> Any:
        return {"kpi": data} if isinstance(data, str) else data

    @field_validator("weight")
    @classmethod
    def _share(cls, value: float | None) -> float | None:
        if value is not None and value > 1:
            raise spec_error(
                f"weight {number(value)} is above 1: a weight is a share of on-target pay",
                f"write {number(value / 100)} for {number(value)}%.",
            )
        return value


class RoleSpec(Spec):
    """A role: how many people, their on-target pay, and the KPIs they are paid on."""

    id: Annotated[str, _ident("role id")]
    name: Text | None = None
    headcount: Number = Field(gt=0)
    on_target_pay: Number | None = Field(default=None, ge=0)
    level: Level = "individual"
    kpis: list[RoleKPISpec] = []
    description: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _needs_headcount(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("headcount") is None and "id" in data:
            raise spec_error(
                f"role {data['id']!r} has no 'headcount'",
                "add 'headcount: 4' (the number of people in the role).",
            )
        return data


def _whole(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise spec_error(f"must be a whole number, got {_show(value)}", "write e.g. 7.")
    return int(value)


class ChecksSpec(Spec):
    """``checks:``: thresholds of the design checks; a key not given keeps its default.

    ``max_kpis`` (7), ``min_weight`` (0.05), ``achievable_low`` / ``achievable_high``
    (0.10 / 0.95) and ``coverage_tolerance`` (0.001: a goal covered to within 0.1% counts
    as covered), as in :class:`kpitools.design.CheckSettings`.
    """

    max_kpis: Annotated[int, BeforeValidator(_whole)] | None = Field(default=None, ge=1)
    min_weight: Number | None = Field(default=None, ge=0, le=1)
    achievable_low: Number | None = Field(default=None, ge=0, le=1)
    achievable_high: Number | None = Field(default=None, ge=0, le=1)
    coverage_tolerance: Number | None = Field(default=None, ge=0, lt=1)

    @model_validator(mode="after")
    def _low_below_high(self) -> ChecksSpec:
        low, high = self.achievable_low, self.achievable_high
        if low is not None and high is not None and low >= high:
            raise spec_error(
                f"achievable_low ({number(low)}) must be below achievable_high ({number(high)})",
                "e.g. achievable_low: 0.1 and achievable_high: 0.95.",
            )
        return self

    def given(self) -> dict[str, Any]:
        """The thresholds this file sets (not left out)."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class DesignSpec(Spec):
    """A design file: the client, its period and currency, goals and roles."""

    client: Text | None = None
    period: Period | None = None
    currency: CurrencyCode = None
    fx: FxRates = None
    locale: LocaleCode | None = None  # how the report writes numbers, money and dates
    description: Text | None = None
    goals: list[GoalSpec] = []
    roles: list[RoleSpec] = []
    checks: ChecksSpec | None = None
    roster: Text | None = None
    recommendation: RecommendationRule | None = None

    @field_validator("goals", "roles", mode="before")
    @classmethod
    def _empty_list(cls, value: Any) -> Any:
        return [] if value is None else value
