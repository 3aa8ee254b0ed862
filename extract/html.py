"""HTML reader (web pages, saved "complete web page" .htm files, .mht/.mhtml).

Reports are published as CMS article pages: the report's own text and tables
sit inside a page frame of navigation bars, layout tables, headers and
footers. This reader keeps the article: its block elements become
paragraphs, in order with its data tables, and the page furniture is dropped
(<nav>/<header>/<footer>/<script>/<style>, link-dense blocks, link-only
tables). Layout tables (a table holding other tables, or one column of long
text) are unwrapped into their content.

Only what a reader of the page sees is read: elements hidden by the `hidden`
attribute or an inline `display:none` / `visibility:hidden` style (a decoy
copy of a table, a hidden digit inside a cell) and <template> content are
skipped, as a browser skips them.

Tables are rebuilt exactly from rowspan/colspan, each merged cell stored once.
Word and LibreOffice exports often add sliver <col>s from width rounding, so a
cell gets colspan=2 in every row and the grid gains a column no cell starts
in; such phantom columns (and rows) are collapsed, so headers and values line
up by structure, never by pixel widths.
"""
from __future__ import annotations

import email
import email.policy
import logging
import re

import lxml.html
from lxml import etree

from .model import Cell, Document, ExtractError, Paragraph, Table

log = logging.getLogger(__name__)

DROP_TAGS = {"script", "style", "noscript", "nav", "header", "footer", "template", "iframe", "object",
             "embed", "select", "button", "svg", "map", "head", "title", "meta", "link", "input", "textarea"}
BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "blockquote",
              "pre", "section", "article", "main", "aside", "center", "address", "figure", "figcaption",
              "form", "fieldset", "hr", "caption", "body", "html", "tr", "td", "th", "tbody", "thead", "tfoot"}
# class/id tokens of page furniture on government CMS sites
FURNITURE = re.compile(r"(^|[\s_-])(nav|navbar|menu|breadcrumbs?|crumbs?|sidebar|copyright|topbar|"
                       r"header|footer|share|pagination)($|[\s_-])", re.I)
LINK_DENSE_MIN_LINKS = 3
LINK_DENSE_RATIO = 0.6
LAYOUT_CELL_CHARS = 400          # a cell this long holds running text: the table is a page frame
MAX_SPAN = 1000                  # browsers clamp spans the same way
# grid slots one table may cover: cells claiming rowspan/colspan 1000 each made a 2 MB page build a
# 10^10-slot grid (issue 9, the zoo's span bomb); report tables have ~600 slots, listings a few 10^4
MAX_TABLE_SLOTS = 200_000
# tables one page may hold: 10 MB of small tables took 18 s to rebuild (issue 9); a report has < 50
MAX_TABLES = 2000
HIDDEN_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse))"
                          r"\s*(?:!important\s*)?(?:;|$)", re.I)
HTML_SPACE = re.compile(r"[ \t\r\n\f\v\xa0]+")
NUMERIC_CELL = re.compile(r"^[\s\d０-９,，.．%％+\-]*\d[\s\d０-９,，.．%％+\-]*$")
META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.I)
BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
             "gb_2312-80": "gb18030", "ascii": "utf-8", "us-ascii": "utf-8", "iso-8859-1": "cp1252"}


# --- entry points ------------------------------------------------------------

def read_html(path: str, data: bytes, charset: str | None = None, fmt: str = "html") -> Document:
    text = decode_html(data, charset)
    root = _parse(text)
    doc = Document(source=path, format=fmt)
    title = root.find(".//title")
    if title is not None and (title.text or "").strip():
        doc.title = HTML_SPACE.sub(" ", title.text).strip()
    body = root.find("body")
    walker = _Walker()
    walker.walk(body if body is not None else root)
    walker.flush()
    doc.blocks = walker.blocks
    for i, table in enumerate(doc.tables):
        table.index = i
    if not doc.blocks:
        raise ExtractError("the web page has no text")
    return doc


def read_mhtml(path: str, data: bytes) -> Document:
    """A .mht/.mhtml archive: the first text/html part, decoded from its transfer encoding."""
    message = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in message.walk():
        if part.get_content_type() == "text/html":
            payload = part.get_payload(decode=True)
            if payload:
                return read_html(path, payload, charset=part.get_content_charset(), fmt="mhtml")
    raise ExtractError("the MHTML archive holds no HTML page")


# --- decoding ------------------------------------------------------------------

def decode_html(data: bytes, declared: str | None = None) -> str:
    """Text of an HTML page: BOM, then the transport or <meta> charset, then detection.

    A declared charset that does not decode the bytes is ignored (pages labelled
    utf-8 but saved as GBK are common); GB2312/GBK are read as their superset
    GB18030, because real "GB2312" pages use GBK characters.
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    head = data[:4096]
    candidates = [declared]
    for pattern in (XML_ENCODING, META_CHARSET):
        match = pattern.search(head)
        if match:
            candidates.append(match.group(1).decode("ascii", "ignore"))
    for name in candidates:
        text = _try_decode(data, name)
        if text is not None:
            return text
    return _detect(data)


def _try_decode(data: bytes, name: str | None) -> str | None:
    if not name:
        return None
    name = SUPERSETS.get(name.strip().lower(), name.strip().lower())
    try:
        return data.decode(name)
    except (LookupError, UnicodeDecodeError):
        return None


def _detect(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    import charset_normalizer  # imported late: it costs ~50 ms and most pages declare a charset
    best = charset_normalizer.from_bytes(data).best()
    encoding = SUPERSETS.get(best.encoding, best.encoding) if best is not None else "gb18030"
    log.debug("detected encoding %s", encoding)
    return data.decode(encoding, errors="replace")


def _parse(text: str):
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses str input with an encoding declaration
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractError(f"not a readable web page ({exc})") from None


# --- text ------------------------------------------------------------------------

def _tag(el) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def is_hidden(el) -> bool:
    """Not rendered by a browser: the `hidden` attribute or an inline display:none/visibility:hidden."""
    if el.get("hidden") is not None:
        return True
    style = el.get("style")
    return bool(style) and bool(HIDDEN_STYLE.search(style))


def _is_furniture(el) -> bool:
    tag = _tag(el)
    if tag in DROP_TAGS or is_hidden(el):
        return True
    marks = f"{el.get('class', '')} {el.get('id', '')} {el.get('role', '')}"
    return tag not in ("body", "html", "table") and bool(FURNITURE.search(marks.strip())) \
        or (el.get("role") or "").lower() == "navigation"


def _is_link_dense(el) -> bool:
    links = el.findall(".//a")
    if len(links) < LINK_DENSE_MIN_LINKS:
        return False
    total = len(HTML_SPACE.sub("", el.text_content()))
    linked = sum(len(HTML_SPACE.sub("", a.text_content())) for a in links)
    return total == 0 or linked / total >= LINK_DENSE_RATIO


def _clean_lines(text: str) -> str:
    """Lines stripped (incl. ideographic indent), blank edge lines dropped; "\\n" kept inside."""
    lines = [line.strip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


class _Walker:
    """Walks the page in document order, producing Paragraph and Table blocks."""

    def __init__(self):
        self.blocks: list = []
        self.buffer: list[str] = []
        self.n_tables = 0

    def flush(self) -> None:
        text = _clean_lines("".join(self.buffer))
        self.buffer = []
        for line in text.split("\n"):  # a <br> in running text starts a new paragraph on the page
            if line.strip():
                self.blocks.append(Paragraph(line.strip()))

    def walk(self, el) -> None:
        if el.text:
            self.buffer.append(HTML_SPACE.sub(" ", el.text))
        for child in el:
            self._child(child)
            if child.tail:
                self.buffer.append(HTML_SPACE.sub(" ", child.tail))

    def _child(self, el) -> None:
        tag = _tag(el)
        if not tag or _is_furniture(el):
            return
        if tag == "br":
            self.buffer.append("\n")
        elif tag == "table":
            self.flush()
            self._table(el)
        elif tag in BLOCK_TAGS:
            self.flush()
            if tag in ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6") or not _is_link_dense(el):
                self.walk(el)
            self.flush()
        else:
            self.walk(el)

    def _table(self, el) -> None:
        self.n_tables += 1
        if self.n_tables > MAX_TABLES:
            raise ExtractError(f"the web page has more than {MAX_TABLES} tables: not a report page")
        rows = _rows(el)
        if _is_layout_table(el, rows):
            for tr in rows:
                for td in _row_cells(tr):
                    self.flush()
                    self.walk(td)
                    self.flush()
            return
        table = build_table(rows)
        if table is None or _is_navigation(table, rows):
            return
        self.blocks.append(table)


# --- tables ----------------------------------------------------------------------

def _rows(table_el) -> list:
    """The table's own rows (thead/tbody/tfoot included), not those of nested tables."""
    rows = []
    for child in table_el:
        tag = _tag(child)
        if is_hidden(child):
            continue
        if tag == "tr":
            rows.append(child)
        elif tag in ("thead", "tbody", "tfoot"):
            rows.extend(c for c in child if _tag(c) == "tr" and not is_hidden(c))
    return rows


def _row_cells(tr) -> list:
    return [c for c in tr if _tag(c) in ("td", "th") and not is_hidden(c)]


def _is_layout_table(table_el, rows) -> bool:
    """A page frame: it holds other tables, or a cell of running text."""
    for tr in rows:
        for td in _row_cells(tr):
            if td.find(".//table") is not None:
                return True
            if len(HTML_SPACE.sub("", td.text_content())) > LAYOUT_CELL_CHARS:
                return True
    return False


def _is_navigation(table: Table, rows) -> bool:
    """No numbers and mostly links: a menu laid out as a table."""
    texts = [c.text for c in table.cells if c.text.strip()]
    if not texts or any(NUMERIC_CELL.match(t) for t in texts):
        return False
    cells = [td for tr in rows for td in _row_cells(tr) if td.text_content().strip()]
    linked = sum(td.find(".//a") is not None for td in cells)
    return linked >= max(1, len(cells) // 2)


def cell_text(el) -> str:
    """Cell text: <br> and block boundaries are line breaks; &nbsp;-only cells are blank."""
    parts: list[str] = []

    def walk(node):
        if node.text:
            parts.append(HTML_SPACE.sub(" ", node.text))
        for child in node:
            tag = _tag(child)
            if tag == "br":
                parts.append("\n")
            elif tag and tag not in DROP_TAGS and not is_hidden(child):
                block = tag in BLOCK_TAGS
                if block:
                    parts.append("\n")
                walk(child)
                if block:
                    parts.append("\n")
            if child.tail:
                parts.append(HTML_SPACE.sub(" ", child.tail))

    walk(el)
    text = _clean_lines("".join(parts))
    return re.sub(r"\n{2,}", "\n", text)


def _span(el, name: str) -> int:
    try:
        value = int(re.sub(r"[^\d]", "", el.get(name, "1")) or 1)
    except ValueError:
        return 1
    return min(max(value, 1), MAX_SPAN)


def build_table(rows) -> Table | None:
    """The exact grid of an HTML table, merged cells once, phantom columns and rows collapsed."""
    cells: list[Cell] = []
    taken: set[tuple[int, int]] = set()
    slots = 0
    for r, tr in enumerate(rows):
        c = 0
        for td in _row_cells(tr):
            while (r, c) in taken:
                c += 1
            rowspan = min(_span(td, "rowspan"), len(rows) - r)
            colspan = _span(td, "colspan")
            slots += rowspan * colspan
            if slots > MAX_TABLE_SLOTS:
                log.warning("table dropped: its cells span more than %d grid slots", MAX_TABLE_SLOTS)
                return None
            cells.append(Cell(row=r, col=c, text=cell_text(td), rowspan=rowspan, colspan=colspan))
            taken.update((r + i, c + j) for i in range(rowspan) for j in range(colspan))
            c += colspan
    if not cells:
        return None
    _collapse(cells, axis="col")
    _collapse(cells, axis="row")
    n_rows = max(c.row + c.rowspan for c in cells)
    n_cols = max(c.col + c.colspan for c in cells)
    return Table(cells=cells, n_rows=n_rows, n_cols=n_cols)


def _collapse(cells: list[Cell], axis: str) -> None:
    """Drop grid lines no cell starts at: a column (row) that exists only inside spans.

    A sliver <col> makes one cell colspan=2 in every row; no cell starts in the
    sliver, so it is merged into its neighbour and the spans shrink to match.
    """
    start, span = (("col", "colspan") if axis == "col" else ("row", "rowspan"))
    starts = sorted({getattr(c, start) for c in cells})
    position = {s: i for i, s in enumerate(starts)}
    for cell in cells:
        first = getattr(cell, start)
        end = first + getattr(cell, span)
        covered = sum(1 for s in starts if first <= s < end)
        setattr(cell, start, position[first])
        setattr(cell, span, max(1, covered))
