"""Repair proposals from the template arithmetic: which one printed value, if
changed, makes every failing equation it is in hold again.

A misread cell (typically OCR) breaks both its row equation (R3) and its
column equation (R1/R4). When a single field sits in failing equations that
all ask for the same value, and in no equation that holds, that value is the
minimal correction. It is a proposal for the audit to show: this module never
writes it into the values.
"""
from __future__ import annotations

from typing import Mapping

from .rules import Equation, equations, residual

MIN_FAILING = 2          # one failing equation alone cannot say which of its terms is wrong


def propose_repairs(values: Mapping[str, float | None], template_t3: str | None) -> list[tuple[str, float]]:
    """[(field, proposed value)] for fields whose correction would make all their failing equations hold."""
    eqs = equations(template_t3)
    failing = [eq for eq in eqs if residual(eq, values) != 0]
    if len(failing) < MIN_FAILING:
        return []
    by_field: dict[str, list[Equation]] = {}
    for eq in eqs:
        for f in set(eq.terms):
            by_field.setdefault(f, []).append(eq)
    candidates = {f for eq in failing for f in eq.terms}
    proposals = []
    for f in sorted(candidates):
        value = _consistent_fix(f, by_field[f], values)
        if value is not None:
            proposals.append((f, value))
    return proposals


def _consistent_fix(field: str, eqs: list[Equation], values: Mapping[str, float | None]) -> float | None:
    """The one value of `field` that zeroes every equation containing it, or None.

    Every equation with the field must fail now (changing it would break one
    that holds), at least MIN_FAILING of them, and all must agree on a
    non-negative whole number.
    """
    if len(eqs) < MIN_FAILING:
        return None
    current = values.get(field) or 0
    wanted = set()
    for eq in eqs:
        r = residual(eq, values)
        if r == 0:
            return None
        # the field's net coefficient: it may appear on both sides of an equation
        coef = eq.lhs.count(field) - eq.rhs.count(field)
        if coef == 0:
            return None
        wanted.add(current - r / coef)
    if len(wanted) != 1:
        return None
    value = wanted.pop()
    if value < 0 or value != int(value):
        return None
    return float(value)
