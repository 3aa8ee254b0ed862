"""Reports → pandas: the tidy long `values` table and the wide `reports` table.

Column names, their order and their dtypes are the dataset's public contract,
defined here once (`table_dtypes`): the in-memory frames are cast to them and
the streamed Parquet files (ogi/output.py) take their schema from them. Field
columns and their dtypes come from data/fields.csv, so a new field needs no
code here.
"""
from __future__ import annotations

import json
import numbers
from dataclasses import dataclass

import pandas as pd

from ogi.identity import identity_columns
from ogi.normalize.report import Report
from ogi.normalize.schema import fields
from ogi.normalize.sections import FOUND_COLUMN, PREAMBLE_COLUMN, SECTION_COLUMNS
from ogi.normalize.value import COLUMNS as VALUE_FIELDS
from ogi.normalize.value import Origin

from .sheetsafe import display_path

VALUE_COLUMNS = ["report_id", "source", *VALUE_FIELDS]
COVERAGE_COLUMNS = ["coverage", "coverage_t2", "coverage_t3", "coverage_t4",
                    "cells_missing_t2", "cells_missing_t3", "cells_missing_t4"]
REPORT_COLUMNS = ["report_id", "source", "format", "agency", "year", "province", "city", "county", "adcode",
                  "agency_key", "agency_level", "agency_type", "template_t2", "template_t3", "status",
                  *COVERAGE_COLUMNS, "n_values", "n_unmapped", "warnings"]
REPORT_TAIL = ["sha256", "n_pages", "n_tables", "tables_found", "unmapped"]
STATEMENT_COLUMNS = ["report_id", "source", "section", "sentence", "number", "unit", "approx", "field"]
ERROR_COLUMNS = ["source", "stage", "reason"]
DTYPES = {"integer": "Int64", "signed_integer": "Int64", "decimal": "Float64"}
TEXT = "text"   # a text column: pandas' own string dtype (`str` in pandas 3, object in pandas 2)
TABLES = ("reports", "values", "statements", "keywords", "errors")


@dataclass
class Dataset:
    reports: pd.DataFrame
    values: pd.DataFrame
    statements: pd.DataFrame
    errors: pd.DataFrame
    keywords: pd.DataFrame | None = None    # section 五's terms per report, computed by the workers

    def __post_init__(self):
        if self.keywords is None:
            self.keywords = keywords_frame([])


def frames(reports: list[Report], failures: list) -> Dataset:
    return Dataset(
        reports=reports_frame(reports),
        values=values_frame(reports),
        statements=statements_frame(reports),
        errors=errors_frame(failures),
        keywords=keywords_frame(reports),
    )


# ---------------------------------------------------------------- the column contract

def table_dtypes(table: str) -> dict[str, str]:
    """column → dtype of one of TABLES, in column order: "Int64", "Float64", "float64", "bool" or TEXT."""
    return {"reports": report_dtypes, "values": value_dtypes, "statements": statement_dtypes,
            "keywords": keyword_dtypes, "errors": error_dtypes}[table]()


def value_dtypes() -> dict[str, str]:
    numbers = {"value": "float64", "page": "Int64", "table": "Int64", "row": "Int64", "col": "Int64",
               "x0": "float64", "y0": "float64", "x1": "float64", "y1": "float64", "confidence": "float64"}
    return {col: numbers.get(col, TEXT) for col in VALUE_COLUMNS}


def report_dtypes() -> dict[str, str]:
    numbers = {"year": "Int64", "n_values": "Int64", "n_unmapped": "Int64", "n_pages": "Int64", "n_tables": "Int64"}
    numbers.update({col: "float64" if col.startswith("coverage") else "Int64" for col in COVERAGE_COLUMNS})
    numbers.update({fid: DTYPES[f.type] for fid, f in fields().items()})
    return {col: numbers.get(col, TEXT) for col in report_columns()}


def report_columns() -> list[str]:
    return REPORT_COLUMNS + list(fields()) + REPORT_TAIL + section_columns()


def section_columns() -> list[str]:
    return [PREAMBLE_COLUMN, *SECTION_COLUMNS.values(), FOUND_COLUMN]


def statement_dtypes() -> dict[str, str]:
    numbers = {"number": "float64", "approx": "bool"}
    return {col: numbers.get(col, TEXT) for col in STATEMENT_COLUMNS}


def keyword_dtypes() -> dict[str, str]:
    return {"report_id": TEXT, "keyword": TEXT, "weight": "float64"}


def error_dtypes() -> dict[str, str]:
    return {col: TEXT for col in ERROR_COLUMNS}


def text_dtype():
    """The dtype pandas itself gives a column of strings, so cast frames match freshly built ones."""
    return pd.Series(["x"]).dtype


def typed(df: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    """`df` cast to the contract. A text column cast too: one that happens to hold only None
    (all counties of a chunk unknown) would otherwise be object, and Parquet's type would follow it."""
    text = text_dtype()
    for col, dtype in dtypes.items():
        df[col] = df[col].astype(text if dtype == TEXT else dtype)
    return df


# ---------------------------------------------------------------- the frames


def values_frame(reports: list[Report]) -> pd.DataFrame:
    order = {fid: i for i, fid in enumerate(fields())}
    rows = []
    for rep in reports:
        source = display_path(rep.source)
        for v in sorted(rep.values.values(), key=lambda v: order.get(v.field, len(order))):
            row = [rep.report_id, source, *v.columns()]
            # a number past float's exact range has lost digits: missing, the raw text kept
            if v.value is not None and abs(v.value) > MAX_EXACT_INT:
                row[VALUE_COLUMNS.index("value")] = None
            rows.append(row)
    return typed(pd.DataFrame(rows, columns=VALUE_COLUMNS), value_dtypes())


def reports_frame(reports: list[Report]) -> pd.DataFrame:
    field_defs = fields()
    sections = section_columns()
    rows = []
    for rep in reports:
        m = rep.meta
        row = [rep.report_id, rep.source, rep.format, m.agency, m.year, m.province, m.city, m.county, m.adcode,
               *identity_columns(vars(m)), rep.templates.get("t2"), rep.templates.get("t3"), rep.status,
               *_coverage_cells(rep),
               sum(v.origin is not Origin.DERIVED and not v.missing for v in rep.values.values()), len(rep.unmapped),
               "; ".join(rep.warnings)]
        row += [_field_value(rep, fid) for fid in field_defs]
        row += [rep.sha256, rep.n_pages, rep.n_tables, " ".join(rep.tables_found),
                json.dumps(rep.unmapped, ensure_ascii=False) if rep.unmapped else ""]
        row += [rep.sections.get(k, "") for k in sections]
        rows.append(row)
    df = pd.DataFrame(rows, columns=report_columns())
    for fid, f in field_defs.items():
        # before `typed`: an integer field printed with decimals becomes NA here, not an error
        if f.type == "decimal":
            df[fid] = pd.array(df[fid], dtype=DTYPES[f.type])
        else:
            df[fid], too_large = _as_int(df[fid])
            for i in too_large:
                df.at[i, "warnings"] = _joined(df.at[i, "warnings"], f"{fid}: {TOO_LARGE}")
    df["source"] = df["source"].map(display_path)
    return typed(df, report_dtypes())


def _coverage_cells(rep: Report) -> list:
    """The COVERAGE_COLUMNS of one report."""
    per_table = rep.coverage_by_table
    return [rep.coverage, *(per_table[t].fraction for t in ("t2", "t3", "t4")),
            *(per_table[t].missing for t in ("t2", "t3", "t4"))]


def _field_value(rep: Report, fid: str):
    v = rep.values.get(fid)
    return v.value if v is not None else None


# Printed integers are Python ints (ogi/extract/printed.py), kept exact in the reports' Int64 columns
# up to Int64's limit; the values table's `value` column is float64 (it holds fractions too), exact
# for integers up to 2^53. Past either limit the value is left missing, with a warning, raw text kept.
MAX_EXACT_INT = 2 ** 53
MAX_INT64 = 2 ** 63 - 1
TOO_LARGE = f"a printed count above {MAX_INT64} cannot be kept exactly; left missing"


def _as_int(column: pd.Series) -> tuple[pd.Series, list]:
    """Integer fields as nullable Int64, built from Python ints (never a float array cast), and the
    row labels whose value was too large to keep exactly. A non-integral printed value is NA here and
    stays visible in `values`."""
    ints, too_large = [], []
    for label, value in column.items():
        ints.append(_exact_int(value))
        if ints[-1] is None and _is_number(value) and abs(value) > _limit(value):
            too_large.append(label)
    return pd.Series(pd.array(ints, dtype="Int64"), index=column.index), too_large


def _exact_int(value) -> int | None:
    if not _is_number(value) or value != value or abs(value) > _limit(value):
        return None
    if value != int(value):
        return None
    return int(value)


def _limit(value) -> int:
    """The largest magnitude kept exactly: an int up to Int64's limit, a float up to 2^53."""
    return MAX_INT64 if isinstance(value, int) else MAX_EXACT_INT


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _joined(warnings: str, more: str) -> str:
    return f"{warnings}; {more}" if warnings else more


def statements_frame(reports: list[Report]) -> pd.DataFrame:
    rows = [[rep.report_id, display_path(rep.source), s.get("section"), s.get("sentence"), s.get("number"),
             s.get("unit"), bool(s.get("approx")), s.get("field") or ""] for rep in reports for s in rep.statements]
    return typed(pd.DataFrame(rows, columns=STATEMENT_COLUMNS), statement_dtypes())


def keywords_frame(reports: list[Report]) -> pd.DataFrame:
    rows = [[rep.report_id, word, float(weight)] for rep in reports for word, weight in rep.keywords]
    return typed(pd.DataFrame(rows, columns=list(keyword_dtypes())), keyword_dtypes())


def errors_frame(failures: list) -> pd.DataFrame:
    rows = [[display_path(f.source), f.stage, _writable(f.reason)] for f in failures]
    return typed(pd.DataFrame(rows, columns=ERROR_COLUMNS), error_dtypes())


def _writable(text: str) -> str:
    """A reason quoting a file name that is not UTF-8, with its bytes escaped."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
