"""Live what-if of a design's driver assumptions (:class:`GoalExplorer`, ipywidgets 8).

One slider per assumed value (a price, a conversion rate); moving it solves the goal tree
again, compares the roles' targets with every goal and runs the design checks.
"""

from __future__ import annotations

import dataclasses
import math
from html import escape
from typing import Any

import ipywidgets as w
import pandas as pd

from .._util.format import number
from ..data import load
from ..design import cascade, coverage, load_design, run_checks
from ..errors import DefinitionError, KpitoolsError
from .control_spec import nice_step
from .explorer import Explorer, slider
from .goal_html import cascade_html, checks_html, coverage_html, goal_headline_html

__all__ = ["GoalExplorer", "with_assumption"]


def with_assumption(design: Any, goal_id: str, value: float) -> Any:
    """A new design whose goal ``goal_id`` has the assumed ``value`` (the design is kept).

    Examples
    --------
    >>> from kpitools.design import cascade, load_design
    >>> d = load_design({"goals": [
    ...     {"id": "revenue", "target": 2e6, "formula": "units * price"},
    ...     {"id": "units"}, {"id": "price", "value": 1e4}]}, library={})
    >>> cascade(with_assumption(d, "price", 2e4)).values["units"]
    100.0
    """
    goal = design.goal(goal_id)
    goals = tuple(
        dataclasses.replace(g, value=float(value)) if g.id == goal.id else g for g in design.goals
    )
    return dataclasses.replace(design, goals=goals)


@dataclasses.dataclass(frozen=True, eq=False)
class GoalState:
    """A design with its cascade, coverage and checks.

    Attributes
    ----------
    design : Design
    cascade : CascadeResult
    coverage : DataFrame
    checks : CheckReport
    """

    design: Any
    cascade: Any
    coverage: Any
    checks: Any


def _assumption_range(v: float) -> tuple[float, float, float]:
    """Slider range of an assumed value: a quarter to three times it (0 to 1 for 0)."""
    lo, hi = (v / 4.0, v * 3.0) if v > 0 else (v * 3.0, v / 4.0) if v < 0 else (0, 1)
    return lo, hi, nice_step(hi - lo)


class GoalExplorer(Explorer):
    """What-if explorer of a design's driver assumptions: cascade, coverage and checks.

    One slider per goal with an assumed ``value`` (a price, a conversion rate); moving it
    solves the goal tree again (:func:`kpitools.design.cascade`), compares the roles'
    targets × headcount with every goal (:func:`kpitools.design.coverage`) and runs the
    design checks (:func:`kpitools.design.run_checks`).

    Parameters
    ----------
    design : Design or path
        The design file (docs/designs.md).
    data : DataFrame or path, optional
        History for the ``not-achievable`` check.
    library : Library, optional
        KPI library for the design's KPIs (the shipped one by default).

    Attributes
    ----------
    controls : dict
        Goal id → slider of its assumed value.
    design, start_design : Design
        The design as the sliders set it, and as it was loaded.
    cascade : CascadeResult
    coverage : DataFrame
    checks : CheckReport
    error : str or None
        Why the last change was refused, or None.
    widget : ipywidgets.VBox

    Examples
    --------
    >>> ex = GoalExplorer("templates/designs/b2b_sales.yaml")  # doctest: +SKIP
    >>> ex.controls["avg_deal_size"].value = 60000  # doctest: +SKIP
    >>> ex.cascade.values["won_deals"]  # doctest: +SKIP
    345.0
    """

    def __init__(self, design: Any, *, data: Any = None, library: Any = None):
        super().__init__()
        self.start_design = load_design(design, library=library)
        if data is not None and not isinstance(data, pd.DataFrame):
            data = load(data)
        self._data = data
        self._start = self._evaluate(self.start_design)
        self._now = self._start
        self._build()
        self._refresh()

    # ----------------------------------------------------------------- public API
    @property
    def design(self) -> Any:
        """The design as the sliders set it."""
        return self._now.design

    @property
    def cascade(self) -> Any:
        """:class:`kpitools.design.CascadeResult` of the current design."""
        return self._now.cascade

    @property
    def coverage(self) -> Any:
        """Coverage of every goal by the roles' targets (a copy)."""
        return self._now.coverage.copy()

    @property
    def checks(self) -> Any:
        """:class:`kpitools.design.checks.CheckReport` of the current design."""
        return self._now.checks

    def reset(self) -> None:
        """Back to the design as loaded."""
        self._now = self._start
        self.error = None
        self._sync_controls()
        self._refresh()

    def __repr__(self) -> str:
        d = self.design
        return (
            f"<GoalExplorer {d.client or d.source!r}: {len(self.controls)} assumptions, "
            f"{self.checks.counts()}>"
        )

    # ----------------------------------------------------------------- internals
    def _evaluate(self, design: Any) -> GoalState:
        result = cascade(design)
        return GoalState(
            design=design,
            cascade=result,
            coverage=coverage(design, result.values),
            checks=run_checks(design, self._data),
        )

    def _make_controls(self) -> None:
        """A slider per goal with an assumed value (not one with a target)."""
        self.controls: dict[str, Any] = {}
        for goal in self.start_design.goals:
            if goal.value is None or goal.target is not None:
                continue
            v = float(goal.value)
            lo, hi, step = _assumption_range(v)
            ctrl = slider(
                goal.id,
                value=v,
                min=lo,
                max=hi,
                step=step,
                description=goal.id,
                tooltip=goal.name,
                readout=",.0f" if step >= 1 else ",.4g",
                label_width="140px",
            )
            ctrl.observe(self._observer(goal.id), names="value")
            self.controls[goal.id] = ctrl

    def _build(self) -> None:
        self._make_controls()
        d = self.start_design
        title = escape(d.client or d.source) + (f", {escape(d.period)}" if d.period else "")
        self._headline = w.HTML()
        self._headline.add_class("kpitools-goal-headline")
        self._cascade_html = w.HTML()
        self._coverage_html = w.HTML()
        self._checks_html = w.HTML()
        self._status = w.HTML()
        reset = w.Button(description="Back to start", icon="undo")
        reset.on_click(lambda _: self.reset())
        intro = w.HTML(
            "<b>Assumptions</b><br><span style='color:#555'>goals with a fixed value: "
            "the cascade solves the others from them</span>"
        )
        left = w.VBox(
            [intro, *self.controls.values(), reset], layout=w.Layout(width="34%", min_width="320px")
        )
        right = w.VBox(
            [self._headline, self._cascade_html, self._coverage_html, self._checks_html],
            layout=w.Layout(width="66%"),
        )
        self.widget = w.VBox(
            [
                w.HTML(f"<h3 style='margin:0'>Goals: {title}</h3>"),
                w.HBox([left, right]),
                self._status,
            ]
        )
        self.widget.add_class("kpitools-goal-explorer")

    def _changed(self, goal_id: str, value: float) -> None:
        try:
            now = self._evaluate(with_assumption(self.design, goal_id, value))
            self._check_signs(now, goal_id, value)
        except KpitoolsError as err:
            self._refuse(err)
            return
        self.error = None
        self._now = now
        self._refresh()

    def _check_signs(self, now: GoalState, goal_id: str, value: float) -> None:
        """Refuse an assumption that turns a goal negative (or infinite) that was not."""
        d, start = now.design, self._start.cascade.values
        bad = [
            (g, v)
            for g, v in now.cascade.values.items()
            if v is not None
            and (not math.isfinite(v) or v < 0)
            and g in start
            and start[g] is not None
            and start[g] >= 0
        ]
        if not bad:
            return
        others = [(g, v) for g, v in bad if g != goal_id]
        shown = ", ".join(f"{g} = {number(v, d.unit_of(g), d.currency)}" for g, v in others)
        was = number(start[goal_id], d.unit_of(goal_id), d.currency)
        what = f"{goal_id} = {number(value, d.unit_of(goal_id), d.currency)}"
        raise DefinitionError(
            (f"{what} would make {shown}" if others else f"{what} is negative")
            + ": a goal or target cannot be negative.\n"
            f"Suggestion: set {goal_id} above 0 (it is {was} in the design)."
        )

    def _sync_controls(self) -> None:
        self._syncing = True
        try:
            for goal_id, ctrl in self.controls.items():
                ctrl.value = float(self.design.goal(goal_id).value)
        finally:
            self._syncing = False

    def _refresh(self) -> None:
        d, now = self.design, self._now
        self._cascade_html.value = cascade_html(d, now.cascade.summary, self._start.cascade.summary)
        self._coverage_html.value = coverage_html(d, now.coverage)
        self._checks_html.value = checks_html(now.checks)
        self._headline.value = goal_headline_html(d, now.cascade.values, now.coverage, now.checks)
        if self.error is None:
            self._status.value = ""
