"""The goal tree's layout: where each box, formula and edge goes, in points at font scale 1.

Goals that drive nothing are on top, each driver one layer below the lowest goal that uses
it, subtrees packed as tightly as their rows allow (Reingold–Tilford); goals outside the
tree are set apart in a grid. Every text is measured with the figure's renderer, so the
whole drawing can be scaled to the axes it is drawn on (:mod:`.tree`).
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np

from .._util.format import number, short_number
from .cascade import CascadeResult
from .model import Design

__all__ = ["GOAL_COLOURS", "TreeLayout"]

#: Box colours (fill, text) of the goal tree by how a goal got its value.
GOAL_COLOURS = {
    "target": ("#1f4e79", "white"),
    "solved": ("#2e7d32", "white"),
    "computed": ("#a5d6a7", "#1b1b1b"),
    "assumption": ("#e0e0e0", "#1b1b1b"),
    "unknown": ("#ffffff", "#b71c1c"),
}
_HOW_WORD = {
    "target": "target",
    "solved": "solved",
    "computed": "computed from drivers",
    "assumption": "assumption",
    "unknown": "unknown",
}


# --------------------------------------------------------------------------- goal tree
# Sizes in points at font scale 1; the whole drawing scales with the fonts, so one
# measurement per text is enough to know how large everything may be drawn.
_NAME_PT, _VALUE_PT, _HOW_PT, _FORMULA_PT, _HEADING_PT = 8.5, 10.5, 6.5, 7.5, 8.0
_PAD_X, _PAD_Y, _LINE_GAP = 7.0, 5.0, 2.0
_GAP_X, _BAND_MARGIN, _MIN_BAND, _MIN_BOX_W = 14.0, 5.0, 18.0, 66.0
_FORMULA_PAD = 0.2  # of the formula's font size, its white backing on every side
_GROUP_GAP = 26.0  # between the tree and the other goals
_MARGIN = 4.0  # inside the axes


class _Measure:
    """Text extents in points (cached), measured with the figure's own renderer."""

    def __init__(self, fig: Any) -> None:
        self.fig = fig
        get = getattr(fig.canvas, "get_renderer", None)  # vector backends have none
        self.renderer = get() if get is not None else fig._get_renderer()
        self.cache: dict[tuple, tuple[float, float]] = {}

    def __call__(
        self, text: str, size: float, weight: str = "normal", style: str = "normal"
    ) -> tuple[float, float]:
        key = (text, size, weight, style)
        if key not in self.cache:
            from matplotlib.text import Text  # matplotlib loads only to draw

            t = Text(0, 0, text, fontsize=size, fontweight=weight, fontstyle=style)
            t.set_figure(self.fig)
            bb = t.get_window_extent(self.renderer)
            self.cache[key] = (bb.width * 72 / self.fig.dpi, bb.height * 72 / self.fig.dpi)
        return self.cache[key]


def _wrap_name(name: str, width: int, max_lines: int = 3) -> str:
    """Whole words on at most ``max_lines`` lines (wider lines when needed, never cut)."""
    lines = textwrap.wrap(name, width, break_long_words=False) or [""]
    while len(lines) > max_lines:
        width += 2
        lines = textwrap.wrap(name, width, break_long_words=False)
    return "\n".join(lines)


def _owned_children(design: Design, roots: list[str]) -> dict[str, list[str]]:
    """Each goal is drawn once, under the first goal (depth first) that uses it."""
    depth = design.depth()
    owned: dict[str, list[str]] = {}

    def visit(node: str) -> None:
        owned[node] = []
        for c in design.goal(node).drivers:
            if c not in owned and depth[c] > depth[node]:
                owned[node].append(c)
                visit(c)

    for r in roots:
        if r not in owned:
            visit(r)
    return owned


_Contour = dict[int, tuple[float, float]]


def _merge(parts: list[tuple[_Contour, float]], gap: float) -> tuple[_Contour, list[float]]:
    """Put contours side by side, each as far left as its rows allow (Reingold–Tilford)."""
    merged: _Contour = {}
    offsets: list[float] = []
    for contour, _ in parts:
        off = offsets[-1] if offsets else 0.0
        for k, (lo, _hi) in contour.items():
            if k in merged:
                off = max(off, merged[k][1] + gap - lo)
        offsets.append(off)
        for k, (lo, hi) in contour.items():
            a, b = merged.get(k, (math.inf, -math.inf))
            merged[k] = (min(a, lo + off), max(b, hi + off))
    return merged, offsets


class TreeLayout:
    """Positions (points, y downwards, at font scale 1) of one way to draw the tree.

    ``box[goal] = (x0, y0 (top), w, h)``; ``texts[goal] = (name, value, how)``;
    ``width``/``height`` of the whole drawing; ``heading`` where "Other goals" goes.
    """

    def __init__(
        self,
        design: Design,
        result: CascadeResult,
        measure: _Measure,
        wrap: int,
        compact: bool,
        main: list[str],
        others: list[str],
        others_cols: int,
        others_side: str,
        show_how: bool = True,
        band_extra: float = 0.0,
    ) -> None:
        self._measure_texts(design, result, measure, wrap, compact, main, show_how)
        main_w, main_h = self._place_tree(design, main, band_extra)
        grid, ow, oh = self._grid(measure, others, others_cols)
        self._arrange(grid, ow, oh, main_w, main_h, side=others_side if main else "below")

    def _measure_texts(
        self,
        design: Design,
        result: CascadeResult,
        measure: _Measure,
        wrap: int,
        compact: bool,
        main: list[str],
        show_how: bool,
    ) -> None:
        fmt = short_number if compact else number
        self.texts: dict[str, tuple[str, str, str]] = {}
        self.sizes: dict[str, tuple[float, float, float, float, float]] = {}
        for g in design.goals:
            name = _wrap_name(g.name, wrap)
            value = fmt(result.values[g.id], design.unit_of(g.id), design.currency)
            how = _HOW_WORD[result.how[g.id]] if show_how else ""
            self.texts[g.id] = (name, value, how)
            wn, hn = measure(name, _NAME_PT)
            wv, hv = measure(value, _VALUE_PT, "bold")
            wh, hh = measure(how, _HOW_PT) if how else (0.0, -_LINE_GAP)
            w = max(wn, wv, wh, _MIN_BOX_W - 2 * _PAD_X) + 2 * _PAD_X
            h = hn + hv + hh + 2 * _LINE_GAP + 2 * _PAD_Y
            self.sizes[g.id] = (w, h, hn, hv, hh)
        self.formula: dict[str, tuple[float, float]] = {}
        for g in design.goals:
            if g.expr is not None and g.id in main:
                fw, fh = measure("= " + g.formula.strip(), _FORMULA_PT, style="italic")
                pad = 2 * _FORMULA_PAD * _FORMULA_PT
                self.formula[g.id] = (fw + pad, fh + pad)

    def _rows(
        self, depth: dict[str, int], main: list[str], band_extra: float
    ) -> tuple[dict[int, float], dict[int, float], float]:
        """The top and height of each row of boxes, and the tree's height."""
        layers = sorted({depth[g] for g in main})
        row_h = {L: max(self.sizes[g][1] for g in main if depth[g] == L) for L in layers}
        band = {
            L: max(
                [self.formula[g][1] + 2 * _BAND_MARGIN for g in self.formula if depth[g] == L]
                + [_MIN_BAND]
            )
            + band_extra
            for L in layers
        }
        top, y = {}, 0.0
        for L in layers:
            top[L] = y
            y += row_h[L] + band[L]
        self.bands = max(len(layers) - 1, 0)
        return top, row_h, (y - band[layers[-1]] if layers else 0.0)

    def _place_tree(
        self, design: Design, main: list[str], band_extra: float
    ) -> tuple[float, float]:
        """Boxes of the tree, each subtree as far left as its rows allow."""
        depth = design.depth()
        top, row_h, main_h = self._rows(depth, main, band_extra)
        self.box: dict[str, tuple[float, float, float, float]] = {}  # x0, y0 (top), w, h
        self.layer = {g: depth[g] for g in main}
        roots = [g for g in main if not design.parents[g]]
        owned = _owned_children(design, roots)
        kid_offsets: dict[str, list[tuple[str, float]]] = {}
        centre_of: dict[str, float] = {}

        def contour(node: str) -> tuple[_Contour, float]:
            """Row extents of a subtree, in its own frame; records where its parts go."""
            L = depth[node]
            kids = [contour(c) for c in owned[node]]
            if kids:
                merged, offs = _merge(kids, _GAP_X)
                centre = (offs[0] + kids[0][1] + offs[-1] + kids[-1][1]) / 2
                kid_offsets[node] = list(zip(owned[node], offs, strict=True))
            else:
                merged, centre = {}, 0.0
            centre_of[node] = centre
            w = self.sizes[node][0]
            merged[2 * L] = (centre - w / 2, centre + w / 2)
            if node in self.formula:
                fw = self.formula[node][0]
                merged[2 * L + 1] = (centre - fw / 2, centre + fw / 2)
            return merged, centre

        def place(node: str, origin: float) -> None:
            w = self.sizes[node][0]
            L = depth[node]
            x = origin + centre_of[node]
            self.box[node] = (x - w / 2, top[L], w, row_h[L])  # one height per row
            for c, off in kid_offsets.get(node, []):
                place(c, origin + off)

        forest, offsets = _merge([contour(r) for r in roots], _GAP_X * 1.5)
        left = min((lo for lo, _ in forest.values()), default=0.0)
        main_w = max((hi for _, hi in forest.values()), default=0.0) - left
        for r, off in zip(roots, offsets, strict=True):
            place(r, off - left)
        return main_w, main_h

    def _grid(
        self, measure: _Measure, others: list[str], cols: int
    ) -> tuple[dict[str, tuple[float, float, float, float]], float, float]:
        """The goals outside the tree in a grid under a heading, in its own frame."""
        self.heading: tuple[float, float] | None = None
        if not others:
            return {}, 0.0, 0.0
        hw, hh = measure("Other goals", _HEADING_PT, style="italic")
        cols = max(1, min(cols, len(others)))
        rows = math.ceil(len(others) / cols)
        col_w = [max(self.sizes[g][0] for g in others[c::cols]) for c in range(cols)]
        row_hs = [
            max(self.sizes[g][1] for g in others[r * cols : (r + 1) * cols]) for r in range(rows)
        ]
        xs = np.concatenate([[0.0], np.cumsum(np.add(col_w, _GAP_X))])
        ys = np.concatenate(
            [[hh + _BAND_MARGIN], hh + _BAND_MARGIN + np.cumsum(np.add(row_hs, _GAP_X))]
        )
        grid = {}
        for i, g in enumerate(others):
            r, c = divmod(i, cols)
            w = self.sizes[g][0]
            grid[g] = (xs[c] + (col_w[c] - w) / 2, ys[r], w, row_hs[r])
        ow = max(float(xs[-1] - _GAP_X), hw)
        self.heading = (ow / 2, hh / 2)
        return grid, ow, float(ys[-1] - _GAP_X)

    def _arrange(
        self, grid: dict, ow: float, oh: float, main_w: float, main_h: float, side: str
    ) -> None:
        """The tree and the other goals side by side (``right``) or one under the other."""
        if grid and side == "right":
            self.width, self.height = main_w + _GROUP_GAP + ow, max(main_h, oh)
            ox, oy = main_w + _GROUP_GAP, 0.0
        elif grid:
            self.width = max(main_w, ow)
            self.height = main_h + (_GROUP_GAP if main_w else 0.0) + oh
            shift = (self.width - main_w) / 2
            self.box = {g: (x + shift, y, w, h) for g, (x, y, w, h) in self.box.items()}
            ox, oy = (self.width - ow) / 2, self.height - oh
        else:
            self.width, self.height = main_w, main_h
            ox = oy = 0.0
        for g, (x, y, w, h) in grid.items():
            self.box[g] = (ox + x, oy + y, w, h)
        if self.heading is not None:
            self.heading = (ox + self.heading[0], oy + self.heading[1])

    def route(self, parent: str, child: str) -> tuple[list[float], list[float]]:
        """An edge from the parent's bottom to the child's top, around boxes in between.

        An edge that skips rows crosses each row in between straight down, where the
        straight line would cross it, or through the gap between boxes nearest to
        that when a box is there; so every diagonal piece stays within one band.
        """
        x0, y0, w0, h0 = self.box[parent]
        x1, y1, w1, _ = self.box[child]
        xs, ys = [x0 + w0 / 2], [y0 + h0]
        end = (x1 + w1 / 2, y1)
        for layer in range(self.layer[parent] + 1, self.layer[child]):
            row = sorted(
                (self.box[g] for g in self.layer if self.layer[g] == layer), key=lambda b: b[0]
            )
            top, bottom = row[0][1], row[0][1] + row[0][3]
            x = xs[-1] + (end[0] - xs[-1]) * ((top + bottom) / 2 - ys[-1]) / (end[1] - ys[-1])
            if any(b[0] - 3 < x < b[0] + b[2] + 3 for b in row):
                free = [row[0][0] - _GAP_X / 2, row[-1][0] + row[-1][2] + _GAP_X / 2]
                free += [(a[0] + a[2] + b[0]) / 2 for a, b in zip(row, row[1:], strict=False)]
                x = min(free, key=lambda f: abs(f - x))
            xs += [x, x]
            ys += [top, bottom]
        xs.append(end[0])
        ys.append(end[1])
        return xs, ys
