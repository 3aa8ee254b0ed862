"""Triage: is a finding the report's fault or ours, and what is the smallest fix?

cause — "extraction" when any cell involved has suspect provenance, because
then the published report may well be right and our reading wrong:
- kind `inferred` (a value the table's own rules forced, not read);
- kind `ocr` with confidence < 0.9 (or unknown);
- label_match `fuzzy` (the row or column label was only approximately matched);
- a row with missing cells: the cell itself was not read, or its row prints
  fewer cells than the layout has (the seed report's 5-of-7 rows), so the
  cells that were read may sit in the wrong column.
Otherwise "report": the published report itself breaks the rule.

suggestion — for the arithmetic rules: the single cell whose change makes
every failed equation hold without breaking one that holds. Failed equations
are grouped into connected sets (sharing a cell); each set gets its own fix,
so 洪泽区 2023's two broken table-4 groups get one fix each. When several
cells could each fix a set, one of them is chosen only when it is a total
printed 0 (or blank) on the right-hand side while the parts are not all 0:
a total left at 0 is the common slip, and the alternative (zeroing a printed
part) would erase information. Otherwise no suggestion; the message lists
the candidates.
"""
from __future__ import annotations

from dataclasses import dataclass

from ogi.normalize.rules import Equation

from .model import Cell, Report, fmt

OCR_CONFIDENCE = 0.9


def _row_of(fid: str) -> str:
    return fid.rsplit(".", 1)[0]


def row_incomplete(report: Report, fid: str) -> bool:
    """The printed row of `fid` lacks cells its layout has, while it has others."""
    row = _row_of(fid)
    table = fid.split(".")[0]
    expected = [f.id for f in report.expected_fields(table) if _row_of(f.id) == row and not f.sum_of]
    if table == "t2" or len(expected) < 2:
        return False    # table-2 rows are blocks of 1–3 cells; no "row" to be short
    present = [f for f in expected if f in report.cells and report.cells[f].kind != "missing"]
    return 0 < len(present) < len(expected)


def suspect(report: Report, cell: Cell) -> str | None:
    """Why a cell's reading is doubtful, or None."""
    if cell.kind == "inferred":
        return "推断值"
    if cell.kind == "ocr" and (cell.confidence is None or cell.confidence < OCR_CONFIDENCE):
        return "OCR置信度低"
    if cell.label_match == "fuzzy":
        return "标签模糊匹配"
    if cell.kind != "derived" and cell.report_id == report.id and row_incomplete(report, cell.field):
        return "该行单元格缺失"     # the cell itself or a neighbour was not read
    return None


def cause(report: Report, cells: list[Cell], others: dict[str, Report] | None = None) -> tuple[str, list[str]]:
    """("extraction" | "report", reasons)."""
    reasons = []
    for c in cells:
        owner = report if c.report_id == report.id else (others or {}).get(c.report_id, report)
        why = suspect(owner, c)
        if why:
            reasons.append(f"{c.field}：{why}")
    return ("extraction" if reasons else "report"), reasons


@dataclass
class Evaluated:
    eq: Equation
    residual: float          # lhs − rhs, blanks/dashes/gaps as 0

    @property
    def failed(self) -> bool:
        return abs(self.residual) > 1e-9


def _components(failed: list[Evaluated]) -> list[list[Evaluated]]:
    groups: list[list[Evaluated]] = []
    for ev in failed:
        terms = set(ev.eq.terms)
        joined = [g for g in groups if any(terms & set(o.eq.terms) for o in g)]
        merged = [ev] + [o for g in joined for o in g]
        groups = [g for g in groups if g not in joined] + [merged]
    return groups


@dataclass
class Fix:
    field: str
    value: float

    def __str__(self) -> str:
        return f"{self.field} = {fmt(self.value)}"


def _single_fixes(report: Report, group: list[Evaluated], holding: list[Evaluated]) -> list[Fix]:
    common = set(group[0].eq.terms)
    for ev in group[1:]:
        common &= set(ev.eq.terms)
    fixes = []
    for fid in sorted(common):
        cell = report.cell(fid)
        if cell.kind == "derived":
            continue                      # never printed: cannot be what is wrong
        if any(fid in ev.eq.terms for ev in holding):
            continue                      # changing it would break a rule that holds
        deltas = {(-ev.residual if fid in ev.eq.lhs else ev.residual) for ev in group}
        if len(deltas) != 1:
            continue
        new = cell.as_number + deltas.pop()
        if new < 0 or new != int(new):
            continue                      # counts are non-negative integers
        fixes.append(Fix(fid, new))
    return fixes


def _left_total(report: Report, group: list[Evaluated], fixes: list[Fix]) -> Fix | None:
    """The fix that fills a total printed 0/blank over non-zero parts, if exactly one."""
    chosen = []
    for fix in fixes:
        cell = report.cell(fix.field)
        if cell.as_number != 0 or not all(fix.field in ev.eq.rhs for ev in group):
            continue
        if all(any(report.cell(p).as_number for p in ev.eq.lhs) for ev in group):
            chosen.append(fix)
    return chosen[0] if len(chosen) == 1 else None


def suggest(report: Report, evaluated: list[Evaluated]) -> dict[int, tuple[Fix | None, list[Fix]]]:
    """id(Evaluated) of each failed equation → (the fix, all single-cell candidates)."""
    failed = [ev for ev in evaluated if ev.failed]
    holding = [ev for ev in evaluated if not ev.failed]
    out: dict[int, tuple[Fix | None, list[Fix]]] = {}
    for group in _components(failed):
        fixes = _single_fixes(report, group, holding)
        fix = fixes[0] if len(fixes) == 1 else _left_total(report, group, fixes)
        for ev in group:
            out[id(ev)] = (fix, fixes)
    return out
