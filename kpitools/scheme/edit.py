"""Setting one value of a scheme's data by a dotted parameter path (``components.0.cap``).

Used by :meth:`~kpitools.scheme.Scheme.set`, which validates the changed data again; a
path that does not fit the data is refused here, naming the scheme and the path.

Examples
--------
>>> data = {"components": [{"target": {"value": 5}}]}
>>> set_path(data, "components.0.target.value", 6, source="scheme 's'")
>>> data
{'components': [{'target': {'value': 6}}]}
"""

from __future__ import annotations

from typing import Any

from ..errors import DefinitionError

__all__ = ["set_path"]


def set_path(data: dict[str, Any], path: str, value: Any, *, source: str) -> None:
    """Set ``value`` at the dotted ``path`` of ``data`` (in place).

    A missing key of a mapping is added (with mappings on the way); list items are named by
    index (negative counts from the end).

    Parameters
    ----------
    data : dict
        A scheme as plain data (:meth:`~kpitools.scheme.Scheme.to_dict`).
    path : str
        Dotted path; list items by index: ``components.0.target.rate``, ``cap``,
        ``components.1.curve.points.0.0``.
    value : Any
        The new value.
    source : str
        How messages name the scheme.

    Raises
    ------
    DefinitionError
        An empty path, an index outside a list, or a path that goes on past a value.
    """
    parts = [p for p in str(path).split(".") if p != ""]
    if not parts:
        raise DefinitionError(
            f"{source}: empty parameter path.\n"
            "Suggestion: use a dotted path such as components.0.target.rate."
        )
    node: Any = data
    for depth, part in enumerate(parts):
        where = ".".join(parts[:depth]) or "the scheme"
        key = _key(node, part, where, path, source)
        if depth == len(parts) - 1:
            node[key] = value
            return
        if isinstance(node, dict) and key not in node:
            node[key] = {}
        node = node[key]


def _key(node: Any, part: str, where: str, path: str, source: str) -> Any:
    """The key ``part`` names in ``node``: an index of a list, or a key of a mapping."""
    if isinstance(node, list):
        if not part.lstrip("-").isdigit() or not -len(node) <= int(part) < len(node):
            raise DefinitionError(
                f"{source}: parameter path {path!r}: {where} has {len(node)} "
                f"item(s), so {part!r} is not an index of it.\n"
                f"Suggestion: use an index from 0 to {len(node) - 1}."
            )
        return int(part)
    if isinstance(node, dict):
        return part
    raise DefinitionError(
        f"{source}: parameter path {path!r}: {where} is a value, not a "
        f"mapping or a list.\nSuggestion: stop the path at {where}."
    )
