"""Pay statements: one page per employee and scheme, the path from results to the payment.

``statements/<employee>.pdf`` holds, for one period (the last one evaluated unless another
is asked for), a page per scheme: each component's actual, target, attainment, factor and
payout, then every step from the components' sum to the payment — the gate, a modifier,
the cap, the pool, and the true-up, draw and clawback amounts where a scheme uses them —
in plain words, to the cent. Names are escaped in the page and made safe as file names
(two employees whose names collide get a numbered file each).

Examples
--------
>>> import pandas as pd
>>> from kpitools.engine import simulate
>>> data = pd.DataFrame({"employee": ["a"], "period": ["2025-01"], "kpi": ["sales"],
...                      "actual": [120.0], "target": [100.0]})
>>> result = simulate(data, {"name": "Plan", "on_target_pay": 1000, "components": [
...     {"kpi": "sales", "weight": 1, "target": {"method": "from_data"},
...      "curve": {"points": [[0.5, 0], [1, 1], [1.5, 2]]}}]}, library=False)
>>> steps = payment_steps(result.runs["Plan"].payouts, "a", "2025-01", "USD")
>>> steps[-1]
'Payment: 1,400.00 USD.'
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from .._util.files import safe_name
from .._util.format import MISSING, money, number, percent
from ..errors import DefinitionError
from .blocks import esc
from .render import write_pdf

__all__ = [
    "component_sentence",
    "payment_steps",
    "statement_html",
    "write_report_statements",
    "write_statements",
]

_CSS = """
@page { size: A4; margin: 18mm 16mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #222; }
section { page-break-after: always; }
section:last-child { page-break-after: auto; }
h1 { font-size: 15pt; margin: 0 0 2mm; } h2 { font-size: 11pt; margin: 5mm 0 2mm; }
p.meta { color: #555; margin: 0 0 4mm; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: 1.5mm 2mm; text-align: right; }
td { white-space: nowrap; }
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
li { margin: 1mm 0; }
"""

# Total-row amounts a scheme with plan mechanics carries, and how a statement says them.
_MECHANICS = (
    ("earned", "Earned this period"),
    ("earned_to_date", "Earned this year to date"),
    ("paid_to_date", "Already paid this year"),
    ("draw_balance", "Draw balance carried"),
    ("adjustment", "Adjustment for restated results"),
)


def _rows(payouts: pd.DataFrame, employee: str, period: str) -> pd.DataFrame:
    rows = payouts[(payouts["employee"].astype(str) == employee) & (payouts["period"] == period)]
    if rows.empty:
        raise DefinitionError(
            f"No payout for employee {employee!r} in {period}.\n"
            "Suggestion: choose a period the scheme evaluated (see payouts.csv)."
        )
    return rows


def _cents(value: Any, currency: str = "") -> str:
    """An amount to the cent, as on a pay statement."""
    return money(value, currency, digits=2)


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _gate_step(rows: pd.DataFrame) -> str:
    """What a gate that was not passed took away: the whole bonus, or some components."""
    parts = rows[rows["component"] != "total"]
    if "gate_passed" not in parts or not len(parts):
        return "A gate was not passed: the bonus is not paid this period."
    shut = parts[~parts["gate_passed"].fillna(True).astype(bool)]
    if len(shut) == len(parts):
        return "A gate was not passed: the bonus is not paid this period."
    names = ", ".join(_label(r) for r in shut.to_dict("records"))
    return f"A gate was not passed: {names} pays nothing this period (already counted above)."


def payment_steps(
    payouts: pd.DataFrame, employee: str, period: str, currency: str = ""
) -> list[str]:
    """The path from the components to the payment, one sentence per step."""
    rows = _rows(payouts, employee, period)
    total = rows[rows["component"] == "total"].iloc[0]
    cur = lambda v: _cents(v, currency)  # noqa: E731 - one line, read as a verb
    steps = []
    share = _num(total.get("proration"))
    if not math.isnan(share) and share < 1 - 1e-12:
        steps.append(
            f"Active for {percent(share, 1)} of the period (FTE × days employed): on-target "
            f"pay is prorated to {cur(total.get('on_target_pay'))}, and so are the cap and "
            "the targets of amounts."
        )
    steps.append(f"The components add up to {cur(total['subtotal'])}.")
    if not bool(total.get("gate_passed", True)):
        steps.append(_gate_step(rows))
    modifier = _num(total.get("modifier"))
    if not math.isnan(modifier) and abs(modifier - 1) > 1e-12:
        steps.append(f"A modifier multiplies it by {number(modifier)}: {cur(total['before_cap'])}.")
    before, after = _num(total.get("before_cap")), _num(total.get("after_cap"))
    if not math.isnan(after) and after < before - 0.005:
        steps.append(f"The cap limits it to {cur(after)}.")
    pool = _num(total.get("pool_factor"))
    if not math.isnan(pool) and pool < 1 - 1e-9:
        steps.append(f"The pool pays {percent(pool, 1)} of what was earned this period.")
    for column, words in _MECHANICS:
        value = _num(total.get(column))
        if not math.isnan(value) and (column != "adjustment" or abs(value) >= 0.005):
            steps.append(f"{words}: {cur(value)}.")
    steps.append(f"Payment: {cur(total['payout'])}.")
    return steps


def _label(row: dict[str, Any]) -> str:
    """A component by its name, or its KPI when it has none (never by its index)."""
    name = str(row["component"])
    return str(row.get("kpi") or name) if name.isdigit() else name


def _component_table(rows: pd.DataFrame, currency: str) -> str:
    parts = rows[rows["component"] != "total"]
    head = "<tr><th>Component</th><th>KPI</th><th>Actual</th><th>Target</th>"
    head += "<th>Attainment</th><th>Factor</th><th>Payout</th></tr>"
    body = []
    for r in parts.to_dict("records"):
        attainment = _num(r.get("attainment"))
        body.append(
            "<tr>"
            f"<td>{esc(_label(r))}</td><td>{esc(r.get('kpi') or '')}</td>"
            f"<td>{number(r.get('actual'))}</td><td>{number(r.get('target'))}</td>"
            f"<td>{MISSING if math.isnan(attainment) else percent(attainment, 1)}</td>"
            f"<td>{number(r.get('factor'))}</td><td>{_cents(r['payout'], esc(currency))}</td>"
            "</tr>"
        )
    return f"<table>{head}{''.join(body)}</table>"


def component_sentence(row: dict[str, Any], currency: str = "") -> str:
    """How one component paid, in plain words with its figures.

    Examples
    --------
    >>> component_sentence({"component": "Bonus", "kpi": "sales", "actual": 120.0,
    ...     "target": 100.0, "attainment": 1.2, "factor": 1.4, "payout": 1400.0}, "USD")
    'Bonus: 120 against a target of 100 is 120.0% attainment; the curve gives a factor of 1.4, which pays 1,400.00 USD.'
    >>> component_sentence({"component": "0", "kpi": "margin", "actual": 1000.0,
    ...     "target": None, "attainment": None, "factor": 0.25, "payout": 250.0})
    'margin: 1,000 at an effective rate of 0.25 pays 250.00.'
    """  # noqa: E501
    label, pay = _label(row), _cents(row.get("payout"), currency)
    attainment = _num(row.get("attainment"))
    if math.isnan(attainment):  # a commission: a rate on the amount, no target
        return (
            f"{label}: {number(row.get('actual'))} at an effective rate of "
            f"{number(row.get('factor'))} pays {pay}."
        )
    return (
        f"{label}: {number(row.get('actual'))} against a target of {number(row.get('target'))} "
        f"is {percent(attainment, 1)} attainment; the curve gives a factor of "
        f"{number(row.get('factor'))}, which pays {pay}."
    )


def _page(result: Any, scheme: str, employee: str, period: str, client: str, currency: str) -> str:
    payouts = result.runs[scheme].payouts
    rows = _rows(payouts, employee, period)
    total = rows[rows["component"] == "total"].iloc[0]
    role = total.get("role")
    who = esc(employee) + (f", {esc(role)}" if isinstance(role, str) and role else "")
    steps = "".join(
        f"<li>{esc(s)}</li>" for s in payment_steps(payouts, employee, period, currency)
    )
    otp = _cents(total.get("on_target_pay"), currency)
    words = "".join(
        f"<li>{esc(component_sentence(r, currency))}</li>"
        for r in rows[rows["component"] != "total"].to_dict("records")
    )
    return (
        f"<section><h1>Pay statement — {esc(scheme)}</h1>"
        f"<p class='meta'>{who} · period {esc(period)} · on-target pay {esc(otp)}"
        + (f" · {esc(client)}" if client else "")
        + f"</p><h2>Results</h2>{_component_table(rows, currency)}"
        f"<ul>{words}</ul>"
        f"<h2>From results to payment</h2><ol>{steps}</ol></section>"
    )


def statement_html(
    result: Any, employee: str, *, period: str | None = None, client: str = "", currency: str = ""
) -> str:
    """One employee's statement, a page per scheme that paid them in ``period``.

    Parameters
    ----------
    result : SimulationResult
        :func:`kpitools.engine.simulate`'s result.
    employee : str
        The employee id.
    period : str, optional
        The period; the last one each scheme evaluated for this employee by default.
    client, currency : str
        Shown on the page.
    """
    pages = []
    for scheme, run in result.runs.items():
        mine = run.payouts[run.payouts["employee"].astype(str) == employee]
        if mine.empty:
            continue
        at = period or str(mine["period"].max())
        if (mine["period"] == at).any():
            pages.append(_page(result, scheme, employee, at, client, currency))
    if not pages:
        raise DefinitionError(
            f"No scheme paid employee {employee!r}"
            + (f" in {period}" if period else "")
            + ".\nSuggestion: check the employee id and the period."
        )
    title = esc(f"Pay statement {employee}")
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
        f"<style>{_CSS}</style></head><body>{''.join(pages)}</body></html>"
    )


def write_statements(
    result: Any,
    out_dir: str | os.PathLike,
    *,
    period: str | None = None,
    client: str = "",
    currency: str = "",
    employees: Iterable[str] | None = None,
) -> list[Path]:
    """Write ``<out_dir>/<employee>.pdf`` for every employee (or those given), atomically.

    Returns
    -------
    list of pathlib.Path
        The PDFs written, in employee order.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    everyone = sorted({str(e) for run in result.runs.values() for e in run.payouts["employee"]})
    chosen = everyone if employees is None else [str(e) for e in employees]
    used: set[str] = set()
    paths = []
    for employee in chosen:
        name = safe_name(employee, 60)
        stem, k = name, 2
        while stem.lower() in used:
            stem, k = f"{name}-{k}", k + 1
        used.add(stem.lower())
        page = statement_html(result, employee, period=period, client=client, currency=currency)
        paths.append(write_pdf(page, out / f"{stem}.pdf"))
    return paths


def write_report_statements(
    ctx: Any, out_dir: str | os.PathLike, *, period: str | None = None
) -> list[Path]:
    """The statements of a report (``--statements``): every employee the schemes paid.

    Parameters
    ----------
    ctx : ReportContext
        The report's context; without schemes nothing is written.
    out_dir : path
        The folder, ``statements`` beside the report.
    period : str, optional
        One period for every statement (``--statements-period``), written as in
        ``payouts.csv`` (``2025-03``, ``2025-Q1``): only the employees paid in it get one.
        By default each employee's last evaluated period.

    Raises
    ------
    DefinitionError
        ``period`` is one no scheme evaluated (the message lists those it did).
    """
    if ctx.simulation is None:
        return []
    employees = None
    if period:
        runs = ctx.simulation.runs.values()
        evaluated = sorted({str(p) for run in runs for p in run.payouts["period"]})
        if period not in evaluated:
            raise DefinitionError(
                f"statements_period: {period!r} is not a period the schemes evaluated.\n"
                f"Suggestion: choose one of {', '.join(evaluated) or 'none'}, written as in "
                "payouts.csv."
            )
        employees = sorted(
            {
                str(e)
                for run in runs
                for e in run.payouts.loc[run.payouts["period"] == period, "employee"]
            }
        )
    return write_statements(
        ctx.simulation, out_dir, period=period or None, client=ctx.client,
        currency=ctx.currency or "", employees=employees,
    )  # fmt: skip
