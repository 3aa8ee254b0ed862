"""The same agency across years, so R7/R8 can pair a report with last year's.

Names drift: 洪泽区 2023 prints "洪泽区人民政府", 2024 "淮安市洪泽区人民政府".
The key is the region code (adcode) plus the name with the region prefix
removed, where the region prefix is what the reports table already captured
(province, city, county: full form and without its 省/市/区/县 suffix),
stripped repeatedly from the start of the NFKC, whitespace-free name. So both
洪泽区 names become "<adcode 320813>|人民政府". When adcode is missing the
region names stand in for it. Two bodies of one region with the same
remaining name would be merged: the key is a best effort, not a register.
"""
from __future__ import annotations

import logging
import math
import re
import unicodedata

from .model import Report

log = logging.getLogger(__name__)

_SPACE = re.compile(r"\s+")
_SUFFIX = re.compile(r"(?:省|市|自治区|自治州|地区|盟|区|县|旗)$")


def _text(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    try:
        if v != v:          # pd.NA-safe NaN test
            return ""
    except TypeError:
        return ""
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(v)))


def _prefixes(meta: dict) -> list[str]:
    out = []
    for col in ("province", "city", "county"):
        name = _text(meta.get(col))
        if not name:
            continue
        out.append(name)
        short = _SUFFIX.sub("", name)
        if len(short) >= 2 and short != name:
            out.append(short)
    return sorted(set(out), key=len, reverse=True)


def core_name(meta: dict) -> str:
    name = _text(meta.get("agency"))
    prefixes = _prefixes(meta)
    changed = True
    while changed:
        changed = False
        for p in prefixes:
            if name.startswith(p) and len(name) > len(p):
                name = name[len(p):]
                changed = True
                break          # longest prefixes first again: "淮安市" before "淮安"
    return name


def agency_key(meta: dict) -> str:
    region = _text(meta.get("adcode"))
    if region.endswith(".0"):
        region = region[:-2]
    if not region:
        region = "/".join(_text(meta.get(c)) for c in ("province", "city", "county"))
    return f"{region}|{core_name(meta)}"


def index(reports: list[Report]) -> dict[tuple[str, int], Report]:
    """(agency key, year) → report; the first report wins when a pair repeats."""
    out: dict[tuple[str, int], Report] = {}
    for rep in reports:
        year = rep.year
        if year is None:
            continue
        key = (agency_key(rep.meta), year)
        if key in out:
            log.info("two reports for %s %s: %s and %s; cross-year rules use the first",
                        key[0], year, out[key].id, rep.id)
            continue
        out[key] = rep
    return out


def previous_year(rep: Report, by_key: dict[tuple[str, int], Report]) -> Report | None:
    if rep.year is None:
        return None
    prev = by_key.get((agency_key(rep.meta), rep.year - 1))
    return prev if prev is not None and prev.id != rep.id else None
