"""Recognised lines → tables and paragraphs of one page (bboxes in PDF points)."""
from __future__ import annotations

import re

import numpy as np

from ..model import Block, Cell, Paragraph, Table
from ..printed import DASH_LIKE as _DASH_LIKE
from .recognise import Line
from .settings import DEFAULT, ParagraphSettings

_SPACED_DIGITS = re.compile(r"(?<=\d) +(?=\d)")
_WRAPPED_NUMBER = re.compile(r"(?<=[\d,，.])\n(?=[\d,，.])")


def cell_text(parts: list[str]) -> str:
    """Lines of one cell joined by "\\n"; a number wrapped in a narrow column is joined back.

    Spaces between digits are the recogniser's reading of wide glyph
    spacing (full-width digits, letter-spaced cells), not separators: a
    ruled cell holds one number, and a wrong fusion fails the arithmetic.
    """
    text = "\n".join(_SPACED_DIGITS.sub("", p) for p in parts if p)
    text = _WRAPPED_NUMBER.sub("", text)
    if _DASH_LIKE.match(text) and len(parts) == 1:
        text = "—"                       # a lone bar in a cell is a dash, not 一 (one)
    return text


def assemble(grids, lines: list[Line], results, page, dpi, char_h,
             s: ParagraphSettings = DEFAULT.paragraphs) -> list[Block]:
    """Tables and paragraphs of one page, top to bottom."""
    scale = 72.0 / dpi
    to_pt = lambda b: tuple(round(float(v) * scale, 2) for v in b)  # noqa: E731
    per_cell: dict[tuple, list[tuple[str, float]]] = {}
    free_lines = []
    for line, (text, conf) in zip(lines, results):
        if line.owner[0] == "cell":
            per_cell.setdefault(line.owner[1:], []).append((text, conf))
        elif text.strip():
            free_lines.append((line.box, text.strip(), conf))
    placed: list[tuple[float, Block]] = []
    for g, grid in enumerate(grids):
        cells = []
        for k, (r, c, rs, cs) in enumerate(grid.cells):
            found = per_cell.get((g, k), [])
            text = cell_text([t.strip() for t, _ in found])
            confidence = min((conf for _, conf in found), default=1.0)  # no ink: surely blank
            bbox = to_pt((grid.xs[c], grid.ys[r], grid.xs[c + cs], grid.ys[r + rs]))
            cells.append(Cell(row=r, col=c, text=text, rowspan=rs, colspan=cs, page=page, bbox=bbox,
                              origin="ocr", confidence=round(confidence, 4)))
        table = Table(cells=cells, n_rows=len(grid.ys) - 1, n_cols=len(grid.xs) - 1, page=page)
        placed.append((grid.ys[0], table))
    for top, text in paragraphs(free_lines, char_h, s):
        placed.append((top, Paragraph(text=text, page=page)))
    placed.sort(key=lambda item: item[0])
    return [block for _, block in placed]


def paragraphs(lines: list[tuple], char_h: float, s: ParagraphSettings = DEFAULT.paragraphs) -> list[tuple[int, str]]:
    """Group text lines into paragraphs: a new one after a short line, a wide gap or an indent.

    Lines on the same band (split at a wide gap) are joined with a space.
    """
    if not lines:
        return []
    lines = sorted(lines, key=lambda line: (line[0][1], line[0][0]))
    left = float(np.percentile([b[0] for b, _, _ in lines], s.margin_percentile))
    right = float(np.percentile([b[2] for b, _, _ in lines], 100 - s.margin_percentile))
    rows: list[list[tuple]] = []
    for line in lines:
        if rows and abs(line[0][1] - rows[-1][0][0][1]) < char_h * s.same_band:
            rows[-1].append(line)
        else:
            rows.append([line])
    out: list[tuple[int, list[str]]] = []
    prev, prev_multi = None, False
    for row in rows:
        row.sort(key=lambda line: line[0][0])
        box = (row[0][0][0], min(line[0][1] for line in row), row[-1][0][2], max(line[0][3] for line in row))
        text = " ".join(line[1] for line in row)
        starts_new = (prev is None or len(row) > 1 or prev[2] < right - char_h * s.short_line
                      or box[0] > left + char_h * s.indent or box[1] - prev[3] > char_h * s.gap
                      or prev_multi)
        if starts_new:
            out.append((box[1], [text]))
        else:
            out[-1][1].append(text)
        prev, prev_multi = box, len(row) > 1
    return [(top, "".join(parts)) for top, parts in out]
