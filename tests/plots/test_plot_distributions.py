"""Distributions of a simulation: inspect the drawn artists (lines, collections), never images."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from kpitools.engine import simulate  # noqa: E402
from kpitools.plots import (  # noqa: E402
    plot_attainment_distribution,
    plot_pay_vs_performance,
    plot_payout_distribution,
    scheme_palette,
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


def test_plots_follow_the_simulation_order_of_schemes():
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
