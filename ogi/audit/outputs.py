"""The audit's files in OUT: findings.parquet/.csv, audit.xlsx, audit.html.

Every file is written to a temporary file in OUT and moved into place with
os.replace, so a reader (or a crashed run) never sees half a file.
findings.csv is UTF-8 with a BOM so Excel opens the Chinese correctly.
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Callable

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .grids import TABLE_NAMES, grids, records_by_report
from .identity import agency_key
from .model import FINDING_COLUMNS

log = logging.getLogger(__name__)

SEVERITIES = ("error", "warning", "info")
RED = PatternFill("solid", fgColor="FFC7CE")
DARK_RED = PatternFill("solid", fgColor="FF7C80")
GREY = PatternFill("solid", fgColor="E7E6E6")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """write(tmp) into a temp file beside `path`, then rename over it."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix + ".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def involved(findings: pd.DataFrame) -> dict[str, dict[str, set[str]]]:
    """report_id → field → roles, for every cell a finding names (in any report)."""
    out: dict[str, dict[str, set[str]]] = {}
    for text in findings["cells"]:
        for c in json.loads(text or "[]"):
            out.setdefault(str(c.get("report_id")), {}).setdefault(c["field"], set()).add(c.get("role", ""))
    return out


def summary(findings: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """One row per agency (identity key): region, years, counts by severity."""
    meta = reports.drop_duplicates("report_id").set_index(reports.drop_duplicates("report_id")["report_id"]
                                                          .astype(str))
    rows: dict[str, dict] = {}
    for rid, group in findings.groupby(findings["report_id"].astype(str), sort=False):
        m = meta.loc[rid].to_dict() if rid in meta.index else {"agency": group["agency"].iloc[0]}
        key = agency_key(m)
        row = rows.setdefault(key, {"agency": group["agency"].iloc[0], "province": m.get("province"),
                                    "city": m.get("city"), "county": m.get("county"), "years": set(),
                                    "reports": set(), **{s: 0 for s in SEVERITIES}})
        row["reports"].add(rid)
        if pd.notna(group["year"].iloc[0]):
            year = int(group["year"].iloc[0])
            row["years"].add(year)
            if year >= max(row["years"]):          # agencies are shown under their latest name
                row["agency"] = group["agency"].iloc[0]
        for s, n in group["severity"].value_counts().items():
            row[s] = row.get(s, 0) + int(n)
    out = []
    for row in rows.values():
        row["years"] = ",".join(str(y) for y in sorted(row["years"]))
        row["reports"] = len(row["reports"])
        row["total"] = sum(row[s] for s in SEVERITIES)
        out.append(row)
    cols = ["agency", "province", "city", "county", "years", "reports", *SEVERITIES, "total"]
    df = pd.DataFrame(out, columns=cols)
    return df.sort_values(["total", "error", "agency"], ascending=[False, False, True]).reset_index(drop=True)


def _clean(v):
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    return v


def _xlsx(path: Path, findings: pd.DataFrame, reports: pd.DataFrame, values: pd.DataFrame) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    summ = summary(findings, reports)
    heads = ["机构", "省", "市", "县区", "年度", "报告数", "错误", "警告", "提示", "合计"]
    ws.append(heads)
    for r in summ.itertuples(index=False):
        ws.append([_clean(v) for v in r])
    _style_header(ws, len(heads))

    ws = wb.create_sheet("问题清单")
    ws.append(FINDING_COLUMNS)
    for r in findings[FINDING_COLUMNS].itertuples(index=False):
        ws.append([_clean(v) for v in r])
    _style_header(ws, len(FINDING_COLUMNS))
    ws.column_dimensions["H"].width = 80

    marks = involved(findings)
    sheets = {t: wb.create_sheet(name.split()[0]) for t, name in TABLE_NAMES.items()}
    lines = {t: 1 for t in sheets}
    order = findings.drop_duplicates("report_id")[["report_id", "agency", "year"]]
    by_report = records_by_report(values)
    suggestions = findings.groupby(findings["report_id"].astype(str))["suggestion"].apply(
        lambda s: {x.split(" = ")[0]: x for x in s if x})
    for rid, agency, year in order.itertuples(index=False):
        rid = str(rid)
        marked = marks.get(rid, {})
        for t, grid in grids(by_report.get(rid)).items():
            ws, n = sheets[t], lines[t]
            ws.cell(n, 1, f"{agency} {'' if pd.isna(year) else int(year)}年（{rid}）").font = Font(bold=True)
            n += 1
            for gr in grid.rows:
                if gr.header:
                    for i, h in enumerate(gr.header):
                        c = ws.cell(n, i + 2, h)
                        c.fill = GREY
                        c.alignment = Alignment(wrap_text=True)
                    n += 1
                ws.cell(n, 1, gr.label)
                for i, (raw, fid) in gr.cells.items():
                    c = ws.cell(n, i + 2, raw)
                    if fid in marked:
                        c.fill = DARK_RED if "suggested" in marked[fid] else RED
                        hint = suggestions.get(rid, {}).get(fid)
                        c.comment = Comment(f"{fid}" + (f"\n建议：{hint}" if hint else ""), "ogi audit")
                n += 1
            lines[t] = n + 1
    for ws in sheets.values():
        ws.column_dimensions["A"].width = 42
    wb.save(path)


def _style_header(ws, n: int) -> None:
    for i in range(1, n + 1):
        ws.cell(1, i).font = Font(bold=True)
        ws.cell(1, i).fill = GREY
        ws.column_dimensions[get_column_letter(i)].width = max(ws.column_dimensions[get_column_letter(i)].width or 0,
                                                               12)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def write_audit(out_dir, findings: pd.DataFrame, reports: pd.DataFrame, values: pd.DataFrame) -> dict[str, Path]:
    """Write findings.parquet, findings.csv, audit.xlsx and audit.html into out_dir."""
    from .html import render          # the page is the largest piece; keep it in its own module

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    findings = findings[FINDING_COLUMNS] if len(findings.columns) else findings
    paths = {name: out / name for name in ("findings.parquet", "findings.csv", "audit.xlsx", "audit.html")}
    atomic_write(paths["findings.parquet"], lambda p: findings.to_parquet(p, index=False))
    atomic_write(paths["findings.csv"], lambda p: findings.to_csv(p, index=False, encoding="utf-8-sig"))
    atomic_write(paths["audit.xlsx"], lambda p: _xlsx(p, findings, reports, values))
    page = render(findings, reports, values, summary(findings, reports))
    atomic_write(paths["audit.html"], lambda p: p.write_text(page, encoding="utf-8"))
    log.info("audit: wrote %s", ", ".join(str(p) for p in paths.values()))
    return paths
