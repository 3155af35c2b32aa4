"""From the long table to the engine's arrays: roll up, set targets, check, align.

:func:`prepare` rolls the long table up to the scheme's period, sets every target
(:func:`kpitools.scheme.compute_targets`, no look-ahead), checks them, and aligns actuals and
targets into numpy arrays, one row per employee-period (:class:`PayoutInputs`). It is
:func:`kpitools.engine.prepare_base` (roll-up, ``roles``, alignment: what no target setting
changes, a :class:`PreparedData`) followed by :func:`set_targets`; keep the base to try other
targets in a few tens of milliseconds instead of rolling the data up again.

Choices kpitools makes:

- **Rows.** One row per employee-period in which the employee has an actual for at least
  one component KPI. Periods skipped by a target method (no history) and periods outside
  ``periods`` are left out; targets still use all the history before them.
- **A missing actual** (the employee has a row for another KPI of the scheme but none for
  this one): ``warnings`` counts each case (:func:`kpitools.engine.compute` pays 0 there).
  A missing, zero or negative *target* where an actual exists is an error naming the
  employee and period (with a ``baseline`` b, the target must lie above b for ``higher``
  KPIs, below it for ``lower`` ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..data import format_periods, periods_in_scope, unique_sorted
from ..errors import DefinitionError
from ..scheme import TargetContext, TargetResult, compute_targets, load_scheme
from .arrays import PayoutInputs
from .base import PreparedData, prepare_base
from .items import SchemeItem, kpi_direction, scheme_items
from .money import round_cents
from .pay import on_target_pay_per_row
from .pools import funding_actual
from .proration import active_share, prorated_targets, prorates
from .ratings import is_score, missing_score_note, not_a_rating_note
from .scope import has_scope, scoped_inputs
from .target_checks import find_target_failures, raise_target_failures
from .timeline import Timeline, build_timeline, item_aggregations

__all__ = ["prepare", "set_targets"]

_NO_ACTUAL = {
    "component": "that component pays 0 there",
    "gate": "the gate counts as missed there",
    "modifier": "the modifier is 1 (no change) there",
}


def prepare(
    data: Any,
    scheme: Any,
    *,
    periods: Any = None,
    library: Any = None,
    roster: Any = None,
) -> PayoutInputs:
    """Roll data up, set targets, check them and align everything into arrays.

    The same as ``set_targets(prepare_base(data, scheme, …), scheme)``: keep the
    :class:`PreparedData` of :func:`kpitools.engine.prepare_base` to try other targets
    without rolling the data up again.

    Parameters
    ----------
    data : DataFrame or path
        The long table (docs/data.md); a path is read with :func:`kpitools.data.load`.
    scheme : Scheme, mapping or path
        The scheme.
    periods : str or (str, str), optional
        Periods to evaluate, inclusive: ``"2025-01..2025-12"`` or ``("2025-01",
        "2025-12")``; a scheme period counts when it lies wholly inside.
    library : Library, path, None or False
        KPI library for aggregations and directions (:func:`kpitools.data.resolve_library`):
        ``None`` uses the shipped library, ``False`` none (every KPI summed, direction
        ``higher`` unless the scheme says).
    roster : Roster, path or None
        Who is who (:func:`kpitools.data.load_roster`): pay per person
        (``on_target_pay: {from: roster}``, ``{pct_of_salary: r}``) and proration from
        ``hire_date``, ``leave_date`` and ``fte`` (docs/plan-mechanics.md).

    Returns
    -------
    PayoutInputs

    Raises
    ------
    DefinitionError
        A scheme KPI that is not in the data; on-target pay with no amount for a role.
    DataValidationError
        A missing, zero or negative target where an actual exists, naming employee and
        period (``failure_cases`` lists all of them).

    Examples
    --------
    >>> data = pd.DataFrame({"employee": ["a", "b"], "period": ["2025-01", "2025-01"],
    ...                      "kpi": ["sales", "sales"], "actual": [90.0, 130.0]})
    >>> inputs = prepare(data, {"name": "s", "on_target_pay": 1000, "components": [
    ...     {"kpi": "sales", "weight": 1.0, "target": 100, "curve": {"steps": [[1, 1]]}}]},
    ...     library=False)
    >>> inputs.keys["employee"].tolist(), inputs.actual[0].tolist(), inputs.target[0].tolist()
    (['a', 'b'], [90.0, 130.0], [100.0, 100.0])
    """
    scheme = load_scheme(scheme)
    if has_scope(scheme):  # team and manager pay: the members first (engine.scope)
        return scoped_inputs(
            data, scheme, periods=periods, library=library, roster=roster, prepare=prepare
        )
    base = prepare_base(data, scheme, periods=periods, library=library, roster=roster)
    return set_targets(base, scheme)


def set_targets(base: PreparedData, scheme: Any) -> PayoutInputs:
    """Set a scheme's targets on prepared data, check them, and align them into arrays.

    Parameters
    ----------
    base : PreparedData
        From :func:`kpitools.engine.prepare_base` (with a scheme of the same period, KPIs
        and roles).
    scheme : Scheme, mapping or path
        The scheme whose targets to set.

    Returns
    -------
    PayoutInputs
        Identical to what :func:`prepare` returns for the same data and scheme.

    Raises
    ------
    DefinitionError
        ``base`` was prepared for a scheme with another period, other KPIs or roles; on-target
        pay with no amount for a role.
    DataValidationError
        As :func:`prepare`.

    Examples
    --------
    >>> from kpitools.engine import prepare_base
    >>> data = pd.DataFrame({"employee": ["a"], "period": ["2025-01"], "kpi": ["x"],
    ...                      "actual": [1.0]})
    >>> s = load_scheme({"name": "s", "on_target_pay": 100, "components": [
    ...     {"kpi": "x", "weight": 1, "target": 2, "curve": {"steps": [[1, 1]]}}]})
    >>> set_targets(prepare_base(data, s, library=False), s).target[0].tolist()
    [2.0]
    """
    scheme = load_scheme(scheme)
    if has_scope(scheme):
        raise DefinitionError(
            f"{scheme.source}: a scheme with scope team or reports is prepared from the data "
            "(the members' rows), not from a prepared base.\n"
            "Suggestion: use prepare(data, scheme, roster=…)."
        )
    if not base.fits(scheme):
        raise DefinitionError(
            f"{scheme.source}: the prepared data were made for a scheme with another period, "
            "other KPIs or other roles.\n"
            "Suggestion: prepare the data again with prepare_base(data, scheme)."
        )
    items = scheme_items(scheme)
    prorate = prorates(scheme, base.roster)
    results, skipped = _run_target_methods(base, items, prorate=prorate)
    skip_codes, skipped_df = _skipped_periods(base, skipped)
    sel = _Selection.of(base, skip_codes, prorate)
    # before the targets: a role without pay is the likelier slip (see roles: in schemes)
    codes = (base.role_code[sel.rows], base.role_names)
    otp = on_target_pay_per_row(scheme, sel.keys, base.has_role, codes=codes, roster=base.roster)
    if sel.share is not None:
        otp = round_cents(otp * sel.share)
    directions = {item: kpi_direction(item.spec, base.library) for item in items}
    arrays, warnings, failures = _align(base, items, results, sel.rows, sel.keys, directions)
    if failures:
        raise_target_failures(
            scheme,
            pd.concat(failures, ignore_index=True),
            results,
            sel.keys["role"] if base.has_role else None,
        )
    if sel.share is not None:
        for item in items:
            if prorated_targets(item.spec, base.library):
                actual, target = arrays[item]
                arrays[item] = (actual, np.round(target * sel.share, 10))
    notes = (*_roll_up_notes(base.warnings, prorate), *sel.notes, *warnings)
    over_time = scheme.pays_over_time or sel.share is not None  # proration: steps shown too
    timeline = _timeline(base, scheme, items, sel) if over_time else None
    return _inputs(base, items, arrays, directions, sel, otp, skipped_df, notes).replace(
        timeline=timeline, pool_actual=funding_actual(base, scheme, sel.rows)
    )


def _timeline(base: PreparedData, scheme, items: list[SchemeItem], sel: _Selection) -> Timeline:
    """The employees' periods in order, with how a true-up cumulates each item's KPI."""

    def parts_of(num: str, den: str) -> Any:
        if num in base.parts and den in base.parts:
            return base.parts[num][sel.rows], base.parts[den][sel.rows]
        return None

    aggregation, parts = item_aggregations(items, base.library, parts_of)
    return build_timeline(
        scheme, sel.keys, base.per[sel.rows], base.roster, aggregation=aggregation, parts=parts
    )


def _inputs(base, items, arrays, directions, sel, otp, skipped_df, notes) -> PayoutInputs:
    """The :class:`PayoutInputs` of the selected rows, items by kind."""
    comps = [it for it in items if it.kind == "component"]
    gates = [it for it in items if it.kind == "gate"]
    mods = [it for it in items if it.kind == "modifier"]
    return PayoutInputs(
        keys=sel.keys,
        actual=tuple(arrays[it][0] for it in comps),
        target=tuple(arrays[it][1] for it in comps),
        gate_actual=tuple(arrays[it][0] for it in gates),
        gate_target=tuple(arrays[it][1] for it in gates),
        modifier_actual=tuple(arrays[it][0] for it in mods),
        modifier_target=tuple(arrays[it][1] for it in mods),
        direction=tuple(directions[it] for it in comps),
        gate_direction=tuple(directions[it] for it in gates),
        modifier_direction=tuple(directions[it] for it in mods),
        on_target_pay=otp,
        revenue=base.revenue[sel.rows],
        period_code=sel.period_code,
        skipped=skipped_df,
        warnings=tuple(dict.fromkeys(notes)),
        proration=sel.share,
        reversible=tuple(_reversible(it.spec.kpi, base.library) for it in comps),
    )


@dataclass(frozen=True)
class _Selection:
    """The employee-periods evaluated: positions in the base's keys, keys, pool codes, shares.

    With proration, employee-periods wholly outside the hire and leave dates (active share
    0) are left out, and ``notes`` says how many.
    """

    rows: np.ndarray
    keys: pd.DataFrame
    period_code: np.ndarray
    share: np.ndarray | None
    notes: tuple[str, ...]

    @classmethod
    def of(cls, base: PreparedData, skip_codes: np.ndarray, prorate: bool) -> _Selection:
        rows, keys, period_code = base.selection(skip_codes)
        keys, period_code = keys.copy(deep=False), period_code.copy()  # the cache stays as is
        if not prorate:
            return cls(rows, keys, period_code, None, ())
        share = base.share[rows]
        there = share > 0
        if there.all():
            return cls(rows, keys, period_code, share, ())
        note = (
            f"{int((~there).sum()):,} employee-period(s) lie wholly outside the employee's hire "
            f"and leave dates in {base.roster.file} (active share 0): not paid, left out."
        )
        keep = np.flatnonzero(there)
        keys = keys.iloc[keep].reset_index(drop=True)
        return cls(rows[keep], keys, period_code[keep], share[keep], (note,))


def _roll_up_notes(notes: tuple[str, ...], prorate: bool) -> list[str]:
    """The roll-up's warnings; with proration, partial periods' targets are prorated."""
    if not prorate:
        return list(notes)
    old = "targets other than from_data are not pro-rated."
    new = "targets set by fixed, growth and percentile are prorated from the roster's dates."
    return [n.replace(old, new) for n in notes]


def _reversible(kpi: str, library: Any) -> bool:
    """Whether the library marks a KPI ``reversible`` (a negative period is real)."""
    k = library.get(kpi) if library else None
    return bool(getattr(k, "reversible", False))


def _run_target_methods(
    base: PreparedData, items: list[SchemeItem], *, prorate: bool = False
) -> tuple[dict[SchemeItem, TargetResult], dict[int, list[str]]]:
    """Each item's targets on its KPI's rows, and the periods each method skipped, why.

    With ``prorate``, ``allocate`` splits its totals by each row's active share (the
    frame's ``weight`` column).
    """
    results: dict[SchemeItem, TargetResult] = {}
    skipped: dict[int, list[str]] = {}
    for item in items:
        kpi_rows = base.rows[item.spec.kpi]
        spec_target = item.spec.target
        if spec_target is None:
            res = TargetResult(np.full(len(kpi_rows.frame), np.nan))
        else:
            frame = kpi_rows.frame
            if prorate and spec_target.method == "allocate":
                weight = active_share(
                    frame["employee"].array, frame["period"].to_numpy(), base.kind, base.roster
                )
                frame = frame.assign(weight=weight)
            ctx = TargetContext(
                frame=frame,
                kind=base.kind,
                label=item.label,
                has_target_column=base.has_target_column,
            )
            res = compute_targets(spec_target, ctx)
        results[item] = res
        for p, reason in res.skipped.items():
            skipped.setdefault(p, []).append(reason)
    return results, skipped


def _skipped_periods(
    base: PreparedData, skipped: dict[int, list[str]]
) -> tuple[np.ndarray, pd.DataFrame]:
    """The evaluated periods to leave out, and the ``period, reason`` table of the run.

    A period of the evaluation with no rows at all is reported, never left out silently.
    """
    kind = base.kind
    present = unique_sorted(base.per[base.in_range])
    in_scope = set(present.tolist())
    skip_codes = np.array(sorted(p for p in skipped if p in in_scope), dtype=np.int64)
    reasons = {int(p): "; ".join(dict.fromkeys(skipped[int(p)])) for p in skip_codes}
    for p in np.setdiff1d(periods_in_scope(present, kind, base.periods), present):
        reasons[int(p)] = "no data: nobody has a row for the scheme's KPIs in this period"
    listed = np.array(sorted(reasons), dtype=np.int64)
    skipped_df = pd.DataFrame(
        {
            "period": list(format_periods(listed, kind)) if listed.size else [],
            "reason": [reasons[int(p)] for p in listed],
        },
        dtype=object,
    )
    return skip_codes, skipped_df


def _align(
    base: PreparedData,
    items: list[SchemeItem],
    results: dict[SchemeItem, TargetResult],
    rows: np.ndarray,
    keys: pd.DataFrame,
    directions: dict[SchemeItem, str],
) -> tuple[dict[SchemeItem, tuple[np.ndarray, np.ndarray]], list[str], list[pd.DataFrame]]:
    """Each item's actuals and targets on the kept rows; missing actuals; target failures."""
    arrays: dict[SchemeItem, tuple[np.ndarray, np.ndarray]] = {}
    warnings: list[str] = []
    failures = []
    for item in items:
        kpi_rows = base.rows[item.spec.kpi]
        res = results[item]
        actual = kpi_rows.actual[rows]
        target = np.full(base.n, np.nan)
        target[kpi_rows.dest] = res.values[kpi_rows.src]
        target = target[rows]
        arrays[item] = (actual, target)
        have = ~np.isnan(actual)
        n_missing = int((~have).sum())
        if n_missing and not is_score(item.spec):  # a score says itself (engine.ratings)
            warnings.append(
                f"{item.label}: {n_missing} employee-period(s) have no actual; "
                f"{_NO_ACTUAL[item.kind]}."
            )
        elif n_missing and item.spec.missing is not None:
            warnings.append(missing_score_note(item.spec, item.label, n_missing))
        if is_score(item.spec):
            warnings.extend(not_a_rating_note(item.spec, item.label, base.library))
        if item.needs_target:
            bad = have & ~(target > 0)  # cheap screen; the details only when something is off
            if item.spec.baseline is not None or bad.any():
                pos = np.full(base.n, np.nan)
                pos[kpi_rows.dest] = kpi_rows.src
                found = find_target_failures(
                    item, directions[item], keys, actual, target, pos[rows], res
                )
                if len(found):
                    failures.append(found)
    return arrays, warnings, failures
