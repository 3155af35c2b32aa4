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

import base64
import functools
import html
import io
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._util.files import shipped
from .._util.format import money as _money
from ..errors import DataValidationError

__all__ = [
    "ReportContext",
    "Figure",
    "build_context",
    "render_blocks",
    "show",
    "executive_summary",
    "goals_and_cascade",
    "kpi_set_check",
    "history_and_weak_spots",
    "deal_timing",
    "scheme_comparison",
    "recommendation",
    "forecast_risk",
    "data_quality",
    "method_and_assumptions",
    "workbook_tables",
    "write_workbook",
    "SECTIONS",
]

DEMO_DESIGN = shipped("templates", "designs", "b2b_sales.yaml")
DEMO_SCHEMES = tuple(
    shipped("templates", "schemes", f"{name}.yaml")
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

    def kpi_name(self, kpi: Any) -> str:
        """The KPI's name as a client reads it (``Gross margin``), not its id."""
        kpi = str(kpi)
        if kpi in self.kpi_names:
            return self.kpi_names[kpi]
        from ..data import load_library

        found = load_library().get(kpi)
        return found.name if found is not None else kpi

    @functools.cached_property
    def kpi_names(self) -> dict[str, str]:
        """KPI id to name: from the design's roles, then the KPI library."""
        from ..data import load_library

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

    @functools.cached_property
    def timing(self) -> Any:
        """Deal timing of the schemes' revenue KPI (:mod:`kpitools.engine.timing`), or None.

        None when the data is not monthly, has no such KPI, or the KPI does not add up.
        """
        from ..engine import period_end_timing
        from ..errors import KpitoolsError

        kpis = set(self.data["kpi"].astype(str).unique())
        wanted = [
            getattr(run.scheme, "revenue_kpi", None)
            for run in (self.simulation.runs.values() if self.simulation is not None else ())
        ]
        kpi = next((k for k in [*wanted, "revenue"] if k in kpis), None)
        if kpi is None:
            return None
        try:
            result = period_end_timing(self.data, kpi)
        except KpitoolsError:  # quarterly data, or a KPI that does not add up
            return None
        return result if len(result.table) else None

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
    from .. import data as data_mod
    from ..engine import simulate
    from ..plots import scheme_palette
    from ..scheme import load_scheme

    if isinstance(data, pd.DataFrame) or data:
        source = data
        # The file name only: a client report does not show the consultant's folders
        # (manifest.json keeps the full path and its sha256).
        label = "the given table" if isinstance(data, pd.DataFrame) else Path(data).name
    else:
        from ..demo import make_demo_company

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
        from ..design import cascade, load_design, run_checks, sensitivity

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
    """Pick the scheme that pays for performance best among those within budget.

    Every number in the reasons is formatted as in the scheme comparison table, so a
    reader finds the same figures in both.
    """
    from ..engine import format_metric

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
    reasons = []
    over = [s for s in m.index if not within[s]]
    if over and within.any():
        reasons.append(
            "Left out for going over the budget: "
            + ", ".join(
                f"{esc(s)} ({format_metric('budget_variance', m.loc[s, 'budget_variance'])})"
                for s in over
            )
            + "."
        )
    corr = row["pay_performance_corr"]
    if not math.isnan(corr):
        # Compared only with the schemes it competed with (the over-budget ones are out).
        rivals = []
        for s in pool.index:
            if s == chosen:
                continue
            value = pool.loc[s, "pay_performance_corr"]
            if not math.isnan(value):
                rivals.append(f"{esc(s)} {value:.2f}")
            elif "pct_at_target" in pool and math.isnan(pool.loc[s, "pct_at_target"]):
                rivals.append(f"{esc(s)} n/a, as it sets no targets")
            else:
                rivals.append(f"{esc(s)} n/a")
        among = "Of the schemes within budget, it" if over and within.any() else "It"
        label = "other schemes within budget" if over and within.any() else "others"
        reasons.append(
            f"{among} ties pay to performance most closely: the rank correlation between "
            f"attainment and payout is {corr:.2f}"
            + (f" ({label}: {'; '.join(rivals)})." if rivals else ".")
        )
    reasons.append(
        f"It costs {money(cost.get(chosen, float('nan')), ctx.currency)} per period on average, "
        f"{format_metric('cost_of_sales', row['cost_of_sales'])} of revenue."
    )
    if not math.isnan(row["budget_variance"]):
        side = "under" if row["budget_variance"] <= 0 else "over"
        reasons.append(f"It stays {pct(abs(row['budget_variance']), 1)} {side} the budget.")
    elif not within.all():
        reasons.append("It is one of the schemes within budget.")
    reach = ""
    if not math.isnan(row["pct_at_target"]):
        reach = f"{format_metric('pct_at_target', row['pct_at_target'])} of employee-periods "
        reach += "reach target; "
    spread = (
        f"{reach}the top earners (p90) get {row['payout_p90']:.2f}× on-target pay, leverage "
        f"(p90/p50) {row['leverage']:.2f}."
    )
    reasons.append(spread[0].upper() + spread[1:])
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


@dataclass(frozen=True)
class Figure:
    """A figure of the report: the matplotlib figure, its alt text and its caption.

    The caption (HTML-safe text, escaped by the section) sits above the image and
    stays on the same page; the alt text describes the figure for screen readers
    and for a reader of the HTML without images.
    """

    fig: Any
    alt: str
    caption: str = ""


def _figure_html(block: Figure) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    block.fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(block.fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    caption = f"<figcaption>{block.caption}</figcaption>" if block.caption else ""
    return (
        f'<figure class="kpi-figure">{caption}'
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(block.alt, quote=True)}">'
        "</figure>"
    )


def _default_alt(fig: Any) -> str:
    titles = [ax.get_title() for ax in fig.get_axes() if ax.get_title()]
    return "Figure: " + "; ".join(titles) if titles else "Figure"


def render_blocks(blocks: Sequence[Any] | None) -> str:
    """A section's blocks as one HTML fragment.

    Text is markdown; a text is kept on the same page as the table or figure right
    after it (``kpi-keep``), so no heading or caption is left alone at a page foot.

    Examples
    --------
    >>> render_blocks(["Some text."])
    '<div class="kpi-section"><div class="kpi-keep"><p>Some text.</p></div></div>'
    """
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    parts: list[tuple[str, str]] = []
    for block in blocks or ():
        if isinstance(block, str):
            parts.append(("text", markdown2html_mistune(block).strip()))
        elif isinstance(block, pd.DataFrame):
            parts.append(("table", _table_html(block)))
        elif isinstance(block, Figure):
            parts.append(("figure", _figure_html(block)))
        elif hasattr(block, "savefig"):
            parts.append(("figure", _figure_html(Figure(block, alt=_default_alt(block)))))
        else:
            parts.append(("other", esc(block)))
    out: list[str] = []
    i = 0
    while i < len(parts):
        kind, fragment = parts[i]
        if kind == "text" and i + 1 < len(parts) and parts[i + 1][0] in ("table", "figure"):
            out.append(f'<div class="kpi-keep">{fragment}\n{parts[i + 1][1]}</div>')
            i += 2
        elif kind == "text":  # short text, a list of reasons say: not split over two pages
            out.append(f'<div class="kpi-keep">{fragment}</div>')
            i += 1
        else:
            out.append(fragment)
            i += 1
    return '<div class="kpi-section">' + "\n".join(out) + "</div>"


def show(blocks: Sequence[Any] | None) -> None:
    """Display a section's blocks in a notebook as one HTML output (see :func:`render_blocks`).

    Examples
    --------
    >>> show(executive_summary(ctx))  # doctest: +SKIP
    """
    from IPython.display import HTML, display

    if blocks:
        display(HTML(render_blocks(blocks)))


def _figure(width: float = 7.5, height: float = 3.6, ncols: int = 1):
    return plt_subplots(width, height, 1, ncols)


def plt_subplots(width: float, height: float, nrows: int = 1, ncols: int = 1):
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=(width, height), layout="constrained")


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
        # The same figures as the scheme comparison and forecast tables, so they reconcile:
        # total cost ÷ periods evaluated = cost per period.
        cost = ctx.cost_per_period()
        row = ctx.simulation.metrics.loc[ctx.chosen]
        n_periods = ctx.simulation.totals.loc[
            ctx.simulation.totals["scheme"] == ctx.chosen, "period"
        ].nunique()
        variance = row.get("budget_variance", float("nan"))
        against = (
            f", {pct(abs(variance), 1)} {'under' if variance <= 0 else 'over'} its budget"
            if variance is not None and not math.isnan(variance)
            else ""
        )
        bullets.append(
            f"**Recommended scheme: {esc(ctx.chosen)}**, about "
            f"{money(cost[ctx.chosen], ctx.currency)} per period "
            f"({money(row['total_cost'], ctx.currency)} over the {n_periods:,} periods "
            f"evaluated){against}."
        )
        fc = ctx.simulation.forecasts.get(ctx.chosen)
        if fc is not None:
            risk = fc.prob_over_budget
            risk_text = (
                f"a {pct(risk, 1)} chance of exceeding the budget"
                if risk is not None and not math.isnan(risk)
                else "no budget to compare with"
            )
            bullets.append(
                f"Next period's cost under it: {money(fc.total_cost_p50, ctx.currency)} in a "
                f"typical case (median), {money(fc.total_cost_p95, ctx.currency)} in a bad case "
                f"(1 in 20 is higher), {risk_text}."
            )
    weak = _hit_rates(ctx, "kpi")
    if weak is not None:
        missing = weak[weak["hit_rate"] < CHRONIC_MISS]
        if len(missing):
            names = ", ".join(esc(ctx.kpi_name(k)) for k in missing["kpi"].head(4))
            bullets.append(f"KPIs that chronically miss their targets: {names}.")
    teams = _hit_rates(ctx, "team")
    if teams is not None and len(teams) > 1:
        missing = teams[teams["hit_rate"] < CHRONIC_MISS]
        if len(missing):
            names = ", ".join(
                f"{esc(t)} ({pct(r)} on target)"
                for t, r in zip(missing["team"].head(4), missing["hit_rate"].head(4), strict=True)
            )
            bullets.append(f"Teams that chronically miss their targets: {names}.")
    if ctx.timing is not None and ctx.timing.flagged:
        bullets.append(f"Deal timing: {esc(_timing_sentence(ctx))}")
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
    from ..design import plot_goal_tree, plot_tornado

    design = ctx.design
    table = ctx.cascade.summary
    # Goals by name (their ids are the design file's keys, not the client's words).
    cols = [c for c in ("name", "how", "display") if c in table.columns]
    shown = table[cols].rename(columns={"name": "Goal", "how": "Set as", "display": "Value"})
    if "Set as" in shown:
        words = {"target": "Given target", "solved": "Worked out", "assumption": "Assumption"}
        how = shown["Set as"].astype(str)
        shown["Set as"] = how.map(words).fillna(how.str.capitalize())
    other_currency = (
        f" Goal amounts are in {esc(design.currency)}, as in the design; bonus amounts in "
        f"{esc(ctx.currency)}."
        if design.currency and design.currency != ctx.currency
        else ""
    )
    blocks: list[Any] = [
        "## Goals and cascade\n\n"
        f"The top goal, **{esc(design.goal(design.top_goal).name)}**, breaks down into drivers; "
        "targets flow down the tree from the assumptions held fixed." + other_currency,
        shown,
    ]
    fig, ax = _figure(7.5, 4.2)
    plot_goal_tree(design, ax=ax, cascade=ctx.cascade)
    blocks.append(
        Figure(
            fig,
            alt=f"Goal tree: {design.goal(design.top_goal).name} and the drivers it breaks "
            "into, each with its target.",
        )
    )
    if ctx.sensitivity is not None:
        fig, ax = _figure(7.5, 3.6)
        plot_tornado(ctx.sensitivity, ax=ax, max_drivers=10)
        # Outside the bars: inside, the legend hid the longest bar's end.
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        ax.locator_params(axis="x", nbins=4)  # long amounts: fewer ticks, none overlapping
        blocks.append(
            Figure(
                fig,
                caption="What a ±10% change in each driver does to the top goal:",
                alt=f"Bar chart: {design.goal(design.top_goal).name} when each driver "
                "moves 10% down (left) or up (right).",
            )
        )
    return blocks


def kpi_set_check(ctx: ReportContext) -> list[Any]:
    """Findings of the KPI-set rules, and the weights each role carries."""
    if ctx.checks is None:
        return []
    from ..design import plot_weight_matrix

    findings = ctx.checks.to_frame()
    head = (
        "## KPI set check\n\n"
        f"{len(ctx.checks.errors)} errors, {len(ctx.checks.warnings)} warnings and "
        f"{len(ctx.checks.infos)} notes on the KPI sets of the roles."
    )
    blocks: list[Any] = [head]
    if len(findings):
        # The key path (roles[0].kpis[3]) is for the consultant's YAML, not the client:
        # the message already names the role and the KPI.
        cols = [c for c in ("severity", "rule", "message") if c in findings]
        shown = findings[cols].rename(columns=str.capitalize)
        if "Message" in shown:
            shown["Message"] = shown["Message"].astype(str).map(lambda m: _plain_ids(ctx, m))
        for col in ("Severity", "Rule"):
            if col in shown:
                shown[col] = shown[col].astype(str).str.replace("-", " ").str.capitalize()
        blocks.append(shown)
    else:
        blocks.append("No finding: every rule passed.")
    fig, ax = _figure(7.5, max(2.4, 1.8 + 0.45 * len(ctx.design.roles)))
    plot_weight_matrix(ctx.design, ax=ax)
    roles = _role_names(ctx)
    ax.set_xticks(ax.get_xticks(), [ctx.kpi_name(t.get_text()) for t in ax.get_xticklabels()])
    ax.set_yticks(
        ax.get_yticks(), [roles.get(t.get_text(), t.get_text()) for t in ax.get_yticklabels()]
    )
    for label in ax.get_xticklabels():
        label.set_rotation(45)
        label.set_horizontalalignment("right")
    blocks.append(
        Figure(
            fig,
            caption="The weight of each KPI in each role's bonus:",
            alt="Heat map: the weight of each KPI, as a share of on-target pay, per role.",
        )
    )
    return blocks


def _role_names(ctx: ReportContext) -> dict[str, str]:
    """Role id to name; a role without a name shows its id in words, not as a key."""
    if ctx.design is None:
        return {}
    return {
        role.id: role.name if role.name != role.id else role.id.replace("_", " ").capitalize()
        for role in ctx.design.roles
    }


_QUOTED_ID = re.compile(r"'([A-Za-z][A-Za-z0-9_]*)'")
_KPI_LIST = re.compile(r"(KPIs? )\(([^()]*)\)")
_SNAKE_ID = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _plain_ids(ctx: ReportContext, message: str) -> str:
    """A rule's message with KPI and role names in place of their ids.

    ``KPI 'new_clients' of role 'sales_rep' ... (avg_deal_size, churn_rate)`` reads
    ``KPI 'New clients' of role 'Sales representative' ... (Average deal size, Churn rate)``.
    """
    roles = _role_names(ctx)

    def quoted(match: re.Match) -> str:
        name = match.group(1)
        return f"'{roles[name]}'" if name in roles else f"'{ctx.kpi_name(name)}'"

    def listed(match: re.Match) -> str:
        items = ", ".join(ctx.kpi_name(k.strip()) for k in match.group(2).split(","))
        return f"{match.group(1)}({items})"

    text = _QUOTED_ID.sub(quoted, message)
    text = _KPI_LIST.sub(listed, text)  # short ids too: cac, nps
    return _SNAKE_ID.sub(lambda m: roles.get(m.group(0)) or ctx.kpi_name(m.group(0)), text)


def _hit_rates(ctx: ReportContext, by: str) -> pd.DataFrame | None:
    """Share of rows at or above target per ``by`` (rows with a target only)."""
    data = ctx.data
    if "target" not in data or by not in data:
        return None
    rows = data[data["target"].notna() & (data["target"] > 0)]
    if rows.empty:
        return None
    from ..data import load_library

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
        f"How often each KPI reached the target in force, {esc(ctx.period_range)}, counted "
        "over employee-periods (one person in one period). Under "
        f"{pct(CHRONIC_MISS)} on target counts as a chronic miss."
    ]

    def tidy(frame: pd.DataFrame, name: str, labels: pd.Series) -> pd.DataFrame:
        return pd.DataFrame(
            {
                name: labels.to_numpy(),
                "Employee-periods with a target": frame["rows"].map("{:,}".format).to_numpy(),
                "On target": frame["hit_rate"].map(pct).to_numpy(),
                "Median attainment": frame["median_attainment"].map(pct).to_numpy(),
                "Status": np.where(frame["hit_rate"] < CHRONIC_MISS, "Chronic miss", "OK"),
            }
        )

    kpi_labels = by_kpi["kpi"].astype(str).map(ctx.kpi_name)
    blocks.append(tidy(by_kpi, "KPI", kpi_labels))
    fig, ax = _figure(7.5, 0.35 * len(by_kpi) + 1.2)
    colors = np.where(by_kpi["hit_rate"] < CHRONIC_MISS, "#c0392b", "#1f4e79")
    ax.barh(kpi_labels.to_numpy(), by_kpi["hit_rate"], color=colors)
    ax.axvline(CHRONIC_MISS, color="#5f6368", linestyle="--", linewidth=1)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    ax.set_xlabel("Share of employee-periods on target (dashed: the chronic-miss line)")
    blocks.append(
        Figure(
            fig,
            alt="Bar chart: share of employee-periods on target per KPI: "
            + ", ".join(
                f"{k} {pct(v)}" for k, v in zip(kpi_labels, by_kpi["hit_rate"], strict=True)
            )
            + ".",
        )
    )
    by_team = _hit_rates(ctx, "team")
    if by_team is not None and len(by_team) > 1:
        blocks.append("By team:")
        blocks.append(tidy(by_team, "Team", by_team["team"].astype(str)))
    blocks.extend(deal_timing(ctx))
    return blocks


def _timing_sentence(ctx: ReportContext) -> str:
    """The timing finding in a client's words (the KPI by its name)."""
    return ctx.timing.sentence(ctx.kpi_name(ctx.timing.kpi).lower())


def deal_timing(ctx: ReportContext) -> list[Any]:
    """Who books an unusual share of each quarter in its last month (kpitools.engine.timing)."""
    result = ctx.timing
    if result is None:
        return []
    text = _timing_sentence(ctx)
    blocks: list[Any] = [
        "**Deal timing.** "
        f"For every whole quarter each person worked, the share of the quarter's "
        f"{esc(ctx.kpi_name(result.kpi).lower())} booked in its last month, compared with the "
        "median share of colleagues in the same role that quarter. A person is named when "
        f"the excess is at least {result.min_excess * 100:g} points on average and steady "
        f"(one-sided t-test, p < {result.alpha:g}) over at least {result.min_periods} "
        f"quarters.\n\n{esc(text)}"
    ]
    flagged = result.table[result.table["flagged"]]
    if len(flagged):
        blocks.append(
            pd.DataFrame(
                {
                    "Employee": flagged["employee"].astype(str).to_numpy(),
                    "Whole quarters": flagged["periods"].map("{:,}".format).to_numpy(),
                    "Booked in the last month": flagged["last_month_share"].map(pct).to_numpy(),
                    "Colleagues (median)": flagged["peer_share"].map(pct).to_numpy(),
                    "Excess, points": flagged["excess"]
                    .map("{:+.0%}".format)
                    .str.rstrip("%")
                    .to_numpy(),
                }
            )
        )
    return blocks


def scheme_comparison(ctx: ReportContext) -> list[Any]:
    """Metrics side by side, payout curves, payout distributions and cost per period."""
    if ctx.simulation is None:
        return []
    from ..engine import format_metric
    from ..plots import plot_payout_curve, plot_payout_distribution

    sim = ctx.simulation
    names = {
        "total_cost": "Total cost",
        "cost_per_employee": "Cost per employee",
        "cost_of_sales": "Bonus cost / revenue",
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
    # A scheme whose targets need history skips the first periods: its total covers fewer
    # periods than the others', which the reader must see next to the totals.
    evaluated = sim.totals.groupby("scheme", sort=False)["period"].nunique()
    table = pd.DataFrame({"Metric": ["Periods evaluated", *names.values()]})
    for scheme in sim.metrics.index:
        row = sim.metrics.loc[scheme]
        table[str(scheme)] = [f"{int(evaluated.get(scheme, 0)):,}"] + [
            money(row[k], ctx.currency) if k in money_metrics else format_metric(k, row[k])
            for k in names
        ]
    blocks: list[Any] = [
        "## Scheme comparison\n\n"
        f"Every scheme paid on the same history ({esc(ctx.period_range)}); "
        f"the baseline is **{esc(sim.baseline)}**. Costs per period are averages over the "
        "periods each scheme could evaluate.",
        *_column_chunks(table),
        METRIC_GLOSSARY,
    ]
    # Payout curves: the first curve component of each scheme, two to a row so the
    # titles and legends have room.
    first: dict[str, tuple[Any, int]] = {}
    for name, run in sim.runs.items():
        for i, comp in enumerate(run.scheme.components):
            if comp.curve is not None:
                first.setdefault(name, (run.scheme, i))
    if first:
        ncols = 1 if len(first) == 1 else 2
        nrows = math.ceil(len(first) / ncols)
        fig, axes = plt_subplots(ncols * 3.75, nrows * 2.9, nrows, ncols)
        axes = np.atleast_1d(axes).ravel()
        for ax, (name, (scheme, i)) in zip(axes, first.items(), strict=False):
            plot_payout_curve(scheme, i, ax=ax, color=ctx.palette.get(name))
            kpi = scheme.components[i].kpi
            for line in ax.get_lines():
                if line.get_label() in (kpi, scheme.components[i].name):
                    line.set_label(ctx.kpi_name(kpi))
            ax.set_title(f"{name}: {ctx.kpi_name(kpi)}", fontsize=9)
            ax.set_ylabel("payout factor", fontsize=8)
            ax.set_xlabel("attainment", fontsize=8)
            ax.tick_params(labelsize=7)
            ax.legend(loc="upper left", fontsize=7, frameon=False)
        for ax in axes[len(first) :]:
            ax.set_visible(False)
        blocks.append(
            Figure(
                fig,
                caption="Payout curves (the first component with a curve in each scheme); "
                "the factor multiplies the component's weight × on-target pay:",
                alt="Line charts: the payout factor against attainment for "
                + ", ".join(
                    f"{n} ({ctx.kpi_name(s.components[i].kpi)})" for n, (s, i) in first.items()
                )
                + "; dotted and dashed lines mark the threshold, the target and the cap.",
            )
        )
    fig, ax = _figure(7.5, 3.4)
    plot_payout_distribution(sim, ax=ax, palette=ctx.palette)
    blocks.append(
        Figure(
            fig,
            caption="How payouts spread, as multiples of on-target pay:",
            alt="Histogram per scheme: the share of employee-periods at each payout, as a "
            "multiple of on-target pay.",
        )
    )
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
    # Under the plot: at the side, long scheme names squeezed the plot to half the width.
    fig.legend(
        loc="outside lower center", ncols=min(3, len(ctx.schemes)), fontsize=8, frameon=False
    )
    blocks.append(
        Figure(
            fig,
            caption="Cost per period:",
            alt="Line chart: the total bonus cost of each period under each scheme.",
        )
    )
    return blocks


#: Scheme columns per comparison table: more would run off an A4 page.
MAX_SCHEME_COLUMNS = 4


def _column_chunks(table: pd.DataFrame) -> list[pd.DataFrame]:
    """The comparison as tables of at most :data:`MAX_SCHEME_COLUMNS` schemes each.

    Each table repeats the first (label) column; five schemes give 3 + 2, six 3 + 3.
    """
    label, schemes = table.columns[0], list(table.columns[1:])
    if len(schemes) <= MAX_SCHEME_COLUMNS:
        return [table]
    parts = math.ceil(len(schemes) / (MAX_SCHEME_COLUMNS - 1))
    size = math.ceil(len(schemes) / parts)
    return [table[[label, *schemes[i : i + size]]] for i in range(0, len(schemes), size)]


#: What the rows of the scheme comparison mean, in plain words.
METRIC_GLOSSARY = "\n".join(
    f"- **{name}**: {text}"
    for name, text in (
        (
            "Bonus cost / revenue",
            "total bonus paid divided by the revenue of the same people and periods.",
        ),
        (
            "At or above target",
            "share of employee-periods whose weighted attainment reached "
            "100%; n/a for a scheme without targets.",
        ),
        ("Paid nothing", "share of employee-periods with no bonus."),
        (
            "Payout p10 / p50 / p90",
            "the bonus that 10%, half and 90% of employee-periods stay "
            "under, as a multiple of on-target pay.",
        ),
        ("Leverage", "p90 ÷ p50: how much more the top earners get than a typical person."),
        (
            "Pay-performance correlation",
            "how closely the ranking by pay follows the ranking by "
            "attainment (Spearman): 1 is perfectly, 0 not at all; n/a without targets.",
        ),
        ("Inequality (Gini)", "0 when everyone is paid the same, near 1 when a few take all."),
        (
            "Just below a threshold",
            "share of results within 5% under a point where pay jumps, "
            "where holding back or pulling forward a deal pays.",
        ),
        ("Against budget", "average cost per period against the budget; negative is under."),
    )
)


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
    from ..plots import plot_cost_forecast

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
        f"{esc(ctx.seed)}. p5, p50 and p95: the cost that 5%, half and 95% of the simulated "
        "periods stay under.",
        table,
        Figure(
            fig,
            caption=f"Distribution of next period's cost under {esc(name)}:",
            alt=f"Histogram: the cost of {ctx.forecast_draws:,} simulated next periods under "
            f"{name}, with p5, p50, p95"
            + (" and the budget" if budget is not None else "")
            + " marked.",
        ),
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
        issues = q.issues.copy()
        if "count" in issues:  # 1,234 rows, not 1234
            issues["count"] = issues["count"].map(lambda n: f"{int(n):,}")
        if "severity" in issues:
            issues["severity"] = issues["severity"].astype(str).str.capitalize()
        blocks.append(issues.rename(columns=str.capitalize))
    else:
        blocks.append("No issue found.")
    if ctx.simulation is not None and len(ctx.simulation.skipped):
        blocks.append(
            "Periods not evaluated: a target set from history needs data from before them."
        )
        blocks.append(_skipped_table(ctx))
    if ctx.simulation is not None and ctx.simulation.warnings:
        notes = [
            _plain_ids(ctx, _COMPONENT.sub(lambda m: f"{ctx.kpi_name(m.group(1))}: ", f"{w} "))
            for w in ctx.simulation.warnings
        ]
        blocks.append(
            "Notes from the payout calculation:\n\n"
            + "\n".join(f"- {esc(n.strip())}" for n in notes)
        )
    return blocks


_COMPONENT = re.compile(r"components\[\d+\] \(([^)]*)\): ")


def _skipped_table(ctx: ReportContext) -> pd.DataFrame:
    """Skipped periods per scheme and reason, with KPI names instead of key paths."""
    skipped = ctx.simulation.skipped
    cols = ["scheme", "reason"] if "scheme" in skipped else ["reason"]
    rows = []
    for key, group in skipped.groupby(cols, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        periods = list(dict.fromkeys(group["period"].astype(str)))
        shown = ", ".join(periods) if len(periods) <= 3 else f"{periods[0]} to {periods[-1]}"
        reason = _COMPONENT.sub(lambda m: f"{ctx.kpi_name(m.group(1))}: ", str(key[-1]))
        rows.append(
            {
                **({"Scheme": str(key[0])} if len(cols) == 2 else {}),
                "Periods": f"{shown} ({len(periods)})",
                "Why": reason,
            }
        )
    return pd.DataFrame(rows)


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
        f"Schemes compared: {schemes}; periods: "
        + (esc(ctx.periods) if ctx.periods else "all in the data")
        + (
            " (some not evaluated, see Data quality)."
            if ctx.simulation is not None and len(ctx.simulation.skipped)
            else "."
        ),
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
    from .run import write_xlsx

    return write_xlsx(workbook_tables(ctx), path, currency=ctx.currency, **kwargs)
