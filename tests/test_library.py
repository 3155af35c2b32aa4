"""Tests of kpitools.library: the shipped KPI library, user files, formula KPIs."""

from __future__ import annotations

from kpitools.library import load_library

FIRST_IDS = (
    "revenue units_sold avg_price new_clients leads meetings won_deals closed_deals win_rate "
    "gross_margin gross_margin_pct nps marketing_cost mql romi roi cpl income_per_lead cac "
    "conversion_rate avg_deal_size"
).split()


def test_ids_the_other_workstreams_use_are_shipped():
    lib = load_library()
    assert [i for i in FIRST_IDS if i not in lib] == []
    assert (lib["win_rate"].numerator, lib["win_rate"].denominator) == ("won_deals", "closed_deals")
    assert lib["romi"].numerator is None
    assert lib["romi"].recompute_from_sums({"revenue": 300.0, "marketing_cost": 100.0}) == 2.0
