"""Tables ruled between rows only: the column borders a stylesheet did not draw, from the rules' own breaks.

A web page whose stylesheet draws only each cell's top and bottom border, printed by a browser,
gives rules made of one segment per cell: where two segments of a rule meet is a column border
of the row above or below it. A border is drawn down a row band only where both the rule above
and the rule below break at that place and no character of the band runs across it, so the text
of a cell spanning several columns (a group label) stays whole. Nothing here knows the report's
labels: only where the rules break and where the characters stand.
"""
from __future__ import annotations

from ogi.extract.geometry import cluster_means

from .edges import _edge
from .settings import SETTINGS as S


def borders_from_rule_breaks(edges: list[dict], chars: list[dict]) -> list[dict]:
    """Vertical edges (pdfplumber dicts) implied by the breaks of the horizontal rules; `chars`
    as extract/pdf/cells.py gives them (advance box x0..x1, glyph centre cy)."""
    rules = _rules(edges)
    if len(rules) < 3:
        return []
    rules = _closed_at_page_breaks(rules, chars)
    bands: dict[tuple[float, float], list[tuple[float, bool]]] = {}
    for x in cluster_means([x for _, ends, _ in rules for x in ends], S.snap):
        crossing = [(y, ends) for y, ends, spans in rules if any(a - S.snap <= x <= b + S.snap for a, b in spans)]
        for (y0, ends0), (y1, ends1) in zip(crossing, crossing[1:]):
            if _has(ends0, x) and _has(ends1, x) and not _crossed(chars, x, y0, y1):
                outer = _has([ends0[0], ends0[-1]], x) and _has([ends1[0], ends1[-1]], x)
                bands.setdefault((y0, y1), []).append((x, outer))
    # a band bordered at the outer ends of both its rules only is no row: the heading between two tables
    return [_edge(x, y0, x, y1, "v") for (y0, y1), xs in bands.items()
            if not all(outer for _, outer in xs) for x, _ in xs]


def _rules(edges: list[dict]) -> list[tuple[float, list[float], list[tuple[float, float]]]]:
    """Each horizontal rule (the two edges of a thin drawn box are one rule) as (y, the x of its
    segments' ends, its covered spans), top to bottom."""
    horizontal = sorted((e for e in edges if e["orientation"] == "h" and e["x1"] - e["x0"] > S.snap),
                        key=lambda e: e["top"])
    rows: list[list[dict]] = []
    for e in horizontal:
        if rows and e["top"] - rows[-1][0]["top"] <= S.snap:
            rows[-1].append(e)
        else:
            rows.append([e])
    out = []
    for row in rows:
        ends = cluster_means([x for e in row for x in (e["x0"], e["x1"])], S.snap)
        spans = _union([(e["x0"], e["x1"]) for e in row])
        out.append((sum(e["top"] for e in row) / len(row), ends, spans))
    return out


def _closed_at_page_breaks(rules, chars: list[dict]):
    """A table cut by a page break has no rule where the page cuts it: the text past the page's
    outermost rule, when it stands in the columns (no word across any break of that rule), gets
    a rule of its own there, breaking wherever any rule of the page breaks."""
    x0 = min(a for _, _, spans in rules for a, _ in spans)
    x1 = max(b for _, _, spans in rules for _, b in spans)
    ends = cluster_means([x for _, e, _ in rules for x in e], S.snap)
    out = list(rules)
    for y, rule_ends, _ in (rules[0], rules[-1]):
        below = y == rules[-1][0]
        past = [c for c in chars if x0 <= c["cx"] <= x1 and (c["cy"] > y if below else c["cy"] < y)]
        if not past:
            continue
        top = min(c["cy"] for c in past) - S.min_font if not below else y
        bottom = max(c["cy"] for c in past) + S.min_font if below else y
        inner = rule_ends[1:-1]
        if not inner or any(_crossed(past, x, top, bottom) for x in inner):
            continue                     # prose, a heading: the table ends at its rule
        edge = bottom if below else top
        out.append((edge, ends, [(x0, x1)]))
    return sorted(out, key=lambda r: r[0])


def _union(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + S.snap:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _has(ends: list[float], x: float) -> bool:
    return any(abs(e - x) <= S.snap for e in ends)


def _crossed(chars: list[dict], x: float, top: float, bottom: float) -> bool:
    """A word of the band between `top` and `bottom` runs across `x`: a character over it, or two
    characters of one line set closer than a word gap on either side of it."""
    reach = S.ruling_overlap
    band = sorted((c for c in chars if top < c["cy"] < bottom), key=lambda c: (round(c["top"]), c["x0"]))
    for a, b in zip(band, band[1:]):
        if a["x0"] + reach < x < a["x1"] - reach:
            return True
        if round(a["top"]) == round(b["top"]) and a["x1"] - reach <= x <= b["x0"] + reach \
                and b["x0"] - a["x1"] < S.word_gap:
            return True
    return bool(band) and band[-1]["x0"] + reach < x < band[-1]["x1"] - reach
