"""R10: the report uses the format of its year.

2019 format (国办公开办函〔2019〕60号) for report years 2019–2020; 2021 format
(〔2021〕30号) from 2021 on. Table 2 and table 3 are judged separately
(template_t2, template_t3) because hybrids exist: 洪泽区 2023/2024 and the
上高县 seed print the 2021 table 2 with the 2019 single （六）其他处理 row.
One finding per report: hybrid, or the wrong format for the year. Years
before 2019 had no national format and are not judged. A report of 2021 on
whose text cites only 60号 is flagged too (the wrong 文号 with right tables
happens: 太平镇 2022).
"""
from __future__ import annotations

from .model import Finding, Report

_SHOWS = {"t2": ["t2.regulation.issued", "t2.regulation.made"], "t3": ["t3.other.total", "t3.other.misc.total"]}
_TEXT_COLUMNS = ("text_preamble", "text_overview", "text_other")
_ZH = {"2019": "2019年格式（60号）", "2021": "2021年格式（30号）"}


def expected_format(year: int | None) -> str | None:
    if year is None or year < 2019:
        return None
    return "2019" if year <= 2020 else "2021"


def _layout_cells(report: Report, table: str):
    return [(report.cells[f], "layout") for f in _SHOWS[table] if f in report.cells]


def check(report: Report, **_) -> list[Finding]:
    want = expected_format(report.year)
    t2, t3 = report.template_t2, report.template_t3
    if want is None:
        return []
    out = []
    if t2 and t3 and t2 != t3:
        msg = (f"R10 混用格式：表二为{_ZH.get(t2, t2)}，表三（六）其他处理为{_ZH.get(t3, t3)}"
               f"（{'一行' if t3 == '2019' else '三个子行'}）；{report.year}年度应使用{_ZH[want]}。")
        out.append(Finding(report, "R10", msg, _layout_cells(report, "t2") + _layout_cells(report, "t3"),
                           expected=f"{want}/{want}", actual=f"{t2}/{t3}", check="R10[hybrid]"))
    else:
        used = t2 or t3
        if used and used != want:
            msg = f"R10 {report.year}年度报告使用{_ZH.get(used, used)}的表格，应使用{_ZH[want]}。"
            out.append(Finding(report, "R10", msg, _layout_cells(report, "t2") + _layout_cells(report, "t3"),
                               expected=want, actual=used, check="R10[format]"))
    if want == "2021":
        text = "".join(report.text(c) or "" for c in _TEXT_COLUMNS)
        if "〔2019〕60号" in text.replace("[", "〔").replace("]", "〕") and "〔2021〕30号" not in text:
            out.append(Finding(report, "R10", "R10 正文引用国办公开办函〔2019〕60号，2021年度起应依据〔2021〕30号格式。",
                               expected="〔2021〕30号", actual="〔2019〕60号", check="R10[citation]",
                               severity="info"))
    return out
