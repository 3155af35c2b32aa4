"""The bottom layer: one of each thing every other subpackage needs.

:mod:`.files` (atomic writes, safe folder names, shipped files), :mod:`.format` (numbers as
text), :mod:`.yamlfile` (reading YAML safely, with lines), :mod:`.spec` (validating YAML
through pydantic, every problem at once), :mod:`.registry` (named plug-ins),
:mod:`.graph` (cycles and dependency order) and :mod:`.formula` (the safe formula parser).
Nothing here imports another part of kpitools but :mod:`kpitools.errors`.
"""

from __future__ import annotations

__all__ = []
