"""R1, R3, R4, R5: the template's own arithmetic, from data/rules.csv.

The equations come from normalize.rules.equations(template_t3): nothing here
restates a rule. For a 2021 layout R4 sums the three printed （六） rows; the
derived t3.other.* row is not printed and never appears in a finding.

Blank and dash cells count as 0 (the template's convention) and the message
says so. An equation with a text cell is not evaluated (R6 reports the cell);
an equation whose table was not read at all is skipped (R11 reports that).
"""
from __future__ import annotations

import logging
from functools import lru_cache

from ogi.normalize.rules import equations, residual
from ogi.normalize.schema import T3_COLUMNS

from .model import Finding, Report, fmt, group_label, short_label
from .triage import Evaluated, cause, suggest

log = logging.getLogger(__name__)

def column_zh(col: str) -> str:
    """The printed header of a table-3 column, from data/fields.csv."""
    return short_label(f"t3.new.{col}", "col")


@lru_cache(maxsize=4)
def _equations(template_t3: str | None):
    return tuple(equations(template_t3))


def _scope_zh(eq) -> str:
    if eq.rule == "R5":
        return group_label(eq.lhs[0])
    if eq.scope in T3_COLUMNS:
        return f"“{column_zh(eq.scope)}”列"
    return f"“{short_label(eq.rhs[0], 'row')}”行"


def _side(report: Report, terms, show: str) -> str:
    return " + ".join(f"{short_label(t, show)} {report.cell(t).describe()}" for t in terms)


def evaluate(report: Report) -> list[Evaluated]:
    """Every applicable equation with its residual; skips unreadable ones."""
    out = []
    for eq in _equations(report.template_t3):
        cells = [report.cell(t) for t in eq.terms]
        if all(c.missing for c in cells):
            continue                                  # table not read: R11's business
        if any(c.kind == "text" for c in cells):
            log.debug("%s: %s has a text cell; left to R6", report.id, eq.name)
            continue
        values = {c.field: c.as_number for c in cells}
        out.append(Evaluated(eq, residual(eq, values)))
    return out


def check(report: Report, **_) -> list[Finding]:
    evaluated = evaluate(report)
    fixes = suggest(report, evaluated)
    findings = []
    for ev in evaluated:
        if not ev.failed:
            continue
        eq = ev.eq
        show = "row" if eq.scope in T3_COLUMNS else "col"
        cells = [report.cell(t) for t in eq.terms]
        lhs = sum(report.cell(t).as_number for t in eq.lhs)
        rhs = sum(report.cell(t).as_number for t in eq.rhs)
        msg = (f"{eq.rule} {_scope_zh(eq)}：{_side(report, eq.lhs, show)} = {fmt(lhs)}，"
               f"而 {_side(report, eq.rhs, show)} = {fmt(rhs)}，相差 {fmt(lhs - rhs)}。")
        zeros = [short_label(c.field, show) for c in cells if c.zero_by_convention]
        if zeros:
            msg += f"（空白、“—”或未取得的单元格按 0 计：{'、'.join(zeros)}）"
        fix, candidates = fixes.get(id(ev), (None, []))
        if fix is None and len(candidates) > 1:
            msg += f"（任一单元格单独更正均可使其成立：{'、'.join(str(c) for c in candidates)}）"
        roles = [(c, "suggested" if fix and c.field == fix.field else ("lhs" if c.field in eq.lhs else "rhs"))
                 for c in cells]
        who, reasons = cause(report, cells)
        if reasons:
            msg += f"（提取存疑：{'；'.join(reasons)}）"
        findings.append(Finding(report, eq.rule, msg, roles, expected=fmt(lhs), actual=fmt(rhs),
                                suggestion=str(fix) if fix else "", check=eq.name, severity=eq.severity,
                                cause=who))
    return findings
