"""extract.pdf at grid level: real corpus PDFs, LibreOffice-made PDFs, broken and scanned files."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ogi.extract.model import Document, ExtractError, Table
from ogi.extract.pdf import read_pdf

ROOT = Path(__file__).resolve().parents[1]
# the shared corpus sits beside the repository (or beside the folder of its worktrees)
CORPUS = next((p for p in (ROOT.parent / "shared" / "corpus", ROOT.parents[1] / "shared" / "corpus") if p.exists()),
              ROOT.parent / "shared" / "corpus")
FIELDS = ROOT / "data" / "fields.csv"
SAMPLES = ROOT / "data" / "samples"
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _numeric_rows(table: Table) -> list[list[str]]:
    """Rows holding numbers, each as its numbers left to right."""
    rows = []
    for r in range(table.n_rows):
        values = [_flat(c.text) for c in table.row_cells(r) if NUMBER.match(_flat(c.text))]
        if values:
            rows.append(values)
    return rows


def _truth_numbers(truth: dict, table: str) -> list[str]:
    with open(FIELDS, encoding="utf-8") as fh:
        ids = [row["id"] for row in csv.DictReader(fh) if row["table"] == table]
    out = []
    for field_id in ids:
        value = truth["values"].get(field_id)
        if field_id in truth["values"] and value is not None:
            out.append(f"{value:g}" if isinstance(value, float) else str(value))
    return out


def _assert_cells_placed(doc: Document) -> None:
    for table in doc.tables:
        for cell in table.cells:
            assert cell.page is not None and cell.bbox is not None, cell
            x0, top, x1, bottom = cell.bbox
            assert x0 < x1 and top < bottom, cell
        assert all(slot is not None for row in table.grid() for slot in row), "holes in the grid"


# ------------------------------------------------------------------ real corpus

CORPUS_CASES = [
    # file, table-3 data rows, pages of table 3
    ("huaian-city-2024", 25, {4, 5}),
    ("hongze-district-2023", 23, {3, 4}),
    ("hongze-district-2024", 23, {3, 4}),
]


@pytest.fixture(scope="module", params=CORPUS_CASES, ids=[c[0] for c in CORPUS_CASES])
def corpus_case(request):
    name, rows, pages = request.param
    path = CORPUS / f"{name}.pdf"
    if not path.exists():
        pytest.skip("shared corpus not available")
    truth = json.loads((CORPUS / f"{name}.truth.json").read_text(encoding="utf-8"))
    return read_pdf(str(path)), truth, rows, pages


def test_corpus_has_exactly_the_three_report_tables(corpus_case):
    doc, truth, _, _ = corpus_case
    assert doc.format == "pdf" and doc.n_pages in (5, 6)
    assert [(t.n_cols) for t in doc.tables] == [4, 10, 15]
    assert doc.pages_needing_ocr == []
    _assert_cells_placed(doc)


def test_corpus_table3_is_one_stitched_table_matching_truth(corpus_case):
    doc, truth, n_rows, pages = corpus_case
    table = doc.tables[1]
    numeric = _numeric_rows(table)
    assert len(numeric) == n_rows and all(len(r) == 7 for r in numeric)
    assert [v for row in numeric for v in row] == _truth_numbers(truth, "t3")
    assert {c.page for c in table.cells} == pages


def test_corpus_group_label_cut_by_page_break_is_one_cell(corpus_case):
    doc, _, _, _ = corpus_case
    table = doc.tables[1]
    group = [c for c in table.cells if _flat(c.text).startswith("（四）")]
    assert len(group) == 1 and _flat(group[0].text) == "（四）无法提供"
    assert group[0].rowspan == 3
    vertical = [c for c in table.cells if _flat(c.text) == "三、本年度办理结果"]
    assert len(vertical) == 1 and vertical[0].rowspan == n_result_rows(table)


def n_result_rows(table: Table) -> int:
    first = next(c.row for c in table.cells if _flat(c.text).startswith("（一）"))
    last = next(c.row for c in table.cells if _flat(c.text).startswith("（七）"))
    return last - first + 1


def test_corpus_tables_2_and_4_match_truth(corpus_case):
    doc, truth, _, _ = corpus_case
    t2 = [v for row in _numeric_rows(doc.tables[0]) for v in row]
    assert t2 == _truth_numbers(truth, "t2")
    t4 = [v for row in _numeric_rows(doc.tables[2]) for v in row]
    assert t4 == _truth_numbers(truth, "t4") and len(t4) == 15


def test_corpus_paragraphs_do_not_repeat_table_text(corpus_case):
    doc, _, _, _ = corpus_case
    text = "\n".join(doc.iter_text())
    assert "三、收到和处理政府信息公开申请情况" in _flat(text)
    assert "本机关不掌握相关政府信息" not in _flat(text)
    assert all(p.page for p in doc.paragraphs)


def test_corpus_title_from_metadata():
    path = CORPUS / "hongze-district-2023.pdf"
    if not path.exists():
        pytest.skip("shared corpus not available")
    doc = read_pdf(str(path), path.read_bytes())
    assert doc.title == "洪泽区人民政府2023年政府信息公开工作年度报告"
    assert len(doc.sha256) == 64


# ------------------------------------------------------------------ broken files

def test_empty_file_raises(tmp_path):
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(ExtractError, match="empty"):
        read_pdf(str(path))


def test_truncated_file_raises_short_reason():
    path = CORPUS / "huaian-city-2024.pdf"
    if not path.exists():
        pytest.skip("shared corpus not available")
    data = path.read_bytes()
    with pytest.raises(ExtractError) as info:
        read_pdf("cut.pdf", data[: len(data) // 2])
    assert "\n" not in str(info.value) and len(str(info.value)) < 80


def _encrypted(tmp_path: Path, user_password: str) -> Path:
    pikepdf = pytest.importorskip("pikepdf")
    src = CORPUS / "hongze-district-2024.pdf"
    if not src.exists():
        pytest.skip("shared corpus not available")
    out = tmp_path / f"enc-{user_password or 'none'}.pdf"
    with pikepdf.open(src) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(user=user_password, owner="owner-secret"))
    return out


def test_password_protected_pdf_raises(tmp_path):
    path = _encrypted(tmp_path, "secret")
    with pytest.raises(ExtractError, match="encrypted PDF: a password is needed to open it"):
        read_pdf(str(path))


def test_empty_user_password_opens(tmp_path):
    doc = read_pdf(str(_encrypted(tmp_path, "")))
    assert len(doc.tables) == 3


def test_page_cap(tmp_path, monkeypatch):
    import dataclasses
    import ogi.extract.pdf as pdf_module
    monkeypatch.setattr(pdf_module, "SETTINGS", dataclasses.replace(pdf_module.SETTINGS, max_pages=3))
    path = CORPUS / "hongze-district-2024.pdf"
    if not path.exists():
        pytest.skip("shared corpus not available")
    with pytest.raises(ExtractError, match="pages"):
        read_pdf(str(path))


def test_image_only_pdf_needs_ocr(tmp_path):
    img2pdf = pytest.importorskip("img2pdf")
    import pypdfium2 as pdfium
    src = CORPUS / "hongze-district-2024.pdf"
    if not src.exists():
        pytest.skip("shared corpus not available")
    pdf = pdfium.PdfDocument(str(src))
    pngs = []
    for i in (0, 2):
        buf = io.BytesIO()
        pdf[i].render(scale=0.5).to_pil().convert("L").save(buf, format="PNG")
        pngs.append(buf.getvalue())
    pdf.close()
    path = tmp_path / "scan.pdf"
    path.write_bytes(img2pdf.convert(pngs))
    doc = read_pdf(str(path))
    assert doc.pages_needing_ocr == [1, 2]
    assert doc.warnings and "OCR" in doc.warnings[0]
    assert doc.tables == []


# ------------------------------------------------------------------ LibreOffice-made PDFs

APPLICANTS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
GROUPS = [  # (group label or None, leaf labels); None: the row label spans both label columns
    (None, ["（一）予以公开"]),
    (None, ["（二）部分公开（区分处理的，只计这一情形，不计其他情形）"]),
    ("（三）不予公开", ["1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”",
                  "4.保护第三方合法权益", "5.属于三类内部事务信息", "6.属于四类过程性信息",
                  "7.属于行政执法案卷", "8.属于行政查询事项"]),
    ("（四）无法提供", ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"]),
    ("（五）不予处理", ["1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物",
                  "4.无正当理由大量反复申请", "5.要求行政机关确认或重新出具已获取信息"]),
    (None, ["（六）其他处理"]),
    (None, ["（七）总计"]),
]
BODY = ("本报告根据《中华人民共和国政府信息公开条例》的规定编制，内容包括总体情况、主动公开政府信息情况、"
        "收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况。")


def _value(r: int, c: int) -> str:
    return str((r * 37 + c * 11) % 97 + (1000 if c == 6 else 0))


def _table3_docx(path: Path, lead_paragraphs: int, repeat_header: bool, landscape: bool = False) -> None:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    document.styles["Normal"].font.size = Pt(12)
    document.add_paragraph("某某县人民政府2024年政府信息公开工作年度报告")
    for i in range(lead_paragraphs):
        document.add_paragraph(f"（{i + 1}）" + BODY * 2)
    if landscape:
        section = document.add_section()
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    document.add_paragraph("三、收到和处理政府信息公开申请情况")
    leaf_rows = sum(len(leaves) for _, leaves in GROUPS)
    n_rows = 2 + 2 + leaf_rows + 1
    table = document.add_table(rows=n_rows, cols=10)
    table.style = "Table Grid"
    cells = table.rows

    def merge(r0, c0, r1, c1, text):
        cell = table.cell(r0, c0).merge(table.cell(r1, c1)) if (r0, c0) != (r1, c1) else table.cell(r0, c0)
        cell.text = text

    merge(0, 0, 1, 2, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")
    merge(0, 3, 0, 9, "申请人情况")
    for c, label in enumerate(APPLICANTS):
        table.cell(1, 3 + c).text = label
    merge(2, 0, 2, 2, "一、本年新收政府信息公开申请数量")
    merge(3, 0, 3, 2, "二、上年结转政府信息公开申请数量")
    r = 4
    merge(r, 0, r + leaf_rows - 1, 0, "三、本年度办理结果")
    for group, leaves in GROUPS:
        if group is None:
            merge(r, 1, r, 2, leaves[0])
        else:
            merge(r, 1, r + len(leaves) - 1, 1, group)
            for i, leaf in enumerate(leaves):
                table.cell(r + i, 2).text = leaf
        r += len(leaves)
    merge(r, 0, r, 2, "四、结转下年度继续办理")
    for row in range(2, n_rows):
        for c in range(7):
            table.cell(row, 3 + c).text = _value(row, c)
    if repeat_header:
        for row in cells[:2]:
            flag = OxmlElement("w:tblHeader")
            flag.set(qn("w:val"), "true")
            row._tr.get_or_add_trPr().append(flag)
    document.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    document.add_paragraph(BODY)
    document.save(path)


SYNTHETIC = {
    # name: (lead paragraphs, repeated header, landscape)
    "short": (1, False, False),
    "split_a": (6, False, False),
    "split_b": (8, False, False),
    "split_c": (10, False, False),
    "split_header": (8, True, False),
    "landscape": (2, False, True),
}


@pytest.fixture(scope="session")
def synthetic_pdfs(tmp_path_factory) -> dict[str, Path]:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    work = tmp_path_factory.mktemp("lo")
    for name, (lead, header, landscape) in SYNTHETIC.items():
        _table3_docx(work / f"{name}.docx", lead, header, landscape)
    for sample in SAMPLES.glob("*.docx"):            # generated reports with known truth
        shutil.copyfile(sample, work / sample.name)
    env = dict(os.environ, HOME=str(work / "home"), TMPDIR=str(work))
    subprocess.run([soffice, f"-env:UserInstallation=file://{work}/lo-profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(work / "pdf"),
                    *sorted(str(p) for p in work.glob("*.docx"))],
                   check=True, env=env, capture_output=True, timeout=240)
    return {p.stem: p for p in (work / "pdf").glob("*.pdf")}


def _expected_values() -> list[list[str]]:
    leaf_rows = sum(len(leaves) for _, leaves in GROUPS)
    return [[_value(r, c) for c in range(7)] for r in range(2, 2 + 2 + leaf_rows + 1)]


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", list(SYNTHETIC))
def test_synthetic_table3_grid(synthetic_pdfs, name):
    doc = read_pdf(str(synthetic_pdfs[name]))
    assert len(doc.tables) == 1, [(t.page, t.n_rows, t.n_cols) for t in doc.tables]
    table = doc.tables[0]
    _assert_cells_placed(doc)
    assert table.n_cols == 10 and table.n_rows == 25
    assert _numeric_rows(table) == _expected_values()
    by_text = {_flat(c.text): c for c in table.cells}
    assert by_text["三、本年度办理结果"].rowspan == 20 and by_text["三、本年度办理结果"].col == 0
    for group, leaves in GROUPS:
        if group is not None:
            cell = by_text[group]
            assert (cell.col, cell.rowspan) == (1, len(leaves)), cell
    assert (by_text["申请人情况"].colspan, by_text["申请人情况"].col) == (7, 3)
    note = next(c for c in table.cells if _flat(c.text).startswith("（本列数据"))
    assert (note.rowspan, note.colspan) == (2, 3)
    assert all(_flat(c.text) != "申请人情况" for c in table.cells if c.row > 0), "repeated header kept"


@pytest.mark.libreoffice
def test_synthetic_split_tables_span_two_pages(synthetic_pdfs):
    pages = {name: {c.page for c in read_pdf(str(synthetic_pdfs[name])).tables[0].cells}
             for name in SYNTHETIC if name.startswith("split")}
    assert all(len(p) >= 2 for p in pages.values()), pages


@pytest.mark.libreoffice
def test_synthetic_landscape_page(synthetic_pdfs):
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(str(synthetic_pdfs["landscape"]))
    table_page = read_pdf(str(synthetic_pdfs["landscape"])).tables[0].page
    width, height = pdf[table_page - 1].get_size()
    pdf.close()
    assert width > height


@pytest.mark.libreoffice
def test_synthetic_paragraphs_in_order_without_table_text(synthetic_pdfs):
    doc = read_pdf(str(synthetic_pdfs["split_b"]))
    kinds = ["T" if isinstance(b, Table) else _flat(b.text)[:6] for b in doc.blocks]
    t = kinds.index("T")
    assert kinds[t - 1].startswith("三、收到") and kinds[t + 1].startswith("四、政府")
    assert not any("本机关不掌握" in p.text for p in doc.paragraphs)


def test_rotated_pages_read_upright(tmp_path):
    """/Rotate 90 over upright content shows the text sideways; it is read turned back."""
    pikepdf = pytest.importorskip("pikepdf")
    src = CORPUS / "huaian-city-2024.pdf"
    if not src.exists():
        pytest.skip("shared corpus not available")
    path = tmp_path / "rotated.pdf"
    with pikepdf.open(src) as pdf:
        for page in pdf.pages:
            page.Rotate = 90
        pdf.save(path)
    truth = json.loads((CORPUS / "huaian-city-2024.truth.json").read_text(encoding="utf-8"))
    doc = read_pdf(str(path))
    assert [t.n_cols for t in doc.tables] == [4, 10, 15]
    assert [v for row in _numeric_rows(doc.tables[1]) for v in row] == _truth_numbers(truth, "t3")
    assert _flat(doc.paragraphs[0].text) == "淮安市人民政府"


# Samples whose truth records the printed text ("raw"); the seed's truth holds derived zeros.
SAMPLE_NAMES = sorted(p.stem for p in SAMPLES.glob("*.docx")
                      if "raw" in json.loads(p.with_suffix(".truth.json").read_text(encoding="utf-8")))


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_generated_reports_keep_every_printed_value(synthetic_pdfs, name):
    """Samples from tests/generate.py, via LibreOffice: every printed table-3/4 value is a cell."""
    from collections import Counter
    truth = json.loads((SAMPLES / f"{name}.truth.json").read_text(encoding="utf-8"))
    doc = read_pdf(str(synthetic_pdfs[name]))
    _assert_cells_placed(doc)
    cells = Counter(_flat(c.text) for t in doc.tables for c in t.cells)
    raw = truth["raw"]
    for table in ("t3", "t4"):
        printed = Counter(_flat(v) for k, v in raw.items() if k.startswith(table + ".") and _flat(v))
        missing = printed - cells
        assert not missing, (table, missing)


# ------------------------------------------------------------------ grids from page objects

def _same_grid(ours, theirs) -> None:
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert len(a.cells) == len(b.cells)
        for x, y in zip(sorted(a.cells, key=lambda c: c.bbox), sorted(b.cells, key=lambda c: c.bbox)):
            assert max(abs(p - q) for p, q in zip(x.bbox, y.bbox)) <= 0.5, (x, y)
            assert _flat(x.text) == _flat(y.text), (x, y)


@pytest.mark.parametrize("name", [c[0] for c in CORPUS_CASES])
def test_page_object_grids_equal_pdfplumbers(name):
    """The grids built from pypdfium2 path objects and chars are pdfplumber's own grids."""
    import pypdfium2 as pdfium
    from ogi.extract.pdf import fallback, pages as text_pass, tables
    from ogi.normalize.anchors import page_anchors
    path = CORPUS / f"{name}.pdf"
    if not path.exists():
        pytest.skip("shared corpus not available")
    data = path.read_bytes()
    pdf = pdfium.PdfDocument(data)
    try:
        pages = [text_pass._page_text(pdf, i) for i in range(len(pdf))]
        numbers = text_pass.pages_with_tables(pages, page_anchors())
        theirs = fallback._tables_on_pages(data, numbers)
        for n in numbers:
            ours, _ = tables._tables_from_page_objects(pdf, pages[n - 1])
            _same_grid(ours, theirs[n])
    finally:
        pdf.close()


def test_corpus_needs_no_pdfplumber_fallback(caplog):
    import logging
    from ogi.extract.pdf import FALLBACK
    caplog.set_level(logging.INFO, logger="ogi.extract.pdf")
    paths = sorted(CORPUS.glob("*.pdf"))
    if not paths:
        pytest.skip("shared corpus not available")
    for path in paths:
        assert len(read_pdf(str(path)).tables) == 3
    assert not [r for r in caplog.records if FALLBACK in r.getMessage()]


def _chars(lines: list[tuple[str, float, float]], width: float = 10.0) -> list[dict]:
    """Char dicts as _page_chars makes them: (text, left x, baseline) per line."""
    out = []
    for text, x, baseline in lines:
        for i, ch in enumerate(text):
            x0 = x + i * width
            out.append({"text": ch, "x0": x0, "x1": x0 + width, "top": baseline, "bottom": baseline,
                        "doctop": baseline, "upright": True, "cx": x0 + width / 2, "cy": baseline - 4})
    return out


def test_number_wrapped_by_a_narrow_cell_is_joined():
    from ogi.extract.pdf.cells import _cell_text
    chars = _chars([("１８", 100, 20), ("４", 105, 34)])
    assert _cell_text(chars, (98, 5, 132, 40)) == "１８４"       # '４' did not fit beside '１８'


def test_two_numbers_on_two_lines_are_never_fused():
    from ogi.extract.pdf.cells import _cell_text
    chars = _chars([("12", 100, 20), ("34", 100, 34)])
    assert _cell_text(chars, (90, 5, 250, 40)) == "12\n34"       # room to spare: two lines


def test_label_lines_keep_their_breaks():
    from ogi.extract.pdf.cells import _cell_text
    chars = _chars([("商业", 100, 20), ("企业", 100, 34)])
    assert _cell_text(chars, (98, 5, 122, 40)) == "商业\n企业"


def test_traditional_character_anchors_find_the_tables():
    from ogi.extract.pdf import PageText, Line
    from ogi.extract.pdf.pages import pages_with_tables
    from ogi.normalize.anchors import page_anchors
    def page(n, text):
        return PageText(n, 595, 842, [Line(text, (0, 0, 10, 10))], False)
    pages = [page(1, "總體情況"), page(2, "信息內容 本年處理決定數量"), page(3, "申請人情況"),
             page(4, "行政複議 行政訴訟"), page(5, "結果維持 尚未審結")]
    # 行政複議 (not 復) folds by OpenCC's tables; page 5 holds table 4's result columns itself
    assert pages_with_tables(pages, page_anchors()) == [2, 3, 4, 5]
    assert pages_with_tables(pages[:4], page_anchors()) == [2, 3]    # a lone review header: no table
    assert pages_with_tables(pages, None) == [1, 2, 3, 4, 5]         # no anchors given: every page


def test_content_drawn_sideways_is_read_turned_upright(tmp_path):
    """Content turned 90 degrees counter-clockwise on a page without /Rotate: every glyph
    stands at 270 degrees (pdfium counts clockwise), so the page is read under /Rotate 90."""
    pikepdf = pytest.importorskip("pikepdf")
    src = CORPUS / "huaian-city-2024.pdf"
    if not src.exists():
        pytest.skip("shared corpus not available")
    path = tmp_path / "sideways.pdf"
    with pikepdf.open(src) as pdf:
        for page in pdf.pages:
            width, height = float(page.MediaBox[2]), float(page.MediaBox[3])
            page.contents_add(pikepdf.Stream(pdf, f"q 0 1 -1 0 {height} 0 cm".encode()), prepend=True)
            page.contents_add(pikepdf.Stream(pdf, b"Q"))
            page.MediaBox = [0, 0, height, width]
        pdf.save(path)
    upright, sideways = read_pdf(str(src)), read_pdf(str(path))
    assert [t.texts() for t in sideways.tables] == [t.texts() for t in upright.tables]


def test_pdf_reader_holds_no_page_anchor():
    """The anchors that find table pages live in data/tables.csv and come in as an argument:
    none of them is written into the PDF reader's code."""
    from ogi.normalize.anchors import page_anchors
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "extract" / "pdf").glob("*.py"))
    words = {w for t in page_anchors().tables for w in t.page + t.lead}
    assert len(words) >= 10
    assert not [w for w in words if w in source]


def _random_edges(rng) -> list[dict]:
    """Rulings of a table with merged cells and gaps: some rules cut short, some left out."""
    from ogi.extract.pdf.rulings import _edge
    xs = sorted(rng.sample(range(0, 500, 10), rng.randint(3, 9)))
    ys = sorted(rng.sample(range(0, 700, 10), rng.randint(3, 12)))
    edges = []
    for y in ys:
        a, b = sorted(rng.sample(xs, 2)) if rng.random() < 0.3 else (xs[0], xs[-1])
        edges.append(_edge(a, y, b, y, "h"))
    for x in xs:
        a, b = sorted(rng.sample(ys, 2)) if rng.random() < 0.3 else (ys[0], ys[-1])
        edges.append(_edge(x, a, x, b, "v"))
    return [e for e in edges if rng.random() < 0.9]


def test_cell_finder_finds_pdfplumbers_cells_in_its_order():
    """rulings._intersections_to_cells (each point's edges indexed once) is pdfplumber's
    intersections_to_cells: the same cells in the same order, on grids with merges and gaps."""
    import random
    from pdfplumber.table import edges_to_intersections, intersections_to_cells
    from ogi.extract.pdf.rulings import _intersections_to_cells
    rng = random.Random(15)
    for _ in range(200):
        points = edges_to_intersections(_random_edges(rng), 3, 3)
        assert _intersections_to_cells(points) == intersections_to_cells(points)
