"""The report's design sections: the goal tree with its cascade, and the KPI set check.

Ids from the design file (``sales_rep``, ``new_clients``) are the consultant's keys, not
the client's words: these sections show roles and KPIs by name (:func:`plain_ids`).
"""

from __future__ import annotations

import re
from typing import Any

from .._util.format import short_number
from ..design import plot_goal_tree, plot_tornado, plot_weight_matrix
from .blocks import Figure, esc, new_figure
from .context import ReportContext

__all__ = ["goals_and_cascade", "kpi_set_check", "plain_ids", "role_names"]


def _goal_table(ctx: ReportContext) -> Any:
    """The cascade's goals by name (their ids are the design file's keys)."""
    table = ctx.cascade.summary
    cols = [c for c in ("name", "how", "display") if c in table.columns]
    shown = table[cols].rename(columns={"name": "Goal", "how": "Set as", "display": "Value"})
    if "Set as" in shown:
        words = {"target": "Given target", "solved": "Worked out", "assumption": "Assumption"}
        how = shown["Set as"].astype(str)
        shown["Set as"] = how.map(words).fillna(how.str.capitalize())
    return shown


def _label_bars(ctx: ReportContext, ax: Any) -> None:
    """Each tornado bar named by how far it moves the top goal (``+2.07M RUB``), short ticks."""
    unit = ctx.design.unit_of(ctx.design.top_goal)
    currency = ctx.currency if unit == "currency" else None

    def short(value: float) -> str:
        return short_number(float(f"{value:.3g}"), unit, currency)

    for bar in ax.patches:
        change = bar.get_width()
        if not change or change != change:  # a driver that moves nothing, or NaN
            continue
        ax.annotate(
            ("+" if change > 0 else "") + short(change),
            (bar.get_x() + change, bar.get_y() + bar.get_height() / 2),
            xytext=(3 if change > 0 else -3, 0),
            textcoords="offset points",
            ha="left" if change > 0 else "right",
            va="center",
            fontsize=7,
        )
    ends = [b.get_x() + w for b in ax.patches for w in (0.0, b.get_width())]
    if ends:  # room for the labels at both ends
        lo, hi = min(ends), max(ends)
        pad = 0.3 * (hi - lo or abs(hi) or 1.0)
        ax.set_xlim(lo - pad, hi + pad)
    ax.xaxis.set_major_formatter(lambda value, _pos: short(value))


def _tornado(ctx: ReportContext) -> Figure:
    top = ctx.design.goal(ctx.design.top_goal).name
    fig, ax = new_figure(7.5, 3.6)
    plot_tornado(ctx.sensitivity, ax=ax, max_drivers=10)
    # Outside the bars: inside, the legend hid the longest bar's end.
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.locator_params(axis="x", nbins=4)  # long amounts: fewer ticks, none overlapping
    _label_bars(ctx, ax)
    return Figure(
        fig,
        caption="What a ±10% change in each driver does to the top goal:",
        alt=f"Bar chart: {top} when each driver moves 10% down (left) or up (right).",
    )


def goals_and_cascade(ctx: ReportContext) -> list[Any]:
    """The goal tree with solved targets, and how sensitive the top goal is to each driver."""
    if ctx.design is None:
        return []
    design = ctx.design
    top = design.goal(design.top_goal).name
    blocks: list[Any] = [
        "## Goals and cascade\n\n"
        f"The top goal, **{esc(top)}**, breaks down into drivers; "
        "targets flow down the tree from the assumptions held fixed.",
        _goal_table(ctx),
    ]
    fig, ax = new_figure(7.5, 4.2)
    plot_goal_tree(design, ax=ax, cascade=ctx.cascade)
    blocks.append(
        Figure(fig, alt=f"Goal tree: {top} and the drivers it breaks into, each with its target.")
    )
    if ctx.sensitivity is not None:
        blocks.append(_tornado(ctx))
    return blocks


def _findings_table(ctx: ReportContext, findings: Any) -> Any:
    # The key path (roles[0].kpis[3]) is for the consultant's YAML, not the client:
    # the message already names the role and the KPI.
    cols = [c for c in ("severity", "rule", "message") if c in findings]
    shown = findings[cols].rename(columns=str.capitalize)
    if "Message" in shown:
        shown["Message"] = shown["Message"].astype(str).map(lambda m: plain_ids(ctx, m))
    for col in ("Severity", "Rule"):
        if col in shown:
            shown[col] = shown[col].astype(str).str.replace("-", " ").str.capitalize()
    return shown


def _weight_matrix(ctx: ReportContext) -> Figure:
    fig, ax = new_figure(7.5, max(2.4, 1.8 + 0.45 * len(ctx.design.roles)))
    plot_weight_matrix(ctx.design, ax=ax)
    roles = role_names(ctx)
    ax.set_xticks(ax.get_xticks(), [ctx.kpi_name(t.get_text()) for t in ax.get_xticklabels()])
    ax.set_yticks(
        ax.get_yticks(), [roles.get(t.get_text(), t.get_text()) for t in ax.get_yticklabels()]
    )
    for label in ax.get_xticklabels():
        label.set_rotation(45)
        label.set_horizontalalignment("right")
    return Figure(
        fig,
        caption="The weight of each KPI in each role's bonus:",
        alt="Heat map: the weight of each KPI, as a share of on-target pay, per role.",
    )


def kpi_set_check(ctx: ReportContext) -> list[Any]:
    """Findings of the KPI-set rules, and the weights each role carries."""
    if ctx.checks is None:
        return []
    head = (
        "## KPI set check\n\n"
        f"{len(ctx.checks.errors)} errors, {len(ctx.checks.warnings)} warnings and "
        f"{len(ctx.checks.infos)} notes on the KPI sets of the roles."
    )
    blocks: list[Any] = [head]
    findings = ctx.checks.to_frame()
    if len(findings):
        blocks.append(_findings_table(ctx, findings))
    else:
        blocks.append("No finding: every rule passed.")
    blocks.append(_weight_matrix(ctx))
    return blocks


def role_names(ctx: ReportContext) -> dict[str, str]:
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


def plain_ids(ctx: ReportContext, message: str) -> str:
    """A rule's message with KPI and role names in place of their ids.

    ``KPI 'new_clients' of role 'sales_rep' ... (avg_deal_size, churn_rate)`` reads
    ``KPI 'New clients' of role 'Sales representative' ... (Average deal size, Churn rate)``.
    """
    roles = role_names(ctx)

    def quoted(match: re.Match) -> str:
        name = match.group(1)
        return f"'{roles[name]}'" if name in roles else f"'{ctx.kpi_name(name)}'"

    def listed(match: re.Match) -> str:
        items = ", ".join(ctx.kpi_name(k.strip()) for k in match.group(2).split(","))
        return f"{match.group(1)}({items})"

    text = _QUOTED_ID.sub(quoted, message)
    text = _KPI_LIST.sub(listed, text)  # short ids too: cac, nps
    return _SNAKE_ID.sub(lambda m: roles.get(m.group(0)) or ctx.kpi_name(m.group(0)), text)
