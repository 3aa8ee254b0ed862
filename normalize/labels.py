"""Printed labels → canonical label paths → field ids.

The index is built once from data/labels.csv (official labels and real
variants) and data/fields.csv (which label paths name a row, a column or a
block). A printed label path (the distinct header or label cells over a value,
outermost first) is matched from its deepest label up; ancestors only break
ties (结果维持 under 行政复议 vs under 复议后起诉). A label no variant matches
exactly may be matched fuzzily, but only when one candidate is clearly best:
a wrong field is worse than a missing one.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache

from .schema import fields, labels
from .text import label_key

FUZZY_MIN_RATIO = 0.84     # below this a label is reported as unmapped
FUZZY_MIN_MARGIN = 0.06    # the best candidate must beat the runner-up by this much


@dataclass(frozen=True)
class PathMatch:
    paths: tuple[str, ...]   # candidate canonical paths, best first
    how: str                 # exact or fuzzy
    printed: str             # the printed label that matched


@dataclass(frozen=True)
class _Index:
    keys: dict[str, frozenset[str]]      # label key -> canonical paths
    leaves: dict[str, frozenset[str]]    # axis -> canonical paths that end a field's path
    by_pair: dict[tuple[str, str], str]  # (row path, col path) -> field id


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


@lru_cache(maxsize=None)
def index(table: str) -> _Index:
    """The label index of one statistical table (t2, t3 or t4)."""
    keys: dict[str, set[str]] = {}
    leaves: dict[str, set[str]] = {"row": set(), "col": set()}
    by_pair: dict[tuple[str, str], str] = {}
    for f in fields().values():
        if f.table != table:
            continue
        for row in f.row_paths:
            leaves["row"].add(row)
            for col in f.col_paths:
                by_pair[(row, col)] = f.id
        leaves["col"].update(f.col_paths)
        for path in f.row_paths + f.col_paths:  # official labels need no labels.csv entry
            for part in [path] + _ancestors(path):
                if part:
                    keys.setdefault(label_key(part.split("/")[-1]), set()).add(part)
    for lab in labels():
        if lab.table == table and not lab.canonical_path.startswith("UNMAPPED"):
            keys.setdefault(label_key(lab.variant), set()).add(lab.canonical_path)
    return _Index(
        keys={k: frozenset(v) for k, v in keys.items() if k},
        leaves={axis: frozenset(v) for axis, v in leaves.items()},
        by_pair=by_pair,
    )


def match_label(table: str, printed: str) -> frozenset[str]:
    """Canonical paths an exactly matching printed label may stand for."""
    return index(table).keys.get(label_key(printed), frozenset())


def match_path(table: str, axis: str, printed: list[str]) -> PathMatch | None:
    """The field-ending canonical paths (axis "row" or "col") a printed label path names.

    The deepest printed label decides; outer labels only rank its candidates.
    An outer label never stands in for an unmatched inner one: a garbled
    sub-row under （六）其他处理 must not become the 2019 （六） row.
    """
    return _match_path(table, axis, tuple(printed))


@lru_cache(maxsize=65536)  # reports repeat the same labels
def _match_path(table: str, axis: str, printed: tuple[str, ...]) -> PathMatch | None:
    idx = index(table)
    matched = [(t, match_label(table, t)) for t in printed if t and t.strip()]
    if not matched:
        return None
    text, paths = matched[-1]
    context = [p for _, p in matched[:-1] if p]
    leaves = paths & idx.leaves[axis]
    if leaves:
        return PathMatch(_rank(leaves, context), "exact", text)
    leaves = _fuzzy_leaves(table, axis, text)
    if leaves:
        return PathMatch(_rank(leaves, context), "fuzzy", text)
    return None


def _rank(candidates: frozenset[str], context: list[frozenset[str]]) -> tuple[str, ...]:
    """Candidates consistent with the most printed ancestors, best first; weaker ones dropped."""
    def support(path: str) -> int:
        return sum(any(path.startswith(p + "/") for p in paths) for paths in context)
    scored = sorted(candidates, key=lambda p: (-support(p), p))
    best = support(scored[0])
    return tuple(p for p in scored if support(p) == best)


def _fuzzy_leaves(table: str, axis: str, printed: str) -> frozenset[str]:
    """Leaf paths whose label is clearly the closest to an unseen printed variant."""
    key = label_key(printed)
    if len(key) < 3:
        return frozenset()
    idx = index(table)
    best_by_name: dict[str, float] = {}
    paths_by_name: dict[str, set[str]] = {}
    for variant, paths in idx.keys.items():
        for path in paths & idx.leaves[axis]:
            name = path.rsplit("/", 1)[-1]
            ratio = difflib.SequenceMatcher(None, key, variant, autojunk=False).ratio()
            best_by_name[name] = max(best_by_name.get(name, 0.0), ratio)
            paths_by_name.setdefault(name, set()).add(path)
    ranked = sorted(best_by_name.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] < FUZZY_MIN_RATIO:
        return frozenset()
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if ranked[0][1] - runner_up < FUZZY_MIN_MARGIN:
        return frozenset()
    return frozenset(paths_by_name[ranked[0][0]])


def field_for(table: str, rows: tuple[str, ...], cols: tuple[str, ...]) -> list[str]:
    """Field ids named by any (row path, col path) pair: one means mapped, more means ambiguous."""
    pairs = index(table).by_pair
    found = []
    for r in rows:
        for c in cols:
            fid = pairs.get((r, c))
            if fid and fid not in found:
                found.append(fid)
    return found
