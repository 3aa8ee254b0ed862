"""R1, R3, R4, R5: the template's own arithmetic, from data/rules.csv.

The equations come from normalize.rules.equations(template_t3): nothing here
restates a rule. For a 2021 layout R4 sums the three printed （六） rows; the
derived t3.other.* row is not printed and never appears in a finding.

Blank and dash cells count as 0 (the template's convention) and the message
says so. A table-3 column left blank in every result row (（一）至（六）: a 2019
report printing 总计 blank in every detail row) is not twenty errors "空白 = 0，
相差 …": it is one R12 finding (warning, 未填写), and the equations through
those cells are not evaluated. An equation with a text cell is not evaluated (R6 reports the cell);
an equation whose table was not read at all is skipped (R11 reports that).
"""
from __future__ import annotations

import logging
from functools import lru_cache

from ogi.normalize.rules import equations, residual
from ogi.normalize.schema import T3_COLUMNS

from ogi.normalize.value import Kind

from .model import Finding, Report, describe, fmt, group_label, short_label
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
    return " + ".join(f"{short_label(t, show)} {describe(report.cell(t))}" for t in terms)


def _blank_columns(report: Report, eqs) -> dict[str, list]:
    """Table-3 column → its cells, for columns printed blank in every result row (R4's parts)."""
    out = {}
    for eq in eqs:
        if eq.rule != "R4":
            continue
        cells = [report.cell(t) for t in eq.lhs]
        if all(c.kind is Kind.BLANK for c in cells):
            out[eq.scope] = cells
    return out


def evaluate(report: Report, blank: dict[str, list] | None = None) -> list[Evaluated]:
    """Every applicable equation with its residual; skips unreadable ones and those through `blank` cells."""
    out = []
    unfilled = {c.field for cells in (blank or {}).values() for c in cells}
    for eq in _equations(report.template_t3):
        if unfilled.intersection(eq.terms):
            continue                                  # a column left blank: R12's business
        cells = [report.cell(t) for t in eq.terms]
        if all(c.missing for c in cells):
            continue                                  # table not read: R11's business
        if any(c.kind is Kind.TEXT for c in cells):
            log.debug("%s: %s has a text cell; left to R6", report.id, eq.name)
            continue
        values = {c.field: c.as_number for c in cells}
        out.append(Evaluated(eq, residual(eq, values)))
    return out


def _unfilled(report: Report) -> tuple[dict[str, list], list[Finding]]:
    """The blank columns whose 0s break an equation, and their R12 findings (one per column)."""
    eqs = _equations(report.template_t3)
    blank = _blank_columns(report, eqs)
    findings, kept = [], {}
    for col, cells in blank.items():
        fields = {c.field for c in cells}
        broken = [ev for ev in evaluate(report) if ev.failed and fields.intersection(ev.eq.terms)]
        if not broken:
            continue                                  # blank as 0 adds up: the template's convention
        kept[col] = cells
        msg = (f"R12 表三“{column_zh(col)}”列在（一）至（六）各项办理结果行均未填写（空白，共 {len(cells)} 行）；"
               f"按 0 计则 {len(broken)} 处勾稽关系不成立，不再逐行报告。")
        findings.append(Finding(report, "R12", msg, [(c, "blank") for c in cells], expected="已填写",
                                actual="未填写", check=f"R12[{col}]"))
    return kept, findings


def check(report: Report, **_) -> list[Finding]:
    blank, findings = _unfilled(report)
    evaluated = evaluate(report, blank)
    report.checked.extend(ev.eq.name for ev in evaluated)
    report.checked.extend(f.check for f in findings)
    fixes = suggest(report, evaluated)
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
