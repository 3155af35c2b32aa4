"""Problems with a report's inputs, collected so that every one is reported at once.

The checks of a report (its client name, template, formats, notebook, parameters, input
files and branding) return :class:`Problem` objects instead of raising at the first one.
A single report (``kpitools report``) raises its first failed check's problems in one
message (:func:`problems_message`); a batch names each problem's line and key path in the
manifest (:func:`kpitools.report.manifest.manifest_error`).

Examples
--------
>>> found = [Problem("seed", "Report parameter 'seed' must be int, got str 'x'.", "fix it.")]
>>> print(problems_message(found, "manifest.yaml: clients[1]"))
manifest.yaml: clients[1]: Report parameter 'seed' must be int, got str 'x'.
Suggestion: fix it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Problem", "problems_message"]

#: How a message of kpitools introduces its fix.
SUGGESTION = "\nSuggestion: "


@dataclass(frozen=True)
class Problem:
    """One problem with a report's inputs: where, what is wrong and how to fix it.

    Attributes
    ----------
    key : str
        The key path it concerns under the report's settings (``budget``, ``schemes[1]``,
        ``branding.logo``); empty for the report as a whole.
    what : str
        What is wrong.
    suggestion : str
        How to fix it; the problems of one check share it.
    label : str
        Shown before ``what`` in a single report's message (``data: file not found: …``).
    """

    key: str
    what: str
    suggestion: str
    label: str = ""

    @classmethod
    def from_error(cls, key: str, error: Exception) -> Problem:
        """The problem of a ``DefinitionError`` message (``what\\nSuggestion: fix``).

        Examples
        --------
        >>> Problem.from_error("formats", ValueError("Unknown format.\\nSuggestion: use html."))
        Problem(key='formats', what='Unknown format.', suggestion='use html.', label='')
        """
        what, _, suggestion = str(error).partition(SUGGESTION)
        return cls(key, what, suggestion)

    @property
    def line(self) -> str:
        """The problem as one line of a single report's message."""
        return f"{self.label}: {self.what}" if self.label else self.what


def problems_message(problems: Sequence[Problem], where: str = "") -> str:
    """The message of a single report's first failed check: its problems, then their fix.

    Parameters
    ----------
    problems : sequence of Problem
        Every problem found, in the order of the checks; only those of the first check
        (the ones sharing the first suggestion) are shown, as a single report stops there.
    where : str, optional
        Where the settings come from, put in front of the message.
    """
    fix = problems[0].suggestion
    lines = [p.line for p in problems if p.suggestion == fix]
    head = f"{where}: " if where else ""
    return head + "\n".join(lines) + (SUGGESTION + fix if fix else "")
