"""Workbooks written row by row by XlsxWriter in constant_memory mode: the writer built for size.

XlsxWriter was measured 1.3× faster than openpyxl's write-only mode on 59,100 value rows; on
top of it each row's XML is written here directly (see Sheet), so no object is made per cell
(openpyxl made one, and most of audit.xlsx's time went there). Rows go to disk as they are
written; only the styles and the comments stay in memory.

Every text passes through sheetsafe.xlsx_text and is written as a string cell, never a
formula; numbers as "%.16G", the digits openpyxl's "%.16g" wrote, so every cell reads back the same.
"""
from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import _preserve_whitespace, _utf16_len, _utf16_truncate

from .sheetsafe import xlsx_text

STRING_MAX = 32767      # characters (UTF-16 units) in one cell
# text is never read as a formula, a number or a link
_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
            "strings_to_urls": False}


@dataclass(frozen=True)
class Style:
    """A cell's look: bold, a solid fill (RRGGBB), wrapped text."""
    bold: bool = False
    fill: str | None = None
    wrap: bool = False


@dataclass
class Cell:
    """A value with a style and, optionally, a comment (author "ogi audit" in audit.xlsx)."""
    value: object
    style: Style | None = None
    comment: str | None = None
    author: str | None = None


class Book:
    """A workbook at `path`, saved on close (`with Book(path) as book:`)."""

    def __init__(self, path):
        self.workbook = xlsxwriter.Workbook(str(path), _OPTIONS)
        self.formats: dict[Style, str] = {}

    def __enter__(self) -> "Book":
        return self

    def __exit__(self, kind, *exc) -> None:
        if kind is None:
            self.workbook.close()
            return
        # failed: nothing is saved (the caller removes its temporary file), the sheets' row files go
        self.workbook.fileclosed = True
        for ws in self.workbook.worksheets():
            if getattr(ws, "row_data_filename", None):
                ws.row_data_fh.close()
                Path(ws.row_data_filename).unlink(missing_ok=True)

    def sheet(self, title: str) -> "Sheet":
        return Sheet(self, self.workbook.add_worksheet(title))

    def xf(self, style: Style | None) -> str:
        """The ' s="N"' attribute of a cell in `style` ('' for none)."""
        if style is None:
            return ""
        if style not in self.formats:
            props = {"bold": style.bold, "text_wrap": style.wrap}
            if style.fill:
                props.update(pattern=1, fg_color=f"#{style.fill}")
            self.formats[style] = f' s="{self.workbook.add_format(props)._get_xf_index()}"'
        return self.formats[style]


class Sheet:
    """One worksheet, appended to row by row like openpyxl's write-only sheets.

    A row's XML goes straight to the sheet's row file, as XlsxWriter's constant_memory mode
    writes it (the same elements, escapes and limits) but without its per-cell bookkeeping,
    most of the time a large workbook took.
    """

    def __init__(self, book: Book, worksheet):
        self.book, self.ws, self.row = book, worksheet, 0

    def widths(self, widths: dict[int, float]) -> None:
        for col, width in widths.items():
            self.ws.set_column(col, col, width)

    def freeze(self, row: int, col: int = 0) -> None:
        self.ws.freeze_panes(row, col)

    def filter(self, n_cols: int, n_rows: int) -> None:
        """A filter over the header and `n_rows` rows below it."""
        self.ws.autofilter(0, 0, n_rows, n_cols - 1)

    def append(self, values: Iterable, style: Style | None = None) -> None:
        """One row; `style` for every plain value in it (a Cell keeps its own)."""
        ws, row, ref = self.ws, self.row, self.row + 1
        xf = self.book.xf(style)
        cells, cols = [], []
        for col, value in enumerate(values):
            cell_xf = xf
            if isinstance(value, Cell):
                if value.comment is not None:
                    ws.write_comment(row, col, xlsx_text(value.comment), {"author": value.author})
                cell_xf = self.book.xf(value.style)
                value = value.value
            xml = _cell_xml(ws, f"{_column(col)}{ref}", value, cell_xf)
            if xml:
                cells.append(xml)
                cols.append(col)
        if cells:
            ws._check_dimensions(row, cols[0])
            ws._check_dimensions(row, cols[-1])
            ws.fh.write(f'<row r="{ref}">{"".join(cells)}</row>')
        self.row += 1
        ws.previous_row = self.row      # so XlsxWriter itself never writes a row of its own

    def append_rows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.append(row)


def _cell_xml(ws, ref: str, value, xf: str) -> str:
    """One <c> element as XlsxWriter's constant_memory mode writes it; '' for no cell."""
    kind = type(value)
    if kind is not str:
        if value is None or value is pd.NA or (kind is float and not math.isfinite(value)):
            value = ""
        elif kind is bool or kind is np.bool_:
            return f'<c r="{ref}"{xf} t="b"><v>{int(value)}</v></c>'
        elif isinstance(value, numbers.Number):
            if isinstance(value, float) and not math.isfinite(value):   # numpy floats: no cell either
                return f'<c r="{ref}"{xf}/>' if xf else ""
            return f'<c r="{ref}"{xf}><v>{value:.16G}</v></c>'
        else:
            value = str(value)
    if not value:
        return f'<c r="{ref}"{xf}/>' if xf else ""
    if _PLAIN.fullmatch(value) and len(value) <= STRING_MAX // 2:
        return f'<c r="{ref}"{xf} t="inlineStr"><is><t>{value}</t></is></c>'
    text = xlsx_text(value)
    if not text:
        return f'<c r="{ref}"{xf}/>' if xf else ""
    if len(text) > STRING_MAX // 2 and _utf16_len(text) > STRING_MAX:
        text = _utf16_truncate(text, STRING_MAX)      # Excel's limit for one cell
    text = ws._escape_control_characters(text)
    space = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
    return f'<c r="{ref}"{xf} t="inlineStr"><is><t{space}>{ws._escape_data(text)}</t></is></c>'


# text that needs nothing done to it: no control character, XML special, _xHHHH_ look-alike,
# surrogate, non-character or whitespace at either end (most cells: digits, labels)
_PLAIN = re.compile(r"(?![\s])(?:(?!_x[0-9a-fA-F]{4}_)[^\x00-\x1f&<>\ud800-\udfff\ufffe\uffff])*(?<![\s])",
                    re.DOTALL)


@lru_cache(maxsize=None)
def _column(col: int) -> str:
    return xl_col_to_name(col)
