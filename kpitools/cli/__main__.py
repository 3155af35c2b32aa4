"""``python -m kpitools.cli``: the ``kpitools`` command."""

from .main import main

raise SystemExit(main())
