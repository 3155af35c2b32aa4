"""The one graph utility: cycles and a dependency order over ``{node: [nodes it uses]}``.

Used for goal formulas (a goal uses its drivers), library formula KPIs (a KPI uses its
inputs) and event measures (a ratio uses its measures). Nodes are visited in the mapping's
order, so the cycle reported is the first one in the file, and the same every run; edges to
nodes outside the mapping are ignored (an unknown id is reported elsewhere).

Examples
--------
>>> find_cycle({"revenue": ["units", "price"], "units": ["revenue"], "price": []})
['revenue', 'units', 'revenue']
>>> find_cycle({"a": ["b"], "b": []}) is None
True
>>> dependency_order({"margin": ["revenue", "cost"], "revenue": [], "cost": []})
['revenue', 'cost', 'margin']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["find_cycle", "dependency_order"]

_OPEN, _DONE = 1, 2


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """The first cycle as ``[a, b, …, a]`` (each node uses the next), or ``None``."""
    state: dict[str, int] = {}
    for start in graph:
        if state.get(start):
            continue
        path = [start]
        stack = [iter(graph[start])]
        state[start] = _OPEN
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                state[path.pop()] = _DONE
            elif nxt not in graph:
                continue
            elif state.get(nxt) == _OPEN:
                return path[path.index(nxt) :] + [nxt]
            elif not state.get(nxt):
                state[nxt] = _OPEN
                path.append(nxt)
                stack.append(iter(graph[nxt]))
    return None


def dependency_order(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """Every node after the nodes it uses (depth first, in the mapping's order).

    The graph must have no cycle (check with :func:`find_cycle` first).
    """
    done: dict[str, None] = {}
    for start in graph:
        if start in done:
            continue
        path = [start]
        stack = [iter(graph[start])]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                done[path.pop()] = None
            elif nxt in graph and nxt not in done and nxt not in path:
                path.append(nxt)
                stack.append(iter(graph[nxt]))
    return list(done)
