"""A report as text: what `ogi show` prints for a person checking one file."""
from __future__ import annotations

from ogi.normalize.report import Report
from ogi.normalize.schema import T3_COLUMNS, fields, table_titles

KIND_MARK = {"number": "", "blank": "∅", "dash": "—", "text": "?", "derived": "Σ", "inferred": "≈", "ocr": "ᵒ"}


def render(report: Report) -> str:
    m = report.meta
    lines = [
        f"{report.source}  [{report.format}, {report.n_pages or '-'} pages, {report.n_tables} tables]",
        f"agency {m.agency}  year {m.year}  region {m.province or '-'} {m.city or ''} {m.county or ''} "
        f"({m.adcode or '-'})",
        f"templates: table 2 {report.templates.get('t2')}, table 3 {report.templates.get('t3')}   "
        f"status {report.status}   id {report.report_id}",
        "",
    ]
    lines += _t2(report) + _t3(report) + _t4(report)
    lines.append("marks: ∅ blank, — dash, ? text, Σ derived, ≈ inferred, ᵒ OCR; '.' not read")
    if report.warnings:
        lines.append("")
        lines += [f"warning: {w}" for w in report.warnings]
    return "\n".join(lines)


def _cell(report: Report, fid: str) -> str:
    v = report.values.get(fid)
    if v is None:
        return "."
    shown = v.raw if v.value is None else f"{v.value:g}"
    return f"{shown}{KIND_MARK.get(v.kind, '')}"


def _t2(report: Report) -> list[str]:
    ids = [f for f in fields() if f.startswith("t2.") and f in report.values]
    if not ids:
        return [f"{table_titles()['t2']}: not found", ""]
    out = [table_titles()["t2"]]
    out += [f"  {fields()[f].label_zh:<46} {_cell(report, f):>10}" for f in ids]
    return out + [""]


def _t3(report: Report) -> list[str]:
    rows = []
    for f in fields().values():
        if f.table == "t3" and f.row not in rows and any(k.startswith(f"t3.{f.row}.") for k in report.values):
            rows.append(f.row)
    if not rows:
        return [f"{table_titles()['t3']}: not found", ""]
    out = [table_titles()["t3"],
           f"  {'':<24}" + "".join(f"{c:>11}" for c in T3_COLUMNS)]
    for row in rows:
        label = fields()[f"t3.{row}.total"].label_zh.split(" · ")[-2]
        out.append(f"  {label[:22]:<24}" + "".join(f"{_cell(report, f't3.{row}.{c}'):>11}" for c in T3_COLUMNS))
    return out + [""]


def _t4(report: Report) -> list[str]:
    ids = [f for f in fields() if f.startswith("t4.")]
    if not any(f in report.values for f in ids):
        return [f"{table_titles()['t4']}: not found", ""]
    out = [table_titles()["t4"]]
    for group in ("review", "suit_direct", "suit_after_review"):
        cells = [f"{f.split('.')[-1]} {_cell(report, f)}" for f in ids if f.split(".")[1] == group]
        out.append(f"  {group:<18} " + "  ".join(cells))
    return out + [""]
