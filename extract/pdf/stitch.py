"""Stitching: a table continued on the next page becomes one Table; a repeated header is
dropped and a label cut by the page break glued back onto the cell above."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ogi.extract.geometry import cluster_means
from ogi.extract.model import BBox, Cell, Table

from .cells import PageTable, PlacedCell
from .pages import PageText, is_furniture
from .rulings import _index
from .settings import ENUMERATOR, NUMBER_HEAD, SETTINGS as S, VALUE


@dataclass
class TableBuild:
    """Cells of one logical table in a shared coordinate frame (stitched parts shifted down)."""
    parts: list[PageTable]
    xs: list[float]
    cells: list[tuple[PlacedCell, BBox]]   # cell and its bbox in the shared frame
    y_offset: float = 0.0


def stitch(page_tables: list[PageTable], pages: list[PageText]) -> list[Table]:
    builds: list[TableBuild] = []
    for part in page_tables:
        previous = builds[-1] if builds else None
        if previous is not None and _continues(previous.parts[-1], part, previous.xs, pages):
            _append_part(previous, part)
        else:
            builds.append(TableBuild([part], list(part.xs), [(c, c.bbox) for c in part.cells]))
    return [_table_from_build(b, i) for i, b in enumerate(builds)]


def _continues(last: PageTable, part: PageTable, xs: list[float], pages: list[PageText]) -> bool:
    if part.page != last.page + 1:
        return False
    if not (_nothing_below(last, pages[last.page - 1]) and _nothing_above(part, pages[part.page - 1])):
        return False
    if abs(part.bbox[0] - xs[0]) > S.stitch_snap or abs(part.bbox[2] - xs[-1]) > S.stitch_snap:
        return False
    smaller, larger = (part.xs, xs) if len(part.xs) <= len(xs) else (xs, part.xs)
    return all(any(abs(a - b) <= S.stitch_snap for b in larger) for a in smaller)


def _nothing_below(table: PageTable, page: PageText) -> bool:
    below = [ln for ln in page.lines if ln.bbox[1] >= table.bbox[3] - 1 and not is_furniture(ln)]
    return not below and table.bbox[3] > page.height * S.body_half


def _nothing_above(table: PageTable, page: PageText) -> bool:
    above = [ln for ln in page.lines if ln.bbox[3] <= table.bbox[1] + 1 and not is_furniture(ln)]
    return not above and table.bbox[1] < page.height * S.body_half


def _append_part(build: TableBuild, part: PageTable) -> None:
    """Shift the continuation under the previous part, snap its columns to the known ones,
    drop a repeated header and glue a label cut by the page break onto the cell above."""
    last = build.parts[-1]
    shift = (build.y_offset + last.bbox[3]) - part.bbox[1]
    xs = cluster_means(build.xs + part.xs, max(S.stitch_snap, S.min_column))
    cells = [(c, (_snap(b[0], xs), b[1], _snap(b[2], xs), b[3])) for c, b in build.cells]
    new = [(c, (_snap(c.bbox[0], xs), c.bbox[1] + shift, _snap(c.bbox[2], xs), c.bbox[3] + shift))
           for c in part.cells]
    new = _without_repeated_header(cells, new)
    build.xs = xs
    build.cells = cells + _merge_cut_labels(cells, new)
    build.parts.append(part)
    build.y_offset = shift


def _snap(value: float, xs: list[float]) -> float:
    return xs[_index(xs, value)]


def _rows_of(cells: list[tuple[PlacedCell, BBox]]) -> list[list[tuple[PlacedCell, BBox]]]:
    tops = cluster_means([b[1] for _, b in cells], S.snap)
    rows: list[list[tuple[PlacedCell, BBox]]] = [[] for _ in tops]
    for cell in cells:
        rows[_index(tops, cell[1][1])].append(cell)
    return [sorted(r, key=lambda cb: cb[1][0]) for r in rows]


def _row_signature(row: list[tuple[PlacedCell, BBox]]) -> list[tuple[float, float, str]]:
    return [(round(b[0]), round(b[2]), re.sub(r"\s+", "", c.text)) for c, b in row]


def _without_repeated_header(old, new):
    """A continuation that starts by repeating the table's first rows: drop the repeat."""
    old_rows, new_rows = _rows_of(old), _rows_of(new)
    repeat = 0
    while (repeat < min(len(old_rows), len(new_rows)) - 1
           and _row_signature(old_rows[repeat]) == _row_signature(new_rows[repeat])
           and not any(VALUE.match(c.text) for c, _ in new_rows[repeat])):
        repeat += 1
    if not repeat:
        return new
    dropped = {id(c) for row in new_rows[:repeat] for c, _ in row}
    lift = new_rows[repeat][0][1][1] - new_rows[0][0][1][1]
    return [(c, (b[0], b[1] - lift, b[2], b[3] - lift)) for c, b in new if id(c) not in dropped]


def _is_label(text: str) -> bool:
    """Words, not a printed value: '0件', '—' and '无' are values, and a page break never cuts
    a value cell in two."""
    return bool(text.strip()) and not VALUE.match(text)


def _merge_cut_labels(old, new):
    """Page breaks cut merged label cells: the continuation shows '' or a fragment
    ('（四）无法提' + '供') in the same column. Fold such cells into the cell above."""
    new_rows = _rows_of(new)
    if not new_rows or not old:
        return new
    first_row = new_rows[0]
    bottom = max(b[3] for _, b in old)
    above = {(round(b[0]), round(b[2])): (c, b) for c, b in old if abs(b[3] - bottom) <= S.snap}
    kept = list(new)
    if _is_row_fragment(first_row, above):
        for cell, box in first_row:
            _fold_into_above(old, above, cell, box)
            kept.remove((cell, box))
        return kept
    for i, (cell, box) in enumerate(first_row):
        right = first_row[i + 1:]
        if not any(_is_label(c.text) for c, _ in right):
            continue                         # the row's own label or a value: never a fragment
        if cell.text.strip() and ENUMERATOR.match(cell.text):
            continue                         # a new group starts here
        hit = above.get((round(box[0]), round(box[2])))
        if hit is None or not _is_label(hit[0].text):
            continue
        _fold_into_above(old, above, cell, box)
        kept.remove((cell, box))
    return kept


def _is_row_fragment(first_row, above) -> bool:
    """A row allowed to break across pages: its rest opens the next page exactly under the
    cells of the previous page's last row, either as label tails over empty value cells, or
    as the rest of texts whose cells above were filled to the last line (a value wrapped
    '１１' + '９１件'); a new row brings its own label and values instead."""
    uppers = [above.get((round(b[0]), round(b[2]))) for _, b in first_row]
    if any(u is None for u in uppers):
        return False
    filled = [(c, u[0]) for (c, _), u in zip(first_row, uppers) if c.text.strip()]
    if not filled or any(ENUMERATOR.match(c.text) for c, _ in filled):
        return False
    if all(_goes_on(upper, cell) for cell, upper in filled):
        return True
    if any(VALUE.match(c.text) for c, _ in first_row):
        return False
    values_left_empty = any(VALUE.match(u[0].text) for u in uppers)
    tails_under_labels = all(_is_label(upper.text) for _, upper in filled)
    return values_left_empty and tails_under_labels


def _goes_on(upper: PlacedCell, cell: PlacedCell) -> bool:
    """`cell` plausibly holds the rest of `upper`'s text: upper's last line is full, and the
    two are label and label, or a number's first digits and the rest of a value."""
    if not upper.full:
        return False
    if NUMBER_HEAD.match(upper.text):
        return bool(VALUE.match(re.sub(r"\s+", "", cell.text)))
    return _is_label(upper.text) and _is_label(cell.text)


def _fold_into_above(old, above, cell: PlacedCell, box: BBox) -> None:
    """Append a continuation cell's text to the cell above it and stretch that cell down.
    A number cut after a full line goes on without a break: it is one number."""
    key = (round(box[0]), round(box[2]))
    upper_cell, upper_box = above[key]
    if cell.text.strip():
        glue = "" if (upper_cell.full and upper_cell.text[-1:].isdigit() and cell.text[:1].isdigit()) else "\n"
        upper_cell.text = upper_cell.text + glue + cell.text
        upper_cell.full = cell.full
    grown = (upper_box[0], upper_box[1], upper_box[2], box[3])
    position = next(i for i, (c, _) in enumerate(old) if c is upper_cell)
    old[position] = (upper_cell, grown)
    above[key] = (upper_cell, grown)


def _table_from_build(build: TableBuild, index: int) -> Table:
    xs = build.xs
    ys = cluster_means([b[1] for _, b in build.cells] + [b[3] for _, b in build.cells], S.snap)
    cells: list[Cell] = []
    for placed, (x0, top, x1, bottom) in build.cells:
        col, row = _index(xs, x0), _index(ys, top)
        colspan = max(1, _index(xs, x1) - col)
        rowspan = max(1, _index(ys, bottom) - row)
        cells.append(Cell(row=row, col=col, text=placed.text, rowspan=rowspan, colspan=colspan,
                          page=placed.page, bbox=tuple(round(v, 2) for v in placed.bbox)))
    cells.sort(key=lambda c: (c.row, c.col))
    return Table(cells=cells, n_rows=len(ys) - 1, n_cols=len(xs) - 1, index=index,
                 page=build.parts[0].page)
