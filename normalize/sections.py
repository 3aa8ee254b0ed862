"""The report's six sections, found from their headings in the paragraphs.

The template fixes six headings (一、总体情况 … 六、其他需要报告的事项).
Reports print them with variants (data/labels.csv `heading` rows), in
traditional characters on mirror sites, with Arabic numbering ("1、 总体情况",
seed report) and with stray spaces. Section 一 often has sub-headings that
repeat a later section's words ("（一）主动公开政府信息情况"), so a heading
must carry the section's own number; an unnumbered line only counts when it
is exactly a known heading and no numbered heading exists for that section.

Tables sit between headings and are not in the paragraphs, so the text of
二/三/四 is usually empty: that is expected, not a finding.

The reports table stores each section's text under SECTION_COLUMNS and the
headings found, in document order, under `sections_found` (e.g. "一二三四五六");
the audit (rule R11) reads only those columns.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

from .schema import labels, sections

log = logging.getLogger(__name__)


SECTIONS = tuple(r["key"] for r in sections())
NUMERALS = tuple(r["numeral"] for r in sections())
NUMERAL_OF = dict(zip(SECTIONS, NUMERALS))

# Column names the reports table uses; `text_preamble` is the text before 一.
SECTION_COLUMNS = {key: f"text_{key}" for key in SECTIONS}
PREAMBLE_COLUMN = "text_preamble"
FOUND_COLUMN = "sections_found"

# Words a heading of each section cannot lack: the fallback for headings no
# variant in labels.csv covers, used only together with the section's number.
_KEYWORDS = {r["key"]: tuple(r["keywords"].split("|")) for r in sections()}
_MAX_HEADING_CHARS = 40          # a longer paragraph is body text, not a heading

_T2S = OpenCC("t2s")
_SPACE = re.compile(r"\s+")
# Separators and connectives that vary between otherwise equal headings:
# "行政复议、行政诉讼" / "行政复议和行政诉讼" / "行政复议及行政诉讼".
_FOLD = re.compile(r"[、，,。.：:；;“”\"'（）()和及的]")
_ARABIC = {str(i + 1): n for i, n in enumerate(NUMERALS)}
# The section number at the start of a heading: "一、" "一." "一 " "1、" "1." "第一部分";
# never "（一）", which is how sub-headings inside 总体情况 are numbered.
_NUMBER = re.compile(r"^(?:第([一二三四五六])部分|([一二三四五六])(?:[、.．]|(?=\s))|([1-6])(?:[、.．]|\s))\s*")


class SectionSplit(dict):
    """The split, as the reports-table columns (a dict: column → text) plus details.

    A dict so the pipeline can write it straight into the reports table:
    text_preamble, text_overview … text_other, and sections_found.
    """

    def __init__(self, texts: dict[str, str], found: list[str], headings: dict[str, str] | None = None,
                 preamble: str = ""):
        self.texts = {k: texts.get(k, "") for k in SECTIONS}     # section key → text
        self.found = list(found)                                 # section keys in document order
        self.headings = dict(headings or {})                     # key → heading as printed
        self.preamble = preamble
        super().__init__(self.columns())

    @property
    def found_numerals(self) -> str:
        return "".join(NUMERAL_OF[k] for k in self.found)

    def columns(self) -> dict[str, str]:
        """The reports-table columns for this split."""
        out = {PREAMBLE_COLUMN: self.preamble}
        out.update({SECTION_COLUMNS[k]: self.texts[k] for k in SECTIONS})
        out[FOUND_COLUMN] = self.found_numerals
        return out


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return _T2S.convert(text).strip()


def _fold(text: str) -> str:
    return _FOLD.sub("", _SPACE.sub("", text))


@lru_cache(maxsize=1)
def _variants() -> dict[str, str]:
    """Folded heading body (numbering removed) → section key, from labels.csv."""
    out: dict[str, str] = {}
    for lab in labels():
        if lab.table != "heading":
            continue
        numeral = _clean(lab.canonical_path)[:1]
        if numeral not in NUMERALS:
            continue
        key = SECTIONS[NUMERALS.index(numeral)]
        body = _NUMBER.sub("", _clean(lab.variant))
        out[_fold(body)] = key
    return out


def _number(text: str) -> tuple[str | None, str]:
    """(numeral printed at the start or None, the rest)."""
    m = _NUMBER.match(text)
    if not m:
        return None, text
    numeral = m.group(1) or m.group(2) or _ARABIC[m.group(3)]
    return numeral, text[m.end():]


def heading_of(paragraph: str) -> tuple[str, int] | None:
    """(section key, score) when the paragraph is a section heading, else None.

    Score 3: the section's Chinese numeral + a known variant; 2: Arabic
    numeral + known variant, or numeral + the section's keyword; 1: a known
    variant without any number. Higher scores win when a section has several
    candidates.
    """
    if len(paragraph or "") > 4 * _MAX_HEADING_CHARS and len(_SPACE.sub("", paragraph)) > 2 * _MAX_HEADING_CHARS:
        return None  # body text: not worth OpenCC on a page-long paragraph
    text = _clean(paragraph)
    if not text or len(_SPACE.sub("", text)) > _MAX_HEADING_CHARS:
        return None
    numeral, body = _number(text)
    folded = _fold(body)
    known = _variants().get(folded)
    if numeral is None:
        return (known, 1) if known else None
    key = SECTIONS[NUMERALS.index(numeral)]
    if known == key:
        return key, 3 if text[0] in NUMERALS or text.startswith("第") else 2
    if known is None and any(w in folded for w in _KEYWORDS[key]) and len(folded) <= 30:
        return key, 2
    return None


def split_sections(paragraphs: list[str]) -> SectionSplit:
    """Find the six headings and cut the paragraphs into section texts."""
    best: dict[str, tuple[int, int]] = {}          # key → (score, paragraph index)
    for i, para in enumerate(paragraphs):
        hit = heading_of(para)
        if hit is None:
            continue
        key, score = hit
        if key not in best or score > best[key][0]:
            best[key] = (score, i)
    starts = sorted((i, key) for key, (_, i) in best.items())
    texts = {k: "" for k in SECTIONS}
    headings = {}
    for n, (i, key) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(paragraphs)
        texts[key] = "\n".join(p.strip() for p in paragraphs[i + 1:end] if p and p.strip())
        headings[key] = paragraphs[i].strip()
    first = starts[0][0] if starts else len(paragraphs)
    preamble = "\n".join(p.strip() for p in paragraphs[:first] if p and p.strip())
    found = [key for _, key in starts]
    if len(found) < len(SECTIONS):
        log.debug("sections found: %s", "".join(NUMERAL_OF[k] for k in found))
    return SectionSplit(texts=texts, found=found, headings=headings, preamble=preamble)
