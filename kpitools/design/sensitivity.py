"""Sensitivity: each driver's elasticity on the top goal, and a ±10% tornado."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._util.format import frame_table, number
from .._util.formula import BinOp, Expr, Name, Neg, Number
from ..errors import DefinitionError
from .cascade import cascade
from .model import Design

__all__ = ["SensitivityResult", "sensitivity"]


# --------------------------------------------------------------------------- sensitivity
def _adjoints(design: Design, top: str, values: Mapping[str, float]) -> dict[str, float]:
    """D top / d node for every node below ``top`` (reverse mode through the formulas)."""
    adj = {top: 1.0}
    below = set(design.descendants(top)) | {top}
    for gid in reversed(design.order):
        if gid not in below or gid not in adj:
            continue
        g = design.goal(gid)
        if g.expr is None:
            continue
        _backprop(g.expr, adj[gid], values, adj)
    return adj


def _backprop(node: Expr, a: float, env: Mapping[str, float], adj: dict[str, float]) -> None:
    if isinstance(node, Number) or a == 0:
        return
    if isinstance(node, Name):
        adj[node.id] = adj.get(node.id, 0.0) + a
    elif isinstance(node, Neg):
        _backprop(node.operand, -a, env, adj)
    elif isinstance(node, BinOp):
        if node.op == "+":
            _backprop(node.left, a, env, adj)
            _backprop(node.right, a, env, adj)
        elif node.op == "-":
            _backprop(node.left, a, env, adj)
            _backprop(node.right, -a, env, adj)
        else:
            left = float(node.left.evaluate(env, on_zero_division="nan"))
            right = float(node.right.evaluate(env, on_zero_division="nan"))
            if node.op == "*":
                _backprop(node.left, a * right, env, adj)
                _backprop(node.right, a * left, env, adj)
            else:
                with np.errstate(all="ignore"):
                    inv = 1.0 / right if right != 0 else math.nan
                _backprop(node.left, a * inv, env, adj)
                _backprop(node.right, -a * left * inv * inv, env, adj)


def _perturbed_top(
    design: Design, values: Mapping[str, float], top: str, drivers: tuple[str, ...], step: float
) -> tuple[np.ndarray, np.ndarray]:
    """The top goal with each driver alone at ×(1 − step) and ×(1 + step).

    One vectorised pass up the tree: every goal holds an array with one column per
    (driver, direction); a driver's own columns are overridden with its moved value.
    """
    n = len(drivers)
    col = {d: i for i, d in enumerate(drivers)}
    factors = np.concatenate([np.full(n, 1 - step), np.full(n, 1 + step)])
    env: dict[str, Any] = {}
    for gid in sorted({top, *drivers}, key=design.order_index.__getitem__):
        g = design.goal(gid)
        base = float(values[gid])
        if g.expr is not None:
            with np.errstate(all="ignore"):
                arr = np.array(g.expr.evaluate(env, on_zero_division="nan"), dtype=float)
            arr = np.broadcast_to(arr, (2 * n,)).copy()
        else:
            arr = np.full(2 * n, base)
        if gid in col:
            i = col[gid]
            arr[[i, n + i]] = base * factors[[i, n + i]]
        env[gid] = arr
    out = env[top]
    return out[:n], out[n:]


@dataclass(frozen=True, kw_only=True)
class SensitivityResult:
    """How much the top goal moves with each driver.

    Attributes
    ----------
    goal : str
        The goal analysed (the design's top goal unless given).
    base : float
        Its value from the cascade.
    step : float
        The tornado's relative change (0.10 for ±10%).
    elasticities : Series
        Driver id → elasticity: % change of the goal per 1% change of the driver.
    tornado : DataFrame
        ``driver, name, value, low, high, goal_at_low, goal_at_high, swing, elasticity``
        sorted by swing, largest first.
    """

    goal: str
    base: float
    step: float
    tornado: pd.DataFrame
    design: Design | None = field(default=None, repr=False, compare=False)

    @property
    def elasticities(self) -> pd.Series:
        """Each driver's elasticity on the goal (driver → elasticity)."""
        return pd.Series(
            self.tornado["elasticity"].to_numpy(), index=self.tornado["driver"], name="elasticity"
        )

    @property
    def summary(self) -> pd.DataFrame:
        """The tornado table."""
        return self.tornado

    def __str__(self) -> str:
        t = self.tornado
        pct = f"{self.step:.0%}"
        table = pd.DataFrame(
            {
                "driver": t["driver"],
                "elasticity": t["elasticity"].map(lambda v: f"{v:.3g}"),
                f"goal at -{pct}": t["goal_at_low"].map(number),
                f"goal at +{pct}": t["goal_at_high"].map(number),
                "swing": t["swing"].map(number),
            }
        )
        return (
            f"Sensitivity of {self.goal} (base {number(self.base)}), ±{pct} per driver\n"
            + frame_table(table, right=table.columns[1:])
        )

    def __repr__(self) -> str:
        return f"<SensitivityResult of {self.goal!r}: {len(self.tornado)} drivers>"

    def _repr_html_(self) -> str:
        return f"<h4>Sensitivity of {self.goal}</h4>" + self.tornado.to_html(index=False)


_TORNADO_COLUMNS = [
    "driver",
    "name",
    "value",
    "low",
    "high",
    "goal_at_low",
    "goal_at_high",
    "swing",
    "elasticity",
    "leaf",
]


def sensitivity(
    design: Design,
    goal: str | None = None,
    step: float = 0.10,
    values: Mapping[str, float] | None = None,
) -> SensitivityResult:
    """Elasticity of ``goal`` (default: the top goal) to every driver below it, and a tornado.

    The elasticity is exact (derivatives through the formulas, chain rule across
    goals): ``d goal / d driver × driver / goal``. The tornado moves each driver
    by ±``step`` alone, holding the others, and recomputes the goal.

    Examples
    --------
    >>> d = load_design({"goals": [
    ...     {"id": "revenue", "target": 2e6, "formula": "units * price"},
    ...     {"id": "units"}, {"id": "price", "value": 1e4}]}, library={})
    >>> sensitivity(d).elasticities.to_dict()
    {'units': 1.0, 'price': 1.0}
    """
    if values is None:
        values = cascade(design).values
    top = goal or design.top_goal
    if top is None:
        raise DefinitionError(f"{design.source}: the design has no goals.\nSuggestion: add goals.")
    design.goal(top)
    base = float(values[top])
    drivers = design.descendants(top)
    adj = _adjoints(design, top, values)
    at_low, at_high = _perturbed_top(design, values, top, drivers, step)
    rows = []
    for i, d in enumerate(drivers):
        x = float(values[d])
        lo, hi = x * (1 - step), x * (1 + step)
        g_lo, g_hi = float(at_low[i]), float(at_high[i])
        el = adj.get(d, 0.0) * x / base if base != 0 else math.nan
        rows.append(
            {
                "driver": d,
                "name": design.goal(d).name,
                "value": x,
                "low": lo,
                "high": hi,
                "goal_at_low": g_lo,
                "goal_at_high": g_hi,
                # a swing within rounding of the base is no swing
                "swing": 0.0
                if abs(g_hi - g_lo) <= 1e-12 * max(1.0, abs(base))
                else abs(g_hi - g_lo),
                "elasticity": el,
                "leaf": design.goal(d).expr is None,
            }
        )
    df = pd.DataFrame(rows, columns=_TORNADO_COLUMNS)
    for c in _TORNADO_COLUMNS[2:9]:
        df[c] = df[c].astype("float64")
    df["leaf"] = df["leaf"].astype(bool)
    df = df.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
    return SensitivityResult(goal=top, base=base, step=step, tornado=df, design=design)
