"""R6: every count is a non-negative integer; a word where a number belongs.

The value type comes from data/fields.csv: `integer` (counts), `decimal`
(万元 amounts: may have decimals, never negative; 2019 采购总金额 likewise) and
`signed_integer` (2019 本年增/减: may be negative, never fractional).
Blank and dash cells are the template's way of writing 0 and are not
findings; a `text` cell (anything else) is.
"""
from __future__ import annotations

from ogi.normalize.schema import fields
from ogi.normalize.value import Kind, Origin

from .model import Finding, Report, fmt
from .triage import cause


def _problem(ftype: str, value: float) -> str | None:
    if ftype == "signed_integer":
        return None if value == int(value) else "不是整数"
    if value < 0:
        return "为负数"
    if ftype == "integer" and value != int(value):
        return "不是整数"
    return None


def check(report: Report, **_) -> list[Finding]:
    out = []
    known = fields()
    report.checked.append("R6")
    for fid, cell in report.cells.items():
        f = known.get(fid)
        if f is None or cell.origin is Origin.DERIVED or cell.kind in (Kind.MISSING, Kind.BLANK, Kind.DASH):
            continue
        label = f.label_zh
        if cell.value is None:
            if cell.kind is Kind.TEXT or cell.raw.strip():
                msg = f"R6 {label}：应填数字处印为文字“{cell.raw}”。"
                severity = "warning"
            else:
                continue
            problem_value = cell.raw
        else:
            problem = _problem(f.type, cell.value)
            if problem is None:
                continue
            msg = f"R6 {label}：印为 {cell.raw or fmt(cell.value)}，{problem}。"
            severity = "error"
            problem_value = fmt(cell.value)
        who, reasons = cause(report, [cell])
        if reasons:
            msg += f"（提取存疑：{'；'.join(reasons)}）"
        expected = "非负整数" if f.type == "integer" else ("整数" if f.type == "signed_integer" else "非负数")
        out.append(Finding(report, "R6", msg, [(cell, "value")], expected=expected, actual=problem_value,
                           check=f"R6[{fid}]", severity=severity, cause=who))
    return out
