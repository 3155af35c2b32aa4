"""Writing a scheme as YAML a consultant can read, laid out like the shipped templates.

Keys in template order, each component's target and curve on one line, numbers rounded to
12 significant digits (float noise from sliders and solvers removed), whole amounts without
``.0``. :func:`~kpitools.scheme.load_scheme` reads the text back to the same scheme.

Examples
--------
>>> print(scheme_yaml({"name": "s", "on_target_pay": 30000.000000000004, "components": [
...     {"kpi": "x", "weight": 1.0, "target": {"method": "fixed", "value": 12.0},
...      "curve": {"steps": [[1.0, 1.0]], "extrapolate": False}}]}), end="")
name: s
on_target_pay: 30000
components:
  - kpi: x
    weight: 1
    target: {method: fixed, value: 12}
    curve: {steps: [[1.0, 1.0]]}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import yaml

__all__ = ["tidy_number", "scheme_yaml"]

_TOP_ORDER = (
    "name", "description", "period", "currency", "on_target_pay", "revenue_kpi", "roles",
    "components", "gates", "modifiers", "cap", "budget", "pool", "proration",
    "fiscal_year_start", "true_up", "draw", "clawback",
)  # fmt: skip
_FLOW_TOP = ("pool", "roles", "true_up", "draw", "clawback")
_ITEM_ORDER = (
    "kpi", "name", "weight", "basis", "missing", "target", "curve", "commission", "active",
    "min_attainment",
)  # fmt: skip


def tidy_number(value: Any, ints: bool = True) -> Any:
    """Numbers as a consultant writes them: 0.3 not 0.30000000000000004, 1400000 not 1400000.0.

    Parameters
    ----------
    value : Any
        A float is rounded to 12 significant digits; anything else is returned as it is.
    ints : bool
        Return a whole float as an int.

    Examples
    --------
    >>> tidy_number(0.30000000000000004), tidy_number(1.4e6), tidy_number(1.0, ints=False)
    (0.3, 1400000, 1.0)
    """
    if isinstance(value, bool) or not isinstance(value, float) or not math.isfinite(value):
        return value
    value = float(f"{value:.12g}") + 0.0
    return int(value) if ints and value.is_integer() and abs(value) < 1e15 else value


class _Flow(list):
    """A list written on one line in the YAML (``[[0.8, 0.5], [1.0, 1.0]]``)."""


class _FlowMap(dict):
    """A mapping written on one line in the YAML (``{method: fixed, value: 12}``)."""


def _clean(node: Any, *, flow: bool = False, ints: bool = True) -> Any:
    if isinstance(node, Mapping):
        items = {k: _clean(v, flow=flow, ints=ints) for k, v in node.items()}
        return _FlowMap(items) if flow else items
    if isinstance(node, list | tuple):
        items = [_clean(v, flow=flow, ints=ints) for v in node]
        return _Flow(items) if flow else items
    return tidy_number(node, ints)


def _item(node: Mapping[str, Any]) -> dict[str, Any]:
    """A component, gate or modifier: block style, its values (target, curve …) on one line."""
    out = {}
    for k in [k for k in _ITEM_ORDER if k in node] + [k for k in node if k not in _ITEM_ORDER]:
        v = node[k]
        if k == "curve" and isinstance(v, Mapping) and v.get("extrapolate") is False:
            v = {a: b for a, b in v.items() if a != "extrapolate"}  # the default
        # curve points keep 1.0 (an attainment or a factor, as in the templates)
        out[k] = _clean(v, flow=isinstance(v, Mapping | list | tuple), ints=k != "curve")
    return out


def scheme_yaml(data: Mapping[str, Any]) -> str:
    """``Scheme.to_dict()`` as YAML laid out like the shipped templates.

    Parameters
    ----------
    data : mapping
        A scheme as plain data (:meth:`~kpitools.scheme.Scheme.to_dict`).
    """
    out: dict[str, Any] = {}
    for k in [k for k in _TOP_ORDER if k in data] + [k for k in data if k not in _TOP_ORDER]:
        v = data[k]
        if k in ("components", "gates", "modifiers"):
            if v:
                out[k] = [_item(it) for it in v]
        else:
            per_person = isinstance(v, Mapping) and set(v) in ({"from"}, {"pct_of_salary"})
            out[k] = _clean(v, flow=k in _FLOW_TOP or per_person)
    return yaml.dump(out, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


class _Dumper(yaml.SafeDumper):
    """Block lists indented under their key (``  - kpi:`` under ``components:``)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


_Dumper.add_representer(
    _Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)
_Dumper.add_representer(
    _FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True)
)
