"""The scheme explorer's text: metrics table, headline, captions, status line."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kpitools.engine import format_metric
from kpitools.whatif.scheme_html import (
    METRIC_LABELS,
    caption_html,
    change_text,
    headline_html,
    metrics_html,
)


def _metrics(**values: float) -> pd.Series:
    base = dict.fromkeys(METRIC_LABELS, 0.5)
    base.update(total_cost=1_000_000.0, cost_per_employee=20_000.0, budget_variance=math.nan)
    base.update(values)
    return pd.Series(base)


@pytest.mark.parametrize(
    ("name", "before", "after", "expected"),
    [
        ("total_cost", 1_000_000, 1_036_700.4, "+36,700"),
        ("cost_per_employee", 20_000, 19_000, "-1,000"),
        ("pct_at_target", 0.65, 0.6, "-5.0%"),  # shares change in points
        ("cost_of_sales", 0.05, 0.055, "+0.5%"),
        ("budget_variance", -0.1, 0.02, "+12.0%"),
        ("leverage", 2.0, 2.25, "+0.25"),
        ("gini", 0.3, math.nan, "n/a"),
        ("total_cost", math.inf, 1.0, "n/a"),
    ],
)
def test_a_change_is_signed_and_reads_in_the_metrics_unit(name, before, after, expected):
    assert change_text(name, before, after) == expected


def test_the_metrics_table_has_every_metric_at_start_now_and_the_change():
    start, now = _metrics(), _metrics(total_cost=1_200_000.0, gini=0.25)
    html = metrics_html(start, now)
    assert html.count("<tr>") == len(METRIC_LABELS) + 1
    assert (
        "<tr><td>total cost</td><td>1,000,000</td><td><b>1,200,000</b></td><td>+200,000</td></tr>"
    ) in html
    assert (
        "<tr><td>Gini of payouts</td><td>0.50</td><td><b>0.25</b></td><td>-0.25</td></tr>" in html
    )
    assert "<tr><td>against budget</td><td>n/a</td><td><b>n/a</b></td><td>n/a</td></tr>" in html


def test_the_headline_says_cost_against_start_budget_and_revenue_and_who_gains():
    start = _metrics()
    now = _metrics(total_cost=1_100_000.0, budget_variance=-0.04, cost_of_sales=0.0321)
    assert headline_html(now, start, 3, 1, "RUB") == (
        "<div style='font-size:1.25em;padding:4px 0'>"
        "Total cost: <b class='kpitools-total-cost-value'>1,100,000 RUB</b> · "
        f"{format_metric('cost_change_pct', 0.1)} against the start · "
        "-4.0% against the budget · 3.21% of revenue · 3 gain, 1 lose</div>"
    )
    # no budget, no revenue, nothing paid at the start: only what can be said
    bare = _metrics(cost_of_sales=math.nan)
    assert headline_html(bare, _metrics(total_cost=0.0), 0, 0, "") == (
        "<div style='font-size:1.25em;padding:4px 0'>"
        "Total cost: <b class='kpitools-total-cost-value'>1,000,000</b> · 0 gain, 0 lose</div>"
    )


def test_a_caption_is_its_title_in_bold_then_the_rest_escaped():
    assert caption_html("Winners and losers: 3 gain, 1 lose: <all>") == (
        "<b>Winners and losers</b>: 3 gain, 1 lose: &lt;all&gt;"
    )
