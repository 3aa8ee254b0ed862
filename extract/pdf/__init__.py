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

Modules, in the order a file goes through them: pages (text pass, page anchors),
rulings (edges, cell rectangles), cells (cell text, one page's grid), tables (the
table pass, fallback to pdfplumber in fallback), stitch (across pages), paragraphs
(body text and reading order). Tolerances: settings.PdfSettings.
"""
from __future__ import annotations

import hashlib
import io
import re

import pypdfium2 as pdfium

from ogi.extract.model import Document, ExtractError, PageAnchors, TableAnchors

from .pages import Line, OpenPages, PageText, _page_text, pages_with_tables
from .paragraphs import blocks_in_reading_order
from .settings import SETTINGS, PdfSettings
from .stitch import stitch
from .tables import FALLBACK, find_page_tables

__all__ = ["read_pdf", "FALLBACK", "PageAnchors", "TableAnchors", "PdfSettings", "SETTINGS", "Line", "PageText"]


def read_pdf(path: str, data: bytes | None = None, *, anchors: PageAnchors | None = None) -> Document:
    """The document; tables are looked for on the pages `anchors` mark (and the pages those
    tables run onto), or on every page when no anchors are given."""
    if data is None:
        data = _read_bytes(path)
    pdf = _open_pdfium(data)
    opened = OpenPages(pdf)
    try:
        n_pages = len(pdf)
        if n_pages > SETTINGS.max_pages:
            raise ExtractError(f"PDF has {n_pages} pages, more than the {SETTINGS.max_pages} allowed")
        title = _metadata_title(pdf)
        pages = [_page_text(opened, i) for i in range(n_pages)]
        turned = any(p.rotation != p.original_rotation for p in pages)

        def fallback_bytes() -> bytes:
            """The file as pdfplumber must see it: with any page turned upright saved in."""
            if not turned:
                return data
            buffer = io.BytesIO()
            pdf.save(buffer)
            return buffer.getvalue()

        table_pages = pages_with_tables(pages, anchors)
        page_tables = find_page_tables(opened, table_pages, pages, fallback_bytes, path)
    finally:
        opened.close()
        pdf.close()

    doc = Document(source=path, format="pdf", sha256=hashlib.sha256(data).hexdigest(),
                   n_pages=n_pages, title=title)
    for page in pages:
        if len(page.compact) < SETTINGS.min_text_chars and page.has_image:
            doc.pages_needing_ocr.append(page.number)
    if doc.pages_needing_ocr:
        doc.warnings.append("no text layer on page(s) " + ", ".join(map(str, doc.pages_needing_ocr))
                            + ": OCR needed")

    if anchors is not None and table_pages and not page_tables:
        doc.warnings.append("page(s) " + ", ".join(map(str, table_pages)) + " print a table's labels but no ruled "
                            "grid was found (a table drawn without its rules?): its cells are not read")
    tables = stitch(page_tables, pages)
    doc.blocks = blocks_in_reading_order(pages, page_tables, tables)
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
