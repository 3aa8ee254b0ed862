"""Synthetic 政府信息公开工作年度报告 (.docx) with known truth, for parser tests.

Two steps, so a test can control each one:

    truth = random_truth(rng, "2021")          # the numbers, and how each cell is printed
    write_docx(truth, path, rng=rng)           # the document: layout, labels, merges, text

`random_truth` decides the *content*: every value satisfies the template
arithmetic (R1 per column, R3 per row, R4 per column, R5 per group); a 0 may be
printed blank or as a dash (value None), and numbers may be printed "1,234",
"１２" or "12件" (`truth.raw` keeps the printed text).  `write_docx` decides the
*layout* (label variants, line breaks inside cells, traditional characters,
split table 3, extra row/column, long text, landscape section) and records
every choice in `truth.variations`, so a failing test can name them.

Merged cells are real OOXML merges (gridSpan, vMerge restart/continue), built
from the structure of ../shared/corpus/template-2021-blank.docx.  `Cell`,
`Row`, `TableSpec`, `new_document` and `add_table` are public so other tools
(tools/make_samples.py) can build hand-made tables the same way.
"""
from __future__ import annotations

import csv
import json
import math
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import docx
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt, Twips

REPO = Path(__file__).resolve().parents[1]
LABELS_CSV = REPO / "data" / "labels.csv"

LAYOUTS = ("2021", "2019", "hybrid")
TEMPLATES = {
    "2021": {"table2": "2021", "table3": "2021"},
    "2019": {"table2": "2019", "table3": "2019"},
    "hybrid": {"table2": "2021", "table3": "2019"},
}
YEARS = {"2021": (2021, 2022, 2023, 2024), "2019": (2019, 2020), "hybrid": (2021, 2022, 2023, 2024)}
DASHES = ("/", "／", "—", "-", "无")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


# ---------------------------------------------------------------- agencies

@dataclass(frozen=True)
class Agency:
    """An agency name and its region exactly as `cpca.transform([name])` returns it."""
    name: str
    province: str
    city: str | None
    county: str | None
    adcode: str


AGENCIES = (
    Agency("江苏省淮安市洪泽区农业农村局", "江苏省", "淮安市", "洪泽区", "320813"),
    Agency("上高县行政服务中心管委会", "江西省", "宜春市", "上高县", "360923"),
    Agency("杭州市西湖区人民政府", "浙江省", "杭州市", "西湖区", "330106"),
    Agency("淮安市人民政府", "江苏省", "淮安市", None, "320800"),
    Agency("洪泽区人民政府", "江苏省", "淮安市", "洪泽区", "320813"),
    Agency("北京市朝阳区教育委员会", "北京市", "市辖区", "朝阳区", "110105"),
    Agency("上海市浦东新区人民政府", "上海市", "市辖区", "浦东新区", "310115"),
    Agency("广州市天河区卫生健康局", "广东省", "广州市", "天河区", "440106"),
    Agency("深圳市南山区司法局", "广东省", "深圳市", "南山区", "440305"),
    Agency("成都市武侯区人民政府", "四川省", "成都市", "武侯区", "510107"),
    Agency("武汉市黄陂区人民政府", "湖北省", "武汉市", "黄陂区", "420116"),
    Agency("雄县人民政府", "河北省", "保定市", "雄县", "130638"),
    Agency("威海市文登区信访局", "山东省", "威海市", "文登区", "371003"),
    Agency("苏州市市场监督管理局", "江苏省", "苏州市", None, "320500"),
    Agency("浙江省杭州市余杭区民政局", "浙江省", "杭州市", "余杭区", "330110"),
    Agency("南京市鼓楼区住房保障和房产局", "江苏省", "南京市", "鼓楼区", "320106"),
    Agency("宜春市袁州区自然资源局", "江西省", "宜春市", "袁州区", "360902"),
    Agency("河北省保定市蠡县审计局", "河北省", "保定市", "蠡县", "130635"),
    Agency("四川省成都市龙泉驿区交通运输局", "四川省", "成都市", "龙泉驿区", "510112"),
    Agency("平湖市人民政府", "浙江省", "嘉兴市", "平湖市", "330482"),
    Agency("昌图县七家子镇人民政府", "辽宁省", "铁岭市", "昌图县", "211224"),
    Agency("湖北省来凤县财政局", "湖北省", "恩施土家族苗族自治州", "来凤县", "422827"),
    Agency("淮北市审计局", "安徽省", "淮北市", None, "340600"),
    Agency("福州市鼓楼区人民政府", "福建省", "福州市", "鼓楼区", "350102"),
    Agency("西安市雁塔区城市管理和综合执法局", "陕西省", "西安市", "雁塔区", "610113"),
    Agency("长沙市岳麓区人民政府办公室", "湖南省", "长沙市", "岳麓区", "430104"),
    Agency("江西省上高县人民政府", "江西省", "宜春市", "上高县", "360923"),
)


# ---------------------------------------------------------------- field ids and row plans

T3_COLS = ("natural", "commercial", "research", "nonprofit", "legal", "other_org", "total")
T3_APPLICANTS = T3_COLS[:6]
T4_GROUPS = ("review", "suit_direct", "suit_after_review")
T4_PARTS = ("upheld", "corrected", "other", "pending")
T4_COLS = T4_PARTS + ("total",)

_R3 = "三、本年度办理结果"
_WITHHELD = "（三）不予公开"
_UNAVAILABLE = "（四）无法提供"
_REJECTED = "（五）不予处理"
_OTHER = "（六）其他处理"

# (row key, label parts); the parts joined by "/" are the canonical_path in labels.csv.
_T3_HEAD = [
    ("new", ("一、本年新收政府信息公开申请数量",)),
    ("carried_over", ("二、上年结转政府信息公开申请数量",)),
    ("granted", (_R3, "（一）予以公开")),
    ("partial", (_R3, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）")),
    ("withheld.state_secret", (_R3, _WITHHELD, "1.属于国家秘密")),
    ("withheld.law_prohibited", (_R3, _WITHHELD, "2.其他法律行政法规禁止公开")),
    ("withheld.security", (_R3, _WITHHELD, "3.危及“三安全一稳定”")),
    ("withheld.third_party", (_R3, _WITHHELD, "4.保护第三方合法权益")),
    ("withheld.internal", (_R3, _WITHHELD, "5.属于三类内部事务信息")),
    ("withheld.process", (_R3, _WITHHELD, "6.属于四类过程性信息")),
    ("withheld.enforcement", (_R3, _WITHHELD, "7.属于行政执法案卷")),
    ("withheld.inquiry", (_R3, _WITHHELD, "8.属于行政查询事项")),
    ("unavailable.not_held", (_R3, _UNAVAILABLE, "1.本机关不掌握相关政府信息")),
    ("unavailable.needs_creation", (_R3, _UNAVAILABLE, "2.没有现成信息需要另行制作")),
    ("unavailable.unclear", (_R3, _UNAVAILABLE, "3.补正后申请内容仍不明确")),
    ("rejected.petition", (_R3, _REJECTED, "1.信访举报投诉类申请")),
    ("rejected.duplicate", (_R3, _REJECTED, "2.重复申请")),
    ("rejected.publication", (_R3, _REJECTED, "3.要求提供公开出版物")),
    ("rejected.excessive", (_R3, _REJECTED, "4.无正当理由大量反复申请")),
    ("rejected.confirmation", (_R3, _REJECTED, "5.要求行政机关确认或重新出具已获取信息")),
]
_T3_OTHER = {
    "2019": [("other", (_R3, _OTHER))],
    "2021": [
        ("other.no_correction", (_R3, _OTHER, "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请")),
        ("other.unpaid_fee", (_R3, _OTHER, "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请")),
        ("other.misc", (_R3, _OTHER, "3.其他")),
    ],
}
_T3_TAIL = [
    ("total", (_R3, "（七）总计")),
    ("carried_forward", ("四、结转下年度继续办理",)),
]


def t3_row_plan(table3_template: str) -> list[tuple[str, tuple[str, ...]]]:
    """Table-3 data rows in print order: (row key, label parts)."""
    return _T3_HEAD + _T3_OTHER[table3_template] + _T3_TAIL


def t3_result_rows(table3_template: str) -> list[str]:
    """The rows that add up to （七）总计 (rule R4)."""
    return [key for key, parts in t3_row_plan(table3_template) if parts[0] == _R3 and key != "total"]


# Table 2 blocks: (block label, column headers, rows); a row is (label, [(field id, grid span)]).
_T2_2021 = [
    ("第二十条第（一）项", ["本年制发件数", "本年废止件数", "现行有效件数"], [
        ("规章", [("t2.regulation.issued", 1), ("t2.regulation.repealed", 1), ("t2.regulation.in_force", 1)]),
        ("行政规范性文件", [("t2.normative.issued", 1), ("t2.normative.repealed", 1), ("t2.normative.in_force", 1)]),
    ]),
    ("第二十条第（五）项", ["本年处理决定数量"], [("行政许可", [("t2.licensing.decisions", 3)])]),
    ("第二十条第（六）项", ["本年处理决定数量"], [
        ("行政处罚", [("t2.penalty.decisions", 3)]),
        ("行政强制", [("t2.coercion.decisions", 3)]),
    ]),
    ("第二十条第（八）项", ["本年收费金额（单位：万元）"], [("行政事业性收费", [("t2.fee.amount", 3)])]),
]
_ITEMS = ["上一年项目数量", "本年增／减", "处理决定数量"]
_T2_2019 = [
    ("第二十条第（一）项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"], [
        ("规章", [("t2.regulation.made", 1), ("t2.regulation.published", 1), ("t2.regulation.total_published", 1)]),
        ("规范性文件", [("t2.normative.made", 1), ("t2.normative.published", 1), ("t2.normative.total_published", 1)]),
    ]),
    ("第二十条第（五）项", _ITEMS, [
        ("行政许可", [("t2.licensing.prev_items", 1), ("t2.licensing.change", 1), ("t2.licensing.decisions", 1)]),
        ("其他对外管理服务事项", [("t2.other_service.prev_items", 1), ("t2.other_service.change", 1),
                                ("t2.other_service.decisions", 1)]),
    ]),
    ("第二十条第（六）项", _ITEMS, [
        ("行政处罚", [("t2.penalty.prev_items", 1), ("t2.penalty.change", 1), ("t2.penalty.decisions", 1)]),
        ("行政强制", [("t2.coercion.prev_items", 1), ("t2.coercion.change", 1), ("t2.coercion.decisions", 1)]),
    ]),
    ("第二十条第（八）项", ["上一年项目数量", "本年增／减"], [
        ("行政事业性收费", [("t2.fee.prev_items", 1), ("t2.fee.change", 2)]),
    ]),
    ("第二十条第（九）项", ["采购项目数量", "采购总金额"], [
        ("政府集中采购", [("t2.procurement.items", 1), ("t2.procurement.amount", 2)]),
    ]),
]
T2_BLOCKS = {"2021": _T2_2021, "2019": _T2_2019}


def t2_ids(table2_template: str) -> list[str]:
    return [fid for _, _, rows in T2_BLOCKS[table2_template] for _, cells in rows for fid, _ in cells]


def t3_ids(table3_template: str) -> list[str]:
    return [f"t3.{row}.{col}" for row, _ in t3_row_plan(table3_template) for col in T3_COLS]


def t4_ids() -> list[str]:
    return [f"t4.{group}.{col}" for group in T4_GROUPS for col in T4_COLS]


def field_ids(layout: str) -> list[str]:
    """All printed field ids of a layout, in reading order (table by table, row-major)."""
    template = TEMPLATES[layout]
    return t2_ids(template["table2"]) + t3_ids(template["table3"]) + t4_ids()


# ---------------------------------------------------------------- truth

@dataclass
class Truth:
    agency: str
    year: int
    layout: str                      # "2021" | "2019" | "hybrid"
    template: dict                   # {"table2": "2021"|"2019", "table3": "2021"|"2019"}
    values: dict                     # field id -> int | float | None (None: printed blank or dash)
    kinds: dict                      # field id -> "number" | "blank" | "dash"
    raw: dict                        # field id -> printed cell text
    province: str | None = None
    city: str | None = None
    county: str | None = None
    adcode: str | None = None
    variations: dict = field(default_factory=dict)

    def number(self, fid: str):
        """The value with blanks and dashes read as 0 (how the arithmetic counts them)."""
        return self.values.get(fid) or 0

    @property
    def blank(self) -> list[str]:
        return sorted(fid for fid, kind in self.kinds.items() if kind == "blank")

    def to_json(self, file: str) -> dict:
        return {
            "file": file, "agency": self.agency, "year": self.year, "template": self.template,
            "values": self.values, "blank": self.blank, "kinds": self.kinds, "raw": self.raw,
            "province": self.province, "city": self.city, "county": self.county, "adcode": self.adcode,
            "layout": self.layout, "variations": self.variations,
        }


CONTENT_FLAGS = {"blanks": 0.3, "dashes": 0.2, "thousands": 0.4, "fullwidth": 0.15, "unit_suffix": 0.15}


def random_truth(rng: random.Random, layout: str, *, variations: dict | None = None) -> Truth:
    """Random numbers that satisfy the template arithmetic, and how each one is printed."""
    template = TEMPLATES[layout]
    flags = _pick_flags(rng, CONTENT_FLAGS, variations)
    agency = rng.choice(AGENCIES)
    numbers = {**_t2_numbers(rng, template["table2"]), **_t3_numbers(rng, template["table3"]),
               **_t4_numbers(rng)}
    truth = Truth(agency=agency.name, year=rng.choice(YEARS[layout]), layout=layout, template=dict(template),
                  values={}, kinds={}, raw={}, province=agency.province, city=agency.city,
                  county=agency.county, adcode=agency.adcode, variations=dict(flags))
    for fid in field_ids(layout):
        truth.raw[fid], truth.kinds[fid], truth.values[fid] = _print_number(rng, fid, numbers[fid], flags)
    return truth


def _pick_flags(rng, probabilities: dict, given: dict | None) -> dict:
    given = given or {}
    return {name: bool(given[name]) if name in given else rng.random() < p for name, p in probabilities.items()}


def _count(rng, p_nonzero: float, high: int) -> int:
    return rng.randint(1, max(1, high)) if rng.random() < p_nonzero else 0


def _decimal(rng, high: float):
    places = rng.choice((0, 1, 2))
    text = f"{rng.uniform(0.1, high):.{places}f}"
    return int(text) if places == 0 else float(text)


def _t2_numbers(rng, table2_template: str) -> dict:
    n = {}
    if table2_template == "2021":
        for doc in ("regulation", "normative"):
            p = 0.15 if doc == "regulation" else 0.7
            n[f"t2.{doc}.issued"] = _count(rng, p, 20)
            n[f"t2.{doc}.repealed"] = _count(rng, p / 2, 10)
            n[f"t2.{doc}.in_force"] = n[f"t2.{doc}.issued"] + _count(rng, p, 80)
        n["t2.licensing.decisions"] = _count(rng, 0.8, rng.choice((50, 900, 9999)))
        n["t2.penalty.decisions"] = _count(rng, 0.6, rng.choice((50, 900, 9999)))
        n["t2.coercion.decisions"] = _count(rng, 0.4, 300)
        n["t2.fee.amount"] = _decimal(rng, rng.choice((50, 9999))) if rng.random() < 0.4 else 0
        return n
    for doc in ("regulation", "normative"):
        p = 0.15 if doc == "regulation" else 0.7
        n[f"t2.{doc}.made"] = _count(rng, p, 20)
        made = n[f"t2.{doc}.made"]
        n[f"t2.{doc}.published"] = made - (rng.randint(0, made) if rng.random() < 0.2 else 0)
        n[f"t2.{doc}.total_published"] = n[f"t2.{doc}.published"] + _count(rng, p, 150)
    for item in ("licensing", "other_service", "penalty", "coercion", "fee"):
        prev = _count(rng, 0.7, rng.choice((20, 400)))
        n[f"t2.{item}.prev_items"] = prev
        n[f"t2.{item}.change"] = 0 if rng.random() < 0.5 else rng.randint(-min(prev, 30), 30)
        if item != "fee":
            n[f"t2.{item}.decisions"] = _count(rng, 0.6, rng.choice((50, 900, 9999)))
    n["t2.procurement.items"] = _count(rng, 0.4, 40)
    n["t2.procurement.amount"] = _decimal(rng, 9999) if n["t2.procurement.items"] else 0
    return n


_T3_ACTIVITY = {"granted": 0.8, "partial": 0.4, "unavailable.not_held": 0.6}


def _t3_numbers(rng, table3_template: str) -> dict:
    """Per applicant column: sparse result rows, then the rows the rules derive (R1, R3, R4)."""
    scale = rng.choice((0, 3, 20, 150, 1500))
    while True:
        n = {}
        for col in T3_APPLICANTS:
            high = scale if col == "natural" else scale // 8
            p_col = 0.9 if col == "natural" else 0.3
            active = rng.random() < p_col and high > 0
            total = 0
            for row in t3_result_rows(table3_template):
                value = _count(rng, _T3_ACTIVITY.get(row, 0.12), high) if active else 0
                n[f"t3.{row}.{col}"] = value
                total += value
            forward = _count(rng, 0.3, max(1, high // 10)) if active else 0
            over = rng.randint(0, min(total + forward, max(1, high // 10))) if rng.random() < 0.3 else 0
            n[f"t3.total.{col}"] = total
            n[f"t3.carried_forward.{col}"] = forward
            n[f"t3.carried_over.{col}"] = over
            n[f"t3.new.{col}"] = total + forward - over
        for row, _ in t3_row_plan(table3_template):
            n[f"t3.{row}.total"] = sum(n[f"t3.{row}.{col}"] for col in T3_APPLICANTS)
        if max(n.values()) <= 9999:
            return n


def _t4_numbers(rng) -> dict:
    n = {}
    for group in T4_GROUPS:
        high = rng.choice((3, 12, 40))
        for part in T4_PARTS:
            n[f"t4.{group}.{part}"] = _count(rng, 0.3, high)
        n[f"t4.{group}.total"] = sum(n[f"t4.{group}.{part}"] for part in T4_PARTS)
    return n


def _print_number(rng, fid: str, value, flags: dict) -> tuple[str, str, object]:
    """(raw, kind, value) for one cell; blanks and dashes only where the number is 0."""
    if value == 0 and flags["blanks"] and rng.random() < 0.5:
        return "", "blank", None
    if value == 0 and flags["dashes"] and rng.random() < 0.5:
        return rng.choice(DASHES), "dash", None
    if fid.endswith(".change"):
        return (f"+{value}" if value > 0 and rng.random() < 0.5 else str(value)), "number", value
    text = f"{value:,}" if flags["thousands"] and value >= 1000 else str(value)
    if isinstance(value, float):
        return text, "number", value
    if flags["fullwidth"] and rng.random() < 0.5:
        text = text.translate(FULLWIDTH)
    if flags["unit_suffix"] and _counts_documents(fid) and rng.random() < 0.5:
        text += "件"
    return text, "number", value


def _counts_documents(fid: str) -> bool:
    return fid.startswith(("t3.", "t4.")) or fid.endswith((".issued", ".repealed", ".in_force", ".made",
                                                             ".published", ".decisions"))


# ---------------------------------------------------------------- table model (public: reused by tools/)

@dataclass
class Cell:
    text: str = ""                   # "\n" = a line break inside the cell
    span: int = 1                    # w:gridSpan
    vmerge: str | None = None        # None | "restart" | "continue"
    field: str | None = None         # the field id a value cell prints
    align: str = "center"


@dataclass
class Row:
    cells: list
    grid_before: int = 0
    grid_after: int = 0
    height: int | None = None        # exact height in twips (long_text layouts)


@dataclass
class TableSpec:
    widths: list                     # w:gridCol widths, twips
    rows: list


CELL_MARGIN = 57                     # twips, left and right
CELL_FONT = 21                       # half-points (10.5 pt, 五号)
CELL_LINE = 300                      # twips, exact line height inside cells (long_text)
BODY_FONT = 24                       # half-points (12 pt)
BODY_LINE = 400                      # twips, exact line height of body paragraphs (long_text)


def new_document(*, exact_lines: bool = False) -> docx.document.Document:
    """An A4 document with a CJK Normal style; `exact_lines` fixes every line height (for pagination)."""
    doc = docx.Document()
    normal = doc.styles["Normal"]
    normal.font.name = "宋体"
    normal.font.size = Pt(BODY_FONT / 2)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.widow_control = False
    if exact_lines:
        fmt.line_spacing = Twips(BODY_LINE)
    section = doc.sections[0]
    section.page_width, section.page_height = Twips(11906), Twips(16838)
    section.top_margin = section.bottom_margin = Twips(1440)
    section.left_margin = section.right_margin = Twips(1000)
    return doc


def add_table(doc, spec: TableSpec, *, linebreak_style: str = "br", exact: bool = False):
    """Append the table at the end of the body; returns the w:tbl element."""
    tbl = parse_xml(_tbl_xml(spec, linebreak_style, exact))
    doc.element.body.sectPr.addprevious(tbl)
    return tbl


def _tbl_xml(spec: TableSpec, linebreak_style: str, exact: bool) -> str:
    borders = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                      for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in spec.widths)
    rows = "".join(_tr_xml(spec, row, linebreak_style, exact) for row in spec.rows)
    return (f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblW w:w="{sum(spec.widths)}" w:type="dxa"/>'
            f'<w:jc w:val="center"/><w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
            f'<w:tblCellMar><w:left w:w="{CELL_MARGIN}" w:type="dxa"/><w:right w:w="{CELL_MARGIN}" w:type="dxa"/>'
            f'</w:tblCellMar><w:tblLook w:val="0000"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{rows}</w:tbl>')


def _tr_xml(spec: TableSpec, row: Row, linebreak_style: str, exact: bool) -> str:
    props = ""
    if row.grid_before:
        props += f'<w:gridBefore w:val="{row.grid_before}"/>'
    if row.grid_after:
        props += f'<w:gridAfter w:val="{row.grid_after}"/>'
    if exact:
        props += '<w:cantSplit/>'
        if row.height:
            props += f'<w:trHeight w:val="{row.height}" w:hRule="exact"/>'
    cells, col = [], row.grid_before
    for cell in row.cells:
        width = sum(spec.widths[col:col + cell.span])
        cells.append(_tc_xml(cell, width, linebreak_style, exact))
        col += cell.span
    return f'<w:tr>{f"<w:trPr>{props}</w:trPr>" if props else ""}{"".join(cells)}</w:tr>'


def _tc_xml(cell: Cell, width: int, linebreak_style: str, exact: bool) -> str:
    props = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if cell.span > 1:
        props += f'<w:gridSpan w:val="{cell.span}"/>'
    if cell.vmerge == "restart":
        props += '<w:vMerge w:val="restart"/>'
    elif cell.vmerge == "continue":
        props += '<w:vMerge/>'
    props += '<w:vAlign w:val="center"/>'
    lines = cell.text.split("\n")
    if linebreak_style == "paragraph":
        paragraphs = [_p_xml([line], cell.align, exact) for line in lines]
    else:
        paragraphs = [_p_xml(lines, cell.align, exact)]
    return f'<w:tc><w:tcPr>{props}</w:tcPr>{"".join(paragraphs)}</w:tc>'


def _p_xml(lines: list, align: str, exact: bool) -> str:
    spacing = f'<w:spacing w:line="{CELL_LINE}" w:lineRule="exact"/>' if exact else ""
    rpr = f'<w:rPr><w:rFonts w:eastAsia="宋体"/><w:sz w:val="{CELL_FONT}"/><w:szCs w:val="{CELL_FONT}"/></w:rPr>'
    runs = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in lines)
    body = f"<w:r>{rpr}{runs}</w:r>" if any(lines) else ""
    return f'<w:p><w:pPr>{spacing}<w:jc w:val="{align}"/><w:rPr><w:sz w:val="{CELL_FONT}"/></w:rPr></w:pPr>{body}</w:p>'


# ---------------------------------------------------------------- labels

def _load_variants() -> dict:
    """(table, template_version, canonical_path) -> [variant, ...] from data/labels.csv."""
    pools: dict = {}
    with open(LABELS_CSV, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["canonical_path"].startswith("UNMAPPED"):
                continue
            unverified = r["source"].startswith("UNVERIFIED")
            variant = r["variant"].replace("\\n", "\n")
            pools.setdefault((r["table"], r["template_version"], r["canonical_path"]), []).append(
                (variant, unverified))
    return pools


_VARIANTS: dict | None = None
_S2T = None


def _traditional(text: str) -> str:
    global _S2T
    if _S2T is None:
        import opencc
        _S2T = opencc.OpenCC("s2t")
    return _S2T.convert(text)


class Labeler:
    """Prints one label: official text, or a real variant, broken, renumbered or in traditional characters."""

    def __init__(self, rng: random.Random, flags: dict):
        global _VARIANTS
        if _VARIANTS is None:
            _VARIANTS = _load_variants()
        self.rng, self.flags = rng, flags

    def __call__(self, table: str, template: str, path: str, *, breakable: bool = False) -> str:
        text = path.split("/")[-1]
        if self.flags["label_variants"] and self.rng.random() < 0.4:
            text = self.rng.choice(self._pool(table, template, path) or [text])
        if self.flags["linebreaks"] and breakable and "\n" not in text and 4 <= len(text) <= 8 \
                and self.rng.random() < 0.6:
            cut = len(text) // 2
            text = text[:cut] + "\n" + text[cut:]
        if self.flags["numbering_dunhao"]:
            text = re.sub(r"^(\d)\.", r"\1、", text)
        if self.flags["traditional"]:
            text = _traditional(text)
        return text

    def _pool(self, table: str, template: str, path: str) -> list:
        found = _VARIANTS.get((table, template, path), []) + _VARIANTS.get((table, "both", path), [])
        return [v for v, unverified in found if not unverified or self.flags["unverified_typos"]]


# ---------------------------------------------------------------- the three tables

T2_WIDTHS = [2435] * 4
T3_WIDTHS = [754, 921, 3271] + [685] * 7
T4_WIDTHS = [649] * 7 + [650] * 8
NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def _value(truth: Truth, fid: str, span: int = 1) -> Cell:
    return Cell(truth.raw.get(fid, _plain(truth.values.get(fid))), span=span, field=fid)


def _plain(value) -> str:
    return "" if value is None else str(value)


def table2_spec(truth: Truth, lab: Labeler) -> TableSpec:
    template = truth.template["table2"]
    rows = []
    for block, headers, data in T2_BLOCKS[template]:
        rows.append(Row([Cell(lab("t2", template, block), span=4)]))
        head_span = 3 // len(headers)
        header_cells = [Cell(lab("t2", template, f"{block}/信息内容", breakable=True))]
        for i, header in enumerate(headers):
            span = 3 - head_span * (len(headers) - 1) if i == len(headers) - 1 else head_span
            header_cells.append(Cell(lab("t2", template, f"{block}/{header}", breakable=True), span=span))
        rows.append(Row(header_cells))
        for label, cells in data:
            rows.append(Row([Cell(lab("t2", template, f"{block}/{label}"))] +
                            [_value(truth, fid, span) for fid, span in cells]))
    return TableSpec(list(T2_WIDTHS), rows)


def table3_header(lab: Labeler, template: str, *, brackets: bool = True) -> list:
    note = lab("t3", template, NOTE)
    if not brackets:
        note = re.sub(r"^[（(]|[）)]$", "", note)
    org = "申请人情况/法人或其他组织"
    return [
        Row([Cell(note, span=3, vmerge="restart"), Cell(lab("t3", template, "申请人情况"), span=7)]),
        Row([Cell(span=3, vmerge="continue"), Cell(lab("t3", template, "申请人情况/自然人"), vmerge="restart"),
             Cell(lab("t3", template, org), span=5),
             Cell(lab("t3", template, "申请人情况/总计"), vmerge="restart")]),
        Row([Cell(span=3, vmerge="continue"), Cell(vmerge="continue")] +
            [Cell(lab("t3", template, f"{org}/{name}", breakable=True))
             for name in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")] +
            [Cell(vmerge="continue")]),
    ]


def table3_label_cells(plan: list, index: int, lab: Labeler, template: str) -> list:
    """Label cells of data row `index`: vertical merges for 三、 and the （三）–（六） groups."""
    _, parts = plan[index]
    cells = []
    for level, _part in enumerate(parts):
        if level == len(parts) - 1:
            cells.append(Cell(lab("t3", template, "/".join(parts)), span=3 - level,
                              align="left" if level == 2 else "center"))
        elif index > 0 and plan[index - 1][1][:level + 1] == parts[:level + 1]:
            cells.append(Cell(vmerge="continue"))
        else:
            cells.append(Cell(lab("t3", template, "/".join(parts[:level + 1])), vmerge="restart"))
    return cells


def table3_rows(truth: Truth, lab: Labeler) -> list:
    template = truth.template["table3"]
    plan = t3_row_plan(template)
    return [Row(table3_label_cells(plan, i, lab, template) + [_value(truth, f"t3.{key}.{col}") for col in T3_COLS])
            for i, (key, _) in enumerate(plan)]


def table4_spec(truth: Truth, lab: Labeler) -> TableSpec:
    def head(path):
        return lab("t4", "both", path, breakable=True)
    suits = ("行政诉讼/未经复议直接起诉", "行政诉讼/复议后起诉")
    parts = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    rows = [
        Row([Cell(head("行政复议"), span=5), Cell(head("行政诉讼"), span=10)]),
        Row([Cell(head(f"行政复议/{p}"), vmerge="restart") for p in parts] +
            [Cell(head(s), span=5) for s in suits]),
        Row([Cell(vmerge="continue") for _ in parts] + [Cell(head(f"{s}/{p}")) for s in suits for p in parts]),
        Row([_value(truth, fid) for fid in t4_ids()]),
    ]
    return TableSpec(list(T4_WIDTHS), rows)


def _split_rows(rows: list, k: int) -> tuple[list, list]:
    """Cut table 3 before data row k; the second part starts its merged cells afresh (as Word does)."""
    second = [Row([Cell(c.text, c.span, "restart" if c.vmerge == "continue" else c.vmerge, c.field, c.align)
                   for c in rows[k].cells])] + rows[k + 1:]
    return rows[:k], second


def _add_extra_row(spec: TableSpec) -> None:
    spec.rows.append(Row([Cell() for _ in spec.widths]))


def _add_extra_col(spec: TableSpec) -> None:
    spec.widths.append(400)
    for row in spec.rows:
        row.cells.append(Cell())


# ---------------------------------------------------------------- layout flags

LAYOUT_FLAGS = {
    "title_split": 0.3, "linebreaks": 0.4, "label_variants": 0.4, "unverified_typos": 0.1,
    "traditional": 0.1, "numbering_dunhao": 0.3, "split_table3": 0.25, "extra_row": 0.15,
    "extra_col": 0.1, "note_brackets": 0.8, "long_text": 0.1, "landscape_tables": 0.1,
}


def _layout_flags(rng, given: dict) -> dict:
    flags = _pick_flags(rng, LAYOUT_FLAGS, given)
    flags["linebreak_style"] = given.get("linebreak_style") or rng.choice(("br", "paragraph"))
    flags["split_gap"] = given.get("split_gap") or rng.choice(("paragraph", "none"))
    return flags


# ---------------------------------------------------------------- body text

def _narrative(truth: Truth) -> dict:
    n = truth.number
    if truth.template["table2"] == "2021":
        active = f"本年制发行政规范性文件{n('t2.normative.issued')}件，现行有效{n('t2.normative.in_force')}件。"
    else:
        active = f"本年新制作规范性文件{n('t2.normative.made')}件，新公开{n('t2.normative.published')}件。"
    suits = n("t4.suit_direct.total") + n("t4.suit_after_review.total")
    return {
        "（一）主动公开": f"{truth.year}年，{truth.agency}严格落实《条例》规定，及时主动公开政府信息。{active}",
        "（二）依申请公开": (f"全年共受理政府信息公开申请{n('t3.new.total')}件，答复{n('t3.total.total')}件"
                       f"（含上年度结转申请{n('t3.carried_over.total')}件，另有{n('t3.carried_forward.total')}件顺延到下年度答复）。"
                       f"发生政府信息公开行政复议{n('t4.review.total')}件，行政诉讼{suits}件。"),
        "（三）政府信息管理": "规范信息发布审核流程，落实“三审三校”制度，动态更新政府信息公开指南。",
        "（四）平台建设": "持续优化政府信息公开专栏，做好政务新媒体的日常维护和内容保障。",
        "（五）监督保障": "将政府信息公开工作纳入年度考核，本年度未发生责任追究情况。",
    }


FILLER = (
    "进一步完善政府信息公开工作机制。", "坚持以公开为常态、不公开为例外。", "加强对重点领域信息公开的统筹。",
    "及时回应社会关切，做好政策解读。", "严格落实保密审查制度。", "定期开展政务公开业务培训。",
    "推进基层政务公开标准化规范化。", "不断提升依申请公开答复质量。",
)


def _headings(lab_flags: dict, rng: random.Random) -> list:
    official = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    lab = Labeler(rng, lab_flags)
    return [lab("heading", "both", h) for h in official]


class _Writer:
    """Writes one report; keeps the current page position when long_text needs it."""

    def __init__(self, truth: Truth, flags: dict, rng: random.Random):
        self.truth, self.flags, self.rng = truth, flags, rng
        self.exact = flags["long_text"]
        self.doc = new_document(exact_lines=self.exact)

    def para(self, text: str = "", *, bold=False, center=False, size=None, page_break=False):
        p = self.doc.add_paragraph()
        if text:
            run = p.add_run(text)
            run.bold = bold
            if size:
                run.font.size = Pt(size)
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if page_break:
            p.paragraph_format.page_break_before = True
        if size and self.exact:
            p.paragraph_format.line_spacing = Twips(BODY_LINE * 2)
        return p

    def table(self, spec: TableSpec):
        if self.exact:
            for row in spec.rows:
                row.height = _row_height(spec, row)
        add_table(self.doc, spec, linebreak_style=self.flags["linebreak_style"], exact=self.exact)

    def filler(self, count: int):
        for i in range(count):
            self.para(FILLER[(i + len(self.doc.paragraphs)) % len(FILLER)])


def write_docx(truth: Truth, path, *, variations: dict | None = None, rng: random.Random | None = None,
               long_text: bool | None = None, landscape_tables: bool | None = None) -> Truth:
    """Write `truth` as a .docx report; the layout choices are added to `truth.variations`."""
    rng = rng or random.Random()
    given = dict(variations or {})
    if long_text is not None:
        given["long_text"] = long_text
    if landscape_tables is not None:
        given["landscape_tables"] = landscape_tables
    flags = _layout_flags(rng, given)
    lab = Labeler(rng, flags)
    w = _Writer(truth, flags, rng)
    headings = _headings(flags, rng)

    t2 = table2_spec(truth, lab)
    t3_parts = _table3_specs(truth, lab, flags, rng)
    t4 = table4_spec(truth, lab)
    for spec in [t2, *t3_parts, t4]:
        if flags["extra_col"]:
            _add_extra_col(spec)
    if flags["extra_row"]:
        for spec in (t2, t3_parts[-1], t4):
            _add_extra_row(spec)

    _write_front(w, headings[0])
    if flags["landscape_tables"]:
        _new_section(w.doc, landscape=True)
    w.para(headings[1], bold=True)
    w.table(t2)
    fill3, fill4 = _long_text_fillers(w, t3_parts, t4) if w.exact else (0, 0)
    w.para(headings[2], bold=True, page_break=w.exact)
    w.filler(fill3)
    for i, spec in enumerate(t3_parts):
        if i and flags["split_gap"] == "paragraph":
            w.para("")
        w.table(spec)
    w.para(headings[3], bold=True)
    w.filler(fill4)
    w.table(t4)
    if flags["landscape_tables"]:
        _new_section(w.doc, landscape=False)
    _write_back(w, headings[4:])
    w.doc.save(str(path))
    truth.variations.update(flags)
    return truth


def _table3_specs(truth: Truth, lab: Labeler, flags: dict, rng: random.Random) -> list:
    header = table3_header(lab, truth.template["table3"], brackets=flags["note_brackets"])
    rows = table3_rows(truth, lab)
    if not flags["split_table3"]:
        return [TableSpec(list(T3_WIDTHS), header + rows)]
    k = flags.get("split_before_index") or rng.randint(3, len(rows) - 2)
    first, second = _split_rows(rows, k)
    flags["split_before_row"] = t3_row_plan(truth.template["table3"])[k][0]
    return [TableSpec(list(T3_WIDTHS), header + first), TableSpec(list(T3_WIDTHS), second)]


def _write_front(w: _Writer, heading: str):
    truth = w.truth
    title = f"{truth.agency}{truth.year}年政府信息公开工作年度报告"
    if w.flags["title_split"]:
        cut = title.index("年政府") + 3
        w.para(title[:cut], bold=True, center=True, size=18)
        w.para(title[cut:], bold=True, center=True, size=18)
    else:
        w.para(title, bold=True, center=True, size=18)
    notice = "国办公开办函〔2021〕30号" if truth.template["table2"] == "2021" else "国办公开办函〔2019〕60号"
    w.para(f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和{notice}文件要求编制。"
           f"本报告中所列数据的统计期限自{truth.year}年1月1日起至{truth.year}年12月31日止。")
    w.para(heading, bold=True)
    for sub, text in _narrative(truth).items():
        w.para(sub, bold=True)
        w.para(text)
        if w.exact:
            w.filler(4)


def _write_back(w: _Writer, headings: list):
    w.para(headings[0], bold=True)
    w.para("一是信息公开的主动性有待加强；二是政策解读形式较为单一。下一步将加强培训，提升公开质量。")
    w.para(headings[1], bold=True)
    if w.truth.template["table2"] == "2021":
        w.para(w.rng.choice(("本年度未收取政府信息公开信息处理费。", "本年度收取信息处理费0元。")))
    else:
        w.para("无。")


def _new_section(doc, *, landscape: bool):
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    short, long_ = Twips(11906), Twips(16838)
    section.page_width, section.page_height = (long_, short) if landscape else (short, long_)


# ---------------------------------------------------------------- long_text pagination

def _units(text: str) -> float:
    return sum(0.55 if ord(ch) < 128 else 1.0 for ch in text)


def _row_height(spec: TableSpec, row: Row) -> int:
    """Exact row height that fits every unmerged cell's text (counted in 10.5 pt character widths)."""
    lines, col = 1, row.grid_before
    for cell in row.cells:
        width = sum(spec.widths[col:col + cell.span]) - 2 * CELL_MARGIN - 30
        per_line = max(1, math.floor(width / (CELL_FONT * 10)))
        if cell.vmerge is None:
            lines = max(lines, sum(max(1, math.ceil(_units(part) / per_line)) for part in cell.text.split("\n")))
        col += cell.span
    return lines * CELL_LINE + 80


def _usable_height(w: _Writer) -> int:
    return (11906 if w.flags["landscape_tables"] else 16838) - 2 * 1440


def _place(blocks: list, usable: int) -> list:
    """(page, top) of each block height, moving a block that does not fit to the next page."""
    page, y, out = 0, 0, []
    for h in blocks:
        if y + h > usable and y > 0:
            page, y = page + 1, 0
        out.append((page, y))
        y += h
    return out


def _long_text_fillers(w: _Writer, t3_parts: list, t4: TableSpec) -> tuple[int, int]:
    """Filler lines before table 3 and table 4 so that a page break falls inside table 3's data rows
    and between table 4's first and second header rows (section 三 starts on a new page)."""
    usable, margin = _usable_height(w), 90
    t3 = []
    for i, spec in enumerate(t3_parts):
        if i and w.flags["split_gap"] == "paragraph":
            t3.append(("gap", BODY_LINE))
        t3 += [("row", _row_height(spec, row)) for row in spec.rows]
    t4_rows = [_row_height(t4, row) for row in t4.rows]
    options = []
    for fill3 in range(0, 40):
        blocks3 = [BODY_LINE] * (1 + fill3) + [h for _, h in t3]
        pos = _place(blocks3, usable)
        first = 1 + fill3
        breaks = [i for i in range(first + 4, len(blocks3) - 1)
                  if pos[i][0] != pos[i - 1][0] and t3[i - first][0] == "row"]
        if not breaks or pos[first][0] != 0:
            continue
        i = breaks[0]
        if not margin <= usable - (pos[i - 1][1] + blocks3[i - 1]) <= blocks3[i] - margin:
            continue
        for fill4 in range(0, 60):
            blocks = blocks3 + [BODY_LINE] * (1 + fill4) + t4_rows
            pos4 = _place(blocks, usable)
            r0 = len(blocks3) + 1 + fill4
            room = usable - (pos4[r0][1] + t4_rows[0])
            if pos4[r0 + 1][0] == pos4[r0][0] + 1 and margin <= room <= t4_rows[1] - margin:
                options.append((fill3, fill4, sum(kind == "row" for kind, _ in t3[:i - first])))
                break
    if not options:
        return 0, 0
    fill3, fill4, rows_before = w.rng.choice(options)
    w.flags["page_break_table3_before_row"] = rows_before      # table-3 rows on the first page, headers included
    return fill3, fill4
    return 0, 0


# ---------------------------------------------------------------- corpus

def make_corpus(directory, n: int, seed: int) -> list:
    """n varied reports (layouts in turn) with `<name>.truth.json` beside each; returns [(path, truth)]."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    out = []
    for i in range(n):
        layout = LAYOUTS[i % len(LAYOUTS)]
        truth = random_truth(rng, layout)
        path = directory / f"gen_{seed}_{i:03d}_{layout}.docx"
        write_docx(truth, path, rng=rng)
        write_truth(truth, path)
        out.append((path, truth))
    return out


def write_truth(truth: Truth, path) -> Path:
    """Write `<name>.truth.json` beside the report at `path`."""
    path = Path(path)
    target = path.with_name(path.stem + ".truth.json")
    target.write_text(json.dumps(truth.to_json(path.name), ensure_ascii=False, indent=1), encoding="utf-8")
    return target
