"""Tolerances of the PDF reader, in one frozen settings object (as pdfplumber's TableSettings
holds its own), and the generic text patterns it recognises.

The patterns know printed numbers, dashes, list enumerators and page numbers; no label of
any report template (those come in as `PageAnchors` from the caller).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..printed import ENUMERATOR, PAGE_NUMBER  # noqa: F401 - the PDF reader's names for them
from ..printed import VALUE_TOKEN as VALUE  # noqa: F401


@dataclass(frozen=True)
class PdfSettings:
    max_pages: int = 500             # a longer PDF is not a report: refused
    keep_open: int = 60              # pages: a document this short keeps its pages loaded between passes
    min_text_chars: int = 5          # fewer non-space characters on a page with an image: a scan
    scan_text_chars: int = 20        # a page with at least this much text is no scan: images not looked for
    upright_sample: int = 200        # characters sampled to vote on the page's upright rotation
    upright_min_votes: int = 3       # fewer votes decide nothing
    snap: float = 2.0                # points: rulings closer than this are the same ruling
    stitch_snap: float = 4.5         # points: column boundaries of two page parts may drift this much
    min_column: float = 6.0          # points: column boundaries closer than this are one: no character fits
                                     # between them (double rules, two stacked tables drawn a little apart)
    line_tolerance: float = 3.0      # points: pdfplumber's default x and y tolerance in extract_text
    wrap_margin: float = 12.0        # points: cell padding both sides; a line this close to full width wrapped
    thin_rule: float = 3.0           # points: a filled box this thin is a ruling drawn as a rectangle
    white: int = 242                 # 0-255: every RGB channel at least this is white (0.95)
    region_margin: float = 1.0       # points: a glyph this near a table's box is read for its cells
    ruling_overlap: float = 0.5      # points: a glyph must reach this far past a ruling to cross it
    frame_tolerance: float = 2.0     # points: rulings this near a table's box belong to its frame
    junction_tolerance: float = 3.0  # points: a rule ending this far inside a cell stops there (pdfplumber's snap)
    word_gap: float = 2.0            # points: characters of a line closer than this are one word (no border between)
    frame_moved: float = 1.0         # points: a frame implied by the rulings differs from the box found
    straight: float = 0.1            # points: a path segment this close to level is horizontal (vertical)
    loose_box_factor: float = 2.0    # a loose character box this many times the usual height is broken
    body_half: float = 0.5           # a table part ends in the lower (starts in the upper) half of a page
    min_margin_lines: int = 6        # fewer body lines on a page: the document's margins are used
    margin_bucket: float = 3.0       # points: line starts and ends binned this finely to find the margins
    indent_factor: float = 1.2       # font sizes: a line starting this far right of the margin is indented
    short_line_factor: float = 1.5   # font sizes: a line ending this far left of the margin ends a paragraph
    min_font: float = 6.0            # points: line height assumed at least this


SETTINGS = PdfSettings()

NUMBER = re.compile(r"^\s*[-+]?\d[\d,，]*(\.\d+)?\s*%?\s*$")
NUMBER_HEAD = re.compile(r"^\s*[-+]?[\d０-９][\d０-９,，.．\s]*$")   # digits so far, no unit yet
DIGIT_BREAK = re.compile(r"[\d０-９]\n[\d０-９]")
