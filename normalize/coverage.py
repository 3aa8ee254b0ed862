"""How much of the template a report was read for: cells read / cells the template prints.

A report's status is decided from these counts alone, so a table that was not
found or a row left missing can never hide behind a "complete".
"""
from __future__ import annotations

from dataclasses import dataclass

from .schema import fields, template_for_year
from .schema import templates as template_versions
from .value import Origin

TABLES = ("t2", "t3", "t4")


@dataclass(frozen=True)
class TableCoverage:
    table: str
    printed: int        # cells the detected layout prints
    read: int           # of them, cells read as a value, blank or dash

    @property
    def missing(self) -> int:
        return self.printed - self.read

    @property
    def fraction(self) -> float:
        return self.read / self.printed if self.printed else 0.0


def coverage(values: dict, templates: dict, tables_found: list[str], year: int | None) -> dict[str, TableCoverage]:
    """Per table: printed and read cells. A table not found reads 0 of the cells its likely layout prints."""
    read = {fid for fid, v in values.items() if v.read and v.origin is not Origin.DERIVED}
    out = {}
    for table in TABLES:
        printed = _printed_fields(table, templates, year, read)
        n_read = len(printed & read) if table in tables_found else 0
        out[table] = TableCoverage(table, len(printed), n_read)
    return out


def overall(per_table: dict[str, TableCoverage]) -> float:
    printed = sum(c.printed for c in per_table.values())
    return sum(c.read for c in per_table.values()) / printed if printed else 0.0


def _printed_fields(table: str, templates: dict, year: int | None, read: set[str]) -> set[str]:
    """The fields the table's layout prints. Table 4 has one layout; a table whose layout is
    unknown (not found) is counted with the report's other table's layout, or by its year."""
    layout = templates.get(table) if table != "t4" else "both"
    if layout in (None, ""):
        layout = next((t for t in templates.values() if t in _versions()), None) or _layout_of_year(year)
    candidates = [f for f in fields().values() if f.table == table]
    if layout == "mixed":  # a hybrid table: the layout it printed most of, plus what it printed of the other
        by_layout = {t: {f.id for f in candidates if f.printed_in(t)} for t in _versions()}
        best = max(by_layout.values(), key=lambda ids: len(ids & read))
        return best | {f.id for f in candidates if f.id in read}
    return {f.id for f in candidates if layout == "both" or f.printed_in(layout)}


def _versions() -> tuple[str, ...]:
    return tuple(t.version for t in template_versions())


def _layout_of_year(year: int | None) -> str:
    """The layout a report of this year prints (data/templates.csv): the oldest before the first, the
    newest when the year is unknown."""
    fits = template_for_year(year)
    if fits is not None:
        return fits.version
    versions = template_versions()
    return versions[0].version if year is not None and year < versions[0].first_year else versions[-1].version
