"""Scanned pages → blocks of the document model, fully offline.

Whole-page OCR (detect every text box, then recognise it) costs about 8.5 s
per 200 dpi table page. Ruled tables make most of that work unnecessary: the
ruling lines give the cells directly, and the text inside a cell is found by
a projection profile. So a page goes through these steps:

1. remove red ink (a seal stamped over a table must not become digits);
2. deskew from the long horizontal rulings;
3. find each table's grid from the ruling lines (OpenCV morphology): line
   positions give the row and column boundaries, a missing line segment
   between two slots merges them (rowspan / colspan);
4. cut every cell into text lines by projection and recognise the crops in
   batches with RapidOCR's recogniser alone (no detection model at all);
5. the text outside the grids is cut into lines the same way, recognised,
   and grouped into paragraphs.

Every cell carries origin="ocr" and the minimum of its characters'
confidences, so one doubtful digit makes the whole cell doubtful.
Nothing here knows the report template: only pages, lines and cells.

RapidOCR, onnxruntime and OpenCV are the optional `ocr` extra; the models
ship inside the rapidocr wheel, so nothing is downloaded at run time.
"""
from __future__ import annotations

import logging
import math
import multiprocessing
import os
import re
from dataclasses import dataclass

import numpy as np

from .geometry import cluster_means
from .model import Block, Cell, ExtractError, Paragraph, Table

log = logging.getLogger(__name__)

RENDER_DPI = 200
MISSING_EXTRA = "scanned pages need OCR: pip install 'ogi[ocr]'"

REC_HEIGHT = 48            # the recogniser's input height (PP-OCR rec models)
REC_MIN_WIDTH = 64         # cost grows with width: no 320 px padding as in PaddleOCR
REC_MAX_RATIO = 80         # wider crops are squeezed: a line of text is never this long
CROP_PAD_X = 0.3           # white margin left and right of a line, in line heights (cost grows with width)
REC_BATCH_COLUMNS = 2400   # columns per batch: big enough to amortise a call, small enough for cache
RED_INK_MIN_RED = 170      # red channel of stamp ink is above this; black print under it is far below
BLACK_UNDER_RED_MAX = 110  # near red ink, lighter pixels are the seal's JPEG-grayed edges
PRINT_UNDER_RED_MAX = 200  # red + luma of print under red ink (rulings only): seal ink is above
WALL_MIN_COVER = 0.3       # a ruling under a seal or a fold is often half gone; text never covers 30%
MAX_SKEW_DEG = 5.0         # larger angles are not scanner skew; leave the page alone
MIN_SKEW_DEG = 0.05


# --------------------------------------------------------------- the engine

_RECOGNIZER = None


def _threads() -> int:
    """onnxruntime intra-op threads for this process.

    OGI_OCR_THREADS wins; otherwise a pool worker (a process with a parent
    process) takes 1 so that N workers do not run N×cores threads, and a
    lone process takes 2.
    """
    env = os.environ.get("OGI_OCR_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    if multiprocessing.parent_process() is not None:
        return 1
    return max(1, min(2, os.cpu_count() or 1))


class _Recognizer:
    """RapidOCR's text recogniser, fed our own batches of line crops.

    We call the ONNX session directly to read the per-character
    probabilities: RapidOCR reports their mean, and a mean hides the one
    misread digit the audit needs to see.
    """

    def __init__(self, rapid):
        rec = rapid._load_rec_model()     # loads the recognition model only, never detection
        self._session = rec.session
        self._chars = rec.postprocess_op.character

    def __call__(self, crops: list[np.ndarray]) -> list[list[tuple[str, float, float]]]:
        """The characters of each crop, with their probability and x position."""
        import cv2
        out: list = [[] for _ in crops]
        resized = []
        for crop in crops:
            h, w = crop.shape[:2]
            width = max(8, min(REC_HEIGHT * REC_MAX_RATIO, int(math.ceil(REC_HEIGHT * w / max(h, 1)))))
            resized.append(cv2.resize(crop, (width, REC_HEIGHT), interpolation=cv2.INTER_AREA
                                      if h > REC_HEIGHT else cv2.INTER_CUBIC))
        order = sorted(range(len(crops)), key=lambda i: resized[i].shape[1])
        start = 0
        while start < len(order):
            # similar widths together, so little of each batch is padding
            width = resized[order[start]].shape[1]
            end = start + 1
            while end < len(order) and max(REC_MIN_WIDTH, resized[order[end]].shape[1]) * (end - start + 1) <= REC_BATCH_COLUMNS:
                end += 1
            batch_ids = order[start:end]
            width = max(resized[i].shape[1] for i in batch_ids)
            # padded with 0 (mid-gray after normalising) like PaddleOCR: white padding
            # turns a lone "／" into "一"
            batch = np.zeros((len(batch_ids), 3, REC_HEIGHT, max(width, REC_MIN_WIDTH)), dtype=np.float32)
            for k, i in enumerate(batch_ids):
                img = resized[i].astype(np.float32).transpose(2, 0, 1) / 127.5 - 1.0
                batch[k, :, :, : img.shape[2]] = img
            preds = self._session(batch)
            for k, i in enumerate(batch_ids):
                # frame t covers x ≈ (t + 0.5) · step of the resized crop; back to crop pixels
                step = batch.shape[3] / preds.shape[1] * crops[i].shape[1] / resized[i].shape[1]
                out[i] = self._decode(preds[k], step)
            start = end
        return out

    def _decode(self, pred: np.ndarray, step: float) -> list[tuple[str, float, float]]:
        """CTC greedy decoding: (character, probability, x in the crop) for each character."""
        idx = pred.argmax(axis=1)
        prob = pred.max(axis=1)
        keep = np.ones(len(idx), dtype=bool)
        keep[1:] = idx[1:] != idx[:-1]
        keep &= idx != 0
        return [(self._chars[i], float(prob[t]), (t + 0.5) * step) for t, i in zip(np.nonzero(keep)[0], idx[keep])]


def _recognizer() -> _Recognizer:
    """One recogniser per process, loaded on first use (1–1.5 s)."""
    global _RECOGNIZER
    if _RECOGNIZER is None:
        try:
            from rapidocr import RapidOCR
            import cv2  # noqa: F401
            import onnxruntime  # noqa: F401
        except ImportError:
            raise ExtractError(MISSING_EXTRA) from None
        threads = _threads()
        rapid = RapidOCR(params={
            "Global.log_level": "warning",
            "Global.use_det": False, "Global.use_cls": False,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        })
        _RECOGNIZER = _Recognizer(rapid)
        log.debug("OCR recogniser loaded (%d onnxruntime threads)", threads)
    return _RECOGNIZER


def _cv2():
    try:
        import cv2
    except ImportError:
        raise ExtractError(MISSING_EXTRA) from None
    return cv2


# --------------------------------------------------------------- public API

def ocr_pdf_pages(data: bytes, pages: list[int], dpi: int = RENDER_DPI) -> list[Block]:
    """OCR the given 1-based pages of a PDF (rendered at `dpi`) into blocks in reading order."""
    if not pages:
        return []
    _cv2()
    _recognizer()
    import pypdfium2 as pdfium
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise ExtractError(f"cannot render PDF for OCR: {exc}") from None
    per_page: list[list[Block]] = []
    try:
        for number in sorted(set(pages)):
            if not 1 <= number <= len(pdf):
                continue
            bitmap = pdf[number - 1].render(scale=dpi / 72, rev_byteorder=True)
            rgb = np.ascontiguousarray(bitmap.to_numpy()[:, :, :3])
            bitmap.close()
            per_page.append(_read_page(rgb, number, dpi))
    finally:
        pdf.close()
    blocks = stitch_pages(per_page)
    number_tables(blocks)
    return blocks


def ocr_image(image, page: int | None = 1, dpi: float | None = None) -> list[Block]:
    """OCR one page image (PIL image or numpy array, gray or RGB) into blocks.

    `dpi` turns pixels into points for the bboxes; a PIL image's own dpi
    tag is used when not given, else RENDER_DPI.
    """
    _cv2()
    _recognizer()
    if dpi is None:
        dpi = _image_dpi(image)
    rgb = _as_rgb(image)
    return _read_page(rgb, page, dpi)


def _image_dpi(image) -> float:
    info = getattr(image, "info", None) or {}
    dpi = info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError):
        value = 0.0
    return value if 50 <= value <= 1200 else RENDER_DPI


def _as_rgb(image) -> np.ndarray:
    if not isinstance(image, np.ndarray):
        image = np.asarray(image.convert("RGB") if image.mode not in ("RGB", "L") else image)
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    return np.ascontiguousarray(image[:, :, :3])


# --------------------------------------------------------------- one page

@dataclass
class _Grid:
    xs: list[int]                   # column boundaries (pixels)
    ys: list[int]                   # row boundaries
    cells: list[tuple[int, int, int, int]]   # row, col, rowspan, colspan

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]


@dataclass
class _Line:
    """One line of text to recognise: its crop box and where it belongs."""
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in the page image
    owner: tuple                    # ("cell", grid index, cell index) or ("text",)


def _read_page(rgb: np.ndarray, page: int | None, dpi: float) -> list[Block]:
    gray, under_red = _split_red(rgb)
    gray, angle = _deskew(gray, dpi)
    if angle:
        log.debug("page %s deskewed by %.2f°", page, angle)
    binary = _binarize(gray)
    if under_red is not None:
        # rulings are looked for in the print under red ink too; text is read without it
        under = under_red.astype(np.uint8) * 255
        if angle:
            under = np.where(_rotate(under, angle, 0) >= 128, 255, 0).astype(np.uint8)
        hmask, vmask = _line_masks(binary | under, dpi)
    else:
        hmask, vmask = _line_masks(binary, dpi)
    grids = _find_grids(hmask, vmask, dpi)
    ink = _text_ink(binary, _rulings(grids, hmask, vmask, dpi))
    outside = ink.copy()
    for grid in grids:
        x0, y0, x1, y1 = grid.bbox
        outside[max(0, y0 - 3):y1 + 4, max(0, x0 - 3):x1 + 4] = 0
    h, w = ink.shape
    boxes = [(g, k, _cell_interior(grid, *cell, dpi)) for g, grid in enumerate(grids)
             for k, cell in enumerate(grid.cells)]
    char_h = _char_height(ink, [b for _, _, b in boxes], dpi) if boxes else _char_height(outside, [(0, 0, w, h)], dpi)

    lines: list[_Line] = []
    for g, k, box in boxes:
        lines += [_Line(b, ("cell", g, k)) for b in _text_lines(ink, box, char_h)]
    lines += [_Line(b, ("text",)) for b in _text_lines(outside, (0, 0, w, h), char_h, split_gap=3.0)]

    results = _recognize(gray, ink, lines, char_h)
    return _assemble(grids, lines, results, page, dpi, char_h)


def _recognize(gray: np.ndarray, ink: np.ndarray, lines: list[_Line], char_h: float) -> list[tuple[str, float]]:
    """(text, confidence) for each line box.

    A line recogniser misreads glyphs seen alone ("4" as "Δ", 未 as 禾), so
    short lines are read in strips, as a page would be: the short cell
    lines side by side in one table row (numbers), and the one-glyph lines
    of a vertical label (尚/未/审/结) are pasted into one strip, read as one line, and each
    character goes back to the crop under its position. A line that is one
    thin straight stroke ("—", "／") is read by its geometry instead: alone
    or among others, the recogniser takes a thin slash for a space or "1".
    Confidence = the least sure character of the crop.
    """
    results: list[tuple[str, float] | None] = [_stroke(ink[l.box[1]:l.box[3], l.box[0]:l.box[2]], char_h)
                                               for l in lines]
    todo = [i for i, r in enumerate(results) if r is None]
    crops = {i: _crop(gray, lines[i].box, char_h) for i in todo}
    strips = _strips(lines, todo, crops, char_h)
    decoded = _recognizer()([_paste([crops[i] for i in strip]) for strip in strips]) if strips else []
    for strip, chars in zip(strips, decoded):
        edges = np.cumsum([0] + [crops[i].shape[1] for i in strip])
        found: list[list[tuple[str, float]]] = [[] for _ in strip]
        for char, prob, x in chars:
            k = int(np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(strip) - 1))
            found[k].append((char, prob))
        for i, chars_i in zip(strip, found):
            results[i] = ("".join(c for c, _ in chars_i).strip(),
                          min((p for c, p in chars_i if c.strip()), default=0.0))
    return results


def _strips(lines: list[_Line], todo: list[int], crops: dict, char_h: float) -> list[list[int]]:
    """Groups of line indices read together, each in reading order."""
    max_width = char_h * REC_MAX_RATIO * 0.6
    by_cell: dict[tuple, list[int]] = {}
    for i in todo:
        if lines[i].owner[0] == "cell":
            by_cell.setdefault(lines[i].owner, []).append(i)
    strips: list[list[int]] = []
    in_rows: list[int] = []
    for owner, members in by_cell.items():
        narrow = all(lines[i].box[2] - lines[i].box[0] <= char_h * 1.6 for i in members)
        if len(members) >= 2 and narrow:
            strips.append(sorted(members, key=lambda i: lines[i].box[1]))     # a vertical label
            continue
        for i in members:
            # short lines (numbers, dashes) borrow context from their row; a label has its own
            if lines[i].box[2] - lines[i].box[0] <= char_h * 3:
                in_rows.append(i)
            else:
                strips.append([i])
    in_rows.sort(key=lambda i: (lines[i].owner[1], _center_y(lines[i])))
    row: list[int] = []
    for i in in_rows:
        if row and (lines[i].owner[1] != lines[row[0]].owner[1]
                    or abs(_center_y(lines[i]) - _center_y(lines[row[0]])) > char_h * 0.5
                    or sum(crops[j].shape[1] for j in row) + crops[i].shape[1] > max_width):
            strips.append(sorted(row, key=lambda j: lines[j].box[0]))
            row = []
        row.append(i)
    if row:
        strips.append(sorted(row, key=lambda j: lines[j].box[0]))
    strips += [[i] for i in todo if lines[i].owner[0] != "cell"]
    return strips


def _paste(crops: list[np.ndarray]) -> np.ndarray:
    """Crops side by side on white, vertically centred."""
    height = max(c.shape[0] for c in crops)
    canvas = np.full((height, sum(c.shape[1] for c in crops), 3), 255, dtype=np.uint8)
    x = 0
    for c in crops:
        top = (height - c.shape[0]) // 2
        canvas[top:top + c.shape[0], x:x + c.shape[1]] = c
        x += c.shape[1]
    return canvas


def _center_y(line: _Line) -> float:
    return (line.box[1] + line.box[3]) / 2


def _stroke(ink: np.ndarray, char_h: float) -> tuple[str, float] | None:
    """A lone straight stroke: "—" when level, "/" when leaning right; None otherwise.

    The stroke is thin across its main axis (principal components of its
    pixels); a "1" is upright with a flag and a foot, so it is left to the
    recogniser.
    """
    ys, xs = np.nonzero(ink)
    if len(ys) < 4:
        return None
    pts = np.column_stack([xs, ys]).astype(float)
    pts -= pts.mean(axis=0)
    cov = np.cov(pts.T) if len(pts) > 2 else np.eye(2)
    evals, evecs = np.linalg.eigh(cov)
    minor, major = np.sqrt(np.maximum(evals, 0))
    if major * 3.4 < char_h * 0.3 or minor > max(1.2, char_h * 0.05) or major < 4 * minor:
        return None
    vx, vy = evecs[:, 1]
    angle = math.degrees(math.atan2(-vy, vx)) % 180      # image y grows downwards
    if angle < 20 or angle > 160:
        return "—", 0.99
    if 30 <= angle <= 80:
        return "/", 0.99
    return None


# --------------------------------------------------------------- image cleaning

def _remove_red(rgb: np.ndarray) -> np.ndarray:
    """Grayscale page with red ink (seals, red-ink headers) turned white."""
    return _split_red(rgb)[0]


def _split_red(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(grayscale page with red ink turned white, mask of dark print under red ink or None).

    Stamp ink multiplies with the print under it, so near red ink the page
    is read through its red channel: the seal's strokes are nearly as light
    as paper there, black print (and black under the stamp) stays dark.
    JPEG keeps luma sharp but averages colour over 2×2 blocks, which leaves
    the seal's stroke edges neutral mid-gray; those are whitened too.

    The same smear tints a thin black ruling under a seal stroke red, and the
    whitening breaks it. The mask is a more permissive reading of the print
    under red ink (dark in red and luma together, darker than its
    surroundings in red): too loose for text, where a seal stroke could become
    a glyph, but right for ruling lines, which must also be long and straight.
    """
    cv2 = _cv2()
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    r, g = rgb[:, :, 0], rgb[:, :, 1]
    if int((r.astype(np.int16) - g).max()) < 40:    # no red at all (a gray page): skip the HSV pass
        return gray, None
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hue, sat, val = hsv[:, :, 0], hsv[:, :, 1], hsv[:, :, 2]
    red = (((hue <= 12) | (hue >= 160)) & (sat >= 70) & (val >= 70)).astype(np.uint8)
    if not red.any():
        return gray, None
    near_red = cv2.dilate(red, np.ones((7, 7), np.uint8)) > 0
    through_red = np.where((r >= RED_INK_MIN_RED) | (gray >= BLACK_UNDER_RED_MAX), 255, r).astype(np.uint8)
    r16 = r.astype(np.int16)
    under = near_red & (r16 + gray < PRINT_UNDER_RED_MAX) & (r16 < cv2.blur(r, (15, 15)).astype(np.int16) - 30)
    gray[near_red] = through_red[near_red]
    return gray, under


def _binarize(gray: np.ndarray) -> np.ndarray:
    """Ink = 255. Otsu's threshold, kept within [64, 200]: a 1-bit scan gives Otsu 0
    (nothing would be ink), a nearly blank page would turn its paper grain into ink."""
    cv2 = _cv2()
    t, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    t = min(max(t, 64), 200)
    return np.where(gray < t, 255, 0).astype(np.uint8)


def _deskew(gray: np.ndarray, dpi: float) -> tuple[np.ndarray, float]:
    """Rotate the page so its long horizontal lines are level.

    The angle is the length-weighted median slope of long, thin, nearly
    horizontal components (table rulings); text lines are too short and too
    ragged to count. No such lines: the page is left as it is.
    """
    cv2 = _cv2()
    binary = _binarize(gray)
    h, w = binary.shape
    # a short kernel survives a few degrees of tilt; long components are kept afterwards
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(10, int(dpi * 0.12)), 1))
    lines = cv2.morphologyEx(binary, cv2.MORPH_OPEN, kernel)
    lines = cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (int(dpi * 0.05) + 1, 1)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    angles, weights = [], []
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        if bw < w * 0.3 or bh > bw * math.tan(math.radians(MAX_SKEW_DEG)) + dpi * 0.05:
            continue
        ys, xs = np.nonzero(labels[y:y + bh, x:x + bw] == i)
        vx, vy, _, _ = cv2.fitLine(np.column_stack([xs, ys]).astype(np.float32), cv2.DIST_L2, 0, 0.01, 0.01).ravel()
        angle = math.degrees(math.atan2(vy, vx))
        if angle > 90:
            angle -= 180
        elif angle < -90:
            angle += 180
        if abs(angle) <= MAX_SKEW_DEG:
            angles.append(angle)
            weights.append(bw)
    if not angles:
        return gray, 0.0
    order = np.argsort(angles)
    cum = np.cumsum(np.array(weights, dtype=float)[order])
    angle = float(np.array(angles)[order][np.searchsorted(cum, cum[-1] / 2)])
    if abs(angle) < MIN_SKEW_DEG:
        return gray, 0.0
    return _rotate(gray, angle, 255), angle


def _rotate(image: np.ndarray, angle: float, border: int) -> np.ndarray:
    """`image` rotated by `angle` degrees about its centre, same size, `border` outside."""
    cv2 = _cv2()
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=border)


# --------------------------------------------------------------- grids

def _line_masks(binary: np.ndarray, dpi: float) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical ruling-line masks.

    Kernels are longer than any glyph stroke (a 10.5 pt character is
    0.15 in) and shorter than the narrowest cell side. A short closing first
    bridges the pixel gaps that scanning and JPEG leave in thin lines.
    """
    cv2 = _cv2()
    hk = max(15, int(dpi * 0.25))
    vk = max(10, int(dpi * 0.1))
    hmask = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1)))
    vmask = cv2.morphologyEx(binary, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    return hmask, vmask


def _segments(mask: np.ndarray, horizontal: bool) -> list[tuple[int, int, float]]:
    """(start, end, position) of each line component: x-range and mean y for horizontal lines."""
    cv2 = _cv2()
    n, _, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if horizontal:
            out.append((int(x), int(x + w), float(centroids[i][1])))
        else:
            out.append((int(y), int(y + h), float(centroids[i][0])))
    return out


def _find_grids(hmask: np.ndarray, vmask: np.ndarray, dpi: float) -> list[_Grid]:
    """Each connected frame of ruling lines with at least 2×2 slots is a table grid."""
    cv2 = _cv2()
    frame = cv2.dilate(hmask | vmask, np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(frame, connectivity=8)
    grids = []
    min_side = dpi * 0.3
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if w < min_side or h < min_side:
            continue
        region = labels[y:y + h, x:x + w] == i
        grid = _grid_in_region(hmask[y:y + h, x:x + w] * region, vmask[y:y + h, x:x + w] * region, dpi)
        if grid is None:
            continue
        grid.xs = [v + x for v in grid.xs]
        grid.ys = [v + y for v in grid.ys]
        grids.append(grid)
    grids.sort(key=lambda g: (g.ys[0], g.xs[0]))
    return grids


def _grid_in_region(hmask: np.ndarray, vmask: np.ndarray, dpi: float) -> _Grid | None:
    tol = max(3.0, dpi * 0.03)
    hsegs, vsegs = _ruling_segments(_segments(hmask, horizontal=True), _segments(vmask, horizontal=False), tol,
                                   dpi * 0.2)
    ys = [int(round(y)) for y in cluster_means([p for _, _, p in hsegs], tol)]
    xs = [int(round(x)) for x in cluster_means([p for _, _, p in vsegs], tol)]
    if len(xs) < 2 or len(ys) < 2 or (len(xs) < 3 and len(ys) < 3):
        return None                      # a box around a paragraph, not a table
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    walls_v = [[_has_line(vmask, xs[c], ys[r], ys[r + 1], vertical=True) for c in range(1, n_cols)]
               for r in range(n_rows)]
    walls_h = [[_has_line(hmask, ys[r], xs[c], xs[c + 1], vertical=False) for c in range(n_cols)]
               for r in range(1, n_rows)]
    return _Grid(xs, ys, _merge_slots(n_rows, n_cols, walls_v, walls_h))


def _ruling_segments(hsegs, vsegs, tol, long):
    """Keep the segments that are table rulings, not thick strokes of bold text.

    A vertical ruling starts and ends on horizontal rulings (accepting one
    end only would let glyph strokes that touch a ruling split a label); a horizontal ruling is crossed or ended by a vertical one (only one: a
    stamp or a fold may cut a border into pieces with one upright each).
    Applied twice, so text debris next to a frame drops out with what it
    propped up. Pieces of a broken ruling are also tried joined; the pieces
    themselves stay candidates, since a glyph stroke beyond a T-junction can
    be joined to the ruling that ends there.
    """
    hsegs, vsegs = hsegs + _join_collinear(hsegs, tol, long), vsegs + _join_collinear(vsegs, tol, long)

    def meets(v, y):
        return any(abs(hy - y) <= tol and h0 - tol <= v[2] <= h1 + tol for h0, h1, hy in hsegs)

    for _ in range(2):
        vsegs = [v for v in vsegs
                 if meets(v, v[0]) and meets(v, v[1])]
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


def _has_line(mask: np.ndarray, at: int, start: int, end: int, vertical: bool) -> bool:
    """Whether a ruling runs along `at` over most of [start, end] (the middle, away from the crossings)."""
    span = end - start
    lo, hi = start + span // 5, end - span // 5
    if hi <= lo:
        return True
    band = 3
    if vertical:
        strip = mask[lo:hi, max(0, at - band):at + band + 1]
        covered = strip.any(axis=1)
    else:
        strip = mask[max(0, at - band):at + band + 1, lo:hi]
        covered = strip.any(axis=0)
    return covered.mean() >= WALL_MIN_COVER


def _merge_slots(n_rows: int, n_cols: int, walls_v, walls_h) -> list[tuple[int, int, int, int]]:
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
        rows = [s // n_cols for s in slots]
        cols = [s % n_cols for s in slots]
        r0, c0 = min(rows), min(cols)
        rs, cs = max(rows) - r0 + 1, max(cols) - c0 + 1
        if (r0, c0) in taken:
            continue                     # a non-rectangular merge already covered by its neighbour
        cells.append((r0, c0, rs, cs))
        taken.update((r, c) for r in range(r0, r0 + rs) for c in range(c0, c0 + cs))
    return cells


def _rulings(grids: list[_Grid], hmask: np.ndarray, vmask: np.ndarray, dpi: float) -> np.ndarray:
    """The line-mask pixels on the grids' boundaries: only these are removed before reading text.

    The raw masks also hold long glyph strokes (the 丨 of 未), which must stay ink.
    """
    out = np.zeros_like(hmask)
    band = max(3, int(dpi * 0.02))
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


def _cell_interior(grid: _Grid, r: int, c: int, rs: int, cs: int, dpi: float) -> tuple[int, int, int, int]:
    m = max(2, int(dpi * 0.015))
    return grid.xs[c] + m, grid.ys[r] + m, grid.xs[c + cs] - m, grid.ys[r + rs] - m


# --------------------------------------------------------------- text lines

def _text_ink(binary: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Ink that is not a ruling line, without isolated specks (scan noise)."""
    cv2 = _cv2()
    ink = binary & ~cv2.dilate(lines, np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = np.nonzero(stats[:, cv2.CC_STAT_AREA] < 4)[0]
    if len(small) > 1:
        ink[np.isin(labels, small[small > 0])] = 0
    return ink


def _char_height(ink: np.ndarray, regions: list[tuple[int, int, int, int]], dpi: float) -> float:
    """Typical text-line height: the median height of ink bands that are multi-glyph lines.

    Only bands at least three times as wide as high count: a single glyph
    (三, a dash) or a fragment of one says nothing about the line height.
    Falls back to 10.5 pt at this dpi.
    """
    fallback = dpi * 10.5 / 72 * 0.9
    heights = []
    for x0, y0, x1, y1 in regions:
        region = ink[y0:y1, x0:x1]
        for s, e in _runs(region.any(axis=1)):
            cols = np.nonzero(region[s:e].any(axis=0))[0]
            if e - s >= dpi * 0.05 and cols[-1] - cols[0] >= 3 * (e - s):
                heights.append(e - s)
    if len(heights) < 3:
        return fallback
    return float(np.clip(np.median(heights), fallback * 0.5, fallback * 3))


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    padded = np.concatenate([[False], flags, [False]]).astype(np.int8)
    diff = np.diff(padded)
    return list(zip(np.nonzero(diff == 1)[0], np.nonzero(diff == -1)[0]))


def _text_lines(ink: np.ndarray, box, char_h: float, split_gap: float | None = None) -> list[tuple]:
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
    for s, e in _runs(region.any(axis=1)):
        if bands and e - bands[-1][0] <= char_h * 1.12:
            bands[-1][1] = e
        else:
            bands.append([s, e])
    out = []
    for s, e in bands:
        cols = region[s:e].any(axis=0)
        runs = _runs(cols)
        if not runs:
            continue
        pieces = [[runs[0][0], runs[0][1]]]
        for a, b in runs[1:]:
            if split_gap is not None and a - pieces[-1][1] > split_gap * char_h:
                pieces.append([a, b])
            else:
                pieces[-1][1] = b
        for a, b in pieces:
            if (b - a) * (e - s) < 6:
                continue                 # a speck, not a character
            out.append((x0 + a, y0 + s, x0 + b, y0 + e))
    return out


def _crop(gray: np.ndarray, box, char_h: float) -> np.ndarray:
    """The line with a white margin, at least a glyph high (a lone dash is 2 px of ink).

    A third of a glyph of white on the left and right: enough for the
    recogniser to see where the line starts; side by side in a strip two
    crops are then two thirds of a glyph apart.
    """
    x0, y0, x1, y1 = box
    height = max(y1 - y0, char_h)
    pad_y, pad_x = int(round(height * 0.25)), int(round(height * CROP_PAD_X))
    top = int((y0 + y1) / 2 - height / 2)
    canvas = np.full((int(math.ceil(height)) + 2 * pad_y + 1, x1 - x0 + 2 * pad_x), 255, dtype=np.uint8)
    # only the ink box itself is copied, so no ruling line or neighbour leaks into the margin
    canvas[y0 - top + pad_y:y1 - top + pad_y, pad_x:pad_x + x1 - x0] = gray[y0:y1, x0:x1]
    return np.repeat(canvas[:, :, None], 3, axis=2)


# --------------------------------------------------------------- assembling blocks

_DASH_LIKE = re.compile(r"^[一_—–\-－~～]+$")
_SPACED_DIGITS = re.compile(r"(?<=\d) +(?=\d)")
_WRAPPED_NUMBER = re.compile(r"(?<=[\d,，.])\n(?=[\d,，.])")


def _cell_text(parts: list[str]) -> str:
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


def _assemble(grids, lines, results, page, dpi, char_h) -> list[Block]:
    """Tables and paragraphs of one page, top to bottom; bboxes in PDF points."""
    scale = 72.0 / dpi
    to_pt = lambda b: tuple(round(float(v) * scale, 2) for v in b)  # noqa: E731
    per_cell: dict[tuple, list[tuple[str, float]]] = {}
    text_lines = []
    for line, (text, conf) in zip(lines, results):
        if line.owner[0] == "cell":
            per_cell.setdefault(line.owner[1:], []).append((text, conf))
        elif text.strip():
            text_lines.append((line.box, text.strip(), conf))
    placed: list[tuple[float, Block]] = []
    for g, grid in enumerate(grids):
        cells = []
        for k, (r, c, rs, cs) in enumerate(grid.cells):
            found = per_cell.get((g, k), [])
            text = _cell_text([t.strip() for t, _ in found])
            confidence = min((conf for _, conf in found), default=1.0)  # no ink: surely blank
            bbox = to_pt((grid.xs[c], grid.ys[r], grid.xs[c + cs], grid.ys[r + rs]))
            cells.append(Cell(row=r, col=c, text=text, rowspan=rs, colspan=cs, page=page, bbox=bbox,
                              origin="ocr", confidence=round(confidence, 4)))
        table = Table(cells=cells, n_rows=len(grid.ys) - 1, n_cols=len(grid.xs) - 1, page=page)
        placed.append((grid.ys[0], table))
    for top, text in _paragraphs(text_lines, char_h):
        placed.append((top, Paragraph(text=text, page=page)))
    placed.sort(key=lambda item: item[0])
    return [block for _, block in placed]


def _paragraphs(lines: list[tuple], char_h: float) -> list[tuple[int, str]]:
    """Group text lines into paragraphs: a new one after a short line, a wide gap or an indent.

    Lines on the same band (split at a wide gap) are joined with a space.
    """
    if not lines:
        return []
    lines = sorted(lines, key=lambda l: (l[0][1], l[0][0]))
    left = float(np.percentile([b[0] for b, _, _ in lines], 10))
    right = float(np.percentile([b[2] for b, _, _ in lines], 90))
    rows: list[list[tuple]] = []
    for line in lines:
        if rows and abs(line[0][1] - rows[-1][0][0][1]) < char_h * 0.5:
            rows[-1].append(line)
        else:
            rows.append([line])
    out: list[tuple[int, list[str]]] = []
    prev, prev_multi = None, False
    for row in rows:
        row.sort(key=lambda l: l[0][0])
        box = (row[0][0][0], min(l[0][1] for l in row), row[-1][0][2], max(l[0][3] for l in row))
        text = " ".join(l[1] for l in row)
        starts_new = (prev is None or len(row) > 1 or prev[2] < right - char_h * 2
                      or box[0] > left + char_h * 1.5 or box[1] - prev[3] > char_h * 1.2
                      or prev_multi)
        if starts_new:
            out.append((box[1], [text]))
        else:
            out[-1][1].append(text)
        prev, prev_multi = box, len(row) > 1
    return [(top, "".join(parts)) for top, parts in out]


# --------------------------------------------------------------- tables over page breaks

_PAGE_FURNITURE = re.compile(r"^[\s\-—–·第共页/|0-9]+$")
EDGE_TOL_PT = 4.0


def stitch_pages(pages: list[list[Block]]) -> list[Block]:
    """Blocks of consecutive pages, with a table that ends one page and a table
    that starts the next joined into one when their outer edges line up.

    Only page furniture (page numbers, scraps) may stand between them. Column boundaries are united,
    so a header-only fragment (no line between its label columns) and its
    continuation still line up cell by cell.
    """
    out: list[Block] = []
    tail: Table | None = None          # the previous page's last table, if nothing but furniture follows it
    for blocks in pages:
        head = next((i for i, b in enumerate(blocks) if not _is_furniture(b)), None)
        if tail is not None and head is not None and isinstance(blocks[head], Table) \
                and _same_edges(tail, blocks[head]):
            merged = _join(tail, blocks[head])
            out[out.index(tail)] = merged
            blocks = blocks[:head] + blocks[head + 1:]
            tail_candidate = merged
        else:
            tail_candidate = None
        out += blocks
        last = next((b for b in reversed(blocks) if not _is_furniture(b)), None)
        if isinstance(last, Table):
            tail = last
        elif last is None and tail_candidate is not None:
            tail = tail_candidate          # a page holding only the continuation
        else:
            tail = None
    return out


def _is_furniture(block: Block) -> bool:
    """Page numbers, and scraps too short to be a heading or a sentence (stamp remnants, running heads)."""
    if not isinstance(block, Paragraph):
        return False
    text = block.text.strip()
    return len(text) <= 15 and bool(_PAGE_FURNITURE.match(text)) or len(text) <= 5


def _edges(table: Table) -> list[float]:
    xs = sorted({c.bbox[0] for c in table.cells if c.bbox} | {c.bbox[2] for c in table.cells if c.bbox})
    merged: list[float] = []
    for x in xs:
        if not merged or x - merged[-1] > EDGE_TOL_PT:
            merged.append(x)
    return merged


def _same_edges(a: Table, b: Table) -> bool:
    ea, eb = _edges(a), _edges(b)
    return len(ea) >= 2 and len(eb) >= 2 and abs(ea[0] - eb[0]) <= EDGE_TOL_PT and abs(ea[-1] - eb[-1]) <= EDGE_TOL_PT


def _join(a: Table, b: Table) -> Table:
    union: list[float] = []
    for x in sorted(_edges(a) + _edges(b)):
        if not union or x - union[-1] > EDGE_TOL_PT:
            union.append(x)

    def col(x: float) -> int:
        return min(range(len(union)), key=lambda i: abs(union[i] - x))

    cells = []
    for part, row_offset in ((a, 0), (b, a.n_rows)):
        for c in part.cells:
            start, end = col(c.bbox[0]), col(c.bbox[2])
            cells.append(Cell(row=c.row + row_offset, col=start, text=c.text, rowspan=c.rowspan,
                              colspan=max(1, end - start), page=c.page, bbox=c.bbox, origin=c.origin,
                              confidence=c.confidence))
    return Table(cells=cells, n_rows=a.n_rows + b.n_rows, n_cols=len(union) - 1, index=a.index, page=a.page)


# --------------------------------------------------------------- into a Document

def number_tables(blocks: list[Block]) -> None:
    """Table.index = position among the tables, in block order."""
    for i, table in enumerate(b for b in blocks if isinstance(b, Table)):
        table.index = i


def apply_ocr(doc, data: bytes, dpi: int = RENDER_DPI) -> None:
    """OCR `doc.pages_needing_ocr` of a PDF and put the blocks in page order among the others.

    Blocks of pages that had a text layer keep their order; a page's OCR
    blocks go after every block of earlier pages and before those of later
    pages. Tables are renumbered afterwards.
    """
    pages = sorted(set(doc.pages_needing_ocr))
    if not pages:
        return
    try:
        blocks = ocr_pdf_pages(data, pages, dpi=dpi)
    except ExtractError as exc:
        if str(exc) != MISSING_EXTRA or not doc.tables:
            raise
        # the text layer already gave tables: a scanned appendix should not sink the document
        doc.warnings.append(f"page(s) {', '.join(map(str, pages))} not read: {exc}")
        return
    by_page: dict[int, list[Block]] = {}
    for block in blocks:
        by_page.setdefault(block.page, []).append(block)
    merged: list[Block] = []
    pending = sorted(by_page)
    for block in doc.blocks:
        page = block.page
        while pending and page is not None and pending[0] < page:
            merged += by_page[pending.pop(0)]
        merged.append(block)
    for page in pending:
        merged += by_page[page]
    doc.blocks = merged
    number_tables(doc.blocks)
