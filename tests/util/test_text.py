"""The one text-table writer and money formatter behind every printed table."""

from __future__ import annotations

import math

from kpitools._util.format import money, text_table


def test_columns_align_with_a_rule_and_right_aligned_numbers():
    out = text_table(
        ["goal", "value"], [["revenue", "2,000,000"], ["units", None]], right={"value"}, rule=True
    )
    assert out.splitlines() == [
        "goal         value",
        "-------  ---------",
        "revenue  2,000,000",
        "units",
    ]


def test_indent_gap_and_no_header():
    out = text_table(
        ["file", "rows"],
        [["a.csv", "12"], ["deals.csv", "3"]],
        right={"rows"},
        indent=2,
        gap=3,
        header=False,
    )
    assert out.splitlines() == ["  a.csv         12", "  deals.csv      3"]


def test_money():
    assert money(1_999_999.5, "RUB") == "2,000,000 RUB"
    assert money(-1234.4) == "-1,234"
    assert [money(v) for v in (None, math.nan, math.inf)] == ["n/a", "n/a", "n/a"]
