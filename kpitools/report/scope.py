"""What a report covers: its roster, its filter, its group columns and its scheme overrides.

Four report parameters narrow or adjust what a report runs on, besides its data, design and
schemes:

- ``roster``: a roster file (:func:`kpitools.data.load_roster`) joined to the data by
  employee, for filters, groups and (with plan mechanics) pay per person;
- ``where``: a filter (:func:`kpitools.data.apply_filter`): one data file for several
  business units, split per client;
- ``by``: group columns for the section "Cost and attainment by …"; with a roster and no
  ``by``, the roster's ``team`` and ``region`` (:func:`default_groups`);
- ``overrides``: scheme parameters changed for this report,
  ``{scheme: {dotted.path: value}}``, a scheme named by its ``name`` or its file name
  without ``.yaml``, each path as in ``kpitools calibrate --param``
  (:meth:`kpitools.scheme.Scheme.set_many`).

:func:`scope_problems` checks all of them before any work, every problem at once: a filter
that does not parse, keeps no rows or names a value the data never has; a roster that is
missing or invalid; a group column that is nowhere; an override of an unknown scheme, an
unknown path or a wrong value. :func:`apply_overrides` changes the loaded schemes.

Examples
--------
>>> from kpitools.scheme import load_scheme
>>> s = load_scheme({"name": "Flat", "on_target_pay": 100, "components": [
...     {"kpi": "x", "weight": 1, "target": 5, "curve": {"steps": [[1, 1]]}}]})
>>> apply_overrides([s], {"Flat": {"on_target_pay": 150, "budget": 900}})[0].budget
900.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..data import apply_filter, join_roster, load_roster, parse_conditions
from ..data import check as check_data
from ..engine import group_columns
from ..errors import DefinitionError, KpitoolsError, did_you_mean
from ..scheme import Scheme, load_scheme
from .problems import Problem

__all__ = [
    "DEFAULT_GROUPS",
    "apply_overrides",
    "default_groups",
    "override_problems",
    "report_schemes",
    "scheme_keys",
    "scope_problems",
]

#: The group columns of a report with a roster and no ``by``, those the roster has.
DEFAULT_GROUPS = ("team", "region")

_OVERRIDE_FIX = (
    "name a scheme by its name or its file name without .yaml, then dotted paths as in "
    "kpitools calibrate --param: overrides: {tiered_accelerator: {on_target_pay: 45000, "
    "budget: 2000000}}."
)
#: Columns of the long table that are not group attributes.
_NOT_GROUPS = frozenset({"employee", "period", "kpi", "actual", "target", "as_of"})


def default_groups(by: Sequence[str] | str | None, roster: Any) -> tuple[str, ...]:
    """The group columns of a report: ``by``, else the roster's ``team`` and ``region``.

    Examples
    --------
    >>> import pandas as pd
    >>> from kpitools.data import load_roster
    >>> roster = load_roster(pd.DataFrame({"employee": ["a"], "team": ["T"], "office": ["X"]}))
    >>> default_groups([], roster), default_groups(["office"], roster), default_groups([], None)
    (('team',), ('office',), ())
    """
    groups = group_columns(by)
    if groups or roster is None:
        return groups
    return tuple(c for c in DEFAULT_GROUPS if c in roster.attributes)


def scheme_keys(scheme: Scheme) -> tuple[str, ...]:
    """The names an override may give a scheme: its ``name`` and its file name (no ``.yaml``).

    Examples
    --------
    >>> from kpitools.scheme import load_scheme
    >>> scheme_keys(load_scheme("templates/schemes/tiered_accelerator.yaml"))
    ('Tiered accelerator', 'tiered_accelerator')
    """
    source = Path(scheme.source)
    stem = (source.stem,) if source.suffix.lower() in (".yaml", ".yml") else ()
    return tuple(dict.fromkeys((scheme.name, *stem)))


def _targets(
    schemes: Sequence[Scheme], overrides: Any
) -> tuple[dict[int, tuple[str, dict[str, Any]]], list[Problem]]:
    """Each scheme overridden (by index): the name used and its changes; what is wrong."""
    if not isinstance(overrides, Mapping):
        what = f"overrides must be a mapping of scheme names, got {overrides!r}."
        return {}, [Problem("overrides", what, _OVERRIDE_FIX)]
    known = [key for s in schemes for key in scheme_keys(s)]
    found: dict[int, tuple[str, dict[str, Any]]] = {}
    problems: list[Problem] = []
    for key, changes in overrides.items():
        where = f"overrides.{key}"
        hits = [i for i, s in enumerate(schemes) if str(key) in scheme_keys(s)]
        if len(hits) != 1:
            what = (
                f"no scheme {key!r} among the report's schemes.{did_you_mean(str(key), known)} "
                f"Schemes: {', '.join(repr(k) for k in known)}."
                if not hits
                else f"{key!r} names {len(hits)} of the report's schemes; it must name one."
            )
            problems.append(Problem(where, what, _OVERRIDE_FIX))
        elif not isinstance(changes, Mapping) or not changes:
            what = f"expected a mapping of dotted paths to values, got {changes!r}."
            problems.append(Problem(where, what, _OVERRIDE_FIX))
        elif hits[0] in found:
            what = f"the scheme {schemes[hits[0]].name!r} is overridden twice (under two names)."
            problems.append(Problem(where, what, "give its overrides once, under one name."))
        else:
            found[hits[0]] = (str(key), {str(path): value for path, value in changes.items()})
    return found, problems


def _change_problems(scheme: Scheme, key: str, changes: Mapping[str, Any]) -> list[Problem]:
    """What is wrong with a scheme's changes: each path alone, else the changes together."""
    try:
        scheme.set_many(changes)
        return []
    except DefinitionError as together:
        alone = []
        for path, value in changes.items():
            try:
                scheme.set(path, value)
            except DefinitionError as exc:
                alone.append(Problem.from_error(f"overrides.{key}.{path}", exc))
        return alone or [Problem.from_error(f"overrides.{key}", together)]


def override_problems(schemes: Sequence[Scheme], overrides: Any) -> list[Problem]:
    """Every problem with ``overrides`` for these schemes: names, paths and values.

    Examples
    --------
    >>> from kpitools.scheme import load_scheme
    >>> s = load_scheme("templates/schemes/tiered_accelerator.yaml")
    >>> [p.key for p in override_problems([s], {"tiered_accelerator": {"budgt": 1}})]
    ['overrides.tiered_accelerator.budgt']
    """
    found, problems = _targets(schemes, overrides)
    for i, (key, changes) in found.items():
        problems += _change_problems(schemes[i], key, changes)
    return problems


def apply_overrides(schemes: Sequence[Scheme], overrides: Any) -> list[Scheme]:
    """The schemes with ``overrides`` applied (``{scheme: {dotted.path: value}}``).

    Raises
    ------
    DefinitionError
        Every problem (see :func:`override_problems`), each with its key path.
    """
    if not overrides:
        return list(schemes)
    problems = override_problems(schemes, overrides)
    if problems:
        raise DefinitionError(
            "\n".join(
                f"{p.key}: {p.what}" + (f"\nSuggestion: {p.suggestion}" if p.suggestion else "")
                for p in problems
            )
        )
    found, _ = _targets(schemes, overrides)
    return [s.set_many(found[i][1]) if i in found else s for i, s in enumerate(schemes)]


def report_schemes(schemes: Sequence[Scheme], budget: float | None, overrides: Any) -> list[Scheme]:
    """The schemes as a report runs them: the report's ``budget`` first, then ``overrides``.

    Examples
    --------
    >>> from kpitools.scheme import load_scheme
    >>> s = load_scheme("templates/schemes/tiered_accelerator.yaml")
    >>> [x.budget for x in report_schemes([s], 900, {"tiered_accelerator": {"budget": 800}})]
    [800.0]
    """
    if budget is not None:
        schemes = [s.set("budget", float(budget)) for s in schemes]
    return apply_overrides(schemes, overrides)


def _scheme_problems(params: Mapping[str, Any]) -> list[Problem]:
    """Overrides against the report's scheme files (only when there are overrides)."""
    overrides = params.get("overrides")
    if not overrides:
        return []
    files = list(params.get("schemes") or ())
    if not all(Path(f).is_file() for f in files):
        return []  # a missing file is reported with the other input files
    loaded: list[Scheme] = []
    problems: list[Problem] = []
    for i, path in enumerate(files):
        try:
            loaded.append(load_scheme(path))
        except KpitoolsError as exc:
            problems.append(Problem.from_error(f"schemes[{i}]", exc))
    return problems or override_problems(loaded, overrides)


def _load_roster(params: Mapping[str, Any]) -> tuple[Any, list[Problem]]:
    """The roster (None without one) and its problems; ``False`` when its file is missing."""
    roster = params.get("roster")
    if not roster:
        return None, []
    if not Path(roster).is_file():
        return False, []  # a missing file is reported with the other input files
    try:
        return load_roster(roster), []
    except KpitoolsError as exc:
        return False, [Problem.from_error("roster", exc)]


def _groups_problem(table: pd.DataFrame, groups: Sequence[str]) -> list[Problem]:
    columns = [c for c in table.columns if c not in _NOT_GROUPS]
    return [
        Problem(
            "by",
            f"no column {column!r} in the data or the roster.{did_you_mean(column, columns)} "
            f"Columns: {', '.join(columns) or '(none)'}.",
            "group by a column of the data or the roster (team, region, …).",
        )
        for column in groups
        if column not in columns
    ]


def _data_problems(params: Mapping[str, Any], roster: Any) -> list[Problem]:
    """The filter and the group columns against the data itself (a file, read once)."""
    data = params.get("data")
    where = params.get("where") or ""
    groups = group_columns(params.get("by") or ())
    if not data or not Path(data).is_file() or not (where or groups):
        return []
    quality = check_data(data, library=False)
    if not quality.ok:
        return []  # the report says what is wrong with the data, in its notebook
    table = quality.data
    source = Path(data).name
    try:
        if roster is not None:
            table, _ = join_roster(table, roster, source=source)
        if where:
            table = apply_filter(table, where, source=source)
    except KpitoolsError as exc:
        return [Problem.from_error("roster" if not where else "where", exc)]
    return _groups_problem(table, groups)


def scope_problems(params: Mapping[str, Any]) -> list[Problem]:
    """Every problem with a report's roster, filter, groups and overrides, before any work.

    Parameters
    ----------
    params : mapping
        The report's parameters whose types are right, input paths already absolute
        (``data``, ``schemes``, ``roster``, ``where``, ``by``, ``overrides``). A missing file
        is left to the check of input files; with no data file (the demo company) the
        filter is only parsed.

    Returns
    -------
    list of Problem
        Keyed by the parameter's path (``where``, ``roster``, ``by``,
        ``overrides.<scheme>.<path>``, ``schemes[i]``).
    """
    problems: list[Problem] = []
    where = params.get("where") or ""
    if where:
        try:
            parse_conditions(where)
        except DefinitionError as exc:
            problems.append(Problem.from_error("where", exc))
    problems += _scheme_problems(params)
    roster, found = _load_roster(params)
    problems += found
    # the filter and groups may name roster columns: checked against the data with a sound
    # roster only, and a filter only once it parses
    if roster is not False and not any(p.key == "where" for p in problems):
        problems += _data_problems(params, roster)
    return problems
