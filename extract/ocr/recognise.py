"""Line crops → (text, confidence), read in strips as a page would be read."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .engine import recognizer
from .lines import crop
from .settings import DEFAULT, Settings, StripSettings


@dataclass
class Line:
    """One line of text to recognise: its crop box and where it belongs."""
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in the page image
    owner: tuple                    # ("cell", grid index, cell index) or ("text",)

    @property
    def center_y(self) -> float:
        return (self.box[1] + self.box[3]) / 2

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]


def recognize(gray: np.ndarray, ink: np.ndarray, lines: list[Line], char_h: float,
              settings: Settings = DEFAULT) -> list[tuple[str, float]]:
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
    results: list[tuple[str, float] | None] = [
        stroke(ink[ln.box[1]:ln.box[3], ln.box[0]:ln.box[2]], char_h, settings.strips) for ln in lines]
    todo = [i for i, r in enumerate(results) if r is None]
    crops = {i: crop(gray, lines[i].box, char_h, settings.lines) for i in todo}
    groups = strips(lines, todo, crops, char_h, settings)
    decoded = recognizer()([paste([crops[i] for i in strip]) for strip in groups]) if groups else []
    for strip, chars in zip(groups, decoded):
        edges = np.cumsum([0] + [crops[i].shape[1] for i in strip])
        found: list[list[tuple[str, float]]] = [[] for _ in strip]
        for char, prob, x in chars:
            k = int(np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(strip) - 1))
            found[k].append((char, prob))
        for i, chars_i in zip(strip, found):
            results[i] = ("".join(c for c, _ in chars_i).strip(),
                          min((p for c, p in chars_i if c.strip()), default=0.0))
    return results


def strips(lines: list[Line], todo: list[int], crops: dict, char_h: float,
           settings: Settings = DEFAULT) -> list[list[int]]:
    """Groups of line indices read together, each in reading order."""
    s = settings.strips
    max_width = char_h * settings.recogniser.max_ratio * s.max_width
    by_cell: dict[tuple, list[int]] = {}
    for i in todo:
        if lines[i].owner[0] == "cell":
            by_cell.setdefault(lines[i].owner, []).append(i)
    out: list[list[int]] = []
    in_rows: list[int] = []
    for members in by_cell.values():
        narrow = all(lines[i].width <= char_h * s.vertical_glyph for i in members)
        if len(members) >= 2 and narrow:
            out.append(sorted(members, key=lambda i: lines[i].box[1]))     # a vertical label
            continue
        for i in members:
            # short lines (numbers, dashes) borrow context from their row; a label has its own
            if lines[i].width <= char_h * s.short_line:
                in_rows.append(i)
            else:
                out.append([i])
    in_rows.sort(key=lambda i: (lines[i].owner[1], lines[i].center_y))
    row: list[int] = []
    for i in in_rows:
        if row and (lines[i].owner[1] != lines[row[0]].owner[1]
                    or abs(lines[i].center_y - lines[row[0]].center_y) > char_h * s.same_row
                    or sum(crops[j].shape[1] for j in row) + crops[i].shape[1] > max_width):
            out.append(sorted(row, key=lambda j: lines[j].box[0]))
            row = []
        row.append(i)
    if row:
        out.append(sorted(row, key=lambda j: lines[j].box[0]))
    out += [[i] for i in todo if lines[i].owner[0] != "cell"]
    return out


def paste(crops: list[np.ndarray]) -> np.ndarray:
    """Crops side by side on white, vertically centred."""
    height = max(c.shape[0] for c in crops)
    canvas = np.full((height, sum(c.shape[1] for c in crops), 3), 255, dtype=np.uint8)
    x = 0
    for c in crops:
        top = (height - c.shape[0]) // 2
        canvas[top:top + c.shape[0], x:x + c.shape[1]] = c
        x += c.shape[1]
    return canvas


def stroke(ink: np.ndarray, char_h: float, s: StripSettings = DEFAULT.strips) -> tuple[str, float] | None:
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
    if major * 3.4 < char_h * s.stroke_min_major or minor > max(1.2, char_h * s.stroke_max_minor) \
            or major < s.stroke_elongation * minor:
        return None
    vx, vy = evecs[:, 1]
    angle = math.degrees(math.atan2(-vy, vx)) % 180      # image y grows downwards
    if angle < s.level_deg or angle > 180 - s.level_deg:
        return "—", s.stroke_confidence
    if s.slash_deg[0] <= angle <= s.slash_deg[1]:
        return "/", s.stroke_confidence
    return None
