"""What every rule family works on: one report's cells, and the findings.

A report's cells come from the `values` table (one row per printed value,
with its provenance; the first row of a field wins); a report with no
`values` rows falls back to the field columns of `reports` (values without
positions). screen.py builds them. Rules never read raw
documents: only these structures and data/.
"""
from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

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


class Report:
    """One report: its metadata row and its cells.

    Cells may be given, or loaded on first use by `loader(report)`: the
    array screen (screen.py) builds cells only for reports a rule fails on.
    `tables` (t2/t3/t4 with a printed cell) answers has_table without them.
    """

    def __init__(self, id: str, meta: dict, cells: dict[str, Value] | None = None,
                 loader: Callable[["Report"], dict[str, Value]] | None = None, tables: frozenset[str] | None = None):
        self.id = id
        self.meta = meta
        self._cells = cells if cells is not None or loader is not None else {}
        self._loader = loader
        self.tables = tables
        self.checked: list[str] = []        # the checks run on it (rule instances)

    @property
    def cells(self) -> dict[str, Value]:
        if self._cells is None:
            self._cells = self._loader(self)
        return self._cells

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
        if self.tables is not None:
            return table in self.tables
        return any(f.startswith(table + ".") and c.origin is not Origin.DERIVED for f, c in self.cells.items())

    def expected_fields(self, table: str) -> list[Field]:
        """The fields this report's layout prints in a table."""
        return list(printed_fields(table, {"t2": self.template_t2, "t3": self.template_t3}.get(table, "both")))


@lru_cache(maxsize=None)
def printed_fields(table: str, template: str | None) -> tuple[Field, ...]:
    """The fields a layout of a table prints (table 4 has one layout)."""
    return tuple(f for f in fields().values()
                 if f.table == table and (table == "t4" or f.printed_in(template or "2021")))


def _template(v) -> str | None:
    v = _clean(v)
    if v is None or v == "":
        return None
    s = str(v)
    versions = {t.version for t in templates()}
    return next((version for version in versions if s.startswith(version)), s)


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts, missing values as None: 4× faster than DataFrame.to_dict on Arrow strings."""
    cols = list(df.columns)
    return [dict(zip(cols, row)) for row in zip(*(df[c].to_numpy(dtype=object, na_value=None) for c in cols))]


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
