"""Scanned pages → blocks of the document model, fully offline.

Whole-page OCR (detect every text box, then recognise it) costs about 8.5 s
per 200 dpi table page. Ruled tables make most of that work unnecessary: the
ruling lines give the cells directly, and the text inside a cell is found by
a projection profile. So a page goes through these steps (page.read_page):

1. seal: red ink out (a seal stamped over a table must not become digits);
2. clean: the paper's uneven light divided out, the page levelled from the
   ink's row profile (text lines and rulings); orient: a page whose text
   runs up or down is turned by 90°, one read poorly is tried upside down;
3. grid: each table's grid from the ruling lines (OpenCV morphology on a
   permissive threshold, so 1-px, blurred, JPEG-broken lines are found):
   line positions give the row and column boundaries, a missing line
   segment between two slots merges them (rowspan / colspan);
4. lines + recognise: every cell cut into text lines by projection, the
   crops recognised in strips with RapidOCR's recogniser alone (no
   detection model at all);
5. assemble: the text outside the grids, cut into lines the same way, is
   grouped into paragraphs; stitch: a table over a page break is joined.

Every cell carries origin="ocr" and the minimum of its characters'
confidences, so one doubtful digit makes the whole cell doubtful.
Nothing here knows the report template: only pages, lines and cells.
Tolerances live in settings.py.

RapidOCR, onnxruntime and OpenCV are the optional `ocr` extra; the models
ship inside the rapidocr wheel, so nothing is downloaded at run time.
"""
from __future__ import annotations

import numpy as np

from ..model import Block, ExtractError
from .engine import MISSING_EXTRA, cv2, recognizer
from .page import read_page
from .settings import DEFAULT, Settings
from .stitch import number_tables, stitch_pages

__all__ = ["ocr_pdf_pages", "ocr_image", "apply_ocr", "stitch_pages", "number_tables", "MISSING_EXTRA",
           "RENDER_DPI", "Settings"]

RENDER_DPI = DEFAULT.dpi


def ocr_pdf_pages(data: bytes, pages: list[int], dpi: int = RENDER_DPI) -> list[Block]:
    """OCR the given 1-based pages of a PDF (rendered at `dpi`) into blocks in reading order."""
    if not pages:
        return []
    cv2()
    recognizer()
    import pypdfium2 as pdfium
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ExtractError(f"cannot render PDF for OCR: {exc}") from None
    per_page: list[list[Block]] = []
    try:
        for number in sorted(set(pages)):
            if not 1 <= number <= len(pdf):
                continue
            bitmap = pdf[number - 1].render(scale=dpi / 72, rev_byteorder=True)
            rgb = np.ascontiguousarray(bitmap.to_numpy()[:, :, :3])
            bitmap.close()
            per_page.append(read_page(rgb, number, dpi))
    finally:
        pdf.close()
    blocks = stitch_pages(per_page)
    number_tables(blocks)
    return blocks


def ocr_image(image, page: int | None = 1, dpi: float | None = None) -> list[Block]:
    """OCR one page image (PIL image or numpy array, gray or RGB) into blocks.

    `dpi` turns pixels into points for the bboxes; a PIL image's own dpi
    tag is used when not given, else RENDER_DPI.
    """
    cv2()
    recognizer()
    if dpi is None:
        dpi = _image_dpi(image)
    return read_page(_as_rgb(image), page, dpi)


def _image_dpi(image) -> float:
    info = getattr(image, "info", None) or {}
    dpi = info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError):
        value = 0.0
    low, high = DEFAULT.image_dpi_range
    return value if low <= value <= high else RENDER_DPI


def _as_rgb(image) -> np.ndarray:
    if not isinstance(image, np.ndarray):
        image = np.asarray(image.convert("RGB") if image.mode not in ("RGB", "L") else image)
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    return np.ascontiguousarray(image[:, :, :3])


def apply_ocr(doc, data: bytes, dpi: int = RENDER_DPI) -> None:
    """OCR `doc.pages_needing_ocr` of a PDF and put the blocks in page order among the others.

    Blocks of pages that had a text layer keep their order; a page's OCR
    blocks go after every block of earlier pages and before those of later
    pages. Tables are renumbered afterwards.
    """
    pages = sorted(set(doc.pages_needing_ocr))
    if not pages:
        return
    try:
        blocks = ocr_pdf_pages(data, pages, dpi=dpi)
    except ExtractError as exc:
        if str(exc) != MISSING_EXTRA or not doc.tables:
            raise
        # the text layer already gave tables: a scanned appendix should not sink the document
        doc.warnings.append(f"page(s) {', '.join(map(str, pages))} not read: {exc}")
        return
    by_page: dict[int, list[Block]] = {}
    for block in blocks:
        by_page.setdefault(block.page, []).append(block)
    merged: list[Block] = []
    pending = sorted(by_page)
    for block in doc.blocks:
        page = block.page
        while pending and page is not None and pending[0] < page:
            merged += by_page[pending.pop(0)]
        merged.append(block)
    for page in pending:
        merged += by_page[page]
    doc.blocks = merged
    number_tables(doc.blocks)
