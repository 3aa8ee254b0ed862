"""Numbers the narrative states, and the table cell each one restates.

Rule R9 (text = tables) needs the figures the prose gives: "全市共受理政府信息
公开申请 3119 件，答复 3050 件（含上年度结转申请 34 件，另有 103 件顺延到下
年度答复）". Every number with a unit becomes a statement; a statement gets a
field only when a phrasing pattern from data/narrative.csv matches the
sentence around *that* number. Patterns see the sentence with the number in
question written as "N" and every other number as "#", so a pattern can never
pick up the first number of the sentence by accident.

data/narrative.csv columns:
- sentence: a regex the whole sentence must contain (e.g. 申请), or empty;
- pattern: a regex over the sentence, with N standing for the number;
- field: the canonical field id; "a+b" when the text states a sum of cells;
  "{scope}.upheld" for breakdowns whose group is the last scope named before
  the number; "scope=…" rows define those scopes (";"-separated groups);
- unit: the units (regex alternation) the number may carry;
- value: a fixed number for phrasings without one ("未接到…申请" = 0); such
  rows only apply to sentences that state no count at all.
The first matching row wins, so specific phrasings come first.

Units: 元 and 万元 are different units (section 六's 信息处理费 is in 元, table
2's 行政事业性收费 in 万元); "5500 余条" is approximate (approx = True).
Chinese-numeral counts ("三件") are not read.
"""
from __future__ import annotations

import csv
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from ogi.data import DATA_DIR

log = logging.getLogger(__name__)

UNITS = ("个百分点", "人次", "万元", "亿元", "元", "件", "条", "个", "期", "场", "次", "项", "份", "篇", "家", "%")
_NUMBER = re.compile(
    r"(?<![\d.])(?P<n>\d+(?:,\d{3})*(?:\.\d+)?)(?P<approx>余|多)?(?P<unit>" + "|".join(map(re.escape, UNITS)) + ")"
)
_SENTENCE_END = re.compile(r"(?<=[。!?;])")
_SPACE = re.compile(r"\s+")

STATEMENT_COLUMNS = ["report_id", "section", "sentence", "number", "unit", "field", "approx"]


@dataclass(frozen=True)
class Pattern:
    sentence: re.Pattern | None
    pattern: re.Pattern
    field: str
    units: re.Pattern | None
    value: float | None
    line: int


@lru_cache(maxsize=1)
def patterns() -> tuple[list[Pattern], list[tuple[re.Pattern, list[str]]]]:
    """(statement patterns in priority order, scope patterns) from data/narrative.csv."""
    rows: list[Pattern] = []
    scopes: list[tuple[re.Pattern, list[str]]] = []
    with open(Path(DATA_DIR) / "narrative.csv", encoding="utf-8", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            try:
                pat = re.compile(row["pattern"])
                if row["field"].startswith("scope="):
                    scopes.append((pat, row["field"][len("scope="):].split(";")))
                    continue
                rows.append(Pattern(
                    sentence=re.compile(row["sentence"]) if row["sentence"] else None,
                    pattern=pat,
                    field=row["field"],
                    units=re.compile(f"^(?:{row['unit']})$") if row["unit"] else None,
                    value=float(row["value"]) if row["value"] else None,
                    line=line,
                ))
            except re.error as exc:
                raise ValueError(f"data/narrative.csv line {line}: bad regex: {exc}") from exc
    return rows, scopes


def _compact(text: str) -> str:
    # PDFs wrap lines mid-sentence ("答\n复 3050 件"): whitespace carries no
    # meaning in Chinese prose, so it is dropped before anything is matched.
    return _SPACE.sub("", unicodedata.normalize("NFKC", text or ""))


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(_compact(text)) if s]


def _scope_field(template: str, before: str, scopes) -> str | None:
    """Expand {scope} with the last scope named in `before`; None if none is."""
    if "{scope}" not in template:
        return template
    last, groups = -1, None
    for pat, gs in scopes:
        for m in pat.finditer(before):
            if m.start() > last:
                last, groups = m.start(), gs
    if groups is None:
        return None
    return "+".join(template.replace("{scope}", g) for g in groups)


def _field_for(sentence: str, numbers: list[re.Match], i: int) -> str | None:
    target = numbers[i]
    parts, pos = [], 0
    for j, m in enumerate(numbers):
        parts.append(sentence[pos:m.start()])
        parts.append(("N" if j == i else "#") + (m["approx"] or "") + m["unit"])
        pos = m.end()
    parts.append(sentence[pos:])
    masked = "".join(parts)
    rows, scopes = patterns()
    for p in rows:
        if p.value is not None:
            continue
        if p.sentence and not p.sentence.search(sentence):
            continue
        if p.units and not p.units.match(target["unit"]):
            continue
        m = p.pattern.search(masked)
        if not m:
            continue
        return _scope_field(p.field, masked[:masked.index("N")], scopes)
    return None


def _zero_statements(sentence: str) -> list[dict]:
    """Statements of phrasings without a number ("未接到…申请" = 0 new applications)."""
    out = []
    rows, _ = patterns()
    for p in rows:
        if p.value is None or (p.sentence and not p.sentence.search(sentence)):
            continue
        if p.pattern.search(sentence):
            out.append({"number": p.value, "unit": "件", "field": p.field, "approx": False})
    return out


def _sections_of(sections) -> Mapping[str, str]:
    """Section key → text from a SectionSplit, its columns, or a plain mapping."""
    if hasattr(sections, "texts"):            # a SectionSplit
        return {"preamble": sections.preamble, **sections.texts}
    out = {}
    for key, text in sections.items():
        if key.startswith("text_"):           # reports-table columns (text_overview …)
            out[key[len("text_"):]] = text
        elif not key.startswith("sections_"):
            out[key] = text
    return out


def statements(sections, report_id: str | None = None) -> list[dict]:
    """Every number the narrative states, sentence by sentence.

    `sections` is a normalize.sections.SectionSplit or a mapping section key →
    text. Returns dicts with the STATEMENT_COLUMNS (report_id only if given).
    """
    out: list[dict] = []
    for section, text in _sections_of(sections).items():
        if not isinstance(text, str):         # NaN from a reports table
            continue
        for sentence in sentences(text):
            numbers = [m for m in _NUMBER.finditer(sentence) if not sentence[:m.start()].endswith("第")]
            found = []
            for i, m in enumerate(numbers):
                found.append({
                    "number": float(m["n"].replace(",", "")),
                    "unit": m["unit"],
                    "field": _field_for(sentence, numbers, i) or "",
                    "approx": bool(m["approx"]),
                })
            if not any(m["unit"] == "件" for m in numbers):
                found.extend(_zero_statements(sentence))
            for st in found:
                row = {"section": section, "sentence": sentence, **st}
                if report_id is not None:
                    row = {"report_id": report_id, **row}
                out.append(row)
    log.debug("%s: %d statements", report_id or "report", len(out))
    return out
