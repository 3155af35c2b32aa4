"""What both explorers share: sliders, the refusal message, display in a notebook."""

from __future__ import annotations

from kpitools.whatif.explorer import refusal_html, slider


def test_a_slider_reports_on_release_and_carries_its_css_classes():
    ctrl = slider(
        "components.0.on_target",
        value=0.5,
        min=0.0,
        max=1.0,
        step=0.01,
        description="target",
        tooltip="the target",
        readout=".0%",
        label_width="120px",
    )
    assert ctrl.continuous_update is False
    assert ctrl._dom_classes == ("kpitools-control", "kpitools-control-components-0-on-target")
    assert (ctrl.value, ctrl.min, ctrl.max, ctrl.step) == (0.5, 0.0, 1.0, 0.01)
    assert (ctrl.description, ctrl.tooltip, ctrl.readout_format) == ("target", "the target", ".0%")
    assert ctrl.style.description_width == "120px"


def test_a_refusal_says_the_control_went_back_and_why_escaped_line_by_line():
    err = ValueError("q = 0 <no target>\nSuggestion: use q > 0.")
    assert refusal_html(err) == (
        "<span style='color:#b00'>That value cannot be used; the control went back.<br>"
        "q = 0 &lt;no target&gt;<br>Suggestion: use q &gt; 0.</span>"
    )
