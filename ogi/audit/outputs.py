"""The audit's files in OUT: findings.parquet/.csv, audit.xlsx, audit.html.

Every file is written to a temporary file in OUT and moved into place with
os.replace, so a reader (or a crashed run) never sees half a file.
findings.csv is UTF-8 with a BOM so Excel opens the Chinese correctly.
"""
from __future__ import annotations

import json
import logging
import os
import pickle
import tempfile
from collections import Counter
from pathlib import Path
from typing import Callable

import pandas as pd
from ..files import atomic_write
from ..sheetsafe import csv_safe
from ..xlsx import Book, Cell, Sheet, Style
from .grids import TABLE_NAMES, grids, records_by_report
from .html import write_page
from .identity import agency_key
from .model import FINDING_COLUMNS, group_label
from .page_data import CAUSE_ZH, SEVERITY_ZH, cells_payload, pages, place, suggestion_words, words

log = logging.getLogger(__name__)

SEVERITIES = ("error", "warning", "info")
RED = Style(fill="FFC7CE")
DARK_RED = Style(fill="FF7C80")
HEAD = Style(bold=True, fill="E7E6E6")
GRID_HEAD = Style(fill="E7E6E6", wrap=True)
BOLD = Style(bold=True)


def involved(findings: pd.DataFrame) -> dict[str, dict[str, set[str]]]:
    """report_id → field → roles, for every cell a finding names (in any report)."""
    out: dict[str, dict[str, set[str]]] = {}
    for text in findings["cells"]:
        for c in json.loads(text or "[]"):
            out.setdefault(str(c.get("report_id")), {}).setdefault(c["field"], set()).add(c.get("role", ""))
    return out


# What summary() and the page need of a report: agency_key's columns and the overview's.
META_COLUMNS = ("report_id", "agency", "adcode", "province", "city", "county", "agency_key", "agency_level",
                "agency_type", "year", "source", "format", "status", "coverage", "n_values", "template_t2",
                "template_t3")


def report_meta(meta: dict) -> dict:
    return {c: meta.get(c) for c in META_COLUMNS if c in meta}


def reports_meta(reports: pd.DataFrame) -> dict[str, dict]:
    """report_id → report_meta, the first row of a repeated id (as build_reports)."""
    cols = [c for c in META_COLUMNS if c in reports.columns]
    return {str(r["report_id"]): r for r in reports.drop_duplicates("report_id")[cols].to_dict("records")}


def summary(findings: pd.DataFrame, reports: pd.DataFrame | dict[str, dict]) -> pd.DataFrame:
    """One row per agency (identity key): region, years, counts by severity."""
    meta = reports if isinstance(reports, dict) else reports_meta(reports)
    by_report: dict[str, tuple] = {}                # report → its first finding's agency and year, severities
    for rid, agency, year, severity in zip(findings["report_id"].astype(str), findings["agency"], findings["year"],
                                           findings["severity"]):
        first = by_report.setdefault(rid, (agency, year, Counter()))
        first[2][severity] += 1
    rows: dict[str, dict] = {}
    for rid, (agency, year, severities) in by_report.items():
        m = meta.get(rid) or {"agency": agency}
        key = agency_key(m)
        row = rows.setdefault(key, {"agency": agency, "province": m.get("province"),
                                    "city": m.get("city"), "county": m.get("county"), "years": set(),
                                    "reports": set(), **{s: 0 for s in SEVERITIES}})
        row["reports"].add(rid)
        if pd.notna(year):
            year = int(year)
            row["years"].add(year)
            if year >= max(row["years"]):          # agencies are shown under their latest name
                row["agency"] = agency
        for s, n in severities.items():
            row[s] = row.get(s, 0) + n
    out = []
    for row in rows.values():
        row["years"] = ",".join(str(y) for y in sorted(row["years"]))
        row["reports"] = len(row["reports"])
        row["total"] = sum(row[s] for s in SEVERITIES)
        out.append(row)
    cols = ["agency", "province", "city", "county", "years", "reports", *SEVERITIES, "total"]
    df = pd.DataFrame(out, columns=cols)
    return df.sort_values(["total", "error", "agency"], ascending=[False, False, True]).reset_index(drop=True)


class GridStore:
    """Reports' tables, in a temp file in OUT while the audit runs: every report's cells
    (page_data.cells_payload, for audit.html) and the flagged reports' grids (grids.Grid, for audit.xlsx).

    Both are drawn once every chunk is done; holding them would grow with the dataset.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.offsets: dict[str, tuple[int, int]] = {}

    def __enter__(self) -> "GridStore":
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".audit-grids.", suffix=".tmp", dir=self.folder)
        self.path = Path(name)
        self.file = os.fdopen(fd, "w+b")
        return self

    def __exit__(self, *exc) -> None:
        self.file.close()
        self.path.unlink(missing_ok=True)

    def add(self, values: pd.DataFrame, flagged: set[str] | None = None) -> None:
        """Every report's cells in `values`; the grids of those in `flagged` (all when None)."""
        for rid, recs in records_by_report(values).items():
            self._put(("cells", rid), cells_payload(recs))
            if flagged is None or rid in flagged:
                self._put(("grids", rid), grids(recs))

    def _put(self, key: tuple[str, str], obj) -> None:
        blob = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        self.file.seek(0, os.SEEK_END)
        self.offsets[key] = (self.file.tell(), len(blob))
        self.file.write(blob)

    def _get(self, key: tuple[str, str], default):
        where = self.offsets.get(key)
        if where is None:
            return default
        self.file.seek(where[0])
        return pickle.loads(self.file.read(where[1]))

    def grids(self, rid: str) -> dict:
        return self._get(("grids", rid), {})

    def cells(self, rid: str) -> dict:
        return self._get(("cells", rid), {})


def _clean(v):
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    return v


# The table sheets draw each flagged report's tables (~20–60 rows a sheet) with a comment on
# every flagged cell. Beyond this many reports they would pass Excel's 1,048,576 rows and the
# comments (held in memory until the workbook is saved) would grow with the
# archive; so only the first ones are drawn and the sheets say so. 问题清单 keeps every finding.
MAX_GRID_REPORTS = 10000


def _header(ws: Sheet, heads: list[str], n_rows: int, widths: dict[int, float] | None = None) -> None:
    """Bold grey header row, frozen, with a filter over the whole table."""
    ws.widths({i: 13 for i in range(len(heads))} | (widths or {}))
    ws.freeze(1)
    ws.filter(len(heads), n_rows)
    ws.append(heads, HEAD)


# 问题清单's columns: Chinese header, and what fills it (see finding_rows).
LIST_COLUMNS = [("机构", "agency"), ("年度", "year"), ("省", "province"), ("市", "city"), ("县区", "county"),
                ("文件", "source"), ("规则", "rule"), ("级别", "severity"), ("原因", "cause"), ("问题", "message"),
                ("页码", "pages"), ("印为", "actual"), ("应为", "expected"), ("建议", "suggestion"),
                ("审核", "review"), ("审核备注", "review_note"), ("问题指纹", "fingerprint"), ("校验项", "check"),
                ("报告编号", "report_id"), ("本报告校验通过", "checks")]


def finding_rows(findings: pd.DataFrame, meta: dict[str, dict]):
    """问题清单's rows: every finding in words (page_data), severities and causes in Chinese."""
    for f in findings.to_dict("records"):
        m = meta.get(str(f["report_id"]), {})
        cells = json.loads(f.get("cells") or "[]")
        shown = {**f, "province": m.get("province"), "city": m.get("city"), "county": m.get("county"),
                 "severity": SEVERITY_ZH.get(f["severity"], f["severity"]),
                 "cause": CAUSE_ZH.get(f["cause"], f["cause"]),
                 "message": words(f["message"], meta), "pages": pages(f, cells),
                 "suggestion": suggestion_words(f, cells),
                 "checks": f"{m['checks_passed']}/{m['checks']}" if m.get("checks") is not None else None}
        yield [_clean(shown.get(key)) for _, key in LIST_COLUMNS]


def _grouped(table: str, label: str, cell: tuple[str, str] | None) -> str:
    """Table 4's column label with its group (行政复议·结果维持): the three groups print the same labels."""
    if table != "t4" or cell is None:
        return label
    return f"{group_label(cell[1])}·{label}"


def _xlsx(path: Path, findings: pd.DataFrame, summ: pd.DataFrame, grids_of: Callable[[str], dict],
          meta: dict[str, dict] | None = None) -> None:
    """Rows stream to disk (ogi/xlsx.py), so only one report's tables are held at a time."""
    with Book(path) as wb:
        ws = wb.sheet("汇总")
        _header(ws, ["机构", "省", "市", "县区", "年度", "报告数", "错误", "警告", "提示", "合计"], len(summ))
        ws.append_rows(summ.itertuples(index=False))

        ws = wb.sheet("问题清单")
        _header(ws, [h for h, _ in LIST_COLUMNS], len(findings), {9: 80, 13: 50})
        ws.append_rows(finding_rows(findings, meta))
        _grid_sheets(wb, findings, grids_of)


def _grid_sheets(wb: Book, findings: pd.DataFrame, grids_of: Callable[[str], dict]) -> None:
    """表二/表三/表四: each flagged report's tables as printed, the cells a finding names coloured."""
    marks = involved(findings)
    sheets = {t: wb.sheet(name.split()[0]) for t, name in TABLE_NAMES.items()}
    for ws in sheets.values():
        ws.widths({0: 42})
    started = set()
    order = findings.drop_duplicates("report_id")[["report_id", "agency", "year"]]
    if len(order) > MAX_GRID_REPORTS:
        for ws in sheets.values():
            ws.append([f"（报告过多：仅列出前 {MAX_GRID_REPORTS} 份有问题报告的表格，按“问题清单”顺序；"
                       f"全部问题见“问题清单”。）"], BOLD)
            ws.append([])
        order = order.head(MAX_GRID_REPORTS)
    suggestions: dict[str, dict[str, str]] = {}
    for f in findings[findings["suggestion"].astype(str).str.contains(" = ")].to_dict("records"):
        suggestions.setdefault(str(f["report_id"]), {})[f["suggestion"].split(" = ")[0]] = \
            suggestion_words(f, json.loads(f.get("cells") or "[]"))
    for rid, agency, year in order.itertuples(index=False):
        rid = str(rid)
        marked = marks.get(rid, {})
        for t, grid in grids_of(rid).items():
            ws = sheets[t]
            if t in started:
                ws.append([])                       # a blank row between reports
            started.add(t)
            ws.append([f"{agency} {'' if pd.isna(year) else int(year)}年（{rid}）"], BOLD)
            for gr in grid.rows:
                if gr.header:
                    ws.append([None] + [Cell(_grouped(t, h, gr.cells.get(i)), GRID_HEAD)
                                        for i, h in enumerate(gr.header)])
                row = [None] * (1 + max(gr.cells, default=-1) + 1)
                row[0] = gr.label
                for i, (raw, fid) in gr.cells.items():
                    if fid in marked:
                        hint = suggestions.get(rid, {}).get(fid)
                        row[i + 1] = Cell(raw, DARK_RED if "suggested" in marked[fid] else RED,
                                          place(fid) + (f"\n建议：{hint}" if hint else ""), "ogi audit")
                    else:
                        row[i + 1] = raw
                ws.append(row)


def write_files(out_dir, findings: pd.DataFrame, meta: dict[str, dict], grids_of: Callable[[str], dict],
                n_reports: int, cells_of: Callable[[str], list] | None = None, reviews_dir=None,
                checks: pd.DataFrame | None = None) -> dict[str, Path]:
    """findings.parquet/.csv, audit.xlsx, audit.html (and checks.parquet/.csv) from the sorted findings.

    meta: report_id → report_meta of every report audited (the page lists each);
    grids_of(report_id) → a flagged report's tables (audit.xlsx); cells_of(report_id) → a report's
    cells for the page; n_reports: how many were audited. The decisions of OUT/reviews.csv are
    carried into the findings (fingerprint, review, review_note) and the page. `checks`
    (audit_reports' second table): each report's checks run and passed, shown in the page too.
    """
    from ogi import review

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if checks is not None:
        write_checks(out, checks)
        meta = with_checks(meta, checks)
    findings = findings[FINDING_COLUMNS] if len(findings.columns) else findings
    reviews = review.read(reviews_dir or out)
    findings = review.annotate(findings, reviews)
    errors = _errors(out)
    paths = {name: out / name for name in ("findings.parquet", "findings.csv", "audit.xlsx", "audit.html")}
    atomic_write(paths["findings.parquet"], lambda p: findings.to_parquet(p, index=False))
    atomic_write(paths["findings.csv"], lambda p: csv_safe(findings).to_csv(p, index=False, encoding="utf-8-sig"))
    summ = summary(findings, meta)
    atomic_write(paths["audit.xlsx"], lambda p: _xlsx(p, findings, summ, grids_of, meta))
    cells_of = cells_of or (lambda rid: {})
    payload = review.page_payload(reviews, findings["fingerprint"])
    atomic_write(paths["audit.html"], lambda p: write_page(p, findings, meta, cells_of, errors, payload))
    log.info("audit: wrote %s", ", ".join(str(p) for p in paths.values()))
    return paths


def _errors(out: Path) -> pd.DataFrame | None:
    """errors.csv of the dataset folder: the files that could not be read are listed in the page too."""
    path = out / "errors.csv"
    if not path.exists():
        return None
    try:
        return pd.read_csv(path, encoding="utf-8-sig", dtype=str).fillna("")
    except (pd.errors.EmptyDataError, pd.errors.ParserError):
        return None


def write_audit(out_dir, findings: pd.DataFrame, reports: pd.DataFrame, values: pd.DataFrame,
                previous: pd.DataFrame | None = None, checks: pd.DataFrame | None = None) -> dict[str, Path]:
    """Write findings.parquet, findings.csv, audit.xlsx and audit.html into out_dir (all in memory).

    `previous`: an earlier dataset's reports, so cross-year findings name last year's report;
    `checks`: audit_reports' checks per report (then checks.parquet/.csv too, and the page shows them).
    """
    by_report = records_by_report(values)
    meta = reports_meta(reports)
    if previous is not None:
        meta.update({rid: {**m, "previous": True} for rid, m in reports_meta(previous).items() if rid not in meta})
    n_reports = sum(not m.get("previous") for m in meta.values())
    return write_files(out_dir, findings, meta, lambda rid: grids(by_report.get(rid)), n_reports,
                       lambda rid: cells_payload(by_report.get(rid)), checks=checks)


def write_checks(out: Path, checks: pd.DataFrame) -> None:
    """OUT/checks.parquet and .csv: per report, the checks run and passed ("24 项校验通过").

    Sorted by report_id: one order however the audit was chunked.
    """
    checks = checks.sort_values("report_id", kind="stable").reset_index(drop=True)
    for suffix, write in ((".parquet", lambda p: checks.to_parquet(p, index=False)),
                          (".csv", lambda p: checks.to_csv(p, index=False, encoding="utf-8-sig"))):
        atomic_write(Path(out) / f"checks{suffix}", write)


def with_checks(meta: dict[str, dict], checks: pd.DataFrame) -> dict[str, dict]:
    """meta with each audited report's `checks` and `checks_passed` (the page's 校验 column)."""
    counts = {str(r): (int(n), int(p)) for r, n, p in zip(checks["report_id"], checks["checks"],
                                                             checks["checks_passed"])}
    return {rid: {**m, "checks": counts[rid][0], "checks_passed": counts[rid][1]} if rid in counts else m
            for rid, m in meta.items()}
