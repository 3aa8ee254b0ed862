"""A report's tables rebuilt as printed, from `values` (row, col, raw), for display.

Only value cells are in `values`, so the grid shows each printed row's label
in front and the printed column labels as header rows; a new header row
appears wherever the column labels change (table 2's blocks). Derived cells
(not printed) are left out. Rows are ordered by (table index, row), so a
table split across pages stays in reading order.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from ogi.normalize.schema import table_titles

from .model import records

TABLE_NAMES = table_titles()


@dataclass
class GridRow:
    label: str
    cells: dict[int, tuple[str, str]]          # column slot → (raw, field)
    header: list[str] | None = None            # column labels by slot, when they change here


@dataclass
class Grid:
    table: str                                 # t2, t3, t4
    n_cols: int
    rows: list[GridRow] = field(default_factory=list)


def _s(v) -> str:
    if type(v) is str:
        return " ".join(v.split())
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return ""
    return " ".join(str(v).split())


def records_by_report(values: pd.DataFrame) -> dict[str, list[dict]]:
    """`values` as plain records grouped by report, converted once for every grid drawn."""
    out: dict[str, list[dict]] = {}
    for r in records(values) if len(values) else []:
        out.setdefault(str(r["report_id"]), []).append(r)
    return out


def grids(records: list[dict] | None) -> dict[str, Grid]:
    """Canonical table → Grid, for one report's `values` records (see records_by_report).

    Plain Python: a pandas groupby per printed row made this the slowest step
    of the whole audit.
    """
    out: dict[str, Grid] = {}
    if not records:
        return out
    by_table: dict[str, list[dict]] = {}
    for r in records:
        if str(r["kind"]) == "derived" or _missing(r["row"]) or _missing(r["col"]):
            continue
        by_table.setdefault(str(r["field"]).split(".")[0], []).append(r)
    for t in sorted(by_table):
        out[t] = _grid(t, by_table[t])
    return out


def _grid(t: str, records: list[dict]) -> Grid:
    placed = sorted(((_table_index(r), int(r["row"]), int(r["col"]), r) for r in records), key=lambda x: x[:3])
    cols = sorted({col for _, _, col, _ in placed})
    slot = {c: i for i, c in enumerate(cols)}
    rows: dict[tuple[int, int], list[tuple[int, dict]]] = {}
    for table, row, col, r in placed:
        rows.setdefault((table, row), []).append((slot[col], r))
    grid = Grid(t, len(cols))
    last_header = None
    for row in rows.values():
        cells = {i: (_s(r["raw"]), str(r["field"])) for i, r in row}
        header = [""] * len(cols)
        for i, r in row:
            header[i] = _s(r.get("col_label"))
        key = tuple(header) if any(header) else None
        grid_row = GridRow(_s(row[0][1].get("row_label")), cells)
        if key is not None and key != last_header:
            grid_row.header = header
            last_header = key
        grid.rows.append(grid_row)
    return grid


def _missing(v) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _table_index(r: dict) -> int:
    return -1 if _missing(r["table"]) else int(r["table"])
