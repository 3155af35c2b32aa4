"""The rules a whole scheme follows across its parts: pay, roles, weights, names, gates.

Each rule is a function the :class:`~kpitools.scheme.Scheme` model calls while it is
validated; it raises :func:`~kpitools._util.spec.spec_error` naming the key path, so the
loader reports the file, line and key.

Examples
--------
>>> on_target_pay_input({"rep": 30000})
{'rep': 30000.0}
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from .._util.spec import as_written, spec_error
from ..errors import did_you_mean
from .components import Component, Gate
from .mechanics import RosterPay, SalaryPay, pay_input

__all__ = [
    "WEIGHT_TOLERANCE",
    "on_target_pay_input",
    "roles_input",
    "check_roles",
    "check_role_pay",
    "check_weights",
    "check_component_names",
    "check_gate_targets",
]

#: Curve-component weights must sum to 1 within this tolerance.
WEIGHT_TOLERANCE = 1e-9


def on_target_pay_input(v: Any) -> float | dict[str, float] | RosterPay | SalaryPay:
    """``on_target_pay`` as a positive number, a mapping role → positive number, or per person.

    Per person: ``{from: roster}`` or ``{pct_of_salary: r}`` (:mod:`kpitools.scheme.mechanics`).
    """
    v = pay_input(v)
    if isinstance(v, RosterPay | SalaryPay):
        return v
    bad = spec_error(
        f"expected a positive number or a mapping {{role: number}}, got {v!r}",
        "write on_target_pay: 30000, on_target_pay: {sales: 30000, manager: 45000}, "
        "{from: roster} or {pct_of_salary: 0.15}.",
    )
    if isinstance(v, bool):
        raise bad
    if isinstance(v, int | float):
        if not math.isfinite(v) or v <= 0:
            raise bad
        return float(v)
    if isinstance(v, Mapping) and v:
        for role, pay in v.items():
            _check_role_amount(role, pay)
        return {str(role): float(pay) for role, pay in v.items()}
    raise bad


def _check_role_amount(role: Any, pay: Any) -> None:
    if isinstance(pay, bool) or not isinstance(pay, int | float):
        raise spec_error(
            f"the on-target pay of role {str(role)!r} must be a number, got {pay!r}",
            "write on_target_pay: {role: 30000, …}.",
        )
    if not math.isfinite(pay) or pay <= 0:
        raise spec_error(
            f"the on-target pay of role {str(role)!r} must be positive, got {as_written(pay)}",
            "use the bonus paid at 100% attainment.",
        )


def roles_input(v: Any) -> Any:
    """Refuse one role written as text instead of a list."""
    if isinstance(v, str):
        raise spec_error(
            f"expected a list of roles, got {v!r}",
            f"write roles: [{v}] (a list, even for one role).",
        )
    return v


def check_roles(v: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """The roles to evaluate: none empty or blank, none twice."""
    if v is None:
        return v
    if not v:
        raise spec_error(
            "the list of roles is empty",
            "list the roles to evaluate, e.g. roles: [sales_rep], or remove roles: "
            "to evaluate everyone.",
        )
    seen: set[str] = set()
    for i, role in enumerate(v):
        if not role.strip():
            raise spec_error(
                f"role {i} is empty", "write the role as it appears in the data.", f"roles[{i}]"
            )
        if role in seen:
            raise spec_error(
                f"role {role!r} is listed twice", "list each role once.", f"roles[{i}]"
            )
        seen.add(role)
    return v


def check_role_pay(roles: Sequence[str] | None, on_target_pay: Any) -> None:
    """With ``on_target_pay`` per role, every listed role has an amount."""
    if roles is None or not isinstance(on_target_pay, dict):
        return
    unpaid = [r for r in roles if r not in on_target_pay]
    if unpaid:
        raise spec_error(
            f"no amount for role {unpaid[0]!r}, which roles lists."
            f"{did_you_mean(unpaid[0], on_target_pay)}".rstrip("."),
            f"add {unpaid[0]}: <amount> under on_target_pay, or remove it from roles.",
            path="on_target_pay",
        )


def check_weights(components: Sequence[Component]) -> None:
    """The weights of the curve components sum to 1 (within :data:`WEIGHT_TOLERANCE`)."""
    weighted = [c.weight for c in components if c.curve is not None]
    if not weighted:
        return
    total = math.fsum(weighted)
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        terms = " + ".join(as_written(w) for w in weighted)
        percent = abs(total - 100.0) <= 100 * WEIGHT_TOLERANCE
        raise spec_error(
            f"the weights of the curve components sum to {total:.10g} ({terms}), not 1",
            "weights are fractions of 1: write 60% as 0.6."
            if percent
            else "make the weights add up to 1 (e.g. 0.6 and 0.4).",
            path="components",
        )


def check_component_names(components: Sequence[Component]) -> None:
    """Each component's label (its name, else its index) is its own, and not ``total``."""
    seen: dict[str, int] = {}
    for i, c in enumerate(components):
        label = c.name if c.name else str(i)
        if label == "total":
            raise spec_error(
                "'total' names the total row of the payout table",
                "give the component another name.",
                path=f"components[{i}].name",
            )
        if label in seen:
            raise spec_error(
                f"components {seen[label]} and {i} are both called {label!r}",
                "give each component its own name (the payout table's 'component').",
                path=f"components[{i}].name",
            )
        seen[label] = i


def check_gate_targets(gates: Sequence[Gate], components: Sequence[Component]) -> None:
    """Each gate's ``applies_to`` names components by index (from 0) or by KPI id."""
    kpis = list(dict.fromkeys(c.kpi for c in components))
    n = len(components)
    for g, gate in enumerate(gates):
        for k, ref in enumerate(gate.applies_to or ()):
            path = f"gates[{g}].applies_to[{k}]"
            if isinstance(ref, int) and not isinstance(ref, bool):
                if not 0 <= ref < n:
                    raise spec_error(
                        f"there is no component {ref} (the scheme has {n}: 0 to {n - 1})",
                        "name a component by its index (from 0) or its KPI id.",
                        path=path,
                    )
            elif ref not in kpis:
                raise spec_error(
                    f"no component pays on KPI {ref!r}.{did_you_mean(ref, kpis)}".rstrip("."),
                    "name a component by its index (from 0) or its KPI id: "
                    + ", ".join(kpis)
                    + ".",
                    path=path,
                )
