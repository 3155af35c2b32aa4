"""Reading what a run needs once: its schemes, its KPI library and its data.

A simulation, a calibration or a forecast resolves the KPI library once
(:func:`library_for_run`), loads the data once (:func:`load_data_with_warnings`, the
loader's warnings kept as text for the result) and loads each scheme once
(:func:`load_schemes`, names checked to be distinct), then hands them to every step.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..data import Roster, apply_filter, join_and_filter, load, resolve_library
from ..errors import DefinitionError
from ..scheme import Scheme, load_scheme
from .currency import RunCurrency, convert_inputs

__all__ = [
    "load_inputs",
    "library_for_run",
    "load_data",
    "load_data_with_warnings",
    "load_schemes",
    "read_table",
]


def library_for_run(library: Any) -> Any:
    """The KPI library of a whole run, resolved once: the library, or ``False`` for none.

    :func:`kpitools.data.resolve_library` is the rule (``None`` = the shipped library,
    ``False`` = none, paths, or a library). Every step of the run (each scheme, calibration
    step or forecast) then gets the result as its ``library=``: ``False`` rather than
    ``None`` for none, since ``None`` would mean "the shipped one" again.

    Examples
    --------
    >>> library_for_run(False)
    False
    """
    lib = resolve_library(library)
    return False if lib is None else lib


def read_table(
    data: Any, library: Any, *, strict: bool = False, duplicates: str = "error"
) -> pd.DataFrame:
    """Read a long table with :func:`kpitools.data.load`, checked against a resolved library.

    Parameters
    ----------
    data : path or DataFrame
        The data.
    library : Library or None
        A library from :func:`kpitools.data.resolve_library`; ``None``: no library.
    strict : bool, default False
        Implausible values are errors (see :func:`kpitools.data.check`).
    duplicates : {"error", "sum"}
        Duplicate employee × period × KPI rows are an error, or summed (a warning).
    """
    lib = False if library is None else library
    return load(data, library=lib, strict=strict, duplicates=duplicates)


def load_data(data: Any, *, library: Any = None) -> pd.DataFrame:
    """Load ``data`` (a path or DataFrame) through :func:`kpitools.data.load`.

    ``library`` follows :func:`kpitools.data.resolve_library`.
    """
    return load_data_with_warnings(data, library=library)[0]


def load_data_with_warnings(
    data: Any, *, library: Any = None, strict: bool = False, duplicates: str = "error"
) -> tuple[pd.DataFrame, list[str]]:
    """Load ``data`` like :func:`load_data`, and return the loader's warnings as text.

    The warnings (unknown KPIs, summed duplicates, …) go into results and the command line
    instead of Python's warning printer; warnings of other kinds go on as usual.

    Returns
    -------
    table : pandas.DataFrame
        The long table.
    warnings : list of str
        The loader's ``UserWarning`` messages.
    """
    lib = resolve_library(library)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = read_table(data, lib, strict=strict, duplicates=duplicates)
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    for w in caught:  # anything else goes on as usual
        if not issubclass(w.category, UserWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return table, messages


def load_inputs(
    data: Any,
    *,
    library: Any = None,
    roster: Any = None,
    where: str | None = None,
    strict: bool = False,
    currency: RunCurrency | None = None,
    duplicates: str = "error",
) -> tuple[pd.DataFrame, list[str], Roster | None]:
    """The data of a run: loaded, joined with the roster, in one currency, filtered.

    The roster's attributes (team, region, manager, any other column) join the long table
    by employee before ``where`` selects rows, so a filter may use them
    (``region == East``). Then every amount is converted into the run's currency
    (:func:`kpitools.engine.convert_inputs`, contract §8): the data's money rows of
    employees paid in other currencies or written in them (``$1,100``), and the roster's
    ``on_target_pay`` and ``salary``; the table that comes back has no ``currency`` column.

    Parameters
    ----------
    data : path or DataFrame
        The long (or wide) table.
    library : optional
        See :func:`kpitools.data.resolve_library`.
    roster : path, DataFrame or Roster, optional
        See :func:`kpitools.data.load_roster`.
    where : str, optional
        A filter (:func:`kpitools.data.apply_filter`).
    strict : bool, default False
        Implausible values are errors, not warnings (see :func:`kpitools.data.check`).
    currency : RunCurrency, optional
        The run's currency and rates (:func:`kpitools.engine.run_currency`); none given:
        amounts are kept as they are, and amounts in several currencies are an error.
    duplicates : {"error", "sum"}
        Duplicate employee × period × KPI rows are an error, or summed (a warning).

    Returns
    -------
    table : pandas.DataFrame
    warnings : list of str
    roster : Roster or None
        Its pay columns in the run's currency.
    """
    table, messages = load_data_with_warnings(
        data, library=library, strict=strict, duplicates=duplicates
    )
    source = os.fspath(data) if isinstance(data, str | os.PathLike) else "the data"
    table, notes, loaded = join_and_filter(table, roster=roster, source=source)
    table, loaded, converted = convert_inputs(
        table, loaded, currency or RunCurrency(), library=resolve_library(library), source=source
    )
    if where:
        table = apply_filter(table, where, source=source)
    return table, [*messages, *notes, *converted], loaded


def load_schemes(schemes: Any) -> list[Scheme]:
    """One scheme or several (objects, mappings or YAML paths), loaded, with distinct names.

    Raises
    ------
    DefinitionError
        No scheme, or two schemes with the same name (results are kept per name).

    Examples
    --------
    >>> s = {"name": "s", "on_target_pay": 1, "components": [
    ...     {"kpi": "x", "weight": 1, "target": 1, "curve": {"steps": [[1, 1]]}}]}
    >>> [scheme.name for scheme in load_schemes(s)]
    ['s']
    """
    items = [schemes] if _is_single_scheme(schemes) else list(schemes)
    if not items:
        raise DefinitionError("No scheme to simulate.\nSuggestion: pass at least one scheme.")
    loaded = [s if hasattr(s, "components") else load_scheme(s) for s in items]
    seen: dict[str, int] = {}
    for i, scheme in enumerate(loaded):
        if scheme.name in seen:
            raise DefinitionError(
                f"Schemes {seen[scheme.name] + 1} and {i + 1} are both named {scheme.name!r}; "
                "results are kept per scheme name.\n"
                "Suggestion: give each scheme a distinct 'name:'."
            )
        seen[scheme.name] = i
    return loaded


def _is_single_scheme(schemes: Any) -> bool:
    return isinstance(schemes, str | os.PathLike | Mapping) or hasattr(schemes, "components")
