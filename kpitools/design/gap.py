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
        return self.actual - self.plan

    @property
    def worst(self) -> str | None:
        """The driver that cost the most (most negative contribution for a higher-is-better
        goal, most positive for a lower-is-better one); ``None`` if nothing cost anything.
        """
        c = self.contributions
        if c.empty:
            return None
        s = c["contribution"] if self.direction == "higher" else -c["contribution"]
        i = int(np.argmin(s.to_numpy()))
        return str(c["driver"].iloc[i]) if s.iloc[i] < 0 else None

    @property
    def summary(self) -> pd.DataFrame:
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
    pos = {g: i for i, g in enumerate(design.order)}
    bottom_up = sorted(tree, key=pos.__getitem__)
    has_actual_below: dict[str, bool] = {}
    act: dict[str, float] = {}
    formula_act: dict[str, float] = {}
    assumed: list[str] = []
    for n in bottom_up:
        g = design.goal(n)
        below = any(has_actual_below[d] or d in actuals for d in g.drivers)
        has_actual_below[n] = below
        if g.expr is not None and below:
            try:
                formula_act[n] = float(g.expr.evaluate(act))
            except FormulaError as err:
                raise FormulaError(
                    f"{design.source}: actuals of goal {n!r}: {err.message}\n"
                    f"Suggestion: {_ZERO_HINT}"
                ) from None
        if n in actuals:
            act[n] = float(actuals[n])
        elif n in formula_act:
            act[n] = formula_act[n]
        else:
            act[n] = float(plan[n])
            if g.expr is None:
                assumed.append(n)
    contrib: dict[str, float] = {top: act[top] - float(plan[top])}
    unexplained: dict[str, float] = {}
    for n in reversed(bottom_up):
        g = design.goal(n)
        c = contrib.get(n, 0.0)
        if g.expr is None or not has_actual_below[n]:
            continue
        if c == 0:
            continue
        parts = _split(g.expr, plan, act)
        resid = act[n] - formula_act[n]
        # normalise by what the parts add up to, so the shares add up to c exactly
        denom = math.fsum(parts.values()) + resid
        if denom == 0:
            unexplained[n] = unexplained.get(n, 0.0) + c
            continue
        for k, v in parts.items():
            contrib[k] = contrib.get(k, 0.0) + c * v / denom
        if resid != 0:
            unexplained[n] = unexplained.get(n, 0.0) + c * resid / denom
    gap = act[top] - float(plan[top])
    direction = design.goal(top).direction
    detail_rows, rows = [], []
    for n in tree:
        g = design.goal(n)
        p, a = float(plan[n]), act[n]
        row = {
            "driver": n,
            "name": g.name,
            "kind": "goal" if (g.expr is not None and has_actual_below[n]) else "driver",
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
            extra = dict(row, kind="unexplained", contribution=unexplained[n])
            extra["plan"], extra["actual"] = formula_act[n], a
            extra["change"] = a - formula_act[n]
            extra["change_pct"] = (
                extra["change"] / abs(extra["plan"]) if extra["plan"] else math.nan
            )
            extra["share"] = unexplained[n] / gap if gap != 0 else math.nan
            rows.append(extra)
    if not has_actual_below[top]:
        rows.append(dict(detail_rows[0], kind="driver"))
    contributions = pd.DataFrame(rows, columns=_GAP_COLUMNS)
    for c in _GAP_COLUMNS[3:]:
        contributions[c] = contributions[c].astype("float64")
    key = contributions["contribution"] if direction == "higher" else -contributions["contribution"]
    contributions = contributions.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(
        drop=True
    )
    detail = pd.DataFrame(detail_rows, columns=_GAP_COLUMNS)
    return GapResult(
        goal=top,
        plan=float(plan[top]),
        actual=act[top],
        contributions=contributions,
        detail=detail,
        assumed_on_plan=tuple(sorted(assumed, key=lambda n: design.goal(n).index)),
        direction=direction,
    )
