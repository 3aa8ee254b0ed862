"""整改通知: one .docx per agency listing what its reports should correct (`ogi notice OUT`).

Written from OUT's findings (with the decisions of reviews.csv: a finding
dismissed, 驳回, is not sent) and reports (the agency's name and region).
Each finding is a row in Chinese: report year, the problem in words, the
page it was printed on, the value printed, the value expected and the
suggestion, as on audit.html. Agencies are grouped by agency_key and named
by their latest report, so a renamed agency gets one notice.
"""
from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .audit.identity import agency_key
from .audit.outputs import META_COLUMNS, atomic_write
from .audit.page_data import SEVERITY_ZH, pages, suggestion_words, words, year_of
from .review import load_findings, read


@dataclass(frozen=True)
class NoticeSettings:
    folder: str = "notices"
    # findings left out of a notice: decided not to be problems
    skip_states: tuple[str, ...] = ("驳回",)
    heading: str = "关于{agency}政府信息公开工作年度报告有关问题的整改通知"
    opening: str = ("经审核，你单位公开的政府信息公开工作年度报告存在下列问题。请逐项核实，"
                    "确有错误的予以更正并重新公开，核实无误的请说明理由。")
    closing: str = "请于收到本通知后及时整改，并将整改情况报送。"


SETTINGS = NoticeSettings()
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def _meta(out: Path) -> dict[str, dict]:
    import pyarrow.parquet as pq

    path = out / "reports.parquet"
    if not path.exists():
        return {}
    cols = [c for c in META_COLUMNS if c in pq.read_schema(path).names]
    df = pd.read_parquet(path, columns=cols).drop_duplicates("report_id")
    return {str(r["report_id"]): r for r in df.to_dict("records")}


def notices(out, settings: NoticeSettings = SETTINGS) -> dict[str, dict]:
    """agency key → {agency, region, rows}: the findings each agency is sent, in words."""
    out = Path(out)
    findings = load_findings(out)
    if findings is None or not len(findings):
        return {}
    reviews = read(out)
    meta = _meta(out)
    by_agency: dict[str, dict] = {}
    for f in findings.to_dict("records"):
        state = reviews.get(f["fingerprint"], {}).get("state", "")
        if state in settings.skip_states:
            continue
        m = meta.get(str(f["report_id"]), {"agency": f["agency"], "year": f["year"], "source": f["source"]})
        ag = by_agency.setdefault(agency_key(m), {"agency": "", "latest": -1, "region": "", "rows": []})
        year = year_of(f["year"])
        if (year or 0) >= ag["latest"]:
            ag["latest"], ag["agency"] = year or 0, str(f["agency"] or m.get("agency") or "")
            ag["region"] = " ".join(str(m.get(c)) for c in ("province", "city", "county") if m.get(c))
        cells = json.loads(f.get("cells") or "[]")
        source = str(f.get("source") or "").replace("\\", "/").split("/")[-1]
        ag["rows"].append({"year": "" if year is None else f"{year}年", "file": source,
                           "severity": SEVERITY_ZH.get(f["severity"], f["severity"]),
                           "problem": words(f["message"], meta), "page": pages(f, cells),
                           "printed": str(f.get("actual") or ""), "expected": str(f.get("expected") or ""),
                           "suggestion": suggestion_words(f, cells) or "请核实", "state": state})
    return by_agency


def _document(ag: dict, settings: NoticeSettings):
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")     # CJK text in 宋体, not the Latin fallback
    style.font.size = Pt(11)
    title = doc.add_heading(settings.heading.format(agency=ag["agency"]), level=1)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(f"{ag['agency']}：")
    doc.add_paragraph(settings.opening)
    heads = ["序号", "报告年度", "问题", "页码", "印为", "应为", "建议"]
    table = doc.add_table(rows=1, cols=len(heads))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, heads):
        cell.text = text
    for i, row in enumerate(ag["rows"], start=1):
        cells = table.add_row().cells
        for cell, text in zip(cells, [str(i), row["year"], f"〔{row['severity']}〕{row['problem']}", row["page"],
                                      row["printed"], row["expected"], row["suggestion"]]):
            cell.text = text
    doc.add_paragraph("")
    doc.add_paragraph(settings.closing)
    doc.add_paragraph(_dt.date.today().strftime("%Y年%m月%d日").replace("年0", "年").replace("月0", "月"))
    return doc


def write_notices(out, to=None, settings: NoticeSettings = SETTINGS) -> list[Path]:
    """One .docx per agency with findings to send, in `to` (default OUT/notices); the paths written."""
    folder = Path(to) if to else Path(out) / settings.folder
    folder.mkdir(parents=True, exist_ok=True)
    written, names = [], set()
    for key, ag in sorted(notices(out, settings).items(), key=lambda kv: kv[1]["agency"]):
        if not ag["rows"]:
            continue
        name = _UNSAFE.sub("_", ag["agency"] or "机构")[:60] or "机构"
        if name in names:                       # two agencies of one name in different regions
            name = f"{name}_{_UNSAFE.sub('_', key)[:20]}"
        names.add(name)
        path = folder / f"{name}-整改通知.docx"
        doc = _document(ag, settings)
        atomic_write(path, doc.save)
        written.append(path)
    return written
