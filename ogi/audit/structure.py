"""R11: the six sections are there and in order; the three tables are there.

Reads the `sections_found` column normalize/sections.py writes (the heading
numerals in document order, e.g. "一二三四五六"); a dataset without it skips
the section checks. A table with no value at all (t2, t3 or t4) is a
finding: either the report printed it as an image, or left it out.

Section 六 and the 信息处理费: from 2021 on, 国办函〔2020〕109号 fees are
reported in 六. A 六 that mentions no fee at all (上高县 2021: "无") is an
info finding, not a warning: "无" arguably says "nothing to report", and the
30号 format annotates rather than requires it. Years before 2021 are not
checked.
"""
from __future__ import annotations

from ogi.normalize.schema import table_headings, templates
from ogi.normalize.sections import FOUND_COLUMN, NUMERALS, SECTION_COLUMNS

from .model import Finding, Report

_FEE_WORDS = ("处理费", "收费", "收取")
_FEE_TEMPLATE = "2021"    # the template version from whose first year on 六 reports the fee


def _sections(report: Report, out: list[Finding]) -> None:
    found = report.text(FOUND_COLUMN)
    if found is None:
        return
    report.checked.extend(("R11[sections]", "R11[order]"))
    missing = [n for n in NUMERALS if n not in found]
    if missing:
        out.append(Finding(report, "R11", f"R11 缺少第{'、'.join(missing)}部分（标题未找到）。",
                           expected="".join(NUMERALS), actual=found, check="R11[sections]"))
    order = [n for n in found if n in NUMERALS]
    if order != sorted(order, key=NUMERALS.index):
        out.append(Finding(report, "R11", f"R11 各部分顺序为“{found}”，应为“{''.join(NUMERALS)}”。",
                           expected="".join(NUMERALS), actual=found, check="R11[order]"))
    year = report.year
    other = report.text(SECTION_COLUMNS["other"])
    if not (year and year >= _fee_year() and "六" in found and other is not None):
        return
    report.checked.append("R11[fee]")
    if not any(w in other for w in _FEE_WORDS):
        out.append(Finding(report, "R11", f"R11 第六部分未报告信息处理费收取情况（内容：“{other[:40]}”）。",
                           expected="信息处理费", actual=other[:40], check="R11[fee]", severity="info"))


def _fee_year() -> int:
    return next(t.first_year for t in templates() if t.version == _FEE_TEMPLATE)


def _tables(report: Report, out: list[Finding]) -> None:
    for table, heading in table_headings().items():
        report.checked.append(f"R11[{table}]")
        if report.has_table(table):
            continue
        # A report whose document has tables we could not place is our failure, not theirs.
        unmapped = report.meta.get("n_unmapped")
        try:
            ours = unmapped is not None and int(unmapped) > 0
        except (TypeError, ValueError):
            ours = False
        out.append(Finding(report, "R11", f"R11 “{heading}”表格无数据（缺失或仅以图片呈现）。",
                           expected="表格数据", actual="无", check=f"R11[{table}]",
                           cause="extraction" if ours else "report"))


def check(report: Report, **_) -> list[Finding]:
    out: list[Finding] = []
    _sections(report, out)
    _tables(report, out)
    return out
