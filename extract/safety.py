"""Limits that keep a hostile or broken file from hurting a batch.

A .docx or .odt is a zip container: its members are checked (count, sizes,
compression ratio) before anything is unpacked, so a zip bomb is refused at
the cost of reading its directory (.mht is MIME, not zip). Sizes in a zip's
headers can lie; zipfile never inflates a member past its declared size (it
then fails its CRC check), so the declared sizes are the ones to check.

No XML member that gets parsed may declare a DTD: Word and LibreOffice never
write one, and a DTD is how XML pulls in other files (external entities: XXE)
or explodes (billion laughs). Our own parsers resolve no entities, but
LibreOffice parses .odt packages itself, so every XML member of one is
checked before it gets there. Of a .docx, ogi parses only the main part and
its relationships: a DTD elsewhere (an Illustrator SVG, an embedded web
page's <!DOCTYPE html>) is nothing ogi reads, and is no reason to refuse.
"""
from __future__ import annotations

import re
import struct
import zipfile
import zlib

from .model import ExtractError

MAX_MEMBERS = 2000
MAX_MEMBER_BYTES = 100 * 1024 * 1024     # one unpacked member
MAX_TOTAL_BYTES = 300 * 1024 * 1024      # the whole unpacked container
MAX_RATIO = 200                           # unpacked / packed, for members over 1 MB
MAX_PROLOG_BYTES = 1024 * 1024            # an XML prolog (before the root element) longer than this is refused

# what zipfile raises on a damaged archive besides BadZipFile (ValueError "negative seek value" on a
# cut local header, struct.error, zlib.error ...: found by tests/test_fuzz.py)
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError,
              RuntimeError, KeyError, struct.error, zlib.error, UnicodeDecodeError)
ROOT_START = re.compile(rb"<[A-Za-z_]")   # the root element's start tag (<?xml, <!--, <!DOCTYPE don't match)
DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)
DOCX_PARSED = ("word/document.xml", "word/_rels/document.xml.rels")  # the XML parts extract/docx.py parses
COMMENT_OR_PI = re.compile(rb"<!--.*?-->|<\?.*?\?>", re.S)   # may hide a '<a' before the DOCTYPE


def check_zip(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ExtractError(f"zip bomb?: the zip has {len(infos)} members (limit {MAX_MEMBERS}); refusing to unpack")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES:
            raise ExtractError(f"zip bomb: member {info.filename} unpacks to {info.file_size // 1048576} MB "
                               f"(limit {MAX_MEMBER_BYTES // 1048576} MB); refusing")
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(1, info.compress_size):
            raise ExtractError(f"zip bomb: member {info.filename} is compressed "
                               f"{info.file_size // max(1, info.compress_size)}:1; refusing")
    if total > MAX_TOTAL_BYTES:
        raise ExtractError(f"zip bomb: the zip unpacks to {total // 1048576} MB "
                           f"(limit {MAX_TOTAL_BYTES // 1048576} MB); refusing")


def check_package(archive: zipfile.ZipFile) -> None:
    """check_zip, then no member that is XML may declare a DTD or entities (see module docstring)."""
    check_zip(archive)
    infos = archive.infolist()
    if any(info.filename == DOCX_PARSED[0] for info in infos):
        infos = [info for info in infos if info.filename in DOCX_PARSED]
    for info in infos:
        if info.is_dir() or info.file_size == 0:
            continue
        try:
            prolog = _prolog(archive, info)
        except ZIP_ERRORS as exc:
            raise ExtractError(f"damaged zip container: member {info.filename} unreadable ({exc})") from None
        if prolog is not None and DTD.search(prolog):
            raise ExtractError(f"refused: {info.filename} declares a DTD/entities (XML external entity or "
                               "entity-expansion attack; Word and LibreOffice never write one)")


def _prolog(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """What comes before the root element of an XML member (None: not XML)."""
    with archive.open(info) as member:
        data = member.read(4096)
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):   # UTF-16: look at it as bytes without the NULs
            data = data.replace(b"\x00", b"")
        if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
            return None
        while True:
            cleaned = COMMENT_OR_PI.sub(b"", data)
            match = ROOT_START.search(cleaned)
            if match and b"<!--" not in cleaned[:match.start()] and b"<?" not in cleaned[:match.start()]:
                return cleaned[:match.start()]
            if len(data) > MAX_PROLOG_BYTES:
                raise ExtractError(f"refused: {info.filename} has an XML prolog over "
                                   f"{MAX_PROLOG_BYTES // 1048576} MB")
            more = member.read(65536)
            if not more:
                return COMMENT_OR_PI.sub(b"", data)
            data += more.replace(b"\x00", b"") if b"\x00" in more else more


# ---------------------------------------------------------------- PDF streams

MAX_STREAM_BYTES = 256 * 1024 * 1024      # one inflated PDF stream (a 600 dpi A4 RGB image is ~100 MB)
MAX_FLATE_LEVELS = 3                      # /Filter [/FlateDecode /FlateDecode ...] followed this deep
STREAM_START = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_OUT_CHUNK = 1 << 20


class _TooBig(Exception):
    pass


def check_pdf_streams(data: bytes, max_stream: int = MAX_STREAM_BYTES) -> None:
    """Refuse a PDF with a FlateDecode stream that inflates past `max_stream` bytes.

    PDFium inflates a page's whole content stream into memory, and aborts the
    process when an allocation fails: a 1 MB stream of deflated zeros made a
    worker take 2 GB and 10 s per inflated GB (measured; issue 9). So every
    stream is inflated here first, in 1 MB pieces that are counted and
    dropped, stopping at the limit (~0.3 s for 256 MB of zeros). A stream that
    inflates to a zlib stream is followed into it (nested FlateDecode filters).
    Streams that are not zlib data (images, encrypted PDFs) are skipped; the
    worker memory limit (ogi build --max-memory) is the backstop for those.
    """
    view = memoryview(data)
    for match in STREAM_START.finditer(data):
        start = match.end()
        if not _is_zlib_header(view[start:start + 2]):
            continue
        try:
            _inflate_count(view[start:], max_stream)
        except _TooBig:
            raise ExtractError(f"decompression bomb: a PDF stream (at byte {start}) inflates to more than "
                               f"{max_stream // 1048576} MB; refusing") from None


def _is_zlib_header(two) -> bool:
    two = bytes(two)
    return len(two) == 2 and two[0] & 0x0F == 8 and (two[0] * 256 + two[1]) % 31 == 0


def _inflate_count(source, limit: int) -> int:
    chain = [zlib.decompressobj()]
    checked = [False]
    total = 0

    def push(level: int, chunk) -> None:
        nonlocal total
        d = chain[level]
        while chunk:
            try:
                out = d.decompress(chunk, _OUT_CHUNK)
            except zlib.error:
                if level == 0:
                    raise
                del chain[level:]             # looked like nested zlib data but is not: count it as is
                total += len(chunk)
                return
            chunk = d.unconsumed_tail
            if out and not checked[level]:
                checked[level] = True
                if level + 1 < MAX_FLATE_LEVELS and _is_zlib_header(out[:2]):
                    chain.append(zlib.decompressobj())
                    checked.append(False)
            if out and level + 1 < len(chain):
                push(level + 1, out)
            else:
                total += len(out)
            if total > limit:
                raise _TooBig
            if d.eof or not out and not chunk:
                return

    offset = 0
    try:
        while offset < len(source) and not chain[0].eof:
            piece = source[offset:offset + 65536]
            offset += len(piece)
            push(0, piece)
    except zlib.error:
        pass                                  # damaged or not zlib after all: PDFium decides
    return total
