"""A report's input files read as ``kpitools simulate`` reads them, before any notebook runs.

A bad input (a misspelt key in a scheme, a duplicate employee × period × KPI row, a target
column a scheme needs and the data lacks, a roster that does not join) is the user's to fix,
not a failed report: :func:`check_inputs` reads the design, every scheme, the data and the
roster with the functions ``kpitools simulate`` uses (:func:`kpitools.design.load_design`,
:func:`kpitools.engine.load_schemes`, :func:`kpitools.engine.run_currency`,
:func:`kpitools.engine.simulate`, or :func:`kpitools.engine.load_inputs` without schemes) and
raises their error, so ``make_report`` stops with simulate's message (exit 2) and writes
nothing. What only fails while the notebook runs (a bug) is left for the notebook, which
keeps its executed copy with the error (exit 1).

Examples
--------
>>> check_inputs({"data": "", "design": "", "schemes": []})  # the demo company: nothing read
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from ..design import load_design
from ..engine import load_inputs, load_schemes, run_currency, simulate
from ..errors import KpitoolsError
from .scope import report_schemes

__all__ = ["check_inputs"]


def _read(params: Mapping[str, Any]) -> None:
    """Read the inputs as the report will, through simulate's functions; raise what is wrong."""
    design = load_design(params["design"]) if params.get("design") else None
    schemes = load_schemes(params["schemes"]) if params.get("schemes") else []
    run = run_currency(schemes, design, params.get("currency") or None)
    data = params.get("data")
    if not data:
        return  # the demo company: the notebook makes its data
    options = {"roster": params.get("roster") or None, "where": params.get("where") or None}
    if not schemes:
        load_inputs(data, library=False, currency=run, **options)
        return
    simulate(
        data,
        report_schemes(schemes, params.get("budget"), params.get("overrides")),
        baseline=params.get("baseline") or None,
        periods=params.get("periods") or None,
        currency=run,
        **options,
    )


def check_inputs(params: Mapping[str, Any]) -> None:
    """Read a report's design, schemes, data and roster as ``kpitools simulate`` does.

    Parameters
    ----------
    params : mapping
        The report's parameters, checked (:func:`kpitools.report.prepare_job`): ``data``,
        ``design``, ``schemes``, ``roster`` (paths as the user gave them, so that messages
        name them so), ``where``, ``currency``, ``budget``, ``overrides``, ``baseline``,
        ``periods``. The forecast and the gaming stress test are not run.

    Raises
    ------
    KpitoolsError
        The first bad input, with simulate's message (file, line or row, key path, fix).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the report shows the warnings in context
            _read(params)
    except KpitoolsError:
        raise
    except Exception:  # noqa: BLE001 - not bad input but a bug: the notebook shows it
        return
