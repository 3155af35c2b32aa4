"""The report's gaming stress test section (kpitools.report.stress)."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

from kpitools.report import Figure, build_context, gaming_stress, render_blocks

matplotlib.use("Agg")

STEP = {"name": "Step", "period": "quarter", "on_target_pay": 1000, "currency": "EUR",
        "components": [{"kpi": "revenue", "weight": 1, "target": 100,
                        "curve": {"steps": [[1.0, 1.0]]}}]}  # fmt: skip
COMMISSION = {"name": "Commission", "period": "quarter", "on_target_pay": 1000,
              "currency": "EUR",
              "components": [{"kpi": "revenue", "commission": {"rate": 0.1}}]}  # fmt: skip


@pytest.fixture
def files(tmp_path):
    import yaml

    data = pd.DataFrame(
        {"employee": "E1", "period": ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"],
         "kpi": "revenue", "actual": [98.0, 105.0, 60.0, 100.0]}
    )  # fmt: skip
    paths = []
    for spec in (STEP, COMMISSION):
        path = tmp_path / f"{spec['name']}.yaml"
        path.write_text(yaml.safe_dump(spec))
        paths.append(str(path))
    return data, paths


def _context(files, **kw):
    data, schemes = files
    return build_context(client="Acme", data=data, schemes=schemes, forecast_draws=0, **kw)


def test_the_section_shows_the_cost_per_scheme_and_the_moves_that_pay_most(files):
    ctx = _context(files, stress=0.1)
    blocks = gaming_stress(ctx)
    text, figure, lead, table = blocks
    assert text.startswith("## Gaming stress test\n\nHow much more each scheme would pay if ")
    assert "up to 10% of a period's results" in text
    assert text.endswith(
        "Step is the easiest to game: 1,000 EUR more, 50.0% of its cost. "
        "Within the limit of 5%: Commission."
    )
    assert isinstance(figure, Figure)
    assert figure.caption == (
        "Cost of gaming per scheme (extra pay, as a share of the honest cost):"
    )
    assert figure.alt.endswith("limit of 5%: Step 50.0%; Commission 0.0%.")
    labels = [t.get_text() for t in figure.fig.axes[0].texts]
    assert labels == ["50.0% · 1,000 EUR", "0.0% · 0 EUR", " limit 5%"]
    assert [t.get_text() for t in figure.fig.axes[0].get_yticklabels()] == ["Step", "Commission"]
    assert lead == "The moves that pay most:"
    assert table.to_dict("records") == [
        {"Scheme": "Step", "Employee": "E1",
         "Moves": "2 EUR of revenue from 2025-Q2 to 2025-Q1", "Extra pay": "1,000 EUR"}
    ]  # fmt: skip
    html = render_blocks(blocks)
    assert "Gaming stress test" in html and "<img" in html


def test_without_the_stress_test_the_section_says_so(files):
    ctx = _context(files)
    assert gaming_stress(ctx) == [
        "**Gaming stress test.** Not run for this report (its `stress` parameter is empty): "
        "how much the schemes pay for moving results between periods is not known."
    ]
    assert "gaming_cost" not in ctx.simulation.metrics


def test_the_recommendation_weighs_the_cost_of_gaming(files):
    from kpitools.engine import recommend_simulation

    rec = recommend_simulation(_context(files, stress=0.1).simulation)
    assert rec.schemes["Step"]["gaming_cost_pct"] == 0.5
    assert rec.schemes["Commission"]["gaming_cost_pct"] == 0.0
    assert "Shifting results between periods would add 50" in str(rec.schemes["Step"])
    assert rec.recommended != "Step"


def test_the_report_takes_a_stress_parameter():
    from pathlib import Path

    from kpitools.errors import DefinitionError
    from kpitools.report import parse_param_options, validate_parameters

    notebook = Path(__file__).resolve().parents[2] / "notebooks" / "03_client_report.ipynb"
    assert validate_parameters(notebook, parse_param_options(["stress=0.2"])) == {"stress": 0.2}
    assert validate_parameters(notebook, parse_param_options(["stress=null"])) == {"stress": None}
    with pytest.raises(DefinitionError) as err:
        validate_parameters(notebook, parse_param_options(["stress=lots"]))
    assert str(err.value) == (
        "Report parameter 'stress' must be Optional[float], got str 'lots'.\n"
        f"Suggestion: use the names and types of the parameters cell of {notebook}."
    )
