"""Report text made safe for the files people open: spreadsheets (xlsx, CSV) and file names.

Reports are untrusted input, and supervisors open ogi's outputs in Excel or WPS.
So every text that reaches a workbook or a CSV passes through here:

- xlsx: a string is written as a string cell, never a formula (ogi/xlsx.py),
  and the control characters XML 1.0 cannot hold are removed (`xlsx_text`: one
  such character used to stop the whole workbook);
- CSV: a text cell beginning with = + - @ tab or CR gets a leading apostrophe,
  as OWASP's CSV-injection guidance describes (`csv_safe`), except plain signed
  numbers ("-5"), which a spreadsheet reads as the number they are, and bare dashes
  ("-", how a report prints "none"), which cannot form a formula;
- file names: a name that is not valid UTF-8 (a Windows zip unpacked on Linux
  gives GBK bytes) becomes readable text (`display_path`).

Parquet keeps every value raw: this module is for what people open, not for code.
"""
from __future__ import annotations

import os
import re

import pandas as pd

# XML 1.0 forbids C0 controls except tab, LF, CR (openpyxl's ILLEGAL_CHARACTERS_RE, plus lone surrogates)
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# a plain signed number ("-5") or a bare dash ("-", "--": how reports print "none") cannot form a formula
PLAIN_NUMBER = re.compile(r"^(?:[+-]?\d+(?:\.\d+)?|-+)$")
NAME_ENCODINGS = ("utf-8", "gb18030")  # what a file name's bytes are tried as, in order


def xlsx_text(text: str) -> str:
    """`text` without the characters an xlsx file cannot hold."""
    return XML_ILLEGAL.sub("", text)


def csv_text(text: str) -> str:
    """One CSV text cell neutralised against formula injection (OWASP): a leading apostrophe."""
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every text cell passed through `csv_text` (numbers and missing values untouched)."""
    out = None
    for col in frame.columns:
        column = frame[col]
        if column.dtype.kind not in "OSU" and not pd.api.types.is_string_dtype(column.dtype):
            continue
        cells = column.tolist()
        if not any(isinstance(v, str) and v.startswith(FORMULA_START) for v in cells):
            continue
        if out is None:
            out = frame.copy()
        out[col] = pd.Series([csv_text(v) if isinstance(v, str) else v for v in cells], index=frame.index,
                             dtype=object)
    return frame if out is None else out


def display_path(path: str) -> str:
    """A file name as text any writer takes: `os.fsdecode`'s undecodable bytes read as GB18030
    (a Windows zip's names) or, failing that, shown as \\xNN escapes."""
    if not _has_surrogates(path):
        return path
    raw = os.fsencode(path)
    for encoding in NAME_ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "backslashreplace")


def name_warning(path: str) -> str | None:
    """A note keeping a non-UTF-8 file name's original bytes, or None for an ordinary name."""
    if not _has_surrogates(path):
        return None
    return f"file name is not UTF-8; shown as {display_path(path)!r}, original bytes {os.fsencode(path)!r}"


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def printable(text: str) -> str:
    """A name or reason for one terminal line: control characters (a newline in a file name) escaped."""
    return re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m.group())[1:-1], display_path(text))
