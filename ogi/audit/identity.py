"""The same agency across years, so R7/R8 can pair a report with last year's,
and the same agency-year read twice (R0: a .docx and its .pdf, two copies).

The key itself (ogi/identity.py) is a column of `reports`; reports written
before it was are keyed here from their name and region columns.
"""
from __future__ import annotations

import logging

from ogi.identity import agency_key as _computed_key
from ogi.identity import core_name  # noqa: F401  (re-exported: the audit's own name for it)

from .model import Finding, Report

log = logging.getLogger(__name__)

# Not a template rule: a batch-level check, listed beside the catalogue's rules.
DUPLICATE_RULE = "R0"
DUPLICATE_WORDING = "同一机构同一年度应只有一份报告"


def agency_key(meta: dict) -> str:
    """The reports table's agency_key when it has one, else computed from name and region."""
    key = meta.get("agency_key")
    if isinstance(key, str) and key:
        return key
    return _computed_key(meta)


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


def groups(reports: list[Report]) -> dict[tuple[str, int], list[Report]]:
    """(agency key, year) → every report of it, in the order given."""
    out: dict[tuple[str, int], list[Report]] = {}
    for rep in reports:
        if rep.year is not None:
            out.setdefault((agency_key(rep.meta), rep.year), []).append(rep)
    return out


def duplicates(rep: Report, by_key_year: dict[tuple[str, int], list[Report]]) -> list[Finding]:
    """R0: one finding on each report of an agency-year read more than once, naming the other files."""
    if rep.year is None:
        return []
    others = [r for r in by_key_year.get((agency_key(rep.meta), rep.year), []) if r.id != rep.id]
    if not others:
        return []
    names = "、".join(f"{o.source or o.id}" for o in others)
    message = (f"{rep.agency or '该机构'} {rep.year}年度的报告有{len(others) + 1}份："
               f"本文件 {rep.source or rep.id} 与 {names}；请确认以哪一份为准")
    return [Finding(rep, DUPLICATE_RULE, message, cells=[], expected="1份", actual=f"{len(others) + 1}份",
                    check=f"{DUPLICATE_RULE}[{'|'.join(sorted(o.id for o in others))}]", severity="warning")]
