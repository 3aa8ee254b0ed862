"""How numbers are printed: cell text → value and kind, never coercing one kind into another.

The one place that says what a printed number, a dash or a blank looks like, for every reader
and for normalize/ (the only module of extract/ that holds Chinese characters: units and the
words reports print for "none" — conventions of print, not of the template).

A blank cell, a dash, a 0 and a word are different facts about a report: the
audit counts blanks as 0 but says so, and a researcher may not. So the
parser returns the kind beside the number and leaves the raw text untouched.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

DASHES = {"-", "--", "—", "——", "–", "―", "/", "／", "\\", "无", "無", "空", "n/a", "na", "×", "x"}
# Some mirrors print a non-breaking space as "?" before the number ("? 0").
_NOISE = re.compile(r"^[?？\s]+")
_NUMBER = re.compile(r"^([+\-−]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$")
_SPLIT_DIGITS = re.compile(r"\d\s+\d")
_UNITS = re.compile(r"(件|条|个|项|次|人次|万元|元)$")


class Kind(str, Enum):
    """What a cell printed (MISSING: nothing was read for the field at all)."""
    NUMBER = "number"
    BLANK = "blank"
    DASH = "dash"
    TEXT = "text"
    MISSING = "missing"

    def __str__(self) -> str:        # print as the value, in f-strings, CSV and Arrow alike
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


@dataclass(frozen=True)
class Parsed:
    value: int | float | None          # int for a printed integer, float for a printed fraction
    kind: Kind


@lru_cache(maxsize=65536)
def parse_value(raw: str | None) -> Parsed:
    text = unicodedata.normalize("NFKC", raw or "").replace("\u3000", " ").strip()
    if not text:
        return Parsed(None, Kind.BLANK)
    text = _NOISE.sub("", text)
    if text.lower() in DASHES:
        return Parsed(None, Kind.DASH)
    if _SPLIT_DIGITS.search(text):
        return Parsed(None, Kind.TEXT)  # "1 2" is two numbers or a misread: never fuse them
    compact = _UNITS.sub("", text.replace(" ", ""))
    match = _NUMBER.match(compact)
    if not match:
        return Parsed(None, Kind.TEXT)
    sign, digits, decimals = match.groups()
    # an integer stays an int (exact at any size); only a printed fraction becomes a float
    value = float(digits.replace(",", "") + decimals) if decimals else int(digits.replace(",", ""))
    return Parsed(-value if sign in ("-", "−") else value, Kind.NUMBER)


# ---------------------------------------------------------------- tokens the readers recognise
# How reports print numbers, dashes, enumerators and page furniture, for every reader: the readers
# import these, so a new convention is added here once.

# a numbered item: （一） (一) 一、 1. 1、
ENUMERATOR = re.compile(r"^\s*(（[一二三四五六七八九十\d]+）|\([一二三四五六七八九十\d]+\)|[一二三四五六七八九十]+、|\d+[.、．])")  # noqa: E501
# generic numbering cues that start a new label cell inside a run-together label:
# （一） 一、 1. 1、 — but not the （一） of 第二十条第（一）项
NUMBERING_BREAK = re.compile(r"(?<!^)(?<!第)(?=[（(][一二三四五六七八九十]{1,3}[)）]|(?<![一二三四五六七八九十])"
                             r"[一二三四五六七八九十]{1,3}、|(?<![\d.])\d{1,2}[.．、](?![\d]))")
# A printed value rather than a label: a number (any digits, a unit after it) or a dash / 无 for zero.
VALUE_TOKEN = re.compile(r"^\s*([-+]?[\d０-９][\d０-９,，.．]*\s*(%|件|个|项|次|条|人次|万元|元)?|[-—–―/／\\－×]+|无|無)\s*$")  # noqa: E501
# a number as a text dump prints it, a unit allowed after it
NUMBER_TOKEN = re.compile(r"^[+\-−]?[\d０-９][\d０-９,，]*([.．][\d０-９]+)?\s*(件|条|个|项|次|万元|元)?$")
DASH_TOKENS = {"-", "--", "—", "——", "–", "/", "／", "无", "無"}
# a lone bar OCR reads in a cell: a dash, never 一 (one)
DASH_LIKE = re.compile(r"^[一_—–\-－~～]+$")
# a page number line: 第 3 页 / 共 5 页, 3/5, - 3 -
PAGE_NUMBER = re.compile(r"^[\s\-—–－·]*(第\s*\d+\s*页(\s*[/，,]?\s*共\s*\d+\s*页)?|\d{1,4}(\s*/\s*\d{1,4})?)[\s\-—–－·]*$")  # noqa: E501
# what OCR finds in a page's margins: numbers, dashes, 第 … 页 共 … 页
PAGE_FURNITURE = re.compile(r"^[\s\-—–·第共页/|0-9]+$")
