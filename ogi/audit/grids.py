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

TABLE_NAMES = {"t2": "表二 主动公开政府信息情况", "t3": "表三 收到和处理政府信息公开申请情况",
               "t4": "表四 政府信息公开行政复议、行政诉讼情况"}


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
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return ""
    return " ".join(str(v).split())


def grids(values: pd.DataFrame) -> dict[str, Grid]:
    """Canonical table → Grid, for one report's `values` rows."""
    out: dict[str, Grid] = {}
    if values is None or not len(values):
        return out
    vals = values[values["kind"].astype(str) != "derived"].copy()
    vals = vals[vals["row"].notna() & vals["col"].notna()]
    vals["t"] = vals["field"].astype(str).str.split(".").str[0]
    vals["tbl"] = vals["table"].fillna(-1).astype(int)
    for t, part in vals.groupby("t", sort=True):
        cols = sorted({int(c) for c in part["col"]})
        slot = {c: i for i, c in enumerate(cols)}
        grid = Grid(t, len(cols))
        last_header = None
        for (_, _), row in part.sort_values(["tbl", "row", "col"]).groupby(["tbl", "row"], sort=False):
            records = row.to_dict("records")
            cells = {slot[int(r["col"])]: (_s(r["raw"]), str(r["field"])) for r in records}
            header = [""] * len(cols)
            for r in records:
                header[slot[int(r["col"])]] = _s(r.get("col_label"))
            shown = [h for h in header if h]
            key = tuple(header) if shown else None
            gr = GridRow(_s(records[0].get("row_label")), cells)
            if key is not None and key != last_header:
                gr.header = header
                last_header = key
            grid.rows.append(gr)
        out[t] = grid
    return out
