"""Gap analysis: why a goal was missed, split into driver contributions that add up.

Sums split exactly; products and quotients by log-mean Divisia, applied recursively
through mixed trees.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._util.format import frame_table, number
from .._util.formula import BinOp, Expr, Name, Neg, Number
from ..errors import DefinitionError, FormulaError, did_you_mean
from .cascade import _ZERO_HINT, cascade
from .load import load_design
from .model import Design

__all__ = ["GapResult", "gap_analysis"]


# --------------------------------------------------------------------------- gap analysis
def _logmean(p: float, q: float) -> float:
    if p == q or abs(p - q) <= 1e-12 * abs(q):
        return p
    return (p - q) / math.log(p / q)


def _split(node: Expr, e0: Mapping[str, float], e1: Mapping[str, float]) -> dict[str, float]:
    """Contributions of each name to ``node(e1) - node(e0)``; they add up to it exactly.

    Sums split exactly; products and quotients by log-mean Divisia (LMDI) when
    both factors keep their sign, else by the symmetric (Shapley) split; each
    factor's share is passed down to its own terms in proportion.
    """
    if isinstance(node, Number):
        return {}
    if isinstance(node, Name):
        delta = e1[node.id] - e0[node.id]
        return {node.id: delta} if delta != 0 else {}
    if isinstance(node, Neg):
        return {k: -v for k, v in _split(node.operand, e0, e1).items()}
    assert isinstance(node, BinOp)
    if node.op in "+-":
        out = dict(_split(node.left, e0, e1))
        sign = 1.0 if node.op == "+" else -1.0
        for k, v in _split(node.right, e0, e1).items():
            out[k] = out.get(k, 0.0) + sign * v
        return out
    a0, a1 = float(node.left.evaluate(e0)), float(node.left.evaluate(e1))
    b0, b1 = float(node.right.evaluate(e0)), float(node.right.evaluate(e1))
    f = (lambda a, b: a * b) if node.op == "*" else (lambda a, b: a / b)
    y0, y1 = f(a0, b0), f(a1, b1)
    if a0 * a1 > 0 and b0 * b1 > 0:
        lm = _logmean(y1, y0)
        ca = lm * math.log(a1 / a0)
        cb = (1.0 if node.op == "*" else -1.0) * lm * math.log(b1 / b0)
    else:
        ca = 0.5 * ((f(a1, b0) - f(a0, b0)) + (f(a1, b1) - f(a0, b1)))
        cb = (y1 - y0) - ca
    out: dict[str, float] = {}
    for sub, c in ((node.left, ca), (node.right, cb)):
        if c == 0:
            continue
        parts = _split(sub, e0, e1)
        total = math.fsum(parts.values())
        if total == 0:
            continue
        for k, v in parts.items():
            out[k] = out.get(k, 0.0) + c * v / total
    return out


@dataclass(frozen=True, kw_only=True)
class GapResult:
    """Why a goal was missed: the gap split into driver contributions.

    Attributes
    ----------
    goal : str
    plan, actual, gap : float
        ``gap = actual - plan``.
    contributions : DataFrame
        One row per driver (and one per goal whose given actual its own drivers do
        not explain, ``kind == "unexplained"``): ``driver, name, kind, plan,
        actual, change, change_pct, contribution, share``. The contributions add up
        to ``gap``. Sorted with the most costly driver first.
    detail : DataFrame
        The same for every goal in the tree (intermediate goals carry the sum of
        their drivers' contributions).
    assumed_on_plan : tuple
        Drivers without an actual, taken at their plan value.
    """

    goal: str
    plan: float
    actual: float
    contributions: pd.DataFrame
    detail: pd.DataFrame
    assumed_on_plan: tuple[str, ...] = ()
    direction: str = "higher"

    @property
    def gap(self) -> float:
        """Actual minus plan of the goal."""
        return self.actual - self.plan

    @property
    def worst(self) -> str | None:
        """The driver that cost the most; ``None`` if nothing cost anything.

        The most negative contribution for a higher-is-better goal, the most positive for a
        lower-is-better one.
        """
        c = self.contributions
        if c.empty:
            return None
        s = c["contribution"] if self.direction == "higher" else -c["contribution"]
        i = int(np.argmin(s.to_numpy()))
        return str(c["driver"].iloc[i]) if s.iloc[i] < 0 else None

    @property
    def summary(self) -> pd.DataFrame:
        """The contributions table."""
        return self.contributions

    def __str__(self) -> str:
        c = self.contributions
        table = pd.DataFrame(
            {
                "driver": c["driver"] + np.where(c["kind"] == "unexplained", " (unexplained)", ""),
                "plan": c["plan"].map(number),
                "actual": c["actual"].map(number),
                "change": c["change_pct"].map(lambda v: "" if math.isnan(v) else f"{v:+.1%}"),
                "contribution": c["contribution"].map(number),
                # round first so that a share of -0.1% reads 0%, not -0%
                "share": c["share"].map(
                    lambda v: "" if math.isnan(v) else f"{round(v, 2) + 0:.0%}"
                ),
            }
        )
        head = (
            f"Gap analysis of {self.goal}: plan {number(self.plan)}, actual "
            f"{number(self.actual)}, gap {number(self.gap)}"
        )
        if self.worst:
            head += f"; {self.worst} cost the most"
        return head + "\n" + frame_table(table, right=table.columns[1:])

    def __repr__(self) -> str:
        return f"<GapResult {self.goal!r}: gap {number(self.gap)}, worst {self.worst!r}>"

    def _repr_html_(self) -> str:
        return (
            f"<h4>Gap analysis of {self.goal}: plan {number(self.plan)}, actual "
            f"{number(self.actual)}, gap {number(self.gap)}</h4>"
            + self.contributions.to_html(index=False)
        )


_GAP_COLUMNS = [
    "driver",
    "name",
    "kind",
    "plan",
    "actual",
    "change",
    "change_pct",
    "contribution",
    "share",
]


def gap_analysis(
    design: Design,
    actuals: Mapping[str, float],
    goal: str | None = None,
    plan: Mapping[str, float] | None = None,
) -> GapResult:
    """Split the gap between a goal's plan and its actual into driver contributions.

    The actual of each goal is the one given in ``actuals``, else its formula over
    its drivers' actuals, else (a driver with no actual) its plan value. At each
    formula the change splits exactly: sums term by term, products and quotients
    by log-mean Divisia (LMDI), mixed trees recursively; contributions therefore
    add up exactly (to rounding) to the gap.

    Parameters
    ----------
    actuals : mapping
        Goal id → actual value for the period (drivers, and any goal measured directly).
        Actuals of goals outside the analysed goal's tree play no part.
    goal : str, optional
        Goal to explain (default: the top goal).
    plan : mapping, optional
        Planned values (default: the cascade).

    Examples
    --------
    >>> d = load_design({"goals": [
    ...     {"id": "revenue", "target": 2e6, "formula": "units * price"},
    ...     {"id": "units"}, {"id": "price", "value": 1e4}]}, library={})
    >>> r = gap_analysis(d, {"units": 180, "price": 10_000})
    >>> r.gap, r.worst
    (-200000.0, 'units')
    """
    design = load_design(design) if not isinstance(design, Design) else design
    if plan is None:
        plan = cascade(design).values
    top = goal or design.top_goal
    tree = _check_inputs(design, actuals, plan, top)
    pos = {g: i for i, g in enumerate(design.order)}
    bottom_up = sorted(tree, key=pos.__getitem__)
    walk = _Actuals(design, actuals, plan, bottom_up)
    contrib, unexplained = _contributions(design, bottom_up, top, plan, walk)
    gap = walk.act[top] - float(plan[top])
    direction = design.goal(top).direction
    rows, detail = _rows(design, tree, top, plan, walk, contrib, unexplained, gap)
    contributions = pd.DataFrame(rows, columns=_GAP_COLUMNS)
    for c in _GAP_COLUMNS[3:]:
        contributions[c] = contributions[c].astype("float64")
    key = contributions["contribution"] if direction == "higher" else -contributions["contribution"]
    contributions = contributions.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(
        drop=True
    )
    return GapResult(
        goal=top,
        plan=float(plan[top]),
        actual=walk.act[top],
        contributions=contributions,
        detail=pd.DataFrame(detail, columns=_GAP_COLUMNS),
        assumed_on_plan=tuple(sorted(walk.assumed, key=lambda n: design.goal(n).index)),
        direction=direction,
    )


def _check_inputs(
    design: Design, actuals: Mapping[str, float], plan: Mapping[str, float], top: str | None
) -> list[str]:
    """The goals of ``top``'s tree, once the actuals and plan are known to be usable."""
    if top is None:
        raise DefinitionError(f"{design.source}: the design has no goals.\nSuggestion: add goals.")
    design.goal(top)
    for k, v in actuals.items():
        if k not in design.goal_ids:
            raise DefinitionError(
                f"{design.source}: actual given for unknown goal {k!r}."
                f"{did_you_mean(k, design.goal_ids)}\n"
                f"Suggestion: use goal ids: {', '.join(design.goal_ids)}."
            )
        if (
            isinstance(v, bool)
            or not isinstance(v, int | float | np.number)
            or not math.isfinite(v)
        ):
            raise DefinitionError(
                f"{design.source}: the actual of {k!r} must be a finite number, got {v!r}.\n"
                "Suggestion: give a number."
            )
    tree = [top, *design.descendants(top)]
    for n in tree:
        if math.isnan(plan.get(n, math.nan)):
            raise DefinitionError(
                f"{design.source}: goal {n!r} has no planned value, so there is no gap to "
                f"explain.\nSuggestion: give {n!r} a target or a value, or run the cascade first."
            )
    return tree


class _Actuals:
    """Each goal's actual, bottom up: given, else its formula over its drivers, else plan."""

    def __init__(
        self,
        design: Design,
        actuals: Mapping[str, float],
        plan: Mapping[str, float],
        bottom_up: list[str],
    ) -> None:
        self.below: dict[str, bool] = {}  # has an actual somewhere under it
        self.act: dict[str, float] = {}
        self.formula_act: dict[str, float] = {}
        self.assumed: list[str] = []
        for n in bottom_up:
            g = design.goal(n)
            self.below[n] = any(self.below[d] or d in actuals for d in g.drivers)
            if g.expr is not None and self.below[n]:
                try:
                    self.formula_act[n] = float(g.expr.evaluate(self.act))
                except FormulaError as err:
                    raise FormulaError(
                        f"{design.source}: actuals of goal {n!r}: {err.message}\n"
                        f"Suggestion: {_ZERO_HINT}"
                    ) from None
            if n in actuals:
                self.act[n] = float(actuals[n])
            elif n in self.formula_act:
                self.act[n] = self.formula_act[n]
            else:
                self.act[n] = float(plan[n])
                if g.expr is None:
                    self.assumed.append(n)


def _contributions(
    design: Design, bottom_up: list[str], top: str, plan: Mapping[str, float], walk: _Actuals
) -> tuple[dict[str, float], dict[str, float]]:
    """Each driver's share of the gap, split top down formula by formula."""
    contrib: dict[str, float] = {top: walk.act[top] - float(plan[top])}
    unexplained: dict[str, float] = {}
    for n in reversed(bottom_up):
        g = design.goal(n)
        c = contrib.get(n, 0.0)
        if g.expr is None or not walk.below[n] or c == 0:
            continue
        parts = _split(g.expr, plan, walk.act)
        resid = walk.act[n] - walk.formula_act[n]
        # normalise by what the parts add up to, so the shares add up to c exactly
        denom = math.fsum(parts.values()) + resid
        if denom == 0:
            unexplained[n] = unexplained.get(n, 0.0) + c
            continue
        for k, v in parts.items():
            contrib[k] = contrib.get(k, 0.0) + c * v / denom
        if resid != 0:
            unexplained[n] = unexplained.get(n, 0.0) + c * resid / denom
    return contrib, unexplained


def _rows(
    design: Design,
    tree: list[str],
    top: str,
    plan: Mapping[str, float],
    walk: _Actuals,
    contrib: Mapping[str, float],
    unexplained: Mapping[str, float],
    gap: float,
) -> tuple[list[dict], list[dict]]:
    """The rows of the contributions table (drivers, unexplained parts) and of the detail."""
    detail_rows, rows = [], []
    for n in tree:
        g = design.goal(n)
        p, a = float(plan[n]), walk.act[n]
        row = {
            "driver": n,
            "name": g.name,
            "kind": "goal" if (g.expr is not None and walk.below[n]) else "driver",
            "plan": p,
            "actual": a,
            "change": a - p,
            "change_pct": (a - p) / abs(p) if p != 0 else math.nan,
            "contribution": contrib.get(n, 0.0),
            "share": contrib.get(n, 0.0) / gap if gap != 0 else math.nan,
        }
        detail_rows.append(row)
        if n != top and row["kind"] == "driver":
            rows.append(row)
        if n in unexplained:
            fa = walk.formula_act[n]
            rows.append(
                dict(
                    row,
                    kind="unexplained",
                    contribution=unexplained[n],
                    plan=fa,
                    actual=a,
                    change=a - fa,
                    change_pct=(a - fa) / abs(fa) if fa else math.nan,
                    share=unexplained[n] / gap if gap != 0 else math.nan,
                )
            )
    if not walk.below[top]:
        rows.append(dict(detail_rows[0], kind="driver"))
    return rows, detail_rows
