"""Tests for kpitools.report.params: report parameters checked against the notebook."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from kpitools.errors import DefinitionError
from kpitools.report import (
    default_notebook_path,
    make_report,
    parse_param_options,
    validate_parameters,
)
from kpitools.report.params import parameter_problems


def test_unknown_parameter_is_rejected_with_did_you_mean(report_inputs):
    with pytest.raises(DefinitionError) as err:
        validate_parameters(report_inputs["notebook"], {"clinet": "Acme", "seed": 1})
    assert str(err.value) == (
        "Unknown report parameter 'clinet'. Did you mean 'client'? Known parameters: branding, "
        "budget, client, currency, data, design, schemes, seed.\n"
        "Suggestion: use the names and types of the parameters cell of "
        f"{report_inputs['notebook']}."
    )


def test_wrong_types_are_all_listed(report_inputs):
    with pytest.raises(DefinitionError) as err:
        validate_parameters(
            report_inputs["notebook"],
            {"seed": "42", "schemes": ["a.yaml", 3], "budget": True},
            where="manifest.yaml: clients[1]",
        )
    assert str(err.value) == (
        "manifest.yaml: clients[1]: Report parameter 'seed' must be int, got str '42'.\n"
        "Report parameter 'schemes' must be list[str], got list ['a.yaml', 3].\n"
        "Report parameter 'budget' must be Optional[float], got bool True.\n"
        "Suggestion: use the names and types of the parameters cell of "
        f"{report_inputs['notebook']}."
    )


def test_internal_parameter_cannot_be_passed(report_inputs):
    with pytest.raises(DefinitionError, match="Unknown report parameter 'xlsx_path'"):
        validate_parameters(report_inputs["notebook"], {"xlsx_path": "/etc/x.xlsx"})


def test_valid_parameters_are_returned_with_ints_as_floats(report_inputs):
    params = validate_parameters(
        report_inputs["notebook"],
        {"budget": 5000, "seed": 7, "schemes": ["a.yaml"], "currency": "EUR"},
    )
    assert params == {"budget": 5000.0, "seed": 7, "schemes": ["a.yaml"], "currency": "EUR"}
    assert isinstance(params["budget"], float)
    assert validate_parameters(report_inputs["notebook"], {"budget": None}) == {"budget": None}


def test_shipped_notebook_declares_the_contract_parameters():
    params = validate_parameters(
        default_notebook_path(),
        {
            "client": "Acme",
            "data": "d.csv",
            "design": "d.yaml",
            "schemes": ["s.yaml"],
            "budget": 100000,
            "currency": "EUR",
            "forecast_draws": 200,
            "seed": 1,
            "branding": {"primary_color": "#112233"},
        },
    )
    assert params["budget"] == 100000.0


def test_missing_input_file_is_reported_before_any_work(report_inputs, tmp_path):
    with pytest.raises(DefinitionError) as err:
        make_report(
            "Acme",
            data=report_inputs["root"] / "nope.csv",
            design=report_inputs["design"],
            schemes=[report_inputs["scheme"]],
            out=tmp_path / "out",
            notebook=report_inputs["notebook"],
        )
    assert str(err.value) == (
        f"data: file not found: {report_inputs['root'] / 'nope.csv'}\n"
        f"Suggestion: check the paths (relative paths are read from {Path.cwd()})."
    )
    assert not (tmp_path / "out" / "Acme").exists()


def test_parameter_problems_name_each_parameter():
    declared = {
        "client": {"inferred_type_name": "str"},
        "budget": {"inferred_type_name": "Optional[float]"},
        "xlsx_path": {"inferred_type_name": "str"},
    }
    checked, problems = parameter_problems(
        declared, {"client": "Acme", "budget": float("inf"), "xlsx_path": "x"}, notebook="nb"
    )
    assert checked == {"client": "Acme"}
    assert [(p.key, p.what) for p in problems] == [
        ("budget", "Report parameter 'budget' must be a finite number, got inf."),
        (
            "xlsx_path",
            "Unknown report parameter 'xlsx_path'. Known parameters: budget, client.",
        ),
    ]
    assert {p.suggestion for p in problems} == {
        "use the names and types of the parameters cell of nb."
    }


def test_param_options_are_read_as_yaml():
    assert parse_param_options(["budget=150000", "title=", "seed = 7"]) == {
        "budget": 150000,
        "title": "",
        "seed": 7,
    }
    with pytest.raises(DefinitionError) as err:
        parse_param_options(["budget"])
    assert str(err.value) == (
        "--param 'budget' is not NAME=VALUE.\nSuggestion: write e.g. --param budget=150000."
    )
    with pytest.raises(DefinitionError) as err:
        parse_param_options(["title=[a"])
    assert str(err.value) == (
        "--param 'title=[a': the value is not valid YAML.\n"
        "Suggestion: quote text with special characters, e.g. --param \"title='A: B'\"."
    )


def test_a_notebook_without_a_parameters_cell_is_refused(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(nb, tmp_path / "plain.ipynb")
    with pytest.raises(DefinitionError) as err:
        validate_parameters(tmp_path / "plain.ipynb", {})
    assert str(err.value) == (
        f"{tmp_path / 'plain.ipynb'}: the notebook has no cell tagged 'parameters'.\n"
        "Suggestion: tag the cell that sets the default parameters with 'parameters'."
    )
