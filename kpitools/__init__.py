"""kpitools: design KPI systems and bonus schemes, simulate them on history, report to clients."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .errors import (
    DataValidationError,
    DefinitionError,
    FormulaError,
    KpitoolsError,
    NotBuiltError,
)
from .formula import parse as parse_formula

try:
    __version__ = version("kpitools")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "__version__",
    "KpitoolsError",
    "DefinitionError",
    "DataValidationError",
    "FormulaError",
    "NotBuiltError",
    "parse_formula",
]
