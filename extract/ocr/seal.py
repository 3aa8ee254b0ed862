"""Seals (stamps) over the print: taken out before the page is read.

In colour, a seal is found by its colour; stamp ink multiplies with the print
under it, so near red ink the page is read through its red channel, where
the seal's strokes are nearly as light as paper and black print stays dark.
"""
from __future__ import annotations

import numpy as np

from .engine import cv2
from .settings import DEFAULT, SealSettings


def split_red(rgb: np.ndarray, s: SealSettings = DEFAULT.seal) -> tuple[np.ndarray, np.ndarray | None]:
    """(grayscale page with red ink turned white, mask of dark print under red ink or None).

    JPEG keeps luma sharp but averages colour over 2×2 blocks, which leaves
    the seal's stroke edges neutral mid-gray; those are whitened too.

    The same smear tints a thin black ruling under a seal stroke red, and the
    whitening breaks it. The mask is a more permissive reading of the print
    under red ink (dark in red and luma together, darker than its
    surroundings in red): too loose for text, where a seal stroke could become
    a glyph, but right for ruling lines, which must also be long and straight.
    """
    cv = cv2()
    gray = cv.cvtColor(rgb, cv.COLOR_RGB2GRAY)
    r, g = rgb[:, :, 0], rgb[:, :, 1]
    if int((r.astype(np.int16) - g).max()) < s.red_gap:    # no red at all (a gray page): skip the HSV pass
        return gray, None
    hsv = cv.cvtColor(rgb, cv.COLOR_RGB2HSV)
    hue, sat, val = hsv[:, :, 0], hsv[:, :, 1], hsv[:, :, 2]
    red = (((hue <= s.hue_low) | (hue >= s.hue_high)) & (sat >= s.min_saturation)
           & (val >= s.min_value)).astype(np.uint8)
    if not red.any():
        return gray, None
    near_red = cv.dilate(red, np.ones((s.near_px, s.near_px), np.uint8)) > 0
    through_red = np.where((r >= s.red_ink_min_red) | (gray >= s.black_under_red_max), 255, r).astype(np.uint8)
    r16 = r.astype(np.int16)
    local = cv.blur(r, (s.local_window_px, s.local_window_px)).astype(np.int16)
    under = near_red & (r16 + gray < s.print_under_red_max) & (r16 < local - s.local_drop)
    gray[near_red] = through_red[near_red]
    return gray, under


def remove_red(rgb: np.ndarray) -> np.ndarray:
    """Grayscale page with red ink (seals, red-ink headers) turned white."""
    return split_red(rgb)[0]
