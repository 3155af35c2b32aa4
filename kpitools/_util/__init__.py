"""kpitools._util."""

from __future__ import annotations

__all__ = []
