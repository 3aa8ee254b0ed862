"""Plain-text dumps of reports (.txt, .md): paragraphs and the tables in them.

Three table forms occur in text copies of reports:
- cell-per-line dumps of a Word file (Apache POI/Tika style): each cell is a
  line starting with a tab, rows are separated by an empty line, a tab-only
  line is an empty cell (usually the continuation of a vertical merge), and an
  untabbed line right after a cell is that cell's second paragraph;
- markdown tables (| a | b |) and tab-separated rows, often with merged cells
  repeated in every slot they cover;
- crawler text, where a row's cells run together with no separator
  ("一、本年新收…申请数量713000074"): the label is the text part and the
  trailing digit run is ONE cell with origin "run-together" (normalize splits
  it using the template arithmetic). To keep the grid rectangular the run is
  put in the first value slot and the row's other value slots hold empty cells
  with the same origin: the run's digits cover all of them.

Spans are rebuilt where the layout makes them clear (continuation cells,
repeated merged labels, a header row's cells over the row below); otherwise
cells stay plain, one slot each. Nothing here knows the report template.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from .model import Cell, Document, ExtractError, Paragraph, Table
from .printed import DASH_TOKENS as DASHES
from .printed import NUMBER_TOKEN as NUMBER
from .printed import NUMBERING_BREAK as NUMBERING

log = logging.getLogger(__name__)

RUN_TOGETHER = "run-together"
BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
MD_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")
# a row whose cells were printed with no separator: label text, then the digits
GLUED = re.compile(r"^(?P<label>.*?[^\d\s０-９,，.．])?(?P<digits>[0-9０-９]+)$")
SENTENCE_END = re.compile(r"[。；;！!？?]")
MAX_ROW_LABEL = 120


# --- entry point --------------------------------------------------------------

def read_text(path: str, data: bytes) -> Document:
    text = decode_text(data)
    doc = Document(source=path, format="text")
    doc.blocks = list(_blocks(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")))
    for i, table in enumerate(doc.tables):
        table.index = i
    if not doc.blocks:
        raise ExtractError("the text file is empty")
    return doc


def decode_text(data: bytes) -> str:
    """UTF-8, GB18030 or UTF-16 text: BOM first, then strict UTF-8, then detection."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    import charset_normalizer  # late import: most dumps are UTF-8
    best = charset_normalizer.from_bytes(data).best()
    encoding = (best.encoding if best is not None else "gb18030").lower()
    if encoding in ("gb2312", "gbk", "cp936", "hz"):
        encoding = "gb18030"  # "GB2312" text uses GBK characters
    return data.decode(encoding, errors="replace")


# --- lines → paragraphs and raw rows -----------------------------------------------

@dataclass
class _Raw:
    text: str
    empty_line: bool = False     # a tab-only / empty cell: blank, or the continuation of a merge
    run: bool = False            # run-together digits

    @property
    def numeric(self) -> bool:
        return bool(NUMBER.match(self.text.strip())) or self.text.strip() in DASHES


def _blocks(lines: list[str]):
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("\t"):
            rows, i = _cell_per_line_rows(lines, i)
            if rows:
                yield build_table(rows)
            continue
        if _separated_row(line) is not None or (_glued_row(line) and _next_is_row(lines, i)):
            rows, i = _separated_rows(lines, i)
            if len(rows) >= 2:
                yield build_table(rows)
            else:
                yield from (Paragraph(r) for r in [line.strip()] if r)
            continue
        if line.strip():
            yield Paragraph(line.strip())
        i += 1


def _cell_per_line_rows(lines: list[str], i: int) -> tuple[list[list[_Raw]], int]:
    """A cell-per-line table from line i: ends at two empty lines or at untabbed text after a gap."""
    rows: list[list[_Raw]] = []
    row: list[_Raw] = []
    blank_run = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("\t"):
            text = line.strip()
            row.append(_Raw(text, empty_line=not text))
            blank_run = 0
        elif not line.strip():
            if row:
                rows.append(row)
                row = []
            blank_run += 1
            if blank_run >= 2:
                break
        elif row and blank_run == 0:
            cell = row[-1]  # a second paragraph of the cell above
            cell.text = f"{cell.text}\n{line.strip()}" if cell.text else line.strip()
            cell.empty_line = False
        else:
            break
        i += 1
    if row:
        rows.append(row)
    return [_split_glued(r) for r in rows], i


def _separated_row(line: str) -> list[str] | None:
    """Cells of a markdown row (| a | b |) or a tab-separated row; None for other lines."""
    stripped = line.strip()
    if stripped.startswith("|") and stripped.count("|") >= 2:
        if MD_RULE.match(stripped):
            return []
        inner = stripped[1:-1] if stripped.endswith("|") else stripped[1:]
        return [c.strip().replace("<br>", "\n").replace("<br/>", "\n").replace("<br />", "\n")
                for c in inner.split("|")]
    if "\t" in line.strip(" "):
        return [c.strip() for c in line.strip(" \n").split("\t")]
    return None


def _glued_row(line: str) -> bool:
    """Label text followed by digits with no separator, or a bare digit run."""
    stripped = line.strip()
    match = GLUED.match(stripped)
    if not match or len(stripped) > MAX_ROW_LABEL + 60:
        return False
    label = match.group("label") or ""
    return not SENTENCE_END.search(label) and len(label) <= MAX_ROW_LABEL


def _next_is_row(lines: list[str], i: int) -> bool:
    near = [lines[j] for j in (i - 1, i + 1) if 0 <= j < len(lines)]
    return any(_separated_row(n) is not None or _glued_row(n) for n in near if n.strip())


def _separated_rows(lines: list[str], i: int) -> tuple[list[list[_Raw]], int]:
    rows = []
    while i < len(lines):
        line = lines[i]
        cells = _separated_row(line)
        if cells is None:
            if not line.strip() or not _glued_row(line):
                break
            rows.append(_glued_cells(line.strip()))
        elif cells:
            rows.append([_Raw(c, empty_line=not c) for c in cells])
        i += 1
    return rows, i


def _glued_cells(text: str) -> list[_Raw]:
    match = GLUED.match(text)
    label = (match.group("label") or "").strip()
    cells = [_Raw(part.strip()) for part in NUMBERING.split(label) if part.strip()]
    return cells + [_Raw(match.group("digits"), run=True)]


def _split_glued(row: list[_Raw]) -> list[_Raw]:
    """A cell-per-line row whose only value is glued to its label."""
    if len(row) == 1 and not row[0].numeric and _glued_row(row[0].text) and GLUED.match(row[0].text).group("label"):
        return _glued_cells(row[0].text)
    return row


# --- raw rows → grid --------------------------------------------------------------

def _first_value(row: list[_Raw]) -> int | None:
    return next((k for k, c in enumerate(row) if c.run or (c.numeric and c.text)), None)


def build_table(rows: list[list[_Raw]]) -> Table:
    data = [r for r in rows if _first_value(r) is not None]
    runs = any(c.run for r in rows for c in r)
    label_width = max((_first_value(r) for r in data), default=0)
    value_width = max((len(r) - _first_value(r) for r in data if not any(c.run for c in r)), default=0)
    width = max([len(r) for r in rows if not any(c.run for c in r)] + [label_width + value_width])
    header = _header_above_data(rows, width)
    if header is not None and label_width:
        label_width = max(label_width, _leading_repeats(header))
    placed: list[list[Cell] | None] = [None] * len(rows)
    for r, row in enumerate(rows):
        if len(row) == width:
            placed[r] = [Cell(r, c, raw.text) for c, raw in enumerate(row)]
        elif any(c.run for c in row):
            placed[r] = _place_run_row(r, row, label_width, width)
        elif _first_value(row) is not None:
            placed[r] = _place_data_row(r, row, label_width, width)
    for r in range(len(rows) - 1, -1, -1):  # other rows: from the row below them
        if placed[r] is None:
            below = next((placed[b] for b in range(r + 1, len(rows)) if placed[b] is not None), None)
            placed[r] = _place_over(r, rows[r], below, width)
    empties = {(r, cell.col) for r, row in enumerate(rows) for cell, raw in zip(placed[r], row)
               if raw.empty_line or not raw.text}
    cells = _merge(placed, rows, empties, value_start=label_width if data else width, expanded=not runs and
                   all(len(r) == width for r in rows))
    table = Table(cells=cells, n_rows=len(rows), n_cols=width)
    return table


def _header_above_data(rows, width):
    for r, row in enumerate(rows):
        if _first_value(row) is not None:
            return rows[r - 1] if r and len(rows[r - 1]) == width else None
    return None


def _leading_repeats(row: list[_Raw]) -> int:
    n = 1
    while n < len(row) and row[n].text == row[0].text and row[0].text:
        n += 1
    return n


def _place_data_row(r, row, label_width, width) -> list[Cell]:
    """Labels from the left (the last one spans the label columns), values from the
    first value column; a short row's last value spans to the edge."""
    k = _first_value(row)
    cells = _place_labels(r, row[:k], label_width)
    values = row[k:]
    for j, raw in enumerate(values):
        col = label_width + j
        span = max(1, width - col) if j == len(values) - 1 else 1
        cells.append(Cell(r, col, raw.text, colspan=span))
    return cells


def _place_run_row(r, row, label_width, width) -> list[Cell]:
    k = _first_value(row)
    cells = _place_labels(r, row[:k], label_width)
    digits = "".join(c.text for c in row[k:])
    cells.append(Cell(r, label_width, digits, origin=RUN_TOGETHER))
    cells.extend(Cell(r, c, "", origin=RUN_TOGETHER) for c in range(label_width + 1, width))
    return cells


def _place_labels(r, labels, label_width) -> list[Cell]:
    cells = []
    for j, raw in enumerate(labels):
        span = max(1, label_width - j) if j == len(labels) - 1 else 1
        cells.append(Cell(r, j, raw.text, colspan=span))
    return cells


def _place_over(r, row, below, width) -> list[Cell]:
    """A row of fewer cells than columns, aligned on the row below it."""
    spans = _spans_over(row, below, width)
    if spans is None:
        return [Cell(r, c, raw.text) for c, raw in enumerate(row)]  # plain: one slot each
    cells, col = [], 0
    for raw, span in zip(row, spans):
        cells.append(Cell(r, col, raw.text, colspan=span))
        col += span
    return cells


def _spans_over(row, below, width) -> list[int] | None:
    k = len(row)
    if k == 1:
        return [width]
    if below is None:
        return None
    # continuation cells below sit under a cell of this row that starts where they do
    fixed = [(c.col, c.colspan) for c in below if not c.text]
    if fixed and len(fixed) < k:
        spans = _fill_gaps(k, fixed, width, below)
        if spans:
            return spans
    return _split_width(k, 0, width, below)


def _fill_gaps(k, fixed, width, below) -> list[int] | None:
    segments, col = [], 0
    for start, span in fixed:
        if start > col:
            segments.append(("gap", col, start - col))
        segments.append(("fixed", start, span))
        col = start + span
    if col < width:
        segments.append(("gap", col, width - col))
    gaps = [s for s in segments if s[0] == "gap"]
    free = k - len(fixed)
    if not gaps or free < len(gaps):
        return None
    per_gap = [1] * len(gaps)
    if len(gaps) == 1:
        per_gap = [free]
    elif free != len(gaps):
        return None
    spans, g = [], 0
    for kind, start, span in segments:
        if kind == "fixed":
            spans.append(span)
        else:
            inner = _split_width(per_gap[g], start, span, below)
            if inner is None:
                return None
            spans.extend(inner)
            g += 1
    return spans if len(spans) == k else None


def _split_width(k, start, span, below) -> list[int] | None:
    """k cells over columns [start, start+span): one each, one run each, or equal parts."""
    if k == span:
        return [1] * k
    if k == 1:
        return [span]
    if below:
        inside = [c for c in below if start <= c.col < start + span]
        if len(inside) == k and sum(c.colspan for c in inside) == span:
            return [c.colspan for c in inside]  # one cell over each cell below
        runs: list[list] = []
        for c in inside:
            if runs and runs[-1][0] == c.colspan:
                runs[-1][1] += c.colspan
            else:
                runs.append([c.colspan, c.colspan])
        if len(runs) == k and sum(w for _, w in runs) == span:
            return [w for _, w in runs]
    if span % k == 0:
        return [span // k] * k
    return None


def _merge(placed, rows, empties, value_start, expanded) -> list[Cell]:
    """Empty continuation cells and repeated merged labels become spans."""
    kept: list[Cell] = []
    by_slot: dict[tuple[int, int, int], Cell] = {}   # (bottom row, col, colspan) -> cell
    for r, row in enumerate(placed):
        merged_row: list[Cell] = []
        for cell in row:
            is_value = cell.col >= value_start and _first_value(rows[r]) is not None
            if expanded and merged_row and cell.text and not is_value and not NUMBER.match(cell.text) \
                    and merged_row[-1].text == cell.text and merged_row[-1].row == r:
                merged_row[-1].colspan += cell.colspan  # a label repeated across its merge
                continue
            merged_row.append(cell)
        for cell in merged_row:
            is_value = cell.col >= value_start and _first_value(rows[r]) is not None
            above = by_slot.get((r - 1, cell.col, cell.colspan))
            continuation = (r, cell.col) in empties and not is_value
            repeat = expanded and cell.text and not NUMBER.match(cell.text) and above is not None \
                and above.text == cell.text
            if above is not None and above.text and (continuation or repeat):
                above.rowspan += 1
                by_slot[(r, cell.col, cell.colspan)] = above
                continue
            kept.append(cell)
            by_slot[(r, cell.col, cell.colspan)] = cell
    return kept
