"""Drawing the goal tree: every goal's solved target, how it got it, and its formula.

The layout that lets the largest fonts fit the axes wins (name wrapping, where the goals
outside the tree go, millions written as ``36.7M``); full numbers are kept when they fit
about as well. Every artist carries a ``gid`` (``goal:<id>``, ``value:<id>``,
``formula:<id>``, …) so that tests and callers can find it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .cascade import CascadeResult
from .cascade import cascade as cascade_design
from .load import load_design
from .model import Design
from .tree_layout import (
    _BAND_MARGIN,
    _FORMULA_PAD,
    _FORMULA_PT,
    _HEADING_PT,
    _HOW_PT,
    _HOW_WORD,
    _LINE_GAP,
    _MARGIN,
    _MIN_BAND,
    _NAME_PT,
    _PAD_Y,
    _VALUE_PT,
    GOAL_COLOURS,
    TreeLayout,
    _Measure,
)

__all__ = ["plot_goal_tree"]


def _split_goals(design: Design) -> tuple[list[str], list[str]]:
    """The goals of the tree, and those outside it (measured but not broken down)."""
    top = design.top_goal
    others = [
        g.id for g in design.goals if g.id != top and not g.drivers and not design.parents[g.id]
    ]
    main = [g.id for g in design.goals if g.id not in set(others)]
    return main, others


def _candidates(
    design: Design, result: CascadeResult, measure: _Measure, wrap: int
) -> list[tuple[float, dict, TreeLayout]]:
    """Every candidate layout with its preference (1 = the preferred way)."""
    main, others = _split_goals(design)
    wraps = dict.fromkeys([wrap, round(wrap * 1.5), max(10, round(wrap * 0.75))])
    wraps.update(dict.fromkeys([max(8, round(wrap * 0.55))]))
    n = len(others)
    places = [("below", n)]
    if n:
        ks = sorted({*range(1, min(n, 8) + 1), n})
        places = [("below", k) for k in reversed(ks)] + [("right", k) for k in ks]
    out = []
    for show_how in (True, False):
        for compact in (False, True):
            for w in wraps:
                for side, k in places:
                    opts = {
                        "wrap": w,
                        "compact": compact,
                        "others_cols": k,
                        "others_side": side,
                        "show_how": show_how,
                    }
                    lay = TreeLayout(design, result, measure, main=main, others=others, **opts)
                    preference = (
                        (1.0 if show_how else 0.92)
                        * (0.9 if compact else 1.0)
                        * (1.0 if w == wrap else 0.97)
                    )
                    out.append((preference, opts, lay))
    return out


def _title_and_legend(ax: Any, design: Design, result: CascadeResult) -> None:
    from matplotlib.patches import Patch  # matplotlib loads only when a plot is drawn

    title = f"{design.client}: goal tree" if design.client else "Goal tree"
    if design.period:
        title += f", {design.period}"
    ax.set_title(title)
    shown = [h for h in GOAL_COLOURS if h in set(result.how.values())]
    handles = [
        Patch(
            facecolor=GOAL_COLOURS[h][0],
            edgecolor="#263238",
            linestyle="--" if h == "assumption" else "-",
            label=_HOW_WORD[h],
        )
        for h in shown
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=len(handles),
        frameon=False,
        fontsize=8,
    )
    ax.set_axis_off()


def _fit(
    design: Design, result: CascadeResult, ax: Any, wrap: int, max_scale: float
) -> tuple[TreeLayout, float, float, float]:
    """The best layout for the axes, its font scale, and the axes' size in inches."""
    fig = ax.figure
    if fig.get_layout_engine() is not None:
        fig.draw_without_rendering()
    measure = _Measure(fig)
    frame = ax.get_window_extent(measure.renderer)
    aw, ah = frame.width / fig.dpi, frame.height / fig.dpi  # inches
    avail_w, avail_h = aw * 72 - 2 * _MARGIN, ah * 72 - 2 * _MARGIN
    best: tuple[float, float, dict, TreeLayout] | None = None
    for preference, opts, lay in _candidates(design, result, measure, wrap):
        fit = min(
            max_scale,
            avail_w / lay.width if lay.width else max_scale,
            avail_h / lay.height if lay.height else max_scale,
        )
        if best is None or fit * preference > best[0] * 1.0001:
            best = (fit * preference, fit, opts, lay)
    assert best is not None
    _, s, opts, lay = best
    s *= 0.98  # text rendering is not exactly linear in the font size
    if lay.bands:  # room to spare in height: longer edges read better
        extra = min((avail_h / s - lay.height) / lay.bands, 2 * _MIN_BAND)
        if extra > 1:
            main, others = _split_goals(design)
            lay = TreeLayout(
                design, result, measure, main=main, others=others, band_extra=extra, **opts
            )
    return lay, s, aw, ah


class _Canvas:
    """Draws a layout at scale ``s``, centred in axes of ``aw`` × ``ah`` inches."""

    def __init__(self, ax: Any, lay: TreeLayout, s: float, aw: float, ah: float) -> None:
        self.ax, self.lay, self.s, self.k = ax, lay, s, s / 72  # points at scale 1 → inches
        self.ox = (aw - lay.width * self.k) / 2
        self.oy = ah - (ah - lay.height * self.k) / 2  # the top of the drawing, y upwards

    def frame(self, gid: str) -> tuple[float, float, float, float]:
        """x0, y0 (bottom), w, h of a goal's box, in inches."""
        x, y, w, h = self.lay.box[gid]
        k = self.k
        return self.ox + x * k, self.oy - (y + h) * k, w * k, h * k

    def edges(self, design: Design) -> None:
        """The edges of each formula and the formula itself, under the boxes."""
        k = self.k
        for g in design.goals:
            if g.expr is None or g.id not in self.lay.box:
                continue
            px, py, pw, _ = self.frame(g.id)
            for d in g.drivers:
                xs, ys = self.lay.route(g.id, d)
                self.ax.plot(
                    self.ox + np.asarray(xs) * k,
                    self.oy - np.asarray(ys) * k,
                    color="#607d8b",
                    linewidth=1.2,
                    zorder=1,
                    clip_on=False,
                )[0].set_in_layout(False)
            self.ax.text(
                px + pw / 2,
                py - (_BAND_MARGIN + _FORMULA_PAD * _FORMULA_PT) * k,
                "= " + g.formula.strip(),
                ha="center",
                va="top",
                fontsize=_FORMULA_PT * self.s,
                style="italic",
                color="#37474f",
                zorder=4,
                bbox={
                    "boxstyle": f"round,pad={_FORMULA_PAD}",
                    "facecolor": "white",
                    "edgecolor": "none",
                },
                gid=f"formula:{g.id}",
            ).set_in_layout(False)

    def box(self, gid: str, how: str) -> None:
        """A goal's box and its three lines: name, value, how it got it."""
        from matplotlib.patches import FancyBboxPatch  # matplotlib loads only to draw

        x0, y0, w, h = self.frame(gid)
        fill, ink = GOAL_COLOURS[how]
        patch = FancyBboxPatch(
            (x0, y0),
            w,
            h,
            boxstyle=f"round,pad=0,rounding_size={4 * self.k:.6f}",
            facecolor=fill,
            edgecolor="#263238" if how != "unknown" else "#b71c1c",
            linestyle="--" if how == "assumption" else "-",
            linewidth=1.0,
            zorder=2,
            gid=f"goal:{gid}",
        )
        patch.set_in_layout(False)
        self.ax.add_patch(patch)
        name, value, how_word = self.lay.texts[gid]
        _, own_h, hn, hv, hh = self.lay.sizes[gid]
        y = y0 + h - ((self.lay.box[gid][3] - own_h) / 2 + _PAD_Y) * self.k  # text top
        parts = (
            (name, hn, _NAME_PT, "normal", "name"),
            (value, hv, _VALUE_PT, "bold", "value"),
            (how_word, hh, _HOW_PT, "normal", "how"),
        )
        for text, height, size, weight, kind in parts:
            if not text:
                continue
            self.ax.text(
                x0 + w / 2,
                y - height / 2 * self.k,
                text,
                ha="center",
                va="center",
                fontsize=size * self.s,
                fontweight=weight,
                color=ink,
                zorder=3,
                gid=f"{kind}:{gid}",
            ).set_in_layout(False)
            y -= (height + _LINE_GAP) * self.k

    def heading(self) -> None:
        """The heading of the goals outside the tree, when there are any."""
        if self.lay.heading is None:
            return
        hx, hy = self.lay.heading
        self.ax.text(
            self.ox + hx * self.k,
            self.oy - hy * self.k,
            "Other goals",
            ha="center",
            va="center",
            fontsize=_HEADING_PT * self.s,
            style="italic",
            color="#546e7a",
            gid="heading:other-goals",
        ).set_in_layout(False)


def _new_axes(design: Design, result: CascadeResult, wrap: int) -> Any:
    """A figure sized for the tree's preferred layout."""
    import matplotlib.pyplot as plt  # matplotlib loads only when a plot is drawn

    fig = plt.figure()
    first = _candidates(design, result, _Measure(fig), wrap)[0][2]
    fig.set_size_inches(
        min(18.0, max(6.0, (first.width + 2 * _MARGIN) / 72 / 0.775 + 0.1)),
        min(12.0, max(3.0, (first.height + 2 * _MARGIN) / 72 / 0.77 + 0.1)),
    )
    return fig.add_subplot()


def plot_goal_tree(
    design: Design | str,
    ax: Any = None,
    cascade: CascadeResult | None = None,
    wrap: int = 24,
    *,
    max_scale: float = 1.25,
) -> Any:
    """Draw the goal tree with every goal's solved target.

    Each box shows the goal's name, its value (thousands separators and the
    design's currency) and how it got it: a given target, an assumption, solved
    from the goal above, or computed from the drivers below. Each formula is
    written where its edges leave the goal. Goals outside the tree (measured by a
    KPI but not broken down, like "New clients won") are drawn apart, under the
    tree or at its right, as "Other goals".

    The drawing is fitted to the axes: every text is measured with the figure's
    renderer, boxes are sized to their text, and the layout (name wrapping,
    where the other goals go, millions written as ``36.7M``) that allows the
    largest fonts wins; full numbers are kept when they fit about as well. Call
    it once the axes have their final size (a constrained layout is applied
    first).

    Parameters
    ----------
    design : Design or path
    ax : matplotlib Axes, optional
        A new figure sized for the tree when not given.
    cascade : CascadeResult, optional
        Reuse a cascade already computed.
    wrap : int
        Preferred characters per line of a goal name (narrower or wider when that
        fits the axes better; at most three lines, words are never cut).
    max_scale : float
        Largest font scale (1 = names at 8.5 pt, values at 10.5 pt) in big axes.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> ax = plot_goal_tree("templates/designs/sales_generator.yaml")  # doctest: +SKIP
    """
    design = load_design(design)
    result = cascade or cascade_design(design)
    if ax is None:
        ax = _new_axes(design, result, wrap)
    _title_and_legend(ax, design, result)  # first: a layout engine places the axes around them
    lay, s, aw, ah = _fit(design, result, ax, wrap, max_scale)
    canvas = _Canvas(ax, lay, s, aw, ah)
    canvas.edges(design)
    for g in design.goals:
        canvas.box(g.id, result.how[g.id])
    canvas.heading()
    ax.set_xlim(0, aw)
    ax.set_ylim(0, ah)
    return ax
