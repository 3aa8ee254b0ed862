"""Cells: the characters of each cell rectangle from the text page, and one page's grid."""
from __future__ import annotations

import ctypes
from bisect import bisect_right
from dataclasses import dataclass, field
from operator import itemgetter

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.utils import cluster_objects, extract_text

from ogi.extract.geometry import cluster_means
from ogi.extract.model import BBox

from .pages import Invisible, _CharBoxReader
from .settings import DIGIT_BREAK, NUMBER, SETTINGS as S


@dataclass
class PlacedCell:
    """A cell rectangle as found on one page, before it gets grid coordinates."""
    bbox: BBox
    text: str
    page: int
    full: bool = False           # its last line fills the cell's width: the text may go on below


@dataclass
class PageTable:
    """One ruled grid found on one page."""
    page: int
    page_height: float
    bbox: BBox
    cells: list[PlacedCell]
    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)


def _page_chars(textpage: pdfium.PdfTextPage, to_display, rulings: list[float],
                invisible_text: bool = False, regions: list[BBox] | None = None) -> list[dict]:
    """Printed characters as char dicts for pdfplumber's extract_text, in display space.

    "x0"/"x1" span the advance box (pdfplumber inserts a space where the gap between two
    characters exceeds 3 pt, and glyph boxes would open gaps at every '.' or '、').
    "top" is the baseline: pdfplumber starts a new line where "top" moves by more than 3 pt,
    and a line mixing fonts (CJK and Latin '1.') shares a baseline but not a box top.
    "cx"/"cy", the centre of the glyph's visible part, place the character in a cell.
    Characters drawn invisible are left out (checked only when the page has such text).
    With `regions` (the tables' boxes, display space), a character whose glyph lies outside
    the box around them is left out too: no cell can hold it (it still counts for the usual
    box height)."""
    n = textpage.count_chars()
    text = textpage.get_text_range(0, n)
    if len(text) != n:                   # characters outside the BMP: read them one by one
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage, i) or 32) for i in range(n))
    printed, heights = [], []
    glyph_box = _CharBoxReader(textpage)
    hidden = Invisible(textpage) if invisible_text else None
    area = None if not regions else _in_pdf_space(_around(regions), to_display)
    for i, ch in enumerate(text):
        if ch.isspace() or hidden and hidden(i):
            continue
        read = glyph_box.read(i)
        if read is None:
            continue                     # generated character, nothing printed
        glyph, loose, x, y = read
        heights.append(loose[3] - loose[1])
        if area is not None and not (glyph[0] <= area[2] and glyph[2] >= area[0]
                                     and glyph[1] <= area[3] and glyph[3] >= area[1]):
            continue
        (_, ay), (_, by) = to_display(glyph[0], glyph[1]), to_display(glyph[2], glyph[3])
        printed.append((ch, _visible_part(textpage, i, glyph, min(ay, by), max(ay, by), rulings), loose, x, y))
    if not printed:
        return []
    # Some WPS fonts report a loose box hundreds of points wide: judged against the page's
    # usual loose box height, such a character keeps its glyph box.
    heights.sort()
    usual = heights[len(heights) // 2]
    chars = []
    for ch, glyph, loose, x, y in printed:
        cx, cy = to_display((glyph[0] + glyph[2]) / 2, (glyph[1] + glyph[3]) / 2)
        limit = S.loose_box_factor * usual
        advance = loose if loose[2] - loose[0] <= limit and loose[3] - loose[1] <= limit else glyph
        (ax, _), (bx, _) = to_display(advance[0], advance[1]), to_display(advance[2], advance[3])
        _, baseline = to_display(x, y)
        chars.append({"text": ch, "x0": min(ax, bx), "x1": max(ax, bx), "top": baseline, "bottom": baseline,
                      "doctop": baseline, "upright": True, "cx": cx, "cy": cy})
    return chars


def _around(regions: list[BBox]) -> BBox:
    """One box holding every region, S.region_margin wider on each side."""
    margin = S.region_margin
    return (min(r[0] for r in regions) - margin, min(r[1] for r in regions) - margin,
            max(r[2] for r in regions) + margin, max(r[3] for r in regions) + margin)


def _in_pdf_space(box: BBox, to_display) -> BBox:
    """A display-space box as (left, bottom, right, top) in PDF space, so characters are tested
    against it without transforming each (the display transform is affine: three points fix it;
    rounding is far inside S.region_margin)."""
    e, f = to_display(0.0, 0.0)
    (a, b), (c, d) = [(px - e, py - f) for px, py in (to_display(1.0, 0.0), to_display(0.0, 1.0))]
    det = a * d - b * c
    corners = [((d * (X - e) - c * (Y - f)) / det, (a * (Y - f) - b * (X - e)) / det)
               for X in (box[0], box[2]) for Y in (box[1], box[3])]
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    return (min(xs), min(ys), max(xs), max(ys))


def _visible_part(textpage: pdfium.PdfTextPage, index: int, glyph, upper: float, lower: float,
                  rulings: list[float]):
    """The glyph box, cut to its text object's clip path when it crosses a row ruling: a label
    too tall for its merged cell runs under the next row, clipped to its own cell (the last
    character of a four-character label shows a sliver above the ruling and nothing below).
    `upper`, `lower`: the glyph's top and bottom in display space."""
    left, bottom, right, top = glyph
    if bisect_right(rulings, upper + S.ruling_overlap) == bisect_right(rulings, lower - S.ruling_overlap):
        return glyph                     # inside one row band: nothing to decide
    clip = pdfium_c.FPDFPageObj_GetClipPath(pdfium_c.FPDFText_GetTextObject(textpage, index))
    if not clip:
        return glyph
    xs, ys = [], []
    x, y = ctypes.c_float(), ctypes.c_float()
    for p in range(max(0, pdfium_c.FPDFClipPath_CountPaths(clip))):
        for k in range(max(0, pdfium_c.FPDFClipPath_CountPathSegments(clip, p))):
            segment = pdfium_c.FPDFClipPath_GetPathSegment(clip, p, k)
            if segment and pdfium_c.FPDFPathSegment_GetPoint(segment, x, y):
                xs.append(x.value)
                ys.append(y.value)
    if not xs:
        return glyph
    cut = (max(left, min(xs)), max(bottom, min(ys)), min(right, max(xs)), min(top, max(ys)))
    return cut if cut[0] < cut[2] and cut[1] < cut[3] else glyph


def _cells_with_text(boxes: list[BBox], chars: list[dict]) -> list[tuple[BBox, str, bool]]:
    """Each cell rectangle and the text of the characters whose centre lies in it
    (pdfplumber's rule), placed by bisecting the ruling coordinates."""
    xs = sorted({b[0] for b in boxes} | {b[2] for b in boxes})
    ys = sorted({b[1] for b in boxes} | {b[3] for b in boxes})
    x_at = {x: i for i, x in enumerate(xs)}
    y_at = {y: i for i, y in enumerate(ys)}
    owner: dict[tuple[int, int], int] = {}
    for k, (x0, top, x1, bottom) in enumerate(boxes):
        for row in range(y_at[top], y_at[bottom]):
            for col in range(x_at[x0], x_at[x1]):
                owner[(row, col)] = k
    inside: list[list[dict]] = [[] for _ in boxes]
    for char in chars:
        col = bisect_right(xs, char["cx"]) - 1
        row = bisect_right(ys, char["cy"]) - 1
        k = owner.get((row, col))
        if k is not None:
            inside[k].append(char)
    return [(box, _cell_text(cell_chars, box), _last_line_full(cell_chars, box))
            for box, cell_chars in zip(boxes, inside)]


def _cell_text(chars: list[dict], box: BBox) -> str:
    """pdfplumber's text of the characters, one line per visual line; a number that wrapped
    because the cell is narrow is joined back (never two numbers fused: only a line that
    filled the cell's width continues on the next)."""
    if not chars:
        return ""
    text = _one_line(chars)
    if text is not None:
        return text
    text = extract_text(chars)
    if not DIGIT_BREAK.search(text):
        return text
    lines = text.split("\n")
    rows = [sorted(row, key=itemgetter("x0")) for row in cluster_objects(chars, itemgetter("top"), S.line_tolerance)]
    if len(rows) != len(lines):
        return text
    out = lines[0]
    for i in range(1, len(lines)):
        width = rows[i - 1][-1]["x1"] - rows[i - 1][0]["x0"]
        following = rows[i][0]["x1"] - rows[i][0]["x0"]
        wrapped = width + following >= (box[2] - box[0]) - S.wrap_margin
        if wrapped and out[-1:].isdigit() and lines[i][:1].isdigit():
            out += lines[i]
        else:
            out += "\n" + lines[i]
    return out


def _last_line_full(chars: list[dict], box: BBox) -> bool:
    """The cell's last visual line leaves no room for another character: text cut by a page
    break after it continues in the cell below ('１１' here, '９１件' on the next page)."""
    if not chars:
        return False
    baseline = max(c["top"] for c in chars)
    line = [c for c in chars if baseline - c["top"] <= S.line_tolerance]
    width = max(c["x1"] for c in line) - min(c["x0"] for c in line)
    return width + width / len(line) >= (box[2] - box[0]) - S.wrap_margin


def _one_line(chars: list[dict]) -> str | None:
    """What extract_text returns for characters on one baseline (most cells hold one short
    line), without its word and line machinery: left to right, a space where the gap exceeds
    its x_tolerance. None when the characters are not on one line."""
    first = chars[0]["top"]
    if any(abs(c["top"] - first) > S.line_tolerance for c in chars):
        return None
    ordered = sorted(chars, key=itemgetter("x0"))
    out = [ordered[0]["text"]]
    for previous, char in zip(ordered, ordered[1:]):
        if char["x0"] > previous["x1"] + S.line_tolerance:
            out.append(" ")
        out.append(char["text"])
    return "".join(out)


def _page_table(boxes_and_texts: list[tuple[BBox, str, bool]], page_number: int,
                page_height: float) -> PageTable | None:
    """One page's grid from its cell rectangles, texts and full-last-line flags, or None for
    a framed paragraph."""
    cells = [PlacedCell(tuple(bbox), text, page_number, full) for bbox, text, full in boxes_and_texts]
    cells = _drop_empty_edge_rows(cells)
    if not cells:
        return None
    xs = cluster_means([c.bbox[0] for c in cells] + [c.bbox[2] for c in cells], S.min_column)
    ys = cluster_means([c.bbox[1] for c in cells] + [c.bbox[3] for c in cells], S.snap)
    if len(xs) < 3 and not any(NUMBER.match(c.text) for c in cells):
        return None                      # a framed paragraph, not a grid
    if len(xs) < 2 or len(ys) < 2:
        return None
    bbox = (xs[0], ys[0], xs[-1], ys[-1])
    return PageTable(page_number, page_height, bbox, cells, xs, ys)


def _drop_empty_edge_rows(cells: list[PlacedCell]) -> list[PlacedCell]:
    """Slivers between double rules at a table's top or bottom come back as empty rows."""
    def row_key(c: PlacedCell) -> float:
        return round(c.bbox[1], 0)
    while cells:
        tops = sorted({row_key(c) for c in cells})
        changed = False
        for edge in (tops[0], tops[-1]):
            row = [c for c in cells if row_key(c) == edge]
            if all(not c.text.strip() for c in row) and len(tops) > 1:
                cells = [c for c in cells if row_key(c) != edge]
                changed = True
                break
        if not changed:
            return cells
    return cells
