"""datapackage.json: the data dictionary of an OUT folder, as a Frictionless Data Package.

A researcher (or `frictionless validate OUT/datapackage.json`) learns every
column of every CSV from it: Chinese title, English description, type and
unit. Nothing is written here by hand twice: field columns come from
data/fields.csv, the other columns from data/columns.csv, indicator ids from
data/indicators.csv. The package describes the CSV files actually present and
their columns as actually written (read from each header), so it cannot drift
from the files; a column no data file documents is still listed (as text) and
logged, so the gap gets fixed in data/, not papered over.
"""
from __future__ import annotations

import csv
import json
import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ogi.data import DATA_DIR
from ogi.normalize.schema import Field, fields

from . import __version__

log = logging.getLogger(__name__)

CSV_ENCODING = "utf-8-sig"          # ogi writes CSV with a BOM so Excel reads the Chinese
TYPES = {"integer": "integer", "signed_integer": "integer", "decimal": "number"}


@dataclass(frozen=True)
class Resource:
    name: str                  # package resource name (lowercase, '-' separated: Data Package rule)
    file: str
    title: str
    description: str
    primary_key: tuple[str, ...] = ()
    joins_reports: bool = False        # report_id is a foreign key to reports


RESOURCES = (
    Resource("reports", "reports.csv", "报告 reports",
             "One row per report read: metadata, one column per canonical field (data/fields.csv), the six "
             "sections' text.", primary_key=("report_id",)),
    Resource("values", "values.csv", "数值 values",
             "One row per table cell read: canonical field, value, the cell text as printed and where it was "
             "printed.", joins_reports=True),
    Resource("statements", "statements.csv", "正文数字 statements",
             "Numbers the narrative states, with the sentence and the field each restates.", joins_reports=True),
    Resource("errors", "errors.csv", "未读取文件 errors", "Files not in the dataset, with the stage and reason."),
    Resource("findings", "findings.csv", "审核发现 findings",
             "Audit findings: one row per rule violation or warning, with the cells involved."),
    Resource("indicators", "indicators.csv", "派生指标 indicators",
             "Derived rates and counts per report (definitions in data/indicators.csv); empty values say why "
             "in note.", joins_reports=True),
    Resource("indicators-by-region", "indicators_by_region.csv", "分地区指标 indicators by region",
             "Indicators per province and year: pooled rates (sum of numerators / sum of denominators), "
             "with the same small-number guard."),
    Resource("keywords", "keywords.csv", "关键词 keywords",
             "Top keywords of each report's section 五 (存在的主要问题及改进情况).", joins_reports=True),
    Resource("keywords-by-region", "keywords_by_region.csv", "分地区关键词 keywords by region",
             "Keyword themes of section 五 per province and year."),
)


@lru_cache(maxsize=1)
def column_docs() -> dict[tuple[str, str], dict]:
    """(resource, column) → {type, title, description} from data/columns.csv; resource '*' = any."""
    with open(Path(DATA_DIR) / "columns.csv", encoding="utf-8", newline="") as f:
        return {(row["resource"], row["column"]): {"type": row["type"], "title": row["title"],
                                                    "description": row["description"]}
                for row in csv.DictReader(f)}


def _field_column(f: Field) -> dict:
    unit = f"; unit {f.unit}" if f.unit else ""
    return {"name": f.id, "type": TYPES[f.type], "title": f.label_zh,
            "description": f"{f.description}{unit}; printed in the {f.template} template(s)"
                           + ("; derived: sum of " + " + ".join(f.sum_of) if f.sum_of else ""),
            **({"unit": f.unit} if f.unit else {})}


def _indicator_enum() -> dict:
    from .indicators import definitions
    defs = definitions()
    return {"description": "Indicator id from data/indicators.csv: "
                           + "; ".join(f"{d.id} = {d.name_zh} ({d.name_en}): {d.definition}" for d in defs.values()),
            "constraints": {"enum": list(defs)}}


def column_schema(resource: str, column: str) -> dict:
    """The Table Schema field for one column of one resource."""
    if resource == "reports" and column in fields():
        return _field_column(fields()[column])
    doc = column_docs().get((resource, column)) or column_docs().get(("*", column))
    if doc is None:
        log.warning("%s.csv column %s is not documented in data/columns.csv", resource, column)
        return {"name": column, "type": "string", "description": "(undocumented)"}
    out = {"name": column, **doc}
    if column == "indicator":
        out.update(_indicator_enum())
    return out


def read_header(path: Path) -> list[str]:
    with open(path, encoding=CSV_ENCODING, newline="") as f:
        return next(csv.reader(f), [])


def resource_descriptor(res: Resource, header: list[str], with_reports: bool) -> dict:
    schema: dict = {"fields": [column_schema(res.name, c) for c in header], "missingValues": [""]}
    if res.primary_key:
        schema["primaryKey"] = list(res.primary_key)
    if res.joins_reports and with_reports and "report_id" in header:
        schema["foreignKeys"] = [{"fields": "report_id", "reference": {"resource": "reports", "fields": "report_id"}}]
    return {"name": res.name, "path": res.file, "title": res.title, "description": res.description,
            "format": "csv", "mediatype": "text/csv", "encoding": CSV_ENCODING,
            "dialect": {"delimiter": ",", "quoteChar": '"', "header": True}, "schema": schema}


def package_descriptor(out_dir: str | os.PathLike) -> dict:
    """The datapackage.json content for the CSV files present in `out_dir`."""
    out = Path(out_dir)
    present = [r for r in RESOURCES if (out / r.file).is_file()]
    with_reports = any(r.name == "reports" for r in present)
    known = {r.file for r in RESOURCES}
    for extra in sorted(p.name for p in out.glob("*.csv") if p.name not in known):
        log.info("datapackage: %s is not a dataset file; not described", extra)
    return {
        "name": "ogi-dataset",
        "title": "政府信息公开工作年度报告数据集",
        "description": "China's open-government-information annual reports (政府信息公开工作年度报告) read "
                       "into tables by ogi. Each CSV has a Parquet twin with the same columns and typed "
                       "values; field ids are defined in data/fields.csv.",
        "version": __version__,
        "resources": [resource_descriptor(r, read_header(out / r.file), with_reports) for r in present],
    }


def write_datapackage(out_dir: str | os.PathLike) -> Path:
    """Write OUT/datapackage.json describing the CSV files in OUT; returns its path."""
    from .output import atomic

    path = Path(out_dir) / "datapackage.json"
    descriptor = package_descriptor(out_dir)
    with atomic(path) as tmp:
        tmp.write_text(json.dumps(descriptor, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    log.info("wrote %s (%d resources)", path, len(descriptor["resources"]))
    return path
