"""R7 and R8: a report against the same agency's report of the year before.

R7 (error): 二、上年结转 this year = 四、结转下年度继续办理 last year, per
column. Institutional mergers can legitimately break it; the message says
which year printed what, and no suggestion is made (either year may be wrong).
R8 (warning, soft): 2021 table 2, 现行有效件数(t) = 现行有效件数(t−1) +
本年制发件数(t) − 本年废止件数(t), for 规章 and 行政规范性文件; revisions
counted as 制发 or expiry by term break it legitimately.
A cell not read in either year skips the comparison (R11/R6 cover it).
"""
from __future__ import annotations

from ogi.normalize.schema import T3_COLUMNS

from .arithmetic import column_zh
from .model import Finding, Report, fmt
from .triage import cause


def _r7(rep: Report, prev: Report, others: dict[str, Report]) -> list[Finding]:
    out = []
    for col in T3_COLUMNS:
        this, last = rep.cell(f"t3.carried_over.{col}"), prev.cell(f"t3.carried_forward.{col}")
        if this.missing or last.missing or "text" in (this.kind, last.kind):
            continue
        if this.as_number == last.as_number:
            continue
        msg = (f"R7 “{column_zh(col)}”列：{rep.year}年“二、上年结转政府信息公开申请数量”为 {this.describe()}，"
               f"而{prev.year}年报告（{prev.id}）“四、结转下年度继续办理”为 {last.describe()}。")
        who, reasons = cause(rep, [this, last], others)
        if reasons:
            msg += f"（提取存疑：{'；'.join(reasons)}）"
        out.append(Finding(rep, "R7", msg, [(this, "this_year"), (last, "last_year")],
                           expected=fmt(last.as_number), actual=fmt(this.as_number),
                           check=f"R7[{col}]", cause=who))
    return out


_R8_ROWS = {"regulation": "规章", "normative": "行政规范性文件"}


def _r8(rep: Report, prev: Report, others: dict[str, Report]) -> list[Finding]:
    if rep.template_t2 != "2021" or prev.template_t2 != "2021":
        return []
    out = []
    for row, zh in _R8_ROWS.items():
        now = rep.cell(f"t2.{row}.in_force")
        before = prev.cell(f"t2.{row}.in_force")
        issued, repealed = rep.cell(f"t2.{row}.issued"), rep.cell(f"t2.{row}.repealed")
        cells = [now, before, issued, repealed]
        if any(c.missing or c.kind == "text" for c in cells):
            continue
        expected = before.as_number + issued.as_number - repealed.as_number
        if expected == now.as_number:
            continue
        msg = (f"R8 {zh}：上年现行有效 {before.describe()} + 本年制发 {issued.describe()} − 本年废止 "
               f"{repealed.describe()} = {fmt(expected)}，而本年现行有效件数为 {now.describe()}"
               f"（修订计入制发、到期失效等情形可能使其合理不等）。")
        who, reasons = cause(rep, cells, others)
        out.append(Finding(rep, "R8", msg, [(now, "this_year"), (before, "last_year"), (issued, "term"),
                                            (repealed, "term")],
                           expected=fmt(expected), actual=fmt(now.as_number), check=f"R8[{row}]", cause=who))
    return out


def check(report: Report, *, prev: Report | None = None, others: dict[str, Report] | None = None,
          **_) -> list[Finding]:
    if prev is None:
        return []
    others = others or {}
    return _r7(report, prev, others) + _r8(report, prev, others)
