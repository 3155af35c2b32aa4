"""The four figures of the scheme explorer, updated in place from two evaluations.

Payout curves (the start dashed, now in colour, with dots at each curve's threshold, target
and excellence), the payout distribution, the cost per period against the budget, and the
winners and losers against the start. Each returns the caption of its figure.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from .._util.format import money, number, percent, short_number
from ..engine import format_metric
from ..plots import curve_factor, curve_points
from .evaluate import Evaluation
from .panel import Panel

__all__ = ["PANELS", "SchemeViews", "curve_lines", "curve_marks"]

#: The figures, in display order.
PANELS = ("curve", "dist", "cost", "wl")
_START = "0.55"  # grey of the starting scheme in every figure
_NOW = "#0173b2"  # the current scheme (seaborn colorblind blue)
_UP, _DOWN = "#029e73", "#d55e00"
_COLOURS = ("#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc", "#ca9161")
_BIN = 0.1  # width of a payout-distribution bar, × on-target pay


# --------------------------------------------------------------------------- curves
def _on_attainment(comp: Any) -> bool:
    """Whether a component's pay is drawn against attainment (not a commission on amounts)."""
    commission = comp.commission
    return commission is None or (commission.tiers is not None and commission.basis != "value")


def curve_lines(scheme: Any, x_max: float) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(label, attainment, factor) of every component drawn against attainment.

    Examples
    --------
    >>> from kpitools.scheme import load_scheme
    >>> s = load_scheme({"name": "s", "on_target_pay": 1, "components": [
    ...     {"kpi": "a", "weight": 1, "target": 1, "curve": {"steps": [[1.0, 1.0]]}},
    ...     {"kpi": "a", "commission": {"rate": 0.1}}]})
    >>> [label for label, _x, _y in curve_lines(s, 2.0)]
    ['0: a']
    """
    out = []
    for i, comp in enumerate(scheme.components):
        if _on_attainment(comp):
            x, y, _axis = curve_points(comp.payout_rule, x_max)
            out.append((f"{i}: {comp.name or comp.kpi}", x, y))
    return out


def curve_marks(scheme: Any, lines: list[tuple[str, np.ndarray, np.ndarray]]) -> list[Any]:
    """(attainments, factors) of the threshold, target and excellence of each drawn curve.

    The factor at a jump is the one reached at it (a boundary counts as reached).
    """
    rules = [comp.payout_rule for comp in scheme.components if _on_attainment(comp)]
    out = []
    for rule, (_label, x, _y) in zip(rules, lines, strict=True):
        key = getattr(rule, "key_points", None) or {}
        at = [
            float(key[k])
            for k in ("threshold", "target", "cap")
            if key.get(k) is not None and 0.0 < float(key[k]) <= x[-1]
        ]
        at = np.unique(np.asarray(at, dtype=float))
        out.append((at, curve_factor(rule, at)))
    return out


def _curve_reach(scheme: Any) -> float:
    """Right end of the curves' axis: past every curve's last key point."""
    reach = [1.0]
    for comp in scheme.components:
        reach.append(float(comp.payout_rule.max_attainment))
        key = getattr(comp.payout_rule, "key_points", None) or {}
        reach.extend(float(v) for v in key.values() if v is not None)
    return 1.2 * max(reach)


def _sticky(current: float, needed: float) -> float:
    """An axis top that only moves when the data leave it or shrink well below it."""
    needed = max(needed, 1e-9)
    if needed > current or needed < 0.5 * current:
        return 1.2 * needed
    return current


_MONEY_AXIS = FuncFormatter(lambda v, _: short_number(v))


class SchemeViews:
    """The four figures of :class:`~kpitools.whatif.SchemeExplorer`, updated in place.

    Artists are created once and only their data change (no ``ax.clear()``); titles live in
    HTML captions; axis limits are sticky so that the figures' backgrounds can be reused
    (see :class:`~kpitools.whatif.panel.Panel`): re-creating ticks and text is most of a
    matplotlib redraw.

    Parameters
    ----------
    start : Evaluation
        The scheme the explorer started from (dashed grey in every figure).
    currency : str
        Shown with amounts.

    Attributes
    ----------
    panels : dict
        Figure name (:data:`PANELS`) → :class:`~kpitools.whatif.panel.Panel`.
    curve_marks : list
        Per drawn curve, the dots at its threshold, target and excellence.
    """

    def __init__(self, start: Evaluation, currency: str):
        self.start = start
        self.currency = currency
        self.panels = {k: Panel() for k in PANELS}
        for panel in self.panels.values():
            panel.ax.yaxis.set_major_locator(MaxNLocator(5))
            panel.ax.tick_params(labelsize=8)
        self._setup_curves()
        self._setup_distribution()
        self._setup_cost()
        self._setup_winners()

    # ---- payout curves
    def _setup_curves(self) -> None:
        ax = self.panels["curve"].ax
        ax.axvline(1.0, color="0.8", linewidth=1, zorder=0)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel("attainment", fontsize=9)
        ax.set_ylabel("payout factor", fontsize=9)
        self._curve_lines: list[Any] = []
        self.curve_marks: list[Any] = []
        self._start_lines: list[Any] = []

    def _first_curves(self, ax: Any, lines: list) -> None:
        """Create the current curves' lines and dots (once), or say there is none."""
        for k, (label, _x, _y) in enumerate(lines):
            colour = _COLOURS[k % len(_COLOURS)]
            self._curve_lines += ax.plot([], [], color=colour, lw=2, label=label, animated=True)
            self.curve_marks += ax.plot(
                [], [], "o", color=colour, markersize=5, animated=True, zorder=3
            )
        if self._curve_lines:
            ax.legend(loc="upper left", frameon=False, fontsize=8)
        else:
            ax.text(
                0.5,
                0.5,
                "no curve against attainment:\ncommissions pay on the amount",
                transform=ax.transAxes,
                ha="center",
                va="center",
                color="0.4",
            )

    def _draw_start_curves(self, ax: Any, x_max: float) -> None:
        for line in self._start_lines:
            line.remove()
        self._start_lines = [
            ax.plot(x, y, color=_START, linewidth=1, linestyle="--")[0]
            for _label, x, y in curve_lines(self.start.scheme, x_max)
        ]
        ax.set_xlim(0, x_max)

    def draw_curves(self, now: Evaluation) -> None:
        """Draw the current scheme's payout curves over the start's."""
        ax = self.panels["curve"].ax
        x_max = max(_curve_reach(self.start.scheme), _curve_reach(now.scheme))
        x_max = _sticky(ax.get_xlim()[1] if self._curve_lines else 0.0, x_max)
        if not self._curve_lines or x_max != ax.get_xlim()[1]:
            self._draw_start_curves(ax, x_max)
        top = max((float(np.nanmax(line.get_ydata())) for line in self._start_lines), default=1)
        lines = curve_lines(now.scheme, x_max)
        if not self._curve_lines:
            self._first_curves(ax, lines)
        for line, (_label, x, y) in zip(self._curve_lines, lines, strict=True):
            line.set_data(x, y)
            top = max(top, float(np.nanmax(y)))
        for mark, (at, factor) in zip(
            self.curve_marks, curve_marks(now.scheme, lines), strict=True
        ):
            mark.set_data(at, factor)
        ax.set_ylim(0, _sticky(ax.get_ylim()[1] if ax.get_ylim()[1] > 1 else 0.0, 1.05 * top))

    # ---- payout distribution
    def _setup_distribution(self) -> None:
        start = self.start
        top = float(np.nanquantile(start.multiple, 0.99)) if start.multiple.size else 2.0
        cap = float(start.scheme.cap or 0.0)
        self.bin_top = max(2.0, cap, math.ceil(top * 10) / 10)
        self.bins = np.linspace(0.0, self.bin_top, int(round(self.bin_top / _BIN)) + 1)
        self._start_hist = self._hist(start.multiple)
        ax = self.panels["dist"].ax
        self._bars = ax.stairs(
            self._start_hist, self.bins, fill=True, color=_NOW, alpha=0.75, animated=True
        )
        ax.stairs(self._start_hist, self.bins, color=_START, linewidth=1.2, linestyle="--")
        ax.set_xlim(0, self.bin_top)
        ax.set_ylim(0, 1.2 * max(float(self._start_hist.max()), 0.01))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{number(v)}×"))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel("payout ÷ on-target pay (last bar: and above)", fontsize=9)

    def _hist(self, multiple: np.ndarray) -> np.ndarray:
        m = multiple[np.isfinite(multiple)]
        m = np.clip(m, 0.0, self.bin_top - 1e-9)
        counts, _ = np.histogram(m, bins=self.bins)
        return counts / max(m.size, 1)

    def draw_distribution(self, now: Evaluation) -> str:
        """Draw the current payout distribution; return its caption."""
        hist = self._hist(now.multiple)
        self._bars.set_data(values=hist)
        ax = self.panels["dist"].ax
        top = max(float(hist.max()), float(self._start_hist.max()), 0.01)
        ax.set_ylim(0, _sticky(ax.get_ylim()[1], 1.05 * top))
        m = now.metrics
        return (
            f"Payout distribution: median {format_metric('payout_p50', m['payout_p50'])}×, "
            f"p90 {format_metric('payout_p90', m['payout_p90'])}×, "
            f"{percent(m['pct_zero_payout'])} paid nothing"
        )

    # ---- cost against budget
    def _setup_cost(self) -> None:
        ax = self.panels["cost"].ax
        self._periods: list[str] = []
        (self._cost_start,) = ax.plot([], [], color=_START, linestyle="--", linewidth=1.2)
        (self._cost_now,) = ax.plot([], [], color=_NOW, linewidth=2, animated=True)
        self._budget = ax.axhline(0.0, color=_DOWN, linewidth=1.2, visible=False, animated=True)
        ax.set_ylim(0, 1.0)
        ax.yaxis.set_major_formatter(_MONEY_AXIS)

    def _set_periods(self, ax: Any, labels: list[str]) -> None:
        """Ticks for the periods (about five labelled) and the start's dashed line."""
        self._periods = labels
        ticks = list(range(0, len(labels), max(1, math.ceil(len(labels) / 5))))
        ax.set_xticks(ticks, [labels[k] for k in ticks])
        ax.set_xlim(-0.5, len(labels) - 0.5)
        start = self.start.cost_by_period
        pos = {p: k for k, p in enumerate(labels)}
        self._cost_start.set_data([pos[p] for p in start.index], start.to_numpy())

    def draw_cost(self, now: Evaluation) -> str:
        """Draw the current cost per period against the budget; return its caption."""
        ax = self.panels["cost"].ax
        start, cur = self.start.cost_by_period, now.cost_by_period
        labels = sorted(set(start.index) | set(cur.index))
        if labels != self._periods:
            self._set_periods(ax, labels)
        pos = {p: k for k, p in enumerate(labels)}
        self._cost_now.set_data([pos[p] for p in cur.index], cur.to_numpy())
        budget = now.scheme.budget
        top = max(float(start.max()) if len(start) else 0.0, float(cur.max()) if len(cur) else 0.0)
        title = f"Cost per period: {money(float(cur.sum()), self.currency)} in all (dashed: start)"
        self._budget.set_visible(bool(budget))
        if budget:
            self._budget.set_ydata([budget, budget])
            top = max(top, float(budget))
            over = int((cur.to_numpy() > budget).sum())
            title += f"; over the budget (red) in {over} of {len(cur)} periods"
        ax.set_ylim(0, _sticky(ax.get_ylim()[1], 1.05 * max(top, 1.0)))
        return title

    # ---- winners and losers
    def _setup_winners(self) -> None:
        ax = self.panels["wl"].ax
        ax.axhline(0, color="0.3", linewidth=0.8)
        ax.set_ylim(-1.0, 1.0)
        ax.yaxis.set_major_formatter(_MONEY_AXIS)
        ax.set_xlabel("employees, from the biggest gain to the biggest loss", fontsize=9)
        self._wl_fills: list[Any] = []

    def draw_winners(self, now: Evaluation) -> tuple[str, int, int]:
        """Draw each employee's gain or loss against the start, sorted.

        Returns
        -------
        (str, int, int)
            The caption, the number of winners and of losers (a change of 0.50 or more).
        """
        ax = self.panels["wl"].ax
        for fill in self._wl_fills:
            fill.remove()
        seen = self.start.evaluated | now.evaluated
        diff = np.sort((now.by_employee - self.start.by_employee)[seen])[::-1]
        x = np.arange(diff.size)
        style = {"step": "mid", "linewidth": 0, "animated": True}
        self._wl_fills = [
            ax.fill_between(x, diff, 0, where=diff > 0, color=_UP, **style),
            ax.fill_between(x, diff, 0, where=diff < 0, color=_DOWN, **style),
        ]
        winners = int((diff >= 0.5).sum())
        losers = int((diff <= -0.5).sum())
        same = int(diff.size - winners - losers)
        if ax.get_xlim() != (-0.5, max(diff.size - 0.5, 0.5)):
            ax.set_xlim(-0.5, max(diff.size - 0.5, 0.5))
        span = _sticky(ax.get_ylim()[1], 1.05 * float(np.abs(diff).max()) if diff.size else 1.0)
        ax.set_ylim(-max(span, 1.0), max(span, 1.0))
        title = (
            f"Winners and losers against the start: {winners} gain, {losers} lose, {same} unchanged"
        )
        return title, winners, losers
