"""``python -m kpitools.cli``: the ``kpitools`` command."""

from . import main

raise SystemExit(main())
