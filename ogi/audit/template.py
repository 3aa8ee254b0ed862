"""R10: the report uses the format of its year.

Each template version is for a range of report years (data/templates.csv:
2019 format, 国办公开办函〔2019〕60号, for 2019–2020; 2021 format, 〔2021〕30号,
from 2021 on). Table 2 and table 3 are judged separately
(template_t2, template_t3) because hybrids exist: 洪泽区 2023/2024 and the
上高县 seed print the 2021 table 2 with the 2019 single （六）其他处理 row.
One finding per report: hybrid, or the wrong format for the year. Years
before 2019 had no national format and are not judged. A report whose text
cites only an older template's 文号 is flagged too (the wrong 文号 with right tables
happens: 太平镇 2022).
"""
from __future__ import annotations

from ogi.normalize.schema import Template, template_for_year, templates

from .model import Finding, Report, _int

_SHOWS = {"t2": ["t2.regulation.issued", "t2.regulation.made"], "t3": ["t3.other.total", "t3.other.misc.total"]}
_TEXT_COLUMNS = ("text_preamble", "text_overview", "text_other")


def _zh(version: str) -> str:
    return next((t.name_zh for t in templates() if t.version == version), version)


def expected_format(year: int | None) -> str | None:
    template = template_for_year(year)
    return None if template is None else template.version


def _cited_instead(text: str, want: Template) -> Template | None:
    """An older template the text cites while it never cites the one of its year."""
    text = text.replace("[", "〔").replace("]", "〕")
    if want.citation in text:
        return None
    return next((t for t in templates() if t.first_year < want.first_year and t.citation in text), None)


def shows_layout(meta: dict, t2: str | None, t3: str | None) -> bool:
    """A finding naming the layout cells will be made (hybrid, or the wrong format for the year)."""
    template = template_for_year(_int(meta.get("year")))
    if template is None:
        return False
    return bool(t2 and t3 and t2 != t3) or bool((t2 or t3) and (t2 or t3) != template.version)


def _layout_cells(report: Report, table: str):
    return [(report.cells[f], "layout") for f in _SHOWS[table] if f in report.cells]


def check(report: Report, **_) -> list[Finding]:
    template = template_for_year(report.year)
    t2, t3 = report.template_t2, report.template_t3
    if template is None:
        return []
    want = template.version
    report.checked.extend(("R10", "R10[citation]"))
    out = []
    if t2 and t3 and t2 != t3:
        msg = (f"R10 混用格式：表二为{_zh(t2)}，表三（六）其他处理为{_zh(t3)}"
               f"（{'一行' if t3 == '2019' else '三个子行'}）；{report.year}年度应使用{_zh(want)}。")
        out.append(Finding(report, "R10", msg, _layout_cells(report, "t2") + _layout_cells(report, "t3"),
                           expected=f"{want}/{want}", actual=f"{t2}/{t3}", check="R10[hybrid]"))
    else:
        used = t2 or t3
        if used and used != want:
            msg = f"R10 {report.year}年度报告使用{_zh(used)}的表格，应使用{_zh(want)}。"
            out.append(Finding(report, "R10", msg, _layout_cells(report, "t2") + _layout_cells(report, "t3"),
                               expected=want, actual=used, check="R10[format]"))
    old = _cited_instead("".join(report.text(c) or "" for c in _TEXT_COLUMNS), template)
    if old is not None:
        out.append(Finding(report, "R10", f"R10 正文引用{old.document}，{template.first_year}年度起应依据"
                                          f"{template.citation}格式。",
                           expected=template.citation, actual=old.citation, check="R10[citation]",
                           severity="info"))
    return out
