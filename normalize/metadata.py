"""Who reported, for which year, and where: from the title, else the file name.

The title is usually the first lines of the document ("上高县行政服务中心管委会
2021年政府" / "信息公开工作年度报告"), sometimes split over two paragraphs, so
the first few paragraphs are joined before matching. The region comes from
cpca, which knows China's administrative divisions and their codes.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

from .text import clean

_TITLE = re.compile(r"(?P<agency>[^。，,；;：:]*?)(?P<year>(?:19|20)\d{2})年度?(?:政府|政务)?信息公开(?:工作)?(?:年度)?(?:报告|年报)")  # noqa: E501
_PERIOD = re.compile(r"(?P<year>(?:19|20)\d{2})年1月1日(?:起)?至(?P=year)年12月31日")
_FILE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
TITLE_PARAGRAPHS = 4
# _TITLE's lazy agency group rescans to the next punctuation from every start position: on a long
# unpunctuated text (a 1 MB line) that is quadratic and never ends. A title is at the very start.
TITLE_CHARS = 1000


@dataclass
class Metadata:
    agency: str | None = None
    year: int | None = None
    province: str | None = None
    city: str | None = None
    county: str | None = None
    adcode: str | None = None


def metadata(paragraphs: list[str], source: str, title: str | None = None) -> Metadata:
    meta = Metadata()
    head = clean("".join(paragraphs[:TITLE_PARAGRAPHS])[:4 * TITLE_CHARS])[:TITLE_CHARS]
    for candidate in (head, clean(title or "")[:TITLE_CHARS], clean(os.path.basename(source))):
        match = _TITLE.search(candidate)
        if match:
            meta.agency = meta.agency or _agency(match.group("agency"))
            meta.year = meta.year or int(match.group("year"))
    if meta.year is None:
        meta.year = _year_from_text(paragraphs) or _year_from_name(source)
    if meta.agency is None:
        meta.agency = _agency(re.sub(r"\.\w+$", "", os.path.basename(source))) or None
    if meta.agency:
        meta.province, meta.city, meta.county, meta.adcode = region(meta.agency)
    return meta


def _agency(text: str) -> str:
    text = re.sub(r"^[\d_\-\s]+", "", text or "")
    return text.strip("《》“”\"'").strip()


def _year_from_text(paragraphs: list[str]) -> int | None:
    for text in paragraphs[:20]:
        match = _PERIOD.search(clean(text[:2000]))  # the period is stated early; a 1 MB line must not cost seconds
        if match:
            return int(match.group("year"))
    return None


def _year_from_name(source: str) -> int | None:
    match = _FILE_YEAR.search(os.path.basename(source))
    return int(match.group(1)) if match else None


@lru_cache(maxsize=4096)
def region(agency: str) -> tuple[str | None, str | None, str | None, str | None]:
    """Province, city, county and adcode cpca finds in an agency name."""
    import cpca  # loads its division tables (~0.3 s) on first use only

    row = cpca.transform([agency]).iloc[0]
    def get(key):
        value = row.get(key)
        return value if isinstance(value, str) and value else None
    return get("省"), get("市"), get("区"), get("adcode")
