"""Pages scanned sideways or upside down.

Sideways is told by geometry: text lines make the ink's row profile sharper
than its column profile (rulings taken out first), whatever the script;
a page turned by 90° has it the other way round. Which way round (90° or
270°, 0° or 180°) is told by the recogniser: a few long text lines are read
both ways and the way it reads more surely wins. page.read_page asks about
180° only when the page as read was mostly unsure, so an upright page costs
a profile and nothing more.
"""
from __future__ import annotations

import numpy as np

from .clean import level_profile
from .engine import cv2, recognizer
from .lines import char_height, crop, text_lines
from .settings import DEFAULT, Settings


def sideways(binary: np.ndarray, dpi: float, settings: Settings = DEFAULT) -> bool:
    """Whether the page's text runs up or down rather than across (rows less sharp than columns)."""
    ink = _without_rulings(binary, dpi, settings)
    across = level_profile(ink, dpi, settings.clean)[1]
    upright = level_profile(np.ascontiguousarray(ink.T), dpi, settings.clean)[1]
    return upright > across * settings.orient.sideways_ratio


def best_turn(gray: np.ndarray, binary: np.ndarray, dpi: float, turns: tuple[int, ...], margin: float,
              settings: Settings = DEFAULT) -> int:
    """Of the quarter turns `turns` (np.rot90's k), the one whose lines the recogniser reads most surely,
    if it reads them surely enough and by `margin` better than the page as it is; else 0.

    Turned by 90°, Chinese glyphs still read fairly surely one by one, so a sideways page (told by its
    profiles) needs no margin; upside down they read poorly, and a margin keeps a poor page as it is.
    """
    s = settings.orient
    cv = cv2()
    if dpi > s.work_dpi:
        f = s.work_dpi / dpi
        gray = cv.resize(gray, None, fx=f, fy=f, interpolation=cv.INTER_AREA)
        binary = np.where(cv.resize(binary, None, fx=f, fy=f, interpolation=cv.INTER_AREA) >= 96, 255, 0
                          ).astype(np.uint8)
        dpi = s.work_dpi
    scores = {k: reading_score(np.ascontiguousarray(np.rot90(gray, k)), np.ascontiguousarray(np.rot90(binary, k)),
                               dpi, settings) for k in turns}
    best = max(scores, key=scores.get)
    if scores[best] < s.min_score:
        return 0
    if scores[best] <= reading_score(gray, binary, dpi, settings) + margin:
        return 0
    return best


def reading_score(gray: np.ndarray, binary: np.ndarray, dpi: float, settings: Settings = DEFAULT) -> float:
    """The median confidence of the recogniser over a few of the page's longest text lines (0: none found)."""
    s = settings.orient
    ink = _without_rulings(binary, dpi, settings)
    h, w = ink.shape
    char_h = char_height(ink, [(0, 0, w, h)], dpi, settings.lines)
    lines = [b for b in text_lines(ink, (0, 0, w, h), char_h, split_gap=settings.lines.text_split_gap,
                                   s=settings.lines)
             if b[2] - b[0] >= s.min_line_chars * char_h and b[3] - b[1] <= s.max_line_height * char_h]
    if not lines:
        return 0.0
    lines = sorted(lines, key=lambda b: b[0] - b[2])[:s.lines]
    crops = [crop(gray, (x0, y0, min(x1, x0 + int(s.max_line_chars * char_h)), y1), char_h, settings.lines)
             for x0, y0, x1, y1 in lines]
    scores = [float(np.mean([p for c, p, _ in chars if c.strip()])) if any(c.strip() for c, _, _ in chars)
              else 0.0 for chars in recognizer()(crops)]
    return float(np.median(scores))


def _without_rulings(binary: np.ndarray, dpi: float, settings: Settings) -> np.ndarray:
    cv = cv2()
    k = max(3, int(dpi * settings.orient.ruling_in))
    rulings = (cv.morphologyEx(binary, cv.MORPH_OPEN, np.ones((1, k), np.uint8))
               | cv.morphologyEx(binary, cv.MORPH_OPEN, np.ones((k, 1), np.uint8)))
    return binary & ~cv.dilate(rulings, np.ones((3, 3), np.uint8))
