"""The content of the client report, one function per section.

The report notebook (``notebooks/03_client_report.ipynb``) stays thin: it builds a
:class:`ReportContext` from its parameters and shows each section. Every section
function takes the context and returns a list of blocks: markdown strings,
DataFrames (shown as formatted tables) and matplotlib figures. :func:`show`
displays them in a notebook. All text that comes from users (client, scheme, KPI
and team names, messages) is HTML-escaped; money is shown with thousands
separators and the currency, never as raw floats.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._text import money as _money
from .errors import DataValidationError

__all__ = [
    "ReportContext",
    "build_context",
    "show",
    "executive_summary",
    "goals_and_cascade",
    "kpi_set_check",
    "history_and_weak_spots",
    "scheme_comparison",
    "recommendation",
    "forecast_risk",
    "data_quality",
    "method_and_assumptions",
    "workbook_tables",
    "write_workbook",
    "SECTIONS",
]

_ROOT = Path(__file__).resolve().parent.parent
DEMO_DESIGN = _ROOT / "templates" / "designs" / "b2b_sales.yaml"
DEMO_SCHEMES = tuple(
    _ROOT / "templates" / "schemes" / f"{name}.yaml"
    for name in ("linear_commission", "tiered_accelerator", "weighted_scorecard")
)

#: Hit rate under which a KPI or team "chronically misses" its targets.
CHRONIC_MISS = 0.5


def esc(text: Any) -> str:
    """HTML-escape any text shown in the report.

    Examples
    --------
    >>> esc("A & <b>")
    'A &amp; &lt;b&gt;'
    """
    return html.escape(str(text))


def money(value: float, currency: str = "") -> str:
    """Format an amount with thousands separators and the currency.

    Examples
    --------
    >>> money(1234567.4, "RUB"), money(float("nan"), "RUB")
    ('1,234,567 RUB', 'n/a')
    """
    return _money(value, esc(currency))


def pct(value: float, digits: int = 0) -> str:
    """Format a share as a percentage.

    Examples
    --------
    >>> pct(0.6549), pct(0.6549, 1)
    ('65%', '65.5%')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{float(value):.{digits}%}"


# --------------------------------------------------------------------------- context
@dataclass(kw_only=True)
class ReportContext:
    """Everything the sections need, computed once by :func:`build_context`."""

    client: str
    currency: str
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
    chosen: str | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def schemes(self) -> list[str]:
        """Scheme names in the order given."""
        return list(self.simulation.runs) if self.simulation is not None else []

    @property
    def period_range(self) -> str:
        """First and last period of the data."""
        periods = sorted(self.data["period"].astype(str).unique())
        return f"{periods[0]} to {periods[-1]}" if periods else "no periods"

    def cost_per_period(self) -> pd.Series:
        """Average total payout per evaluated period, per scheme."""
        totals = self.simulation.totals
        per_period = totals.groupby(["scheme", "period"], sort=False)["payout"].sum()
        return per_period.groupby(level="scheme", sort=False).mean()


def build_context(
    *,
    client: str,
    data: str | os.PathLike | pd.DataFrame = "",
    design: str | os.PathLike | None = "",
    schemes: Sequence[str | os.PathLike] = (),
    baseline: str | None = None,
    periods: str | None = None,
    budget: float | None = None,
    currency: str = "RUB",
    forecast_draws: int = 1000,
    seed: int | None = 42,
    branding: dict | None = None,
) -> ReportContext:
    """Check the data, solve the design, run the schemes and the forecast.

    With no ``data`` the demo company is used (with its design and three template
    schemes unless others are given).

    Raises
    ------
    DataValidationError
        The data has errors: the report stops with the data quality report.

    Examples
    --------
    >>> ctx = build_context(client="Demo", forecast_draws=0)  # doctest: +SKIP
    """
    from . import data as data_mod
    from .metrics import simulate
    from .plots import scheme_palette
    from .schemes import load_scheme

    if isinstance(data, pd.DataFrame) or data:
        source = data
        label = "the given table" if isinstance(data, pd.DataFrame) else str(data)
    else:
        from .demo import make_demo_company

        source = make_demo_company(seed=2027, n_employees=24, months=24).data
        label = "the demo company (kpitools.demo)"
        design = design or str(DEMO_DESIGN)
        schemes = schemes or [str(p) for p in DEMO_SCHEMES]
    quality = data_mod.check(source)
    if not quality.ok:
        raise DataValidationError(str(quality), quality.failure_cases)
    table = quality.data

    ctx = ReportContext(
        client=client,
        currency=currency,
        data_source=label,
        quality=quality,
        data=table,
        budget=budget,
        forecast_draws=int(forecast_draws or 0),
        seed=seed,
        periods=periods,
        scheme_files=tuple(str(s) for s in schemes),
    )
    if design:
        from .checks import run_checks
        from .design import cascade, load_design, sensitivity

        ctx.design = load_design(design)
        ctx.cascade = cascade(ctx.design)
        ctx.checks = run_checks(ctx.design, table)
        ctx.sensitivity = sensitivity(ctx.design)
    if schemes:
        loaded = [load_scheme(s) for s in schemes]
        if budget is not None:
            loaded = [s.set("budget", float(budget)) for s in loaded]
        ctx.simulation = simulate(
            table,
            loaded,
            baseline=baseline,
            periods=periods,
            forecast=ctx.forecast_draws or None,
            seed=seed,
        )
        ctx.palette = scheme_palette(ctx.schemes)
        ctx.chosen, ctx.reasons = _recommend(ctx)
    return ctx


def _recommend(ctx: ReportContext) -> tuple[str | None, list[str]]:
    """Pick the scheme that pays for performance best among those within budget."""
    m = ctx.simulation.metrics.copy()
    if m.empty:
        return None, []
    within = m["budget_variance"].isna() | (m["budget_variance"] <= 0)
    pool = m[within] if within.any() else m
    ranked = pool.sort_values(
        ["pay_performance_corr", "near_threshold_share", "cost_of_sales"],
        ascending=[False, True, True],
        na_position="last",
    )
    chosen = str(ranked.index[0])
    row = m.loc[chosen]
    cost = ctx.cost_per_period()
    others = [s for s in m.index if s != chosen]
    reasons = []
    over = [s for s in m.index if not within[s]]
    if over and within.any():
        reasons.append(
            "Left out for going over the budget: "
            + ", ".join(f"{esc(s)} (+{pct(m.loc[s, 'budget_variance'])})" for s in over)
            + "."
        )
    corr = row["pay_performance_corr"]
    if not math.isnan(corr):
        other_corr = ", ".join(
            f"{esc(s)} {m.loc[s, 'pay_performance_corr']:.2f}"
            for s in others
            if not math.isnan(m.loc[s, "pay_performance_corr"])
        )
        among = "Of the schemes within budget, it" if over and within.any() else "It"
        reasons.append(
            f"{among} ties pay to performance most closely: the rank correlation between "
            f"attainment and payout is {corr:.2f}"
            + (f" (others: {other_corr})." if other_corr else ".")
        )
    reasons.append(
        f"It costs {money(cost.get(chosen, float('nan')), ctx.currency)} per period on average, "
        f"{pct(row['cost_of_sales'], 1)} of revenue."
    )
    if not math.isnan(row["budget_variance"]):
        side = "under" if row["budget_variance"] <= 0 else "over"
        reasons.append(f"It stays {pct(abs(row['budget_variance']))} {side} the budget.")
    elif not within.all():
        reasons.append("It is one of the schemes within budget.")
    reasons.append(
        f"{pct(row['pct_at_target'])} of employee-periods reach target; the top earners (p90) "
        f"get {row['payout_p90']:.2f}× on-target pay, leverage (p90/p50) {row['leverage']:.2f}."
    )
    if row["near_threshold_share"] > 0:
        reasons.append(
            f"Watch gaming: {pct(row['near_threshold_share'], 1)} of results sit just below a "
            "payout threshold, where holding back or pulling forward a deal pays."
        )
    return chosen, reasons


# --------------------------------------------------------------------------- display
_NUMBERISH = r"^\s*(?:n/a|[-+]?[\d,.]+\s*(?:%|×|[A-Za-z$€£¥₽]{1,4})?)?\s*$"


def _table_html(frame: pd.DataFrame) -> str:
    """A plain, escaped HTML table; columns of numbers and amounts are right-aligned."""
    cols = [str(c) for c in frame.columns]
    text = frame.astype(object).where(frame.notna(), "").astype(str)
    numeric = [
        bool(text[c].str.match(_NUMBERISH).all()) and text[c].str.strip().ne("").any()
        for c in frame.columns
    ]
    align = [' class="num"' if n else "" for n in numeric]
    head = "".join(f"<th{a}>{esc(c)}</th>" for c, a in zip(cols, align, strict=True))
    body = "\n".join(
        "<tr>" + "".join(f"<td{a}>{esc(v)}</td>" for v, a in zip(row, align, strict=True)) + "</tr>"
        for row in text.itertuples(index=False, name=None)
    )
    return (
        f'<table class="kpi-table">\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody>\n</table>"
    )


def show(blocks: Sequence[Any] | None) -> None:
    """Display a section's blocks in a notebook (markdown, tables, figures).

    Examples
    --------
    >>> show(executive_summary(ctx))  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt
    from IPython.display import HTML, Markdown, display

    for block in blocks or ():
        if isinstance(block, str):
            display(Markdown(block))
        elif isinstance(block, pd.DataFrame):
            display(HTML(_table_html(block)))
        elif hasattr(block, "savefig"):
            display(block)
            plt.close(block)
        else:
            display(block)


def _figure(width: float = 7.5, height: float = 3.6, ncols: int = 1):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols, figsize=(width, height), layout="constrained")
    return fig, axes


# --------------------------------------------------------------------------- sections
def executive_summary(ctx: ReportContext) -> list[Any]:
    """Who, what was analysed, the recommendation and the main risks in a few lines."""
    n_emp = ctx.data["employee"].nunique()
    lines = [
        "## Executive summary",
        f"This report for **{esc(ctx.client)}** reviews {n_emp:,} employees' results from "
        f"{esc(ctx.period_range)} ({len(ctx.quality.kpis)} KPIs)"
        + (f" and compares {len(ctx.schemes)} bonus schemes." if ctx.schemes else "."),
    ]
    bullets = []
    if ctx.chosen:
        cost = ctx.cost_per_period()
        bullets.append(
            f"**Recommended scheme: {esc(ctx.chosen)}**, at about "
            f"{money(cost[ctx.chosen], ctx.currency)} per period."
        )
        fc = ctx.simulation.forecasts.get(ctx.chosen)
        if fc is not None:
            risk = fc.prob_over_budget
            risk_text = (
                f"a {pct(risk)} chance of exceeding the budget"
                if risk is not None and not math.isnan(risk)
                else "no budget to compare with"
            )
            bullets.append(
                f"Next period's cost under it: {money(fc.total_cost_p50, ctx.currency)} expected, "
                f"{money(fc.total_cost_p95, ctx.currency)} in a bad case (p95), {risk_text}."
            )
    weak = _hit_rates(ctx, "kpi")
    if weak is not None:
        missing = weak[weak["hit_rate"] < CHRONIC_MISS]
        if len(missing):
            names = ", ".join(esc(k) for k in missing["kpi"].head(4))
            bullets.append(f"KPIs that chronically miss their targets: {names}.")
    if ctx.checks is not None:
        counts = f"{len(ctx.checks.errors)} errors, {len(ctx.checks.warnings)} warnings"
        bullets.append(f"KPI set check: {counts}.")
    issues = len(ctx.quality.issues)
    bullets.append(
        f"Data quality: {ctx.quality.rows_kept:,} of {ctx.quality.rows_read:,} rows used, "
        + (f"{issues} issue(s) noted." if issues else "no issues.")
    )
    lines.append("\n".join(f"- {b}" for b in bullets))
    return ["\n\n".join(lines)]


def goals_and_cascade(ctx: ReportContext) -> list[Any]:
    """The goal tree with solved targets, and how sensitive the top goal is to each driver."""
    if ctx.design is None:
        return []
    from .design_plots import plot_goal_tree, plot_tornado

    design = ctx.design
    table = ctx.cascade.summary
    cols = [c for c in ("goal", "name", "display") if c in table.columns]
    shown = table[cols].rename(columns={"goal": "Goal", "name": "Name", "display": "Value"})
    blocks: list[Any] = [
        "## Goals and cascade\n\n"
        f"The top goal, **{esc(design.goal(design.top_goal).name)}**, breaks down into drivers; "
        "targets flow down the tree from the assumptions held fixed.",
        shown,
    ]
    fig, ax = _figure(7.5, 4.2)
    plot_goal_tree(design, ax=ax, cascade=ctx.cascade)
    blocks.append(fig)
    if ctx.sensitivity is not None:
        fig, ax = _figure(7.5, 3.6)
        plot_tornado(ctx.sensitivity, ax=ax, max_drivers=10)
        blocks.append("What a ±10% change in each driver does to the top goal:")
        blocks.append(fig)
    return blocks


def kpi_set_check(ctx: ReportContext) -> list[Any]:
    """Findings of the KPI-set rules, and the weights each role carries."""
    if ctx.checks is None:
        return []
    from .design_plots import plot_weight_matrix

    findings = ctx.checks.to_frame()
    head = (
        "## KPI set check\n\n"
        f"{len(ctx.checks.errors)} errors, {len(ctx.checks.warnings)} warnings and "
        f"{len(ctx.checks.infos)} notes on the KPI sets of the roles."
    )
    blocks: list[Any] = [head]
    if len(findings):
        cols = [c for c in ("severity", "rule", "message", "location") if c in findings]
        blocks.append(findings[cols].rename(columns=str.capitalize))
    else:
        blocks.append("No finding: every rule passed.")
    fig, ax = _figure(7.5, 3.2)
    plot_weight_matrix(ctx.design, ax=ax)
    blocks.append(fig)
    return blocks


def _hit_rates(ctx: ReportContext, by: str) -> pd.DataFrame | None:
    """Share of rows at or above target per ``by`` (rows with a target only)."""
    data = ctx.data
    if "target" not in data or by not in data:
        return None
    rows = data[data["target"].notna() & (data["target"] > 0)]
    if rows.empty:
        return None
    from .library import load_library

    library = load_library()
    kpis = rows["kpi"].unique()
    lower = {k for k in kpis if (kpi := library.get(k)) is not None and kpi.direction == "lower"}
    is_lower = rows["kpi"].isin(lower).to_numpy()
    actual, target = rows["actual"].to_numpy(float), rows["target"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        att = np.where(is_lower, np.where(actual > 0, target / actual, np.inf), actual / target)
    frame = pd.DataFrame({by: rows[by].to_numpy(), "hit": att >= 1, "att": att})
    out = frame.groupby(by, sort=False).agg(
        rows=("hit", "size"), hit_rate=("hit", "mean"), median_attainment=("att", "median")
    )
    return out.reset_index().sort_values("hit_rate", kind="stable")


def history_and_weak_spots(ctx: ReportContext) -> list[Any]:
    """How often each KPI and team reached its historical targets; the chronic misses."""
    by_kpi = _hit_rates(ctx, "kpi")
    if by_kpi is None:
        return []
    blocks: list[Any] = [
        "## History and weak spots\n\n"
        f"How often each KPI reached the target in force, {esc(ctx.period_range)}. "
        f"Under {pct(CHRONIC_MISS)} of periods on target counts as a chronic miss."
    ]

    def tidy(frame: pd.DataFrame, name: str) -> pd.DataFrame:
        return pd.DataFrame(
            {
                name: frame.iloc[:, 0].astype(str),
                "Periods with a target": frame["rows"].map("{:,}".format),
                "On target": frame["hit_rate"].map(pct),
                "Median attainment": frame["median_attainment"].map(pct),
                "Status": np.where(frame["hit_rate"] < CHRONIC_MISS, "chronic miss", ""),
            }
        )

    blocks.append(tidy(by_kpi, "KPI"))
    fig, ax = _figure(7.5, 0.35 * len(by_kpi) + 1.2)
    colors = np.where(by_kpi["hit_rate"] < CHRONIC_MISS, "#c0392b", "#1f4e79")
    ax.barh(by_kpi["kpi"].astype(str), by_kpi["hit_rate"], color=colors)
    ax.axvline(CHRONIC_MISS, color="#5f6368", linestyle="--", linewidth=1)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    ax.set_xlabel("Share of periods on target")
    blocks.append(fig)
    by_team = _hit_rates(ctx, "team")
    if by_team is not None and len(by_team) > 1:
        blocks.append("By team:")
        blocks.append(tidy(by_team, "Team"))
    return blocks


def scheme_comparison(ctx: ReportContext) -> list[Any]:
    """Metrics side by side, payout curves, payout distributions and cost per period."""
    if ctx.simulation is None:
        return []
    from .metrics import format_metric
    from .plots import plot_payout_curve, plot_payout_distribution

    sim = ctx.simulation
    names = {
        "total_cost": "Total cost",
        "cost_per_employee": "Cost per employee",
        "cost_of_sales": "Cost of sales",
        "pct_at_target": "At or above target",
        "pct_zero_payout": "Paid nothing",
        "payout_p10": "Payout p10 (× on-target)",
        "payout_p50": "Payout p50 (× on-target)",
        "payout_p90": "Payout p90 (× on-target)",
        "leverage": "Leverage (p90 / p50)",
        "pay_performance_corr": "Pay-performance correlation",
        "gini": "Inequality (Gini)",
        "near_threshold_share": "Just below a threshold",
        "budget_variance": "Against budget",
    }
    money_metrics = {"total_cost", "cost_per_employee"}
    table = pd.DataFrame({"Metric": list(names.values())})
    for scheme in sim.metrics.index:
        row = sim.metrics.loc[scheme]
        table[str(scheme)] = [
            money(row[k], ctx.currency) if k in money_metrics else format_metric(k, row[k])
            for k in names
        ]
    blocks: list[Any] = [
        "## Scheme comparison\n\n"
        f"Every scheme paid on the same history ({esc(ctx.period_range)}); "
        f"the baseline is **{esc(sim.baseline)}**.",
        table,
    ]
    # Payout curves: the first curve component of each scheme.
    curved = [
        (name, run.scheme, i)
        for name, run in sim.runs.items()
        for i, comp in enumerate(run.scheme.components)
        if comp.curve is not None
    ]
    first = {}
    for name, scheme, i in curved:
        first.setdefault(name, (scheme, i))
    if first:
        fig, axes = _figure(7.5, 3.0, ncols=len(first))
        axes = np.atleast_1d(axes)
        for ax, (name, (scheme, i)) in zip(axes, first.items(), strict=True):
            plot_payout_curve(scheme, i, ax=ax, color=ctx.palette.get(name))
        blocks.append("Payout curves (first curve component of each scheme):")
        blocks.append(fig)
    fig, ax = _figure(7.5, 3.4)
    plot_payout_distribution(sim, ax=ax, palette=ctx.palette)
    blocks.append("How payouts spread, as multiples of on-target pay:")
    blocks.append(fig)
    per_period = (
        sim.totals.groupby(["scheme", "period"], sort=True)["payout"].sum().unstack("scheme")
    )
    fig, ax = _figure(7.5, 3.2)
    for name in ctx.schemes:
        if name in per_period:
            ax.plot(
                per_period.index.astype(str),
                per_period[name],
                label=name,
                color=ctx.palette.get(name),
            )
    ax.yaxis.set_major_formatter(lambda y, _: f"{y:,.0f}")
    ax.set_ylabel(f"Cost per period ({ctx.currency})")
    ticks = per_period.index.astype(str)
    step = max(1, len(ticks) // 8)
    ax.set_xticks(range(0, len(ticks), step), ticks[::step], rotation=45, ha="right")
    ax.legend(frameon=False)
    blocks.append("Cost per period:")
    blocks.append(fig)
    return blocks


def recommendation(ctx: ReportContext) -> list[Any]:
    """The recommended scheme and the reasons, in plain words."""
    if not ctx.chosen:
        return []
    reasons = "\n".join(f"- {r}" for r in ctx.reasons)
    rule = (
        "The recommendation takes the schemes within budget (all of them when there is no "
        "budget) and picks the one whose payouts follow performance most closely, then the "
        "one with fewer results just below a threshold, then the cheaper one per unit of revenue."
    )
    return [f"## Recommendation\n\n**{esc(ctx.chosen)}**\n\n{reasons}\n\n{rule}"]


def forecast_risk(ctx: ReportContext) -> list[Any]:
    """Next period's cost under each scheme: p5, p50, p95 and the chance of overrunning."""
    if ctx.simulation is None or not ctx.simulation.forecasts:
        return []
    from .plots import plot_cost_forecast

    forecasts = ctx.simulation.forecasts
    table = pd.DataFrame(
        {
            "Scheme": list(forecasts),
            "Cost p5": [money(f.total_cost_p5, ctx.currency) for f in forecasts.values()],
            "Cost p50": [money(f.total_cost_p50, ctx.currency) for f in forecasts.values()],
            "Cost p95": [money(f.total_cost_p95, ctx.currency) for f in forecasts.values()],
            "Over budget": [pct(f.prob_over_budget, 1) for f in forecasts.values()],
        }
    )
    name = ctx.chosen or next(iter(forecasts))
    budget = ctx.budget if ctx.budget is not None else ctx.simulation.runs[name].scheme.budget
    fig, ax = _figure(7.5, 3.2)
    plot_cost_forecast(
        forecasts[name], budget=budget, ax=ax, color=ctx.palette.get(name), currency=ctx.currency
    )
    return [
        "## Forecast risk\n\n"
        f"{ctx.forecast_draws:,} simulated next periods, each resampled from every employee's own "
        "history (whole periods, so KPIs keep their correlation); seed "
        f"{esc(ctx.seed)}.",
        table,
        f"Distribution of next period's cost under {esc(name)}:",
        fig,
    ]


def data_quality(ctx: ReportContext) -> list[Any]:
    """Rows read and kept, each issue, and periods a scheme could not evaluate."""
    q = ctx.quality
    blocks: list[Any] = [
        "## Data quality\n\n"
        f"Source: {esc(ctx.data_source)}. {q.rows_read:,} rows read, {q.rows_kept:,} kept; "
        f"{q.employees:,} employees, {len(q.periods):,} periods, {len(q.kpis)} KPIs."
    ]
    if len(q.issues):
        blocks.append(q.issues.rename(columns=str.capitalize))
    else:
        blocks.append("No issue found.")
    if ctx.simulation is not None and len(ctx.simulation.skipped):
        from .metrics import describe_skipped

        text = esc(describe_skipped(ctx.simulation.skipped)).replace("\n", "<br>\n")
        blocks.append(
            "Periods not evaluated (a target method needs history before them):\n\n" + text
        )
    if ctx.simulation is not None and ctx.simulation.warnings:
        blocks.append("\n".join(f"- {esc(w)}" for w in ctx.simulation.warnings))
    return blocks


def method_and_assumptions(ctx: ReportContext) -> list[Any]:
    """How the numbers were made: inputs, rules and settings."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        kpitools_version = version("kpitools")
    except PackageNotFoundError:  # pragma: no cover - source tree
        kpitools_version = "unknown"
    schemes = ", ".join(esc(s) for s in ctx.schemes) or "none"
    budget = money(ctx.budget, ctx.currency) if ctx.budget is not None else "the schemes' own"
    items = [
        f"Data: {esc(ctx.data_source)}, {esc(ctx.period_range)}.",
        f"Schemes compared: {schemes}; periods evaluated: {esc(ctx.periods or 'all')}.",
        "Payouts follow each scheme file: component payouts, then gates, sum, modifiers, cap "
        "and pool proration; reaching a threshold exactly counts as reaching it.",
        "Targets set from history use only data from before the period they apply to.",
        f"Budget per period: {budget}. Money in {esc(ctx.currency)}.",
        f"Forecast: {ctx.forecast_draws:,} draws, seed {esc(ctx.seed)}.",
        f"Made with kpitools {esc(kpitools_version)}; every input file's sha256 is in "
        "manifest.json next to this report.",
    ]
    return ["## Method and assumptions\n\n" + "\n".join(f"- {i}" for i in items)]


SECTIONS = (
    executive_summary,
    goals_and_cascade,
    kpi_set_check,
    history_and_weak_spots,
    scheme_comparison,
    recommendation,
    forecast_risk,
    data_quality,
    method_and_assumptions,
)


# --------------------------------------------------------------------------- workbook
def workbook_tables(ctx: ReportContext) -> dict[str, pd.DataFrame]:
    """The tables of ``payouts.xlsx``: payouts, metrics, a per-employee summary.

    Examples
    --------
    >>> sorted(workbook_tables(ctx))  # doctest: +SKIP
    ['employees', 'metrics', 'payouts']
    """
    if ctx.simulation is None:
        return {"data": ctx.data}
    sim = ctx.simulation
    totals = sim.totals
    keys = ["scheme", "employee"] + (["role"] if "role" in totals else [])
    employees = (
        totals.groupby(keys, sort=False, dropna=False)
        .agg(
            periods=("period", "nunique"),
            total_payout=("payout", "sum"),
            mean_payout=("payout", "mean"),
            mean_attainment=("attainment", "mean"),
        )
        .reset_index()
    )
    return {
        "payouts": sim.payouts,
        "metrics": sim.metrics.reset_index(),
        "employees": employees,
    }


def write_workbook(ctx: ReportContext, path: str | os.PathLike, **kwargs: Any) -> Path:
    """Write ``payouts.xlsx`` for the report (see :func:`kpitools.report.write_xlsx`)."""
    from .report import write_xlsx

    return write_xlsx(workbook_tables(ctx), path, currency=ctx.currency, **kwargs)
