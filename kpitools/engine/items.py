"""What a scheme measures, as one list: its components, gates and modifiers.

Preparing the data treats the three alike (each reads one KPI, most set a target), so
:func:`scheme_items` lists them as :class:`SchemeItem` objects that know their key path in
the scheme (``components[0]``) and their label in messages (``components[0] (revenue)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..scheme import Scheme

__all__ = ["SchemeItem", "kpi_direction", "scheme_items"]

_SECTION = {"component": "components", "gate": "gates", "modifier": "modifiers"}


@dataclass(frozen=True)
class SchemeItem:
    """One component, gate or modifier of a scheme.

    Attributes
    ----------
    kind : {"component", "gate", "modifier"}
        What it is.
    index : int
        Its position in its list.
    spec : object
        Its model in the scheme (``Component``, a gate or a modifier).
    """

    kind: str
    index: int
    spec: Any

    @property
    def path(self) -> str:
        """Its key path in the scheme, e.g. ``gates[0]``."""
        return f"{_SECTION[self.kind]}[{self.index}]"

    @property
    def label(self) -> str:
        """How messages name it, e.g. ``components[1] (leads)``."""
        return f"{self.path} ({self.spec.kpi})"

    @property
    def needs_target(self) -> bool:
        """Whether it needs a target (all but a commission on value and a score component)."""
        if self.kind == "component" and self.spec.commission is not None:
            return self.spec.commission.needs_target
        return getattr(self.spec, "basis", None) != "score"


def scheme_items(scheme: Scheme) -> list[SchemeItem]:
    """The components, gates and modifiers of a scheme, in that order.

    Examples
    --------
    >>> from kpitools.scheme import load_scheme
    >>> s = load_scheme({"name": "s", "on_target_pay": 1, "components": [
    ...     {"kpi": "x", "weight": 1, "target": 1, "curve": {"steps": [[1, 1]]}}],
    ...     "gates": [{"kpi": "z", "min_attainment": 1, "target": 1}]})
    >>> [item.label for item in scheme_items(s)]
    ['components[0] (x)', 'gates[0] (z)']
    """
    return (
        [SchemeItem("component", i, c) for i, c in enumerate(scheme.components)]
        + [SchemeItem("gate", i, g) for i, g in enumerate(scheme.gates)]
        + [SchemeItem("modifier", i, m) for i, m in enumerate(scheme.modifiers)]
    )


def kpi_direction(spec: Any, library: Any) -> str:
    """The direction of an item's KPI: the scheme's, else the KPI library's, else ``higher``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> kpi_direction(SimpleNamespace(kpi="x", direction=None), None)
    'higher'
    """
    if spec.direction is not None:
        return spec.direction
    k = library.get(spec.kpi) if library is not None else None
    d = getattr(k, "direction", None)
    return d if d in ("higher", "lower") else "higher"
