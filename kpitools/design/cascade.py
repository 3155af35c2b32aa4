"""Solving the goal tree: targets flow down the driver formulas, known drivers roll up.

Every goal is solved with one unknown per formula: by exact inversion along the
expression tree, or ``brentq`` when the unknown appears more than once.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from .._util.format import frame_table, number
from .._util.formula import BinOp, Expr, Name, Neg
from ..errors import DefinitionError, FormulaError
from .load import load_design
from .model import Design, Goal

__all__ = ["CascadeResult", "cascade"]


_ZERO_HINT = "give the divisor a value other than 0, or change the formula."


# --------------------------------------------------------------------------- cascade
@dataclass(frozen=True, kw_only=True)
class CascadeResult:
    """Every goal's value after cascading targets down and rolling drivers up.

    Attributes
    ----------
    values : dict
        Goal id → value (NaN when nothing determines it).
    how : dict
        Goal id → ``target`` | ``assumption`` | ``solved`` | ``computed`` | ``unknown``.
    solved : tuple
        Ids whose value the cascade found (``solved`` from a goal above, or
        ``computed`` from the drivers below).
    summary : DataFrame
        ``goal, name, value, how, formula, unit, display`` in file order.
    """

    design: Design
    values: dict[str, float]
    how: dict[str, str]
    methods: dict[str, str] = field(default_factory=dict)

    @property
    def solved(self) -> tuple[str, ...]:
        """Goals found from the others (solved for, or computed from their drivers)."""
        return tuple(g for g, h in self.how.items() if h in ("solved", "computed"))

    @property
    def unknown(self) -> tuple[str, ...]:
        """Goals that stayed unknown (not enough targets and assumptions)."""
        return tuple(g for g, h in self.how.items() if h == "unknown")

    @cached_property
    def summary(self) -> pd.DataFrame:
        """One row per goal: id, name, value, how it got it, formula."""
        d = self.design
        rows = []
        for g in d.goals:
            unit = d.unit_of(g.id)
            rows.append(
                {
                    "goal": g.id,
                    "name": g.name,
                    "value": self.values[g.id],
                    "how": self.how[g.id],
                    "formula": g.formula or "",
                    "unit": unit or "",
                    "display": number(self.values[g.id], unit, d.currency),
                }
            )
        df = pd.DataFrame(
            rows, columns=["goal", "name", "value", "how", "formula", "unit", "display"]
        )
        df["value"] = df["value"].astype("float64")
        return df

    def to_dict(self) -> dict[str, float | None]:
        """Goal id → value, ``None`` for unknown (JSON-ready)."""
        return {k: (None if math.isnan(v) else v) for k, v in self.values.items()}

    def __str__(self) -> str:
        s = self.summary
        table = pd.DataFrame(
            {
                "goal": s["goal"],
                "name": s["name"],
                "value": s["display"],
                "how": s["how"],
                "formula": s["formula"],
            }
        )
        head = f"Goal cascade: {self.design.client or self.design.source}"
        if self.design.period:
            head += f", period {self.design.period}"
        return head + "\n" + frame_table(table, right=("value",))

    def __repr__(self) -> str:
        return (
            f"<CascadeResult: {len(self.values)} goals, {len(self.solved)} solved, "
            f"{len(self.unknown)} unknown>"
        )

    def _repr_html_(self) -> str:
        s = self.summary.drop(columns=["value", "unit"]).rename(columns={"display": "value"})
        return "<h4>Goal cascade</h4>" + s.to_html(index=False)


def _count(expr: Expr, name: str) -> int:
    if isinstance(expr, Name):
        return int(expr.id == name)
    if isinstance(expr, Neg):
        return _count(expr.operand, name)
    if isinstance(expr, BinOp):
        return _count(expr.left, name) + _count(expr.right, name)
    return 0


class _NoSolution(Exception):
    pass


def _invert(expr: Expr, x: str, t: float, env: Mapping[str, float]) -> float:
    """Solve ``expr == t`` for ``x`` (appearing exactly once) by walking down the tree."""
    node = expr
    while True:
        if isinstance(node, Name):
            return t
        if isinstance(node, Neg):
            node, t = node.operand, -t
            continue
        assert isinstance(node, BinOp)
        in_left = _count(node.left, x) > 0
        other = node.right if in_left else node.left
        v = float(other.evaluate(env))
        op = node.op
        if op == "+":
            t = t - v
        elif op == "-":
            t = t + v if in_left else v - t
        elif op == "*":
            if v == 0:
                raise _NoSolution(f"{str(other)!r} is 0, so the product is 0 whatever {x!r} is")
            t = t / v
        elif in_left:  # x / v = t
            t = t * v
        else:  # v / x = t
            if t == 0:
                raise _NoSolution(f"{x!r} would have to be infinite")
            t = v / t
        node = node.left if in_left else node.right


def _brentq(expr: Expr, x: str, t: float, env: Mapping[str, float]) -> float:
    """Solve ``expr == t`` for ``x`` (appearing more than once): scan for a sign change, brentq.

    Picks the smallest positive root, else the negative root closest to zero.
    """
    from scipy.optimize import brentq  # scipy loads only when an unknown appears twice

    env = dict(env)

    def h(v):
        env[x] = v
        with np.errstate(all="ignore"):
            return np.asarray(expr.evaluate(env, on_zero_division="nan"), dtype=float) - t

    exps = np.arange(-6.0, 15.0 + 1e-9, 0.01)  # 2,100 points a side, evaluated at once
    pos = np.concatenate([[0.0], 10.0**exps])
    for grid in (pos, -pos):
        vals = h(grid)
        if np.ndim(vals) == 0:  # x cancelled out: the formula does not depend on it
            vals = np.full(grid.shape, float(vals))
        ok = np.isfinite(vals)
        exact = np.flatnonzero(ok & (vals == 0))
        if exact.size:
            return float(grid[exact[0]])
        sign = np.sign(vals)
        change = np.flatnonzero(ok[:-1] & ok[1:] & (sign[:-1] * sign[1:] < 0))
        for i in change:
            a, b = sorted((grid[i], grid[i + 1]))
            # to the last bits of a double (rtol 4 eps is brentq's finest)
            root = brentq(
                lambda v: float(h(v)), a, b, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=200
            )
            miss = abs(float(h(root)))
            if miss <= 1e-6 * max(1.0, abs(t)):
                # a shorter decimal that fits at least as well is the answer a person writes:
                # (price - 80) / price = 0.2 gives 100, not 99.9999999999999
                short = float(f"{root:.12g}")
                return short if abs(float(h(short))) <= miss else float(root)
    raise _NoSolution(f"no value of {x!r} between -1e15 and 1e15 reaches it")


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def _tidy(v: float) -> float:
    """``v`` to 15 significant digits (what a spreadsheet shows), dropping binary noise.

    700,000 / (0.07 × 1,000) is 10,000 to a consultant, not 9,999.999999999998;
    0.3 − 0.1 is 0.2, not 0.19999999999999998.
    """
    if v == 0:
        return 0.0  # never -0.0
    if not math.isfinite(v):
        return v
    return float(f"{v:.15g}")


class _Solver:
    """Solves a design's goal tree: each formula with one unknown, until nothing changes."""

    def __init__(self, design: Design) -> None:
        self.design = design
        self.values: dict[str, float] = {}
        self.how: dict[str, str] = {}
        self.methods: dict[str, str] = {}
        for g in design.goals:
            if g.target is not None:
                self.values[g.id], self.how[g.id] = g.target, "target"
            elif g.value is not None:
                self.values[g.id], self.how[g.id] = g.value, "assumption"
        self.eqs = {g.id: g for g in design.goals if g.expr is not None}
        self.uses: dict[str, list[str]] = {g.id: [] for g in design.goals}
        for gid, g in self.eqs.items():
            for n in {gid, *g.drivers}:
                self.uses[n].append(gid)

    def unknowns(self, g: Goal) -> list[str]:
        return [n for n in (g.id, *g.drivers) if n not in self.values]

    def run(self) -> None:
        """Solve every formula that has one unknown left, as values become known."""
        pending = dict.fromkeys(self.eqs)
        queue = deque(self.eqs)
        while queue:
            gid = queue.popleft()
            if gid not in pending or len(self.unknowns(self.eqs[gid])) > 1:
                continue
            del pending[gid]
            queue.extend(self.step(self.eqs[gid]))
        if pending:
            raise self.too_many_unknowns(self.eqs[next(iter(pending))])

    def step(self, g: Goal) -> list[str]:
        """Solve ``g``'s formula for its one unknown; the goals to look at again."""
        unknown = self.unknowns(g)
        where = self.design.where(f"{g.location}.formula")
        if not unknown or unknown == [g.id]:
            got = self.evaluate(g, where)
            if unknown:
                self.set(g.id, got, "computed", "formula")
                return self.uses[g.id]
            if not _close(got, self.values[g.id]):
                raise self.contradiction(g, got, where)
            return []
        x = unknown[0]
        try:
            if _count(g.expr, x) == 1:
                v, method = _invert(g.expr, x, self.values[g.id], self.values), "inverted"
            else:
                v, method = _brentq(g.expr, x, self.values[g.id], self.values), "brentq"
        except _NoSolution as err:
            raise DefinitionError(
                f"{where}: cannot solve {g.id} = {g.formula} for {x!r} with {g.id} = "
                f"{number(self.values[g.id])}: {err}.\n"
                f"Suggestion: change the assumptions in the formula or give {x!r} a target."
            ) from None
        except FormulaError as err:
            raise FormulaError(
                f"{where}: goal {g.id!r}: {err.message}\nSuggestion: {_ZERO_HINT}"
            ) from None
        self.set(x, v, "solved", method)
        return self.uses[x]

    def set(self, gid: str, value: float, how: str, method: str) -> None:
        self.values[gid], self.how[gid], self.methods[gid] = _tidy(value), how, method

    def evaluate(self, g: Goal, where: str) -> float:
        try:
            return float(g.expr.evaluate(self.values))
        except FormulaError as err:
            raise FormulaError(
                f"{where}: goal {g.id!r}: {err.message}\nSuggestion: {_ZERO_HINT}"
            ) from None

    def contradiction(self, g: Goal, got: float, where: str) -> DefinitionError:
        shown = ", ".join(f"{n} = {number(self.values[n])}" for n in g.drivers)
        return DefinitionError(
            f"{where}: goal {g.id!r} is {number(self.values[g.id])} ({self.how[g.id]}) but its "
            f"formula {g.formula!r} gives {number(got)} ({shown}).\n"
            f"Suggestion: remove the target of {g.id!r} or of one of its drivers, "
            "or make them agree."
        )

    def too_many_unknowns(self, g: Goal) -> DefinitionError:
        unknown = self.unknowns(g)
        names = ", ".join(repr(n) for n in unknown)
        return DefinitionError(
            f"{self.design.where(f'{g.location}.formula')}: cannot solve {g.id} = {g.formula}: "
            f"{len(unknown)} unknowns ({names}); a formula solves for one unknown only.\n"
            "Suggestion: give a target or an assumed value ('value:') to all but one of "
            f"{names}."
        )


def cascade(design: Design) -> CascadeResult:
    """Solve every goal of ``design``.

    Goals with a ``target`` or a ``value`` are known. A formula whose goal and
    drivers are all known but one solves for that one: the goal itself is computed
    from its drivers (roll-up), a driver is found by inverting the formula along
    its expression tree when it appears once, or with ``scipy.optimize.brentq``
    when it appears more than once. Solved values flow on until nothing changes.

    Raises
    ------
    DefinitionError
        A formula left with two or more unknowns (named), division by zero, a
        formula that cannot reach its goal, or a given target that contradicts its
        formula.

    Examples
    --------
    >>> d = load_design({"goals": [
    ...     {"id": "revenue", "target": 2e6, "formula": "units * price"},
    ...     {"id": "units"}, {"id": "price", "value": 1e4}]}, library={})
    >>> cascade(d).values
    {'revenue': 2000000.0, 'units': 200.0, 'price': 10000.0}
    """
    design = load_design(design) if not isinstance(design, Design) else design
    solver = _Solver(design)
    solver.run()
    values = {g.id: solver.values.get(g.id, math.nan) for g in design.goals}
    return CascadeResult(
        design=design,
        values={gid: float(v) for gid, v in values.items()},
        how={g.id: solver.how.get(g.id, "unknown") for g in design.goals},
        methods=solver.methods,
    )
