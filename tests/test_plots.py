"""Scheme plots: inspect the drawn artists (lines, collections, labels), never images."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from kpitools.engine import ForecastResult
from kpitools.errors import DefinitionError  # noqa: E402
from kpitools.plots import (
    plot_attainment_distribution,
    plot_cost_forecast,
    plot_pay_vs_performance,
    plot_payout_curve,
    plot_payout_distribution,
    scheme_palette,
)
from kpitools.scheme import load_scheme


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def scheme():
    return load_scheme(
        {
            "name": "Scorecard",
            "on_target_pay": 40000,
            "components": [
                {
                    "kpi": "revenue",
                    "weight": 0.6,
                    "target": {"method": "fixed", "value": 100},
                    "curve": {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]},
                },
                {
                    "kpi": "new_clients",
                    "name": "clients",
                    "weight": 0.4,
                    "target": {"method": "fixed", "value": 4},
                    "curve": {"steps": [[0.9, 0.5], [1.0, 1.0], [1.2, 1.3]]},
                },
                {"kpi": "revenue", "commission": {"rate": 0.01}},
            ],
        }
    )


@pytest.fixture
def totals():
    rng = np.random.default_rng(3)
    n = 40
    att = rng.uniform(0.5, 1.6, size=2 * n)
    return pd.DataFrame(
        {
            "scheme": ["Commission"] * n + ["Scorecard"] * n,
            "employee": [f"E{i:03d}" for i in range(n)] * 2,
            "period": ["2025-01"] * (2 * n),
            "on_target_pay": 40000.0,
            "attainment": att,
            "payout": 40000.0 * np.clip(att, 0, 2) * (att > 0.7),
        }
    )


def test_palette_is_stable_per_scheme_and_follows_the_given_order():
    pal = scheme_palette(["B", "A", "B"])
    assert list(pal) == ["B", "A"]
    colorblind = sns.color_palette("colorblind", 2)
    assert pal["B"] == tuple(colorblind[0]) and pal["A"] == tuple(colorblind[1])
    assert scheme_palette(["B", "A"]) == pal


def test_payout_curve_draws_the_curve_and_marks_threshold_target_and_cap(scheme):
    ax = plot_payout_curve(scheme, 0, color="tab:blue")
    labels = [line.get_label() for line in ax.lines]
    assert labels == ["revenue", "threshold 80%", "target 100%", "excellence (cap) 150%"]
    curve = ax.lines[0]
    x, y = curve.get_xdata(), curve.get_ydata()
    assert x[-1] == pytest.approx(1.3 * 1.5)
    assert np.interp(0.9, x, y) == pytest.approx(0.75)  # halfway between 0.5 and 1.0
    assert y[np.searchsorted(x, 0.5)] == 0.0  # nothing below the threshold
    assert y[-1] == pytest.approx(2.0)  # capped
    assert [line.get_xdata()[0] for line in ax.lines[1:]] == [0.8, 1.0, 1.5]
    assert ax.get_title() == "Scorecard: revenue"
    assert ax.get_ylabel() == "payout factor (× weight × on-target pay)"


def test_step_curve_is_found_by_name_and_keeps_its_jumps(scheme):
    ax = plot_payout_curve(scheme, "clients")
    curve = ax.lines[0]
    x, y = curve.get_xdata(), curve.get_ydata()
    # both sides of the 1.0 step are on the grid
    assert y[np.flatnonzero(x < 1.0)[-1]] == 0.5 and y[np.flatnonzero(x >= 1.0)[0]] == 1.0
    assert ax.get_title() == "Scorecard: clients"


def test_commission_curve_is_pay_relative_to_target(scheme):
    ax = plot_payout_curve(scheme, 2)
    x, y = ax.lines[0].get_xdata(), ax.lines[0].get_ydata()
    np.testing.assert_allclose(y, x)  # a flat rate pays in proportion to attainment
    assert ax.get_ylabel() == "pay relative to pay at target"


def test_unknown_component_is_a_clear_error(scheme):
    with pytest.raises(DefinitionError) as err:
        plot_payout_curve(scheme, "revenu")
    assert str(err.value) == (
        "Scorecard: no component 'revenu'. Did you mean 'revenue'?\n"
        "Suggestion: use an index from 0 to 2 or one of 0, clients, 2, revenue, new_clients."
    )


def test_distributions_use_one_colour_per_scheme_everywhere(totals):
    pal = scheme_palette(["Commission", "Scorecard"])
    _, axes = plt.subplots(1, 3)
    plot_payout_distribution(totals, ax=axes[0])
    plot_attainment_distribution(totals, ax=axes[1])
    plot_pay_vs_performance(totals, ax=axes[2])
    for ax in axes:
        legend = ax.get_legend()
        assert [t.get_text() for t in legend.get_texts()] == ["Commission", "Scorecard"]
    # step outlines of the histograms, in hue order, in the scheme colours
    for ax in axes[:2]:
        outlines = [line for line in ax.lines if line.get_label() != "100%"]
        assert len(outlines) == 2
        colours = {to_rgb(line.get_color()) for line in outlines}
        assert colours == {to_rgb(pal["Commission"]), to_rgb(pal["Scorecard"])}
        assert [line.get_xdata()[0] for line in ax.lines if line.get_label() == "100%"] == [1.0]
    scatter = axes[2].collections[0]
    assert len(scatter.get_offsets()) == len(totals)
    face = [to_rgb(c) for c in scatter.get_facecolors()]
    assert face[0] == pytest.approx(to_rgb(pal["Commission"]))
    assert face[-1] == pytest.approx(to_rgb(pal["Scorecard"]))
    assert axes[0].get_xlabel() == "payout (share of on-target pay)"
    assert axes[2].get_xlabel() == "weighted attainment"


def test_cost_forecast_shows_budget_and_quantiles():
    draws = pd.DataFrame({"total_cost": np.arange(1.0, 101.0) * 10_000})
    fc = ForecastResult(
        scheme_name="Scorecard",
        period="2027-01",
        n=100,
        seed=1,
        trend=False,
        budget=800_000.0,
        draws=draws,
        employees=10,
    )
    ax = plot_cost_forecast(fc)
    labels = [line.get_label() for line in ax.lines]
    assert labels == ["p5 59,500", "p50 505,000", "p95 950,500", "budget 800,000"]
    assert ax.lines[-1].get_xdata()[0] == 800_000.0
    assert sum(p.get_height() for p in ax.patches) == 100
    assert ax.get_title() == "Scorecard: cost of 2027-01 (chance over budget 20%)"
    assert ax.get_xlabel() == "total cost per period, RUB"


def test_linear_curve_marks_its_threshold_and_where_the_cap_is_reached():
    scheme = load_scheme(
        {
            "name": "L",
            "on_target_pay": 100,
            "components": [
                {
                    "kpi": "meetings",
                    "weight": 1.0,
                    "target": {"method": "fixed", "value": 20},
                    "curve": {"linear": {"slope": 1.0, "threshold": 0.7, "cap": 1.5}},
                }
            ],
        }
    )
    ax = plot_payout_curve(scheme)
    assert [line.get_label() for line in ax.lines] == [
        "meetings",
        "threshold 70%",
        "target 100%",
        "excellence (cap) 150%",
    ]
    x, y = ax.lines[0].get_xdata(), ax.lines[0].get_ydata()
    assert y[np.flatnonzero(x < 0.7)[-1]] == 0.0 and y[np.flatnonzero(x >= 0.7)[0]] == 0.7
    assert y.max() == 1.5


def test_plots_follow_the_simulation_order_of_schemes():
    from kpitools.engine import simulate

    data = pd.DataFrame(
        {
            "employee": ["a", "b", "c"] * 2,
            "period": ["2025-01"] * 3 + ["2025-02"] * 3,
            "kpi": "revenue",
            "actual": [80.0, 100.0, 130.0, 95.0, 120.0, 60.0],
        }
    )
    schemes = [
        {
            "name": name,
            "on_target_pay": 100,
            "components": [
                {
                    "kpi": "revenue",
                    "weight": 1.0,
                    "target": {"method": "fixed", "value": 100},
                    "curve": {"points": [[a, 0.5], [1.0, 1.0], [1.5, 2.0]]},
                }
            ],
        }
        for name, a in (("Zeta", 0.8), ("Alpha", 0.9))
    ]
    result = simulate(data, schemes, library=False)
    ax = plot_pay_vs_performance(result)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Zeta", "Alpha"]
    pal = scheme_palette(result.schemes)
    face = [to_rgb(c) for c in ax.collections[0].get_facecolors()]
    assert face[0] == pytest.approx(to_rgb(pal["Zeta"]))
