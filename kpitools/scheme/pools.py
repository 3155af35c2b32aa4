"""The pool: a per-period limit on what a scheme pays, fixed or funded by a KPI.

``pool: {budget: B}``: each period's payouts are scaled down pro rata when they add up to
more than B. ``pool: {funded_by: {kpi: K, rate: r, above: T}}``: the pool of a period is
r × max(0, the period's total of K over all employees evaluated − T), so it grows with
the business (a profit-funded bonus pool). ``distribute: cap`` (the default) scales pay
down only when it exceeds the pool; ``distribute: all`` pays the whole pool out in
proportion to what each person earned (down or up).

Examples
--------
>>> p = Pool.model_validate({"funded_by": {"kpi": "gross_margin", "rate": 0.1,
...                                        "above": 100000}, "distribute": "all"})
>>> p.funded_by.kpi, p.mode, p.budget
('gross_margin', 'all', None)
>>> float(p.funded_by.pool_of(250_000.0))
15000.0
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from .._util.spec import Spec, spec_error

__all__ = ["Funding", "Pool"]


class Funding(Spec):
    """``funded_by: {kpi, rate, above}``: pool = rate × max(0, period total of kpi − above)."""

    kpi: str = Field(min_length=1)
    rate: float = Field(gt=0)
    above: float = 0.0

    def pool_of(self, total: Any) -> np.ndarray:
        """The pool of periods whose KPI totals are ``total`` (vectorised; not rounded).

        Examples
        --------
        >>> Funding(kpi="m", rate=0.1, above=100_000).pool_of([150_000.0, 50_000.0]).tolist()
        [5000.0, 0.0]
        """
        return self.rate * np.maximum(np.asarray(total, dtype=float) - self.above, 0.0)


class Pool(Spec):
    """``pool: {budget}`` or ``pool: {funded_by: {kpi, rate, above}}``, and ``distribute``.

    See the module docstring. ``distribute`` is left out of a scheme written back when it
    was not given (``cap``).
    """

    budget: float | None = Field(default=None, gt=0)
    funded_by: Funding | None = None
    distribute: Literal["cap", "all"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _kpi_named(cls, data: Any) -> Any:
        funded = data.get("funded_by") if isinstance(data, dict) else None
        if isinstance(funded, dict) and "kpi" not in funded:
            raise spec_error(
                "a funded pool needs the KPI that funds it (funded_by.kpi)",
                "write funded_by: {kpi: gross_margin, rate: 0.1, above: 0}.",
            )
        return data

    @model_validator(mode="after")
    def _one_source(self):
        if (self.budget is None) == (self.funded_by is None):
            raise spec_error(
                "a pool has either a 'budget' or 'funded_by'"
                + (", not both" if self.budget is not None else ""),
                "write pool: {budget: 1500000} for a fixed pool, or pool: {funded_by: {kpi: "
                "gross_margin, rate: 0.1, above: 0}} for one funded by a KPI.",
            )
        return self

    @property
    def mode(self) -> str:
        """``"cap"`` (scale down only above the pool) or ``"all"`` (pay the whole pool)."""
        return self.distribute or "cap"
