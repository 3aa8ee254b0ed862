"""The page's words for a file that could not be read: errors.csv's stage and reason in Chinese.

errors.csv keeps the reason as the reader wrote it (English, exact); the supervisor's page puts
the Chinese of data/failures.csv first and the exact reason after it in brackets, so nothing is
lost and a reason no row matches is still shown whole.
"""
from __future__ import annotations

import csv
import re
from functools import lru_cache

from ogi.data import DATA_DIR


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], list[tuple[re.Pattern, str]]]:
    with open(DATA_DIR / "failures.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    stages = {r["match"]: r["zh"] for r in rows if r["kind"] == "stage"}
    reasons = [(re.compile(r["match"], re.I), r["zh"]) for r in rows if r["kind"] == "reason"]
    return stages, reasons


def failure_words(stage: str, reason: str) -> str:
    """'读取失败：PDF 文件损坏或不完整（damaged or truncated PDF (…)）'."""
    stages, reasons = _table()
    zh = next((words for pattern, words in reasons if pattern.search(reason)), None)
    said = f"{zh}（{reason}）" if zh else reason
    return f"{stages.get(stage, stage)}：{said}"
