"""What both what-if explorers share.

Sliders that call back on a change, a refused value that puts the controls back with the
reason, and display in a notebook as their widget.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape
from typing import Any

import ipywidgets as w

__all__ = ["Explorer", "refusal_html", "slider"]


def slider(
    name: str,
    *,
    value: float,
    min: float,
    max: float,
    step: float,
    description: str,
    tooltip: str,
    readout: str,
    label_width: str,
) -> Any:
    """A slider that reports on release, with CSS classes ``kpitools-control[-<name>]``.

    Parameters
    ----------
    name : str
        Control name; ``components.0.threshold`` gets ``kpitools-control-components-0-threshold``.
    value, min, max, step : float
        Its value and range.
    description, tooltip : str
        The label next to it and the text on hover.
    readout : str
        d3 format of the value shown.
    label_width : str
        Width of the label (CSS).

    Returns
    -------
    ipywidgets.FloatSlider
    """
    ctrl = w.FloatSlider(
        value=value,
        min=min,
        max=max,
        step=step,
        description=description,
        tooltip=tooltip,
        readout_format=readout,
        continuous_update=False,
        style={"description_width": label_width},
        layout=w.Layout(width="98%"),
    )
    ctrl.add_class("kpitools-control")
    ctrl.add_class("kpitools-control-" + name.replace(".", "-").replace("_", "-"))
    return ctrl


def refusal_html(err: Exception) -> str:
    """The status line when a value cannot be used: the control went back, and why.

    Examples
    --------
    >>> refusal_html(ValueError("no <target>\\nSuggestion: fix."))[-48:]
    '<br>no &lt;target&gt;<br>Suggestion: fix.</span>'
    """
    return (
        "<span style='color:#b00'>That value cannot be used; the control went back.<br>"
        + escape(str(err)).replace("\n", "<br>")
        + "</span>"
    )


class Explorer:
    """Base of the what-if explorers: controls that call back, refusals, notebook display.

    A subclass builds ``controls`` (name → slider, each observed through :meth:`_observer`),
    ``widget`` (what the notebook shows) and ``_status`` (an HTML line), and implements
    ``_changed(name, value)`` and ``_sync_controls()``.

    Attributes
    ----------
    error : str or None
        Why the last change was refused (the control went back to its value), or None.
    """

    widget: Any
    controls: dict[str, Any]
    _status: Any

    def __init__(self) -> None:
        self.error: str | None = None
        self._syncing = False  # True while the explorer itself moves its controls

    def _changed(self, name: str, value: float) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _sync_controls(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _observer(self, name: str) -> Callable[[Mapping[str, Any]], None]:
        """The callback of control ``name``: a change by the user, not by the explorer."""

        def on_change(change: Mapping[str, Any]) -> None:
            if not self._syncing:
                self._changed(name, change["new"])

        return on_change

    def _refuse(self, err: Exception) -> None:
        """Show why a value cannot be used and put the controls back where they were."""
        self.error = str(err)
        self._sync_controls()
        self._status.value = refusal_html(err)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        if isinstance(bundle, dict):
            bundle["text/plain"] = repr(self)
        return bundle
