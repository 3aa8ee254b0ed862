"""Table grids from ruling lines: line masks → line positions → cells with spans.

Line positions give the row and column boundaries; a missing line segment
between two slots merges them (rowspan / colspan).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry import cluster_means
from .engine import cv2
from .settings import DEFAULT, GridSettings


@dataclass
class Grid:
    xs: list[int]                   # column boundaries (pixels)
    ys: list[int]                   # row boundaries
    cells: list[tuple[int, int, int, int]]   # row, col, rowspan, colspan

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]


def line_masks(binary: np.ndarray, dpi: float, s: GridSettings = DEFAULT.grid,
               staircase: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling-line masks.

    Kernels are longer than any glyph stroke and shorter than the narrowest
    cell side. A short closing along each direction first bridges the pixel
    gaps that blur, JPEG blocks and residual tilt leave in thin lines.

    A `staircase` page is a 1-bit scan that was tilted and has been levelled: a
    thin ruling is then a run of pieces one pixel row apart, each shorter than
    the kernel, so each direction is first thickened by a pixel across it (not
    on gray scans, where it would join glyph strokes into lines).
    """
    cv = cv2()
    hk = max(s.min_h_kernel_px, int(dpi * s.h_kernel_in))
    vk = max(s.min_v_kernel_px, int(dpi * s.v_kernel_in))
    gap = max(2, int(round(dpi * s.gap_in)))
    rect = cv.MORPH_RECT
    hsource = cv.dilate(binary, np.ones((3, 1), np.uint8)) if staircase else binary
    vsource = cv.dilate(binary, np.ones((1, 3), np.uint8)) if staircase else binary
    hclosed = cv.morphologyEx(hsource, cv.MORPH_CLOSE, cv.getStructuringElement(rect, (gap, 1)))
    vclosed = cv.morphologyEx(vsource, cv.MORPH_CLOSE, cv.getStructuringElement(rect, (1, gap)))
    hmask = cv.morphologyEx(hclosed, cv.MORPH_OPEN, cv.getStructuringElement(rect, (hk, 1)))
    vmask = cv.morphologyEx(vclosed, cv.MORPH_OPEN, cv.getStructuringElement(rect, (1, vk)))
    return hmask, vmask


def disc_mask(shape: tuple[int, int], discs: list[tuple[float, float, float]]) -> np.ndarray:
    """True inside any of the discs (x, y, radius)."""
    h, w = shape
    inside = np.zeros((h, w), dtype=bool)
    for x, y, r in discs:
        y0, y1 = max(0, int(y - r)), min(h, int(y + r) + 1)
        x0, x1 = max(0, int(x - r)), min(w, int(x + r) + 1)
        yy, xx = np.ogrid[y0:y1, x0:x1]
        inside[y0:y1, x0:x1] |= (yy - y) ** 2 + (xx - x) ** 2 <= r * r
    return inside


def through_seals(hmask: np.ndarray, vmask: np.ndarray, unwhitened: tuple[np.ndarray, np.ndarray],
                  discs: list[tuple[float, float, float]], grids: list["Grid"], dpi: float,
                  s: GridSettings = DEFAULT.grid) -> tuple[np.ndarray, np.ndarray]:
    """The line masks with, inside each seal's disc, the line pixels of the unwhitened page that lie on
    a row or column line of a grid found without them.

    Whitening a gray seal's ink whitens the thin rulings under it too, and the cells there merge. A
    table's lines run on beyond the seal, so the grid still knows where they are; the seal's own ring
    and star are not taken back unless they lie on such a line, where a line is anyway.
    """
    h, w = hmask.shape
    inside = disc_mask((h, w), discs)
    band = max(s.min_continuation_px, int(round(dpi * s.continuation_in)))
    rows, cols = np.zeros(h, dtype=bool), np.zeros(w, dtype=bool)
    for grid in grids:
        for y in grid.ys:
            rows[max(0, y - band):y + band + 1] = True
        for x in grid.xs:
            cols[max(0, x - band):x + band + 1] = True
    hu, vu = unwhitened
    hmask = np.where(inside & rows[:, None] & (hu > 0), 255, hmask).astype(np.uint8)
    vmask = np.where(inside & cols[None, :] & (vu > 0), 255, vmask).astype(np.uint8)
    return hmask, vmask


def segments(mask: np.ndarray, horizontal: bool) -> list[tuple[int, int, float]]:
    """(start, end, position) of each line component: x-range and mean y for horizontal lines."""
    cv = cv2()
    n, _, stats, centroids = cv.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if horizontal:
            out.append((int(x), int(x + w), float(centroids[i][1])))
        else:
            out.append((int(y), int(y + h), float(centroids[i][0])))
    return out


def find_grids(hmask: np.ndarray, vmask: np.ndarray, dpi: float, s: GridSettings = DEFAULT.grid,
               ink: np.ndarray | None = None, loose: np.ndarray | None = None) -> list[Grid]:
    """Each connected frame of ruling lines with at least 2×2 slots is a table grid.

    With the page's `ink`, a vertical wall a line of text runs through is no wall: it is a glyph's
    stroke standing on a column line of the rows below (a header centred over several columns).
    Walls are looked for in the frame's own (connected) line pixels, and within `loose` (the discs
    of seals, which cut a wall into pieces unconnected to the frame) in any line pixel.
    """
    cv = cv2()
    frame = cv.dilate(hmask | vmask, np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv.connectedComponentsWithStats(frame, connectivity=8)
    grids = []
    min_side = dpi * s.min_table_in
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if w < min_side or h < min_side:
            continue
        region = labels[y:y + h, x:x + w] == i
        box = (slice(y, y + h), slice(x, x + w))
        walls = region if loose is None else region | loose[box]
        grid = _grid_in_region(hmask[box] * region, vmask[box] * region, dpi, s,
                               None if ink is None else ink[box], (hmask[box] * walls, vmask[box] * walls))
        if grid is None:
            continue
        grid.xs = [v + x for v in grid.xs]
        grid.ys = [v + y for v in grid.ys]
        grids.append(grid)
    grids.sort(key=lambda g: (g.ys[0], g.xs[0]))
    return grids


def _grid_in_region(hmask: np.ndarray, vmask: np.ndarray, dpi: float, s: GridSettings,
                    ink: np.ndarray | None = None, walls: tuple | None = None) -> Grid | None:
    """The grid of one frame. Its lines come from the frame's own line pixels; its walls are looked
    for in `walls` (the masks over the frame's box), since a seal leaves pieces of a wall unconnected."""
    tol = max(s.min_line_tol_px, dpi * s.line_tol_in)
    end_tol = max(2.0, dpi * s.end_tol_in)
    hsegs, vsegs = _ruling_segments(segments(hmask, horizontal=True), segments(vmask, horizontal=False), tol,
                                    end_tol, dpi * s.long_piece_in)
    ys = [int(round(y)) for y in cluster_means([p for _, _, p in hsegs], tol)]
    xs = [int(round(x)) for x in cluster_means([p for _, _, p in vsegs], tol)]
    if len(xs) < 2 or len(ys) < 2 or (len(xs) < 3 and len(ys) < 3):
        return None                      # a box around a paragraph, not a table
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    hwalls, vwalls = walls if walls is not None else (hmask, vmask)
    walls_v = [[_has_line(vwalls, xs[c], ys[r], ys[r + 1], True, s)
                and not (ink is not None and _text_runs_through(ink, xs[c], ys[r], ys[r + 1], dpi, s))
                for c in range(1, n_cols)] for r in range(n_rows)]
    walls_h = [[_has_line(hwalls, ys[r], xs[c], xs[c + 1], False, s) for c in range(n_cols)]
               for r in range(1, n_rows)]
    return Grid(xs, ys, merge_slots(n_rows, n_cols, walls_v, walls_h))


def _ruling_segments(hsegs, vsegs, tol, end_tol, long):
    """Keep the segments that are table rulings, not thick strokes of bold text.

    A vertical ruling reaches at least two horizontal rulings (accepting one
    only would let glyph strokes that touch a ruling split a label) and is
    kept between the outermost two: beyond them it is a piece broken off by a
    seal or a fold, or a glyph stroke touching the frame; a
    horizontal ruling is crossed or ended by a vertical one (only one: a
    stamp or a fold may cut a border into pieces with one upright each).
    A ruling reaches the line it ends on (within `end_tol`); a glyph stroke
    stops short of it, however tall the glyph and however blurred the scan.
    Applied twice, so text debris next to a frame drops out with what it
    propped up. Pieces of a broken ruling are also tried joined; the pieces
    themselves stay candidates, since a glyph stroke beyond a T-junction can
    be joined to the ruling that ends there.
    """
    hsegs, vsegs = hsegs + _join_collinear(hsegs, tol, long), vsegs + _join_collinear(vsegs, tol, long)

    def between_crossings(v):
        """The part of `v` from the first to the last horizontal ruling it reaches, or None."""
        ys = [hy for h0, h1, hy in hsegs if v[0] - end_tol <= hy <= v[1] + end_tol and h0 - tol <= v[2] <= h1 + tol]
        if len(ys) < 2 or max(ys) - min(ys) < tol:
            return None
        return int(round(min(ys))), int(round(max(ys))), v[2]

    for _ in range(2):
        vsegs = [c for c in map(between_crossings, vsegs) if c is not None]
        hsegs = [h for h in hsegs
                 if sum(v0 - tol <= h[2] <= v1 + tol and h[0] - tol <= vx <= h[1] + tol for v0, v1, vx in vsegs) >= 1]
    return hsegs, vsegs


def _join_collinear(segs: list[tuple[int, int, float]], tol: float, long: float) -> list[tuple[int, int, float]]:
    """Pieces of one ruling joined: same position (within tol/2), at most `tol` apart along it.
    Only the joined ones are returned.

    Under a seal or a fold a ruling breaks into pieces that are each short of
    a crossing line, or it wanders by a pixel so that its pieces no longer
    touch. One of the pieces must be longer than `long` (a glyph): the
    strokes of a vertical label's stacked glyphs are also collinear and close.
    """
    out: list[list] = []                     # [start, end, position, has a long piece, pieces]
    for seg in sorted(segs, key=lambda s: (s[2], s[0])):
        is_long = seg[1] - seg[0] >= long
        target = None
        for o in reversed(out):              # positions ascend: only the last few can match
            if o[2] < seg[2] - tol:
                break
            if (o[3] or is_long) and abs(o[2] - seg[2]) <= tol / 2 \
                    and seg[0] - o[1] <= tol and o[0] - seg[1] <= tol:
                target = o
                break
        if target is None:
            out.append([seg[0], seg[1], seg[2], is_long, 1])
            continue
        la, lb = target[1] - target[0], seg[1] - seg[0]
        target[2] = (target[2] * la + seg[2] * lb) / max(1, la + lb)
        target[0], target[1] = min(target[0], seg[0]), max(target[1], seg[1])
        target[3] = True
        target[4] += 1
    return [(a, b, p) for a, b, p, _, n in out if n > 1]


def _has_line(mask: np.ndarray, at: int, start: int, end: int, vertical: bool, s: GridSettings) -> bool:
    """Whether a ruling runs along `at` over most of [start, end] (the middle, away from the crossings)."""
    span = end - start
    lo, hi = start + span // 5, end - span // 5
    if hi <= lo:
        return True
    band = s.wall_band_px
    if vertical:
        covered = mask[lo:hi, max(0, at - band):at + band + 1].any(axis=1)
    else:
        covered = mask[max(0, at - band):at + band + 1, lo:hi].any(axis=0)
    return covered.mean() >= s.wall_min_cover


def _text_runs_through(ink: np.ndarray, x: int, start: int, end: int, dpi: float, s: GridSettings) -> bool:
    """Whether ink lies just left and just right of the column line at `x` on the same pixel rows,
    over much of the slot's middle: a glyph the line would cut, since text keeps clear of rulings."""
    span = end - start
    lo, hi = start + span // 5, end - span // 5
    near, far = s.wall_band_px + 1, max(s.wall_band_px + 2, int(round(dpi * s.text_clearance_in)))
    if hi <= lo or x - far < 0 or x + far >= ink.shape[1]:
        return False
    left = ink[lo:hi, x - far:x - near + 1].any(axis=1)
    right = ink[lo:hi, x + near:x + far + 1].any(axis=1)
    return (left & right).mean() >= s.text_through_share


def merge_slots(n_rows: int, n_cols: int, walls_v, walls_h) -> list[tuple[int, int, int, int]]:
    """Slots not separated by a line are one cell: union-find, then each group's bounding rectangle."""
    parent = list(range(n_rows * n_cols))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a, b):
        parent[find(a)] = find(b)

    for r in range(n_rows):
        for c in range(n_cols - 1):
            if not walls_v[r][c]:
                union(r * n_cols + c, r * n_cols + c + 1)
    for r in range(n_rows - 1):
        for c in range(n_cols):
            if not walls_h[r][c]:
                union(r * n_cols + c, (r + 1) * n_cols + c)
    groups: dict[int, list[int]] = {}
    for slot in range(n_rows * n_cols):
        groups.setdefault(find(slot), []).append(slot)
    cells, taken = [], set()
    for slots in sorted(groups.values(), key=min):
        rows = [x // n_cols for x in slots]
        cols = [x % n_cols for x in slots]
        r0, c0 = min(rows), min(cols)
        rs, cs = max(rows) - r0 + 1, max(cols) - c0 + 1
        if (r0, c0) in taken:
            continue                     # a non-rectangular merge already covered by its neighbour
        cells.append((r0, c0, rs, cs))
        taken.update((r, c) for r in range(r0, r0 + rs) for c in range(c0, c0 + cs))
    return cells


def rulings(grids: list[Grid], hmask: np.ndarray, vmask: np.ndarray, dpi: float,
            s: GridSettings = DEFAULT.grid) -> np.ndarray:
    """The line-mask pixels on the grids' boundaries: only these are removed before reading text.

    The raw masks also hold long glyph strokes (the 丨 of 未), which must stay ink.
    """
    out = np.zeros_like(hmask)
    band = max(s.min_rulings_band_px, int(dpi * s.rulings_band_in))
    for grid in grids:
        x0, y0, x1, y1 = grid.bbox
        top, bottom = max(0, y0 - band), y1 + band + 1
        left, right = max(0, x0 - band), x1 + band + 1
        for x in grid.xs:
            sl = (slice(top, bottom), slice(max(0, x - band), x + band + 1))
            out[sl] |= vmask[sl]
        for y in grid.ys:
            sl = (slice(max(0, y - band), y + band + 1), slice(left, right))
            out[sl] |= hmask[sl]
    return out


def cell_interior(grid: Grid, r: int, c: int, rs: int, cs: int, dpi: float,
                  s: GridSettings = DEFAULT.grid) -> tuple[int, int, int, int]:
    m = max(s.min_interior_margin_px, int(dpi * s.interior_margin_in))
    return grid.xs[c] + m, grid.ys[r] + m, grid.xs[c + cs] - m, grid.ys[r + rs] - m
