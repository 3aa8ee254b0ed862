"""Cell text → value and kind, never coercing one kind into another.

A blank cell, a dash, a 0 and a word are different facts about a report: the
audit counts blanks as 0 but says so, and a researcher may not. So the
parser returns the kind beside the number and leaves the raw text untouched.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

DASHES = {"-", "--", "—", "——", "–", "―", "/", "／", "\\", "无", "無", "空", "n/a", "na", "×", "x"}
# Some mirrors print a non-breaking space as "?" before the number ("? 0").
_NOISE = re.compile(r"^[?？\s]+")
_NUMBER = re.compile(r"^([+\-−]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$")
_SPLIT_DIGITS = re.compile(r"\d\s+\d")
_UNITS = re.compile(r"(件|条|个|项|次|人次|万元|元)$")


@dataclass(frozen=True)
class Parsed:
    value: float | None
    kind: str          # number, blank, dash, text


@lru_cache(maxsize=65536)
def parse_value(raw: str | None) -> Parsed:
    text = unicodedata.normalize("NFKC", raw or "").replace("\u3000", " ").strip()
    if not text:
        return Parsed(None, "blank")
    text = _NOISE.sub("", text)
    if text.lower() in DASHES:
        return Parsed(None, "dash")
    if _SPLIT_DIGITS.search(text):
        return Parsed(None, "text")  # "1 2" is two numbers or a misread: never fuse them
    compact = _UNITS.sub("", text.replace(" ", ""))
    match = _NUMBER.match(compact)
    if not match:
        return Parsed(None, "text")
    sign, digits, decimals = match.groups()
    value = float(digits.replace(",", "") + (decimals or ""))
    return Parsed(-value if sign in ("-", "−") else value, "number")
