"""Paragraphs: body lines outside the tables joined into paragraphs, in reading order with
the tables, a paragraph running over a page break joined back together."""
from __future__ import annotations

from dataclasses import dataclass

from ogi.extract.model import BBox, Paragraph, Table

from .cells import PageTable
from .pages import Line, PageText, is_furniture
from .settings import ENUMERATOR, SETTINGS as S


def blocks_in_reading_order(pages: list[PageText], page_tables: list[PageTable], tables: list[Table]):
    """Paragraphs and tables ordered by page, then by vertical position; a paragraph running
    over a page break is joined back together. Text inside a table's frame is the table's."""
    regions: dict[int, list[BBox]] = {}
    for part in page_tables:
        regions.setdefault(part.page, []).append(part.bbox)
    keyed: list[tuple[int, float, int, object]] = []
    for table in tables:
        first = min((c for c in table.cells if c.page == table.page), key=lambda c: c.bbox[1])
        keyed.append((table.page, first.bbox[1], 1, table))
    body = {page.number: [ln for ln in page.lines if not is_furniture(ln)
                          and not _inside_any(ln.bbox, regions.get(page.number, []))] for page in pages}
    default_margins = _margins([ln for lines in body.values() for ln in lines], None)
    for page in pages:
        lines = body[page.number]
        for para in _paragraphs(lines, _margins(lines, default_margins)):
            para.page = page.number
            keyed.append((page.number, para.top, 0, para))
    keyed.sort(key=lambda k: (k[0], k[1], k[2]))
    return _join_across_pages([k[3] for k in keyed], pages)


@dataclass
class _Para(Paragraph):
    top: float = 0.0
    open_start: bool = False     # first line flush left and not a numbered heading
    open_end: bool = False       # last line runs to the right margin


def _join_across_pages(blocks: list, pages: list[PageText]) -> list:
    out: list = []
    for block in blocks:
        previous = out[-1] if out else None
        if (isinstance(block, _Para) and isinstance(previous, _Para) and previous.open_end
                and block.open_start and block.page == previous.page + 1):
            previous.text += block.text
            previous.open_end = block.open_end
            continue
        out.append(block)
    return [Paragraph(text=b.text, page=b.page) if isinstance(b, _Para) else b for b in out]


def _margins(lines: list[Line], default: tuple[float, float] | None) -> tuple[float, float]:
    """Body text's left and right edges: the commonest line starts and ends (justified text)."""
    if len(lines) < S.min_margin_lines and default is not None:
        return default
    if not lines:
        return (0.0, 0.0)

    def mode(values: list[float]) -> float:
        buckets: dict[int, list[float]] = {}
        for v in values:
            buckets.setdefault(round(v / S.margin_bucket), []).append(v)
        return min(max(buckets.values(), key=len))

    return mode([ln.bbox[0] for ln in lines]), mode([ln.bbox[2] for ln in lines])


def _inside_any(box: BBox, regions: list[BBox]) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return any(r[0] - 1 <= cx <= r[2] + 1 and r[1] - 1 <= cy <= r[3] + 1 for r in regions)


def _paragraphs(lines: list[Line], margins: tuple[float, float]) -> list[_Para]:
    """Join wrapped lines: a paragraph ends where a line stops short of the right margin,
    and a new one starts at an indented line or a numbered heading."""
    left, right = margins
    out: list[_Para] = []
    current: list[Line] = []

    def flush() -> None:
        size = max(current[-1].bbox[3] - current[-1].bbox[1], S.min_font)
        first = current[0]
        para = _Para(text=_joined(current), page=None, top=first.bbox[1],
                     open_start=first.bbox[0] - left <= size * S.indent_factor and not ENUMERATOR.match(first.text),
                     open_end=current[-1].bbox[2] >= right - size * S.short_line_factor)
        out.append(para)

    for line in lines:
        size = max(line.bbox[3] - line.bbox[1], S.min_font)
        starts_new = (line.bbox[0] - left > size * S.indent_factor) or bool(ENUMERATOR.match(line.text))
        if current and (starts_new or current[-1].bbox[2] < right - size * S.short_line_factor
                        or line.bbox[1] < current[-1].bbox[1]):
            flush()
            current = []
        current.append(line)
    if current:
        flush()
    return out


def _joined(lines: list[Line]) -> str:
    text = lines[0].text
    for line in lines[1:]:
        glue = " " if text[-1:].isascii() and text[-1:].isalnum() and line.text[:1].isascii() \
            and line.text[:1].isalnum() else ""
        text += glue + line.text
    return text
