"""Readers: every published form of a report becomes one `Document`.

`read(path)` reads the file once, decides its real type from its first bytes
(never from its extension: agencies upload .doc files that are really .docx,
and HTML saved as .doc), and hands the bytes to the reader for that type.
Each reader lives in its own module and produces the same model
(extract/model.py). Nothing here knows the report template.
"""
from __future__ import annotations

import hashlib
import importlib
import os
import stat
import zipfile
from io import BytesIO

from .model import Cell, Document, ExtractError, PageAnchors, Paragraph, Table, TableAnchors
from .safety import ZIP_ERRORS, check_package, check_pdf_streams

__all__ = ["read", "sniff", "Cell", "Document", "ExtractError", "PageAnchors", "Paragraph", "Table",
           "TableAnchors", "MAX_BYTES"]

MAX_BYTES = 200 * 1024 * 1024  # larger files are not reports; refuse before reading them

# format -> "module:function"; a module missing here means the format is not supported yet
READERS = {
    "docx": "ogi.extract.docx:read_docx",
    "pdf": "ogi.extract.pdf:read_pdf",
    "html": "ogi.extract.html:read_html",
    "mhtml": "ogi.extract.html:read_mhtml",
    "office": "ogi.extract.office:read_office",
    "text": "ogi.extract.text:read_text",
    "image": "ogi.extract.image:read_image",
}


def read(path: str, max_bytes: int = MAX_BYTES, *, anchors: PageAnchors | None = None,
         converted_dir: str | None = None) -> Document:
    """Read any supported report file into a Document, or raise ExtractError. `anchors` tell
    the paged readers (PDF) which pages hold tables; without them every page is searched.
    `converted_dir`: where a batch's office files were converted ahead of time (extract/office.py)."""
    data = _read_bytes(path, max_bytes)
    kind = sniff(data)
    if kind in ("docx", "office") and data.startswith(b"PK"):
        check_container(data)  # every zip container, before any reader (or LibreOffice) unpacks it
    elif kind == "pdf":
        check_pdf_streams(data)  # decompression bombs, before PDFium inflates a stream whole
    reader = _reader(kind, path)
    if kind == "pdf":
        doc = reader(path, data, anchors=anchors)
    elif kind == "office":
        doc = reader(path, data, converted_dir)
    else:
        doc = reader(path, data)
    if doc.pages_needing_ocr and kind == "pdf":
        from .ocr import apply_ocr  # scanned pages: OCR'd in place, in page order

        apply_ocr(doc, data)
    doc.source = path
    doc.sha256 = hashlib.sha256(data).hexdigest()
    return doc


def _read_bytes(path: str, max_bytes: int) -> bytes:
    try:
        # O_NONBLOCK: opening a FIFO (or a device) for reading would otherwise block until a writer
        # comes, i.e. until the batch's time limit; it changes nothing for a regular file
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise ExtractError("not a regular file (a FIFO, device, socket or folder); skipped")
            if info.st_size > max_bytes:
                raise ExtractError(f"file too large ({info.st_size // 1048576} MB; "
                                   f"the limit is {max_bytes // 1048576} MB)")
            # what the file holds, not the limit: read(n) reserves n bytes up front, which under a
            # worker's memory limit failed 40 KB files; a file growing while read is still capped
            data = f.read(min(info.st_size, max_bytes) + 1)
            while len(data) <= max_bytes and (more := f.read(min(1 << 20, max_bytes + 1 - len(data)))):
                data += more
    except OSError as exc:
        raise ExtractError(f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise ExtractError(f"file too large (over {max_bytes // 1048576} MB)")
    if not data.strip():
        raise ExtractError("empty file")
    return data


def check_container(data: bytes) -> None:
    """Refuse a zip container (.docx, .odt) that is a zip bomb or carries a DTD (ExtractError)."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            check_package(archive)
    except ZIP_ERRORS as exc:
        raise ExtractError(f"damaged zip container ({exc.__class__.__name__}: {exc})") from None


def _reader(kind: str, path: str = ""):
    target = READERS.get(kind)
    if target is None:
        raise ExtractError(_unsupported(kind, path))
    module_name, func = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise ExtractError(f"{kind} documents are not supported by this version") from None
        raise ExtractError(f"{kind} reader unavailable: missing package {exc.name}") from None
    return getattr(module, func)


def _unsupported(kind: str, path: str) -> str:
    """A plain reason for content no reader takes, naming what the file's name promised."""
    ext = os.path.splitext(path)[1].lower()
    named = f"named {ext} but " if ext else ""
    if kind == "corrupt zip":
        return f"damaged file: {named}a zip container that cannot be opened (truncated or corrupt)"
    if kind == "unknown binary":
        return f"not a document: {named}its content is no PDF, Word, web page, text or image (unrecognised binary)"
    return f"unsupported file type: {named}{kind}"


def sniff(data: bytes) -> str:
    """The document type from its leading bytes."""
    head = data[:2048]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "office"  # OLE2: .doc, .wps, .xls, .et
    if head.lstrip().startswith(b"{\\rtf"):
        return "office"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM", b"GIF8")):
        return "image"
    lowered = head.lower().lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"mime-version:" in lowered[:512] and b"multipart/related" in head.lower():
        return "mhtml"
    markup = (b"<!doctype html", b"<html", b"<?xml", b"<meta", b"<head", b"<body", b"<table", b"<div", b"<p")
    if lowered.startswith(markup) or b"<html" in lowered[:1024] or b"<table" in lowered[:2048]:
        return "html"
    if _looks_like_text(head):
        return "text"
    return "unknown binary"


def _sniff_zip(data: bytes) -> str:
    try:
        return zip_kind(zipfile.ZipFile(BytesIO(data)).namelist())
    except ZIP_ERRORS:  # not only BadZipFile: see safety.ZIP_ERRORS
        return "corrupt zip"


def zip_kind(names) -> str:
    """The document type of a zip container, from its member names."""
    names = set(names)
    if "word/document.xml" in names:
        return "docx"
    if "content.xml" in names and "mimetype" in names:
        return "office"  # OpenDocument (.odt)
    return "zip archive that is not a Word document"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    for encoding in ("utf-8", "gb18030", "utf-16"):
        text = _decode_sample(head, encoding)
        if text is not None:
            printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
            return printable >= 0.95 * max(1, len(text))
    return False


def _decode_sample(head: bytes, encoding: str) -> str | None:
    """The sample decoded, forgiving a multi-byte character cut at its end."""
    for cut in range(4):
        try:
            return head[:len(head) - cut].decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
