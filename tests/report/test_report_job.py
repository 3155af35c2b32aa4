"""Tests for kpitools.report.job (and .problems): one report's settings checked at once."""

from __future__ import annotations

import pickle

import pytest

from kpitools.errors import DefinitionError
from kpitools.report import ReportJob, prepare_job
from kpitools.report.job import check_job, client_name_problem
from kpitools.report.problems import Problem, problems_message


def test_check_job_finds_every_problem_and_prepare_job_raises_the_first_check(
    report_inputs, tmp_path
):
    params = {
        "data": "nope.csv",
        "design": str(report_inputs["design"]),
        "schemes": [str(report_inputs["scheme"])],
        "seed": "x",
        "branding": {"font": "x{y}"},
    }
    job, problems = check_job(
        "Acme",
        params,
        tmp_path,
        formats="html,docx",
        notebook=report_inputs["notebook"],
        base_dir=tmp_path,
    )
    assert job is None
    assert [p.key for p in problems] == ["formats", "seed", "data", "branding.font"]
    assert problems[2] == Problem(
        "data",
        f"file not found: {tmp_path / 'nope.csv'}",
        f"check the paths (relative paths are read from {tmp_path}).",
        label="data",
    )
    with pytest.raises(DefinitionError) as err:
        prepare_job(
            "Acme",
            params,
            tmp_path,
            formats="html",
            notebook=report_inputs["notebook"],
            base_dir=tmp_path,
            where="m.yaml: clients[0]",
        )
    # a single report stops at its first failed check: the parameters
    assert str(err.value) == (
        "m.yaml: clients[0]: Report parameter 'seed' must be int, got str 'x'.\n"
        "Suggestion: use the names and types of the parameters cell of "
        f"{report_inputs['notebook']}."
    )


def test_a_missing_notebook_stops_the_checks_that_need_it(tmp_path):
    job, problems = check_job("Acme", {"sed": 1}, tmp_path, notebook=tmp_path / "nb.ipynb")
    assert job is None
    assert problems == [
        Problem(
            "notebook",
            f"Report notebook not found: {tmp_path / 'nb.ipynb'}",
            "pass the path of a notebook with a cell tagged 'parameters'.",
        )
    ]


def test_a_job_is_checked_absolute_hashed_and_pickles(report_inputs, tmp_path):
    params = {
        "data": report_inputs["data"].name,
        "design": report_inputs["design"].name,
        "schemes": [report_inputs["scheme"].name],
        "budget": 5,
    }
    job = prepare_job(
        "Acme & Co",
        params,
        tmp_path,
        formats="pdf",
        notebook=report_inputs["notebook"],
        base_dir=report_inputs["root"],
    )
    assert job.formats == ("html", "pdf")
    assert job.parameters["data"] == str(report_inputs["data"].resolve())
    assert job.parameters["budget"] == 5.0 and job.parameters["client"] == "Acme & Co"
    assert [name for name, _, _ in job.inputs] == ["data", "design", "schemes[0]"]
    assert job.folder == tmp_path.resolve() / "Acme-Co"
    assert len(job.input_hash) == 64
    assert pickle.loads(pickle.dumps(job)) == job
    again = prepare_job(
        "Acme & Co",
        {**params, "budget": 6},
        tmp_path,
        formats="pdf",
        notebook=report_inputs["notebook"],
        base_dir=report_inputs["root"],
    )
    assert again.input_hash != job.input_hash
    assert isinstance(again, ReportJob)


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("Acme", None),
        ("  ", "the client name is missing or empty."),
        (None, "the client name is missing or empty."),
        (
            "Tab\there",
            "the client name 'Tab\\there' holds a control character (a line break, tab or "
            "terminal escape).",
        ),
    ],
)
def test_client_names(name, what):
    problem = client_name_problem(name)
    assert (problem.what if problem else None) == what


def test_problems_message_shows_the_first_check_with_its_fix():
    problems = [
        Problem("data", "file not found: a.csv", "check the paths.", label="data"),
        Problem("schemes[0]", "file not found: s.yaml", "check the paths.", label="schemes[0]"),
        Problem("branding.font", "branding.font must be a CSS font list.", "fix the branding."),
    ]
    assert problems_message(problems, "Acme") == (
        "Acme: data: file not found: a.csv\n"
        "schemes[0]: file not found: s.yaml\n"
        "Suggestion: check the paths."
    )
    assert Problem.from_error("x", DefinitionError("Bad.\nSuggestion: fix it.")) == Problem(
        "x", "Bad.", "fix it."
    )
