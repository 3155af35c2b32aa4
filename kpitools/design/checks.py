"""Running the design checks: every registered rule over a design, one report."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..data import load
from ..errors import DefinitionError
from . import rules as _rules  # noqa: F401  (importing it registers the built-in rules)
from .load import load_design
from .model import Design
from .rule import RULES, SEVERITIES, CheckSettings, Context, Finding, get_rule

__all__ = ["CheckReport", "run_checks"]


# --------------------------------------------------------------------------- report
@dataclass(frozen=True, kw_only=True)
class CheckReport:
    """The findings of :func:`run_checks`.

    Attributes
    ----------
    findings : tuple of Finding
        Errors first, then warnings, then info; in rule order within each.
    rules : tuple of str
        The rules that ran.
    """

    findings: tuple[Finding, ...]
    rules: tuple[str, ...] = ()
    design: Design | None = field(default=None, repr=False, compare=False)

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The findings of severity error."""
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """The findings of severity warning."""
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def infos(self) -> tuple[Finding, ...]:
        """The findings of severity info."""
        return tuple(f for f in self.findings if f.severity == "info")

    @property
    def ok(self) -> bool:
        """No errors (warnings and info allowed)."""
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        """``rule, severity, message, location``, one row per finding."""
        return pd.DataFrame(
            [f.to_dict() for f in self.findings],
            columns=["rule", "severity", "message", "location"],
        )

    @property
    def summary(self) -> pd.DataFrame:
        """The findings as a table (see :meth:`to_frame`)."""
        return self.to_frame()

    def to_json(self) -> str:
        """The findings as a JSON list of ``{rule, severity, message, location}``."""
        return json.dumps([f.to_dict() for f in self.findings], indent=2, ensure_ascii=False)

    def counts(self) -> str:
        """How many findings of each severity, in words: ``1 error, 2 warnings, 0 info``."""
        n = len(self.errors), len(self.warnings), len(self.infos)
        return f"{n[0]} error{'s' * (n[0] != 1)}, {n[1]} warning{'s' * (n[1] != 1)}, {n[2]} info"

    def __str__(self) -> str:
        d = self.design
        head = "Design check"
        if d is not None:
            head += f": {d.client or d.source}"
        if not self.findings:
            return f"{head}\nNo findings: {self.counts()}."
        lines = [head]
        wsev = max(len("severity"), *(len(f.severity) for f in self.findings))
        wrule = max(len("rule"), *(len(f.rule) for f in self.findings))
        locs = [self._where(f) for f in self.findings]
        wloc = max(len("location"), *(len(x) for x in locs))
        indent = wsev + wrule + wloc + 6
        width = max(40, 110 - indent)
        lines.append(
            f"{'severity':<{wsev}}  {'rule':<{wrule}}  {'location':<{wloc}}  message".rstrip()
        )
        lines.append(f"{'-' * wsev}  {'-' * wrule}  {'-' * wloc}  {'-' * 7}")
        for f, loc in zip(self.findings, locs, strict=True):
            wrapped = textwrap.wrap(f.message, width) or [""]
            lines.append(f"{f.severity:<{wsev}}  {f.rule:<{wrule}}  {loc:<{wloc}}  {wrapped[0]}")
            lines.extend(" " * indent + w for w in wrapped[1:])
        lines.append(self.counts() + ".")
        return "\n".join(lines)

    def _where(self, f: Finding) -> str:
        line = self.design.lines.get(f.location) if self.design is not None else None
        return f"{f.location} (line {line})" if line else f.location

    def __repr__(self) -> str:
        return f"<CheckReport: {self.counts()}>"

    def _repr_html_(self) -> str:
        return f"<h4>Design check: {self.counts()}</h4>" + self.to_frame().to_html(index=False)


def _load_data(data: Any) -> pd.DataFrame | None:
    if data is None or isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, str | os.PathLike):
        return load(data, library=False)
    raise DefinitionError(
        f"History for 'not-achievable' must be a long table or a file path, got "
        f"{type(data).__name__}.\nSuggestion: pass a DataFrame or a .csv/.xlsx/.parquet path."
    )


_ORDER = {s: i for i, s in enumerate(SEVERITIES)}


def run_checks(
    design: Design | str | os.PathLike,
    data: pd.DataFrame | str | os.PathLike | None = None,
    settings: CheckSettings | None = None,
    rules: Iterable[str] | None = None,
) -> CheckReport:
    """Run the registered rules over a design.

    Parameters
    ----------
    design : Design or path
    data : DataFrame or path, optional
        The long history table (``employee, period, kpi, actual`` [, ``role``]);
        enables ``not-achievable``.
    settings : CheckSettings, optional
        Thresholds; by default those of the design's ``checks:``, each key it leaves out
        at its default (7 KPIs, 5% weight, 10% / 95% achievability, 0.1% coverage
        tolerance). Settings given here replace the design's.
    rules : iterable of str, optional
        Rule ids to run (default: all registered rules).

    Examples
    --------
    >>> report = run_checks("templates/designs/sales_generator.yaml")  # doctest: +SKIP
    >>> report.ok  # doctest: +SKIP
    True
    """
    design = load_design(design)
    settings = settings or CheckSettings.for_design(design)
    chosen = (
        [get_rule(r) for r in rules] if rules is not None else [rule for _, rule in RULES.items()]
    )
    ctx = Context(design, settings, _load_data(data))
    findings: list[Finding] = []
    for rule in chosen:
        findings.extend(rule.func(ctx))
    findings.sort(key=lambda f: _ORDER[f.severity])
    return CheckReport(findings=tuple(findings), rules=tuple(r.id for r in chosen), design=design)
