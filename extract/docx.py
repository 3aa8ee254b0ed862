"""Word .docx reader: body paragraphs and tables, merges resolved exactly.

The main part is parsed with python-docx's XML parser (it resolves no
entities and reads nothing from the network); the grid is then read from the raw w:tbl/w:tr/w:tc elements, because
`row.cells` repeats a merged cell in every slot it covers. Here a gridSpan
becomes a colspan and a vMerge restart/continue chain becomes a rowspan, so a
merged cell appears once. Headers and footers live in other parts of the
package and are never read.

Only what the reader of the document sees becomes text: hidden runs
(w:vanish), deleted and moved-away text (w:del, w:moveFrom), field
instructions (w:instrText) and comments are left out; a superscript or
subscript run (a footnote mark after a number) is never joined to the digits
beside it: it is left out and noted in the document's warnings. An altChunk
(a web page embedded whole, as some CMS exports do) is read like HTML.
"""
from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass, field

from docx.oxml.parser import parse_xml
from lxml import etree

from .model import Cell, Document, ExtractError, Paragraph, Table
from .safety import ZIP_ERRORS, check_zip

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
TEXT_TAGS = {W + "t": None, W + "br": "\n", W + "cr": "\n", W + "tab": " ", W + "noBreakHyphen": "-"}
WRAPPERS = {W + "sdt", W + "sdtContent", W + "customXml", W + "smartTag"}
R_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
UNSEEN = {W + "del", W + "moveFrom"}            # text a reader of the accepted document does not see
RAISED = ("superscript", "subscript")
MAX_NOTES = 20                                   # notes of left-out raised runs per document
# Word tables have at most 63 columns; a hostile gridSpan="2000000000" would make a grid of
# 2·10^9 slots per row downstream (Table.grid), so spans and grid offsets are clamped (issue 9)
MAX_SPAN = 1000


@dataclass
class _Reading:
    """What the walk over the body collects besides blocks."""
    chunks: dict = field(default_factory=dict)     # altChunk relationship id -> part bytes
    notes: list = field(default_factory=list)      # warnings for the Document


def read_docx(path: str, data: bytes | None = None) -> Document:
    body, reading = _open_body(path, data)
    doc = Document(source=path, format="docx")
    for block in _blocks(body, reading):
        doc.blocks.append(block)
    for i, table in enumerate(doc.tables):
        table.index = i
    doc.warnings.extend(reading.notes[:MAX_NOTES])
    if len(reading.notes) > MAX_NOTES:
        doc.warnings.append(f"… and {len(reading.notes) - MAX_NOTES} more superscript/subscript runs left out")
    return doc


def _open_body(path: str, data: bytes | None):
    """The body of word/document.xml, parsed by python-docx's own safe parser, and the altChunk
    parts it refers to.

    Only the main part is parsed: loading the whole package (styles,
    numbering, settings …) costs three times as much and gives nothing here.
    """
    reading = _Reading()
    try:
        with zipfile.ZipFile(io.BytesIO(data) if data is not None else path) as package:
            check_zip(package)
            xml = package.read("word/document.xml")
            if b"altChunk" in xml:
                reading.chunks = _alt_chunks(package)
    except KeyError:
        raise ExtractError("not a Word document (no word/document.xml in the zip)") from None
    except ZIP_ERRORS as exc:  # a damaged zip raises more than BadZipFile (found by tests/test_fuzz.py)
        raise ExtractError(f"not a Word document (bad zip: {exc.__class__.__name__}: {exc})") from None
    try:
        root = parse_xml(xml)
    except etree.XMLSyntaxError as exc:
        raise ExtractError(f"broken Word XML: {exc}") from None
    body = root.find(W + "body")
    if body is None:
        raise ExtractError("not a Word document (no document body)")
    for fallback in list(body.iter(MC_FALLBACK)):  # alternate renderings would double text-box text
        fallback.getparent().remove(fallback)
    return body, reading


def _alt_chunks(package: zipfile.ZipFile) -> dict:
    """relationship id -> bytes of every aFChunk part of the main document."""
    try:
        rels = parse_xml(package.read("word/_rels/document.xml.rels"))
    except (KeyError, etree.XMLSyntaxError):
        return {}
    chunks = {}
    for rel in rels.iter(REL_NS + "Relationship"):
        if not (rel.get("Type") or "").endswith("/aFChunk") or rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target") or ""
        name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("word", target))
        try:
            chunks[rel.get("Id")] = package.read(name)
        except KeyError:
            continue
    return chunks


def _alt_chunk_blocks(chunk, reading: _Reading):
    """The blocks of an embedded web page, read by the HTML reader; other kinds are noted and skipped."""
    from . import sniff
    from .html import read_html, read_mhtml
    from .model import ExtractError as _Error

    data = reading.chunks.get(chunk.get(R_NS + "id"))
    if data is None:
        return
    kind = sniff(data)
    if kind not in ("html", "mhtml"):
        reading.notes.append(f"an embedded {kind} part (altChunk) was not read")
        return
    try:
        inner = (read_html if kind == "html" else read_mhtml)("altChunk", data)
    except _Error as exc:
        reading.notes.append(f"an embedded web page (altChunk) could not be read: {exc}")
        return
    yield from inner.blocks


def _blocks(container, reading: _Reading):
    """Paragraphs and tables of a body or cell, in document order."""
    for child in container.iterchildren():
        if child.tag == W + "p":
            text = _paragraph_text(child, reading)
            if text.strip():
                yield Paragraph(text)
        elif child.tag == W + "tbl":
            yield from _table_blocks(child, reading)
        elif child.tag in WRAPPERS:
            yield from _blocks(child, reading)
        elif child.tag == W + "altChunk":
            yield from _alt_chunk_blocks(child, reading)


def _table_blocks(tbl, reading: _Reading):
    """A table, then the tables nested in its cells. A one-column layout table
    (a whole report pasted into a frame) is unwrapped into its content."""
    rows = _rows(tbl)
    if _is_layout_wrapper(tbl, rows):
        for tr in rows:
            for tc in _row_cells(tr):
                yield from _blocks(tc, reading)
        return
    table, nested = _read_table(rows, reading)
    yield table
    for inner in nested:
        for block in _table_blocks(inner, reading):
            if isinstance(block, Table):
                block.nested = True
            yield block


def _is_layout_wrapper(tbl, rows) -> bool:
    if not any(tc.find(W + "tbl") is not None for tr in rows for tc in _row_cells(tr)):
        return False
    return all(len(_row_cells(tr)) == 1 for tr in rows)


def _read_table(rows, reading: _Reading) -> tuple[Table, list]:
    cells: list[Cell] = []
    nested = []
    open_merges: dict[int, Cell] = {}  # grid column -> cell a vMerge chain extends
    n_cols = 0
    for r, tr in enumerate(rows):
        col = _row_property(tr, "gridBefore")
        continued: dict[int, Cell] = {}
        for tc in _row_cells(tr):
            span = min(max(1, _cell_property(tc, "gridSpan", 1)), MAX_SPAN)
            merge = _vmerge(tc)
            nested.extend(tc.findall(W + "tbl"))
            text = _cell_text(tc, reading)
            above = open_merges.get(col)
            if merge == "continue" and above is not None and above.colspan == span:
                above.rowspan = r - above.row + 1
                if text.strip():  # Word hides it; keep it rather than lose it
                    above.text = f"{above.text}\n{text}" if above.text else text
                continued[col] = above
            else:
                cell = Cell(row=r, col=col, text=text, colspan=span)
                cells.append(cell)
                if merge is not None:
                    continued[col] = cell
            col += span
        open_merges = continued
        n_cols = max(n_cols, col + _row_property(tr, "gridAfter"))
    return Table(cells=cells, n_rows=len(rows), n_cols=n_cols), nested


def _rows(tbl):
    rows = []
    for child in tbl.iterchildren():
        if child.tag == W + "tr":
            rows.append(child)
        elif child.tag in WRAPPERS:
            rows.extend(_rows(child))
    return rows


def _row_cells(tr):
    cells = []
    for child in tr.iterchildren():
        if child.tag == W + "tc":
            cells.append(child)
        elif child.tag in WRAPPERS:
            cells.extend(_row_cells(child))
    return cells


def _row_property(tr, name: str) -> int:
    pr = tr.find(W + "trPr")
    el = pr.find(W + name) if pr is not None else None
    return min(max(_int(el.get(W + "val")), 0), MAX_SPAN) if el is not None else 0


def _cell_property(tc, name: str, default: int) -> int:
    pr = tc.find(W + "tcPr")
    el = pr.find(W + name) if pr is not None else None
    return _int(el.get(W + "val"), default) if el is not None else default


def _vmerge(tc) -> str | None:
    pr = tc.find(W + "tcPr")
    el = pr.find(W + "vMerge") if pr is not None else None
    if el is None:
        return None
    return el.get(W + "val") or "continue"


def _cell_text(tc, reading: _Reading) -> str:
    """Paragraphs of the cell joined by line breaks; nested tables excluded."""
    return "\n".join(_paragraph_text(p, reading) for p in _cell_paragraphs(tc)).strip("\n")


def _cell_paragraphs(container):
    for child in container.iterchildren():
        if child.tag == W + "p":
            yield child
        elif child.tag in WRAPPERS:
            yield from _cell_paragraphs(child)


def _paragraph_text(p, reading: _Reading) -> str:
    """The paragraph's visible text. A raised/lowered run is left out, with a note naming it."""
    parts = []
    for el in p.iter(*TEXT_TAGS):
        seen = _visibility(el, p)
        if seen == "hidden":
            continue
        fixed = TEXT_TAGS[el.tag]
        text = el.text or "" if fixed is None else fixed
        if seen in RAISED:
            if text.strip():
                before = "".join(parts)[-12:]
                reading.notes.append(f"a {seen} '{text}' after '{before}' was left out of the text "
                                     "(a footnote mark is not part of the number)")
            continue
        parts.append(text)
    return "".join(parts)


def _visibility(el, p) -> str:
    """'hidden' (vanished, deleted, moved away), 'superscript'/'subscript', or 'shown'."""
    node, run = el.getparent(), None
    while node is not None and node is not p:
        if node.tag in UNSEEN:
            return "hidden"
        if node.tag == W + "r" and run is None:
            run = node
        node = node.getparent()
    pr = run.find(W + "rPr") if run is not None else None
    if pr is None:
        return "shown"
    for tag in ("vanish", "webHidden"):
        flag = pr.find(W + tag)
        if flag is not None and flag.get(W + "val", "true").lower() not in ("false", "0", "off"):
            return "hidden"
    align = pr.find(W + "vertAlign")
    if align is not None and align.get(W + "val") in RAISED:
        return align.get(W + "val")
    return "shown"


def _int(value, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
