"""R7 and R8: a report against the same agency's report of the year before.

The equations are data (data/rules.csv, scope previous_year; terms of last
year's report written `previous:…`), evaluated here like the same-year ones;
only the wording of each rule's message lives in this module.

R7 (error): 二、上年结转 this year = 四、结转下年度继续办理 last year, per
column. Institutional mergers can legitimately break it; the message says
which year printed what, and no suggestion is made (either year may be wrong).
R8 (warning, soft): 2021 table 2, 现行有效件数(t) = 现行有效件数(t−1) +
本年制发件数(t) − 本年废止件数(t), for 规章 and 行政规范性文件; revisions
counted as 制发 or expiry by term break it legitimately.
A cell not read in either year skips the comparison (R11/R6 cover it).
"""
from __future__ import annotations

from functools import lru_cache

from ogi.normalize.rules import PREVIOUS, Equation, crossyear_equations, field_of
from ogi.normalize.value import Kind, Value

from .arithmetic import column_zh
from .model import Finding, Report, describe, fmt
from .triage import cause

_R8_ROWS = {"regulation": "规章", "normative": "行政规范性文件"}


@lru_cache(maxsize=1)
def _equations() -> tuple[Equation, ...]:
    return tuple(crossyear_equations())


def applies(eq: Equation, rep: Report, prev: Report) -> bool:
    """Both years' table has the layout the rule needs."""
    if eq.template == "both":
        return True
    layout = {"t2": lambda r: r.template_t2, "t3": lambda r: r.template_t3}.get(eq.table)
    return layout is None or (layout(rep) == eq.template and layout(prev) == eq.template)


def _cell(term: str, rep: Report, prev: Report) -> Value:
    return prev.cell(field_of(term)) if term.startswith(PREVIOUS) else rep.cell(term)


def _r7(eq: Equation, rep: Report, prev: Report, cells: dict[str, Value], others) -> Finding:
    this, last = cells[eq.lhs[0]], cells[eq.rhs[0]]
    msg = (f"R7 “{column_zh(eq.scope)}”列：{rep.year}年“二、上年结转政府信息公开申请数量”为 {describe(this)}，"
           f"而{prev.year}年报告（{prev.id}）“四、结转下年度继续办理”为 {describe(last)}。")
    who, reasons = cause(rep, [this, last], others)
    if reasons:
        msg += f"（提取存疑：{'；'.join(reasons)}）"
    return Finding(rep, "R7", msg, [(this, "this_year"), (last, "last_year")], expected=fmt(last.as_number),
                   actual=fmt(this.as_number), check=eq.name, cause=who)


def _r8(eq: Equation, rep: Report, prev: Report, cells: dict[str, Value], others) -> Finding:
    row = eq.scope
    now, before = cells[f"t2.{row}.in_force"], cells[f"{PREVIOUS}t2.{row}.in_force"]
    issued, repealed = cells[f"t2.{row}.issued"], cells[f"t2.{row}.repealed"]
    expected = before.as_number + issued.as_number - repealed.as_number
    msg = (f"R8 {_R8_ROWS.get(row, row)}：上年现行有效 {describe(before)} + 本年制发 {describe(issued)} − 本年废止 "
           f"{describe(repealed)} = {fmt(expected)}，而本年现行有效件数为 {describe(now)}"
           f"（修订计入制发、到期失效等情形可能使其合理不等）。")
    who, _ = cause(rep, [now, before, issued, repealed], others)
    return Finding(rep, "R8", msg, [(now, "this_year"), (before, "last_year"), (issued, "term"),
                                    (repealed, "term")],
                   expected=fmt(expected), actual=fmt(now.as_number), check=eq.name, cause=who)


_MESSAGES = {"R7": _r7, "R8": _r8}


def failing(rep: Report, prev: Report) -> list[tuple[Equation, dict[str, Value]]]:
    """The cross-year equations that apply, were read in both years, and do not hold."""
    out = []
    for eq in _equations():
        if not applies(eq, rep, prev):
            continue
        cells = {t: _cell(t, rep, prev) for t in eq.terms}
        if any(c.missing or c.kind is Kind.TEXT for c in cells.values()):
            continue
        rep.checked.append(eq.name)
        lhs = sum(cells[t].as_number for t in eq.lhs)
        rhs = sum(cells[t].as_number for t in eq.rhs)
        if lhs != rhs:
            out.append((eq, cells))
    return out


def check(report: Report, *, prev: Report | None = None, others: dict[str, Report] | None = None,
          **_) -> list[Finding]:
    if prev is None:
        return []
    others = others or {}
    return [_MESSAGES[eq.rule](eq, report, prev, cells, others) for eq, cells in failing(report, prev)]
