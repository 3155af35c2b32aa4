"""Live what-if: move a control, see what a scheme or a design would do (ipywidgets 8).

:class:`SchemeExplorer` puts a control on every lever of a bonus scheme (on-target pay, the
cap, the budget, the pool and, per component, its target, threshold, excellence point,
highest factor, commission rate and weight) and shows the payout curves, the payout
distribution, cost against the budget, winners and losers against the scheme it started
from, and the metrics; it saves the scheme as YAML that ``kpitools simulate`` reads back to
the same numbers. :class:`GoalExplorer` does the same for a design's assumptions: the
cascade, the coverage of the goals by the roles' targets, and the checks. :func:`serve` is
``kpitools app``: the what-if notebook as a Voilà dashboard.

Modules, by job: ``control_spec`` (what a control is), ``controls`` and
``component_controls`` (the levers of a scheme), ``evaluate`` (re-run only what a change
needs), ``panel`` and ``views`` (the figures), ``scheme_html`` and ``goal_html`` (the text
and tables), ``explorer`` (what both explorers share), ``scheme_explorer``,
``goal_explorer``, ``inputs`` (the notebook's data and scheme) and ``app`` (Voilà).

Examples
--------
>>> from kpitools.demo import make_demo_company  # doctest: +SKIP
>>> ex = SchemeExplorer(make_demo_company().data,
...                     "templates/schemes/weighted_scorecard.yaml")  # doctest: +SKIP
>>> ex.controls["components.0.threshold"].value = 0.85  # doctest: +SKIP
>>> ex.metrics["total_cost"]  # doctest: +SKIP
>>> ex.save("my_scheme.yaml")  # doctest: +SKIP
"""

from __future__ import annotations

from .app import DEFAULT_PORT, WHATIF_NOTEBOOK, default_notebook, free_port, serve, voila_command
from .control_spec import ControlSpec
from .controls import reweight, scheme_controls
from .goal_explorer import GoalExplorer, with_assumption
from .inputs import (
    DEFAULT_SCHEME,
    ENV_DATA,
    ENV_ROSTER,
    ENV_SCHEME,
    resolve_template,
    whatif_inputs,
    whatif_roster,
)
from .scheme_explorer import SchemeExplorer

__all__ = [
    "ControlSpec",
    "DEFAULT_PORT",
    "DEFAULT_SCHEME",
    "ENV_DATA",
    "ENV_ROSTER",
    "ENV_SCHEME",
    "GoalExplorer",
    "SchemeExplorer",
    "WHATIF_NOTEBOOK",
    "default_notebook",
    "free_port",
    "resolve_template",
    "reweight",
    "scheme_controls",
    "serve",
    "voila_command",
    "whatif_inputs",
    "whatif_roster",
    "with_assumption",
]
