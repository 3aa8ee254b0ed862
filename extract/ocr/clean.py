"""Page image → level, evenly lit grayscale and its ink masks.

Scanners light a page unevenly (a dark gradient towards the spine or a lid
left open), blur it, tilt it and JPEG-compress it. Dividing by the paper's
own brightness, estimated on a small copy of the page, makes the paper white
everywhere, so that one threshold holds across the page; the skew is found
from the ink's horizontal projection (text lines and rulings alike).
"""
from __future__ import annotations

import math

import numpy as np

from .engine import cv2
from .settings import DEFAULT, CleanSettings


def flatten(gray: np.ndarray, dpi: float, s: CleanSettings = DEFAULT.clean) -> np.ndarray:
    """`gray` divided by its paper brightness: paper → 255 everywhere, print keeps its contrast.

    The paper is the brightest value in a window wider than any stroke
    (a max filter on a page `background_scale` times smaller), smoothed.
    """
    cv = cv2()
    h, w = gray.shape
    small = cv.resize(gray, (max(1, w // s.background_scale), max(1, h // s.background_scale)),
                      interpolation=cv.INTER_AREA)
    k = max(3, int(s.background_window_in * dpi / s.background_scale) | 1)
    paper = cv.dilate(small, np.ones((k, k), np.uint8))
    paper = cv.blur(paper, (k, k))
    paper = cv.resize(paper, (w, h), interpolation=cv.INTER_LINEAR)
    if int(paper.min()) >= 250:
        return gray                                   # evenly lit already (and clean renders stay byte-exact)
    flat = gray.astype(np.float32) * (255.0 / np.maximum(paper, 1).astype(np.float32))
    return np.clip(flat, 0, 255).astype(np.uint8)


def bilevel(gray: np.ndarray, s: CleanSettings = DEFAULT.clean) -> bool:
    """Whether the scan is 1 bit (however JPEG-blurred since): hardly any mid-gray beside its dark pixels.
    A gray scan's anti-aliased edges alone give about as many mid-gray pixels as dark ones."""
    cv = cv2()
    hist = cv.calcHist([gray], [0], None, [256], [0, 256]).ravel()
    dark, mid = hist[:s.dark_below].sum(), hist[s.dark_below:256 - s.dark_below].sum()
    return dark > 0 and mid <= s.bilevel_mid_share * dark


def binarize(gray: np.ndarray, s: CleanSettings = DEFAULT.clean) -> np.ndarray:
    """Ink = 255. Otsu's threshold, kept within [otsu_min, otsu_max]: a 1-bit scan gives Otsu 0
    (nothing would be ink), a nearly blank page would turn its paper grain into ink."""
    return _below(gray, _otsu(gray, s))


def ruling_ink(gray: np.ndarray, s: CleanSettings = DEFAULT.clean) -> np.ndarray:
    """Ink for finding rulings: Otsu's threshold, but no lighter than `rule_ink_max`.

    On a blurred page Otsu's threshold rises towards the paper, and the halo
    of glyphs and of a gray seal's strokes joins into line-like runs; a fixed
    ceiling keeps the rulings (dark in their core) and drops the halo.
    """
    return _below(gray, min(_otsu(gray, s), s.rule_ink_max))


def _below(gray: np.ndarray, t: float) -> np.ndarray:
    """255 where gray < t, else 0 (OpenCV's threshold: a numpy `where` costs an int64 page)."""
    return cv2().threshold(gray, math.ceil(t) - 1, 255, cv2().THRESH_BINARY_INV)[1]


def _otsu(gray: np.ndarray, s: CleanSettings) -> float:
    cv = cv2()
    t, _ = cv.threshold(gray, 0, 255, cv.THRESH_BINARY + cv.THRESH_OTSU)
    return min(max(t, s.otsu_min), s.otsu_max)


def skew_angle(binary: np.ndarray, dpi: float, s: CleanSettings = DEFAULT.clean) -> float:
    """The page's tilt in degrees (image y down: positive = lines fall to the right), or 0.

    The angle at which the ink's row profile is sharpest (largest sum of
    squares): text lines and rulings both make sharp peaks when level.
    """
    best = level_profile(binary, dpi, s)[0]
    if abs(best) < s.min_skew_deg or abs(best) >= s.max_skew_deg:
        return 0.0
    return best


def level_profile(binary: np.ndarray, dpi: float, s: CleanSettings = DEFAULT.clean) -> tuple[float, float]:
    """(the angle within ±max_skew_deg at which the ink's row profile is sharpest, that sharpness:
    the sum of squares of the row counts over the squared ink count; 0 for a page without ink)."""
    cv = cv2()
    scale = min(1.0, s.skew_work_dpi / dpi)
    small = cv.resize(binary, None, fx=scale, fy=scale, interpolation=cv.INTER_AREA) if scale < 1 else binary
    ys, xs = np.nonzero(small > 64)
    if len(ys) < 50:
        return 0.0, 0.0
    xs = xs.astype(np.float64) - small.shape[1] / 2
    ys = ys.astype(np.float64)

    def sharpness(angle: float) -> float:
        rows = np.round(ys - xs * math.tan(math.radians(angle))).astype(np.int64)
        counts = np.bincount(rows - rows.min())
        return float(np.dot(counts, counts))

    coarse = np.arange(-s.max_skew_deg, s.max_skew_deg + 1e-9, s.skew_coarse_step)
    best = float(coarse[int(np.argmax([sharpness(a) for a in coarse]))])
    fine = np.arange(best - s.skew_coarse_step, best + s.skew_coarse_step + 1e-9, s.skew_fine_step)
    best = float(fine[int(np.argmax([sharpness(a) for a in fine]))])
    return best, sharpness(best) / float(len(ys)) ** 2


def deskew(gray: np.ndarray, dpi: float, s: CleanSettings = DEFAULT.clean) -> tuple[np.ndarray, float]:
    """The page rotated level, and the angle it was turned by (0: left as it was)."""
    angle = skew_angle(binarize(gray, s), dpi, s)
    if not angle:
        return gray, 0.0
    return rotate(gray, angle, 255), angle


def rotate(image: np.ndarray, angle: float, border: int) -> np.ndarray:
    """`image` rotated by `angle` degrees about its centre, same size, `border` outside."""
    cv = cv2()
    h, w = image.shape[:2]
    matrix = cv.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv.warpAffine(image, matrix, (w, h), flags=cv.INTER_LINEAR,
                         borderMode=cv.BORDER_CONSTANT, borderValue=border)


def rotate_point(x: float, y: float, angle: float, shape: tuple) -> tuple[float, float]:
    """Where (x, y) lands when the image of `shape` is turned by `rotate(…, angle, …)`."""
    cv = cv2()
    h, w = shape[:2]
    matrix = cv.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    nx, ny = matrix @ np.array([x, y, 1.0])
    return float(nx), float(ny)
