"""Reports → pandas: the tidy long `values` table and the wide `reports` table.

Column names and order are the dataset's public contract; field columns and
their dtypes come from data/fields.csv, so a new field needs no code here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from normalize.report import Report
from normalize.schema import fields
from normalize.sections import FOUND_COLUMN, PREAMBLE_COLUMN, SECTION_COLUMNS

VALUE_COLUMNS = ["report_id", "source", "field", "value", "raw", "kind", "page", "table", "row", "col",
                 "row_label", "col_label", "x0", "y0", "x1", "y1", "confidence", "label_match"]
REPORT_COLUMNS = ["report_id", "source", "format", "agency", "year", "province", "city", "county", "adcode",
                  "template_t2", "template_t3", "status", "n_values", "n_unmapped", "warnings"]
REPORT_TAIL = ["sha256", "n_pages", "n_tables", "tables_found", "unmapped"]
STATEMENT_COLUMNS = ["report_id", "source", "section", "sentence", "number", "unit", "approx", "field"]
ERROR_COLUMNS = ["source", "stage", "reason"]
DTYPES = {"integer": "Int64", "signed_integer": "Int64", "decimal": "Float64"}


@dataclass
class Dataset:
    reports: pd.DataFrame
    values: pd.DataFrame
    statements: pd.DataFrame
    errors: pd.DataFrame


def frames(reports: list[Report], failures: list) -> Dataset:
    return Dataset(
        reports=reports_frame(reports),
        values=values_frame(reports),
        statements=statements_frame(reports),
        errors=pd.DataFrame([[f.source, f.stage, f.reason] for f in failures], columns=ERROR_COLUMNS),
    )


def values_frame(reports: list[Report]) -> pd.DataFrame:
    order = {fid: i for i, fid in enumerate(fields())}
    rows = []
    for rep in reports:
        for v in sorted(rep.values.values(), key=lambda v: order.get(v.field, len(order))):
            bbox = v.bbox or (None, None, None, None)
            rows.append([rep.report_id, rep.source, v.field, v.value, v.raw, v.kind, v.page, v.table, v.row, v.col,
                         v.row_label, v.col_label, *bbox, v.confidence, v.label_match])
    df = pd.DataFrame(rows, columns=VALUE_COLUMNS)
    df["value"] = df["value"].astype("float64")
    for col in ("page", "table", "row", "col"):
        df[col] = df[col].astype("Int64")
    for col in ("x0", "y0", "x1", "y1", "confidence"):
        df[col] = df[col].astype("float64")
    return df


def reports_frame(reports: list[Report]) -> pd.DataFrame:
    field_defs = fields()
    section_columns = [PREAMBLE_COLUMN, *SECTION_COLUMNS.values(), FOUND_COLUMN]
    rows = []
    for rep in reports:
        m = rep.meta
        row = [rep.report_id, rep.source, rep.format, m.agency, m.year, m.province, m.city, m.county, m.adcode,
               rep.templates.get("t2"), rep.templates.get("t3"), rep.status,
               sum(v.kind != "derived" for v in rep.values.values()), len(rep.unmapped), "; ".join(rep.warnings)]
        row += [_field_value(rep, fid) for fid in field_defs]
        row += [rep.sha256, rep.n_pages, rep.n_tables, " ".join(rep.tables_found),
                json.dumps(rep.unmapped, ensure_ascii=False) if rep.unmapped else ""]
        row += [rep.sections.get(k, "") for k in section_columns]
        rows.append(row)
    df = pd.DataFrame(rows, columns=REPORT_COLUMNS + list(field_defs) + REPORT_TAIL + section_columns)
    df["year"] = df["year"].astype("Int64")
    for fid, f in field_defs.items():
        df[fid] = pd.array(df[fid], dtype=DTYPES[f.type]) if f.type == "decimal" else _as_int(df[fid])
    for col in ("n_pages", "n_tables", "n_values", "n_unmapped"):
        df[col] = df[col].astype("Int64")
    return df


def _field_value(rep: Report, fid: str):
    v = rep.values.get(fid)
    return v.value if v is not None else None


def _as_int(column: pd.Series) -> pd.Series:
    """Integer fields as nullable Int64; a non-integral printed value stays visible in `values`."""
    floats = pd.to_numeric(column, errors="coerce").astype("float64")
    floats = floats.where(floats.isna() | (floats == floats.round()))
    return floats.astype("Int64")


def statements_frame(reports: list[Report]) -> pd.DataFrame:
    rows = [[rep.report_id, rep.source, s.get("section"), s.get("sentence"), s.get("number"), s.get("unit"),
             bool(s.get("approx")), s.get("field") or ""] for rep in reports for s in rep.statements]
    df = pd.DataFrame(rows, columns=STATEMENT_COLUMNS)
    df["number"] = df["number"].astype("float64")
    df["approx"] = df["approx"].astype("bool")
    return df
