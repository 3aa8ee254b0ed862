"""PDF reader: pypdfium2 for all text and for the ruled grids; pdfplumber's table algorithm.

Why: pdfplumber (pdfminer) parses a page in 70-140 ms, pypdfium2 reads it in
2-6 ms (shared/reference/measurements.md), and parsing was ~85% of the time.
So one pypdfium2 pass over every page yields the paragraphs and tells which
pages probably hold tables; on those pages the ruling lines and filled
rectangles come from pypdfium2's path objects and the characters from its
text page, and pdfplumber's own lines-strategy functions (merge_edges,
edges_to_intersections, intersections_to_cells, cells_to_tables) turn the
edges into cell rectangles. Only a page with anchors where that finds no grid
is handed to pdfplumber whole, as before (a fallback; none in the corpus).

Grids are rebuilt from the cell rectangles: the distinct x and y rulings give
the slots, so a merged cell becomes one Cell with row/col spans. Tables
continued on the next page are stitched into one Table.
"""
from __future__ import annotations

import ctypes
import hashlib
import io
import logging
import math
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Callable

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.table import (TableSettings, cells_to_tables, edges_to_intersections, intersections_to_cells,
                              merge_edges)
from pdfplumber.utils import cluster_objects, extract_text, filter_edges

from ogi.extract.geometry import cluster_means
from ogi.extract.model import BBox, Cell, Document, ExtractError, Paragraph, Table

log = logging.getLogger(__name__)

MAX_PAGES = 500
# Strings that, whitespace removed, mark a page that probably holds a report table.
# Generic "where tables are" cues only; field mapping lives in normalize/.
TABLE_ANCHORS = ("申请人情况", "本年新收", "结转下年度", "信息内容", "第二十条", "处理决定数量")
REVIEW_ANCHORS = ("行政复议", "行政诉讼")
REVIEW_RESULT_ANCHORS = ("结果维持", "结果维护", "结果纠正", "尚未审结", "其他结果")
# Reports printed in traditional characters: folded to simplified before the anchors are looked up.
ANCHOR_FOLD = str.maketrans("內條處決數請況結轉復複議訴訟維護糾審", "内条处决数请况结转复复议诉讼维护纠审")
FALLBACK = "pdfplumber fallback"   # logged (INFO) with the file and pages; benchmarks count it
MIN_TEXT_CHARS = 5          # fewer non-space characters on a page with an image: a scan
SNAP = 2.0                  # points: rulings closer than this are the same ruling
STITCH_SNAP = 4.5           # points: column boundaries of two page parts may drift this much
ENUMERATOR = re.compile(r"^\s*(（[一二三四五六七八九十\d]+）|\([一二三四五六七八九十\d]+\)|[一二三四五六七八九十]+、|\d+[.、．])")
NUMBER = re.compile(r"^\s*[-+]?\d[\d,，]*(\.\d+)?\s*%?\s*$")
# A printed value rather than a label: a number (any digits, a unit after it) or a dash / 无 for zero.
VALUE = re.compile(r"^\s*([-+]?[\d０-９][\d０-９,，.．]*\s*(%|件|个|项|次|条|人次|万元|元)?|[-—–―/／\\－×]+|无|無)\s*$")
NUMBER_HEAD = re.compile(r"^\s*[-+]?[\d０-９][\d０-９,，.．\s]*$")   # digits so far, no unit yet
DIGIT_BREAK = re.compile(r"[\d０-９]\n[\d０-９]")
LINE_TOLERANCE = 3.0        # points: pdfplumber's default x and y tolerance in extract_text
WRAP_MARGIN = 12.0          # points: cell padding both sides; a line this close to full width wrapped
THIN_RULE = 3.0             # points: a filled box this thin is a ruling drawn as a rectangle
WHITE = 242                 # 0-255: every RGB channel at least this is white (0.95)
PAGE_NUMBER = re.compile(r"^[\s\-—–－·]*(第\s*\d+\s*页(\s*[/，,]?\s*共\s*\d+\s*页)?|\d{1,4}(\s*/\s*\d{1,4})?)[\s\-—–－·]*$")


@dataclass
class Line:
    """One text line from pypdfium2, bbox in display space (x0, top, x1, bottom)."""
    text: str
    bbox: BBox


@dataclass
class PageText:
    number: int                  # 1-based
    width: float
    height: float
    lines: list[Line]
    has_image: bool
    rotation: int = 0            # the /Rotate the page was read under (may differ from the file's)
    original_rotation: int = 0   # the file's /Rotate

    @property
    def compact(self) -> str:
        return re.sub(r"\s+", "", "".join(line.text for line in self.lines))


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


# ---------------------------------------------------------------- entry point

def read_pdf(path: str, data: bytes | None = None) -> Document:
    if data is None:
        data = _read_bytes(path)
    pdf = _open_pdfium(data)
    try:
        n_pages = len(pdf)
        if n_pages > MAX_PAGES:
            raise ExtractError(f"PDF has {n_pages} pages, more than the {MAX_PAGES} allowed")
        title = _metadata_title(pdf)
        pages = [_page_text(pdf, i) for i in range(n_pages)]
        turned = any(p.rotation != p.original_rotation for p in pages)

        def fallback_bytes() -> bytes:
            """The file as pdfplumber must see it: with any page turned upright saved in."""
            if not turned:
                return data
            buffer = io.BytesIO()
            pdf.save(buffer)
            return buffer.getvalue()

        table_pages = _pages_likely_with_tables(pages)
        page_tables = _find_page_tables(pdf, table_pages, pages, fallback_bytes, path)
    finally:
        pdf.close()

    doc = Document(source=path, format="pdf", sha256=hashlib.sha256(data).hexdigest(),
                   n_pages=n_pages, title=title)
    for page in pages:
        if len(page.compact) < MIN_TEXT_CHARS and page.has_image:
            doc.pages_needing_ocr.append(page.number)
    if doc.pages_needing_ocr:
        doc.warnings.append("no text layer on page(s) " + ", ".join(map(str, doc.pages_needing_ocr))
                            + ": OCR needed")

    tables = _stitch(page_tables, pages)
    doc.blocks = _blocks_in_reading_order(pages, page_tables, tables)
    return doc


def _read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise ExtractError(f"cannot read file: {exc.strerror or exc}") from exc


def _open_pdfium(data: bytes) -> pdfium.PdfDocument:
    if not data:
        raise ExtractError("empty file")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise ExtractError("encrypted PDF: a password is needed to open it") from exc
        reason = re.sub(r"^Failed to load document \(PDFium: (.*?)\.?\)\.?$", r"\1", msg)
        raise ExtractError(f"damaged or truncated PDF ({reason.lower()})") from exc


def _metadata_title(pdf: pdfium.PdfDocument) -> str | None:
    try:
        title = pdf.get_metadata_value("Title").strip()
    except Exception:  # metadata is optional and sometimes malformed
        return None
    return title or None


# ---------------------------------------------------------------- text pass (pypdfium2)

def _page_text(pdf: pdfium.PdfDocument, index: int) -> PageText:
    page = pdf[index]
    try:
        original = page.get_rotation()
        textpage = page.get_textpage()
        try:
            rotation = _upright_rotation(textpage, original)
            if rotation != original:
                # Text would read sideways as displayed: read the page turned so it is upright
                # (the table pass and any pdfplumber fallback see the turned page too).
                page.set_rotation(rotation)
            lines = _text_lines(textpage, _display_transform(page, rotation))
        finally:
            textpage.close()
        width, height = page.get_size()
        # only a page with (almost) no text can be a scan: skip the object walk otherwise
        has_image = sum(len(line.text) for line in lines) < MIN_TEXT_CHARS * 4 and _has_image(page)
    finally:
        page.close()
    return PageText(index + 1, width, height, lines, has_image, rotation, original)


def _has_image(page: pdfium.PdfPage) -> bool:
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=1))


def _upright_rotation(textpage: pdfium.PdfTextPage, current: int) -> int:
    """The /Rotate under which most characters stand upright, or `current` if unclear.

    Votes go by each glyph's own angle, not by the direction a text line runs: narrow
    table headers stack upright characters one per line ('结/果'), and pdfium may chain
    such a stack into a "line" running down the page."""
    votes = {0: 0, 90: 0, 180: 0, 270: 0}
    n = textpage.count_chars()
    step = max(1, n // 200)                  # a sample of characters is enough to vote
    text = textpage.get_text_range()
    for i in range(0, min(n, len(text)), step):
        if text[i].isspace():
            continue
        angle = pdfium_c.FPDFText_GetCharAngle(textpage.raw, i)
        if angle < 0:
            continue                         # error
        # pdfium measures the angle clockwise: a glyph turned 90 degrees counter-clockwise
        # (text running up the page) has 270, and reads upright under /Rotate 90
        votes[(4 - round(math.degrees(angle) / 90)) % 4 * 90] += 1
    best = max(votes, key=votes.get)
    if votes[best] < 3 or votes[best] <= votes.get(current, 0) * 2:
        return current
    return best


def _display_transform(page: pdfium.PdfPage, rotation: int):
    """Map PDF user space (origin bottom-left) to pdfplumber's display space (origin top-left,
    page rotated clockwise by /Rotate) so text lines and table bboxes can be compared."""
    left, bottom, right, top = page.get_cropbox()
    w, h = right - left, top - bottom

    def to_display(x: float, y: float) -> tuple[float, float]:
        u, v = x - left, top - y          # unrotated, top-left origin
        if rotation == 90:
            return h - v, u
        if rotation == 180:
            return w - u, h - v
        if rotation == 270:
            return v, w - u
        return u, v

    return to_display


def _text_lines(textpage: pdfium.PdfTextPage, to_display) -> list[Line]:
    text = textpage.get_text_range()
    rects = _RectReader(textpage)
    lines: list[Line] = []
    start = 0
    for chunk in text.split("\r\n"):
        end = start + len(chunk)
        if chunk.strip():
            bbox = rects.bbox(start, end, to_display)
            if bbox is not None:
                lines.append(Line(chunk.strip(), bbox))
        start = end + 2
    return lines


class _RectReader:
    """Box of a range of characters from pdfium's text rectangles (one per run of a line):
    the union of the characters' glyph boxes at a few calls per line, not one per character."""

    def __init__(self, textpage: pdfium.PdfTextPage):
        self.raw = textpage.raw
        self.l, self.t, self.r, self.b = (ctypes.c_double() for _ in range(4))

    def bbox(self, start: int, end: int, to_display) -> BBox | None:
        left = bottom = float("inf")
        right = top = float("-inf")
        for k in range(max(0, pdfium_c.FPDFText_CountRects(self.raw, start, end - start))):
            if not pdfium_c.FPDFText_GetRect(self.raw, k, self.l, self.t, self.r, self.b):
                continue
            left, bottom = min(left, self.l.value), min(bottom, self.b.value)
            right, top = max(right, self.r.value), max(top, self.t.value)
        if left == float("inf"):
            return None
        # the display transform turns by multiples of 90 degrees: two corners give the box
        (ax, ay), (bx, by) = to_display(left, bottom), to_display(right, top)
        return (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))


class _CharBoxReader:
    """FPDFText_GetCharBox with its output buffers allocated once: the table pass reads every
    character's box, and pypdfium2's get_charbox allocates four doubles per call."""

    def __init__(self, textpage: pdfium.PdfTextPage):
        self.raw = textpage.raw
        self.l, self.r, self.b, self.t = (ctypes.c_double() for _ in range(4))

    def __call__(self, index: int) -> tuple[float, float, float, float] | None:
        """(left, bottom, right, top) in PDF space, or None for a generated or empty character."""
        if not pdfium_c.FPDFText_GetCharBox(self.raw, index, self.l, self.r, self.b, self.t):
            return None
        left, bottom, right, top = self.l.value, self.b.value, self.r.value, self.t.value
        if right - left <= 0 and top - bottom <= 0:
            return None                    # generated space or line break: no box
        return left, bottom, right, top


def _pages_likely_with_tables(pages: list[PageText]) -> list[int]:
    """1-based page numbers holding a table anchor. Continuation pages without an anchor are
    found later by following tables that run off a page's foot. The review table's first
    header row (行政复议 | 行政诉讼) can stand alone at a page's foot with its result columns
    on the next page, so a review anchor counts when the results are on the page or the next."""
    texts = [page.compact.translate(ANCHOR_FOLD) for page in pages]
    results = [any(a in text for a in REVIEW_RESULT_ANCHORS) for text in texts] + [False]
    hits: set[int] = set()
    for i, (page, text) in enumerate(zip(pages, texts)):
        if any(a in text for a in TABLE_ANCHORS) or (
                any(a in text for a in REVIEW_ANCHORS) and (results[i] or results[i + 1])):
            hits.add(page.number)
    return sorted(hits)


# ---------------------------------------------------------------- table pass

def _find_page_tables(pdf: pdfium.PdfDocument, page_numbers: list[int], pages: list[PageText],
                      fallback_bytes: Callable[[], bytes], source: str = "") -> list[PageTable]:
    """Tables on the given pages, following any table that runs off a page's foot onto pages
    without anchors (a long table 3 can fill a whole middle page)."""
    found: dict[int, list[PageTable]] = {}
    anchored = set(page_numbers)
    todo = sorted(page_numbers)
    while todo:
        retry = []
        for n in todo:
            try:
                found[n], n_edges = _tables_from_page_objects(pdf, pages[n - 1])
            except pdfium.PdfiumError:           # a page pdfium cannot walk: pdfplumber may
                log.warning("page objects unreadable on page %d of %s", n, source, exc_info=True)
                found[n], n_edges = [], 4
            if not found[n] and n in anchored and n_edges >= 4:
                retry.append(n)
        if retry:
            # Rulings but no grid made of them, on a page whose text says a table is there
            # (a drawing we do not model): let pdfplumber parse those pages, as it used to.
            # Fewer than 4 visible edges cannot make a grid for pdfplumber either.
            log.info("%s: %s on page(s) %s", FALLBACK, source, retry)
            found.update(_tables_on_pages(fallback_bytes(), retry))
        todo = sorted({n + 1 for n in todo if n < len(pages) and n + 1 not in found
                       and found[n] and _nothing_below(found[n][-1], pages[n - 1])})
    return [table for n in sorted(found) for table in found[n]]


def _tables_from_page_objects(pdf: pdfium.PdfDocument, page: PageText) -> tuple[list[PageTable], int]:
    """Ruled tables of one page from pypdfium2 alone: path objects give the edges, pdfplumber's
    lines strategy the cells, the text page the characters in each cell. Also the number of
    visible edges, which tells whether pdfplumber could find more."""
    pdf_page = pdf[page.number - 1]
    try:
        to_display = _display_transform(pdf_page, page.rotation)
        edges = _ruling_edges(pdf_page, to_display)
        groups = _cell_groups_closed(edges) if edges else []
        if not groups:
            return [], len(edges)
        textpage = pdf_page.get_textpage()
        try:
            rulings = sorted({y for boxes in groups for box in boxes for y in (box[1], box[3])})
            chars = _page_chars(textpage, to_display, rulings)
        finally:
            textpage.close()
    finally:
        pdf_page.close()
    found = (_page_table(_cells_with_text(boxes, chars), page.number, page.height) for boxes in groups)
    return [table for table in found if table is not None], len(edges)


# ---------------------------------------------------------------- edges from path objects

def _ruling_edges(pdf_page: pdfium.PdfPage, to_display) -> list[dict]:
    """Horizontal and vertical edges (pdfplumber edge dicts, display space) of every visible
    path on the page, Form XObjects included."""
    edges: list[dict] = []
    point = (ctypes.c_float(), ctypes.c_float())
    for obj in pdf_page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH]):
        if not _is_visible_path(obj.raw):
            continue
        matrix = _object_matrix(obj)
        for subpath in _subpaths(obj.raw, point):
            shown = [to_display(*_apply(matrix, x, y)) for x, y in subpath]
            edges.extend(_subpath_edges(shown))
    return edges


def _is_visible_path(raw) -> bool:
    """Painted in a colour that shows: WPS draws a white filled box behind every text line,
    and its edges are not rulings."""
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(raw, fill_mode, stroke):
        return False
    stroked = bool(stroke.value) and _shows(pdfium_c.FPDFPageObj_GetStrokeColor, raw)
    filled = fill_mode.value != pdfium_c.FPDF_FILLMODE_NONE and _shows(pdfium_c.FPDFPageObj_GetFillColor, raw)
    return stroked or filled


def _shows(get_color, raw) -> bool:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not get_color(raw, r, g, b, a):
        return True                      # pattern or unknown colour: treat as visible, as before
    return a.value > 0 and min(r.value, g.value, b.value) < WHITE


def _object_matrix(obj) -> tuple[float, ...]:
    """Object space to page space; objects inside Form XObjects also carry the forms' matrices."""
    matrix = obj.get_matrix().get()
    container = obj.container
    while container is not None:
        matrix = _compose(matrix, container.get_matrix().get())
        container = container.container
    return matrix


def _compose(inner: tuple[float, ...], outer: tuple[float, ...]) -> tuple[float, ...]:
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _apply(matrix: tuple[float, ...], x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = matrix
    return a * x + c * y + e, b * x + d * y + f


def _subpaths(raw, point) -> list[list[tuple[float, float]]]:
    """The path's straight-line pieces as point lists (a closed piece repeats its first point).
    Bezier segments end a piece: table rulings are never curved."""
    pieces: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    x, y = point
    for k in range(pdfium_c.FPDFPath_CountSegments(raw)):
        segment = pdfium_c.FPDFPath_GetPathSegment(raw, k)
        if not pdfium_c.FPDFPathSegment_GetPoint(segment, x, y):
            continue
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        here = (x.value, y.value)
        if kind == pdfium_c.FPDF_SEGMENT_LINETO and current:
            current.append(here)
        else:                            # moveto, bezier or unknown: a new piece starts here
            if len(current) > 1:
                pieces.append(current)
            current = [here]
        if pdfium_c.FPDFPathSegment_GetClose(segment) and len(current) > 1:
            current.append(current[0])
            pieces.append(current)
            current = [current[0]]
    if len(current) > 1:
        pieces.append(current)
    return pieces


def _subpath_edges(points: list[tuple[float, float]]) -> list[dict]:
    """A rectangle thinner than THIN_RULE is one ruling along its middle, any other rectangle
    gives its 4 sides, and other paths give their horizontal and vertical segments."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1, top, bottom = min(xs), max(xs), min(ys), max(ys)
    if _is_rectangle(points) and min(x1 - x0, bottom - top) <= THIN_RULE:
        if x1 - x0 >= bottom - top:
            return [_edge(x0, (top + bottom) / 2, x1, (top + bottom) / 2, "h")]
        return [_edge((x0 + x1) / 2, top, (x0 + x1) / 2, bottom, "v")]
    out = []
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        if abs(ay - by) < 0.1 and abs(ax - bx) > 0:
            out.append(_edge(min(ax, bx), ay, max(ax, bx), ay, "h"))
        elif abs(ax - bx) < 0.1 and abs(ay - by) > 0:
            out.append(_edge(ax, min(ay, by), ax, max(ay, by), "v"))
    return out


def _is_rectangle(points: list[tuple[float, float]]) -> bool:
    corners = points[:-1] if points[0] == points[-1] else points
    if len(corners) != 4:
        return False
    sides = zip(corners, corners[1:] + corners[:1])
    return all(abs(ax - bx) < 0.1 or abs(ay - by) < 0.1 for (ax, ay), (bx, by) in sides)


def _edge(x0: float, top: float, x1: float, bottom: float, orientation: str) -> dict:
    """An edge as pdfplumber's table functions expect it."""
    return {"object_type": "line", "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
            "width": x1 - x0, "height": bottom - top, "orientation": orientation}


# ---------------------------------------------------------------- cells from edges (pdfplumber's algorithm)

LINES = TableSettings.resolve({})        # pdfplumber's defaults for the lines strategy


def _cell_groups(edges: list[dict]) -> list[list[BBox]]:
    """Cell rectangles of each table, exactly as pdfplumber's TableFinder computes them from
    a page's edges with the default lines settings."""
    edges = filter_edges(edges, min_length=LINES.edge_min_length_prefilter)
    edges = merge_edges(edges, snap_x_tolerance=LINES.snap_x_tolerance, snap_y_tolerance=LINES.snap_y_tolerance,
                        join_x_tolerance=LINES.join_x_tolerance, join_y_tolerance=LINES.join_y_tolerance)
    edges = filter_edges(edges, min_length=LINES.edge_min_length)
    points = edges_to_intersections(edges, LINES.intersection_x_tolerance, LINES.intersection_y_tolerance)
    return cells_to_tables(intersections_to_cells(points))


def _cell_groups_closed(edges: list[dict]) -> list[list[BBox]]:
    """Some border is missing (open bottom row at a page break, header cell without a top rule,
    no outer frame): draw the frame implied by the rulings that are there, and redo."""
    groups = _cell_groups(edges)
    closing = [_closing_box(_bbox_of(g), edges) for g in groups]
    frames = [e for box in closing for e in _frame_edges(box)]
    changed = any(box != _round_box(_bbox_of(g)) or _has_holes(g) for box, g in zip(closing, groups))
    # rulings that make no table at all: a header band at a page's foot, its cells cut by the
    # page break and left without a bottom rule (Chromium's print), or a frame with only
    # horizontal rules inside
    loose = [box for box in _ruled_regions(edges) if not any(_inside(box, c) for c in closing)]
    if changed or loose:
        groups = _cell_groups(edges + frames + [e for box in loose for e in _frame_edges(box)])
    return groups


def _ruled_regions(edges: list[dict]) -> list[BBox]:
    """Bounding boxes of connected sets of rulings holding at least two vertical and two
    horizontal ones (touching within SNAP): where a grid is drawn, closed or not."""
    merged = merge_edges(filter_edges(edges, min_length=LINES.edge_min_length), SNAP, SNAP, SNAP, SNAP)
    horizontal = [e for e in merged if e["orientation"] == "h"]
    vertical = [e for e in merged if e["orientation"] == "v"]
    parent = list(range(len(merged)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    index = {id(e): i for i, e in enumerate(merged)}
    for h in horizontal:
        for v in vertical:
            if (h["x0"] - SNAP <= v["x0"] <= h["x1"] + SNAP and v["top"] - SNAP <= h["top"] <= v["bottom"] + SNAP):
                parent[root(index[id(h)])] = root(index[id(v)])
    members: dict[int, list[dict]] = {}
    for e in merged:
        members.setdefault(root(index[id(e)]), []).append(e)
    regions = []
    for group in members.values():
        kinds = [e["orientation"] for e in group]
        if kinds.count("h") >= 2 and kinds.count("v") >= 2:
            regions.append(_round_box((min(e["x0"] for e in group), min(e["top"] for e in group),
                                       max(e["x1"] for e in group), max(e["bottom"] for e in group))))
    return regions


def _inside(box: BBox, outer: BBox) -> bool:
    return (box[0] >= outer[0] - SNAP and box[1] >= outer[1] - SNAP
            and box[2] <= outer[2] + SNAP and box[3] <= outer[3] + SNAP)


def _bbox_of(boxes: list[BBox]) -> BBox:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _frame_edges(box) -> list[dict]:
    x0, top, x1, bottom = box
    return [_edge(x0, top, x1, top, "h"), _edge(x0, bottom, x1, bottom, "h"),
            _edge(x0, top, x0, bottom, "v"), _edge(x1, top, x1, bottom, "v")]


# ---------------------------------------------------------------- cell text from the text page

def _page_chars(textpage: pdfium.PdfTextPage, to_display, rulings: list[float]) -> list[dict]:
    """Printed characters as char dicts for pdfplumber's extract_text, in display space.

    "x0"/"x1" span the advance box (pdfplumber inserts a space where the gap between two
    characters exceeds 3 pt, and glyph boxes would open gaps at every '.' or '、').
    "top" is the baseline: pdfplumber starts a new line where "top" moves by more than 3 pt,
    and a line mixing fonts (CJK and Latin '1.') shares a baseline but not a box top.
    "cx"/"cy", the centre of the glyph's visible part, place the character in a cell."""
    n = textpage.count_chars()
    text = textpage.get_text_range(0, n)
    if len(text) != n:                   # characters outside the BMP: read them one by one
        text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage, i) or 32) for i in range(n))
    printed = []
    raw, glyph_box = textpage.raw, _CharBoxReader(textpage)
    ox, oy, rect = ctypes.c_double(), ctypes.c_double(), pdfium_c.FS_RECTF()
    for i, ch in enumerate(text):
        if ch.isspace():
            continue
        glyph = glyph_box(i)
        if glyph is None:
            continue                     # generated character, nothing printed
        pdfium_c.FPDFText_GetCharOrigin(raw, i, ox, oy)
        pdfium_c.FPDFText_GetLooseCharBox(raw, i, rect)
        printed.append((ch, _visible_part(textpage, i, glyph, to_display, rulings),
                        (rect.left, rect.bottom, rect.right, rect.top), ox.value, oy.value))
    if not printed:
        return []
    # Some WPS fonts report a loose box hundreds of points wide: judged against the page's
    # usual loose box height, such a character keeps its glyph box.
    heights = sorted(loose[3] - loose[1] for _, _, loose, _, _ in printed)
    usual = heights[len(heights) // 2]
    chars = []
    for ch, glyph, loose, x, y in printed:
        cx, cy = to_display((glyph[0] + glyph[2]) / 2, (glyph[1] + glyph[3]) / 2)
        advance = loose if loose[2] - loose[0] <= 2 * usual and loose[3] - loose[1] <= 2 * usual else glyph
        (ax, _), (bx, _) = to_display(advance[0], advance[1]), to_display(advance[2], advance[3])
        _, baseline = to_display(x, y)
        chars.append({"text": ch, "x0": min(ax, bx), "x1": max(ax, bx), "top": baseline, "bottom": baseline,
                      "doctop": baseline, "upright": True, "cx": cx, "cy": cy})
    return chars


def _visible_part(textpage: pdfium.PdfTextPage, index: int, glyph, to_display, rulings: list[float]):
    """The glyph box, cut to its text object's clip path when it crosses a row ruling: a label
    too tall for its merged cell runs under the next row, clipped to its own cell (the last
    character of 结果维持 shows a sliver above the ruling and nothing below)."""
    left, bottom, right, top = glyph
    (_, y0), (_, y1) = to_display(left, bottom), to_display(right, top)
    upper, lower = min(y0, y1), max(y0, y1)
    if bisect_right(rulings, upper + 0.5) == bisect_right(rulings, lower - 0.5):
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
    rows = [sorted(row, key=itemgetter("x0")) for row in cluster_objects(chars, itemgetter("top"), LINE_TOLERANCE)]
    if len(rows) != len(lines):
        return text
    out = lines[0]
    for i in range(1, len(lines)):
        width = rows[i - 1][-1]["x1"] - rows[i - 1][0]["x0"]
        following = rows[i][0]["x1"] - rows[i][0]["x0"]
        wrapped = width + following >= (box[2] - box[0]) - WRAP_MARGIN
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
    line = [c for c in chars if baseline - c["top"] <= LINE_TOLERANCE]
    width = max(c["x1"] for c in line) - min(c["x0"] for c in line)
    return width + width / len(line) >= (box[2] - box[0]) - WRAP_MARGIN


def _one_line(chars: list[dict]) -> str | None:
    """What extract_text returns for characters on one baseline (most cells hold one short
    line), without its word and line machinery: left to right, a space where the gap exceeds
    its x_tolerance. None when the characters are not on one line."""
    first = chars[0]["top"]
    if any(abs(c["top"] - first) > LINE_TOLERANCE for c in chars):
        return None
    ordered = sorted(chars, key=itemgetter("x0"))
    out = [ordered[0]["text"]]
    for previous, char in zip(ordered, ordered[1:]):
        if char["x0"] > previous["x1"] + LINE_TOLERANCE:
            out.append(" ")
        out.append(char["text"])
    return "".join(out)


# ---------------------------------------------------------------- fallback: pdfplumber parses the page

def _tables_on_pages(data: bytes, page_numbers: list[int]) -> dict[int, list[PageTable]]:
    found: dict[int, list[PageTable]] = {}
    try:
        with pdfplumber.open(io.BytesIO(data), pages=page_numbers) as pdf:
            for page in pdf.pages:
                try:
                    found[page.page_number] = _tables_on_page(page)
                finally:
                    page.close()
    except Exception as exc:  # pdfminer raises many kinds on damaged files
        log.warning("pdfplumber failed on pages %s", page_numbers, exc_info=True)
        raise ExtractError(f"damaged PDF: table pages unreadable ({type(exc).__name__})") from exc
    return found


def _is_white(color) -> bool:
    if color is None:
        return False
    if isinstance(color, (int, float)):
        color = (color,)
    try:
        values = [float(v) for v in color]
    except (TypeError, ValueError):
        return False                     # pattern colours etc.: treat as visible
    if len(values) == 1 or len(values) == 3:
        return min(values) >= 0.95
    if len(values) == 4:
        return max(values) <= 0.05       # CMYK white
    return False


def _is_visible_object(obj: dict) -> bool:
    """WPS draws a white filled box behind every text line; its edges are not rulings."""
    kind = obj.get("object_type")
    if kind == "rect":
        stroked = obj.get("stroke") and not _is_white(obj.get("stroking_color"))
        filled = obj.get("fill") and not _is_white(obj.get("non_stroking_color"))
        return bool(stroked or filled)
    if kind in ("line", "curve"):
        return not _is_white(obj.get("stroking_color"))
    return True


def _tables_on_page(page) -> list[PageTable]:
    visible = page.filter(_is_visible_object)
    tables = visible.find_tables()
    closing = [_closing_box(t.bbox, visible.edges) for t in tables]
    if any(box != _round_box(t.bbox) or _has_holes(t.cells) for box, t in zip(closing, tables)):
        # the same frame closing as _cell_groups_closed, through pdfplumber's explicit lines
        frames = [_frame(box, page) for box in closing]
        tables = visible.find_tables({"explicit_vertical_lines": frames,
                                      "explicit_horizontal_lines": frames})
    result = []
    for table in tables:
        texts = table.extract()
        cells = [(tuple(bbox), text or "", False) for row, row_texts in zip(table.rows, texts)
                 for bbox, text in zip(row.cells, row_texts) if bbox is not None]
        page_table = _page_table(cells, page.page_number, float(page.height))
        if page_table is not None:
            result.append(page_table)
    return result


def _has_holes(boxes: list[BBox]) -> bool:
    """Slots of the table's ruling grid that no cell covers: a rule is missing somewhere."""
    xs = cluster_means([b[0] for b in boxes] + [b[2] for b in boxes], SNAP)
    ys = cluster_means([b[1] for b in boxes] + [b[3] for b in boxes], SNAP)
    covered = sum((_index(xs, b[2]) - _index(xs, b[0])) * (_index(ys, b[3]) - _index(ys, b[1]))
                  for b in boxes)
    return covered < (len(xs) - 1) * (len(ys) - 1)


def _frame(box, page) -> dict:
    x0, top, x1, bottom = box
    return {"object_type": "rect", "x0": x0, "x1": x1, "top": top, "bottom": bottom,
            "y0": float(page.height) - bottom, "y1": float(page.height) - top,
            "doctop": page.initial_doctop + top, "width": x1 - x0, "height": bottom - top}


def _round_box(bbox) -> tuple[float, float, float, float]:
    return tuple(round(v, 1) for v in bbox)


def _closing_box(bbox, edges: list[dict]) -> tuple[float, float, float, float]:
    """The table's frame as implied by the rulings touching it."""
    x0, top, x1, bottom = bbox
    tol = 2.0
    v_edges = [e for e in edges if e["orientation"] == "v" and x0 - tol <= e["x0"] <= x1 + tol
               and e["bottom"] >= top - tol and e["top"] <= bottom + tol]
    h_edges = [e for e in edges if e["orientation"] == "h" and top - tol <= e["top"] <= bottom + tol
               and e["x1"] >= x0 - tol and e["x0"] <= x1 + tol]
    new = (min([x0] + [e["x0"] for e in h_edges]), min([top] + [e["top"] for e in v_edges]),
           max([x1] + [e["x1"] for e in h_edges]), max([bottom] + [e["bottom"] for e in v_edges]))
    return _round_box(new) if any(abs(a - b) > 1.0 for a, b in zip(new, bbox)) else _round_box(bbox)


def _page_table(boxes_and_texts: list[tuple[BBox, str, bool]], page_number: int,
                page_height: float) -> PageTable | None:
    """One page's grid from its cell rectangles, texts and full-last-line flags, or None for
    a framed paragraph."""
    cells = [PlacedCell(tuple(bbox), text, page_number, full) for bbox, text, full in boxes_and_texts]
    cells = _drop_empty_edge_rows(cells)
    if not cells:
        return None
    xs = cluster_means([c.bbox[0] for c in cells] + [c.bbox[2] for c in cells], SNAP)
    ys = cluster_means([c.bbox[1] for c in cells] + [c.bbox[3] for c in cells], SNAP)
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


def _index(coords: list[float], value: float) -> int:
    """Index of the coordinate nearest to `value` (`coords` sorted ascending)."""
    i = bisect_right(coords, value)
    if i == 0:
        return 0
    if i == len(coords) or value - coords[i - 1] <= coords[i] - value:
        return i - 1
    return i


# ---------------------------------------------------------------- stitching across pages

@dataclass
class TableBuild:
    """Cells of one logical table in a shared coordinate frame (stitched parts shifted down)."""
    parts: list[PageTable]
    xs: list[float]
    cells: list[tuple[PlacedCell, BBox]]   # cell and its bbox in the shared frame
    y_offset: float = 0.0


def _stitch(page_tables: list[PageTable], pages: list[PageText]) -> list[Table]:
    builds: list[TableBuild] = []
    for part in page_tables:
        previous = builds[-1] if builds else None
        if previous is not None and _continues(previous.parts[-1], part, previous.xs, pages):
            _append_part(previous, part)
        else:
            builds.append(TableBuild([part], list(part.xs), [(c, c.bbox) for c in part.cells]))
    return [_table_from_build(b, i) for i, b in enumerate(builds)]


def _continues(last: PageTable, part: PageTable, xs: list[float], pages: list[PageText]) -> bool:
    if part.page != last.page + 1:
        return False
    if not (_nothing_below(last, pages[last.page - 1]) and _nothing_above(part, pages[part.page - 1])):
        return False
    if abs(part.bbox[0] - xs[0]) > STITCH_SNAP or abs(part.bbox[2] - xs[-1]) > STITCH_SNAP:
        return False
    smaller, larger = (part.xs, xs) if len(part.xs) <= len(xs) else (xs, part.xs)
    return all(any(abs(a - b) <= STITCH_SNAP for b in larger) for a in smaller)


def _is_furniture(line: Line) -> bool:
    return bool(PAGE_NUMBER.match(line.text))


def _nothing_below(table: PageTable, page: PageText) -> bool:
    below = [ln for ln in page.lines if ln.bbox[1] >= table.bbox[3] - 1 and not _is_furniture(ln)]
    return not below and table.bbox[3] > page.height * 0.5


def _nothing_above(table: PageTable, page: PageText) -> bool:
    above = [ln for ln in page.lines if ln.bbox[3] <= table.bbox[1] + 1 and not _is_furniture(ln)]
    return not above and table.bbox[1] < page.height * 0.5


def _append_part(build: TableBuild, part: PageTable) -> None:
    """Shift the continuation under the previous part, snap its columns to the known ones,
    drop a repeated header and glue a label cut by the page break onto the cell above."""
    last = build.parts[-1]
    shift = (build.y_offset + last.bbox[3]) - part.bbox[1]
    xs = cluster_means(build.xs + part.xs, STITCH_SNAP)
    cells = [(c, (_snap(b[0], xs), b[1], _snap(b[2], xs), b[3])) for c, b in build.cells]
    new = [(c, (_snap(c.bbox[0], xs), c.bbox[1] + shift, _snap(c.bbox[2], xs), c.bbox[3] + shift))
           for c in part.cells]
    new = _without_repeated_header(cells, new)
    build.xs = xs
    build.cells = cells + _merge_cut_labels(cells, new)
    build.parts.append(part)
    build.y_offset = shift


def _snap(value: float, xs: list[float]) -> float:
    return xs[_index(xs, value)]


def _rows_of(cells: list[tuple[PlacedCell, BBox]]) -> list[list[tuple[PlacedCell, BBox]]]:
    tops = cluster_means([b[1] for _, b in cells], SNAP)
    rows: list[list[tuple[PlacedCell, BBox]]] = [[] for _ in tops]
    for cell in cells:
        rows[_index(tops, cell[1][1])].append(cell)
    return [sorted(r, key=lambda cb: cb[1][0]) for r in rows]


def _row_signature(row: list[tuple[PlacedCell, BBox]]) -> list[tuple[float, float, str]]:
    return [(round(b[0]), round(b[2]), re.sub(r"\s+", "", c.text)) for c, b in row]


def _without_repeated_header(old, new):
    """A continuation that starts by repeating the table's first rows: drop the repeat."""
    old_rows, new_rows = _rows_of(old), _rows_of(new)
    repeat = 0
    while (repeat < min(len(old_rows), len(new_rows)) - 1
           and _row_signature(old_rows[repeat]) == _row_signature(new_rows[repeat])
           and not any(VALUE.match(c.text) for c, _ in new_rows[repeat])):
        repeat += 1
    if not repeat:
        return new
    dropped = {id(c) for row in new_rows[:repeat] for c, _ in row}
    lift = new_rows[repeat][0][1][1] - new_rows[0][0][1][1]
    return [(c, (b[0], b[1] - lift, b[2], b[3] - lift)) for c, b in new if id(c) not in dropped]


def _is_label(text: str) -> bool:
    """Words, not a printed value: '0件', '—' and '无' are values, and a page break never cuts
    a value cell in two."""
    return bool(text.strip()) and not VALUE.match(text)


def _merge_cut_labels(old, new):
    """Page breaks cut merged label cells: the continuation shows '' or a fragment
    ('（四）无法提' + '供') in the same column. Fold such cells into the cell above."""
    new_rows = _rows_of(new)
    if not new_rows or not old:
        return new
    first_row = new_rows[0]
    bottom = max(b[3] for _, b in old)
    above = {(round(b[0]), round(b[2])): (c, b) for c, b in old if abs(b[3] - bottom) <= SNAP}
    kept = list(new)
    if _is_row_fragment(first_row, above):
        for cell, box in first_row:
            _fold_into_above(old, above, cell, box)
            kept.remove((cell, box))
        return kept
    for i, (cell, box) in enumerate(first_row):
        right = first_row[i + 1:]
        if not any(_is_label(c.text) for c, _ in right):
            continue                         # the row's own label or a value: never a fragment
        if cell.text.strip() and ENUMERATOR.match(cell.text):
            continue                         # a new group starts here
        hit = above.get((round(box[0]), round(box[2])))
        if hit is None or not _is_label(hit[0].text):
            continue
        _fold_into_above(old, above, cell, box)
        kept.remove((cell, box))
    return kept


def _is_row_fragment(first_row, above) -> bool:
    """A row allowed to break across pages: its rest opens the next page exactly under the
    cells of the previous page's last row, either as label tails over empty value cells, or
    as the rest of texts whose cells above were filled to the last line (a value wrapped
    '１１' + '９１件'); a new row brings its own label and values instead."""
    uppers = [above.get((round(b[0]), round(b[2]))) for _, b in first_row]
    if any(u is None for u in uppers):
        return False
    filled = [(c, u[0]) for (c, _), u in zip(first_row, uppers) if c.text.strip()]
    if not filled or any(ENUMERATOR.match(c.text) for c, _ in filled):
        return False
    if all(_goes_on(upper, cell) for cell, upper in filled):
        return True
    if any(VALUE.match(c.text) for c, _ in first_row):
        return False
    values_left_empty = any(VALUE.match(u[0].text) for u in uppers)
    tails_under_labels = all(_is_label(upper.text) for _, upper in filled)
    return values_left_empty and tails_under_labels


def _goes_on(upper: PlacedCell, cell: PlacedCell) -> bool:
    """`cell` plausibly holds the rest of `upper`'s text: upper's last line is full, and the
    two are label and label, or a number's first digits and the rest of a value."""
    if not upper.full:
        return False
    if NUMBER_HEAD.match(upper.text):
        return bool(VALUE.match(re.sub(r"\s+", "", cell.text)))
    return _is_label(upper.text) and _is_label(cell.text)


def _fold_into_above(old, above, cell: PlacedCell, box: BBox) -> None:
    """Append a continuation cell's text to the cell above it and stretch that cell down.
    A number cut after a full line goes on without a break: it is one number."""
    key = (round(box[0]), round(box[2]))
    upper_cell, upper_box = above[key]
    if cell.text.strip():
        glue = "" if (upper_cell.full and upper_cell.text[-1:].isdigit() and cell.text[:1].isdigit()) else "\n"
        upper_cell.text = upper_cell.text + glue + cell.text
        upper_cell.full = cell.full
    grown = (upper_box[0], upper_box[1], upper_box[2], box[3])
    position = next(i for i, (c, _) in enumerate(old) if c is upper_cell)
    old[position] = (upper_cell, grown)
    above[key] = (upper_cell, grown)


def _table_from_build(build: TableBuild, index: int) -> Table:
    xs = build.xs
    ys = cluster_means([b[1] for _, b in build.cells] + [b[3] for _, b in build.cells], SNAP)
    cells: list[Cell] = []
    for placed, (x0, top, x1, bottom) in build.cells:
        col, row = _index(xs, x0), _index(ys, top)
        colspan = max(1, _index(xs, x1) - col)
        rowspan = max(1, _index(ys, bottom) - row)
        cells.append(Cell(row=row, col=col, text=placed.text, rowspan=rowspan, colspan=colspan,
                          page=placed.page, bbox=tuple(round(v, 2) for v in placed.bbox)))
    cells.sort(key=lambda c: (c.row, c.col))
    return Table(cells=cells, n_rows=len(ys) - 1, n_cols=len(xs) - 1, index=index,
                 page=build.parts[0].page)


# ---------------------------------------------------------------- paragraphs and block order

def _blocks_in_reading_order(pages: list[PageText], page_tables: list[PageTable], tables: list[Table]):
    """Paragraphs and tables ordered by page, then by vertical position; a paragraph running
    over a page break is joined back together. Text inside a table's frame is the table's."""
    regions: dict[int, list[BBox]] = {}
    for part in page_tables:
        regions.setdefault(part.page, []).append(part.bbox)
    keyed: list[tuple[int, float, int, object]] = []
    for table in tables:
        first = min((c for c in table.cells if c.page == table.page), key=lambda c: c.bbox[1])
        keyed.append((table.page, first.bbox[1], 1, table))
    body = {page.number: [ln for ln in page.lines if not _is_furniture(ln)
                          and not _inside_any(ln.bbox, regions.get(page.number, []))] for page in pages}
    default_margins = _margins([ln for lines in body.values() for ln in lines], None)
    for page in pages:
        lines = body[page.number]
        for para in _paragraphs(lines, _margins(lines, default_margins)):
            para.page = page.number
            keyed.append((page.number, para.top, 0, para))
    keyed.sort(key=lambda k: (k[0], k[1], k[2]))
    return _join_across_pages([k[3] for k in keyed], pages)


@dataclass
class _Para(Paragraph):
    top: float = 0.0
    open_start: bool = False     # first line flush left and not a numbered heading
    open_end: bool = False       # last line runs to the right margin


def _join_across_pages(blocks: list, pages: list[PageText]) -> list:
    out: list = []
    for block in blocks:
        previous = out[-1] if out else None
        if (isinstance(block, _Para) and isinstance(previous, _Para) and previous.open_end
                and block.open_start and block.page == previous.page + 1):
            previous.text += block.text
            previous.open_end = block.open_end
            continue
        out.append(block)
    return [Paragraph(text=b.text, page=b.page) if isinstance(b, _Para) else b for b in out]


def _margins(lines: list[Line], default: tuple[float, float] | None) -> tuple[float, float]:
    """Body text's left and right edges: the commonest line starts and ends (justified text)."""
    if len(lines) < 6 and default is not None:
        return default
    if not lines:
        return (0.0, 0.0)

    def mode(values: list[float]) -> float:
        buckets: dict[int, list[float]] = {}
        for v in values:
            buckets.setdefault(round(v / 3), []).append(v)
        return min(max(buckets.values(), key=len))

    return mode([ln.bbox[0] for ln in lines]), mode([ln.bbox[2] for ln in lines])


def _inside_any(box: BBox, regions: list[BBox]) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return any(r[0] - 1 <= cx <= r[2] + 1 and r[1] - 1 <= cy <= r[3] + 1 for r in regions)


def _paragraphs(lines: list[Line], margins: tuple[float, float]) -> list[_Para]:
    """Join wrapped lines: a paragraph ends where a line stops short of the right margin,
    and a new one starts at an indented line or a numbered heading."""
    left, right = margins
    out: list[_Para] = []
    current: list[Line] = []

    def flush() -> None:
        size = max(current[-1].bbox[3] - current[-1].bbox[1], 6.0)
        first = current[0]
        para = _Para(text=_joined(current), page=None, top=first.bbox[1],
                     open_start=first.bbox[0] - left <= size * 1.2 and not ENUMERATOR.match(first.text),
                     open_end=current[-1].bbox[2] >= right - size * 1.5)
        out.append(para)

    for line in lines:
        size = max(line.bbox[3] - line.bbox[1], 6.0)
        starts_new = (line.bbox[0] - left > size * 1.2) or bool(ENUMERATOR.match(line.text))
        if current and (starts_new or current[-1].bbox[2] < right - size * 1.5
                        or line.bbox[1] < current[-1].bbox[1]):
            flush()
            current = []
        current.append(line)
    if current:
        flush()
    return out


def _joined(lines: list[Line]) -> str:
    text = lines[0].text
    for line in lines[1:]:
        glue = " " if text[-1:].isascii() and text[-1:].isalnum() and line.text[:1].isascii() \
            and line.text[:1].isalnum() else ""
        text += glue + line.text
    return text
