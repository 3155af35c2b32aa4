"""What every figure shares: one colour per scheme, new axes when none are given, kt.plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import inspect  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

import kpitools as kt  # noqa: E402
from kpitools.design import plot_goal_tree  # noqa: E402
from kpitools.plots import scheme_palette  # noqa: E402
from kpitools.plots.style import axes_or_new, palette_for  # noqa: E402


def test_palette_is_stable_per_scheme_and_follows_the_given_order():
    pal = scheme_palette(["B", "A", "B"])
    assert list(pal) == ["B", "A"]
    colorblind = sns.color_palette("colorblind", 2)
    assert pal["B"] == tuple(colorblind[0]) and pal["A"] == tuple(colorblind[1])
    assert scheme_palette(["B", "A"]) == pal


def test_a_given_palette_overrides_the_scheme_colours_in_the_given_order():
    colours = palette_for(["B", "A"], {"A": "red", "C": "blue"})
    assert list(colours) == ["B", "A"]
    assert colours == {"B": scheme_palette(["B"])["B"], "A": "red"}
    assert palette_for(["B"], None) == scheme_palette(["B"])


def test_axes_are_drawn_on_as_given_or_made_new():
    _, ax = plt.subplots()
    assert axes_or_new(ax) is ax
    new = axes_or_new(None)
    assert new is not ax
    assert new.get_figure().get_size_inches().tolist() == [7.0, 4.0]


def test_kt_plots_has_every_plot_and_each_takes_ax_and_returns_it():
    names = {n for n in kt.plots.__all__ if n.startswith("plot_")}
    assert names == {
        "plot_attainment_distribution",
        "plot_cost_forecast",
        "plot_gap",
        "plot_goal_tree",
        "plot_pay_vs_performance",
        "plot_payout_curve",
        "plot_payout_distribution",
        "plot_tornado",
        "plot_weight_matrix",
    }
    for name in names:
        params = inspect.signature(getattr(kt.plots, name)).parameters
        assert params["ax"].default is None, name
    assert kt.plots.plot_goal_tree is plot_goal_tree  # the design's own, re-exported
