"""One page image → blocks: the steps in order."""
from __future__ import annotations

import logging

import numpy as np

from ..model import Block, Table
from .assemble import assemble
from .clean import binarize, deskew, flatten, rotate, rotate_point, ruling_ink
from .grid import cell_interior, find_grids, line_masks, rulings, through_seals
from .lines import char_height, text_ink, text_lines
from .recognise import Line, recognize
from .seal import split_red, whiten_gray_seals
from .settings import DEFAULT, Settings

log = logging.getLogger(__name__)


def read_page(rgb: np.ndarray, page: int | None, dpi: float, settings: Settings = DEFAULT) -> list[Block]:
    """Seal out, light evened, level; grids from the rulings; lines cut, recognised, assembled."""
    gray, under_red = split_red(rgb, settings.seal)
    gray = flatten(gray, dpi, settings.clean)
    seals, unwhitened = [], None
    if under_red is None:
        unwhitened = gray
        gray, seals = whiten_gray_seals(gray, dpi, settings.seal)
        if gray is unwhitened:
            unwhitened = None
    gray, angle = deskew(gray, dpi, settings.clean)
    if angle:
        log.debug("page %s deskewed by %.2f°", page, angle)
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
    hmask, vmask = line_masks(for_rulings, dpi, settings.grid)
    grids = find_grids(hmask, vmask, dpi, settings.grid, binary)
    if unwhitened is not None and grids:
        # a seal's ink was whitened with the rulings under it: they are taken back from the page as scanned
        # where they lie on the lines of the grid found without them
        hmask, vmask = through_seals(hmask, vmask, line_masks(ruling_ink(unwhitened, settings.clean), dpi,
                                                              settings.grid), seals, grids, dpi, settings.grid)
        grids = find_grids(hmask, vmask, dpi, settings.grid, binary)
    ink = text_ink(binary, rulings(grids, hmask, vmask, dpi, settings.grid), settings.lines)
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
    if seals:
        doubt_under_seals(blocks, [(x * 72 / dpi, y * 72 / dpi, r * 72 / dpi) for x, y, r in seals],
                          settings.seal.under_seal_confidence)
    return blocks


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
