"""The status contract checked over written outputs: `complete` never hides an unread cell."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

COVERAGE_COLUMNS = ["coverage", "cells_missing_t2", "cells_missing_t3", "cells_missing_t4"]


def incomplete_but_complete(folder: str | Path) -> list[str]:
    """'file: source' of every report under `folder` (any reports.csv) that says complete with cells unread."""
    bad = []
    for path in Path(folder).rglob("reports.csv"):
        header = set(pd.read_csv(path, encoding="utf-8-sig", nrows=0).columns)
        if "status" not in header:
            continue  # not a dataset's reports table
        if not set(COVERAGE_COLUMNS) <= header:
            bad.append(f"{path}: has a status but no coverage columns")
            continue
        reports = pd.read_csv(path, encoding="utf-8-sig", usecols=["source", "status", *COVERAGE_COLUMNS])
        complete = reports[reports["status"] == "complete"]
        unread = complete[(complete["coverage"] < 1) | (complete[COVERAGE_COLUMNS[1:]].fillna(0).sum(axis=1) > 0)]
        bad += [f"{path}: {source}" for source in unread["source"]]
    return bad
