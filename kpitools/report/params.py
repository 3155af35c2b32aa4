"""Report parameters: checked against the notebook's ``parameters`` cell before any work.

papermill silently ignores parameters a notebook does not declare, so a typo would give a
report made with a default value. Here every unknown name is an error with a "did you
mean", and every value must match the annotation in the parameters cell
(``client: str = ""``, ``seed: int = 42``, ``budget: Optional[float] = None``,
``schemes: list[str] = []``). Command-line ``--param NAME=VALUE`` items are read here too.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from ..errors import DefinitionError, did_you_mean
from .problems import Problem, problems_message

__all__ = [
    "INTERNAL_PARAMETERS",
    "PATH_LIST_PARAMETERS",
    "PATH_PARAMETERS",
    "notebook_parameters",
    "parameter_problems",
    "parameters_without_paths",
    "parse_param_options",
    "parse_rule_options",
    "validate_parameters",
]

#: Parameters that name input files: checked to exist, made absolute and hashed.
PATH_PARAMETERS = ("data", "design", "roster")
PATH_LIST_PARAMETERS = ("schemes",)
#: Parameters kpitools sets itself; a user may not pass them.
INTERNAL_PARAMETERS = ("xlsx_path", "recommendation_path")

_SIMPLE_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "list": (list, tuple),
    "dict": (dict, Mapping),
}


def _type_ok(value: Any, type_name: str) -> bool | None:
    """Check ``value`` against a papermill annotation; None when the annotation is unknown."""
    name = type_name.replace(" ", "")
    if name in ("None", "", "Any"):
        return None
    optional = re.fullmatch(r"Optional\[(.+)\]", name)
    if optional:
        return True if value is None else _type_ok(value, optional.group(1))
    generic = re.fullmatch(r"(list|dict)\[(.+)\]", name)
    if generic:
        outer, inner = generic.groups()
        if not isinstance(value, _SIMPLE_TYPES[outer]):
            return False
        if outer == "list":
            return all(_type_ok(v, inner) is not False for v in value)
        return True
    if name not in _SIMPLE_TYPES:
        return None
    if isinstance(value, bool) and name in ("int", "float"):
        return False
    return isinstance(value, _SIMPLE_TYPES[name])


def notebook_parameters(notebook_path: str | os.PathLike) -> dict[str, dict]:
    """The parameters a notebook declares in its cell tagged ``parameters`` (papermill's view).

    Raises
    ------
    DefinitionError
        The notebook is missing or has no cell tagged ``parameters``.
    """
    import papermill  # heavy (jupyter, nbclient): loaded only when a report is checked or run

    path = Path(notebook_path)
    if not path.is_file():
        raise DefinitionError(
            f"Report notebook not found: {path}\n"
            "Suggestion: pass the path of a notebook with a cell tagged 'parameters'."
        )
    declared = papermill.inspect_notebook(str(path))
    if not declared:
        raise DefinitionError(
            f"{path}: the notebook has no cell tagged 'parameters'.\n"
            "Suggestion: tag the cell that sets the default parameters with 'parameters'."
        )
    return declared


def _value_problem(name: str, value: Any, type_name: str) -> tuple[Any, str | None]:
    """The value as the notebook gets it (ints given for floats become floats), or what is wrong."""
    if _type_ok(value, type_name) is False:
        return value, (
            f"Report parameter {name!r} must be {type_name}, got {type(value).__name__} {value!r}."
        )
    if type_name.replace(" ", "") in ("float", "Optional[float]") and isinstance(value, int):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return value, f"Report parameter {name!r} must be a finite number, got {value!r}."
    return value, None


def parameter_problems(
    declared: Mapping[str, Mapping[str, Any]], params: Mapping[str, Any], *, notebook: str
) -> tuple[dict[str, Any], list[Problem]]:
    """Check parameters against those a notebook declares; every problem, not the first.

    Parameters
    ----------
    declared : mapping
        The notebook's parameters (:func:`notebook_parameters`).
    params : mapping
        Parameter names and values.
    notebook : str
        The notebook, named in the suggestion.

    Returns
    -------
    checked : dict
        The parameters that passed (ints given for floats become floats).
    problems : list of Problem
        One per unknown name or wrong value.
    """
    public = sorted(n for n in declared if n not in INTERNAL_PARAMETERS)
    fix = f"use the names and types of the parameters cell of {notebook}."
    problems: list[Problem] = []
    checked: dict[str, Any] = {}
    for name, value in params.items():
        if name not in declared or name in INTERNAL_PARAMETERS:
            what = (
                f"Unknown report parameter {name!r}.{did_you_mean(name, public)} "
                f"Known parameters: {', '.join(public)}."
            )
            problems.append(Problem(str(name), what, fix))
            continue
        type_name = str(declared[name].get("inferred_type_name", "None"))
        value, what = _value_problem(name, value, type_name)
        if what:
            problems.append(Problem(name, what, fix))
        else:
            checked[name] = value
    return checked, problems


def validate_parameters(
    notebook_path: str | os.PathLike, params: Mapping[str, Any], *, where: str = ""
) -> dict[str, Any]:
    """Check report parameters against the notebook's ``parameters`` cell, before any work.

    Parameters
    ----------
    notebook_path : path
        The report notebook.
    params : mapping
        Parameter names and values.
    where : str, optional
        Where the parameters come from, for the message (e.g. ``manifest.yaml: clients[2]``).

    Returns
    -------
    dict
        The parameters (a new dict; ints given for floats become floats).

    Raises
    ------
    DefinitionError
        Listing every unknown name and every wrong type at once.

    Examples
    --------
    >>> validate_parameters(default_notebook_path(), {"clinet": "Acme"})  # doctest: +SKIP
    Traceback (most recent call last):
    DefinitionError: Unknown report parameter 'clinet'. Did you mean 'client'? ...
    """
    declared = notebook_parameters(notebook_path)
    checked, problems = parameter_problems(declared, params, notebook=str(notebook_path))
    if problems:
        raise DefinitionError(problems_message(problems, where))
    return checked


def parse_param_options(items: Sequence[str]) -> dict[str, Any]:
    """Parse ``NAME=VALUE`` command-line items; each VALUE is read as YAML.

    Examples
    --------
    >>> parse_param_options(["budget=150000", "branding={primary_color: '#003366'}"])
    {'budget': 150000, 'branding': {'primary_color': '#003366'}}
    """
    out: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise DefinitionError(
                f"--param {item!r} is not NAME=VALUE.\n"
                "Suggestion: write e.g. --param budget=150000."
            )
        try:
            out[name.strip()] = yaml.safe_load(value) if value.strip() else ""
        except yaml.YAMLError as exc:
            raise DefinitionError(
                f"--param {item!r}: the value is not valid YAML.\n"
                "Suggestion: quote text with special characters, e.g. --param \"title='A: B'\"."
            ) from exc
    return out


def parameters_without_paths(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters without the input file paths (which count by their contents).

    Examples
    --------
    >>> parameters_without_paths({"data": "/a/d.csv", "budget": 5.0, "branding": {"logo": "x"}})
    {'budget': 5.0, 'branding': {}}
    """
    out = {k: v for k, v in params.items() if k not in (*PATH_PARAMETERS, *PATH_LIST_PARAMETERS)}
    if isinstance(out.get("branding"), Mapping):
        out["branding"] = {k: v for k, v in out["branding"].items() if k != "logo"}
    return out


def parse_rule_options(items: Sequence[str]) -> dict[str, Any]:
    """Parse ``--rule KEY=VALUE`` items: thresholds of the decision rule, as numbers.

    The keys are checked with the rest of the report's settings
    (:class:`kpitools.design.RecommendationRule`).

    Examples
    --------
    >>> parse_rule_options(["max_p_over_budget=0.1", "cost_tie = 2%"])
    {'max_p_over_budget': 0.1, 'cost_tie': 0.02}
    """
    out: dict[str, Any] = {}
    for item in items:
        name, sep, value = (part.strip() for part in item.partition("="))
        try:
            number = float(value[:-1]) / 100 if value.endswith("%") else float(value)
        except ValueError:
            number = math.nan
        if not sep or not name or not math.isfinite(number):
            raise DefinitionError(
                f"--rule {item!r} is not KEY=NUMBER.\n"
                "Suggestion: write e.g. --rule max_p_over_budget=0.1 (or 10%)."
            )
        out[name] = number
    return out
