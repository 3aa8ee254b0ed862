"""Minimal corrections from the template arithmetic: which one printed value, if changed,
makes every failing equation hold again. The one repair engine: the audit's
suggestions (ogi/audit/triage.py) and reading-time proposals both use it.

A misread or misprinted cell breaks both its row equation (R3) and its column
equation (R1/R4). Failed equations are grouped into connected sets (sharing a
cell); each set gets its own fix, so two broken table-4 groups get one fix
each. A candidate is a cell every equation of the set contains, in no
equation that holds, asking one non-negative whole value of all of them.
When several cells could each fix a set, one of them is chosen only when it
is a total printed 0 (or blank) on the right-hand side while the parts are
not all 0: a total left at 0 is the common slip, and the alternative
(zeroing a printed part) would erase information. Otherwise no fix; the
candidates are listed. Proposals are never written into the values.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from .rules import Equation, equations, residual

TOLERANCE = 1e-9          # a residual below this holds (values are whole numbers or 万元 decimals)


@dataclass(frozen=True)
class Fix:
    field: str
    value: float

    def __str__(self) -> str:
        v = self.value
        return f"{self.field} = {int(v) if float(v) == int(v) else format(v, 'g')}"


@dataclass
class Group:
    """A connected set of failing equations (their indices), its fix and every single-cell candidate."""
    members: list[int]
    fix: Fix | None
    candidates: list[Fix]


def _components(failed: list[int], eqs: list[Equation]) -> list[list[int]]:
    groups: list[list[int]] = []
    for i in failed:
        terms = set(eqs[i].terms)
        joined = [g for g in groups if any(terms & set(eqs[o].terms) for o in g)]
        merged = [i] + [o for g in joined for o in g]
        groups = [g for g in groups if g not in joined] + [merged]
    return groups


def _single_fixes(group: list[int], eqs, residuals, holding: list[int], value_of, never) -> list[Fix]:
    common = set(eqs[group[0]].terms)
    for i in group[1:]:
        common &= set(eqs[i].terms)
    fixes = []
    for fid in sorted(common):
        if fid in never:
            continue                      # never printed: cannot be what is wrong
        if any(fid in eqs[i].terms for i in holding):
            continue                      # changing it would break a rule that holds
        deltas = {(-residuals[i] if fid in eqs[i].lhs else residuals[i]) for i in group}
        if len(deltas) != 1:
            continue
        new = value_of(fid) + deltas.pop()
        if new < 0 or new != int(new):
            continue                      # counts are non-negative integers
        fixes.append(Fix(fid, new))
    return fixes


def _left_total(group: list[int], eqs, fixes: list[Fix], value_of) -> Fix | None:
    """The fix that fills a total printed 0/blank over non-zero parts, if exactly one."""
    chosen = []
    for fix in fixes:
        if value_of(fix.field) != 0 or not all(fix.field in eqs[i].rhs for i in group):
            continue
        if all(any(value_of(p) for p in eqs[i].lhs) for i in group):
            chosen.append(fix)
    return chosen[0] if len(chosen) == 1 else None


def repair_groups(eqs: list[Equation], residuals: list[float], value_of: Callable[[str], float],
                  never: frozenset[str] | set[str] = frozenset()) -> list[Group]:
    """The failing equations grouped, each group with its fix (or None) and its candidates.

    `eqs` are the equations that could be evaluated, `residuals` their lhs − rhs,
    `value_of` a field's value as the arithmetic counts it, `never` the fields
    that cannot be wrong (derived, not printed).
    """
    failed = [i for i, r in enumerate(residuals) if abs(r) > TOLERANCE]
    holding = [i for i, r in enumerate(residuals) if abs(r) <= TOLERANCE]
    out = []
    for group in _components(failed, eqs):
        fixes = _single_fixes(group, eqs, residuals, holding, value_of, never)
        fix = fixes[0] if len(fixes) == 1 else _left_total(group, eqs, fixes, value_of)
        out.append(Group(group, fix, fixes))
    return out


def propose_repairs(values: Mapping[str, float | None], template_t3: str | None) -> list[tuple[str, float]]:
    """[(field, proposed value)]: every single-cell correction that makes its failing equations hold.

    Equations none of whose fields is in `values` (a table not read) are left out.
    """
    eqs = [eq for eq in equations(template_t3) if any(f in values for f in eq.terms)]
    residuals = [residual(eq, values) for eq in eqs]
    groups = repair_groups(eqs, residuals, lambda f: values.get(f) or 0)
    return [(fix.field, fix.value) for g in groups for fix in g.candidates]
