"""Rulings: horizontal and vertical edges from the page's path objects, and the cell
rectangles pdfplumber's lines strategy makes of them, with frames closed where a border
is missing."""
from __future__ import annotations

import ctypes
from bisect import bisect_right

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.table import TableSettings, cells_to_tables, edges_to_intersections, merge_edges
from pdfplumber.utils import filter_edges, obj_to_bbox

from ogi.extract.geometry import cluster_means
from ogi.extract.model import BBox

from .edges import _edge
from .junctions import implied_borders
from .pages import _as_address_function, _count_objects, _form_count, _form_object, _object_type, _page_object
from .settings import SETTINGS as S


def _ruling_edges(pdf_page: pdfium.PdfPage, to_display) -> list[dict]:
    """Horizontal and vertical edges (pdfplumber edge dicts, display space) of every visible
    path on the page, Form XObjects included."""
    edges: list[dict] = []
    point = (ctypes.c_float(), ctypes.c_float())
    for raw, matrix in _path_objects(pdf_page):
        if not _is_visible_path(raw):
            continue
        for subpath in _subpaths(raw, point):
            shown = [to_display(*_apply(matrix, x, y)) for x, y in subpath]
            edges.extend(_subpath_edges(shown))
    return edges


MAX_FORM_DEPTH = 15   # pypdfium2's get_objects default: Form XObjects nested deeper are not walked


def _path_objects(pdf_page: pdfium.PdfPage):
    """(path object, its matrix to page space) for every path of the page, in pypdfium2's
    get_objects order, walked by handle: wrapping each of a page's objects (text, images …) in
    a Python object cost more than the rulings themselves."""
    fs_matrix = pdfium_c.FS_MATRIX()
    at = ctypes.addressof(fs_matrix)

    def matrix_of(obj) -> tuple[float, ...]:
        if not _get_matrix(obj, at):
            raise pdfium.PdfiumError("Failed to get matrix of pageobject.")
        m = fs_matrix
        return (m.a, m.b, m.c, m.d, m.e, m.f)

    def walk(count: int, get, containers: list, level: int):
        if count < 0:
            raise pdfium.PdfiumError("Failed to get number of pageobjects.")
        for k in range(count):
            obj = get(k)
            if not obj:
                raise pdfium.PdfiumError("Failed to get pageobject.")
            kind = _object_type(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
                matrix = matrix_of(obj)
                for outer in containers:        # the forms' matrices, innermost first
                    matrix = _compose(matrix, outer)
                yield ctypes.cast(obj, pdfium_c.FPDF_PAGEOBJECT), matrix
            elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and level < MAX_FORM_DEPTH - 1:
                yield from walk(_form_count(obj), lambda i, form=obj: _form_object(form, i),
                                [matrix_of(obj), *containers], level + 1)

    raw = pdf_page.raw
    yield from walk(_count_objects(raw), lambda i: _page_object(raw, i), [], 0)


_get_matrix = _as_address_function(pdfium_c.FPDFPageObj_GetMatrix, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


def _is_visible_path(raw) -> bool:
    """Painted in a colour that shows: WPS draws a white filled box behind every text line,
    and its edges are not rulings."""
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    if not pdfium_c.FPDFPath_GetDrawMode(raw, fill_mode, stroke):
        return False
    stroked = bool(stroke.value) and _shows(pdfium_c.FPDFPageObj_GetStrokeColor, raw)
    filled = fill_mode.value != pdfium_c.FPDF_FILLMODE_NONE and _shows(pdfium_c.FPDFPageObj_GetFillColor, raw)
    return stroked or filled


def _shows(get_color, raw) -> bool:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not get_color(raw, r, g, b, a):
        return True                      # pattern or unknown colour: treat as visible, as before
    return a.value > 0 and min(r.value, g.value, b.value) < S.white


def _compose(inner: tuple[float, ...], outer: tuple[float, ...]) -> tuple[float, ...]:
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _apply(matrix: tuple[float, ...], x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = matrix
    return a * x + c * y + e, b * x + d * y + f


def _subpaths(raw, point) -> list[list[tuple[float, float]]]:
    """The path's straight-line pieces as point lists (a closed piece repeats its first point).
    Bezier segments end a piece: table rulings are never curved."""
    pieces: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    x, y = point
    for k in range(pdfium_c.FPDFPath_CountSegments(raw)):
        segment = pdfium_c.FPDFPath_GetPathSegment(raw, k)
        if not pdfium_c.FPDFPathSegment_GetPoint(segment, x, y):
            continue
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        here = (x.value, y.value)
        if kind == pdfium_c.FPDF_SEGMENT_LINETO and current:
            current.append(here)
        else:                            # moveto, bezier or unknown: a new piece starts here
            if len(current) > 1:
                pieces.append(current)
            current = [here]
        if pdfium_c.FPDFPathSegment_GetClose(segment) and len(current) > 1:
            current.append(current[0])
            pieces.append(current)
            current = [current[0]]
    if len(current) > 1:
        pieces.append(current)
    return pieces


def _subpath_edges(points: list[tuple[float, float]]) -> list[dict]:
    """A rectangle thinner than S.thin_rule is one ruling along its middle, any other rectangle
    gives its 4 sides, and other paths give their horizontal and vertical segments."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1, top, bottom = min(xs), max(xs), min(ys), max(ys)
    if _is_rectangle(points) and min(x1 - x0, bottom - top) <= S.thin_rule:
        if x1 - x0 >= bottom - top:
            return [_edge(x0, (top + bottom) / 2, x1, (top + bottom) / 2, "h")]
        return [_edge((x0 + x1) / 2, top, (x0 + x1) / 2, bottom, "v")]
    out = []
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        if abs(ay - by) < S.straight and abs(ax - bx) > 0:
            out.append(_edge(min(ax, bx), ay, max(ax, bx), ay, "h"))
        elif abs(ax - bx) < S.straight and abs(ay - by) > 0:
            out.append(_edge(ax, min(ay, by), ax, max(ay, by), "v"))
    return out


def _is_rectangle(points: list[tuple[float, float]]) -> bool:
    corners = points[:-1] if points[0] == points[-1] else points
    if len(corners) != 4:
        return False
    sides = zip(corners, corners[1:] + corners[:1])
    return all(abs(ax - bx) < S.straight or abs(ay - by) < S.straight for (ax, ay), (bx, by) in sides)


LINES = TableSettings.resolve({})        # pdfplumber's defaults for the lines strategy


def _cell_groups(edges: list[dict]) -> list[list[BBox]]:
    """Cell rectangles of each table, exactly as pdfplumber's TableFinder computes them from
    a page's edges with the default lines settings; then, where a rule stops inside a merged
    cell, with the border it implies (extract/pdf/junctions.py)."""
    edges = _merged(edges)
    groups = _groups_of(edges)
    merged = [box for g in groups for box in _merged_cells(g)]
    implied = implied_borders(merged, edges) if merged else []
    return _groups_of(_merged(edges + implied)) if implied else groups


def _merged(edges: list[dict]) -> list[dict]:
    edges = filter_edges(edges, min_length=LINES.edge_min_length_prefilter)
    edges = merge_edges(edges, snap_x_tolerance=LINES.snap_x_tolerance, snap_y_tolerance=LINES.snap_y_tolerance,
                        join_x_tolerance=LINES.join_x_tolerance, join_y_tolerance=LINES.join_y_tolerance)
    return filter_edges(edges, min_length=LINES.edge_min_length)


def _groups_of(edges: list[dict]) -> list[list[BBox]]:
    points = edges_to_intersections(edges, LINES.intersection_x_tolerance, LINES.intersection_y_tolerance)
    return cells_to_tables(_intersections_to_cells(points))


def _intersections_to_cells(intersections: dict) -> list[BBox]:
    """pdfplumber's intersections_to_cells: the same cells in the same order, found faster.

    pdfplumber rebuilds both points' edge sets at every comparison and scans all later points
    for those below and right of each; here each point's edge sets are built once, and the
    points sharing its x (the run after it in sorted order) or its y (indexed) are looked up."""
    vertical = {p: set(map(obj_to_bbox, e["v"])) for p, e in intersections.items()}
    horizontal = {p: set(map(obj_to_bbox, e["h"])) for p, e in intersections.items()}

    def connects(p1, p2) -> bool:
        return ((p1[0] == p2[0] and not vertical[p1].isdisjoint(vertical[p2]))
                or (p1[1] == p2[1] and not horizontal[p1].isdisjoint(horizontal[p2])))

    points = sorted(intersections)
    by_y: dict[float, list] = {}
    for p in points:
        by_y.setdefault(p[1], []).append(p)          # x ascending, as `points` is sorted
    cells = []
    for i, pt in enumerate(points[:-1]):
        below = []
        for q in points[i + 1:]:
            if q[0] != pt[0]:
                break
            below.append(q)
        row = by_y[pt[1]]
        right = row[row.index(pt) + 1:]
        cell = _smallest_cell(pt, below, right, intersections, connects)
        if cell is not None:
            cells.append(cell)
    return cells


def _smallest_cell(pt, below, right, intersections, connects) -> BBox | None:
    for below_pt in below:
        if not connects(pt, below_pt):
            continue
        for right_pt in right:
            if not connects(pt, right_pt):
                continue
            corner = (right_pt[0], below_pt[1])
            if corner in intersections and connects(corner, right_pt) and connects(corner, below_pt):
                return (pt[0], pt[1], corner[0], corner[1])
    return None


def _merged_cells(boxes: list[BBox]) -> list[BBox]:
    """The cells spanning several slots of the table's ruling grid (none when every slot is a cell)."""
    xs = cluster_means([b[0] for b in boxes] + [b[2] for b in boxes], S.snap)
    ys = cluster_means([b[1] for b in boxes] + [b[3] for b in boxes], S.snap)
    if len(boxes) >= (len(xs) - 1) * (len(ys) - 1):
        return []
    return [b for b in boxes if _index(xs, b[2]) - _index(xs, b[0]) > 1 or _index(ys, b[3]) - _index(ys, b[1]) > 1]


def _cell_groups_closed(edges: list[dict]) -> list[list[BBox]]:
    """Some border is missing (open bottom row at a page break, header cell without a top rule,
    no outer frame): draw the frame implied by the rulings that are there, and redo."""
    groups = _cell_groups(edges)
    closing = [_closing_box(_bbox_of(g), edges) for g in groups]
    frames = [e for box in closing for e in _frame_edges(box)]
    changed = any(box != _round_box(_bbox_of(g)) or _has_holes(g) for box, g in zip(closing, groups))
    # rulings that make no table at all: a header band at a page's foot, its cells cut by the
    # page break and left without a bottom rule (Chromium's print), or a frame with only
    # horizontal rules inside
    outside = [e for e in edges if not any(_inside((e["x0"], e["top"], e["x1"], e["bottom"]), c) for c in closing)]
    loose = _ruled_regions(outside) if len(outside) >= 4 else []
    if changed or loose:
        groups = _cell_groups(edges + frames + [e for box in loose for e in _frame_edges(box)])
    return groups


def _ruled_regions(edges: list[dict]) -> list[BBox]:
    """Bounding boxes of connected sets of rulings holding at least two vertical and two
    horizontal ones (touching within S.snap): where a grid is drawn, closed or not."""
    merged = merge_edges(filter_edges(edges, min_length=LINES.edge_min_length), S.snap, S.snap, S.snap, S.snap)
    horizontal = [e for e in merged if e["orientation"] == "h"]
    vertical = [e for e in merged if e["orientation"] == "v"]
    parent = list(range(len(merged)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    index = {id(e): i for i, e in enumerate(merged)}
    for h in horizontal:
        for v in vertical:
            if (h["x0"] - S.snap <= v["x0"] <= h["x1"] + S.snap
                    and v["top"] - S.snap <= h["top"] <= v["bottom"] + S.snap):
                parent[root(index[id(h)])] = root(index[id(v)])
    members: dict[int, list[dict]] = {}
    for e in merged:
        members.setdefault(root(index[id(e)]), []).append(e)
    regions = []
    for group in members.values():
        kinds = [e["orientation"] for e in group]
        if kinds.count("h") >= 2 and kinds.count("v") >= 2:
            regions.append(_round_box((min(e["x0"] for e in group), min(e["top"] for e in group),
                                       max(e["x1"] for e in group), max(e["bottom"] for e in group))))
    return regions


def _inside(box: BBox, outer: BBox) -> bool:
    return (box[0] >= outer[0] - S.snap and box[1] >= outer[1] - S.snap
            and box[2] <= outer[2] + S.snap and box[3] <= outer[3] + S.snap)


def _bbox_of(boxes: list[BBox]) -> BBox:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _frame_edges(box) -> list[dict]:
    x0, top, x1, bottom = box
    return [_edge(x0, top, x1, top, "h"), _edge(x0, bottom, x1, bottom, "h"),
            _edge(x0, top, x0, bottom, "v"), _edge(x1, top, x1, bottom, "v")]


def _has_holes(boxes: list[BBox]) -> bool:
    """Slots of the table's ruling grid that no cell covers: a rule is missing somewhere."""
    xs = cluster_means([b[0] for b in boxes] + [b[2] for b in boxes], S.snap)
    ys = cluster_means([b[1] for b in boxes] + [b[3] for b in boxes], S.snap)
    # boxes share their few coordinates: each is looked up once
    col = {x: _index(xs, x) for x in {v for b in boxes for v in (b[0], b[2])}}
    row = {y: _index(ys, y) for y in {v for b in boxes for v in (b[1], b[3])}}
    covered = sum((col[b[2]] - col[b[0]]) * (row[b[3]] - row[b[1]]) for b in boxes)
    return covered < (len(xs) - 1) * (len(ys) - 1)


def _round_box(bbox) -> tuple[float, float, float, float]:
    return tuple(round(v, 1) for v in bbox)


def _closing_box(bbox, edges: list[dict]) -> tuple[float, float, float, float]:
    """The table's frame as implied by the rulings touching it."""
    x0, top, x1, bottom = bbox
    tol = S.frame_tolerance
    v_edges = [e for e in edges if e["orientation"] == "v" and x0 - tol <= e["x0"] <= x1 + tol
               and e["bottom"] >= top - tol and e["top"] <= bottom + tol]
    h_edges = [e for e in edges if e["orientation"] == "h" and top - tol <= e["top"] <= bottom + tol
               and e["x1"] >= x0 - tol and e["x0"] <= x1 + tol]
    new = (min([x0] + [e["x0"] for e in h_edges]), min([top] + [e["top"] for e in v_edges]),
           max([x1] + [e["x1"] for e in h_edges]), max([bottom] + [e["bottom"] for e in v_edges]))
    return _round_box(new) if any(abs(a - b) > S.frame_moved for a, b in zip(new, bbox)) else _round_box(bbox)


def _index(coords: list[float], value: float) -> int:
    """Index of the coordinate nearest to `value` (`coords` sorted ascending)."""
    i = bisect_right(coords, value)
    if i == 0:
        return 0
    if i == len(coords) or value - coords[i - 1] <= coords[i] - value:
        return i - 1
    return i
