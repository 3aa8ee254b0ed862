"""The one document model every reader produces.

A document is an ordered list of blocks: paragraphs and tables. A table is a
grid of cells; a merged cell is stored once, at its top-left slot, with its
row and column span, so nothing downstream ever sees a duplicated value.
Every cell keeps its text as printed (line breaks as "\\n") and where it came
from (page and bounding box for paged formats).

This module knows file formats exist but nothing of the report template:
normalize/ turns these grids into canonical fields.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Union

BBox = tuple[float, float, float, float]  # x0, top, x1, bottom in points


@dataclass
class Cell:
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    page: int | None = None          # 1-based page number, paged formats only
    bbox: BBox | None = None
    origin: str = "text"             # "text" (text layer), "ocr" or "inferred"
    confidence: float | None = None  # OCR confidence, 0..1

    @property
    def rows(self) -> range:
        return range(self.row, self.row + self.rowspan)

    @property
    def cols(self) -> range:
        return range(self.col, self.col + self.colspan)


@dataclass
class Table:
    cells: list[Cell]
    n_rows: int
    n_cols: int
    index: int = 0                   # position among the document's tables
    page: int | None = None          # first page the table is on
    nested: bool = False             # found inside another table's cell

    def grid(self) -> list[list[Cell | None]]:
        """Slot matrix: each slot holds the cell covering it, or None (a hole)."""
        slots: list[list[Cell | None]] = [[None] * self.n_cols for _ in range(self.n_rows)]
        for cell in self.cells:
            for r in cell.rows:
                for c in cell.cols:
                    if r < self.n_rows and c < self.n_cols:
                        slots[r][c] = cell
        return slots

    def row_cells(self, row: int) -> list[Cell]:
        """Cells that start in `row`, left to right."""
        return sorted((c for c in self.cells if c.row == row), key=lambda c: c.col)

    def texts(self) -> list[list[str]]:
        """The grid as text, merged cells shown once (covered slots are '')."""
        out = [[""] * self.n_cols for _ in range(self.n_rows)]
        for cell in self.cells:
            out[cell.row][cell.col] = cell.text
        return out


@dataclass
class Paragraph:
    text: str
    page: int | None = None


Block = Union[Paragraph, Table]


@dataclass
class Document:
    source: str                      # the path as given
    format: str                      # docx, pdf, html, text, ...
    blocks: list[Block] = field(default_factory=list)
    sha256: str = ""
    n_pages: int | None = None
    title: str | None = None         # document metadata title, when the format has one
    warnings: list[str] = field(default_factory=list)
    pages_needing_ocr: list[int] = field(default_factory=list)

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    def iter_text(self) -> Iterator[str]:
        for block in self.blocks:
            if isinstance(block, Paragraph):
                yield block.text


class ExtractError(Exception):
    """A document that cannot be read. The message is one plain line for errors.csv."""

    def __init__(self, message: object = "", *args):
        # one line whatever the source: lxml's and PDFium's messages can hold line breaks (found by
        # tests/test_fuzz.py: "Char 0x0 out of allowed range\n, line 2 ...")
        super().__init__(" ".join(str(message).split()), *args)


@dataclass(frozen=True)
class TableAnchors:
    """Strings that mark a page of a paged document as holding one kind of table, given by the
    caller (readers know no template). Matched in the page's text with whitespace removed,
    after `PageAnchors.fold`. A `lead` string counts only when one of `page` is on the same
    page or the next: a header row can stand alone at a page's foot."""
    page: tuple[str, ...]
    lead: tuple[str, ...] = ()


@dataclass(frozen=True)
class PageAnchors:
    tables: tuple[TableAnchors, ...]
    fold: dict = field(default_factory=dict)   # a str.translate table: variant characters → the anchors'
