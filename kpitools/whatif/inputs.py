"""What the what-if notebook works on: its data, its scheme file and its roster.

``kpitools app --data/--scheme/--roster`` hands files to the notebook through the
environment (:data:`ENV_DATA`, :data:`ENV_SCHEME`, :data:`ENV_ROSTER`); the notebook reads
its parameters and those with :func:`whatif_inputs` and :func:`whatif_roster`. Without
data the notebook shows its own default, the demo company with its roster, which it builds
itself (the demo sits above the what-if layer).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .._util.files import shipped
from ..errors import DefinitionError, did_you_mean

__all__ = [
    "DEFAULT_SCHEME",
    "ENV_DATA",
    "ENV_ROSTER",
    "ENV_SCHEME",
    "resolve_template",
    "whatif_inputs",
    "whatif_roster",
]

#: The scheme the what-if notebook starts from.
DEFAULT_SCHEME = "weighted_scorecard.yaml"
#: Environment variable with the data file ``kpitools app --data`` gives the notebook.
ENV_DATA = "KPITOOLS_APP_DATA"
#: Environment variable with the scheme file ``kpitools app --scheme`` gives the notebook.
ENV_SCHEME = "KPITOOLS_APP_SCHEME"
#: Environment variable with the roster file ``kpitools app --roster`` gives the notebook.
ENV_ROSTER = "KPITOOLS_APP_ROSTER"


def resolve_template(name: str | os.PathLike, kind: str = "schemes") -> Path:
    """A file path as given if it exists, else the file of that name in ``templates/<kind>/``.

    Raises
    ------
    DefinitionError
        Neither exists (with the closest template's name and the list of templates).

    Examples
    --------
    >>> resolve_template("weighted_scorecard.yaml").name
    'weighted_scorecard.yaml'
    """
    path = Path(name)
    if path.is_file():
        return path
    folder = shipped("templates", kind)
    candidate = folder / path.name
    if candidate.is_file():
        return candidate
    known = sorted(p.name for p in folder.glob("*.yaml")) if folder.is_dir() else []
    raise DefinitionError(
        f"{name}: no such file, and no template of that name in {folder}."
        f"{did_you_mean(path.name, known)}\n"
        f"Suggestion: give a path to a {kind[:-1]} file, or one of: "
        f"{', '.join(known) or '(none)'}."
    )


def whatif_inputs(data: Any = None, scheme: str | os.PathLike = DEFAULT_SCHEME) -> tuple[Any, Path]:
    """The data and scheme file of the what-if notebook, as its parameters and the app say.

    ``KPITOOLS_APP_DATA`` / ``KPITOOLS_APP_SCHEME`` (set by ``kpitools app --data/--scheme``)
    override the parameters.

    Returns
    -------
    (DataFrame, path or None; pathlib.Path)
        The data to pass to :class:`~kpitools.whatif.SchemeExplorer` (None when neither the
        parameters nor the app give any: the notebook then takes the demo company), and the
        scheme file.

    Examples
    --------
    >>> data, scheme = whatif_inputs()  # doctest: +SKIP
    >>> data is None, scheme.name  # doctest: +SKIP
    (True, 'weighted_scorecard.yaml')
    """
    data = os.environ.get(ENV_DATA) or data
    scheme = os.environ.get(ENV_SCHEME) or scheme
    return data, resolve_template(scheme, "schemes")


def whatif_roster(roster: Any = None) -> Any:
    """The what-if notebook's roster: ``KPITOOLS_APP_ROSTER`` if set, else the parameter.

    ``kpitools app --roster`` sets the variable; a parameter of None means no roster (or,
    on the demo company, its own).

    Examples
    --------
    >>> whatif_roster("roster.csv")  # doctest: +SKIP
    'roster.csv'
    """
    return os.environ.get(ENV_ROSTER) or roster
