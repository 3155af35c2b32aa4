"""Design figures, checked through the artists they draw (no image diffs)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib.collections import QuadMesh  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

from kpitools._util.format import short_number
from kpitools.design import (
    gap_analysis,
    load_design,
    plot_gap,
    plot_goal_tree,
    plot_tornado,
    plot_weight_matrix,
    sensitivity,
)
from kpitools.design.tree_layout import _wrap_name

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates" / "designs"


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_goal_tree_boxes_values_and_formulas():
    d = load_design(TEMPLATES / "sales_generator.yaml")
    ax = plot_goal_tree(d)
    boxes = {p.get_gid(): p for p in ax.patches if isinstance(p, FancyBboxPatch)}
    assert set(boxes) == {"goal:revenue", "goal:units_sold", "goal:avg_price"}
    shown = texts(ax)
    for expected in (
        "Earn 2 million rubles in\nFebruary",
        "2,000,000 RUB",
        "200",
        "10,000 RUB",
        "target",
        "solved",
        "assumption",
        "= units_sold * avg_price",
    ):
        assert expected in shown
    # the assumption is marked by a dashed border, the solved target by its colour
    assert boxes["goal:avg_price"].get_linestyle() == "--"
    assert boxes["goal:units_sold"].get_linestyle() == "-"
    assert boxes["goal:units_sold"].get_facecolor() != boxes["goal:revenue"].get_facecolor()
    # the top goal sits above and between its two drivers
    top, left, right = (boxes[f"goal:{g}"] for g in ("revenue", "units_sold", "avg_price"))
    assert top.get_y() > left.get_y() == right.get_y()
    centre = lambda b: b.get_x() + b.get_width() / 2  # noqa: E731
    assert centre(top) == pytest.approx((centre(left) + centre(right)) / 2)
    # two edges, one per driver
    assert len(ax.lines) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "target",
        "solved",
        "assumption",
    ]
    assert ax.get_title() == "Sales Generator LLC: goal tree, 2027-02"


def test_goal_tree_layers_of_a_deeper_design_and_given_ax():
    d = load_design(TEMPLATES / "b2b_sales.yaml")
    fig, ax = plt.subplots()
    assert plot_goal_tree(d, ax=ax) is ax
    boxes = {p.get_gid(): p for p in ax.patches if isinstance(p, FancyBboxPatch)}
    assert len(boxes) == len(d.goals)
    apart = {"goal:new_clients", "goal:gross_margin_pct", "goal:nps"}
    ys = sorted({round(b.get_y(), 6) for g, b in boxes.items() if g not in apart}, reverse=True)
    assert len(ys) == 5  # revenue → rep_revenue → won_deals → meetings → leads


SIZES = [(12, 6), (7, 4.5)]
TEMPLATE_NAMES = ["b2b_sales", "marketing", "sales_generator"]


def drawn_tree(name, size: tuple[float, float], layout: str | None = None):
    d = load_design(TEMPLATES / f"{name}.yaml" if isinstance(name, str) else name)
    fig, ax = plt.subplots(figsize=size, layout=layout)
    plot_goal_tree(d, ax=ax)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    boxes = {
        p.get_gid().split(":", 1)[1]: p.get_window_extent(r)
        for p in ax.patches
        if isinstance(p, FancyBboxPatch)
    }
    text = {t.get_gid(): t for t in ax.texts}
    return d, fig, ax, r, boxes, text


def inside(inner, outer, tol: float = 0.5) -> bool:
    return (
        inner.x0 >= outer.x0 - tol
        and inner.x1 <= outer.x1 + tol
        and inner.y0 >= outer.y0 - tol
        and inner.y1 <= outer.y1 + tol
    )


def overlap(a, b) -> bool:
    return min(a.x1, b.x1) > max(a.x0, b.x0) and min(a.y1, b.y1) > max(a.y0, b.y0)


def check_fits(d, ax, r, boxes, text, min_font: float) -> None:
    """Every text inside its box, inside the axes; no box or formula overlaps another."""
    frame = ax.get_window_extent(r)
    assert set(boxes) == {g.id for g in d.goals}
    for g in d.goals:
        box = boxes[g.id]
        assert inside(box, frame), g.id
        for kind in ("name", "value", "how"):
            t = text.get(f"{kind}:{g.id}")
            if kind == "how" and t is None:  # dropped in tight axes: the legend tells it
                continue
            assert inside(t.get_window_extent(r), box), (g.id, kind, t.get_text())
        # names are whole words on at most three lines; values are never cut
        assert text[f"name:{g.id}"].get_text().replace("\n", " ") == g.name
        assert text[f"name:{g.id}"].get_text().count("\n") <= 2
        assert text[f"name:{g.id}"].get_fontsize() >= min_font
    ids = sorted(boxes)
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            assert not overlap(boxes[a], boxes[b]), (a, b)
    formulas = [t for gid, t in text.items() if gid.startswith("formula:")]
    assert len(formulas) == sum(g.expr is not None for g in d.goals)
    for f in formulas:
        ext = f.get_window_extent(r)
        assert inside(ext, frame)
        for gid, box in boxes.items():
            assert not overlap(ext, box), (f.get_text(), gid)
    for i, f in enumerate(formulas):
        for other in formulas[i + 1 :]:
            assert not overlap(f.get_window_extent(r), other.get_window_extent(r))


def check_edges(d, ax, boxes) -> None:
    """One line per formula driver, from box to box, through no box."""
    edges = [(g.id, c) for g in d.goals for c in g.drivers]
    assert len(ax.lines) == len(edges)
    for (parent, child), line in zip(edges, ax.lines, strict=True):
        pts = ax.transData.transform(line.get_xydata())
        # starts at the parent's bottom centre, ends at the child's top centre
        p, c = boxes[parent], boxes[child]
        assert pts[0] == pytest.approx([(p.x0 + p.x1) / 2, p.y0], abs=1.0)
        assert pts[-1] == pytest.approx([(c.x0 + c.x1) / 2, c.y1], abs=1.0)
        t = np.linspace(0, 1, 60)[:, None]
        samples = np.concatenate([a + t * (b - a) for a, b in zip(pts[:-1], pts[1:], strict=True)])
        for gid, box in boxes.items():
            hit = (
                (samples[:, 0] > box.x0 + 1)
                & (samples[:, 0] < box.x1 - 1)
                & (samples[:, 1] > box.y0 + 1)
                & (samples[:, 1] < box.y1 - 1)
            )
            assert not hit.any(), (parent, child, gid)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_goal_tree_texts_fit_their_boxes_and_nothing_overlaps(name, size):
    d, fig, ax, r, boxes, text = drawn_tree(name, size)
    check_fits(d, ax, r, boxes, text, min_font=6.0)  # legible at A4 width too


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_goal_tree_edges_go_around_boxes(name):
    d, fig, ax, r, boxes, _ = drawn_tree(name, (12, 6))
    check_edges(d, ax, boxes)


WORDS = ["Revenue", "from", "key", "accounts", "Client", "meetings", "per", "lead", "NPS", "share"]


@st.composite
def random_designs(draw):
    """Goal graphs (trees, shared drivers, goals outside the tree) with names and values."""
    n = draw(st.integers(1, 9))
    goals = []
    for i in range(n):
        words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=7))
        goal = {"id": f"g{i}", "name": " ".join(words)}
        later = list(range(i + 1, n))
        drivers = draw(st.lists(st.sampled_from(later), max_size=3, unique=True)) if later else []
        if drivers:
            goal["formula"] = " + ".join(f"g{j}" for j in drivers)
        goals.append(goal)
    for g in goals:
        if "formula" not in g:
            g["value"] = draw(st.sampled_from([0.25, 7, 1800, 56_250, 36_700_000, 2.5e9]))
    return load_design({"client": "Random", "currency": "RUB", "goals": goals, "roles": []})


@settings(max_examples=15, deadline=None, derandomize=True)
@given(design=random_designs(), size=st.sampled_from([(12, 6), (7, 4.5)]))
def test_goal_tree_of_any_design_fits_its_axes(design, size):
    d, fig, ax, r, boxes, text = drawn_tree(design, size)
    try:
        check_fits(d, ax, r, boxes, text, min_font=2.0)
        check_edges(d, ax, boxes)
    finally:
        plt.close(fig)


def test_goal_tree_puts_goals_outside_the_tree_apart():
    d, fig, ax, r, boxes, text = drawn_tree("b2b_sales", (12, 6))
    apart = ["new_clients", "gross_margin_pct", "nps"]
    tree = [g.id for g in d.goals if g.id not in apart]
    assert text["heading:other-goals"].get_text() == "Other goals"
    right_of_tree = all(boxes[a].x0 > max(boxes[t].x1 for t in tree) for a in apart)
    below_tree = all(boxes[a].y1 < min(boxes[t].y0 for t in tree) for a in apart)
    assert right_of_tree or below_tree
    # the wide notebook figure keeps the full numbers
    assert text["value:revenue"].get_text() == "36,700,000 RUB"


def test_goal_tree_shortens_big_numbers_only_when_short_of_width():
    d, fig, ax, r, boxes, text = drawn_tree("b2b_sales", (4.5, 7))
    assert text["value:revenue"].get_text() == "36.7M RUB"
    assert text["value:kam_revenue"].get_text() == "16M RUB"
    assert text["value:avg_deal_size"].get_text() == "56,250 RUB"
    assert text["value:gross_margin_pct"].get_text() == "28%"
    for g in d.goals:
        assert inside(text[f"value:{g.id}"].get_window_extent(r), boxes[g.id])


def test_goal_tree_in_a_constrained_report_figure():
    d, fig, ax, r, boxes, text = drawn_tree("b2b_sales", (7.5, 4.2), layout="constrained")
    frame = ax.get_window_extent(r)
    for g in d.goals:
        assert inside(boxes[g.id], frame)
        assert inside(text[f"name:{g.id}"].get_window_extent(r), boxes[g.id])
        assert inside(text[f"value:{g.id}"].get_window_extent(r), boxes[g.id])
    legend = ax.get_legend().get_window_extent(r)
    assert all(not overlap(legend, b) for b in boxes.values())
    assert legend.y1 <= frame.y0 + 0.5


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (36_700_000, "currency", "36.7M RUB"),
        (16_000_000, "currency", "16M RUB"),
        (4_320_000, "currency", "4.32M RUB"),
        (2_500_000_000, None, "2.5B"),
        (450_000, None, "450K"),
        (999_999, None, "1M"),
        (123_456, None, "123K"),
        (56_250, "currency", "56,250 RUB"),
        (-1_200_000, None, "-1.2M"),
        (0.28, "percent", "28%"),
        (float("nan"), None, "n/a"),
    ],
)
def test_short_values(value, unit, expected):
    assert short_number(value, unit, "RUB") == expected


def test_wrap_name_keeps_whole_words_on_three_lines():
    assert (
        _wrap_name("Client meetings held by sales reps", 12)
        == "Client\nmeetings held\nby sales reps"
    )
    assert _wrap_name("Sales revenue in January 2027 for the whole company", 8).count("\n") == 2
    assert _wrap_name("Supercalifragilistic", 5) == "Supercalifragilistic"


def test_tornado_bars_follow_the_sensitivity():
    d = load_design(TEMPLATES / "marketing.yaml")
    s = sensitivity(d)
    ax = plot_tornado(s)
    low = [p for p in ax.patches if p.get_gid() == "low"] or ax.containers[0].patches
    high = ax.containers[1].patches
    assert len(ax.containers[0].patches) == len(s.tornado) == len(high)
    # the widest swing is at the top (last bar drawn)
    top_driver = s.tornado.iloc[0]
    assert high[-1].get_x() + high[-1].get_width() == pytest.approx(top_driver["goal_at_high"])
    assert ax.containers[0].patches[-1].get_x() + ax.containers[0].patches[-1].get_width() == (
        pytest.approx(top_driver["goal_at_low"])
    )
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "Cost per lead (CPL)"
    assert ax.get_xlabel() == "romi (base 0.6)"
    assert low  # bars exist
    leaves = plot_tornado(d, leaves_only=True)
    assert len(leaves.containers[0].patches) == int(s.tornado["leaf"].sum())


def test_weight_matrix_values_and_plan_cells():
    d = load_design(TEMPLATES / "sales_generator.yaml")
    ax = plot_weight_matrix(d)
    mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
    values = np.ma.filled(mesh.get_array(), np.nan).ravel()
    assert list(values) == [70.0, 30.0, 0.0]
    assert texts(ax) == ["70%", "30%", "plan"]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "units_sold",
        "income_per_lead",
        "new_clients",
    ]
    d2 = load_design(TEMPLATES / "b2b_sales.yaml")
    ax2 = plot_weight_matrix(d2)
    mesh2 = next(c for c in ax2.collections if isinstance(c, QuadMesh))
    arr = mesh2.get_array()
    assert arr.shape == (3, 9)
    assert int(np.ma.count_masked(arr)) == 27 - 11  # 11 role × KPI pairs in the design


def test_gap_waterfall_steps_add_up():
    d = load_design(TEMPLATES / "sales_generator.yaml")
    g = gap_analysis(d, {"units_sold": 180, "avg_price": 10_500})
    ax = plot_gap(g)
    bars = ax.containers[1].patches
    assert len(bars) == len(g.contributions)
    last = bars[-1]
    assert last.get_y() + last.get_height() == pytest.approx(g.actual)
    assert ax.containers[2].patches[0].get_height() == pytest.approx(g.actual)
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "plan",
        *g.contributions["driver"],
        "actual",
    ]
