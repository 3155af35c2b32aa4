"""Pay statements: the path from results to the payment, to the cent, one PDF per employee.

Worked by hand (on-target pay 1,000; curve 50% → 0, 100% → 1, 150% → 2):
- ``a``: 120 of 100 → attainment 120% → factor 1.4 → 1,400.00; with a 1.2 cap → 1,200.00
- ``b``: 90 of 100 → factor 0.8 → 800.00
"""

from __future__ import annotations

import pandas as pd
import pytest
from pypdf import PdfReader

from kpitools.engine import simulate
from kpitools.errors import DefinitionError
from kpitools.report.statements import payment_steps, statement_html, write_statements

PLAN = {"name": "Plan", "on_target_pay": 1000, "components": [
    {"kpi": "sales", "name": "Sales bonus", "weight": 1, "target": {"method": "from_data"},
     "curve": {"points": [[0.5, 0], [1, 1], [1.5, 2]]}}]}  # fmt: skip


def _data(employees=("a", "b"), actuals=(120.0, 90.0)) -> pd.DataFrame:
    return pd.DataFrame({"employee": list(employees), "period": ["2025-01"] * len(employees),
                         "kpi": ["sales"] * len(employees), "actual": list(actuals),
                         "target": [100.0] * len(employees)})  # fmt: skip


def test_steps_to_the_payment_without_and_with_a_cap():
    plain = simulate(_data(), PLAN, library=False)
    assert payment_steps(plain.runs["Plan"].payouts, "a", "2025-01", "USD") == [
        "The components add up to 1,400.00 USD.",
        "Payment: 1,400.00 USD.",
    ]
    capped = simulate(_data(), {**PLAN, "name": "Capped", "cap": 1.2}, library=False)
    assert payment_steps(capped.runs["Capped"].payouts, "a", "2025-01", "USD") == [
        "The components add up to 1,400.00 USD.",
        "The cap limits it to 1,200.00 USD.",
        "Payment: 1,200.00 USD.",
    ]
    assert payment_steps(capped.runs["Capped"].payouts, "b", "2025-01")[-1] == "Payment: 800.00."


def test_a_failed_gate_and_a_pool_are_said_in_words():
    gated = {**PLAN, "name": "Gated", "gates": [
        {"kpi": "sales", "min_attainment": 1.0, "target": {"method": "from_data"}}]}  # fmt: skip
    result = simulate(_data(), gated, library=False)
    steps = payment_steps(result.runs["Gated"].payouts, "b", "2025-01")
    assert steps == [
        "The components add up to 0.00.",
        "A gate was not passed: the bonus is not paid this period.",
        "Payment: 0.00.",
    ]
    pooled = simulate(_data(), {**PLAN, "name": "Pooled", "pool": {"budget": 1100}}, library=False)
    # 1,400 + 800 = 2,200 earned against a pool of 1,100: everyone gets 50%
    assert payment_steps(pooled.runs["Pooled"].payouts, "a", "2025-01") == [
        "The components add up to 1,400.00.",
        "The pool pays 50.0% of what was earned this period.",
        "Payment: 700.00.",
    ]


def test_the_page_escapes_names_and_shows_every_component():
    result = simulate(_data(employees=("<script>x</script>", "b")), PLAN, library=False)
    page = statement_html(result, "<script>x</script>", client="Acme & Co", currency="EUR")
    assert "<script>x" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "Acme &amp; Co" in page
    assert "<td>Sales bonus</td><td>sales</td><td>120</td><td>100</td><td>120.0%</td>" in page
    assert "<li>Payment: 1,400.00 EUR.</li>" in page


def test_an_unknown_employee_or_period_is_a_clear_error():
    result = simulate(_data(), PLAN, library=False)
    with pytest.raises(DefinitionError) as info:
        statement_html(result, "zz")
    assert str(info.value) == (
        "No scheme paid employee 'zz'.\nSuggestion: check the employee id and the period."
    )
    with pytest.raises(DefinitionError):
        statement_html(result, "a", period="2030-01")


def test_pdfs_one_per_employee_inside_the_folder_whatever_the_name(tmp_path):
    names = ("../../evil", "a/b", "a b")
    result = simulate(_data(employees=names, actuals=(120.0, 90.0, 100.0)), PLAN, library=False)
    paths = write_statements(result, tmp_path / "statements", client="Acme", currency="USD")
    assert [p.name for p in paths] == ["evil.pdf", "a-b.pdf", "a-b-2.pdf"]
    assert all(p.parent == tmp_path / "statements" for p in paths)
    assert sorted(p.name for p in (tmp_path / "statements").iterdir()) == [
        "a-b-2.pdf", "a-b.pdf", "evil.pdf"]  # fmt: skip
    text = PdfReader(paths[0]).pages[0].extract_text()
    assert "Pay statement — Plan" in text
    assert "Payment: 1,400.00 USD." in text
    assert len(PdfReader(paths[1]).pages) == 1


def test_a_component_without_a_name_is_shown_by_its_kpi_not_its_index():
    unnamed = {**PLAN, "components": [{**PLAN["components"][0], "name": None}]}
    unnamed["components"][0].pop("name")
    page = statement_html(simulate(_data(), unnamed, library=False), "a")
    assert "<td>sales</td><td>sales</td>" in page and "<td>0</td>" not in page
