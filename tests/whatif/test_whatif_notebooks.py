"""The what-if notebooks run with their defaults (papermill) and show their explorers."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill as pm
import pytest

from kpitools._util.format import money
from kpitools.design import load_design
from kpitools.engine import compute_metrics, run_scheme
from kpitools.errors import DefinitionError
from kpitools.scheme import load_scheme
from kpitools.whatif import DEFAULT_SCHEME, ENV_DATA, ENV_ROSTER, ENV_SCHEME, resolve_template

ROOT = Path(__file__).resolve().parents[2]


def _run_notebook(name: str, out: Path) -> list:
    source = ROOT / "notebooks" / name
    committed = nbformat.read(source, as_version=4)
    assert [c for c in committed.cells if c.cell_type == "code" and c.outputs] == []
    assert sum("parameters" in c.metadata.get("tags", []) for c in committed.cells) == 1
    pm.execute_notebook(
        str(source), str(out), kernel_name="python3", cwd=str(source.parent), progress_bar=False
    )
    executed = nbformat.read(out, as_version=4)
    return [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]


def test_the_whatif_notebook_runs_with_its_defaults_on_the_demo_company(
    tmp_path, monkeypatch, demo_company
):
    monkeypatch.delenv(ENV_DATA, raising=False)
    monkeypatch.delenv(ENV_SCHEME, raising=False)
    outputs = _run_notebook("02_scheme_whatif.ipynb", tmp_path / "02.ipynb")
    shown = [o for o in outputs if o.output_type == "execute_result"]
    assert len(shown) == 1
    assert "application/vnd.jupyter.widget-view+json" in shown[0].data
    scheme = load_scheme(resolve_template(DEFAULT_SCHEME))
    text = shown[0].data["text/plain"]
    assert text.startswith(f"<SchemeExplorer {scheme.name!r}: ")
    # no data given: the notebook builds the demo company (its seed and size are the
    # defaults) and passes its roster: pay is prorated for hires and leavers
    run = run_scheme(demo_company.data, scheme, roster=demo_company.roster)
    cost = money(compute_metrics(run)["total_cost"], scheme.currency or "")
    assert text.endswith(f" controls, total cost {cost} (start {cost})>")
    assert [o for o in outputs if o.output_type == "error"] == []


def test_the_whatif_notebook_takes_the_apps_data_scheme_and_roster(
    tmp_path, monkeypatch, demo_company
):
    """What ``kpitools app --data --scheme --roster`` hands over through the environment:
    the explorer pays as ``run_scheme`` with that roster, and the roster matters (hires and
    leavers are prorated, the draw needs their hire dates)."""
    data, roster = tmp_path / "data.csv", tmp_path / "roster.csv"
    demo_company.data.to_csv(data, index=False)
    demo_company.roster.to_csv(roster, index=False)
    scheme = load_scheme(resolve_template("new_hire_draw.yaml"))
    monkeypatch.setenv(ENV_DATA, str(data))
    monkeypatch.setenv(ENV_SCHEME, str(resolve_template("new_hire_draw.yaml")))
    monkeypatch.setenv(ENV_ROSTER, str(roster))
    outputs = _run_notebook("02_scheme_whatif.ipynb", tmp_path / "02.ipynb")
    assert [o for o in outputs if o.output_type == "error"] == []
    (shown,) = [o for o in outputs if o.output_type == "execute_result"]
    run = run_scheme(str(data), scheme, roster=str(roster))
    cost = money(compute_metrics(run)["total_cost"], scheme.currency or "")
    text = shown.data["text/plain"]
    assert text.startswith(f"<SchemeExplorer {scheme.name!r}: ")
    assert text.endswith(f" controls, total cost {cost} (start {cost})>")
    with pytest.raises(DefinitionError, match="draw.for_first"):  # without it: no hire dates
        run_scheme(str(data), scheme)


def test_the_goal_design_notebook_runs_with_its_defaults(tmp_path):
    outputs = _run_notebook("01_goal_design.ipynb", tmp_path / "01.ipynb")
    shown = [o for o in outputs if o.output_type == "execute_result"]
    # the explorer, then the library's suggestions as a table
    assert len(shown) == 2
    assert "application/vnd.jupyter.widget-view+json" in shown[0].data
    client = load_design(resolve_template("b2b_sales.yaml", "designs")).client
    assert shown[0].data["text/plain"].startswith(f"<GoalExplorer {client!r}: ")
    assert "<table" in shown[1].data["text/html"] and "reason" in shown[1].data["text/html"]
    # goal tree, tornado and weight matrix
    figures = [o for o in outputs if o.output_type == "display_data" and "image/png" in o.data]
    assert len(figures) == 3
    assert [o for o in outputs if o.output_type == "error"] == []
