"""Design figures, checked through the artists they draw (no image diffs)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import QuadMesh  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

from kpitools.design import gap_analysis, load_design, sensitivity  # noqa: E402
from kpitools.design_plots import (  # noqa: E402
    plot_gap,
    plot_goal_tree,
    plot_tornado,
    plot_weight_matrix,
)

ROOT = Path(__file__).resolve().parents[1]
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
    ys = sorted({round(b.get_y(), 6) for b in boxes.values()}, reverse=True)
    assert len(ys) == 5  # revenue → rep_revenue → won_deals → meetings → leads
    # no two boxes overlap
    xs = [(round(b.get_y(), 6), b.get_x()) for b in boxes.values()]
    assert len(set(xs)) == len(xs)


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
