"""Dataset → files in OUT: Parquet for code, CSV and Excel for people.

Every file is written to a temporary name in OUT and renamed into place, so a
crash never leaves a half-written file behind. CSV files carry a BOM so Excel
opens the Chinese text correctly.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from normalize.schema import fields

from .dataset import Dataset

SHEETS = (("表二 主动公开", "t2."), ("表三 依申请公开", "t3."), ("表四 复议诉讼", "t4."))
ID_COLUMNS = ["report_id", "agency", "year", "province", "city", "county", "template_t2", "template_t3", "status"]


@contextmanager
def atomic(path: Path):
    """Yields a temporary path beside `path`; renames it into place on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_frame(df: pd.DataFrame, out: Path, name: str) -> None:
    with atomic(out / f"{name}.parquet") as tmp:
        df.to_parquet(tmp, index=False)
    with atomic(out / f"{name}.csv") as tmp:
        df.to_csv(tmp, index=False, encoding="utf-8-sig")


def write_dataset(dataset: Dataset, out: str | os.PathLike) -> None:
    out = Path(out)
    write_frame(dataset.reports, out, "reports")
    write_frame(dataset.values, out, "values")
    write_frame(dataset.statements, out, "statements")
    with atomic(out / "errors.csv") as tmp:
        dataset.errors.to_csv(tmp, index=False, encoding="utf-8-sig")
    with atomic(out / "dataset.xlsx") as tmp:
        write_excel(dataset.reports, tmp)


def write_excel(reports: pd.DataFrame, path: Path) -> None:
    """One sheet per table, Chinese headers, one row per report; a sheet explaining every field."""
    field_defs = fields()
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for sheet, prefix in SHEETS:
            ids = [f for f in field_defs if f.startswith(prefix) and f in reports and reports[f].notna().any()]
            if not ids and not reports.empty:
                continue
            frame = reports[ID_COLUMNS + ids].rename(columns={f: _header(field_defs[f]) for f in ids})
            frame.to_excel(xl, sheet_name=sheet, index=False, freeze_panes=(1, 3))
        meta = [c for c in reports.columns if c not in field_defs]
        reports[meta].to_excel(xl, sheet_name="报告 reports", index=False, freeze_panes=(1, 1))
        pd.DataFrame([{"field": f.id, "label_zh": f.label_zh, "unit": f.unit, "type": f.type,
                       "template": f.template, "description": f.description} for f in field_defs.values()]
                     ).to_excel(xl, sheet_name="字段 fields", index=False)


def _header(f) -> str:
    parts = f.label_zh.split(" · ")
    label = " · ".join(p for p in parts if not p.startswith("第二十条") and p != "三、本年度办理结果")
    return f"{label}（{f.unit}）" if f.unit else label
