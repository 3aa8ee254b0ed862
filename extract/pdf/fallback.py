"""Fallback: pdfplumber parses a page whose rulings make no grid we model."""
from __future__ import annotations

import io
import logging

import pdfplumber

from ogi.extract.model import ExtractError

from .cells import PageTable, _page_table
from .settings import SETTINGS as S
from .rulings import _closing_box, _has_holes, _round_box

log = logging.getLogger(__name__)


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
        return min(values) >= S.white / 255
    if len(values) == 4:
        return max(values) <= 1 - S.white / 255   # CMYK white
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


def _frame(box, page) -> dict:
    x0, top, x1, bottom = box
    return {"object_type": "rect", "x0": x0, "x1": x1, "top": top, "bottom": bottom,
            "y0": float(page.height) - bottom, "y1": float(page.height) - top,
            "doctop": page.initial_doctop + top, "width": x1 - x0, "height": bottom - top}
