"""What audit.html shows, as plain data: reports, findings in words, cells, table layouts.

The page embeds these once as JSON and draws from them in the browser
(ogi/audit/html.py), so its size grows with the batch but its first screen
does not. Everything a person reads is Chinese: a finding's text loses its
rule code and field ids, names another report by agency, year and file,
and its suggestion becomes a sentence ("表四 行政复议·总计 印为 0，各项之和为
11，应为 11"). Table layouts come from data/fields.csv (row and column
paths), so table 4's groups (行政复议 / 未经复议直接起诉 / 复议后起诉) are
the template's own words.
"""
from __future__ import annotations

import json
import math
import re
from functools import lru_cache

import pandas as pd

from ogi.normalize.schema import fields, table_titles

from .catalogue import catalogue
from .failures import failure_words
from .identity import DUPLICATE_RULE, DUPLICATE_WORDING
from .model import fmt

SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
CAUSE_ZH = {"report": "报告本身", "extraction": "提取存疑"}
LEVEL_ORDER = ("中央", "省", "市", "县", "乡", "")
_FIELD_ID = re.compile(r"\bt[234](?:\.[a-z_]+)+\b")
_RULE_CODE = re.compile(r"^\s*R\d+\s+")
_HEX_ID = re.compile(r"(?<![\w./\\])[0-9a-f]{16}(?![\w.])")      # a report id, not part of a file name
_TRAILING_NOTE = re.compile(r"(?<=.)（[^（）]*）$")


def _s(v) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    try:
        if v != v:
            return ""
    except TypeError:
        pass
    return str(v)


def _str(v) -> str:
    """_s, without its checks for the usual case of a string (cells_payload runs it on every cell)."""
    return v if type(v) is str else _s(v)


def year_of(v) -> int | None:
    s = _s(v)
    return int(float(s)) if s else None


def rule_wording() -> dict[str, str]:
    out = {rid: r.wording_zh for rid, r in catalogue().items()}
    out[DUPLICATE_RULE] = DUPLICATE_WORDING
    return out


# ---------------------------------------------------------------- places and words

def short_table(t: str) -> str:
    return table_titles().get(t, t).split(" ")[0]


def _last(path: str) -> str:
    return _TRAILING_NOTE.sub("", path.split("/")[-1])


@lru_cache(maxsize=None)
def place(fid: str) -> str:
    """A cell in words: 表四 行政复议·总计, 表三 （二）部分公开·商业企业, 表二 规章·本年制发件数."""
    f = fields().get(fid)
    if f is None:
        return fid
    col = f.col_paths[0].split("/") if f.col_paths else [fid]
    if f.table == "t4":
        return f"{short_table('t4')} {col[-2] if len(col) >= 2 else ''}·{col[-1]}".replace(" ·", " ")
    row = _last(f.row_paths[0]) if f.row_paths and f.row_paths[0] else ""
    return f"{short_table(f.table)} {row}·{_last(col[-1])}"


def report_name(meta: dict) -> str:
    """Another report, for a message: 洪泽区人民政府 2023年（hongze-2023.pdf）."""
    source = _s(meta.get("source")).replace("\\", "/").split("/")[-1]
    year = year_of(meta.get("year"))
    shown_year = year if year is not None else "?"
    return f"{_s(meta.get('agency')) or '某机构'} {shown_year}年（{source or meta.get('report_id')}）"


def words(message: str, meta_by_id: dict[str, dict]) -> str:
    """A finding's message for a person: no rule code in front, field ids and report ids in words."""
    text = _RULE_CODE.sub("", _s(message))
    text = _FIELD_ID.sub(lambda m: place(m.group(0)) if m.group(0) in fields() else m.group(0), text)
    return _HEX_ID.sub(lambda m: report_name(meta_by_id[m.group(0)]) if m.group(0) in meta_by_id else m.group(0),
                       text)


def suggestion_words(finding: dict, cells: list[dict]) -> str:
    """'表四 行政复议·总计 印为 0，各项之和为 11，应为 11' from 't4.review.total = 11' (or '')."""
    text = _s(finding.get("suggestion"))
    if " = " not in text:
        return _FIELD_ID.sub(lambda m: place(m.group(0)), text)
    fid, value = (p.strip() for p in text.split(" = ", 1))
    cell = next((c for c in cells if c.get("field") == fid and c.get("report_id") == finding.get("report_id")),
                None) or next((c for c in cells if c.get("field") == fid), None)
    printed = printed_text(cell) if cell else "未取得"
    parts = f"，各项之和为 {value}" if _s(finding.get("expected")) == value else ""
    return f"{place(fid)} 印为 {printed}{parts}，应为 {value}"


def printed_text(cell: dict) -> str:
    kind = cell.get("kind")
    if kind == "blank":
        return "空白"
    if kind == "missing":
        return "未取得"
    raw = _s(cell.get("raw"))
    return raw if raw else "空白"


def pages(finding: dict, cells: list[dict]) -> str:
    """第4页 / 第3、4页: where this report printed the cells a finding names."""
    own = sorted({int(c["page"]) for c in cells if c.get("page") is not None
                  and c.get("report_id") == finding.get("report_id")})
    return f"第{'、'.join(str(p) for p in own)}页" if own else ""


# ---------------------------------------------------------------- table layouts from data/fields.csv

@lru_cache(maxsize=1)
def field_index() -> dict[str, int]:
    return {fid: i for i, fid in enumerate(fields())}


def _header(cols: list[list[str]]) -> list[list[list]]:
    """Header rows of [text, colspan, rowspan] from column paths (a short path's last part spans down)."""
    depth = max(len(c) for c in cols)
    rows: list[list[list]] = [[] for _ in range(depth)]
    for level in range(depth):
        i = 0
        while i < len(cols):
            path = cols[i]
            if level >= len(path):
                i += 1
                continue
            if level == len(path) - 1:
                rows[level].append([path[level], 1, depth - level])
                i += 1
                continue
            j = i
            while j < len(cols) and len(cols[j]) - 1 > level and cols[j][:level + 1] == path[:level + 1]:
                j += 1
            rows[level].append([path[level], j - i, 1])
            i = j
    return [r for r in rows if r]


@lru_cache(maxsize=None)
def layout(table: str, template: str) -> list[dict]:
    """Blocks of one table as the template prints it: {title, head, rows: [[label, depth, [field index …]]]}."""
    mine = [f for f in fields().values() if f.table == table and f.template in ("both", template)]
    blocks: dict[str, list] = {}
    for f in mine:
        row = f.row_paths[0] if f.row_paths else ""
        block = row.split("/")[0] if table == "t2" else ""
        blocks.setdefault(block, []).append(f)
    out = []
    idx = field_index()
    for title, fs in blocks.items():
        cut = 1 if table == "t2" else 0          # table 2's block name heads its rows and columns alike
        cols: list[tuple[str, ...]] = []
        for f in fs:
            c = tuple(f.col_paths[0].split("/")[cut:]) if f.col_paths else (f.column,)
            if c not in cols:
                cols.append(c)
        rows: dict[tuple[str, ...], list[int]] = {}
        for f in fs:
            r = tuple(f.row_paths[0].split("/")[cut:]) if f.row_paths and f.row_paths[0] else ("",)
            c = tuple(f.col_paths[0].split("/")[cut:]) if f.col_paths else (f.column,)
            rows.setdefault(r, [-1] * len(cols))[cols.index(c)] = idx[f.id]
        sums = _derived_rows(table, template, cut, cols)
        drawn, seen = [], set()
        for r, cells in rows.items():
            for d in range(len(r) - 1):          # parent rows (三、本年度办理结果, （三）不予公开) once
                if r[:d + 1] not in seen:
                    seen.add(r[:d + 1])
                    drawn.append([r[d], d, sums.get(r[:d + 1])])   # a derived sum (2021's （六）) drawn there
            drawn.append([r[-1], len(r) - 1, cells])
        out.append({"title": title, "head": _header([list(c) for c in cols]), "rows": drawn})
    return out


def _derived_rows(table: str, template: str, cut: int, cols: list[tuple[str, ...]]) -> dict[tuple, list[int]]:
    """Row path → cells of the derived fields (sums of printed rows) the template does not print itself."""
    out: dict[tuple, list[int]] = {}
    idx = field_index()
    for f in fields().values():
        if f.table != table or not f.sum_of or f.template in ("both", template) or not f.row_paths:
            continue
        c = tuple(f.col_paths[0].split("/")[cut:]) if f.col_paths else (f.column,)
        if c in cols:
            out.setdefault(tuple(f.row_paths[0].split("/")[cut:]), [-1] * len(cols))[cols.index(c)] = idx[f.id]
    return out


def layouts() -> dict[str, dict[str, list]]:
    return {t: {tpl: layout(t, tpl) for tpl in ("2019", "2021")} for t in ("t2", "t3", "t4")}


def field_list() -> list[list[str]]:
    """[id, table, place, 1 if derived (a sum of printed fields) else 0] per field, in field_index order."""
    return [[fid, f.table, place(fid), 1 if f.sum_of else 0] for fid, f in fields().items()]


# The counts the year-over-year view puts first, before the rates of data/indicators.csv.
KEY_NUMBERS = (("新收申请", ("t3.new.total",)), ("上年结转", ("t3.carried_over.total",)),
               ("办理结果总计", ("t3.total.total",)), ("结转下年度", ("t3.carried_forward.total",)),
               ("行政复议", ("t4.review.total",)), ("行政诉讼", ("t4.suit_direct.total", "t4.suit_after_review.total")))


def key_numbers() -> list[list]:
    """[name, field indexes summed] per key number."""
    idx = field_index()
    return [[name, [idx[f] for f in fids]] for name, fids in KEY_NUMBERS]


def indicator_list() -> list[list]:
    """[name, numerator field indexes, denominator field indexes, small-number guard] per indicator."""
    from ogi.indicators import definitions
    idx = field_index()
    return [[ind.name_zh, [idx[f] for f in ind.numerator], [idx[f] for f in ind.denominator], ind.min_denominator]
            for ind in definitions().values()]


# ---------------------------------------------------------------- per report

# One letter per field in a report's kinds string ('.' = not read); see cells_payload.
KIND_LETTER = {"number": "n", "blank": "b", "dash": "d", "text": "t", "derived": "D", "inferred": "I", "ocr": "o"}


def cells_payload(records: list[dict] | None) -> dict:
    """One report's cells, compact (a third of a list of cells; the page's size is mostly this):

    r: the raw texts of fields 0 … n-1 (field_index order) joined by tabs; k: one kind letter per
    field (KIND_LETTER, '.' where nothing was read); p: [field index, page] where the page changes;
    f: fields whose label was matched fuzzily.
    """
    idx = field_index()
    cells: dict[int, tuple[str, str, int | None, bool]] = {}
    for r in records or []:
        fi = idx.get(str(r.get("field")))
        if fi is None or fi in cells:
            continue
        raw, kind = _str(r.get("raw")), _str(r.get("kind"))
        if kind == "missing":                     # not read: its raw is the row's printed run, not the cell
            continue
        if not raw and kind in ("derived", "inferred") and _s(r.get("value")):
            raw = fmt(float(r["value"]))          # never printed: the value the arithmetic gives
        page = r.get("page")
        cells[fi] = (" ".join(raw.split("\t")), KIND_LETTER.get(kind, "t"),
                     page if type(page) is int else year_of(page), _str(r.get("label_match")) == "fuzzy")
    if not cells:
        return {}
    n = max(cells) + 1
    pages, page = [], None
    for fi in sorted(cells):
        if cells[fi][2] != page:
            page = cells[fi][2]
            pages.append([fi, page or 0])
    return {"r": "\t".join(cells[i][0] if i in cells else "" for i in range(n)),
            "k": "".join(cells[i][1] if i in cells else "." for i in range(n)),
            "p": pages, "f": [fi for fi in sorted(cells) if cells[fi][3]]}


def finding_row(f: dict, report_index: dict[str, int], meta_by_id: dict[str, dict]) -> list:
    """[report index, rule, severity, cause, text, suggestion, pages, fingerprint, cells, check].

    cells: [report index or -1, field index, role, printed, page] for every cell the finding names.
    """
    cells = json.loads(f.get("cells") or "[]")
    idx = field_index()
    named = [[report_index.get(str(c.get("report_id")), -1), idx.get(c.get("field"), -1), _s(c.get("role")),
              printed_text(c), c.get("page") or 0] for c in cells]
    return [report_index[str(f["report_id"])], f["rule"], f["severity"], f["cause"],
            words(f["message"], meta_by_id), suggestion_words(f, cells), pages(f, cells),
            _s(f.get("fingerprint")), named, _s(f.get("check"))]


REPORT_FIELDS = ["id", "agency", "level", "type", "province", "city", "county", "year", "format", "status",
                 "coverage", "source", "key", "template_t2", "template_t3", "reason", "checks", "passed"]


def report_row(meta: dict, key_index: dict[str, int]) -> list:
    """The overview's row of one report (see REPORT_FIELDS)."""
    from .identity import agency_key

    key = agency_key(meta)
    coverage = meta.get("coverage")
    if _s(coverage) == "":
        n = _s(meta.get("n_values"))
        coverage = f"{n} 个数值" if n else ""
    elif isinstance(coverage, float):
        coverage = f"{coverage:.0%}" if coverage <= 1 else f"{coverage:g}"
    level, kind = _s(meta.get("agency_level")), _s(meta.get("agency_type"))
    if "agency_level" not in meta:                # a dataset written before the identity columns
        from ogi.identity import agency_level, agency_type
        level, kind = agency_level(meta), agency_type(meta)
    return [_s(meta.get("report_id")), _s(meta.get("agency")), level, kind,
            _s(meta.get("province")), _s(meta.get("city")), _s(meta.get("county")),
            year_of(meta.get("year")), _s(meta.get("format")), _s(meta.get("status")), _s(coverage),
            _s(meta.get("source")), key_index.setdefault(key, len(key_index)), _s(meta.get("template_t2")),
            _s(meta.get("template_t3")), "", _count(meta.get("checks")), _count(meta.get("checks_passed"))]


def _count(v) -> int | None:
    """A check count, or None for a report whose checks were not counted."""
    s = _s(v)
    return int(float(s)) if s else None


def error_row(err: dict) -> list:
    """errors.csv line → an overview row with status 'failed' and the reason."""
    source = _s(err.get("source"))
    name = source.replace("\\", "/").split("/")[-1]
    return ["", name, "", "", "", "", "", None, "", "failed", "", source, -1, "", "",
            failure_words(_s(err.get("stage")), _s(err.get("reason"))), None, None]
