"""Render generated reports (tests/generate.py truth) as web pages and as crawler text.

The tables come from the generator's own TableSpecs, so labels, line breaks
and merges are the ones the .docx would have; vMerge chains become rowspans.
"""
from __future__ import annotations

import html
import random
from pathlib import Path

from tests import generate as g

NAV = ('<table class="menu"><tr><td><a href="/">首页</a></td><td><a href="/zwgk">政务公开</a></td>'
       '<td><a href="/xxgk">信息公开</a></td><td><a href="/hdjl">互动交流</a></td></tr></table>\n'
       '<div class="nav"><ul><li><a href="/a">机构概况</a></li><li><a href="/b">政策文件</a></li>'
       '<li><a href="/c">规划计划</a></li><li><a href="/d">年度报告</a></li></ul></div>\n')
FOOTER = '<footer><p>主办单位：某某人民政府办公室 版权所有 <a href="/map">网站地图</a></p></footer>'


def specs(truth: g.Truth, rng: random.Random, variations: dict | None = None):
    """(flags, headings, [t2], [t3 parts], [t4]) as the generator would lay them out."""
    flags = g._layout_flags(rng, dict(variations or {}))
    lab = g.Labeler(rng, flags)
    headings = g._headings(flags, rng)
    return flags, headings, g.table2_spec(truth, lab), g._table3_specs(truth, lab, flags, rng), g.table4_spec(truth, lab)


def grid(spec: g.TableSpec) -> list[list[tuple]]:
    """Rows of (text, rowspan, colspan) for the cells that start in each row."""
    starts: dict[tuple[int, int], list] = {}
    out = []
    for r, row in enumerate(spec.rows):
        col, cells = row.grid_before, []
        for cell in row.cells:
            if cell.vmerge == "continue" and (r - 1, col) in starts:
                entry = starts.pop((r - 1, col))
                entry[1] += 1
                starts[(r, col)] = entry
            else:
                entry = [cell.text, 1, cell.span]
                cells.append(entry)
                if cell.vmerge == "restart":
                    starts[(r, col)] = entry
            col += cell.span
        out.append(cells)
    return out


def table_html(spec: g.TableSpec, sliver: int | None = None) -> str:
    """A table; `sliver` adds a width-rounding <col> inside that grid column (a phantom colspan)."""
    widths = list(spec.widths)
    cols = "".join(f'<col width="{w // 20}">' for w in widths)
    if sliver is not None:
        cols = "".join(f'<col width="{w // 20}">' + ('<col width="1">' if i == sliver else "")
                       for i, w in enumerate(widths))
    rows = []
    for r, cells in enumerate(grid(spec)):
        tds = []
        starts = _start_cols(spec, r)
        for (text, rowspan, colspan), start in zip(cells, starts):
            if sliver is not None and start <= sliver < start + colspan:
                colspan += 1
            attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
            body = "<br>".join(html.escape(line) for line in text.split("\n")) if text else "&nbsp;"
            tds.append(f"<td{attrs}><p>{body}</p></td>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return f'<table border="1" cellspacing="0"><colgroup>{cols}</colgroup>\n' + "\n".join(rows) + "</table>\n"


def _start_cols(spec: g.TableSpec, r: int) -> list[int]:
    col, out = spec.rows[r].grid_before, []
    for cell in spec.rows[r].cells:
        if not (cell.vmerge == "continue" and r > 0):
            out.append(col)
        col += cell.span
    return out


def _front(truth: g.Truth) -> list[str]:
    paras = [f"本报告根据《中华人民共和国政府信息公开条例》编制。本报告中所列数据的统计期限自{truth.year}年1月1日起至{truth.year}年12月31日止。"]
    for sub, text in g._narrative(truth).items():
        paras += [sub, text]
    return paras


def write_html(truth: g.Truth, path, *, rng: random.Random, encoding: str = "utf-8", meta: bool = True,
               sliver: bool = True, frame: bool = True, variations: dict | None = None) -> None:
    """A report as a CMS article page: navigation tables, header, footer, optional layout frame."""
    flags, headings, t2, t3_parts, t4 = specs(truth, rng, variations)
    title = f"{truth.agency}{truth.year}年政府信息公开工作年度报告"
    body = [f"<h1>{html.escape(title)}</h1>"] + [f"<p>　　{html.escape(p)}</p>" for p in _front(truth)[:1]]
    body.append(f"<p><strong>{headings[0]}</strong></p>")
    body += [f"<p>　　{html.escape(p)}</p>" for p in _front(truth)[1:]]
    body += [f"<p><strong>{headings[1]}</strong></p>", table_html(t2)]
    body += [f"<p><strong>{headings[2]}</strong></p>"] + [table_html(t) for t in t3_parts]
    body += [f"<p><strong>{headings[3]}</strong></p>", table_html(t4, sliver=4 if sliver else None)]
    body += [f"<p><strong>{headings[4]}</strong></p><p>　　加强培训，提升工作质量。</p>",
             f"<p><strong>{headings[5]}</strong></p><p>　　本年度收取信息处理费0元。</p>"]
    article = "\n".join(body)
    if frame:  # the article inside a page-frame table, as old CMS templates do
        article = (f'<table width="1000"><tr><td width="200">{NAV}</td>'
                   f'<td><div class="article">{article}</div></td></tr></table>')
    head = f'<meta http-equiv="Content-Type" content="text/html; charset={encoding}">' if meta else ""
    page = (f"<!DOCTYPE html><html><head>{head}<title>{html.escape(title)}</title>"
            f"<style>td{{border:1px solid}}</style><script>var x = '<table><tr><td>1</td></tr></table>';</script>"
            f"</head><body><header><div class='logo'>某某人民政府门户网站</div></header>{NAV}"
            f"{article}{FOOTER}</body></html>")
    Path(path).write_bytes(page.encode(encoding))


def write_mhtml(truth: g.Truth, path, *, rng: random.Random) -> None:
    """A saved .mht archive: the page quoted-printable, in a MIME multipart."""
    import quopri
    tmp = Path(path).with_suffix(".tmp.html")
    write_html(truth, tmp, rng=rng)
    payload = quopri.encodestring(tmp.read_bytes()).decode("ascii")
    tmp.unlink()
    Path(path).write_text(
        'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="----=_NextPart_000"; type="text/html"\r\n\r\n'
        '------=_NextPart_000\r\nContent-Type: text/html; charset="utf-8"\r\n'
        'Content-Transfer-Encoding: quoted-printable\r\nContent-Location: http://example.gov.cn/nb.html\r\n\r\n'
        f"{payload}\r\n------=_NextPart_000--\r\n", encoding="ascii")


RUN_TOGETHER_LAYOUT = {"split_table3": False, "extra_col": False, "extra_row": False}


def write_run_together(truth: g.Truth, path, *, rng: random.Random) -> None:
    """Crawler text: header rows tab-separated (merged labels repeated in each slot they cover),
    data rows of tables 3 and 4 printed as label text then all their digits with no separator."""
    flags, headings, t2, t3_parts, t4 = specs(truth, rng, RUN_TOGETHER_LAYOUT)
    lines = [f"{truth.agency}{truth.year}年政府信息公开工作年度报告", headings[0], *_front(truth), headings[1]]
    lines += _expanded(t2) + ["", headings[2]]
    for spec in t3_parts:
        lines += _crawled(spec, header_rows=3) + [""]
    lines += [headings[3]] + _crawled(t4, header_rows=3) + ["", headings[4], "无。", headings[5], "无。"]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _expanded(spec: g.TableSpec) -> list[str]:
    """Each row with every merged cell's text repeated in every slot it covers (as pandas prints it)."""
    slots: dict[tuple[int, int], str] = {}
    width = len(spec.widths)
    for r, cells in enumerate(grid(spec)):
        for (text, rowspan, colspan), start in zip(cells, _start_cols(spec, r)):
            for i in range(rowspan):
                for j in range(colspan):
                    slots[(r + i, start + j)] = text.replace("\n", "")
    return ["\t".join(slots.get((r, c), "") for c in range(width)) for r in range(len(spec.rows))]


def _crawled(spec: g.TableSpec, header_rows: int) -> list[str]:
    lines = _expanded(spec)[:header_rows]
    for cells in grid(spec)[header_rows:]:
        lines.append("".join(text.replace("\n", "") for text, _, _ in cells))
    return lines
