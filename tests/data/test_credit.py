"""Split credit in ``data aggregate``: one deal credited to several employees by share.

Worked by hand: D1 (1,000, won, Jan) is split Anna 60% / Bob 40%; D2 (500, won, Jan) is
Anna's alone (no share written); D3 (200, lost, Feb) is split 50/50.

- Anna: January won revenue 600 + 500 = 1,100, won deals 0.6 + 1 = 1.6; February 0, deals 0.5
- Bob: January won revenue 400, won deals 0.4; February 0, deals 0.5
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kpitools.cli import main
from kpitools.data import aggregate_events
from kpitools.errors import DataValidationError, DefinitionError

DEALS = (
    "deal_id,agent,close_date,stage,value,share\n"
    "D1,Anna,2025-01-10,Won,1000,60%\n"
    "D1,Bob,2025-01-10,Won,1000,0.4\n"
    "D2,Anna,2025-01-20,Won,500,\n"
    "D3,Anna,2025-02-03,Lost,200,0.5\n"
    "D3,Bob,2025-02-03,Lost,200,0.5\n"
)

MEASURES = [
    "won_revenue=sum(value) where stage == Won",
    "won_deals=count where stage == Won",
    "deals=count",
    "avg_deal=mean(value)",
]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deals.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _kpis(path: Path, **kwargs) -> dict[tuple[str, str, str], float]:
    table = aggregate_events(path, employee="agent", date="close_date", measures=MEASURES, **kwargs)
    return {(r.employee, r.period, r.kpi): r.actual for r in table.itertuples()}


def test_shares_split_sums_counts_and_means(tmp_path):
    got = _kpis(_write(tmp_path, DEALS), credit="deal_id:share")
    assert got == {
        ("Anna", "2025-01", "won_revenue"): 1100.0,
        ("Anna", "2025-01", "won_deals"): 1.6,
        ("Anna", "2025-01", "deals"): 1.6,
        # weighted by the shares: (1,000 × 0.6 + 500 × 1) / 1.6
        ("Anna", "2025-01", "avg_deal"): 687.5,
        ("Anna", "2025-02", "won_revenue"): 0.0,
        ("Anna", "2025-02", "won_deals"): 0.0,
        ("Anna", "2025-02", "deals"): 0.5,
        ("Anna", "2025-02", "avg_deal"): 200.0,
        ("Bob", "2025-01", "won_revenue"): 400.0,
        ("Bob", "2025-01", "won_deals"): 0.4,
        ("Bob", "2025-01", "deals"): 0.4,
        ("Bob", "2025-01", "avg_deal"): 1000.0,
        ("Bob", "2025-02", "won_revenue"): 0.0,
        ("Bob", "2025-02", "won_deals"): 0.0,
        ("Bob", "2025-02", "deals"): 0.5,
        ("Bob", "2025-02", "avg_deal"): 200.0,
    }


def test_total_revenue_is_the_same_with_or_without_the_split(tmp_path):
    path = _write(tmp_path, DEALS)
    split = _kpis(path, credit="deal_id:share")
    table = aggregate_events(
        _write(tmp_path, DEALS.replace(",60%", ",0.6")), employee="agent", date="close_date",
        measures=["won_revenue=sum(value) where stage == Won"],
    )  # fmt: skip
    # without --credit each row counts wholly: D1 twice
    assert table["actual"].sum() == 2500.0
    assert sum(v for (_, _, k), v in split.items() if k == "won_revenue") == 1500.0


def test_every_share_problem_is_listed_with_its_rows(tmp_path):
    text = (
        "deal_id,agent,close_date,value,share\n"
        "D1,Anna,2025-01-10,1000,0.6\n"  # D1 adds up to 0.9
        "D1,Bob,2025-01-10,1000,0.3\n"
        "D2,Anna,2025-01-11,500,1.5\n"  # out of range
        "D3,Anna,2025-01-12,300,\n"  # empty on a split event
        "D3,Bob,2025-01-12,300,1\n"
        "D4,Anna,2025-01-13,100,0.5\n"  # the rows of D4 disagree on the value
        "D4,Bob,2025-01-13,120,0.5\n"
    )
    path = _write(tmp_path, text)
    with pytest.raises(DataValidationError) as info:
        aggregate_events(
            path, employee="agent", date="close_date", measures=["rev=sum(value)"],
            credit="deal_id:share",
        )  # fmt: skip
    message = str(info.value)
    assert "column 'share': credit share is not a number from 0 to 1 (1 row): row 4 ('1.5')" in (
        message
    )
    assert "column 'share': empty credit share on an event with several rows (1 row): row 5" in (
        message
    )
    assert (
        "column 'share': credit shares of an event do not add up to 1 (2 rows): "
        "row 2 ('D1: total 0.9'), row 3 ('D1: total 0.9')"
    ) in message
    assert (
        "column 'value': rows of one split event give different values (2 rows): "
        "row 7 ('100'), row 8 ('120')"
    ) in message


def test_a_credit_option_without_two_columns_is_explained(tmp_path):
    with pytest.raises(DefinitionError) as info:
        aggregate_events(
            _write(tmp_path, DEALS), employee="agent", date="close_date", measures=["n=count"],
            credit="deal_id",
        )  # fmt: skip
    assert str(info.value).startswith(
        "--credit 'deal_id': write the event id column and the share column, "
        "e.g. --credit deal_id:share."
    )


def test_an_unknown_share_column_is_named_with_a_suggestion(tmp_path):
    with pytest.raises(DataValidationError) as info:
        aggregate_events(
            _write(tmp_path, DEALS), employee="agent", date="close_date", measures=["n=count"],
            credit="deal_id:shares",
        )  # fmt: skip
    assert "- 'shares' (for the credit's share). Did you mean 'share'?" in str(info.value)


def test_cli_credit_option(tmp_path):
    path = _write(tmp_path, DEALS)
    out = tmp_path / "kpis.csv"
    code = main(["data", "aggregate", str(path), "--employee", "agent", "--date", "close_date",
                 "--measure", "won=sum(value) where stage == Won", "--credit", "deal_id:share",
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    table = pd.read_csv(out)
    assert table.groupby("employee")["actual"].sum().to_dict() == {"Anna": 1100.0, "Bob": 400.0}
