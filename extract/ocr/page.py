"""One page image → blocks: the steps in order."""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..model import Block, Table
from .assemble import assemble
from .clean import bilevel, binarize, deskew, flatten, rotate, rotate_point, ruling_ink
from .grid import Grid, cell_interior, disc_mask, find_grids, line_masks, rulings, through_seals
from .lines import char_height, text_ink, text_lines
from .orient import best_turn, sideways
from .recognise import Line, recognize
from .seal import split_red, whiten_gray_seals
from .settings import DEFAULT, Settings

log = logging.getLogger(__name__)


@dataclass
class Prepared:
    """A page cleaned and levelled, with its grids: everything before the text is cut and read."""
    gray: np.ndarray                # upright, evenly lit, level, seals out
    binary: np.ndarray              # its ink
    grids: list[Grid]
    hmask: np.ndarray
    vmask: np.ndarray
    turns: int                      # quarter turns (counter-clockwise) that made it upright
    angle: float                    # degrees it was levelled by
    seals: list[tuple[float, float, float]]   # gray seals' discs (x, y, radius) on the prepared page


def prepare(rgb: np.ndarray, dpi: float, settings: Settings = DEFAULT, turns: int = 0) -> Prepared:
    """Turned by `turns` × 90°, seal out, light evened, level; the grids from the rulings."""
    if turns:
        rgb = np.ascontiguousarray(np.rot90(rgb, turns))
    gray, under_red = split_red(rgb, settings.seal)
    one_bit = bilevel(gray, settings.clean)
    gray = flatten(gray, dpi, settings.clean)
    seals, unwhitened = [], None
    if under_red is None:
        unwhitened = gray
        gray, seals = whiten_gray_seals(gray, dpi, settings.seal)
        if gray is unwhitened:
            unwhitened = None
    gray, angle = deskew(gray, dpi, settings.clean)
    if angle:
        seals = [(*rotate_point(x, y, angle, gray.shape), r) for x, y, r in seals]
        if unwhitened is not None:
            unwhitened = rotate(unwhitened, angle, 255)
    binary = binarize(gray, settings.clean)
    for_rulings = ruling_ink(gray, settings.clean)
    if under_red is not None:
        # rulings are looked for in the print under red ink too; text is read without it
        under = under_red.astype(np.uint8) * 255
        if angle:
            under = np.where(rotate(under, angle, 0) >= 128, 255, 0).astype(np.uint8)
        for_rulings |= under
    hmask, vmask = line_masks(for_rulings, dpi, settings.grid, staircase=one_bit and bool(angle))
    loose = disc_mask(gray.shape, seals) if seals else None
    grids = find_grids(hmask, vmask, dpi, settings.grid, binary, loose)
    if unwhitened is not None and grids:
        # a seal's ink was whitened with the rulings under it: they are taken back from the page as scanned
        # where they lie on the lines of the grid found without them
        scanned = line_masks(ruling_ink(unwhitened, settings.clean), dpi, settings.grid, one_bit and bool(angle))
        hmask, vmask = through_seals(hmask, vmask, scanned, seals, grids, dpi, settings.grid)
        grids = find_grids(hmask, vmask, dpi, settings.grid, binary, loose)
    return Prepared(gray, binary, grids, hmask, vmask, turns, angle, seals)


def read_page(rgb: np.ndarray, page: int | None, dpi: float, settings: Settings = DEFAULT) -> list[Block]:
    """The page read upright: turned by 90° when its text runs up or down (orient.sideways), and read
    again turned by 180° when the recogniser was unsure of most of it and reads it better so."""
    p = prepare(rgb, dpi, settings)
    turns = 0
    if sideways(p.binary, dpi, settings):
        turns = best_turn(p.gray, p.binary, dpi, (1, 3), 0.0, settings)
        if turns:
            p = prepare(rgb, dpi, settings, turns)
    blocks, sureness = _read_prepared(p, page, dpi, settings)
    if sureness >= settings.orient.upright_score:
        return blocks
    flip = best_turn(p.gray, p.binary, dpi, (2,), settings.orient.flip_margin, settings)
    if not flip:
        return blocks
    log.debug("page %s read turned by %d×90°", page, turns + flip)
    return _read_prepared(prepare(rgb, dpi, settings, (turns + flip) % 4), page, dpi, settings)[0]


def _read_prepared(p: Prepared, page: int | None, dpi: float, settings: Settings) -> tuple[list[Block], float]:
    """(blocks of the page, the median confidence of its recognised lines: 0 when none was read)."""
    if p.angle:
        log.debug("page %s levelled by %.2f°", page, p.angle)
    gray, grids = p.gray, p.grids
    ink = text_ink(p.binary, rulings(grids, p.hmask, p.vmask, dpi, settings.grid), settings.lines)
    outside = ink.copy()
    for grid in grids:
        x0, y0, x1, y1 = grid.bbox
        outside[max(0, y0 - 3):y1 + 4, max(0, x0 - 3):x1 + 4] = 0
    h, w = ink.shape
    boxes = [(g, k, cell_interior(grid, *cell, dpi, settings.grid)) for g, grid in enumerate(grids)
             for k, cell in enumerate(grid.cells)]
    regions = [b for _, _, b in boxes] if boxes else [(0, 0, w, h)]
    char_h = char_height(ink if boxes else outside, regions, dpi, settings.lines)

    lines: list[Line] = []
    for g, k, box in boxes:
        lines += [Line(b, ("cell", g, k)) for b in text_lines(ink, box, char_h, s=settings.lines)]
    lines += [Line(b, ("text",)) for b in text_lines(outside, (0, 0, w, h), char_h,
                                                      split_gap=settings.lines.text_split_gap, s=settings.lines)]
    results = recognize(gray, ink, lines, char_h, settings)
    blocks = assemble(grids, lines, results, page, dpi, char_h, settings.paragraphs)
    if p.seals:
        doubt_under_seals(blocks, [(x * 72 / dpi, y * 72 / dpi, r * 72 / dpi) for x, y, r in p.seals],
                          settings.seal.under_seal_confidence)
    read = [conf for text, conf in results if len(text.strip()) >= settings.orient.sure_line_chars]
    return blocks, float(np.median(read)) if read else 0.0


def doubt_under_seals(blocks: list[Block], discs: list[tuple[float, float, float]], ceiling: float) -> None:
    """Cells a seal's disc touches get at most `ceiling` confidence: a digit may hide under its strokes."""
    for table in (b for b in blocks if isinstance(b, Table)):
        for cell in table.cells:
            x0, y0, x1, y1 = cell.bbox
            for x, y, r in discs:
                nx, ny = min(max(x, x0), x1), min(max(y, y0), y1)      # the cell's point nearest the centre
                if (nx - x) ** 2 + (ny - y) ** 2 <= r * r:
                    cell.confidence = min(cell.confidence if cell.confidence is not None else 1.0, ceiling)
                    break
