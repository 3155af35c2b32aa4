"""A scheme run on historical data: the payout table and the totals per employee-period.

:func:`run_scheme` prepares the data (:func:`kpitools.engine.prepare`), computes the payouts
(:func:`kpitools.engine.compute`) and lays them out as the payout table (docs/commands.md)
(:class:`SchemeRun`): per employee-period one row per component and one ``total`` row,
in the columns :data:`PAYOUT_COLUMNS`.

Examples
--------
>>> import pandas as pd
>>> data = pd.DataFrame({"employee": ["a", "b"], "period": ["2025-01", "2025-01"],
...                      "kpi": ["sales", "sales"], "actual": [90.0, 130.0]})
>>> scheme = {"name": "s", "on_target_pay": 1000, "components": [
...     {"kpi": "sales", "weight": 1.0, "target": {"method": "fixed", "value": 100},
...      "curve": {"points": [[0.8, 0.5], [1.0, 1.0], [1.5, 2.0]]}}]}
>>> run_scheme(data, scheme, library=False).totals["payout"].tolist()
[750.0, 1600.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..data import parse_range, period_ordinals, select
from ..errors import DefinitionError
from ..scheme import Scheme, load_scheme
from .arrays import STEP_COLUMNS, PayoutArrays, PayoutInputs
from .compute import compute, snap
from .describe import decimals
from .loading import read_table
from .pools import POOL_COLUMNS, pool_table
from .prepare import prepare
from .restatements import add_adjustments, has_versions, restatement_adjustments
from .scope_reach import reach

__all__ = ["PAYOUT_COLUMNS", "SchemeRun", "needs_whole_run", "payout_tables", "run_scheme"]

#: The columns of the payout table, in order, wherever it is shown or written
#: (:attr:`SchemeRun.payouts`, ``payouts.csv``): the documented ones first, then the other steps.
PAYOUT_COLUMNS: tuple[str, ...] = (
    "scheme",
    "employee",
    "period",
    "component",
    "kpi",
    "actual",
    "target",
    "attainment",
    "factor",
    "payout",
    "gate_passed",
    "modifier",
    "before_cap",
    "pool_factor",
    "role",
    "subtotal",
    "after_cap",
    "on_target_pay",
)

# The steps of the total, shown on its row of the payout table (NaN on component rows).
_STEPS = ("subtotal", "modifier", "before_cap", "after_cap", "pool_factor")


@dataclass(frozen=True, eq=False)
class SchemeRun:
    """One scheme run on one data set.

    Attributes
    ----------
    payouts : pandas.DataFrame
        The payout table (columns :data:`PAYOUT_COLUMNS`; docs/commands.md): per employee-period one
        row per component (``component`` = the component's name or index) and one ``total``
        row whose ``payout`` is final and whose ``gate_passed, subtotal, modifier,
        before_cap, after_cap, pool_factor`` show each step. On component rows ``payout`` is
        after the gates (``gate_passed`` tells). With proration a ``proration`` column
        (the active share); for a scheme that pays over time the total row also carries
        :data:`~kpitools.engine.arrays.STEP_COLUMNS` (``earned`` … ``payment``; ``payout`` =
        ``payment``).
    totals : pandas.DataFrame
        One row per employee-period: ``scheme, employee, period, role, on_target_pay,
        attainment`` (weighted), ``gate_passed, subtotal, modifier, before_cap, after_cap,
        pool_factor, payout, revenue``.
    skipped : pandas.DataFrame
        ``period, reason``.
    warnings : tuple of str
        What the roll-up and the alignment warned about.
    scheme, inputs, arrays
        What the run was made of.
    """

    scheme: Scheme
    inputs: PayoutInputs
    arrays: PayoutArrays
    payouts: pd.DataFrame
    totals: pd.DataFrame
    skipped: pd.DataFrame
    warnings: tuple[str, ...]

    @property
    def total_cost(self) -> float:
        """Sum of the final payouts."""
        return float(np.round(self.totals["payout"].sum(), 2))

    @property
    def pools(self) -> pd.DataFrame:
        """The pool's size and use per period (:data:`~kpitools.engine.pools.POOL_COLUMNS`).

        ``scale`` is the factor the period's pay was scaled by (below 1: the pool scaled pay
        down). Empty for a scheme without a pool.
        """
        use = self.arrays.pool_use
        if use is None:
            return pd.DataFrame(columns=list(POOL_COLUMNS))
        keys = self.inputs.keys
        return pool_table(self.scheme.name, use, keys["period"], self.inputs.period_code)

    @property
    def summary(self) -> pd.DataFrame:
        """The run per period: employees, money and shares of employees.

        Columns ``employees, on_target_pay, payout, payout_ratio, at_target, gate_missed``
        (sums of money; shares of employees).
        """
        t = self.totals
        g = t.groupby("period", sort=True)
        out = pd.DataFrame(
            {
                "employees": g.size(),
                "on_target_pay": g["on_target_pay"].sum(),
                "payout": g["payout"].sum().round(2),
                "at_target": g["attainment"].apply(lambda a: float((a >= 1).mean())),
                "gate_missed": g["gate_passed"].apply(lambda p: float((~p).mean())),
            }
        )
        out.insert(3, "payout_ratio", out["payout"] / out["on_target_pay"])
        return out

    def __repr__(self) -> str:
        return (
            f"SchemeRun({self.scheme.name!r}: {len(self.totals)} employee-periods, "
            f"total {decimals(self.total_cost)}, {len(self.skipped)} skipped periods, "
            f"{len(self.warnings)} warnings)"
        )

    def _repr_html_(self) -> str:
        head = f"<p><b>{self.scheme.name}</b>: {len(self.totals)} employee-periods, "
        head += f"total payout {decimals(self.total_cost)}</p>"
        body = self.summary.to_html(na_rep="", float_format=decimals)
        warn = "".join(f"<li>{w}</li>" for w in self.warnings)
        return head + body + (f"<ul>{warn}</ul>" if warn else "")


def _text(values: Any) -> Any:
    """A pandas string array (missing stays missing) of any labels."""
    return pd.array(np.asarray(values, dtype=object), dtype="str")


def _labels(column: pd.Series) -> Any:
    """A key column as a pandas string array, without converting every row.

    Text already is one; string categories are converted once and taken by code (ten
    times cheaper than converting a million rows).
    """
    if isinstance(column.dtype, pd.StringDtype) and column.dtype.na_value is np.nan:
        return column.array
    if isinstance(column.dtype, pd.CategoricalDtype) and pd.api.types.is_string_dtype(
        column.cat.categories
    ):
        categories = _text(column.cat.categories.to_numpy(dtype=object))
        return categories.take(column.cat.codes.to_numpy(dtype=np.intp), allow_fill=True)
    return _text(column.to_numpy(dtype=object))


def payout_tables(
    scheme: Scheme, inputs: PayoutInputs, arrays: PayoutArrays
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The payout table and the totals table of computed payouts.

    Parameters
    ----------
    scheme : Scheme
        The scheme run.
    inputs : PayoutInputs
        What :func:`kpitools.engine.compute` was given.
    arrays : PayoutArrays
        What it returned.

    Returns
    -------
    payouts, totals : pandas.DataFrame
        See :class:`SchemeRun`.
    """
    keys = inputs.keys
    labels = {c: _labels(keys[c]) for c in ("employee", "period", "role")}
    return _payout_table(scheme, inputs, arrays, labels), _totals_table(
        scheme, inputs, arrays, labels
    )


def _totals_table(scheme, inputs: PayoutInputs, arr: PayoutArrays, labels) -> pd.DataFrame:
    n = len(inputs.keys)
    numbers = {
        "on_target_pay": inputs.on_target_pay,
        "attainment": arr.weighted_attainment,
        "gate_passed": arr.gate_passed,
        **{step: getattr(arr, step) for step in _STEPS},
        "payout": arr.payout,
        "revenue": inputs.revenue,
        **({"proration": inputs.proration} if inputs.proration is not None else {}),
        **{step: getattr(arr.steps, step) for step in STEP_COLUMNS if arr.steps is not None},
    }
    # The table owns a copy of each array (the run's arrays stay as computed, whatever is
    # done to the table), one column each: no second copy into a consolidated block.
    owned = {
        c: np.array(v, dtype=float if c == "on_target_pay" else None) for c, v in numbers.items()
    }
    scheme_label = _text([scheme.name]).take(np.zeros(n, dtype=np.intp))
    return pd.DataFrame({"scheme": scheme_label, **labels, **owned}, copy=False)


def _payout_table(scheme, inputs: PayoutInputs, arr: PayoutArrays, labels) -> pd.DataFrame:
    n = len(inputs.keys)
    k = len(scheme.components)
    m = k + 1
    nan = np.full(n, np.nan)
    blocks = [
        {
            "actual": inputs.actual[i],
            "target": inputs.target[i],
            "attainment": arr.attainment[i],
            "factor": snap(np.array(arr.factor[i], dtype=float)),  # 1.4, not 1.4000000000000001
            "payout": arr.component_payout[i],
            "gate_passed": arr.component_gate[i],
            **{step: nan for step in _STEPS},
        }
        for i in range(k)
    ]
    blocks.append(
        {
            "actual": nan,
            "target": nan,
            "attainment": arr.weighted_attainment,
            "factor": nan,
            "payout": arr.payout,
            "gate_passed": arr.gate_passed,
            **{step: getattr(arr, step) for step in _STEPS},
        }
    )
    # Interleave: for each employee-period its components, then its total.
    row_of = np.repeat(np.arange(n), m)
    block_of = np.tile(np.arange(m), n)
    columns: dict[str, Any] = {
        "scheme": _text([scheme.name]).take(np.zeros(n * m, dtype=np.intp)),
        "employee": labels["employee"].take(row_of),
        "period": labels["period"].take(row_of),
        "role": labels["role"].take(row_of),
        "component": _text([scheme.component_label(i) for i in range(k)] + ["total"]).take(
            block_of
        ),
        "kpi": _text([c.kpi for c in scheme.components] + [""]).take(block_of),
    }
    for col in blocks[0]:
        columns[col] = np.stack([np.asarray(b[col]) for b in blocks], axis=1).reshape(-1)
    columns["on_target_pay"] = np.repeat(np.asarray(inputs.on_target_pay, dtype=float), m)
    columns["gate_passed"] = columns["gate_passed"].astype(bool)
    ordered = {c: columns[c] for c in PAYOUT_COLUMNS}
    if inputs.proration is not None:  # the active share, on every row of the employee-period
        ordered["proration"] = np.repeat(inputs.proration, m)
    if arr.steps is not None:  # from earned to paid: on the total row only
        for step in STEP_COLUMNS:
            values = np.full((n, m), np.nan)
            values[:, k] = getattr(arr.steps, step)
            ordered[step] = values.reshape(-1)
    # Every column is a new array, and all are given at once: no copy into blocks, no
    # column added to a big frame afterwards (each of those cost more than the table).
    return pd.DataFrame(ordered, copy=False)


def run_scheme(
    data: Any,
    scheme: Any,
    *,
    periods: Any = None,
    library: Any = None,
    roster: Any = None,
) -> SchemeRun:
    """Run a scheme on historical data: the payout table of every employee-period.

    Parameters
    ----------
    data : DataFrame or path
        The long table (docs/data.md).
    scheme : Scheme, mapping or path
        The scheme.
    periods : str or (str, str), optional
        ``"2025-01..2025-12"``: the periods to evaluate (inclusive).
    library : Library, path, None or False
        See :func:`kpitools.engine.prepare`.
    roster : Roster, path or None
        Pay per person and proration (see :func:`kpitools.engine.prepare`).

    Returns
    -------
    SchemeRun

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"employee": ["007"], "period": ["2025-01"], "kpi": ["revenue"],
    ...                      "actual": [150_000.0], "target": [100_000.0]})
    >>> run = run_scheme(data, {"name": "c", "on_target_pay": 20000, "components": [
    ...     {"kpi": "revenue", "target": {"method": "from_data"},
    ...      "commission": {"tiers": [[0, 0.10], [1.0, 0.15]], "mode": "marginal"}}]},
    ...     library=False)
    >>> run.payouts[["component", "attainment", "payout"]].to_dict("records")
    [{'component': '0', 'attainment': 1.5, 'payout': 17500.0}, {'component': 'total', 'attainment': 1.5, 'payout': 17500.0}]
    """  # noqa: E501
    scheme = load_scheme(scheme)
    if _starts_late(scheme, periods):
        # a payment carries what earlier periods paid: they are evaluated, then left out
        end = parse_range(periods)[1]
        run = run_scheme(data, scheme, periods=(None, end), library=library, roster=roster)
        return _within(run, periods)
    notes: list[str] = []
    if scheme.clawback is not None:
        table = data if isinstance(data, pd.DataFrame) else read_table(data, library)
        if has_versions(table):
            return _run_with_clawback(table, scheme, periods, library, roster)
    inputs = prepare(data, scheme, periods=periods, library=library, roster=roster)
    arrays = compute(scheme, inputs)
    return _scheme_run(scheme, inputs, arrays, notes)


def needs_whole_run(scheme: Scheme, periods: Any, table: pd.DataFrame) -> bool:
    """Whether only :func:`run_scheme` pays ``scheme`` right (not prepare + compute alone).

    Restatements paid or clawed back in their own period, and a window of ``periods`` that
    starts after periods a payment depends on (a true-up's year, a draw's balance), are
    known to a whole run only.
    """
    restated = scheme.clawback is not None and has_versions(table)
    return restated or _starts_late(scheme, periods)


def _starts_late(scheme: Scheme, periods: Any) -> bool:
    """A scheme paid over time, on a window of periods with a first period."""
    window = parse_range(periods)
    return scheme.pays_over_time and window is not None and window[0] is not None


def _within(run: SchemeRun, periods: Any) -> SchemeRun:
    """The run over the periods of ``periods`` only, computed with every period before them.

    A true-up's year to date, a draw's balance and a restatement of an earlier period are
    what they would be had the earlier periods been shown too.
    """
    scheme, inputs = run.scheme, run.inputs
    labels = inputs.keys["period"].to_numpy(dtype=object)
    unique, codes = np.unique(labels.astype(str), return_inverse=True)
    kind, ordinals, _ = period_ordinals(unique)
    inside = select(ordinals, scheme.period, periods)
    keep = inside[codes]
    if keep.all():
        return run
    if not keep.any():
        first, last = unique[0], unique[-1]
        raise DefinitionError(
            f"periods {periods!r}: none of the data's {scheme.period}s is inside (the data "
            f"has {first} to {last}).\nSuggestion: choose periods within the data; a "
            f"{scheme.period} counts when it lies wholly inside FROM..TO."
        )
    rows = np.flatnonzero(keep)
    shown = set(unique[inside].tolist())
    earlier = sorted(set(unique[~inside].tolist()))
    span = earlier[0] if len(earlier) == 1 else f"{earlier[0]} to {earlier[-1]}"
    note = (
        f"{span} evaluated as well and left out: what a period pays depends on the earlier "
        "periods (the year to date, a draw's balance, restatements)."
    )
    return SchemeRun(
        scheme=scheme,
        inputs=inputs.take(rows),
        arrays=run.arrays.take(rows, inputs.period_code),
        payouts=_rows_in(run.payouts, shown),
        totals=_rows_in(run.totals, shown),
        skipped=_rows_in(run.skipped, shown),
        warnings=(*run.warnings, note),
    )


def _rows_in(table: pd.DataFrame, periods: set[str]) -> pd.DataFrame:
    return table[table["period"].astype(str).isin(periods)].reset_index(drop=True)


def _scheme_run(scheme: Scheme, inputs: PayoutInputs, arrays: PayoutArrays, notes) -> SchemeRun:
    payouts, totals = payout_tables(scheme, inputs, arrays)
    return SchemeRun(
        scheme=scheme,
        inputs=inputs,
        arrays=arrays,
        payouts=payouts,
        totals=totals,
        skipped=inputs.skipped,
        warnings=tuple(dict.fromkeys([*inputs.warnings, *notes])),
    )


def _run_with_clawback(table, scheme: Scheme, periods, library, roster) -> SchemeRun:
    """A run on the values as paid, with each restatement's adjustment in its own period."""

    def earn(known: pd.DataFrame) -> pd.DataFrame:
        inputs = prepare(known, scheme, periods=periods, library=library, roster=roster)
        arrays = compute(scheme, inputs)
        earned = arrays.steps.earned if arrays.steps is not None else arrays.payout
        keys = inputs.keys
        return pd.DataFrame(
            {"employee": keys["employee"].to_numpy(dtype=object),
             "period": keys["period"].to_numpy(dtype=object), "earned": earned}
        )  # fmt: skip

    paid, adjustments, notes = restatement_adjustments(
        table, scheme.period, scheme.clawback.within, earn, reach(scheme, roster, table)
    )
    inputs = prepare(paid, scheme, periods=periods, library=library, roster=roster)
    arrays, unplaced = add_adjustments(compute(scheme, inputs), inputs, adjustments)
    return _scheme_run(scheme, inputs, arrays, [*notes, *unplaced])
