"""Did-you-mean hints for names people type: metrics, schemes, baselines.

:func:`kpitools.errors.did_you_mean` catches typos; :func:`suggest_name` also catches a
difference in case only (``Gini`` for ``gini``) and a name that starts with a choice
(``gini_index`` for ``gini``).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import did_you_mean

__all__ = ["suggest_name"]


def suggest_name(name: str, choices: Sequence[str]) -> str:
    """A " Did you mean 'x'?" for ``name`` among ``choices``, or "" when none is close.

    Examples
    --------
    >>> suggest_name("gini_index", ["gini", "leverage"])
    " Did you mean 'gini'?"
    >>> suggest_name("Team Pool", ["team pool"])
    " Did you mean 'team pool'?"
    """
    hint = did_you_mean(name, choices)
    if not hint:
        low = str(name).lower()
        same = [c for c in choices if str(c).lower() == low]
        same = same or [c for c in choices if low.startswith(str(c).lower())]
        hint = f" Did you mean {same[0]!r}?" if same else ""
    return hint
