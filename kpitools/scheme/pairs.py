"""The validation rules shared by curves, commission tiers and gates.

Attainments are multiples of target: one above :data:`MAX_ATTAINMENT` (20) is refused as a
percentage (80 for 80%) or an amount typed where a multiple belongs. Curves and tiers are
lists of pairs ``[[a, b], …]`` checked for their shape first, then for order and sign.
Every rule raises :func:`~kpitools._util.spec.spec_error`, so the scheme's loader reports
it with the file, line and key path.

Examples
--------
>>> check_pairs(((0.8, 0.5), (1.0, 1.0)), "point", strict=False)
((0.8, 0.5), (1.0, 1.0))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._util.spec import as_written, spec_error

__all__ = ["MAX_ATTAINMENT", "MIN_GAP", "check_attainment", "pairs_input", "check_pairs"]

#: Attainments are multiples of target: one above this in a scheme file is a percentage or an
#: amount typed where a multiple belongs (80 for 80%, 50000 for a tier in money).
MAX_ATTAINMENT = 20.0
#: Distinct attainments of a curve closer than this are a typo.
MIN_GAP = 1e-9


def check_attainment(a: float, where: str, fix: str = "") -> None:
    """Refuse an attainment that can only be a percentage or an amount.

    Parameters
    ----------
    a : float
        The attainment.
    where : str
        Where it is, for the message: ``"as the threshold"``, ``"at point 0"``.
    fix : str, optional
        The suggestion (by default: write 80% as 0.8).
    """
    if a > MAX_ATTAINMENT:
        raise spec_error(
            f"attainment {as_written(a)} {where} means {as_written(a)} × target "
            f"({as_written(a * 100)}%)",
            fix or "attainments are multiples of target: write 80% as 0.8.",
        )


def pairs_input(v: Any, what: str) -> Any:
    """Check the shape ``[[a, b], …]`` of a pair list before its numbers are checked.

    Parameters
    ----------
    v : Any
        The value as written.
    what : str
        What one pair is: ``"point"``, ``"step"`` or ``"tier"``.
    """
    if isinstance(v, Sequence) and not isinstance(v, str):
        for i, pair in enumerate(v):
            if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
                pair_words = "start, rate" if what == "tier" else "attainment, factor"
                raise spec_error(
                    f"{what} {i} must be a pair [{pair_words}], got {pair!r}",
                    f"write each {what} as two numbers, e.g. [1.0, 1.0].",
                )
    return v


def check_pairs(
    v: tuple[tuple[float, float], ...], what: str, strict: bool
) -> tuple[tuple[float, float], ...]:
    """Check the ``[attainment, factor]`` pairs of a curve: attainments, signs and order.

    Parameters
    ----------
    v : tuple of (float, float)
        The pairs.
    what : str
        What one pair is: ``"point"`` or ``"step"``.
    strict : bool
        Attainments must increase (steps), not merely not decrease (points, where two
        pairs at one attainment make a jump).
    """
    if not v:
        raise spec_error(f"at least one {what} is needed", "write e.g. [[0.8, 0.5], [1.0, 1.0]].")
    _check_attainments(v, what)
    for i, (_a, p) in enumerate(v):
        if p < 0:
            raise spec_error(
                f"payout factors must not be negative ({as_written(p)} at {what} {i})",
                "use 0 for no pay.",
            )
    for i in range(1, len(v)):
        _check_order(v[i - 1][0], v[i][0], what, strict)
    return v


def _check_attainments(v: tuple[tuple[float, float], ...], what: str) -> None:
    factors_too = any(p > MAX_ATTAINMENT for _, p in v)
    fix = "attainments are multiples of target: write 80% as 0.8" + (
        ", and factors too: 150% as 1.5." if factors_too else "."
    )
    for i, (a, _p) in enumerate(v):
        check_attainment(a, f"at {what} {i}", fix)


def _check_order(before: float, after: float, what: str, strict: bool) -> None:
    gap = after - before
    if 0 < gap < MIN_GAP:
        raise spec_error(
            f"attainments {as_written(before)} and {as_written(after)} are closer than {MIN_GAP:g}",
            f"merge the two {what}s."
            if strict
            else f"write a jump as two {what}s at the same attainment.",
        )
    if after < before or (strict and after == before):
        word = "increase" if strict else "not decrease"
        raise spec_error(
            f"attainments must {word} ({as_written(before)} is followed by {as_written(after)})",
            f"list the {what}s in order of attainment"
            + (", each attainment once." if strict else "."),
        )
