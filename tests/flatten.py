"""Flattened text of generated reports: a page body as a crawler or "copy text" keeps it.

The cells come from the generator's own tables (tests/render_html.py), in the
order a browser's text content gives them; what differs is the whitespace kept
between cells:
- "one_line": none at all, the whole body one line after a short header block;
- "long_lines": none between cells, a line break at each section and table;
- "spaced": single spaces between cells (and none inside a cell).
"""
from __future__ import annotations

import random
from pathlib import Path

from tests import generate as g
from tests.render_html import RUN_TOGETHER_LAYOUT, _front, grid, specs

STYLES = ("one_line", "long_lines", "spaced")


def flattened_text(truth: g.Truth, *, rng: random.Random, style: str) -> str:
    _, headings, t2, t3_parts, t4 = specs(truth, rng, RUN_TOGETHER_LAYOUT)
    sep = " " if style == "spaced" else ""
    title = f"{truth.agency}{truth.year}年政府信息公开工作年度报告"

    def table(spec) -> str:
        return sep.join(text.replace("\n", "") for row in grid(spec) for text, _, _ in row)

    front = _front(truth)
    blocks = [title + front[0], headings[0] + "".join(front[1:]), headings[1] + sep + table(t2),
              headings[2] + sep + sep.join(table(t) for t in t3_parts), headings[3] + sep + table(t4),
              headings[4] + "加强培训，提升工作质量。", headings[5] + "本年度收取信息处理费0元。"]
    header = f"标题: {title}\n发布机构: \n==================== 正文 ====================\n"
    if style == "long_lines":
        return header + "\n".join(blocks) + "\n"
    return header + sep.join(blocks) + "\n"


def write_flattened(truth: g.Truth, path, *, rng: random.Random, style: str) -> None:
    Path(path).write_text(flattened_text(truth, rng=rng, style=style), encoding="utf-8")
