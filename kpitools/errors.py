"""The exception hierarchy: one base class, one subclass per phase.

Every exception carries a message that says what is wrong, where (file, row, key
path) and how to fix it. All of them pickle, so batch workers can send them back.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported when an error needs it, not by every command
    import pandas as pd

__all__ = [
    "KpitoolsError",
    "DefinitionError",
    "DataValidationError",
    "FormulaError",
    "did_you_mean",
]


class KpitoolsError(Exception):
    """Base class of every error kpitools raises on purpose.

    The CLI prints ``str(error)`` and exits with code 2, without a traceback.
    """

    exit_code = 2

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):
        return (self.__class__, (self.message,), self.__dict__.copy())


class DefinitionError(KpitoolsError):
    """A bad specification: a scheme, design or library file, or an option value."""


class FormulaError(DefinitionError):
    """A formula or expression that cannot be parsed or evaluated safely."""


class DataValidationError(KpitoolsError):
    """Historical data that failed validation.

    Parameters
    ----------
    message : str
        The whole human-readable report.
    failure_cases : pandas.DataFrame, optional
        Every bad row: ``file, row, column, value, problem`` where ``row`` is the
        row number as the user sees it in the file (the header is row 1 in a CSV).
    """

    def __init__(self, message: str, failure_cases: pd.DataFrame | None = None):
        super().__init__(message)
        if failure_cases is None:
            import pandas as pd  # only for failure cases: errors stay light

            failure_cases = pd.DataFrame(columns=["file", "row", "column", "value", "problem"])
        self.failure_cases = failure_cases

    def __reduce__(self):
        return (self.__class__, (self.message, self.failure_cases), None)


def did_you_mean(name: str, choices, *, n: int = 3) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest of ``choices``, or ``""``.

    Examples
    --------
    >>> did_you_mean("revnue", ["revenue", "units"])
    " Did you mean 'revenue'?"
    """
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=n, cutoff=0.6)
    if not close:
        return ""
    if len(close) == 1:
        return f" Did you mean {close[0]!r}?"
    return " Did you mean " + " or ".join(repr(c) for c in close) + "?"
