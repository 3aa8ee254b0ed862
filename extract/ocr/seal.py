"""Seals (stamps) over the print: taken out before the page is read.

In colour, a seal is found by its colour; stamp ink multiplies with the print
under it, so near red ink the page is read through its red channel, where
the seal's strokes are nearly as light as paper and black print stays dark.
In a gray scan a seal is found by its shape, a closed ring, and told from the
print by its level: stamp ink turns mid-gray, print under it stays black. A
seal as black as the print (a 1-bit scan) is left alone: its strokes are
not rulings (they end on none) and a digit under them reads with low
confidence or not at all.
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


def whiten_gray_seals(gray: np.ndarray, dpi: float,
                      s: SealSettings = DEFAULT.seal) -> tuple[np.ndarray, list[tuple[float, float, float]]]:
    """(`gray` with the mid-gray ink of each ring-shaped seal turned white, print under it kept;
    the discs (x, y, radius) of every seal found, whitened or not)."""
    out = gray
    discs = []
    for x, y, r, level in gray_seals(gray, dpi, s):
        discs.append((x, y, r * s.disc_margin))
        if not s.ring_ink_range[0] <= level < s.ring_ink_range[1]:
            continue
        if out is gray:
            out = gray.copy()
        disc = r * s.disc_margin
        y0, y1 = max(0, int(y - disc)), min(gray.shape[0], int(y + disc) + 1)
        x0, x1 = max(0, int(x - disc)), min(gray.shape[1], int(x + disc) + 1)
        yy, xx = np.ogrid[y0:y1, x0:x1]
        inside = (yy - y) ** 2 + (xx - x) ** 2 <= disc ** 2
        window = out[y0:y1, x0:x1]
        window[inside & (window > level * s.print_share)] = 255
    return out, discs


def gray_seals(gray: np.ndarray, dpi: float, s: SealSettings = DEFAULT.seal) -> list[tuple[float, float, float, float]]:
    """(x, y, radius, ink level) of each closed ring of seal size on the page.

    Circles come from OpenCV's Hough transform on a coarse copy of the page;
    a circle is a seal when ink lies along nearly all of it (a table's lines
    cross a circle drawn over them only here and there). The ink level is the
    median darkest value across the ring.
    """
    cv = cv2()
    f = max(1.0, dpi / s.ring_work_dpi)
    small = cv.resize(gray, None, fx=1 / f, fy=1 / f, interpolation=cv.INTER_AREA)
    small = cv.GaussianBlur(small, (5, 5), 1.5)
    circles = cv.HoughCircles(small, cv.HOUGH_GRADIENT, dp=1, minDist=s.ring_min_radius_in * s.ring_work_dpi,
                              param1=s.ring_edge, param2=s.ring_votes,
                              minRadius=int(s.ring_min_radius_in * dpi / f),
                              maxRadius=int(s.ring_max_radius_in * dpi / f))
    if circles is None:
        return []
    found = []
    band = max(2, int(s.ring_band_in * dpi))
    reach = int(s.ring_radius_search_in * dpi)
    for cx, cy, cr in circles[0] * f:
        # the coarse circle's radius and centre are off by a few pixels: the ring is looked for around it
        best = max((_ring_closure(gray, cx, cy, r, band, s) for r in range(int(cr) - reach, int(cr) + reach + 1, band)),
                   key=lambda found_at: found_at[0])
        closed, r, level = best
        if closed >= s.ring_min_closed:
            found.append((float(cx), float(cy), float(r + band), level))
    return found


def _ring_closure(gray: np.ndarray, cx: float, cy: float, r: int, band: int,
                  s: SealSettings) -> tuple[float, int, float]:
    """(share of the circle's in-page length that is inked, radius, median ink level along it).

    A seal stamped at the page's edge is partly off the page: only the part on the page counts.
    """
    h, w = gray.shape
    angles = np.linspace(0, 2 * np.pi, s.ring_samples, endpoint=False)
    on_page = ((cx + r * np.cos(angles) >= 0) & (cx + r * np.cos(angles) < w)
               & (cy + r * np.sin(angles) >= 0) & (cy + r * np.sin(angles) < h))
    if on_page.mean() < s.ring_min_on_page or r <= band:
        return 0.0, r, 255.0
    radii = np.arange(r - band, r + band + 1)
    ys = np.clip(np.round(cy + np.outer(np.sin(angles[on_page]), radii)).astype(int), 0, h - 1)
    xs = np.clip(np.round(cx + np.outer(np.cos(angles[on_page]), radii)).astype(int), 0, w - 1)
    darkest = gray[ys, xs].min(axis=1)
    return float((darkest < s.ring_ink_range[1]).mean()), r, float(np.median(darkest))


def remove_red(rgb: np.ndarray) -> np.ndarray:
    """Grayscale page with red ink (seals, red-ink headers) turned white."""
    return split_red(rgb)[0]
