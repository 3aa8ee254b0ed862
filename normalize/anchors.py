"""What marks a page as holding a report table, from data/tables.csv, for the paged readers.

The PDF reader reads the tables only on pages whose text holds one of these anchors
(and the pages those tables run onto). Reports printed in traditional characters are
folded to simplified ones, character by character, with OpenCC's own tables: only the
characters the anchors use, so the fold is one fast `str.translate`.
"""
from __future__ import annotations

import os
from functools import lru_cache

from opencc import OpenCC

from ogi.extract.model import PageAnchors, TableAnchors

from .schema import table_defs


@lru_cache(maxsize=None)
def page_anchors() -> PageAnchors:
    tables = tuple(TableAnchors(t.page_anchors, t.lead_anchors) for t in table_defs().values())
    used = {ch for t in tables for word in t.page + t.lead for ch in word}
    return PageAnchors(tables, _fold_to(used))


def _fold_to(simplified: set[str]) -> dict:
    """Traditional (and variant) characters that OpenCC simplifies to one of `simplified`."""
    to_simplified = OpenCC("t2s")
    candidates = set()
    for config in ("s2t", "s2tw", "s2hk"):
        converter = OpenCC(config)
        candidates.update(converter.convert(ch) for ch in simplified)
    candidates.update(_traditional_forms(simplified))
    fold = {}
    for ch in candidates:
        target = to_simplified.convert(ch)
        if len(ch) == 1 and ch != target and target in simplified:
            fold[ord(ch)] = target
    return fold


def _traditional_forms(simplified: set[str]) -> set[str]:
    """Every traditional form OpenCC's character table lists for the characters (复 → 復 複)."""
    import opencc

    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "STCharacters.txt")
    if not os.path.exists(path):
        return set()
    out = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, _, values = line.rstrip("\n").partition("\t")
            if key in simplified:
                out.update(values.split())
    return out
