"""Text normalization shared by every matcher: one key per label however printed.

Reports print the same label with full- or half-width punctuation, in
traditional characters (mirror sites), broken across lines, with pinyin
injected, with "1." or "1、" numbering, and with filling instructions in
brackets. `label_key` folds all of that away; `clean` only folds widths,
characters and whitespace, for text that is not a label.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

_T2S = OpenCC("t2s")
_SPACE = re.compile(r"\s+")
_PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]+\)")
_NUMBERING = re.compile(r"^(?:[(]?[一二三四五六七八九十]{1,3}[)、.]|[(]?\d{1,2}[)、.])")
_TRAILING_NOTE = re.compile(r"\([^()]*\)$")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"'})


@lru_cache(maxsize=65536)
def clean(text: str) -> str:
    """NFKC, traditional → simplified, ASCII quotes; whitespace removed."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _T2S.convert(text).translate(_QUOTES)
    return _SPACE.sub("", text)


@lru_cache(maxsize=65536)
def label_key(text: str) -> str:
    """The matching key of a table label: numbering, pinyin and trailing notes removed."""
    key = _PINYIN.sub("", clean(text))
    key = _NUMBERING.sub("", key, count=1)
    stripped = _TRAILING_NOTE.sub("", key)
    return stripped or key


def squash(text: str) -> str:
    """Whitespace inside a paragraph collapsed; used for section text."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text or "")).strip()
