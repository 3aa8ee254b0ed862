"""Text lines cut by projection: bands of ink rows, then runs of ink columns."""
from __future__ import annotations

import math

import numpy as np

from .engine import cv2
from .settings import DEFAULT, LineSettings


def text_ink(binary: np.ndarray, rulings: np.ndarray, s: LineSettings = DEFAULT.lines) -> np.ndarray:
    """Ink that is not a ruling line, without isolated specks (scan noise)."""
    cv = cv2()
    ink = binary & ~cv.dilate(rulings, np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv.connectedComponentsWithStats(ink, connectivity=8)
    small = np.nonzero(stats[:, cv.CC_STAT_AREA] < s.speck_area_px)[0]
    if len(small) > 1:
        ink[np.isin(labels, small[small > 0])] = 0
    return ink


def char_height(ink: np.ndarray, regions: list[tuple[int, int, int, int]], dpi: float,
                s: LineSettings = DEFAULT.lines) -> float:
    """Typical text-line height: the median height of ink bands that are multi-glyph lines.

    Only bands at least `band_width_ratio` times as wide as high count: a
    single glyph (三, a dash) or a fragment of one says nothing about the
    line height. Falls back to `fallback_pt` at this dpi.
    """
    fallback = dpi * s.fallback_pt / 72
    heights = []
    for x0, y0, x1, y1 in regions:
        region = ink[y0:y1, x0:x1]
        for a, b in runs(region.any(axis=1)):
            cols = np.nonzero(region[a:b].any(axis=0))[0]
            if b - a >= dpi * s.min_band_in and cols[-1] - cols[0] >= s.band_width_ratio * (b - a):
                heights.append(b - a)
    if len(heights) < 3:
        return fallback
    return float(np.clip(np.median(heights), fallback * 0.5, fallback * 3))


def runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    padded = np.concatenate([[False], flags, [False]]).astype(np.int8)
    diff = np.diff(padded)
    return list(zip(np.nonzero(diff == 1)[0], np.nonzero(diff == -1)[0]))


def text_lines(ink: np.ndarray, box, char_h: float, split_gap: float | None = None,
               s: LineSettings = DEFAULT.lines) -> list[tuple]:
    """Boxes of the text lines inside `box`, top to bottom.

    Rows with ink form bands; neighbouring bands are one line while together
    they stay within a line's height (三 and 二 are several bands). The gap
    between lines is about a third of a line, so the margin must stay small. With
    `split_gap`, a line is also cut where its ink pauses for more than that
    many glyph heights (a date on the right of a signature line).
    """
    x0, y0, x1, y1 = box
    if x1 - x0 < 2 or y1 - y0 < 2:
        return []
    region = ink[y0:y1, x0:x1]
    bands: list[list[int]] = []
    for a, b in runs(region.any(axis=1)):
        if bands and b - bands[-1][0] <= char_h * s.line_join:
            bands[-1][1] = b
        else:
            bands.append([a, b])
    out = []
    for top, bottom in bands:
        pieces_runs = runs(region[top:bottom].any(axis=0))
        if not pieces_runs:
            continue
        pieces = [[pieces_runs[0][0], pieces_runs[0][1]]]
        for a, b in pieces_runs[1:]:
            if split_gap is not None and a - pieces[-1][1] > split_gap * char_h:
                pieces.append([a, b])
            else:
                pieces[-1][1] = b
        for a, b in pieces:
            if (b - a) * (bottom - top) < s.min_box_area_px:
                continue                 # a speck, not a character
            out.append((x0 + a, y0 + top, x0 + b, y0 + bottom))
    return out


def crop(gray: np.ndarray, box, char_h: float, s: LineSettings = DEFAULT.lines) -> np.ndarray:
    """The line with a white margin, at least a glyph high (a lone dash is 2 px of ink).

    A third of a glyph of white on the left and right: enough for the
    recogniser to see where the line starts; side by side in a strip two
    crops are then two thirds of a glyph apart.
    """
    x0, y0, x1, y1 = box
    height = max(y1 - y0, char_h)
    pad_y, pad_x = int(round(height * s.pad_y)), int(round(height * s.pad_x))
    top = int((y0 + y1) / 2 - height / 2)
    canvas = np.full((int(math.ceil(height)) + 2 * pad_y + 1, x1 - x0 + 2 * pad_x), 255, dtype=np.uint8)
    # only the ink box itself is copied, so no ruling line or neighbour leaks into the margin
    canvas[y0 - top + pad_y:y1 - top + pad_y, pad_x:pad_x + x1 - x0] = gray[y0:y1, x0:x1]
    return np.repeat(canvas[:, :, None], 3, axis=2)
