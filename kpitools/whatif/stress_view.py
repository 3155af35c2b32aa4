"""The scheme explorer's gaming stress test: what the current scheme pays for shifting results.

:class:`StressView` is a toggle, a shift slider and a short text: with the toggle on, every
change of the scheme runs :func:`kpitools.engine.stress_test` on the explorer's prepared
inputs (no new roll-up) and shows the gaming cost of the current scheme against the one the
explorer started from, and the people who gain most. Off by default: the explorer's other
figures stay as fast as they were.
"""

from __future__ import annotations

from html import escape
from typing import Any

import ipywidgets as w

from .._util.format import money
from ..engine import DEFAULT_SHIFT, format_metric, stress_test

__all__ = ["StressView", "stress_html"]

#: How many people the view names.
TOP = 3


class StressView:
    """A toggle, a shift and the gaming cost of the explorer's scheme.

    Attributes
    ----------
    toggle : ipywidgets.Checkbox
        Run the stress test on every change (off at first).
    shift : ipywidgets.FloatSlider
        The largest share of a period's results that may move (0.10 at first).
    result, start_result : StressResult or None
        The current scheme's and the start scheme's test, when the toggle is on.
    widget : ipywidgets.VBox
    """

    def __init__(self, library: Any = None):
        self._library = library
        self.toggle = w.Checkbox(
            value=False, description="Gaming stress test", indent=False,
            layout=w.Layout(width="170px"),
        )  # fmt: skip
        self.shift = w.FloatSlider(
            value=DEFAULT_SHIFT, min=0.01, max=0.5, step=0.01, description="shift",
            readout_format=".0%", continuous_update=False, layout=w.Layout(width="260px"),
        )  # fmt: skip
        self.html = w.HTML()
        self.html.add_class("kpitools-stress")
        self.widget = w.VBox([w.HBox([self.toggle, self.shift]), self.html])
        self.result: Any = None
        self.start_result: Any = None
        self._key: Any = None

    def update(self, now: Any, start: Any, currency: str | None) -> None:
        """Run the test on the current and start evaluations (when on) and show it."""
        if not self.toggle.value:
            self.result = self.start_result = None
            self.html.value = (
                "<i>Tick to see how much more the scheme pays if people move up to "
                f"{escape(format_metric('gaming_cost_pct', self.shift.value))} of a period's "
                "results into the period before or after.</i>"
            )
            return
        shift = float(self.shift.value)
        if self._key != (id(start), shift) or self.start_result is None:
            self.start_result = self._run(start, shift)
            self._key = (id(start), shift)
        self.result = self._run(now, shift)
        self.html.value = stress_html(self.result, self.start_result, currency)

    def _run(self, evaluation: Any, shift: float) -> Any:
        return stress_test(evaluation.scheme, evaluation.inputs, shift=shift, library=self._library)


def stress_html(result: Any, start: Any, currency: str | None) -> str:
    """The gaming cost of the current scheme (and at the start), and who gains most.

    Examples
    --------
    >>> import pandas as pd
    >>> from kpitools.engine import StressResult
    >>> r = StressResult("s", 0.1, pd.DataFrame({"employee": ["E1"], "moves": ["2 units of "
    ...     "revenue from 2025-Q2 to 2025-Q1"], "extra_pay": [1000.0]}), pd.DataFrame(),
    ...     1000.0, 2000.0)
    >>> print(stress_html(r, r, "EUR"))
    <b>Gaming stress test</b>: moving up to 10.0% of a period's results pays <b>1,000 EUR</b> \
more (50.0% of the cost; 50.0% at the start).<br>Most: E1 +1,000 EUR (2 units of revenue \
from 2025-Q2 to 2025-Q1)
    """
    cost = money(result.gaming_cost, currency)
    pct = format_metric("gaming_cost_pct", result.gaming_cost_pct)
    was = format_metric("gaming_cost_pct", start.gaming_cost_pct)
    shift = format_metric("gaming_cost_pct", result.shift)
    text = (
        f"<b>Gaming stress test</b>: moving up to {escape(shift)} of a period's results pays "
        f"<b>{escape(cost)}</b> more ({escape(pct)} of the cost; {escape(was)} at the start)."
    )
    top = result.by_employee.head(TOP)
    if len(top):
        people = "; ".join(
            f"{escape(str(r.employee))} +{escape(money(r.extra_pay, currency))} "
            f"({escape(r.moves.split('; ')[0])}{'; …' if '; ' in r.moves else ''})"
            for r in top.itertuples()
        )
        text += f"<br>Most: {people}"
    return text
