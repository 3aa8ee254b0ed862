"""One value: what a report printed for a canonical field, how ogi came by it, and where it was.

The same type runs from normalize through the dataset to the audit: the
normalizer makes it from a cell, the dataset writes its fields as the columns
of `values`, and the audit reads those rows back into it. Two facts are kept
apart: `kind` says what the cell printed (a number, a blank, a dash, a word, or
nothing was read at all), `origin` how ogi got the number (the text layer,
OCR, forced by the table's arithmetic, or summed from printed parts).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from enum import Enum

from ogi.extract.printed import Kind

__all__ = ["Kind", "Origin", "Value", "COLUMNS", "EMPTY_KINDS"]


class Origin(str, Enum):
    """How ogi came by the value."""
    PRINTED = "printed"      # the document's text
    OCR = "ocr"              # recognised from an image
    INFERRED = "inferred"    # forced by the table's own arithmetic, not read
    DERIVED = "derived"      # a sum the 2021 layout does not print, from its printed parts

    def __str__(self) -> str:        # print as the value, in f-strings, CSV and Arrow alike
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


# The values table's columns for one value (the dataset puts report_id and source first): its
# fields, with `kind` as the combined label and the bounding box as four numbers.
COLUMNS = ("field", "value", "raw", "kind", "page", "table", "row", "col", "row_label", "col_label",
           "x0", "y0", "x1", "y1", "confidence", "label_match")

# A value that printed nothing but was read: it counts as 0 in the template's arithmetic.
EMPTY_KINDS = frozenset({Kind.BLANK, Kind.DASH})


@dataclass
class Value:
    field: str
    value: int | float | None            # None when the cell holds no number
    raw: str = ""
    kind: Kind = Kind.NUMBER
    origin: Origin = Origin.PRINTED
    table: int | None = None
    row: int | None = None
    col: int | None = None
    page: int | None = None
    bbox: tuple | None = None
    confidence: float | None = None
    row_label: str = ""
    col_label: str = ""
    label_match: str = "exact"           # exact, fuzzy, derived, inferred
    report_id: str = ""                  # set where values of several reports meet (the audit)

    def __post_init__(self):
        if type(self.kind) is not Kind:       # an Enum call per cell is most of building many
            self.kind = Kind(self.kind)
        if type(self.origin) is not Origin:
            self.origin = Origin(self.origin)

    # ------------------------------------------------------------ the values table's `kind` column

    @property
    def label(self) -> str:
        """The `kind` column of `values`: how a number was come by when not printed as text, else what
        the cell printed (number, blank, dash, text, ocr, inferred, derived)."""
        if self.kind is Kind.NUMBER and self.origin is not Origin.PRINTED:
            return self.origin.value
        return self.kind.value

    @staticmethod
    @lru_cache(maxsize=64)
    def parse_label(label: str | None) -> tuple[Kind, Origin]:
        """(kind, origin) of a `kind` column entry: the inverse of `label`."""
        if label in {o.value for o in Origin}:
            return Kind.NUMBER, Origin(label)
        return Kind(label or Kind.NUMBER.value), Origin.PRINTED

    # ------------------------------------------------------------ the values table's row

    def columns(self) -> list:
        """This value's cells in the values table, in COLUMNS order (after report_id and source)."""
        x0, y0, x1, y1 = self.bbox or (None, None, None, None)
        return [self.field, self.value, self.raw, self.label, self.page, self.table, self.row, self.col,
                self.row_label, self.col_label, x0, y0, x1, y1, self.confidence, self.label_match]

    # ------------------------------------------------------------ how the arithmetic counts it

    @property
    def missing(self) -> bool:
        return self.kind is Kind.MISSING

    @property
    def read(self) -> bool:
        """The cell's content is known: a number (however obtained), a blank or a dash."""
        return self.kind is Kind.NUMBER or self.kind in EMPTY_KINDS

    @property
    def as_number(self) -> float:
        """How the template arithmetic counts the cell: blanks, dashes and gaps as 0."""
        return self.value if self.value is not None else 0.0

    @property
    def zero_by_convention(self) -> bool:
        return self.value is None and (self.kind in EMPTY_KINDS or self.kind is Kind.MISSING)
