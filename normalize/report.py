"""One Document → one normalized Report: metadata, values, warnings, text.

This is the whole of normalize/ as the pipeline sees it. It takes a Document
(whatever its format) and returns plain data: the canonical values with their
provenance, the labels that named nothing, and the report's metadata.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ogi.extract.model import Document

from .coverage import TableCoverage, coverage, overall
from .flat import is_flat, read_flat
from .metadata import Metadata, metadata
from .narrative import statements
from .sections import split_sections
from .tables import Reading, _template, read_tables
from .value import Kind, Origin, Value


@dataclass
class Report:
    source: str
    format: str
    sha256: str
    meta: Metadata
    values: dict[str, Value]
    templates: dict[str, str | None]
    unmapped: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    n_pages: int | None = None
    n_tables: int = 0
    tables_found: list[str] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)
    statements: list[dict] = field(default_factory=list)
    keywords: list = field(default_factory=list)    # [(term, weight)] of section 五, set by the pipeline

    @property
    def report_id(self) -> str:
        return self.sha256[:16]

    @property
    def coverage_by_table(self) -> dict[str, TableCoverage]:
        return coverage(self.values, self.templates, self.tables_found, self.meta.year)

    @property
    def coverage(self) -> float:
        """Cells read (value, blank or dash) / cells the detected layouts print, over the three tables."""
        return overall(self.coverage_by_table)

    @property
    def status(self) -> str:
        """complete: all three tables found and every cell they print read; decided from the counts alone.
        blank: the same, but no cell holds anything (an unfilled form: the template published as it is)."""
        if not self.values:
            return "no tables"
        per_table = self.coverage_by_table
        if len(self.tables_found) < 3 or any(c.missing for c in per_table.values()):
            return "partial"
        if all(v.kind == Kind.BLANK for v in self.values.values() if v.origin is not Origin.DERIVED):
            return "blank"
        return "complete"


def normalize(doc: Document) -> Report:
    paragraphs = [p.text for p in doc.paragraphs]
    reading = read_tables(doc.tables)
    if len(reading.tables_found) < 3 and is_flat(paragraphs):
        paragraphs = _add_flat(reading, paragraphs)
    report = Report(
        source=doc.source, format=doc.format, sha256=doc.sha256,
        meta=metadata(paragraphs, doc.source, doc.title),
        values=reading.values, templates=reading.templates,
        unmapped=reading.unmapped, warnings=list(doc.warnings) + reading.warnings,
        n_pages=doc.n_pages, n_tables=len(doc.tables), tables_found=reading.tables_found,
    )
    report.warnings += [f"{t}: no table printing its labels was read; its cells are missing"
                        for t in ("t2", "t3", "t4") if t not in reading.tables_found]
    report.warnings += [f"unmapped {u['axis']} label '{u['text']}' ({u['table']}, table {u['table_index']}, "
                        f"row {u['row']}, col {u['col']})" for u in reading.unmapped]
    _add_text(report, paragraphs)
    return report


def _add_flat(reading: Reading, paragraphs: list[str]) -> list[str]:
    """Tables the grids did not give, read from a flattened body; its paragraphs cut at the headings."""
    flat = read_flat(paragraphs)
    if not flat.reading.tables_found:
        return paragraphs
    added = [t for t in flat.reading.tables_found if t not in reading.tables_found]
    if not added:
        return paragraphs
    for table in added:
        reading.tables_found.append(table)
        for fid, value in flat.reading.values.items():
            if fid.startswith(table + "."):
                reading.values.setdefault(fid, value)
        reading.warnings += [w for w in flat.reading.warnings if w.startswith(table + ":")]
    reading.tables_found.sort()
    reading.warnings.append("tables read from flattened text (cells run together): " + " ".join(added))
    reading.templates = {t: _template(reading, t) for t in ("t2", "t3")}
    return flat.paragraphs


def _add_text(report: Report, paragraphs: list[str]) -> None:
    """Section text and the numbers the narrative states."""
    try:
        split = split_sections(paragraphs)
        report.sections = dict(split)
        report.statements = statements(split)
    except Exception as exc:  # the tables already read must survive a text bug
        report.warnings.append(f"section text not read: {exc.__class__.__name__}: {exc}")
