"""R13: cells the report prints but the reading did not get, named per table (cause: extraction).

Reads the reports columns `coverage` (cells read / cells the detected
template prints, 0–1) and, per table, `coverage_t2…t4` and
`cells_missing_t2…t4`. A supervisor must see an unread cell as a hole, not as
a report that passed: every table with coverage below 100% is one finding. A
table with no value at all is R11's finding, not this one. A dataset without
these columns (written before they existed) is skipped.

A row the reading could not place keeps its printed text beside its missing
cells (kind `missing`, raw = the run, col = the column's place in the row):
flattened text glues table 2's cells into one run ("898989" for three columns)
that several readings fit. The finding lists those readings, so a person
holding the page can pick one; ogi never does.
"""
from __future__ import annotations

import math

from ogi.normalize.digits import printed_run, show_reading, split_runs, typed_readings
from ogi.normalize.rules import equations
from ogi.normalize.schema import T3_COLUMNS, fields, table_titles
from ogi.normalize.value import Kind, Origin

from .model import Finding, Report

TABLES = ("t2", "t3", "t4")
FULL = 1.0 - 1e-9          # a coverage at or above this is complete
READINGS_LISTED = 20       # readings a finding lists for one unread row; it says how many more fit


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
        unread = _unread_rows(report, table)
        said = "".join(_describe(row, splits) for row, splits in zip(unread, _splits(report, table, unread)))
        out.append(Finding(report, "R13", f"R13 {title}：{count}未能读取（该表覆盖率 {_percent(share)}），"
                                          f"这些单元格无法核对。" + said,
                           [(c, "unread") for row in unread for c in row],
                           expected="100%", actual=_percent(share), check=f"R13[{table}]", cause="extraction"))
    if not per_table:
        report.checked.append("R13")
        if overall < FULL:
            out.append(Finding(report, "R13", f"R13 报告有单元格未能读取（覆盖率 {_percent(overall)}），"
                                              f"这些单元格无法核对。",
                               expected="100%", actual=_percent(overall), check="R13", cause="extraction"))
    return out


def _unread_rows(report: Report, table: str) -> list[list]:
    """The table's missing cells that kept what their row printed, one list per row, in column order."""
    rows: dict[tuple[str, str], list] = {}
    for fid, cell in report.cells.items():
        if fid.startswith(table + ".") and cell.kind is Kind.MISSING and cell.raw.strip():
            rows.setdefault((cell.row_label, cell.raw), []).append(cell)
    order = {fid: i for i, fid in enumerate(fields())}
    rows_in_order = [sorted(cells, key=lambda c: c.col if c.col is not None else -1) for cells in rows.values()]
    return sorted(rows_in_order, key=lambda cells: order.get(cells[0].field, len(order)))  # as printed


def _describe(row: list, splits: list | None) -> str:
    """规范性文件 印为 898989（3 栏），可能的读法 28 种（…）：8/9/8989、…; a table-3/4 row's splits by its sums."""
    label, printed = row[0].row_label or "该行", row[0].raw.strip()   # table 4's one row has no label
    head = f"{label} 印为 {printed}（{len(row)} 个单元格未读）" if splits is not None else \
        f"{label} 印为 {printed}（{len(row)} 栏）"
    if splits is not None:
        if not splits:
            return head + "。"
        shown = "、".join("/".join(map(str, s)) for s in splits[:READINGS_LISTED])
        more = f"、…（另 {len(splits) - READINGS_LISTED} 种）" if len(splits) > READINGS_LISTED else ""
        return f"{head}，符合本表勾稽关系的读法 {len(splits)} 种：{shown}{more}，请对照原文确定。"
    if [c.col for c in row] != list(range(len(row))):  # not every column of the row is named: no readings
        return head + "。"
    found = typed_readings(printed.split(), [fields()[c.field].type for c in row])
    if not found.total:
        return head + "，按各栏的类型没有一种读法成立。"
    shown = "、".join(show_reading(r) for r in found.listed[:READINGS_LISTED])
    more = f"、…（另 {found.total - READINGS_LISTED} 种）" if found.total > READINGS_LISTED else ""
    return (f"{head}，可能的读法 {found.total} 种（每栏都有数的 {found.full} 种；“空”为空白栏）："
            f"{shown}{more}，请对照原文确定。")


def _splits(report: Report, table: str, rows: list[list]) -> list[list | None]:
    """Per unread row of table 3 or 4, the splits of its run that the table's equations allow, the
    other rows' values known (as the reading found them); None for table 2, which has no sums."""
    if table == "t2":
        return [None] * len(rows)
    runs = [printed_run(cells[0].raw).row(_row_fields(table, cells[0].field)) for cells in rows]
    in_runs = {f for run in runs for f in run.fids if f}
    known = {f: c.as_number for f, c in report.cells.items()
             if f.startswith(table + ".") and c.read and c.origin is not Origin.DERIVED and f not in in_runs}
    result = split_runs(runs, known, equations(report.template_t3 if table == "t3" else None))
    return [result.readings.get(i, []) for i in range(len(runs))]


def _row_fields(table: str, fid: str) -> list[str | None]:
    """The fields of the row a cell belongs to, in column order (table 4 is one row of 15)."""
    if table == "t4":
        return [f.id for f in fields().values() if f.table == "t4"]
    row = fid.rsplit(".", 1)[0]
    return [f"{row}.{c}" if f"{row}.{c}" in fields() else None for c in T3_COLUMNS]
