"""Triage: is a finding the report's fault or ours, and what is the smallest fix?

cause — "extraction" when any cell involved has suspect provenance, because
then the published report may well be right and our reading wrong:
- origin `inferred` (a value the table's own rules forced, not read);
- a number of origin `ocr` with confidence < 0.9 (or unknown);
- label_match `fuzzy` (the row or column label was only approximately matched);
- a row with missing cells: the cell itself was not read, or its row prints
  fewer cells than the layout has (the seed report's 5-of-7 rows), so the
  cells that were read may sit in the wrong column.
Otherwise "report": the published report itself breaks the rule.

suggestion — the minimal correction of normalize/repair.py (the one repair
engine), given the report's evaluated equations.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ogi.normalize.repair import TOLERANCE, Fix, repair_groups
from ogi.normalize.rules import Equation
from ogi.normalize.value import Kind, Origin, Value

from .model import Report, printed_fields

OCR_CONFIDENCE = 0.9


def _row_of(fid: str) -> str:
    return fid.rsplit(".", 1)[0]


@lru_cache(maxsize=None)
def _row_fields(table: str, template: str | None, row: str) -> tuple[str, ...]:
    return tuple(f.id for f in printed_fields(table, template) if _row_of(f.id) == row and not f.sum_of)


def row_incomplete(report: Report, fid: str) -> bool:
    """The printed row of `fid` lacks cells its layout has, while it has others."""
    table = fid.split(".")[0]
    template = {"t2": report.template_t2, "t3": report.template_t3}.get(table, "both")
    expected = _row_fields(table, template, _row_of(fid))
    if table == "t2" or len(expected) < 2:
        return False    # table-2 rows are blocks of 1–3 cells; no "row" to be short
    present = [f for f in expected if f in report.cells and not report.cells[f].missing]
    return 0 < len(present) < len(expected)


def suspect(report: Report, cell: Value) -> str | None:
    """Why a cell's reading is doubtful, or None."""
    if cell.origin is Origin.INFERRED:
        return "推断值"
    doubtful = cell.confidence is None or cell.confidence < OCR_CONFIDENCE
    if cell.kind is Kind.NUMBER and cell.origin is Origin.OCR and doubtful:
        return "OCR置信度低"
    if cell.label_match == "fuzzy":
        return "标签模糊匹配"
    if cell.origin is not Origin.DERIVED and cell.report_id == report.id and row_incomplete(report, cell.field):
        return "该行单元格缺失"     # the cell itself or a neighbour was not read
    return None


def cause(report: Report, cells: list[Value], others: dict[str, Report] | None = None) -> tuple[str, list[str]]:
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
        return abs(self.residual) > TOLERANCE


def suggest(report: Report, evaluated: list[Evaluated]) -> dict[int, tuple[Fix | None, list[Fix]]]:
    """id(Evaluated) of each failed equation → (the fix, all single-cell candidates)."""
    never = {c.field for c in report.cells.values() if c.origin is Origin.DERIVED}
    groups = repair_groups([ev.eq for ev in evaluated], [ev.residual for ev in evaluated],
                           lambda fid: report.cell(fid).as_number, never)
    return {id(evaluated[i]): (g.fix, g.candidates) for g in groups for i in g.members}
