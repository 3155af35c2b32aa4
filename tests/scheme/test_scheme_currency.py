"""A scheme's and a design's ``currency:`` and ``fx:`` keys (contract §8)."""

from __future__ import annotations

import pytest

from kpitools.design import load_design
from kpitools.errors import DefinitionError
from kpitools.scheme import load_scheme

SCHEME = {
    "name": "s",
    "on_target_pay": 1000,
    "components": [{"kpi": "revenue", "commission": {"rate": 0.1}}],
}


def test_scheme_currency_and_rates_are_read_and_written_back(tmp_path):
    scheme = load_scheme({**SCHEME, "currency": "usd", "fx": {"eur": 1.08, "GBP": 1.27}})
    assert (scheme.currency, scheme.fx) == ("USD", {"EUR": 1.08, "GBP": 1.27})
    scheme.to_yaml(tmp_path / "s.yaml")
    assert load_scheme(tmp_path / "s.yaml") == scheme
    assert load_scheme(SCHEME).currency is None and load_scheme(SCHEME).fx is None


def test_a_bad_currency_in_a_scheme_file_names_the_line(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\ncurrency: US\non_target_pay: 1000\nfx: {EUR: -1}\n"
        "components:\n  - {kpi: revenue, commission: {rate: 0.1}}\n",
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError) as err:
        load_scheme(path)
    assert str(err.value) == (
        f"{path}: line 2 (currency): 'US' is not an ISO 4217 currency code (did you mean "
        "'UZS' or 'USS'?).\n"
        "Suggestion: write an ISO 4217 code such as USD, EUR or RUB.\n"
        f"{path}: line 4 (fx): the rate of EUR must be a number above 0, got -1.\n"
        "Suggestion: write fx: {EUR: 1.08} (units of the run's currency per unit of each other)."
    )


def test_design_currency_and_rates():
    design = load_design(
        {"client": "Acme", "currency": "usd", "fx": {"EUR": 1.08},
         "goals": [{"id": "revenue", "target": 1000}]},
        library=False,
    )  # fmt: skip
    assert (design.currency, dict(design.fx)) == ("USD", {"EUR": 1.08})
    with pytest.raises(DefinitionError) as err:
        load_design({"currency": "rubles", "goals": [{"id": "g", "target": 1}]}, library=False)
    assert str(err.value) == (
        "design: currency: 'rubles' is not an ISO 4217 currency code.\n"
        "Suggestion: write an ISO 4217 code such as USD, EUR or RUB."
    )
