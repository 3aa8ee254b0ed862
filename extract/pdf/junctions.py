"""Rules that stop inside a cell: the border they ran into was not drawn.

A web page printed by a browser draws each cell's own borders, and an exporter that writes only
some of them (LibreOffice's web page of a Word table whose cells leave a side to their
neighbour) leaves a header rule or a row rule ending in mid-cell: pdfplumber then merges the
cells on both sides of the missing border into one. A rule of a grid always ends on another
rule, so where one stops inside a merged cell, on no other rule, and runs out across that
cell's own border, the perpendicular border is implied there, across the cell. A mark wholly
inside a cell (an underline) implies nothing.
"""
from __future__ import annotations

from ogi.extract.model import BBox

from .edges import _edge
from .settings import SETTINGS as S


def implied_borders(cells: list[BBox], edges: list[dict]) -> list[dict]:
    """Edges (pdfplumber dicts) for the borders implied by rules ending inside `cells`."""
    tol = S.junction_tolerance
    horizontal = [e for e in edges if e["orientation"] == "h"]
    vertical = [e for e in edges if e["orientation"] == "v"]

    def on_vertical(x, y):
        return any(abs(v["x0"] - x) <= tol and v["top"] - tol <= y <= v["bottom"] + tol for v in vertical)

    def on_horizontal(x, y):
        return any(abs(h["top"] - y) <= tol and h["x0"] - tol <= x <= h["x1"] + tol for h in horizontal)

    out = []
    for x0, top, x1, bottom in cells:
        for e in horizontal:
            y = e["top"]
            if not top + tol < y < bottom - tol:
                continue
            if x0 + tol < e["x0"] < x1 - tol and e["x1"] >= x1 - tol and not on_vertical(e["x0"], y):
                out.append(_edge(e["x0"], top, e["x0"], bottom, "v"))
            if x0 + tol < e["x1"] < x1 - tol and e["x0"] <= x0 + tol and not on_vertical(e["x1"], y):
                out.append(_edge(e["x1"], top, e["x1"], bottom, "v"))
        for e in vertical:
            x = e["x0"]
            if not x0 + tol < x < x1 - tol:
                continue
            if top + tol < e["top"] < bottom - tol and e["bottom"] >= bottom - tol and not on_horizontal(x, e["top"]):
                out.append(_edge(x0, e["top"], x1, e["top"], "h"))
            if top + tol < e["bottom"] < bottom - tol and e["top"] <= top + tol and not on_horizontal(x, e["bottom"]):
                out.append(_edge(x0, e["bottom"], x1, e["bottom"], "h"))
    return out
