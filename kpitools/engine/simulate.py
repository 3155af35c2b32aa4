"""Simulating several schemes on the same history: payouts, metrics and a comparison.

:func:`simulate` loads the data once, runs every scheme on it (:func:`kpitools.engine.run_scheme`),
computes their metrics, compares them with a baseline and, when asked, forecasts each one;
:class:`SimulationResult` holds it all and writes the CSV files of ``kpitools simulate``.
:func:`compare` is the comparison table alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._util.files import atomic_path, write_csv
from ..errors import DefinitionError
from ..scheme import Scheme
from .compare import compare_schemes, winners_losers
from .currency import RunCurrency, run_currency
from .describe import describe_skipped, format_metric, format_metrics_table
from .forecast import ForecastResult, forecast_loaded
from .groups import group_columns, metrics_by_group
from .hints import suggest_name
from .loading import library_for_run, load_inputs, load_schemes
from .metrics import MECHANIC_METRICS, METRICS, compute_metrics, with_gaming_cost
from .pools import POOL_COLUMNS
from .run import SchemeRun, run_scheme
from .stress import DEFAULT_SHIFT, check_shift, stress_test
from .stress_result import STRESS_COLUMNS, StressResult

__all__ = ["SimulationResult", "compare", "simulate", "write_csv"]


def _first(df: pd.DataFrame, first: list[str]) -> pd.DataFrame:
    """The table with the columns ``first`` (those it has) moved to the front."""
    head = [c for c in first if c in df.columns]
    return df[head + [c for c in df.columns if c not in head]]


@dataclass(frozen=True, kw_only=True, repr=False)
class SimulationResult:
    """Several schemes run on the same history: payouts, metrics and a comparison.

    Attributes
    ----------
    runs : dict
        Scheme name → :class:`kpitools.engine.SchemeRun`.
    baseline : str
        The scheme the others are compared with.
    metrics : DataFrame
        One row per scheme (index ``scheme``), one column per metric of :data:`METRICS`
        (and ``draw_cost`` when a scheme has a draw).
    payouts, totals : DataFrame
        The payout tables (docs/commands.md) and the per-employee-period totals of every scheme.
    winners_losers : DataFrame
        Per employee and scheme: total against the baseline (see :func:`winners_losers`).
    compare : DataFrame
        One row per scheme: metrics, cost change and winners/losers against the baseline.
    skipped : DataFrame
        ``scheme, period, reason`` for every period a scheme could not evaluate.
    warnings : tuple of str
        What the data loader and the engine warned about.
    forecasts : dict
        Scheme name → :class:`kpitools.engine.ForecastResult`, when asked for.
    by : dict
        Group column → one row per scheme × group value: ``scheme, <column>, employees`` and
        the metrics of that group (see :mod:`kpitools.engine.groups`), when asked for.
    roster : Roster or None
        The roster the data was joined with (its pay in the run's currency).
    currency : str or None
        The run's currency (contract §8): every amount was converted into it, and money
        figures carry it; None when no input gives one.
    stress : dict
        Scheme name → :class:`kpitools.engine.stress.StressResult`, when the gaming stress
        test ran (``stress=``); then ``metrics`` has ``gaming_cost`` and ``gaming_cost_pct``.
    """

    runs: dict[str, SchemeRun]
    baseline: str
    metrics: pd.DataFrame
    payouts: pd.DataFrame
    totals: pd.DataFrame
    winners_losers: pd.DataFrame
    compare: pd.DataFrame
    skipped: pd.DataFrame
    warnings: tuple[str, ...] = ()
    forecasts: dict[str, ForecastResult] = field(default_factory=dict)
    by: dict[str, pd.DataFrame] = field(default_factory=dict)
    roster: Any = None
    currency: str | None = None
    stress: dict[str, StressResult] = field(default_factory=dict)

    @property
    def stress_table(self) -> pd.DataFrame:
        """``stress.csv``: per scheme and employee who gains, the moves and the extra pay."""
        parts = [r.by_employee for r in self.stress.values()]
        if not parts:
            return pd.DataFrame(columns=list(STRESS_COLUMNS))
        return pd.concat(parts, ignore_index=True)

    @property
    def schemes(self) -> list[str]:
        """Scheme names in the order they were given."""
        return list(self.runs)

    @property
    def summary(self) -> pd.DataFrame:
        """The comparison table: metrics plus winners and losers against the baseline."""
        return self.compare

    @property
    def pools(self) -> pd.DataFrame:
        """Per scheme with a pool and period: its size and use (``pools.csv``).

        Columns :data:`~kpitools.engine.pools.POOL_COLUMNS`; ``scale`` is the factor the
        period's pay was scaled by (below 1: scaled down), ``scaled_down`` says whether it was.
        """
        parts = [r.pools for r in self.runs.values() if r.arrays.pool_use is not None]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=POOL_COLUMNS)

    def metrics_table(self) -> str:
        """The metrics as printed by ``kpitools simulate``: schemes as columns."""
        return format_metrics_table(self.metrics, self.currency)

    def save(self, out_dir: str | Any, *, raw_csv: bool = False) -> dict[str, Any]:
        """Write the result's CSV files into ``out_dir``, atomically.

        ``payouts.csv`` and ``metrics.csv``; with more than one scheme
        ``winners_losers.csv``; per group column ``metrics_by_<column>.csv``; with a forecast
        ``forecast.csv``; with the gaming stress test ``stress.csv``; with a pool ``pools.csv``
        (:attr:`pools`). Text cells that a spreadsheet would run as a formula get a leading
        ``'`` unless ``raw_csv`` (see :func:`kpitools._util.files.formula_safe`).

        Returns
        -------
        dict
            File kind → path written.

        Examples
        --------
        >>> result.save("out")  # doctest: +SKIP
        {'payouts': PosixPath('out/payouts.csv'), 'metrics': PosixPath('out/metrics.csv')}
        """
        out = Path(out_dir)
        tables: dict[str, pd.DataFrame] = {
            "payouts": self.payouts,
            "metrics": self.metrics.reset_index(),
        }
        if len(self.runs) > 1:
            tables["winners_losers"] = self.winners_losers
        for column, table in self.by.items():
            tables[f"metrics_by_{column}"] = table
        if any(r.arrays.pool_use is not None for r in self.runs.values()):
            tables["pools"] = self.pools
        if self.forecasts:
            tables["forecast"] = pd.concat(
                [f.summary.reset_index().assign(scheme=name) for name, f in self.forecasts.items()],
                ignore_index=True,
            )
            tables["forecast"] = _first(tables["forecast"], ["scheme"])
        if self.stress:
            tables["stress"] = self.stress_table
        written = {kind: out / f"{kind}.csv" for kind in tables}
        # Every file goes to a temporary name first; all are renamed only when all are written.
        with contextlib.ExitStack() as stack:
            for kind, table in tables.items():
                tmp = stack.enter_context(atomic_path(written[kind]))
                write_csv(table, tmp, raw=raw_csv)
        return written

    def __repr__(self) -> str:
        costs = ", ".join(
            f"{name}: {format_metric('total_cost', cost, self.currency)}"
            for name, cost in self.metrics["total_cost"].items()
        )
        return (
            f"<kpitools.SimulationResult: {len(self.runs)} scheme(s), baseline {self.baseline!r}, "
            f"{len(self.totals):,} employee-periods, total cost {{{costs}}}, "
            f"{len(self.skipped)} skipped period(s)>"
        )

    def _repr_html_(self) -> str:
        shown = self.compare.drop(columns=["baseline"], errors="ignore").T
        body = shown.apply(
            lambda col: [format_metric(name, v, self.currency) for name, v in col.items()]
        ).to_html()
        parts = [f"<p><b>Simulation</b>: baseline <code>{self.baseline}</code></p>", body]
        if not self.skipped.empty:
            text = describe_skipped(self.skipped).replace("\n", "<br>")
            parts.append(f"<p>Skipped periods:<br>{text}</p>")
        if self.warnings:
            parts.append("<ul>" + "".join(f"<li>{w}</li>" for w in self.warnings) + "</ul>")
        return "\n".join(parts)


def simulate(
    data: Any,
    schemes: Any,
    *,
    baseline: str | None = None,
    periods: Any = None,
    library: Any = None,
    forecast: int | None = None,
    seed: int | None = None,
    trend: bool = False,
    roster: Any = None,
    where: str | None = None,
    by: str | Sequence[str] | None = None,
    strict: bool = False,
    currency: str | RunCurrency | None = None,
    stress: float | bool | None = None,
    duplicates: str = "error",
) -> SimulationResult:
    """Run one or more schemes on the same history and compare them.

    Parameters
    ----------
    data : str, path or DataFrame
        Historical performance data, loaded with :func:`kpitools.data.load`.
    schemes : scheme, path, mapping or a list of them
        The schemes (:class:`kpitools.scheme.Scheme` objects or YAML files).
    baseline : str, optional
        Name of the scheme the others are compared with; the first scheme by default.
    periods : optional
        Periods to evaluate, passed to :func:`kpitools.engine.run_scheme` (``"FROM..TO"``).
    library : Library, optional
        KPI library (directions, aggregations): see :func:`kpitools.data.resolve_library`.
    forecast, seed, trend : optional
        Also forecast this many simulated next periods per scheme, with this seed, with
        each KPI's fitted growth (:func:`kpitools.engine.forecast`).
    roster : path, DataFrame or Roster, optional
        Who is who (:func:`kpitools.data.load_roster`): its attributes join the data by
        employee, for filters and groups.
    where : str, optional
        Only the rows where this filter holds (``region == East``; see
        :func:`kpitools.data.apply_filter`).
    by : str or list of str, optional
        Group columns (``team``, ``region``, any roster column): the metrics per group value
        in ``result.by`` and ``metrics_by_<column>.csv``.
    strict : bool, default False
        Implausible values in the data are errors, not warnings (:func:`kpitools.data.check`).
    currency : str or RunCurrency, optional
        Over the schemes' ``currency:`` (which must agree otherwise), or a resolved
        :func:`kpitools.engine.run_currency`; other currencies are converted with ``fx:``.
    stress : float or True, optional
        Gaming stress test, SHIFT (True: 0.10): :func:`kpitools.engine.stress_test`.
    duplicates : {"error", "sum"}
        Duplicate employee × period × KPI rows are an error, or summed (a warning).

    Returns
    -------
    SimulationResult

    Examples
    --------
    >>> result = simulate("data.csv", ["a.yaml", "b.yaml"], stress=0.1)  # doctest: +SKIP
    >>> result.metrics.loc[:, ["total_cost", "gaming_cost"]]  # doctest: +SKIP
    """
    loaded = load_schemes(schemes)
    baseline = _check_baseline(baseline, [s.name for s in loaded])
    library = library_for_run(library)
    groups = group_columns(by)
    money, table, warnings, roster = _inputs(
        data, loaded, library, roster, where, strict, currency, duplicates=duplicates
    )
    runs = _runs(table, loaded, periods, library, warnings, roster)
    forecasts = _forecasts(
        table, loaded, forecast, seed=seed, trend=trend, library=library, currency=money.code,
        roster=roster,
    )  # fmt: skip
    by_group = {column: _by_group(runs, column, table) for column in groups}
    stressed = _stress(runs, stress, library)
    return _result(runs, baseline, warnings, forecasts=forecasts, by=by_group, roster=roster,
                   currency=money.code, stress=stressed)  # fmt: skip


def _stress(runs: dict[str, SchemeRun], shift: Any, library: Any) -> dict[str, StressResult]:
    """The gaming stress test of every run (none when ``shift`` is None or False)."""
    if shift is None or shift is False:
        return {}
    shift = DEFAULT_SHIFT if shift is True else check_shift(shift)
    return {
        name: stress_test(run.scheme, run.inputs, shift=shift, library=library)
        for name, run in runs.items()
    }


def _inputs(
    data: Any,
    loaded: list[Scheme],
    library: Any,
    roster: Any,
    where: Any,
    strict: bool,
    currency: Any,
    *,
    duplicates: str = "error",
) -> tuple[RunCurrency, pd.DataFrame, list[str], Any]:
    """The run's currency, its data (joined, converted, filtered), warnings and roster."""
    money = currency if isinstance(currency, RunCurrency) else run_currency(loaded, None, currency)
    table, notes, roster = load_inputs(
        data, library=library, roster=roster, where=where, strict=strict, currency=money,
        duplicates=duplicates,
    )  # fmt: skip
    return money, table, [*money.notes, *notes], roster


def _runs(
    table: pd.DataFrame,
    loaded: list[Scheme],
    periods: Any,
    library: Any,
    warnings: list[str],
    roster: Any = None,
) -> dict[str, SchemeRun]:
    """Every scheme run on the table; their warnings added to ``warnings``."""
    runs = {
        s.name: run_scheme(table, s, periods=periods, library=library, roster=roster)
        for s in loaded
    }
    for name, run in runs.items():
        _check_evaluated(run, table)
        warnings.extend(f"{name}: {w}" for w in run.warnings)
    return runs


def _result(
    runs: dict[str, SchemeRun], baseline: str, warnings: list[str], **extra: Any
) -> SimulationResult:
    """The metrics, totals and comparison of the runs, as a :class:`SimulationResult`."""
    names = list(runs)
    rows = [compute_metrics(run) for run in runs.values()]
    used = [m for m in MECHANIC_METRICS if any(m in row.index for row in rows)]
    metrics = pd.DataFrame(rows, columns=[*METRICS, *used])
    metrics.index = pd.Index(names, name="scheme")
    if extra.get("stress"):
        costs = {name: (r.gaming_cost, r.gaming_cost_pct) for name, r in extra["stress"].items()}
        metrics = with_gaming_cost(metrics, costs)
    totals = [run.totals for run in runs.values()]
    all_totals = pd.concat(totals, ignore_index=True)
    wl = winners_losers(all_totals, baseline)
    warnings.extend(_no_common_period(names, totals, baseline))
    return SimulationResult(
        runs=runs,
        baseline=baseline,
        metrics=metrics,
        payouts=pd.concat([run.payouts for run in runs.values()], ignore_index=True),
        totals=all_totals,
        winners_losers=wl,
        compare=compare_schemes(metrics, wl, baseline),
        skipped=_skipped_table(runs),
        warnings=tuple(warnings),
        **extra,
    )


def _by_group(runs: dict[str, SchemeRun], column: str, table: pd.DataFrame) -> pd.DataFrame:
    """The metrics of every scheme per value of a group column, one table."""
    parts = [metrics_by_group(run, column, table).assign(scheme=name) for name, run in runs.items()]
    return _first(pd.concat(parts, ignore_index=True), ["scheme"])


def compare(
    data: Any,
    schemes: Any,
    *,
    baseline: str | None = None,
    periods: Any = None,
    library: Any = None,
    roster: Any = None,
    where: str | None = None,
    by: str | None = None,
    currency: str | None = None,
) -> pd.DataFrame:
    """One row per scheme against a baseline: metrics, cost change, winners and losers.

    The comparison table of :func:`simulate` (``simulate(...).compare``); keep the whole
    :class:`SimulationResult` instead for the payouts and each employee's winnings.

    Parameters
    ----------
    data, schemes, baseline, periods, library, roster, where, currency
        As for :func:`simulate`.
    by : str, optional
        A group column: then one row per scheme × group value with that group's metrics
        (the comparison against the baseline is for the whole population).

    Returns
    -------
    pandas.DataFrame
        Index ``scheme``; the metrics, then ``baseline, periods_compared, cost_change,
        cost_change_pct, winners, losers, unchanged, share_winners, share_losers`` (see
        :func:`kpitools.engine.compare_schemes`).

    Examples
    --------
    >>> data = pd.DataFrame({"employee": ["a", "b"], "period": ["2025-01"] * 2,
    ...                      "kpi": ["sales"] * 2, "actual": [100.0, 300.0]})
    >>> flat = {"name": "flat", "on_target_pay": 10, "components": [
    ...     {"kpi": "sales", "commission": {"rate": 0.1}}]}
    >>> steep = {"name": "steep", "on_target_pay": 10, "components": [
    ...     {"kpi": "sales", "commission": {"rate": 0.05}}]}
    >>> table = compare(data, [flat, steep], library=False)
    >>> row = table.loc["steep"]
    >>> float(row["total_cost"]), float(row["cost_change"]), int(row["losers"])
    (20.0, -20.0, 2)
    """
    result = simulate(
        data, schemes, baseline=baseline, periods=periods, library=library, roster=roster,
        where=where, by=by, currency=currency,
    )  # fmt: skip
    if by is not None:
        return result.by[group_columns(by)[0]]
    return result.compare


def _check_baseline(baseline: str | None, names: list[str]) -> str:
    """The baseline scheme's name: the first scheme's by default, else one of ``names``."""
    if baseline is None:
        return names[0]
    if baseline not in names:
        raise DefinitionError(
            f"--baseline {baseline!r} is not the name of a simulated scheme."
            f"{suggest_name(baseline, names)}\n"
            f"Suggestion: use one of {', '.join(repr(n) for n in names)}."
        )
    return baseline


def _check_evaluated(run: SchemeRun, table: pd.DataFrame) -> None:
    """A scheme whose target methods had history for no period at all: what they needed."""
    if len(run.totals) or run.skipped is None or run.skipped.empty:
        return
    periods = sorted(table["period"].astype(str).unique())
    why = describe_skipped(run.skipped).replace("\n", "\n  ")
    raise DefinitionError(
        f"{run.scheme.source}: no period can be evaluated: the data ({periods[0]} to "
        f"{periods[-1]}) is too short for its target methods:\n  {why}\n"
        "Suggestion: give more history before the periods to evaluate, or use a target "
        "method that needs none (fixed, from_data)."
    )


def _skipped_table(runs: dict[str, SchemeRun]) -> pd.DataFrame:
    """``scheme, period, reason`` of every period a scheme skipped."""
    skipped = [
        run.skipped.assign(scheme=name)
        for name, run in runs.items()
        if run.skipped is not None and len(run.skipped)
    ]
    if not skipped:
        return pd.DataFrame({"scheme": [], "period": [], "reason": []}, dtype=str)
    return _first(pd.concat(skipped, ignore_index=True), ["scheme", "period", "reason"])


def _no_common_period(names: list[str], totals: list[pd.DataFrame], baseline: str) -> list[str]:
    """A warning for each scheme that shares no evaluated period with the baseline."""
    periods_of = {
        n: frozenset(pd.unique(t["period"].astype(str)).tolist())
        for n, t in zip(names, totals, strict=True)
    }
    return [
        f"{name} and the baseline {baseline} share no evaluated period (e.g. a monthly "
        "and a quarterly scheme): winners and losers compare each scheme's totals over "
        "its own periods."
        for name in names
        if name != baseline and not periods_of[name] & periods_of[baseline]
    ]


def _forecasts(
    table: pd.DataFrame,
    schemes: list[Scheme],
    n: int | None,
    *,
    seed: int | None,
    trend: bool,
    library: Any,
    currency: str | None = None,
    roster: Any = None,
) -> dict[str, ForecastResult]:
    """Each scheme's forecast of ``n`` draws on the loaded data (none when ``n`` is not set)."""
    if not n:
        return {}
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise DefinitionError(
            f"forecast = {n!r}: the number of simulated periods must be a whole "
            "number of at least 1.\nSuggestion: use e.g. forecast=1000."
        )
    # The data is loaded once; its warnings are already in the result's.
    return {
        s.name: forecast_loaded(
            table,
            s,
            n=n,
            seed=seed,
            trend=trend,
            library=library,
            currency=currency,
            roster=roster,
        )
        for s in schemes
    }
