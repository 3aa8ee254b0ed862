"""Producers other than the project's own writer: the same generated report (tests/generate.py
truth) made into the files agencies really publish.

LibreOffice turns the .docx into PDF, .doc and .odt (one `soffice` start for many files);
headless Chromium prints the report's web page (tests/render_html.py) to PDF, as "Save as PDF"
in a browser does, at a chosen paper size and zoom so page breaks fall in different rows.
"""
from __future__ import annotations

import base64
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
# inches, as Page.printToPDF takes them; "strip": A4-wide but 4 in tall, so a table runs over several pages
PAPERS = {"A4": (8.27, 11.69), "Letter": (8.5, 11.0), "strip": (8.27, 4.0)}


def soffice() -> str | None:
    return shutil.which("soffice")


def have_chromium() -> bool:
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        return False
    try:
        import selenium  # noqa: F401
    except ImportError:
        return False
    return True


def convert(paths: list[Path], target: str, out_dir: Path, timeout: int = 600) -> list[Path]:
    """Each file converted by LibreOffice to `target` ('pdf', 'doc', 'odt'), in one start."""
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="lo-", dir=out_dir))
    env = dict(os.environ, HOME=str(work), TMPDIR=str(work))
    subprocess.run([soffice(), f"-env:UserInstallation=file://{work}/profile", "--headless",
                    "--convert-to", target, "--outdir", str(out_dir), *map(str, paths)],
                   check=True, env=env, capture_output=True, timeout=timeout)
    shutil.rmtree(work, ignore_errors=True)
    return [out_dir / f"{Path(p).stem}.{target}" for p in paths]


@contextmanager
def chromium_printer():
    """print(html_path, pdf_path, paper='A4', scale=1.0): one headless Chromium for many prints."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)

    def print_pdf(html_path: Path, pdf_path: Path, paper: str = "A4", scale: float = 1.0) -> Path:
        width, height = PAPERS[paper]
        driver.get(Path(html_path).resolve().as_uri())
        printed = driver.execute_cdp_cmd("Page.printToPDF", {
            "paperWidth": width, "paperHeight": height, "scale": scale,
            "printBackground": False, "displayHeaderFooter": False})
        Path(pdf_path).write_bytes(base64.b64decode(printed["data"]))
        return Path(pdf_path)

    try:
        yield print_pdf
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


# ---------------------------------------------------------------- a report made from the official template

def template_docx() -> Path | None:
    """The Word transcription of the 2021 format (its real merged-cell layout), if present."""
    root = Path(__file__).resolve().parents[1]
    for base in (root.parent, root.parents[1]):
        path = base / "shared" / "corpus" / "template-2021-blank.docx"
        if path.exists():
            return path
    return None


def fill_template(truth, path: Path, *, front: list[str] | None = None) -> Path:
    """The 2021 template filled with `truth` by python-docx, as an office clerk's script would:
    cell text replaced in place, the template's merges, widths and line breaks kept."""
    import docx

    from tests import generate as g

    assert truth.layout == "2021", "the template transcribes the 2021 format"
    doc = docx.Document(str(template_docx()))
    t2, t3, t4 = doc.tables
    row = 0
    for _, _, data in g.T2_BLOCKS["2021"]:
        row += 2                                             # the block's title and header rows
        for _, cells in data:
            _fill(t2.rows[row], [fid for fid, _ in cells], truth)
            row += 1
    for i, (key, _) in enumerate(g.t3_row_plan("2021")):
        _fill(t3.rows[3 + i], [f"t3.{key}.{col}" for col in g.T3_COLS], truth)
    _fill(t4.rows[3], g.t4_ids(), truth)
    paragraphs = doc.paragraphs
    paragraphs[1].text = f"{truth.agency}{truth.year}年政府信息公开工作年度报告"
    paragraphs[4].text = (f"本报告中所列数据的统计期限自{truth.year}年1月1日起至{truth.year}年12月31日止。"
                          + "".join(front if front is not None else g._narrative(truth).values()))
    doc.save(str(path))
    return path


def _fill(row, fids: list[str], truth) -> None:
    """The row's value cells, left to right after its label cells, get the printed values."""
    cells, seen = [], set()
    for cell in row.cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            cells.append(cell)
    for cell, fid in zip(cells[len(cells) - len(fids):], fids):
        value = truth.values.get(fid)
        cell.paragraphs[0].text = truth.raw.get(fid, "" if value is None else str(value))


# ---------------------------------------------------------------- table 4's header in its real variants

T4_RESULTS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
T4_SUITS = ("未经复议直接起诉", "复议后起诉")
# name → header rows as (text, rowspan, colspan) cells, left to right
T4_HEADERS = {
    "three rows": [
        [("行政复议", 1, 5), ("行政诉讼", 1, 10)],
        [(r, 2, 1) for r in T4_RESULTS] + [(s, 1, 5) for s in T4_SUITS],
        [(r, 1, 1) for _ in T4_SUITS for r in T4_RESULTS],
    ],
    "three rows, groups repeated": [
        [("行政复议", 1, 1)] * 5 + [("行政诉讼", 1, 1)] * 10,
        [(r, 2, 1) for r in T4_RESULTS] + [(s, 1, 1) for s in T4_SUITS for _ in range(5)],
        [(r, 1, 1) for _ in T4_SUITS for r in T4_RESULTS],
    ],
    "three rows, review results not merged down": [
        [("行政复议", 1, 5), ("行政诉讼", 1, 10)],
        [(r, 1, 1) for r in T4_RESULTS] + [(s, 1, 5) for s in T4_SUITS],
        [("", 1, 1)] * 5 + [(r, 1, 1) for _ in T4_SUITS for r in T4_RESULTS],
    ],
    "two rows": [
        [("行政复议", 1, 5)] + [(s, 1, 5) for s in T4_SUITS],
        [(r, 1, 1) for _ in range(3) for r in T4_RESULTS],
    ],
    "one row": [
        [(f"行政复议\n{r}", 1, 1) for r in T4_RESULTS]
        + [(f"行政诉讼\n{s}\n{r}", 1, 1) for s in T4_SUITS for r in T4_RESULTS],
    ],
    "two rows, results split over lines": [
        [("行政复议", 1, 5)] + [(s, 1, 5) for s in T4_SUITS],
        [("结果\n维持", 1, 1), ("结果\n纠正", 1, 1), ("其他\n结果", 1, 1), ("尚未\n审结", 1, 1), ("总计", 1, 1)] * 3,
    ],
}


def table4_html(truth, variant: str) -> str:
    """Table 4 with the header `variant` over its one value row."""
    from tests import generate as g

    rows = []
    for cells in T4_HEADERS[variant]:
        tds = "".join(f'<td{f" rowspan={rs}" if rs > 1 else ""}{f" colspan={cs}" if cs > 1 else ""}>'
                      + (text.replace("\n", "<br>") or "&nbsp;") + "</td>" for text, rs, cs in cells)
        rows.append(f"<tr>{tds}</tr>")
    values = [truth.raw.get(fid, "" if truth.values.get(fid) is None else str(truth.values[fid]))
              for fid in g.t4_ids()]
    rows.append("<tr>" + "".join(f"<td>{v or '&nbsp;'}</td>" for v in values) + "</tr>")
    return '<table border="1" cellspacing="0">' + "\n".join(rows) + "</table>\n"


def write_html_t4_variant(truth, path: Path, variant: str, *, rng) -> Path:
    """The report's web page (tests/render_html.py) with table 4's header in `variant`."""
    import re

    from tests import render_html

    render_html.write_html(truth, path, rng=rng, frame=False)
    page = Path(path).read_text(encoding="utf-8")
    tables = [m for m in re.finditer(r'<table border="1".*?</table>\n', page, flags=re.S)]
    last = tables[-1]
    page = page[:last.start()] + table4_html(truth, variant) + page[last.end():]
    Path(path).write_text(page, encoding="utf-8")
    return Path(path)


# ---------------------------------------------------------------- a sliver grid column in table 4

def write_docx_t4_sliver(truth, path: Path, variant: str = "own", *, rng) -> Path:
    """A .docx whose table 4 has a 1-pt-wide empty grid column between the 行政复议 and the
    行政诉讼 blocks, as a .doc round trip through LibreOffice leaves it (16 grid columns):
    `own` gives the sliver its own empty cell in every row; `spanned` lets the header cells
    left of it span it and gives it an empty cell in the value row only."""
    from tests import generate as g
    from tests import render_html

    flags, headings, t2, t3_parts, t4 = render_html.specs(truth, rng, {"extra_col": False, "extra_row": False})
    t4.widths.insert(5, 20)
    for r, row in enumerate(t4.rows):
        col = row.grid_before
        for k, cell in enumerate(row.cells):
            if col + cell.span == 5:                  # the cell ending where the sliver starts
                if variant == "spanned" and r < len(t4.rows) - 1:
                    cell.span += 1
                else:
                    row.cells.insert(k + 1, g.Cell(vmerge=cell.vmerge and ("restart" if r == 0 or
                                                                            cell.vmerge == "restart" else "continue")))
                break
            col += cell.span
    doc = g.new_document()
    doc.add_paragraph(f"{truth.agency}{truth.year}年政府信息公开工作年度报告")
    doc.add_paragraph(f"本报告中所列数据的统计期限自{truth.year}年1月1日起至{truth.year}年12月31日止。")
    doc.add_paragraph(headings[1])
    g.add_table(doc, t2)
    doc.add_paragraph(headings[2])
    for spec in t3_parts:
        g.add_table(doc, spec)
    doc.add_paragraph(headings[3])
    g.add_table(doc, t4)
    doc.add_paragraph(headings[4])
    doc.save(str(path))
    return Path(path)


# ---------------------------------------------------------------- tables drawn without their inner rules

RULES_CSS = {
    "frame": "table.data{border:1px solid #000;border-collapse:collapse}table.data td{border:none;padding:2px 4px}",
    "horizontal": "table.data{border-collapse:collapse}"
                  "table.data td{border:none;border-top:1px solid #000;border-bottom:1px solid #000;padding:2px 4px}",
}


def write_html_rules(truth, path: Path, rules: str, *, rng) -> Path:
    """The report's web page with its tables drawn by CSS with only an outer frame (`frame`) or
    only horizontal rules between rows (`horizontal`), as many CMS stylesheets draw them."""
    from tests import render_html

    render_html.write_html(truth, path, rng=rng, frame=False, sliver=False)
    page = Path(path).read_text(encoding="utf-8")
    page = page.replace("<style>td{border:1px solid}</style>", f"<style>{RULES_CSS[rules]}</style>")
    page = page.replace('<table border="1" cellspacing="0">', '<table class="data" cellspacing="0">')
    Path(path).write_text(page, encoding="utf-8")
    return Path(path)


def with_short_pages(src: Path, dst: Path, height_in: float = 4.0) -> Path:
    """The .docx with every section's page `height_in` inches tall (margins 0.5 in), so that
    LibreOffice's PDF runs a long table over several pages."""
    import docx
    from docx.shared import Inches

    doc = docx.Document(str(src))
    for section in doc.sections:
        section.page_height = Inches(height_in)
        section.top_margin = section.bottom_margin = Inches(0.5)
    doc.save(str(dst))
    return Path(dst)


def write_docx_t4_variant(truth, path: Path, variant: str, *, rng) -> Path:
    """The generated .docx (tests/generate.py) with table 4 rebuilt by python-docx with the
    header `variant` (T4_HEADERS): merges as Word makes them, the table's own borders kept."""
    import copy

    import docx

    from tests import generate as g

    g.write_docx(truth, path, rng=rng)
    doc = docx.Document(str(path))
    old = doc.tables[-1]
    header = T4_HEADERS[variant]
    table = doc.add_table(rows=len(header) + 1, cols=15)
    table._tbl.remove(table._tbl.tblPr)
    table._tbl.insert(0, copy.deepcopy(old._tbl.tblPr))
    taken: set[tuple[int, int]] = set()
    for r, cells in enumerate(header):
        col = 0
        for text, rowspan, colspan in cells:
            while (r, col) in taken:
                col += 1
            first, last = table.cell(r, col), table.cell(r + rowspan - 1, col + colspan - 1)
            merged = first.merge(last) if (rowspan, colspan) != (1, 1) else first
            lines = text.split("\n")
            merged.paragraphs[0].text = lines[0]
            for line in lines[1:]:
                merged.paragraphs[0].add_run().add_break()
                merged.paragraphs[0].add_run(line)
            taken |= {(r + i, col + j) for i in range(rowspan) for j in range(colspan)}
            col += colspan
    for c, fid in enumerate(g.t4_ids()):
        value = truth.values.get(fid)
        table.cell(len(header), c).paragraphs[0].text = truth.raw.get(fid, "" if value is None else str(value))
    old._tbl.addprevious(table._tbl)
    old._tbl.getparent().remove(old._tbl)
    doc.save(str(path))
    return Path(path)
