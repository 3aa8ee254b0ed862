"""Table pass: the ruled tables of the anchored pages, and of the pages they run onto."""
from __future__ import annotations

import logging
from typing import Callable

import pypdfium2 as pdfium

from .cells import PageTable, _cells_with_text, _page_chars, _page_table
from .fallback import _tables_on_pages
from .pages import OpenPages, PageText, _display_transform
from .rulings import _bbox_of, _cell_groups_closed, _ruling_edges
from .stitch import _nothing_below
from .unruled import borders_from_rule_breaks

log = logging.getLogger("ogi.extract.pdf")
FALLBACK = "pdfplumber fallback"   # logged (INFO) with the file and pages; benchmarks count it


def find_page_tables(pdf: OpenPages, page_numbers: list[int], pages: list[PageText],
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


def _tables_from_page_objects(pdf: pdfium.PdfDocument | OpenPages, page: PageText) -> tuple[list[PageTable], int]:
    """Ruled tables of one page from pypdfium2 alone: path objects give the edges, pdfplumber's
    lines strategy the cells, the text page the characters in each cell. Also the number of
    visible edges, which tells whether pdfplumber could find more."""
    pages = pdf if isinstance(pdf, OpenPages) else OpenPages(pdf)
    index = page.number - 1
    pdf_page, textpage = pages.page(index), None
    try:
        to_display = _display_transform(pdf_page, page.rotation)
        edges = _ruling_edges(pdf_page, to_display)
        groups = _cell_groups_closed(edges) if edges else []
        if not groups and edges:        # rules between rows only: columns from where the rules break
            groups = _groups_between_row_rules(pdf_page, to_display, edges, page)
        if not groups:
            return [], len(edges)
        textpage = pages.textpage(index, pdf_page)
        rulings = sorted({y for boxes in groups for box in boxes for y in (box[1], box[3])})
        regions = [_bbox_of(boxes) for boxes in groups]
        chars = _page_chars(textpage, to_display, rulings, page.invisible_text, regions)
    finally:
        pages.done(index, pdf_page, textpage)
    found = (_page_table(_cells_with_text(boxes, chars), page.number, page.height) for boxes in groups)
    return [table for table in found if table is not None], len(edges)


def _groups_between_row_rules(pdf_page, to_display, edges: list[dict], page: PageText) -> list:
    """Cell groups of a table ruled between rows only (extract/pdf/unruled.py), or []."""
    textpage = pdf_page.get_textpage()
    try:
        rules = sorted({e["top"] for e in edges if e["orientation"] == "h"})
        chars = _page_chars(textpage, to_display, rules, page.invisible_text)
    finally:
        textpage.close()
    borders = borders_from_rule_breaks(edges, chars)
    return _cell_groups_closed(edges + borders) if borders else []
