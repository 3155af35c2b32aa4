"""Currency codes (ISO 4217) and exchange rates as scheme and design files write them.

One check of a currency code for every file kind and option: :func:`check_code` (three
letters, upper case, a code of ISO 4217 as Babel knows it, with a "did you mean"), and the
pydantic field types built on it, :data:`CurrencyCode` (``currency: USD``) and
:data:`FxRates` (``fx: {EUR: 1.08}``: units of the run's currency per unit of each other).
:func:`currency_name` gives a code's English name for the report's assumptions.

Examples
--------
>>> check_code("usd"), currency_name("EUR")
('USD', 'Euro')
>>> check_code("EURO")
Traceback (most recent call last):
ValueError: 'EURO' is not an ISO 4217 currency code (did you mean 'EUR'?).
"""

from __future__ import annotations

import difflib
import functools
import math
from typing import Annotated, Any

from babel.numbers import get_currency_name, list_currencies
from pydantic import BeforeValidator

from ..errors import DefinitionError
from .spec import spec_error

__all__ = [
    "CurrencyCode",
    "FxRates",
    "check_code",
    "check_option_code",
    "currency_name",
    "known_codes",
]


@functools.cache
def known_codes() -> frozenset[str]:
    """Every ISO 4217 code Babel knows (current and historical ones, such as ``RUR``)."""
    return frozenset(list_currencies())


def _closest(code: str) -> list[str]:
    if len(code) > 4:  # a word (dollars, rubles): no code is close to it
        return []
    return difflib.get_close_matches(code, sorted(known_codes()), n=2, cutoff=0.6)


def check_code(value: Any) -> str:
    """A currency code as kpitools keeps it: ISO 4217, upper case.

    Raises
    ------
    ValueError
        Not text, or not a known code (with the closest codes).
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{value!r} is not a currency code (three letters, such as USD).")
    code = value.strip().upper()
    if code not in known_codes():
        close = " or ".join(repr(c) for c in _closest(code))
        hint = f" (did you mean {close}?)" if close else ""
        raise ValueError(f"{value!r} is not an ISO 4217 currency code{hint}.")
    return code


def check_option_code(value: Any, option: str = "--currency") -> str:
    """A currency given on the command line (or as a parameter), checked: its code.

    Raises
    ------
    DefinitionError
        Not an ISO 4217 code, with the nearest codes.
    """
    try:
        return check_code(value)
    except ValueError as err:
        raise DefinitionError(
            f"{option}: {err}\nSuggestion: write an ISO 4217 code such as USD, EUR or RUB."
        ) from err


def currency_name(code: str) -> str:
    """The English name of a currency: ``US Dollar`` for ``USD``."""
    return str(get_currency_name(code, locale="en"))


def _code_field(value: Any) -> Any:
    if value is None:
        return None
    try:
        return check_code(value)
    except ValueError as err:
        raise spec_error(
            str(err).rstrip("."), "write an ISO 4217 code such as USD, EUR or RUB."
        ) from err


def _rates_field(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise spec_error(
            f"expected a mapping of currency codes to rates, got {type(value).__name__}",
            "write fx: {EUR: 1.08} (units of the run's currency per unit of each other).",
        )
    problems, out = [], {}
    for key, rate in value.items():
        try:
            code = check_code(key)
        except ValueError as err:
            problems.append(str(err).rstrip("."))
            continue
        good = isinstance(rate, int | float) and not isinstance(rate, bool)
        if not good or not math.isfinite(rate) or rate <= 0:
            problems.append(f"the rate of {code} must be a number above 0, got {rate!r}")
            continue
        out[code] = float(rate)
    if problems:
        raise spec_error(
            "; ".join(problems),
            "write fx: {EUR: 1.08} (units of the run's currency per unit of each other).",
        )
    return out


#: A ``currency:`` key: an ISO 4217 code (``usd`` is read as ``USD``), or absent.
CurrencyCode = Annotated[str | None, BeforeValidator(_code_field)]

#: An ``fx:`` key: currency code → units of the run's currency per unit of it (above 0).
FxRates = Annotated[dict[str, float] | None, BeforeValidator(_rates_field)]
