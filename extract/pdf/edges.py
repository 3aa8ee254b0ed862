"""An edge as pdfplumber's table functions expect it (one place for the readers of rulings)."""
from __future__ import annotations


def _edge(x0: float, top: float, x1: float, bottom: float, orientation: str) -> dict:
    return {"object_type": "line", "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
            "width": x1 - x0, "height": bottom - top, "orientation": orientation}
