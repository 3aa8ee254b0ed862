"""R13: cells the report prints but the reading did not get, named per table (cause: extraction).

Reads the reports columns `coverage` (cells read / cells the detected
template prints, 0–1) and, per table, `coverage_t2…t4` and
`cells_missing_t2…t4`. A supervisor must see an unread cell as a hole, not as
a report that passed: every table with coverage below 100% is one finding. A
table with no value at all is R11's finding, not this one. A dataset without
these columns (written before they existed) is skipped.
"""
from __future__ import annotations

import math

from ogi.normalize.schema import table_titles

from .model import Finding, Report

TABLES = ("t2", "t3", "t4")
FULL = 1.0 - 1e-9          # a coverage at or above this is complete


def _number(v) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _percent(x: float) -> str:
    return f"{100 * x:.1f}%"


def check(report: Report, **_) -> list[Finding]:
    overall = _number(report.meta.get("coverage"))
    if overall is None:
        return []
    out = []
    per_table = False
    for table in TABLES:
        share = _number(report.meta.get(f"coverage_{table}"))
        if share is None:
            continue
        per_table = True
        if not report.has_table(table):
            continue                          # nothing read: R11[table] says so
        report.checked.append(f"R13[{table}]")
        missing = _number(report.meta.get(f"cells_missing_{table}"))
        if share >= FULL and not missing:
            continue
        title = table_titles().get(table, table)
        count = f"{int(missing)} 个单元格" if missing else "部分单元格"
        out.append(Finding(report, "R13", f"R13 {title}：{count}未能读取（该表覆盖率 {_percent(share)}），"
                                          f"这些单元格无法核对。",
                           expected="100%", actual=_percent(share), check=f"R13[{table}]", cause="extraction"))
    if not per_table:
        report.checked.append("R13")
        if overall < FULL:
            out.append(Finding(report, "R13", f"R13 报告有单元格未能读取（覆盖率 {_percent(overall)}），"
                                              f"这些单元格无法核对。",
                               expected="100%", actual=_percent(overall), check="R13", cause="extraction"))
    return out
