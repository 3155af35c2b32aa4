"""The gaming stress test's results: per employee, per move, in words.

:class:`StressResult` holds what :func:`kpitools.engine.stress_test` found for one scheme:
``stress.csv``'s rows (:data:`STRESS_COLUMNS`), one row per move (:data:`MOVE_COLUMNS`) and
the totals behind ``gaming_cost`` and ``gaming_cost_pct``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._util.format import number
from .arrays import PayoutInputs
from .money import round_cents

__all__ = [
    "MOVE_COLUMNS",
    "STRESS_COLUMNS",
    "StressResult",
    "move_text",
    "moves_table",
    "stress_result",
]

#: The columns of ``stress.csv``: one row per scheme and employee who gains by shifting.
STRESS_COLUMNS: tuple[str, ...] = ("scheme", "employee", "moves", "extra_pay")

#: The columns of :attr:`StressResult.moves`: one row per move.
MOVE_COLUMNS: tuple[str, ...] = (
    "scheme", "employee", "kpi", "amount", "source", "destination", "year",
)  # fmt: skip

_CENT = 0.005  # below half a cent an employee gains nothing


@dataclass(frozen=True, eq=False)
class StressResult:
    """The gaming stress test of one scheme run.

    Attributes
    ----------
    scheme : str
        The scheme's name.
    shift : float
        The largest share of a period's actual that may leave it.
    by_employee : pandas.DataFrame
        :data:`STRESS_COLUMNS`: per employee who gains, the moves as text and the extra pay,
        most extra pay first.
    moves : pandas.DataFrame
        One row per move (:data:`MOVE_COLUMNS`).
    gaming_cost : float
        The extra pay over all employees (to the cent).
    honest_total : float
        What the periods earn without moves (the same measure: before a pool or a payment
        timing).
    """

    scheme: str
    shift: float
    by_employee: pd.DataFrame
    moves: pd.DataFrame
    gaming_cost: float
    honest_total: float

    @property
    def gaming_cost_pct(self) -> float:
        """``gaming_cost`` over the honest total (NaN when that is not positive)."""
        if not self.honest_total > 0:
            return float("nan")
        return self.gaming_cost / self.honest_total

    def __repr__(self) -> str:
        return (
            f"StressResult({self.scheme!r}, shift {self.shift:g}: gaming cost "
            f"{number(self.gaming_cost)} on {number(self.honest_total)}, "
            f"{len(self.by_employee)} employee(s) gain)"
        )


def moves_table(first, second, amount, employees, kpi: str, labels, years) -> pd.DataFrame:
    """One row per move: who, which KPI, how much, from which period to which."""
    first, second = np.asarray(first, dtype=np.int64), np.asarray(second, dtype=np.int64)
    amount = np.asarray(amount, dtype=float)
    emp = np.asarray(employees, dtype=object)[first] if first.size else np.array([], dtype=object)
    forward = amount > 0  # from the later period to the earlier one
    return pd.DataFrame(
        {
            "employee": emp,
            "kpi": kpi,
            "amount": np.abs(amount),
            "source": np.where(forward, labels[second], labels[first]),
            "destination": np.where(forward, labels[first], labels[second]),
            "year": years[first],
        }
    )


def move_text(amount: float, kpi: str, source: str, destination: str) -> str:
    """A move in words: ``2 units of revenue from 2025-Q2 to 2025-Q1``.

    Examples
    --------
    >>> move_text(1250.5, "revenue", "2025-02", "2025-01")
    '1,250.5 units of revenue from 2025-02 to 2025-01'
    """
    return _move_texts(np.array([amount]), [kpi], [source], [destination])[0]


def _move_texts(amounts: np.ndarray, kpis, sources, destinations) -> list[str]:
    """Moves in words (each distinct amount formatted once)."""
    values, which = np.unique(np.asarray(amounts, dtype=float), return_inverse=True)
    words = [f"{number(v)} {'unit' if v == 1 else 'units'}" for v in values]
    return [
        f"{words[k]} of {kpi} from {src} to {dst}"
        for k, kpi, src, dst in zip(which.ravel(), kpis, sources, destinations, strict=True)
    ]


def _texts_by_employee(moves: pd.DataFrame) -> dict[Any, str]:
    """Employee → their moves in words, joined by ``; `` (``moves`` sorted by employee)."""
    if moves.empty:
        return {}
    texts = _move_texts(
        moves["amount"].to_numpy(dtype=float),
        moves["kpi"].tolist(),
        moves["source"].tolist(),
        moves["destination"].tolist(),
    )
    emp = moves["employee"].to_numpy(dtype=object)
    starts = np.flatnonzero(np.r_[True, emp[1:] != emp[:-1]])
    ends = np.r_[starts[1:], emp.size]
    return {emp[a]: "; ".join(texts[a:b]) for a, b in zip(starts, ends, strict=True)}


def stress_result(
    name: str,
    shift: float,
    inputs: PayoutInputs,
    extra: np.ndarray,
    honest: np.ndarray,
    found: list[pd.DataFrame],
) -> StressResult:
    """The per-employee table, the moves and the totals."""
    moves = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=MOVE_COLUMNS[1:])
    moves.insert(0, "scheme", name)
    moves = moves.sort_values(["employee", "year", "source", "kpi"], kind="stable")
    per_emp = pd.Series(extra).groupby(inputs.keys["employee"].to_numpy()).sum()
    per_emp = pd.Series(round_cents(per_emp.to_numpy()), index=per_emp.index)
    gains = per_emp[per_emp > _CENT]
    text = _texts_by_employee(moves)
    table = pd.DataFrame(
        {
            "scheme": name,
            "employee": gains.index.to_numpy(dtype=object),
            "moves": [text.get(e, "") for e in gains.index],
            "extra_pay": gains.to_numpy(dtype=float),
        },
        columns=list(STRESS_COLUMNS),
    )
    table = table.sort_values(["extra_pay", "employee"], ascending=[False, True], kind="stable")
    return StressResult(
        scheme=name,
        shift=shift,
        by_employee=table.reset_index(drop=True),
        moves=moves.reset_index(drop=True),
        gaming_cost=float(np.round(per_emp.sum(), 2)),
        honest_total=float(np.round(np.nansum(honest), 2)),
    )
