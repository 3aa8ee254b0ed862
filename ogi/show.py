"""A report as text: what `ogi show` prints for a person checking one file.

The tables are drawn as the template prints them (rows and columns from
data/fields.csv, the labels in Chinese, table 4 one line per group:
行政复议 / 未经复议直接起诉 / 复议后起诉), columns aligned by display width
(a CJK character takes two columns of a terminal), each table with the
pages it was printed on. Under the tables: the audit's findings for this
report alone, in the same words as audit.html, then the reading warnings.
"""
from __future__ import annotations

import unicodedata

from ogi.normalize.report import Report
from ogi.normalize.schema import fields, table_titles

KIND_MARK = {"number": "", "blank": "∅", "dash": "", "text": "?", "derived": "Σ", "inferred": "≈", "ocr": "ᵒ"}
NOT_READ = "·"
LABEL_WIDTH = 34


def width(text: str) -> int:
    """Terminal columns of a string: wide and full-width characters take 2, combining marks 0."""
    n = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return n


def pad(text: str, cols: int, right: bool = False) -> str:
    """`text` cut or padded to `cols` display columns."""
    if width(text) > cols:
        out = ""
        for ch in text:
            if width(out + ch + "…") > cols:
                break
            out += ch
        text = out + "…"
    gap = " " * max(0, cols - width(text))
    return gap + text if right else text + gap


def render(report: Report, findings=None) -> str:
    """The report's metadata, tables, findings (audited alone when not given) and warnings."""
    m = report.meta
    region = " ".join(x for x in (m.province, m.city, m.county) if x) or "未识别"
    lines = [
        f"{report.source}",
        f"机构 {m.agency or '未识别'}    年度 {m.year or '未识别'}    地区 {region}（{m.adcode or '-'}）",
        f"格式 {report.format}，{report.n_pages or '-'} 页，{report.n_tables} 个表格    "
        f"表二 {report.templates.get('t2') or '-'} 年格式，表三 {report.templates.get('t3') or '-'} 年格式    "
        f"状态 {report.status}    编号 {report.report_id}",
        "",
    ]
    for t in ("t2", "t3", "t4"):
        lines += _table(report, t)
    lines.append(f"标记：∅ 空白  Σ 合计（未印出）  ≈ 推断  ? 文字  ᵒ OCR识别；{NOT_READ} 未读到")
    lines += [""] + _findings(report, findings)
    if report.warnings:
        lines.append("")
        lines += [f"读取提示：{w}" for w in report.warnings]
    return "\n".join(lines)


def _cell(report: Report, fid: str) -> str:
    v = report.values.get(fid)
    if v is None or v.missing:  # a missing cell may keep its row's printed run: not its value
        return NOT_READ
    shown = v.raw if v.value is None or v.kind in ("dash", "text") else f"{v.value:g}"
    return f"{shown}{KIND_MARK.get(v.label, '')}"


def _pages(report: Report, ids) -> str:
    pages = sorted({v.page for f in ids if (v := report.values.get(f)) is not None and v.page})
    if not pages:
        return ""
    return f"（第{pages[0]}页）" if len(pages) == 1 else f"（第{pages[0]}–{pages[-1]}页）"


def _template(report: Report, t: str) -> str:
    tpl = report.templates.get({"t2": "t2", "t3": "t3"}.get(t, "")) if t != "t4" else "2021"
    return tpl if tpl in ("2019", "2021") else "2021"


def _table(report: Report, t: str) -> list[str]:
    from ogi.audit.page_data import layout

    title = table_titles()[t]
    ids = [f for f in fields() if f.startswith(t + ".") and f in report.values]
    if not ids:
        return [f"{title}：未读到", ""]
    out = [f"{title}{_pages(report, ids)}"]
    names = list(fields())
    for block in layout(t, _template(report, t)):
        rows = [r for r in block["rows"]]
        leaves = _leaves(block["head"])
        if len(rows) == 1 and len({tuple(p[:-1]) for p in leaves}) > 1:
            out += _by_group(report, rows[0][2], leaves, names)
            continue
        col = max([6] + [width(p[-1]) for p in leaves]) + 1
        out.append(pad(block["title"], LABEL_WIDTH) + "".join(pad(p[-1], col, right=True) for p in leaves))
        for label, depth, cells in rows:
            text = pad("  " * depth + label, LABEL_WIDTH)
            if cells is None:
                out.append(text.rstrip())
                continue
            out.append(text + "".join(pad(_cell(report, names[fi]) if fi >= 0 else "", col, right=True)
                                      for fi in cells))
    return out + [""]


def _leaves(head: list[list[list]]) -> list[list[str]]:
    """The column paths back from header rows of [text, colspan, rowspan]."""
    depth = len(head)
    n = sum(c[1] for c in head[0]) if head else 0
    paths: list[list[str]] = [[] for _ in range(n)]
    filled = [0] * n                         # header rows each column has so far
    for level, row in enumerate(head):
        i = 0
        for text, span, rows in row:
            while i < n and filled[i] > level:
                i += 1
            for j in range(i, i + span):
                paths[j].append(text)
                filled[j] += rows
            i += span
    return paths if depth else []


def _by_group(report: Report, cells: list[int], leaves: list[list[str]], names: list[str]) -> list[str]:
    """A one-row table of groups (table 4): a line per group, its parts as columns."""
    parts: list[str] = []
    groups: dict[str, dict[str, int]] = {}
    for fi, path in zip(cells, leaves):
        parts += [path[-1]] if path[-1] not in parts else []
        groups.setdefault(path[-2] if len(path) >= 2 else "", {})[path[-1]] = fi
    col = max(width(p) for p in parts) + 2
    out = [pad("", LABEL_WIDTH) + "".join(pad(p, col, right=True) for p in parts)]
    for group, by_part in groups.items():
        out.append(pad(group, LABEL_WIDTH) + "".join(
            pad(_cell(report, names[by_part[p]]) if p in by_part else "", col, right=True) for p in parts))
    return out


def _findings(report: Report, findings=None) -> list[str]:
    import json

    from ogi.audit.page_data import SEVERITY_ZH, pages, suggestion_words, words

    checks = None
    if findings is None:
        findings, checks = audit_alone(report)
    if findings is None:
        return []
    passed = ""
    if checks is not None and len(checks):
        n, ok = int(checks["checks"].iloc[0]), int(checks["checks_passed"].iloc[0])
        passed = f"，{n} 项校验全部通过" if n == ok else f"，{n} 项校验中 {ok} 项通过"
    if not len(findings):
        return [f"审核：未发现问题{passed}（本报告单独审核，未与上年比较）"]
    out = [f"审核：{len(findings)} 条问题{passed}（本报告单独审核，未与上年比较）"]
    meta = {report.report_id: {"agency": report.meta.agency, "year": report.meta.year, "source": report.source}}
    for f in findings.to_dict("records"):
        cells = json.loads(f.get("cells") or "[]")
        where = pages(f, cells)
        out.append(f"  〔{SEVERITY_ZH.get(f['severity'], f['severity'])}〕{words(f['message'], meta)}"
                   + (f"（{where}）" if where else ""))
        hint = suggestion_words(f, cells)
        if hint:
            out.append(f"      建议：{hint}")
    return out


def audit_alone(report: Report):
    """(findings, checks) of the audit of this one report (no other year to compare with); Nones without values."""
    from ogi.audit import audit_reports
    from ogi.dataset import frames

    if not report.values:
        return None, None
    ds = frames([report], [])
    return audit_reports(ds.reports, ds.values, ds.statements)
