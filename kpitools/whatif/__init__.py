"""kpitools.whatif."""

from __future__ import annotations

from .app import (
    DEFAULT_SCHEME,
    WHATIF_NOTEBOOK,
    free_port,
    resolve_template,
    serve,
    whatif_inputs,
)
from .widgets import (
    GoalExplorer,
    SchemeExplorer,
    reweight,
    scheme_controls,
    with_assumption,
)

__all__ = [
    "DEFAULT_SCHEME",
    "GoalExplorer",
    "SchemeExplorer",
    "WHATIF_NOTEBOOK",
    "free_port",
    "resolve_template",
    "whatif_inputs",
    "reweight",
    "scheme_controls",
    "serve",
    "with_assumption",
]
