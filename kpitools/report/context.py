"""The report's context: the data checked, the design solved, the schemes simulated, once.

:func:`build_context` computes everything the sections need from the report's parameters
and returns a :class:`ReportContext`; each section function reads it. The context knows
nothing of notebooks or papermill jobs: a caller gives it data (a file or a table). The
report notebook passes the demo company when its ``data`` parameter is empty, with the
demo design and template schemes (:data:`DEMO_DESIGN`, :data:`DEMO_SCHEMES`).
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._util.files import shipped
from .._util.format import DEFAULT_LOCALE, check_locale, period_text, set_locale
from ..data import check as check_data
from ..data import load_library, load_roster
from ..design import cascade, load_design, recommendation_rule, run_checks, sensitivity
from ..engine import (
    RunCurrency,
    load_inputs,
    period_end_timing,
    recommend_scheme,
    recommend_simulation,
    run_currency,
    simulate,
)
from ..errors import DataValidationError, DefinitionError, KpitoolsError
from ..plots import scheme_palette
from ..scheme import load_scheme
from .recommendation import recommendation_content
from .scope import default_groups, report_schemes

__all__ = ["DEMO_DESIGN", "DEMO_SCHEMES", "ReportContext", "build_context"]

#: The design and schemes a report of the demo company uses unless others are given.
DEMO_DESIGN = shipped("templates", "designs", "b2b_sales.yaml")
DEMO_SCHEMES = tuple(
    shipped("templates", "schemes", f"{name}.yaml")
    for name in ("linear_commission", "tiered_accelerator", "weighted_scorecard")
)


@dataclass(kw_only=True)
class ReportContext:
    """Everything the sections need, computed once by :func:`build_context`."""

    client: str
    currency: str | None
    data_source: str
    quality: Any
    data: pd.DataFrame
    design: Any = None
    cascade: Any = None
    checks: Any = None
    sensitivity: Any = None
    simulation: Any = None
    budget: float | None = None
    forecast_draws: int = 0
    seed: int | None = None
    periods: str | None = None
    scheme_files: tuple[str, ...] = ()
    palette: dict[str, Any] = field(default_factory=dict)
    chosen: str | None = None  # the scheme recommended (recommendation.json's)
    #: recommendation.json's content: the words of the summary and recommendation come from it
    recommendation: dict[str, Any] = field(default_factory=dict)
    rule: dict[str, Any] = field(default_factory=dict)  # thresholds given as a parameter
    roster: Any = None
    where: str | None = None
    groups: tuple[str, ...] = ()
    overrides: dict[str, Any] = field(default_factory=dict)
    money: Any = field(default_factory=RunCurrency)  # the run's currency and rates
    stress: float | None = None  # the gaming stress test's shift (None: not run)
    currency_notes: list[str] = field(default_factory=list)  # what was converted, overridden
    locale: str = DEFAULT_LOCALE  # how numbers, money and dates are written (Babel)

    @property
    def schemes(self) -> list[str]:
        """Scheme names in the order given."""
        return list(self.simulation.runs) if self.simulation is not None else []

    @property
    def period_range(self) -> str:
        """First and last period of the data, in words (``January 2024 to March 2025``)."""
        periods = sorted(self.data["period"].astype(str).unique())
        if not periods:
            return "no periods"
        return f"{period_text(periods[0])} to {period_text(periods[-1])}"

    def kpi_name(self, kpi: Any) -> str:
        """The KPI's name as a client reads it (``Gross margin``), not its id."""
        kpi = str(kpi)
        if kpi in self.kpi_names:
            return self.kpi_names[kpi]
        found = load_library().get(kpi)
        return found.name if found is not None else kpi

    @functools.cached_property
    def kpi_names(self) -> dict[str, str]:
        """KPI id to name: from the design's roles, then the KPI library."""
        names: dict[str, str] = {}
        if self.design is not None:
            for role in self.design.roles:
                for item in role.kpis:
                    names.setdefault(item.kpi, getattr(item.definition, "name", item.kpi))
        library = load_library()
        for kpi in self.data["kpi"].astype(str).unique() if "kpi" in self.data else ():
            found = library.get(kpi)
            if found is not None:
                names.setdefault(kpi, found.name)
        return names

    @property
    def timing(self) -> Any:
        """Deal timing of the schemes' revenue KPI (:mod:`kpitools.engine.timing`), or None.

        None when it cannot be looked at (the data is not monthly, has no such KPI, or the
        KPI does not add up): :attr:`timing_limit` says why. A result whose employees have
        too few whole quarters is kept: it says so itself (``result.limits``).
        """
        return self._timing[0]

    @property
    def timing_limit(self) -> str:
        """Why deal timing could not be looked at (``""`` when it was)."""
        return self._timing[1]

    @functools.cached_property
    def _timing(self) -> tuple[Any, str]:
        kpis = set(self.data["kpi"].astype(str).unique())
        wanted = [
            getattr(run.scheme, "revenue_kpi", None)
            for run in (self.simulation.runs.values() if self.simulation is not None else ())
        ]
        kpi = next((k for k in [*wanted, "revenue"] if k in kpis), None)
        if kpi is None:
            names = " or ".join(repr(k) for k in dict.fromkeys([*filter(None, wanted), "revenue"]))
            return None, f"the data has no {names} KPI whose monthly timing could be looked at."
        try:
            return period_end_timing(self.data, kpi), ""
        except KpitoolsError as err:  # quarterly data, or a KPI that does not add up
            return None, err.message.partition("\nSuggestion:")[0]

    def cost_per_period(self) -> pd.Series:
        """Average total payout per evaluated period, per scheme."""
        totals = self.simulation.totals
        per_period = totals.groupby(["scheme", "period"], sort=False)["payout"].sum()
        return per_period.groupby(level="scheme", sort=False).mean()


def _data_label(data: str | os.PathLike | pd.DataFrame, label: str | None) -> str:
    if label:
        return label
    # The file name only: a client report does not show the consultant's folders
    # (manifest.json keeps the full path and its sha256).
    return "the given table" if isinstance(data, pd.DataFrame) else Path(data).name


def build_context(
    *,
    client: str,
    data: str | os.PathLike | pd.DataFrame,
    design: str | os.PathLike | None = "",
    schemes: Sequence[str | os.PathLike] = (),
    baseline: str | None = None,
    periods: str | None = None,
    budget: float | None = None,
    currency: str | None = None,
    forecast_draws: int = 1000,
    seed: int | None = 42,
    branding: dict | None = None,
    data_label: str | None = None,
    roster: str | os.PathLike | pd.DataFrame | None = None,
    where: str | None = None,
    by: Sequence[str] | str | None = None,
    overrides: dict[str, Any] | None = None,
    locale: str | None = None,
    stress: float | None = None,
    recommendation: dict[str, Any] | None = None,
) -> ReportContext:
    """Check the data, solve the design, run the schemes and the forecast.

    Parameters
    ----------
    client : str
        The client's name.
    data : path or DataFrame
        The historical data (see :func:`kpitools.data.check`).
    design : path, optional
        The design file; without it the design sections are left out.
    schemes : sequence of paths
        The scheme files to compare (none: no scheme sections).
    baseline, periods, budget, forecast_draws, seed, stress
        As for :func:`kpitools.engine.simulate` (``budget`` replaces each scheme's own).
    currency : str, optional
        Over the design's and schemes' ``currency:`` (else theirs, which must agree).
    branding, data_label : optional
        The page's branding (used when it is rendered); the data's name in the report.
    roster, where, by, overrides, recommendation : optional
        What the report covers (:mod:`kpitools.report.scope`): a roster joined by employee, a
        filter, the group columns (a roster's team and region by default), scheme parameters
        changed (``{scheme: {dotted.path: value}}``) and decision-rule thresholds.
    locale : str, optional
        Numbers, money and dates as in this locale, else the design's, else ``en_US``: the
        active locale of :mod:`kpitools._util.format` for the whole report.

    Raises
    ------
    DefinitionError, DataValidationError
        No data given; the data has errors (shown with the data quality report).
    """
    quality = _checked(data)
    loaded_roster = _load_roster(roster)
    run, table, notes, (found, loaded) = _in_one_currency(
        quality.data, design, schemes, currency, roster=loaded_roster, where=where or None
    )
    ctx = ReportContext(
        locale=set_locale(check_locale(locale) if locale else getattr(found, "locale", None)),
        client=client,
        currency=run.code,
        money=run,
        currency_notes=notes,
        data_source=_data_label(data, data_label),
        quality=quality,
        data=table,
        budget=budget,
        forecast_draws=int(forecast_draws or 0),
        seed=seed,
        periods=periods,
        scheme_files=tuple(str(s) for s in schemes),
        roster=loaded_roster,
        where=where or None,
        overrides=dict(overrides or {}),
        groups=default_groups(by, loaded_roster),
    )
    _solve_design(ctx, found)
    _simulate(ctx, loaded, baseline=baseline, stress=stress, rule=recommendation)
    return ctx


def _solve_design(ctx: ReportContext, design: Any) -> None:
    """The design's cascade, checks and sensitivity on the context's data."""
    if design is None:
        return
    ctx.design = design
    ctx.cascade = cascade(design)
    ctx.checks = run_checks(design, ctx.data)
    ctx.sensitivity = sensitivity(design)


def _checked(data: str | os.PathLike | pd.DataFrame) -> Any:
    """The data quality report of the data (its ``data`` is the table), or what is wrong."""
    if not isinstance(data, pd.DataFrame) and not data:
        raise DefinitionError(
            "No data given for the report.\n"
            "Suggestion: pass a data file or table (the report notebook uses the demo "
            "company when its 'data' parameter is empty)."
        )
    quality = check_data(data, library=False)  # as the notebook always read it: no library
    if not quality.ok:
        raise DataValidationError(str(quality), quality.failure_cases)
    return quality


def _load_roster(roster: Any) -> Any:
    """The roster, read and checked; None when there is none (``""`` from the notebook)."""
    if roster is None or (isinstance(roster, str | os.PathLike) and not os.fspath(roster)):
        return None
    return load_roster(roster)


#: Notes of the conversion into the run's currency, kept for the assumptions.
_CURRENCY_NOTES = ("Converted to ", "The amounts are in ")


def _in_one_currency(
    data: pd.DataFrame,
    design: Any,
    schemes: Sequence[Any],
    currency: str | None,
    *,
    roster: Any = None,
    where: str | None = None,
) -> tuple[RunCurrency, pd.DataFrame, list[str], tuple[Any, list[Any]]]:
    """The report's currency, its data joined with the roster, converted once and filtered.

    Returns the currency, the data, the notes for the assumptions, and the design (its
    goals shown in the run's currency: its own, or the override) and schemes loaded. The
    units of the KPIs come from the library the simulation checks the data against.
    """
    loaded_design = load_design(design) if design else None
    loaded = [load_scheme(s) for s in schemes]
    run = run_currency(loaded, loaded_design, currency or None)
    table, notes, _ = load_inputs(
        data, library=None if loaded else False, roster=roster, where=where, currency=run
    )
    if loaded_design is not None:
        loaded_design = dataclasses.replace(loaded_design, currency=run.code)
    kept = [*run.notes, *(n for n in notes if n.startswith(_CURRENCY_NOTES))]
    return run, table, kept, (loaded_design, loaded)


def _simulate(
    ctx: ReportContext,
    loaded: list[Any],
    *,
    baseline: str | None,
    stress: float | None = None,
    rule: dict | None = None,
) -> None:
    """Run the schemes (the forecast, the gaming stress test); apply the decision rule.

    ``rule``: the decision rule's thresholds given as a parameter, over the design's.
    """
    ctx.stress = stress or None
    ctx.rule = dict(rule or {})
    if not loaded:
        _recommend(ctx)
        return
    loaded = report_schemes(loaded, ctx.budget, ctx.overrides)
    ctx.simulation = simulate(
        ctx.quality.data,  # the engine joins the roster, converts and filters, as simulate does
        loaded,
        baseline=baseline,
        periods=ctx.periods,
        forecast=ctx.forecast_draws or None,
        seed=ctx.seed,
        roster=ctx.roster,
        where=ctx.where,
        by=ctx.groups,
        currency=ctx.money,
        stress=ctx.stress,
    )
    ctx.palette = scheme_palette(ctx.schemes)
    _recommend(ctx)


def _recommend(ctx: ReportContext) -> None:
    """The decision rule's outcome (recommendation.json's content) and the scheme chosen.

    The thresholds: the design's ``recommendation:``, then the report's parameter over them.
    Without schemes the file still says so, with the rule that would have applied.
    """
    rule = recommendation_rule(
        ctx.design.recommendation if ctx.design is not None else {},
        ctx.rule,
        source="the decision rule (recommendation)",
    )
    if ctx.simulation is None:
        outcome = recommend_scheme(pd.DataFrame(), rule=rule, currency=ctx.currency)
    else:
        outcome = recommend_simulation(ctx.simulation, rule)
    ctx.recommendation = recommendation_content(outcome)
    ctx.chosen = ctx.recommendation["recommended"]
