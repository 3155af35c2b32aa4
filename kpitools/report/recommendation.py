"""The recommendation in words: every sentence of it made from ``recommendation.json``.

The decision rule (:func:`kpitools.engine.recommend_simulation`) writes its outcome as a
file beside the report; this module turns the file's content — a plain mapping, exactly as
read back from the JSON — into the sentences of the executive summary and of the
recommendation section. Nothing here recomputes a figure or re-decides a test, so the words
cannot contradict the file: a scheme is called eligible only when the file says so, a test
is quoted with the file's own text and figures, a pool's budget is never a merit (the file
marks it *by construction*, and the words say how often and how much the pool scaled pay
down), and when no scheme is eligible the words say so and name the closest with its
breaches.

Examples
--------
>>> rec = {"recommended": None, "closest": "A", "currency": "USD", "choice": "",
...        "rule": {"text": "…", "thresholds": {}},
...        "schemes": {"A": {"eligible": False, "total_cost": 100.0, "reasons": [
...            {"test": "forecast_risk", "passed": False, "by_construction": False,
...             "text": "Forecast chance of going over the budget: 47.5%, above the 20% "
...                     "the rule allows."}]}}}
>>> summary_sentences(rec)[:2]
['No scheme passes every test of the decision rule, so none is recommended.', \
'The closest is A: forecast chance of going over the budget: 47.5%, above the 20% the rule \
allows.']
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._util.files import atomic_write
from .blocks import esc, money, pct

__all__ = [
    "RECOMMENDATION_FILE",
    "change_sentences",
    "decision_sentences",
    "read_recommendation",
    "recommendation_content",
    "recommendation_blocks",
    "scheme_sentence",
    "summary_parts",
    "summary_sentences",
    "write_recommendation",
]

#: The file beside every report.
RECOMMENDATION_FILE = "recommendation.json"

#: How a test's outcome is announced in the recommendation section.
_OUTCOME = {True: "Passed", False: "Failed", None: "Not tested"}


def recommendation_content(recommendation: Any) -> dict[str, Any]:
    """The content of ``recommendation.json`` as read back from its text.

    Parameters
    ----------
    recommendation : kpitools.engine.Recommendation
        The outcome of the decision rule.

    Returns
    -------
    dict
        What every sentence of the report is made from (the file, parsed).
    """
    return json.loads(recommendation.to_json())


def write_recommendation(content: Mapping[str, Any], path: str | os.PathLike) -> Path:
    """Write ``recommendation.json`` (atomically) from its content.

    The text is the same as :meth:`kpitools.engine.Recommendation.to_json` made it.
    """
    text = json.dumps(content, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    atomic_write(Path(path), text)
    return Path(path)


def read_recommendation(path: str | os.PathLike) -> dict[str, Any]:
    """The content of a ``recommendation.json``."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _reasons(entry: Mapping[str, Any], passed: bool | None) -> list[Mapping[str, Any]]:
    return [r for r in entry.get("reasons", ()) if r.get("passed") is passed]


def _clause(text: str) -> str:
    """A test's sentence as a clause: no final full stop, first letter small."""
    text = str(text).rstrip(".")
    return text[:1].lower() + text[1:]


def _breaches(entry: Mapping[str, Any]) -> str:
    """The failed tests of a scheme, as one clause list."""
    return "; ".join(_clause(r["text"]) for r in _reasons(entry, False))


def _budget_reason(entry: Mapping[str, Any]) -> Mapping[str, Any] | None:
    return next((r for r in entry.get("reasons", ()) if r.get("test") == "within_budget"), None)


def _cost_sentence(name: str, entry: Mapping[str, Any], currency: str | None) -> str:
    """What a scheme costs, and how it stands against its budget, in the file's words."""
    per_period, periods = entry.get("cost_per_period"), entry.get("periods")
    total = money(entry.get("total_cost"), currency)
    if per_period is not None and periods:
        text = (
            f"{name} costs about {money(per_period, currency)} per period ({total} over the "
            f"{int(periods):,} periods evaluated)."
        )
    else:
        text = f"{name} costs {total} over the periods evaluated."
    budget = _budget_reason(entry)
    if budget is not None:
        text += f" {budget['text']}"
    return text


def _forecast_sentence(entry: Mapping[str, Any], currency: str | None) -> str | None:
    """Next period's cost and the chance of overrunning, or None without a forecast."""
    p50, p95 = entry.get("forecast_cost_p50"), entry.get("forecast_cost_p95")
    if p50 is None:
        return None
    text = (
        f"Next period's cost under it: {money(p50, currency)} in a typical case (median), "
        f"{money(p95, currency)} in a bad case (1 in 20 is higher)"
    )
    risk = next((r for r in entry.get("reasons", ()) if r.get("test") == "forecast_risk"), None)
    if risk is not None and risk.get("by_construction"):
        return text + "; its pool scales pay down to keep it within the budget."
    if entry.get("p_over_budget") is None:
        return text + "; no budget to compare with."
    return text + f", a {pct(entry['p_over_budget'], 1)} chance of going over the budget."


def scheme_sentence(name: str, entry: Mapping[str, Any]) -> str:
    """Whether a scheme passes the rule, in one sentence naming its breaches."""
    built = [r for r in entry.get("reasons", ()) if r.get("by_construction")]
    # what a pool guarantees is no merit: said as such, with what it cost
    held = "".join(f" {_first_upper(_clause(r['text']))}." for r in built[:1])
    if entry.get("eligible"):
        untested = [r for r in _reasons(entry, None) if not r.get("by_construction")]
        if untested:
            return (
                f"{name} passes every test its figures allow (not tested: "
                + "; ".join(_clause(r["text"]) for r in untested)
                + ")."
                + held
            )
        return f"{name} passes every test its figures allow.{held}"
    return f"{name} is not eligible: {_breaches(entry)}.{held}"


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def summary_parts(rec: Mapping[str, Any]) -> dict[str, list[str]]:
    """The executive summary's sentences about the schemes, by part, from the file's content.

    ``headline``: the recommendation (``Recommended scheme: X.``) or that none is eligible;
    ``cost``: what the scheme (else the closest) costs against its budget, next period's cost
    and risk; ``why``: why it was preferred (ties named as ties), which schemes fail the rule
    and why, and for none eligible the closest's breaches (the next step is among
    :func:`decision_sentences`). All empty without schemes.
    """
    schemes: Mapping[str, Any] = rec.get("schemes") or {}
    parts: dict[str, list[str]] = {"headline": [], "cost": [], "why": []}
    if not schemes:
        return parts
    currency = rec.get("currency")
    chosen = rec.get("recommended")
    if chosen is None:
        closest = rec.get("closest")
        parts["headline"] = [
            "No scheme passes every test of the decision rule, so none is recommended."
        ]
        if closest is not None:
            entry = schemes[closest]
            parts["why"].append(f"The closest is {closest}: {_breaches(entry)}.")
            parts["cost"].append(_cost_sentence(closest, entry, currency))
        return parts
    entry = schemes[chosen]
    parts["headline"] = [f"Recommended scheme: {chosen}."]
    parts["cost"] = [_cost_sentence(chosen, entry, currency)]
    forecast = _forecast_sentence(entry, currency)
    if forecast:
        parts["cost"].append(forecast)
    if len(schemes) > 1:
        parts["why"].append(str(rec.get("choice", "")))
    parts["why"] += [scheme_sentence(n, e) for n, e in schemes.items() if not e.get("eligible")]
    return parts


def summary_sentences(rec: Mapping[str, Any]) -> list[str]:
    """The executive summary's sentences about the schemes, from the file's content.

    The first sentence is the recommendation (``Recommended scheme: X.``) or that none is
    eligible; then what the scheme costs against its budget, next period's cost and risk,
    why it was preferred (ties named as ties), and which schemes fail the rule and why
    (:func:`summary_parts`, in the order of the words).
    """
    parts = summary_parts(rec)
    if not parts["headline"] or rec.get("recommended") is not None:
        return [*parts["headline"], *parts["cost"], *parts["why"]]
    return [
        *parts["headline"],
        *parts["why"],
        *parts["cost"],
        "Next step: decide with the client whether to relax a threshold of the rule or "
        "to change the schemes, then run the report again.",
    ]


def _test_lines(entry: Mapping[str, Any]) -> list[str]:
    lines = []
    for r in entry.get("reasons", ()):
        outcome = "By construction" if r.get("by_construction") else _OUTCOME[r.get("passed")]
        lines.append(f"{outcome}: {r['text']}")
    return lines


def recommendation_blocks(rec: Mapping[str, Any]) -> list[str]:
    """The recommendation section as Markdown blocks (HTML-escaped), from the file's content.

    The recommended scheme (or that none is eligible and the closest), each of its tests
    with its outcome and figures, why it was preferred, every other scheme's standing, and
    the rule with its thresholds.
    """
    schemes: Mapping[str, Any] = rec.get("schemes") or {}
    if not schemes:
        return []
    chosen, closest = rec.get("recommended"), rec.get("closest")
    head = "## Recommendation\n\n"
    if chosen is not None:
        head += f"**{esc(chosen)}**\n\n{esc(scheme_sentence(chosen, schemes[chosen]))}"
        focus = chosen
    else:
        head += "**No scheme is recommended**: none passes every test of the decision rule."
        if closest is not None:
            head += f" The closest is **{esc(closest)}**.\n\n"
            head += esc(scheme_sentence(closest, schemes[closest]))
        focus = closest
    blocks = [head]
    if focus is not None:
        lines = "\n".join(f"- {esc(t)}" for t in _test_lines(schemes[focus]))
        blocks.append(f"The tests of {esc(focus)}:\n\n{lines}")
    if chosen is not None and rec.get("choice"):
        blocks.append(esc(rec["choice"]))
    others = [n for n in schemes if n != focus]
    if others:
        lines = "\n".join(f"- {esc(scheme_sentence(n, schemes[n]))}" for n in others)
        blocks.append(f"The other schemes:\n\n{lines}")
    rule = (rec.get("rule") or {}).get("text", "")
    blocks.append(
        f"The decision rule: {esc(rule)} The thresholds are set in the design's "
        f"`recommendation:` or as report parameters; these words come from "
        f"{RECOMMENDATION_FILE}, beside this report."
    )
    return blocks


def _people(n: int) -> str:
    return f"{n:,} employee{'s' if n != 1 else ''}"


def change_sentences(rec: Mapping[str, Any]) -> list[str]:
    """What the recommended (else the closest) scheme changes for whom, from the file.

    The counts are against the current scheme (the baseline of the comparison); without
    them (one scheme, or no baseline) nothing is said.
    """
    name = rec.get("recommended") or rec.get("closest")
    entry = (rec.get("schemes") or {}).get(name) if name else None
    if entry is None or entry.get("employees_gaining") is None:
        return []
    gain, lose = int(entry["employees_gaining"]), int(entry["employees_losing"])
    same = int(entry.get("employees_unchanged") or 0)
    if gain == lose == 0:
        return [f"Nobody's pay changes under {name}: it pays everyone as the current scheme does."]
    text = (
        f"Under {name}, {_people(gain)} would have earned more than under the current scheme "
        f"and {_people(lose)} less"
        + (f" ({_people(same)} about the same)" if same else "")
        + "; the winners and losers section shows who, by role and team."
    )
    return [text]


def decision_sentences(rec: Mapping[str, Any]) -> list[str]:
    """The decisions the client must take next, from the file's outcome."""
    schemes: Mapping[str, Any] = rec.get("schemes") or {}
    if not schemes:
        return []
    chosen, currency = rec.get("recommended"), rec.get("currency")
    if chosen is None:
        return [
            "Decide whether to relax a threshold of the decision rule or to change the schemes; "
            "then run the report again.",
            "Until then, keep the current scheme.",
        ]
    entry = schemes[chosen]
    out = [f"Approve {chosen} as the scheme for the coming plan periods."]
    budget, periods = entry.get("budget"), entry.get("periods")
    if budget is not None and periods:
        out.append(
            f"Confirm its budget of {money(budget / periods, currency)} per period and who "
            "watches the cost against it."
        )
    else:
        out.append("Set a budget for it, so that the cost can be watched against one.")
    if entry.get("employees_losing"):
        out.append(
            f"Decide how to explain the change to the {_people(int(entry['employees_losing']))} "
            "who would earn less, and whether to phase it in."
        )
    out.append("Agree the targets for the coming periods and when they are announced.")
    return out
