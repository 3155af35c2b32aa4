"""Design figures: the goal tree with solved targets, the tornado, the roles × KPIs
weight matrix and the gap waterfall.

Every function takes ``ax=None`` (a new figure when not given), draws on it and
returns it; nothing here calls ``plt.show()``. The goal tree is drawn with a small
layered layout of its own (no graphviz): goals that drive nothing on top, each
driver one layer below the lowest goal that uses it, subtrees packed as tightly as
their rows allow (Reingold–Tilford). Its texts are measured with the figure's
renderer and the whole drawing is scaled to the axes it is given.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from kpitools.design import load_design
>>> d = load_design("templates/designs/sales_generator.yaml")  # doctest: +SKIP
>>> ax = plot_goal_tree(d)  # doctest: +SKIP
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import numpy as np

from .._util.format import number, short_number
from .cascade import CascadeResult
from .cascade import cascade as cascade_design
from .gap import GapResult
from .load import load_design
from .model import Design
from .sensitivity import SensitivityResult, sensitivity

__all__ = [
    "GOAL_COLOURS",
    "plot_goal_tree",
    "plot_tornado",
    "plot_weight_matrix",
    "plot_gap",
]

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


def _axes(ax: Any, size: tuple[float, float] = (7, 4)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


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
            from matplotlib.text import Text

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


class _TreeLayout:
    """Positions (points, y downwards, at font scale 1) of one way to draw the tree."""

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
        depth = design.depth()
        fmt = short_number if compact else number
        self.texts: dict[str, tuple[str, str, str]] = {}
        size: dict[str, tuple[float, float, float, float, float]] = {}
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
            size[g.id] = (w, h, hn, hv, hh)
        self.sizes = size
        self.formula: dict[str, tuple[float, float]] = {}
        for g in design.goals:
            if g.expr is not None and g.id in main:
                fw, fh = measure("= " + g.formula.strip(), _FORMULA_PT, style="italic")
                pad = 2 * _FORMULA_PAD * _FORMULA_PT
                self.formula[g.id] = (fw + pad, fh + pad)

        # the tree: rows of boxes, bands for the formulas between them
        layers = sorted({depth[g] for g in main})
        row_h = {L: max(size[g][1] for g in main if depth[g] == L) for L in layers}
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
        main_h = y - band[layers[-1]] if layers else 0.0
        self.box: dict[str, tuple[float, float, float, float]] = {}  # x0, y0 (top), w, h
        self.bands = max(len(layers) - 1, 0)
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
            w = size[node][0]
            merged[2 * L] = (centre - w / 2, centre + w / 2)
            if node in self.formula:
                fw = self.formula[node][0]
                merged[2 * L + 1] = (centre - fw / 2, centre + fw / 2)
            return merged, centre

        def place(node: str, origin: float) -> None:
            w, h = size[node][:2]
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

        # the other goals: a grid with a heading, below the tree or at its right
        self.heading: tuple[float, float] | None = None
        ow = oh = 0.0
        grid: dict[str, tuple[float, float, float, float]] = {}
        if others:
            hw, hh = measure("Other goals", _HEADING_PT, style="italic")
            cols = max(1, min(others_cols, len(others)))
            rows = math.ceil(len(others) / cols)
            col_w = [max(size[g][0] for g in others[c::cols]) for c in range(cols)]
            row_hs = [
                max(size[g][1] for g in others[r * cols : (r + 1) * cols]) for r in range(rows)
            ]
            xs = np.concatenate([[0.0], np.cumsum(np.add(col_w, _GAP_X))])
            ys = np.concatenate(
                [[hh + _BAND_MARGIN], hh + _BAND_MARGIN + np.cumsum(np.add(row_hs, _GAP_X))]
            )
            for i, g in enumerate(others):
                r, c = divmod(i, cols)
                w, h = size[g][:2]
                grid[g] = (xs[c] + (col_w[c] - w) / 2, ys[r], w, row_hs[r])
            ow = max(float(xs[-1] - _GAP_X), hw)
            oh = float(ys[-1] - _GAP_X)
            self.heading = (ow / 2, hh / 2)
        if others and others_side == "right" and main:
            self.width = main_w + _GROUP_GAP + ow
            self.height = max(main_h, oh)
            ox, oy = main_w + _GROUP_GAP, 0.0
        elif others:
            self.width = max(main_w, ow)
            self.height = main_h + (_GROUP_GAP if main else 0.0) + oh
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
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch, Patch

    design = load_design(design)
    result = cascade or cascade_design(design)
    top = design.top_goal
    others = [
        g.id for g in design.goals if g.id != top and not g.drivers and not design.parents[g.id]
    ]
    main = [g.id for g in design.goals if g.id not in set(others)]

    def layouts(measure: _Measure) -> list[tuple[float, dict, _TreeLayout]]:
        """Every candidate layout with its preference (1 = the preferred way)."""
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
                        lay = _TreeLayout(design, result, measure, main=main, others=others, **opts)
                        preference = (
                            (1.0 if show_how else 0.92)
                            * (0.9 if compact else 1.0)
                            * (1.0 if w == wrap else 0.97)
                        )
                        out.append((preference, opts, lay))
        return out

    if ax is None:
        fig = plt.figure()
        first = layouts(_Measure(fig))[0][2]
        fig.set_size_inches(
            min(18.0, max(6.0, (first.width + 2 * _MARGIN) / 72 / 0.775 + 0.1)),
            min(12.0, max(3.0, (first.height + 2 * _MARGIN) / 72 / 0.77 + 0.1)),
        )
        ax = fig.add_subplot()
    fig = ax.figure

    # title and legend first: a layout engine places the axes around them
    title = "Goal tree"
    if design.client:
        title = f"{design.client}: goal tree"
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
    if fig.get_layout_engine() is not None:
        fig.draw_without_rendering()
    measure = _Measure(fig)
    frame = ax.get_window_extent(measure.renderer)
    aw, ah = frame.width / fig.dpi, frame.height / fig.dpi  # inches
    avail_w, avail_h = aw * 72 - 2 * _MARGIN, ah * 72 - 2 * _MARGIN

    best: tuple[float, float, dict, _TreeLayout] | None = None
    for preference, opts, lay in layouts(measure):
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
            lay = _TreeLayout(
                design, result, measure, main=main, others=others, band_extra=extra, **opts
            )
    k = s / 72  # points at scale 1 → inches
    ox = (aw - lay.width * k) / 2
    oy = ah - (ah - lay.height * k) / 2  # the top of the drawing, y upwards

    def frame_of(gid: str) -> tuple[float, float, float, float]:
        x, y, w, h = lay.box[gid]
        return ox + x * k, oy - (y + h) * k, w * k, h * k  # x0, y0 (bottom), w, h

    for g in design.goals:  # edges first, under the boxes
        if g.expr is None or g.id not in lay.box:
            continue
        px, py, pw, _ = frame_of(g.id)
        for d in g.drivers:
            xs, ys = lay.route(g.id, d)
            ax.plot(
                ox + np.asarray(xs) * k,
                oy - np.asarray(ys) * k,
                color="#607d8b",
                linewidth=1.2,
                zorder=1,
                clip_on=False,
            )[0].set_in_layout(False)
        label = ax.text(
            px + pw / 2,
            py - (_BAND_MARGIN + _FORMULA_PAD * _FORMULA_PT) * k,
            "= " + g.formula.strip(),
            ha="center",
            va="top",
            fontsize=_FORMULA_PT * s,
            style="italic",
            color="#37474f",
            zorder=4,
            bbox={
                "boxstyle": f"round,pad={_FORMULA_PAD}",
                "facecolor": "white",
                "edgecolor": "none",
            },
            gid=f"formula:{g.id}",
        )
        label.set_in_layout(False)
    for g in design.goals:
        x0, y0, w, h = frame_of(g.id)
        how = result.how[g.id]
        fill, ink = GOAL_COLOURS[how]
        box = FancyBboxPatch(
            (x0, y0),
            w,
            h,
            boxstyle=f"round,pad=0,rounding_size={4 * k:.6f}",
            facecolor=fill,
            edgecolor="#263238" if how != "unknown" else "#b71c1c",
            linestyle="--" if how == "assumption" else "-",
            linewidth=1.0,
            zorder=2,
            gid=f"goal:{g.id}",
        )
        box.set_in_layout(False)
        ax.add_patch(box)
        name, value, how_word = lay.texts[g.id]
        _, own_h, hn, hv, hh = lay.sizes[g.id]
        y = y0 + h - ((lay.box[g.id][3] - own_h) / 2 + _PAD_Y) * k  # top of the text
        cx = x0 + w / 2
        parts = (
            (name, hn, _NAME_PT, "normal", "name"),
            (value, hv, _VALUE_PT, "bold", "value"),
            (how_word, hh, _HOW_PT, "normal", "how"),
        )
        for text, height, size, weight, kind in parts:
            if not text:
                continue
            t = ax.text(
                cx,
                y - height / 2 * k,
                text,
                ha="center",
                va="center",
                fontsize=size * s,
                fontweight=weight,
                color=ink,
                zorder=3,
                gid=f"{kind}:{g.id}",
            )
            t.set_in_layout(False)
            y -= (height + _LINE_GAP) * k
    if lay.heading is not None:
        hx, hy = lay.heading
        ax.text(
            ox + hx * k,
            oy - hy * k,
            "Other goals",
            ha="center",
            va="center",
            fontsize=_HEADING_PT * s,
            style="italic",
            color="#546e7a",
            gid="heading:other-goals",
        ).set_in_layout(False)
    ax.set_xlim(0, aw)
    ax.set_ylim(0, ah)
    return ax


def _thousands(ax_axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    ax_axis.set_major_formatter(FuncFormatter(lambda v, _: number(v)))


def plot_tornado(
    result: SensitivityResult | Design | str,
    ax: Any = None,
    leaves_only: bool = False,
    max_drivers: int = 15,
) -> Any:
    """The ±10% tornado: how far the top goal moves when each driver moves alone.

    Parameters
    ----------
    result : SensitivityResult, Design or path
        A design is analysed with :func:`kpitools.design.sensitivity`.
    leaves_only : bool
        Only drivers without a formula of their own (the inputs).
    max_drivers : int
        The widest bars only.

    Examples
    --------
    >>> ax = plot_tornado("templates/designs/b2b_sales.yaml")  # doctest: +SKIP
    """
    if not isinstance(result, SensitivityResult):
        result = sensitivity(load_design(result))
    t = result.tornado
    if leaves_only:
        t = t[t["leaf"]]
    t = t.head(max_drivers).iloc[::-1]
    ax = _axes(ax, (7, max(2.5, 0.45 * len(t) + 1.2)))
    pct = f"{result.step:.0%}"
    y = np.arange(len(t))
    base = result.base
    ax.barh(
        y,
        t["goal_at_low"] - base,
        left=base,
        color="#c0504d",
        label=f"driver −{pct}",
        gid="low",
    )
    ax.barh(
        y,
        t["goal_at_high"] - base,
        left=base,
        color="#4f81bd",
        label=f"driver +{pct}",
        gid="high",
    )
    ax.axvline(base, color="#263238", linewidth=1)
    labels = t["name"] if result.design is not None else t["driver"]
    ax.set_yticks(y, labels=list(labels))
    unit = currency = None
    if result.design is not None:
        unit, currency = result.design.unit_of(result.goal), result.design.currency
    ax.set_xlabel(f"{result.goal} (base {number(base, unit, currency)})")
    _thousands(ax.xaxis)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"Sensitivity of {result.goal}: each driver ±{pct}")
    return ax


def plot_weight_matrix(design: Design | str, ax: Any = None) -> Any:
    """Roles × KPIs heatmap of the weights (share of on-target pay).

    A KPI in a role without a weight is marked ``plan``; a blank cell means the role
    does not have that KPI.

    Examples
    --------
    >>> ax = plot_weight_matrix("templates/designs/b2b_sales.yaml")  # doctest: +SKIP
    """
    import seaborn as sns

    design = load_design(design)
    df = design.role_kpis()
    roles = [r.id for r in design.roles]
    kpis = list(dict.fromkeys(df["kpi"]))
    present = (
        df.assign(one=1.0)
        .pivot_table(index="role", columns="kpi", values="one", aggfunc="sum")
        .reindex(index=roles, columns=kpis)
    )
    weights = (
        df.pivot_table(index="role", columns="kpi", values="weight", aggfunc="sum", dropna=False)
        .reindex(index=roles, columns=kpis)
        .astype("float64")
    )
    has_weight = df.pivot_table(
        index="role", columns="kpi", values="weight", aggfunc="count"
    ).reindex(index=roles, columns=kpis)
    values = (weights * 100).where(has_weight.fillna(0) > 0, 0.0).where(present.notna())
    annot = np.where(
        present.isna().to_numpy(),
        "",
        np.where(
            has_weight.fillna(0).to_numpy() > 0,
            [[f"{v:.0f}%" if not math.isnan(v) else "" for v in row] for row in values.to_numpy()],
            "plan",
        ),
    )
    ax = _axes(ax, (max(5.0, 0.9 * len(kpis) + 2.5), max(2.5, 0.6 * len(roles) + 1.5)))
    sns.heatmap(
        values,
        mask=present.isna(),
        annot=annot,
        fmt="",
        cmap="Blues",
        vmin=0,
        vmax=100,
        linewidths=0.5,
        linecolor="white",
        cbar_kws={"label": "weight, % of on-target pay"},
        ax=ax,
    )
    ax.set_xlabel("KPI")
    ax.set_ylabel("role")
    ax.set_title("KPI weights per role")
    ax.tick_params(axis="x", rotation=45)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    return ax


def plot_gap(result: GapResult, ax: Any = None) -> Any:
    """Waterfall from plan to actual: each driver's contribution to the gap.

    Examples
    --------
    >>> from kpitools.design import gap_analysis  # doctest: +SKIP
    >>> ax = plot_gap(gap_analysis(d, {"units_sold": 180}))  # doctest: +SKIP
    """
    c = result.contributions
    labels = (
        ["plan"]
        + [
            f"{d} (unexplained)" if k == "unexplained" else d
            for d, k in zip(c["driver"], c["kind"], strict=True)
        ]
        + ["actual"]
    )
    steps = c["contribution"].to_numpy()
    starts = result.plan + np.concatenate([[0.0], np.cumsum(steps)[:-1]])
    ax = _axes(ax, (max(6.0, 0.9 * len(labels) + 2), 4))
    x = np.arange(len(labels))
    ax.bar(x[0], result.plan, color="#90a4ae", gid="plan")
    good = steps >= 0 if result.direction == "higher" else steps <= 0
    ax.bar(
        x[1:-1],
        steps,
        bottom=starts,
        color=np.where(good, "#4f81bd", "#c0504d"),
        gid="contributions",
    )
    ax.bar(x[-1], result.actual, color="#37474f", gid="actual")
    ax.set_xticks(x, labels=labels, rotation=30, ha="right")
    _thousands(ax.yaxis)
    ax.set_ylabel(result.goal)
    low = min(result.plan, result.actual, *(starts + steps), *starts) if len(steps) else 0
    high = max(result.plan, result.actual, *(starts + steps), *starts) if len(steps) else 1
    pad = (high - low) * 0.6 or abs(high) * 0.1 or 1.0
    ax.set_ylim(max(0.0, low - pad) if low >= 0 else low - pad, high + pad * 0.3)
    ax.set_title(f"Why {result.goal} moved: gap {number(result.gap)} from plan to actual")
    return ax
