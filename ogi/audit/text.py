"""R9: the numbers the narrative states equal the table cells they restate.

Reads the `statements` table (normalize/narrative.py): a statement with a
field is compared with that cell, or with the sum of the cells when the text
gives a sum ("行政诉讼 46 件" = 未经复议直接起诉 + 复议后起诉). Approximate
figures ("100 余件") are not compared. A statement whose cells were not read
is skipped (R11 reports a missing table). Severity warning: the text may
legitimately speak of a narrower scope (洪泽区 2024: "区政府办代表区政府受理
… 17 件" against 95 in table 3), but the report does not say so.
"""
from __future__ import annotations

import math
import re

from ogi.normalize.schema import table_titles
from ogi.normalize.value import Kind

from .model import Finding, Report, fmt, short_label
from .triage import cause


def _approx(st: dict) -> bool:
    if "approx" in st and st["approx"] is not None and not (isinstance(st["approx"], float)
                                                              and math.isnan(st["approx"])):
        return bool(st["approx"])
    # statements written without the approx column: look for "N余/多" in the sentence
    n = fmt(st["number"])
    return bool(re.search(rf"(?<!\d){re.escape(n)}(?:余|多)", str(st.get("sentence") or "")))


def _label(fid: str) -> str:
    table = table_titles().get(fid.split(".")[0], "").split(" ")[0]
    if fid.startswith("t4."):
        from .model import group_label
        return f"{table}“{group_label(fid)}·{short_label(fid, 'col')}”"
    return f"{table}“{short_label(fid, 'row')}·{short_label(fid, 'col')}”"


def check(report: Report, *, statements: list[dict] | None = None, **_) -> list[Finding]:
    out = []
    seen = set()
    for st in statements or []:
        field = str(st.get("field") or "")
        number = st.get("number")
        if not field or number is None or (isinstance(number, float) and math.isnan(number)):
            continue
        if _approx(st) or (field, float(number)) in seen:
            continue
        seen.add((field, float(number)))
        cells = [report.cell(f) for f in field.split("+")]
        if any(c.missing or c.kind is Kind.TEXT for c in cells):
            continue
        report.checked.append(f"R9[{field}]")
        table = sum(c.as_number for c in cells)
        if table == float(number):
            continue
        sentence = str(st.get("sentence") or "")
        where = " + ".join(_label(c.field) for c in cells)
        msg = (f"R9 正文称“{sentence}”（{fmt(number)}{st.get('unit') or ''}），而{where}为 {fmt(table)}。")
        who, reasons = cause(report, cells)
        if reasons:
            msg += f"（提取存疑：{'；'.join(reasons)}）"
        out.append(Finding(report, "R9", msg, [(c, "table") for c in cells], expected=fmt(table),
                           actual=fmt(number), check=f"R9[{field}]", cause=who))
    return out
