"""Text pass (pypdfium2): every page's text lines in display space, its upright rotation,
and which pages hold the tables the caller's anchors name."""
from __future__ import annotations

import ctypes
import math
import re
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ogi.extract.model import BBox, PageAnchors

from .settings import PAGE_NUMBER, SETTINGS as S


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
    invisible_text: bool = False  # some text is drawn invisible: characters are checked one by one

    @property
    def compact(self) -> str:
        return re.sub(r"\s+", "", "".join(line.text for line in self.lines))


class OpenPages:
    """The document's pages and text pages, each loaded once for both passes.

    Loading a page (parsing its content stream) and its text page costs about as much as
    everything the text pass then does with them, and the table pass reads the same pages
    again. A page stays open after the text pass when the document is short (`keep_open`
    pages at most: a 500-page file must not hold every page) and it was read under its own
    rotation (a page turned upright is loaded again, as the table pass always did)."""

    def __init__(self, pdf: pdfium.PdfDocument):
        self.pdf = pdf
        self.keep = len(pdf) <= S.keep_open
        self.kept: dict[int, tuple[pdfium.PdfPage, pdfium.PdfTextPage]] = {}

    def page(self, index: int) -> pdfium.PdfPage:
        """Page `index` (0-based), loaded or kept; `done(index, page)` after use."""
        kept = self.kept.get(index)
        return kept[0] if kept else self.pdf[index]

    def textpage(self, index: int, page: pdfium.PdfPage) -> pdfium.PdfTextPage:
        kept = self.kept.get(index)
        return kept[1] if kept else page.get_textpage()

    def done(self, index: int, page: pdfium.PdfPage, textpage: pdfium.PdfTextPage | None,
             keep: bool = False) -> None:
        """Keep the page for the next pass, or close what `page`/`textpage` loaded."""
        if index in self.kept:
            return
        if keep and self.keep and textpage is not None:
            self.kept[index] = (page, textpage)
            return
        if textpage is not None:
            textpage.close()
        page.close()

    def close(self) -> None:
        for page, textpage in self.kept.values():
            textpage.close()
            page.close()
        self.kept.clear()


def _page_text(pdf: pdfium.PdfDocument | OpenPages, index: int) -> PageText:
    pages = pdf if isinstance(pdf, OpenPages) else OpenPages(pdf)
    page = pages.page(index)
    textpage, keep = None, False
    try:
        original = page.get_rotation()
        textpage = pages.textpage(index, page)
        invisible = has_invisible_text(page)
        rotation = _upright_rotation(textpage, original)
        if rotation != original:
            # Text would read sideways as displayed: read the page turned so it is upright
            # (the table pass and any pdfplumber fallback see the turned page too).
            page.set_rotation(rotation)
        width, height = page.get_size()    # as displayed, under the rotation just set
        lines = _text_lines(textpage, _display_transform(page, rotation), (width, height),
                            Invisible(textpage) if invisible else None)
        # only a page with (almost) no text can be a scan: skip the object walk otherwise
        has_image = sum(len(line.text) for line in lines) < S.scan_text_chars and _has_image(page)
        # kept for the table pass only when read as the file has it, and by a caller that closes it
        keep = rotation == original and pages is pdf
    finally:
        pages.done(index, page, textpage, keep=keep)
    return PageText(index + 1, width, height, lines, has_image, rotation, original, invisible)


def _has_image(page: pdfium.PdfPage) -> bool:
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=1))


def _upright_rotation(textpage: pdfium.PdfTextPage, current: int) -> int:
    """The /Rotate under which most characters stand upright, or `current` if unclear.

    Votes go by each glyph's own angle, not by the direction a text line runs: narrow
    table headers stack upright characters one per line ('结/果'), and pdfium may chain
    such a stack into a "line" running down the page."""
    votes = {0: 0, 90: 0, 180: 0, 270: 0}
    n = textpage.count_chars()
    step = max(1, n // S.upright_sample)                  # a sample of characters is enough to vote
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
    if votes[best] < S.upright_min_votes or votes[best] <= votes.get(current, 0) * 2:
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


def _text_lines(textpage: pdfium.PdfTextPage, to_display, size: tuple[float, float],
                hidden: Invisible | None = None) -> list[Line]:
    """The page's text lines as a reader sees them: text rendered invisible (`hidden`) and
    lines lying wholly outside the page are left out."""
    text = textpage.get_text_range()
    rects = _RectReader(textpage)
    lines: list[Line] = []
    start = 0
    for chunk in text.split("\r\n"):
        end = start + len(chunk)
        if chunk.strip():
            shown = hidden.strip(chunk, start) if hidden else chunk
            bbox = rects.bbox(start, end, to_display) if shown.strip() else None
            if bbox is not None and _on_page(bbox, size):
                lines.append(Line(shown.strip(), bbox))
        start = end + 2
    return lines


def _on_page(bbox: BBox, size: tuple[float, float]) -> bool:
    return bbox[2] > 0 and bbox[3] > 0 and bbox[0] < size[0] and bbox[1] < size[1]


def _as_address_function(function, restype, *argtypes):
    """The pdfium function bound again to give and take plain addresses: a per-character call
    then costs no pointer object and no cast."""
    return ctypes.CFUNCTYPE(restype, *argtypes)(ctypes.cast(function, ctypes.c_void_p).value)


_count_objects = _as_address_function(pdfium_c.FPDFPage_CountObjects, ctypes.c_int, ctypes.c_void_p)
_page_object = _as_address_function(pdfium_c.FPDFPage_GetObject, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
_form_count = _as_address_function(pdfium_c.FPDFFormObj_CountObjects, ctypes.c_int, ctypes.c_void_p)
_form_object = _as_address_function(pdfium_c.FPDFFormObj_GetObject, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ulong)
_object_type = _as_address_function(pdfium_c.FPDFPageObj_GetType, ctypes.c_int, ctypes.c_void_p)
_text_object = _as_address_function(pdfium_c.FPDFText_GetTextObject, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
_render_mode = _as_address_function(pdfium_c.FPDFTextObj_GetTextRenderMode, ctypes.c_int, ctypes.c_void_p)


def has_invisible_text(page: pdfium.PdfPage) -> bool:
    """Whether any text object of the page (Form XObjects included) is drawn invisible: only
    then are characters looked at one by one."""
    text, form = pdfium_c.FPDF_PAGEOBJ_TEXT, pdfium_c.FPDF_PAGEOBJ_FORM
    invisible = pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE

    def walk(objects) -> bool:
        for obj in objects:
            kind = _object_type(obj)
            if kind == text and _render_mode(obj) == invisible:
                return True
            if kind == form and walk(_form_object(obj, k) for k in range(_form_count(obj))):
                return True
        return False

    raw = page.raw
    return walk(_page_object(raw, k) for k in range(_count_objects(raw)))


class Invisible:
    """Characters drawn in text render mode 3 (invisible): a reader never sees them, so
    neither do we. The mode belongs to a text object; it is looked up once per object."""

    def __init__(self, textpage: pdfium.PdfTextPage):
        self.raw = textpage.raw
        self.modes: dict[int, bool] = {}

    def __call__(self, index: int) -> bool:
        obj = _text_object(self.raw, index)
        if not obj:
            return False
        hidden = self.modes.get(obj)
        if hidden is None:
            hidden = _render_mode(obj) == pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE
            self.modes[obj] = hidden
        return hidden

    def strip(self, chunk: str, start: int) -> str:
        """`chunk` (the characters from `start`) without its invisible characters. The first and
        last characters' objects are checked first: most lines are one visible object."""
        first = len(chunk) - len(chunk.lstrip())
        last = len(chunk.rstrip()) - 1
        if last < first:
            return chunk
        a, b = _text_object(self.raw, start + first), _text_object(self.raw, start + last)
        if a and a == b and not self(start + first):
            return chunk
        return "".join(ch for k, ch in enumerate(chunk) if ch.isspace() or not self(start + k))


class _RectReader:
    """Box of a range of characters from pdfium's text rectangles (one per run of a line):
    the union of the characters' glyph boxes at a few calls per line, not one per character."""

    def __init__(self, textpage: pdfium.PdfTextPage):
        self.raw = ctypes.cast(textpage.raw, ctypes.c_void_p).value
        self.box = (ctypes.c_double * 4)()       # left, top, right, bottom
        base = ctypes.addressof(self.box)
        self.at = [base + k * ctypes.sizeof(ctypes.c_double) for k in range(4)]

    def bbox(self, start: int, end: int, to_display) -> BBox | None:
        left = bottom = float("inf")
        right = top = float("-inf")
        at, box = self.at, self.box
        for k in range(max(0, _count_rects(self.raw, start, end - start))):
            if not _get_rect(self.raw, k, at[0], at[1], at[2], at[3]):
                continue
            x0, y1, x1, y0 = box[0:4]
            left, bottom = min(left, x0), min(bottom, y0)
            right, top = max(right, x1), max(top, y1)
        if left == float("inf"):
            return None
        # the display transform turns by multiples of 90 degrees: two corners give the box
        (ax, ay), (bx, by) = to_display(left, bottom), to_display(right, top)
        return (min(ax, bx), min(ay, by), max(ax, bx), max(ay, by))


_c_double_p = ctypes.c_void_p
_count_rects = _as_address_function(pdfium_c.FPDFText_CountRects, ctypes.c_int, ctypes.c_void_p, ctypes.c_int,
                                    ctypes.c_int)
_get_rect = _as_address_function(pdfium_c.FPDFText_GetRect, ctypes.c_int, ctypes.c_void_p, ctypes.c_int,
                                 _c_double_p, _c_double_p, _c_double_p, _c_double_p)
_char_box = _as_address_function(pdfium_c.FPDFText_GetCharBox, ctypes.c_int, ctypes.c_void_p, ctypes.c_int,
                                 _c_double_p, _c_double_p, _c_double_p, _c_double_p)
_loose_char_box = _as_address_function(pdfium_c.FPDFText_GetLooseCharBox, ctypes.c_int, ctypes.c_void_p,
                                       ctypes.c_int, ctypes.c_void_p)
_char_origin = _as_address_function(pdfium_c.FPDFText_GetCharOrigin, ctypes.c_int, ctypes.c_void_p, ctypes.c_int,
                                    _c_double_p, _c_double_p)


class _CharBoxReader:
    """A character's boxes and origin with the output buffers allocated once and the pdfium
    functions called by address: the table pass reads every character of a table page, and
    pypdfium2's get_charbox allocates four doubles per call."""

    def __init__(self, textpage: pdfium.PdfTextPage):
        self.raw = ctypes.cast(textpage.raw, ctypes.c_void_p).value
        self.box = (ctypes.c_double * 6)()       # left, right, bottom, top; origin x, y
        self.rect = pdfium_c.FS_RECTF()
        base = ctypes.addressof(self.box)
        self.at = [base + k * ctypes.sizeof(ctypes.c_double) for k in range(6)]
        self.rect_at = ctypes.addressof(self.rect)

    def __call__(self, index: int) -> tuple[float, float, float, float] | None:
        """(left, bottom, right, top) in PDF space, or None for a generated or empty character."""
        at = self.at
        if not _char_box(self.raw, index, at[0], at[1], at[2], at[3]):
            return None
        left, right, bottom, top = self.box[0:4]
        if right - left <= 0 and top - bottom <= 0:
            return None                    # generated space or line break: no box
        return left, bottom, right, top

    def read(self, index: int):
        """(glyph box, loose box, origin x, origin y) of a printed character, boxes as (left, bottom,
        right, top) in PDF space; None for a generated or empty character."""
        glyph = self(index)
        if glyph is None:
            return None
        _char_origin(self.raw, index, self.at[4], self.at[5])
        _loose_char_box(self.raw, index, self.rect_at)
        rect = self.rect
        return glyph, (rect.left, rect.bottom, rect.right, rect.top), self.box[4], self.box[5]


def pages_with_tables(pages: list[PageText], anchors: PageAnchors | None) -> list[int]:
    """1-based numbers of the pages holding a table anchor (every page when there are no
    anchors). Continuation pages without an anchor are found later by following tables that
    run off a page's foot. A `lead` anchor (a header row that can stand alone at a page's
    foot, its columns on the next page) counts when its table's anchors are on the page or
    the next."""
    if anchors is None:
        return [page.number for page in pages]
    texts = [page.compact.translate(anchors.fold) for page in pages] + [""]
    hits: set[int] = set()
    for table in anchors.tables:
        marked = [any(a in text for a in table.page) for text in texts]
        for i, page in enumerate(pages):
            if marked[i] or (any(a in texts[i] for a in table.lead) and marked[i + 1]):
                hits.add(page.number)
    return sorted(hits)


def is_furniture(line: Line) -> bool:
    return bool(PAGE_NUMBER.match(line.text))
