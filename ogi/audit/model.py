"""What every rule family works on: one report's cells, and the findings.

A report's cells come from the `values` table (one row per printed value,
with its provenance); a report with no `values` rows falls back to the field
columns of `reports` (values without positions). Rules never read raw
documents: only these structures and data/.
"""
from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ogi.normalize.schema import Field, fields, templates
from ogi.normalize.value import Kind, Origin, Value

from .catalogue import catalogue

log = logging.getLogger(__name__)

FINDING_COLUMNS = ["report_id", "source", "agency", "year", "rule", "severity", "cause", "message", "cells",
                   "expected", "actual", "suggestion", "check"]
# `check` is the rule instance (e.g. "R5[review]"): stable across runs, for diffs.

_POSITION = ("table", "row", "col", "page")


def describe(cell: Value) -> str:
    """The cell for a message: its printed value, or what it was instead."""
    if cell.kind is Kind.MISSING:
        return "未取得"
    if cell.kind is Kind.BLANK:
        return "空白"
    if cell.value is None:
        return f"“{cell.raw}”"
    return fmt(cell.value)


def cell_json(cell: Value, role: str = "") -> dict:
    """A cell as a finding's `cells` column lists it (the values table's kind label)."""
    out: dict[str, Any] = {"field": cell.field, "report_id": cell.report_id, "raw": cell.raw,
                           "value": cell.value, "kind": cell.label}
    for key in _POSITION:
        v = getattr(cell, key)
        if v is not None:
            out[key] = v
    if role:
        out["role"] = role
    return out


def fmt(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return str(int(x)) if float(x) == int(x) else f"{x:g}"


def _clean(v):
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def _int(v) -> int | None:
    v = _clean(v)
    return None if v is None else int(v)


@dataclass
class Report:
    id: str
    meta: dict
    cells: dict[str, Value] = field(default_factory=dict)
    checked: list[str] = field(default_factory=list)    # the checks run on it (rule instances)

    @property
    def year(self) -> int | None:
        return _int(self.meta.get("year"))

    @property
    def template_t2(self) -> str | None:
        return _template(self.meta.get("template_t2"))

    @property
    def template_t3(self) -> str | None:
        return _template(self.meta.get("template_t3"))

    @property
    def agency(self) -> str:
        return str(_clean(self.meta.get("agency")) or "")

    @property
    def source(self) -> str:
        return str(_clean(self.meta.get("source")) or "")

    def text(self, column: str) -> str | None:
        v = _clean(self.meta.get(column))
        return None if v is None else str(v)

    def cell(self, fid: str) -> Value:
        """The cell of a field; a `missing` placeholder when the report has none."""
        c = self.cells.get(fid)
        return c if c is not None else Value(fid, None, kind=Kind.MISSING, report_id=self.id, label_match="")

    def has_table(self, table: str) -> bool:
        return any(f.startswith(table + ".") and c.origin is not Origin.DERIVED for f, c in self.cells.items())

    def expected_fields(self, table: str) -> list[Field]:
        """The fields this report's layout prints in a table."""
        template = {"t2": self.template_t2, "t3": self.template_t3}.get(table, "both")
        out = []
        for f in fields().values():
            if f.table != table:
                continue
            if table == "t4" or f.printed_in(template or "2021"):
                out.append(f)
        return out


def _template(v) -> str | None:
    v = _clean(v)
    if v is None or v == "":
        return None
    s = str(v)
    versions = {t.version for t in templates()}
    return next((version for version in versions if s.startswith(version)), s)


def _cell_from_row(rid: str, r: dict) -> Value:
    value = _clean(r.get("value"))
    kind, origin = Value.parse_label(_clean(r.get("kind")))
    return Value(
        field=r["field"], report_id=rid, value=None if value is None else float(value),
        raw="" if _clean(r.get("raw")) is None else str(r.get("raw")), kind=kind, origin=origin,
        table=_int(r.get("table")), row=_int(r.get("row")), col=_int(r.get("col")), page=_int(r.get("page")),
        row_label=str(_clean(r.get("row_label")) or ""), col_label=str(_clean(r.get("col_label")) or ""),
        confidence=None if _clean(r.get("confidence")) is None else float(r.get("confidence")),
        label_match=str(_clean(r.get("label_match")) or ""),
    )


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts, missing values as None: 4× faster than DataFrame.to_dict on Arrow strings."""
    cols = list(df.columns)
    return [dict(zip(cols, row)) for row in zip(*(df[c].to_numpy(dtype=object, na_value=None) for c in cols))]


def build_reports(reports: pd.DataFrame, values: pd.DataFrame) -> dict[str, Report]:
    """report_id → Report, cells from `values` (or from the reports' field columns)."""
    out: dict[str, Report] = {}
    known = fields()
    for meta in reports.to_dict("records"):
        rid = str(meta["report_id"])
        if rid in out:
            log.warning("report %s appears twice in reports; the first row is used", rid)
            continue
        out[rid] = Report(rid, meta)
    if values is not None and len(values):
        for r in records(values):  # once: converting per report cost more than the rules
            rid = str(r["report_id"])
            rep = out.get(rid)
            if rep is None:
                continue
            if r["field"] not in known:
                continue
            if r["field"] in rep.cells:
                log.debug("%s: %s given twice in values; the first is used", rid, r["field"])
                continue
            rep.cells[r["field"]] = _cell_from_row(rid, r)
    for rep in out.values():
        if rep.cells:
            continue
        # No `values` rows: use the wide columns (no positions, no provenance).
        for fid in known:
            v = _clean(rep.meta.get(fid))
            if v is not None:
                rep.cells[fid] = Value(fid, float(v), fmt(float(v)), report_id=rep.id, label_match="")
    return out


@dataclass
class Finding:
    report: Report
    rule: str
    message: str
    cells: list[tuple[Value, str]] = field(default_factory=list)   # (cell, role)
    expected: str = ""
    actual: str = ""
    suggestion: str = ""
    check: str = ""
    severity: str = ""
    cause: str = "report"

    def row(self) -> dict:
        return {
            "report_id": self.report.id, "source": self.report.source, "agency": self.report.agency,
            "year": self.report.year, "rule": self.rule,
            "severity": self.severity or catalogue()[self.rule].severity, "cause": self.cause,
            "message": self.message,
            "cells": json.dumps([cell_json(c, role) for c, role in self.cells], ensure_ascii=False),
            "expected": self.expected, "actual": self.actual, "suggestion": self.suggestion,
            "check": self.check or self.rule,
        }


def empty_findings() -> pd.DataFrame:
    df = pd.DataFrame(columns=FINDING_COLUMNS)
    df["year"] = df["year"].astype("Int64")
    return df


def short_label(fid: str, show: str) -> str:
    """A field's printed label, reduced to its row part or its column part."""
    f = fields().get(fid)
    if f is None:
        return fid
    if show == "row":
        path = f.row_paths[0] if f.row_paths and f.row_paths[0] else f.col_paths[0]
    else:
        path = f.col_paths[0] if f.col_paths else fid
    return path.split("/")[-1]


def group_label(fid: str) -> str:
    """Table-4 group (行政复议 / 未经复议直接起诉 / 复议后起诉) of a field."""
    f = fields().get(fid)
    if f is None or not f.col_paths:
        return fid
    parts = f.col_paths[0].split("/")
    return parts[-2] if len(parts) >= 2 else parts[0]
