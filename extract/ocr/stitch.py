"""Tables over page breaks joined, and tables numbered in block order."""
from __future__ import annotations


from ..model import Block, Cell, Paragraph, Table
from ..printed import PAGE_FURNITURE as _PAGE_FURNITURE
from .settings import DEFAULT, StitchSettings



def stitch_pages(pages: list[list[Block]], s: StitchSettings = DEFAULT.stitch) -> list[Block]:
    """Blocks of consecutive pages, with a table that ends one page and a table
    that starts the next joined into one when their outer edges line up.

    Only page furniture (page numbers, scraps) may stand between them. Column boundaries are united,
    so a header-only fragment (no line between its label columns) and its
    continuation still line up cell by cell.
    """
    out: list[Block] = []
    tail: Table | None = None          # the previous page's last table, if nothing but furniture follows it
    for blocks in pages:
        head = next((i for i, b in enumerate(blocks) if not _is_furniture(b, s)), None)
        if tail is not None and head is not None and isinstance(blocks[head], Table) \
                and _same_edges(tail, blocks[head], s):
            merged = _join(tail, blocks[head], s)
            out[out.index(tail)] = merged
            blocks = blocks[:head] + blocks[head + 1:]
            tail_candidate = merged
        else:
            tail_candidate = None
        out += blocks
        last = next((b for b in reversed(blocks) if not _is_furniture(b, s)), None)
        if isinstance(last, Table):
            tail = last
        elif last is None and tail_candidate is not None:
            tail = tail_candidate          # a page holding only the continuation
        else:
            tail = None
    return out


def _is_furniture(block: Block, s: StitchSettings) -> bool:
    """Page numbers, and scraps too short to be a heading or a sentence (stamp remnants, running heads)."""
    if not isinstance(block, Paragraph):
        return False
    text = block.text.strip()
    return len(text) <= s.furniture_max_chars and bool(_PAGE_FURNITURE.match(text)) \
        or len(text) <= s.scrap_max_chars


def _edges(table: Table, s: StitchSettings) -> list[float]:
    xs = sorted({c.bbox[0] for c in table.cells if c.bbox} | {c.bbox[2] for c in table.cells if c.bbox})
    merged: list[float] = []
    for x in xs:
        if not merged or x - merged[-1] > s.edge_tol_pt:
            merged.append(x)
    return merged


def _same_edges(a: Table, b: Table, s: StitchSettings) -> bool:
    ea, eb = _edges(a, s), _edges(b, s)
    return len(ea) >= 2 and len(eb) >= 2 and abs(ea[0] - eb[0]) <= s.edge_tol_pt \
        and abs(ea[-1] - eb[-1]) <= s.edge_tol_pt


def _join(a: Table, b: Table, s: StitchSettings) -> Table:
    union: list[float] = []
    for x in sorted(_edges(a, s) + _edges(b, s)):
        if not union or x - union[-1] > s.edge_tol_pt:
            union.append(x)

    def col(x: float) -> int:
        return min(range(len(union)), key=lambda i: abs(union[i] - x))

    cells = []
    for part, row_offset in ((a, 0), (b, a.n_rows)):
        for c in part.cells:
            start, end = col(c.bbox[0]), col(c.bbox[2])
            cells.append(Cell(row=c.row + row_offset, col=start, text=c.text, rowspan=c.rowspan,
                              colspan=max(1, end - start), page=c.page, bbox=c.bbox, origin=c.origin,
                              confidence=c.confidence))
    return Table(cells=cells, n_rows=a.n_rows + b.n_rows, n_cols=len(union) - 1, index=a.index, page=a.page)


def number_tables(blocks: list[Block]) -> None:
    """Table.index = position among the tables, in block order."""
    for i, table in enumerate(b for b in blocks if isinstance(b, Table)):
        table.index = i
