"""The explorer's figures: which curves are drawn against attainment, and their key points."""

from __future__ import annotations

import numpy as np

from kpitools.scheme import load_scheme
from kpitools.whatif.views import curve_lines, curve_marks

MIXED = {
    "name": "Mixed",
    "on_target_pay": 1000,
    "components": [
        {
            "kpi": "a",
            "name": "margin",
            "weight": 1.0,
            "target": 10,
            "curve": {"points": [[0.9, 0.0], [0.9, 0.6], [1.0, 1.0], [1.3, 1.6]]},
        },
        {"kpi": "b", "commission": {"rate": 0.05}},  # pays on the amount: not drawn
        {
            "kpi": "c",
            "target": 5,
            "commission": {"tiers": [[0, 0.01], [1.2, 0.02]], "basis": "attainment"},
        },
        {"kpi": "d", "commission": {"tiers": [[0, 0.01], [500, 0.02]], "basis": "value"}},
    ],
}


def test_only_pay_against_attainment_is_drawn_with_its_index_and_name():
    lines = curve_lines(load_scheme(MIXED), 2.0)
    assert [label for label, _x, _y in lines] == ["0: margin", "2: c"]
    for _label, x, y in lines:
        assert x[0] == 0.0 and x[-1] == 2.0 and x.shape == y.shape


def test_the_marks_sit_on_the_curve_where_each_key_point_is_reached():
    scheme = load_scheme(MIXED)
    lines = curve_lines(scheme, 2.0)
    (at0, f0), (at2, f2) = curve_marks(scheme, lines)
    assert at0.tolist() == [0.9, 1.0, 1.3] and f0.tolist() == [0.6, 1.0, 1.6]
    # a commission has a target and no cap; pay starts at 0 (no mark there)
    x, y = lines[1][1], lines[1][2]
    assert at2.tolist() == [1.0] and f2.tolist() == [1.0]  # pay relative to pay at target
    np.testing.assert_allclose(f2, np.interp(at2, x, y))
