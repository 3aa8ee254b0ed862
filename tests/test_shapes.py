"""Layouts made by producers other than the project's own writer: Chromium's print of a web
page (page breaks inside header bands), LibreOffice's PDF, .doc and .odt of a report filled
into the official template by python-docx; and text a reader never sees."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from ogi.extract.pdf import read_pdf
from ogi.pipeline import read_report
from tests import generate as g, producers, render_html

ROOT = Path(__file__).resolve().parents[1]
CORPUS = next((p for p in (ROOT.parent / "shared" / "corpus", ROOT.parents[1] / "shared" / "corpus") if p.exists()),
              ROOT.parent / "shared" / "corpus")


def _wrong_and_missing(path: Path, truth: dict) -> tuple[dict, list]:
    report = read_report(path)
    wrong = {f: (v, report.values[f].value) for f, v in truth["values"].items()
             if f in report.values and report.values[f].value != v}
    missing = [f for f in truth["values"] if f not in report.values]
    return wrong, missing


# ---------------------------------------------------------------- Chromium print of a web page

def _band_split(pdf: Path) -> bool:
    """Table 3's header band starts on one page and goes on on the next."""
    table = next(t for t in read_pdf(str(pdf)).tables if any("申请人情况" in c.text for c in t.cells))
    head = next(c for c in table.cells if "申请人情况" in c.text)
    sub = next(c for c in table.cells if "商" in c.text and "企" in c.text)
    return sub.page == head.page + 1


@pytest.mark.slow
@pytest.mark.skipif(not producers.have_chromium(), reason="chromium, chromedriver or selenium missing")
def test_chromium_print_with_page_break_inside_table3_header_band(tmp_path):
    """Chromium draws a cell cut by a page break without its bottom border: the band at the
    page's foot made no closed grid, table 3 was not found ('no recognisable column headers')."""
    rng = random.Random(100)
    truth = g.random_truth(rng, "2021")
    html = tmp_path / "report.html"
    render_html.write_html(truth, html, rng=random.Random(200), frame=False)
    want = truth.to_json("report.pdf")
    with producers.chromium_printer() as print_pdf:
        for scale in (1.0, 0.97, 0.94, 0.91, 0.88):     # the first zoom that breaks inside the band
            pdf = print_pdf(html, tmp_path / f"report-{scale}.pdf", "A4", scale)
            if _band_split(pdf):
                break
        else:
            pytest.fail("no zoom put the page break inside table 3's header band")
    wrong, missing = _wrong_and_missing(pdf, want)
    assert not wrong and not missing, (wrong, missing)


# ---------------------------------------------------------------- text no reader sees

def _inject(src: Path, dst: Path, page_index: int, x: float, y: float, text: str, mode: int) -> None:
    import pikepdf

    with pikepdf.open(src) as pdf:
        page = pdf.pages[page_index]
        font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                    BaseFont=pikepdf.Name.Helvetica))
        page.add_resource(font, pikepdf.Name.Font, pikepdf.Name("/FInj"))
        stream = f"q BT /FInj 9 Tf {mode} Tr 1 0 0 1 {x:.2f} {y:.2f} Tm ({text}) Tj ET Q".encode()
        page.contents_add(pikepdf.Stream(pdf, stream), prepend=False)
        pdf.save(dst)


def _value_cell(pdf: Path, field: str):
    value = read_report(pdf).values[field]
    return value.page, value.bbox


@pytest.mark.parametrize("mode, seen", [(3, False), (0, True)])
def test_invisible_pdf_text_is_not_read(tmp_path, mode, seen):
    """A digit drawn in render mode 3 inside a value cell is never part of the value (and the
    same digit drawn visibly is: the injection really lands in the cell)."""
    src = CORPUS / "huaian-city-2024.pdf"
    if not src.exists():
        pytest.skip("shared corpus not available")
    truth = json.loads((CORPUS / "huaian-city-2024.truth.json").read_text(encoding="utf-8"))
    field = "t3.new.natural"
    page, (x0, top, x1, bottom) = _value_cell(src, field)
    import pypdfium2 as pdfium
    height = pdfium.PdfDocument(str(src))[page - 1].get_size()[1]
    dst = tmp_path / "injected.pdf"
    _inject(src, dst, page - 1, x1 - 8, height - bottom + 3, "7", mode)
    value = read_report(dst).values[field].value
    assert (value != truth["values"][field]) is seen, (value, truth["values"][field])


def test_text_outside_the_page_is_not_read(tmp_path):
    src = CORPUS / "huaian-city-2024.pdf"
    if not src.exists():
        pytest.skip("shared corpus not available")
    dst = tmp_path / "outside.pdf"
    _inject(src, dst, 0, -400, -300, "2019 Annual report of another agency", 0)
    texts = [b.text for b in read_pdf(str(dst)).paragraphs]
    assert not any("another agency" in t for t in texts)
    assert read_report(dst).meta.year == 2024


# ---------------------------------------------------------------- sliver columns, table 4's header variants

@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.skipif(producers.soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_odt_round_trip_sliver_column_keeps_table4(tmp_path):
    """.docx with a sliver column → LibreOffice .odt → read: the group labels came back one
    column off and the last column lost; 复议后起诉's results were missing (28 of 1,168 cells
    in the matrix). Read by the last header row's order, the lost 总计 from its group's sum."""
    rng = random.Random(3)
    made = []
    for i in range(3):
        truth = g.random_truth(rng, g.LAYOUTS[i])
        made.append((producers.write_docx_t4_sliver(truth, tmp_path / f"s{i}.docx", "own", rng=random.Random(i)),
                     truth))
    shaped = 0
    for odt, (_, truth) in zip(producers.convert([p for p, _ in made], "odt", tmp_path / "odt"), made):
        shaped += any("order of the labels" in w for w in read_report(odt).warnings)
        want = truth.to_json(odt.name)
        wrong, missing = _wrong_and_missing(odt, want)
        assert not wrong, wrong
        assert set(missing) <= {"t4.suit_after_review.total"}, missing
        if missing:                                    # left missing only when its sum is 0: maybe blank
            assert not want["values"][missing[0]]
    assert shaped                                      # the shape this test is about


@pytest.mark.parametrize("variant", ["own", "spanned"])
def test_sliver_grid_column_in_table4_is_dropped_in_docx(tmp_path, variant):
    """An empty 1-pt grid column between table 4's blocks (the header cells left of it
    spanning it, or not) is no column of the table: every table-4 value is read."""
    truth = g.random_truth(random.Random(11), "2021")
    path = producers.write_docx_t4_sliver(truth, tmp_path / "sliver.docx", variant, rng=random.Random(5))
    wrong, missing = _wrong_and_missing(path, truth.to_json(path.name))
    assert not wrong and not missing, (wrong, missing)


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.skipif(producers.soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_doc_round_trip_sliver_column_keeps_table4(tmp_path):
    """.docx → LibreOffice .doc → read: the round trip split table 4's grid with two sliver
    columns, the value row's empty cell spanning them; all 15 values were missing."""
    truth = g.random_truth(random.Random(11), "2021")
    src = producers.write_docx_t4_sliver(truth, tmp_path / "sliver.docx", "spanned", rng=random.Random(5))
    doc = producers.convert([src], "doc", tmp_path / "doc")[0]
    from ogi import extract
    review = extract.read(str(doc)).tables[-1]
    assert review.n_cols > 15                         # the shape this test is about
    wrong, missing = _wrong_and_missing(doc, truth.to_json(doc.name))
    assert not wrong and not missing, (wrong, missing)


def test_table4_header_row_with_empty_cells_is_no_value_row(tmp_path):
    """Table 4's review results not merged down: the last header row prints five empty cells
    under them, and was read as the first value row; the ten 行政诉讼 columns were then named
    by no header and their values silently missing."""
    truth = g.random_truth(random.Random(7), "2021")
    page = producers.write_html_t4_variant(truth, tmp_path / "report.html", "three rows, review results not merged down",
                                           rng=random.Random(3))
    report = read_report(page)
    t4 = {f: v for f, v in truth.to_json(page.name)["values"].items() if f.startswith("t4.")}
    assert {f: report.values[f].value for f in t4 if f in report.values} == t4


@pytest.mark.parametrize("variant", list(producers.T4_HEADERS))
def test_table4_header_variants_in_a_web_page(tmp_path, variant):
    truth = g.random_truth(random.Random(7), "2021")
    page = producers.write_html_t4_variant(truth, tmp_path / "report.html", variant, rng=random.Random(3))
    wrong, missing = _wrong_and_missing(page, truth.to_json(page.name))
    assert not wrong and not missing, (wrong, missing)


@pytest.mark.slow
@pytest.mark.skipif(not producers.have_chromium(), reason="chromium, chromedriver or selenium missing")
def test_table4_header_variants_printed_by_chromium(tmp_path):
    """The same pages printed: stacked table-3 parts drawn a few points apart once made every
    column two (t3 'prints 7 cells for 14 columns', all left missing)."""
    truth = g.random_truth(random.Random(7), "2021")
    want = truth.to_json("report.pdf")
    with producers.chromium_printer() as print_pdf:
        for k, variant in enumerate(producers.T4_HEADERS):
            page = producers.write_html_t4_variant(truth, tmp_path / f"v{k}.html", variant, rng=random.Random(3))
            for paper, scale in (("A4", 1.0), ("Letter", 0.8)):
                pdf = print_pdf(page, tmp_path / f"v{k}-{paper}.pdf", paper, scale)
                wrong, missing = _wrong_and_missing(pdf, want)
                assert not wrong and not missing, (variant, paper, wrong, missing)


# ---------------------------------------------------------------- the robustness matrix, sampled

@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.skipif(producers.soffice() is None or not producers.have_chromium(),
                    reason="LibreOffice or Chromium missing")
def test_sampled_robustness_matrix_reads_every_cell(tmp_path):
    """benchmarks/accuracy.py on a sample: every producer that ogi supports reads 100% of the
    cells and none wrong; a producer known to lose cells (listed in KNOWN_GAPS there) may miss
    cells but never reads one wrong."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("accuracy", ROOT / "benchmarks" / "accuracy.py")
    accuracy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(accuracy)
    rows = accuracy.matrix(n=2, seed=5)
    assert len(rows) >= 10
    for name, files, _right, wrong, missing in rows:
        assert files and wrong == 0, (name, wrong)
        if not accuracy.known_gap(name):
            assert missing == 0, (name, missing)


# ---------------------------------------------------------------- a value row shifted by a lost column

def _t4_table(header_groups, results_row, values):
    from ogi.extract.model import Cell, Table
    cells, col = [], 0
    for text, span in header_groups:
        cells.append(Cell(0, col, text, colspan=span))
        col += span
    cells += [Cell(1, c, text) for c, text in enumerate(results_row)]
    cells += [Cell(2, c, text) for c, text in enumerate(values)]
    return Table(cells=cells, n_rows=3, n_cols=len(values))


RESULTS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def test_t4_value_row_shifted_by_an_empty_cell_is_moved_back_by_the_sums():
    """.docx → LibreOffice .odt → .docx: the value row keeps a sliver's empty cell the header
    lost, every value after it one column right, the last one gone. Read shifted, nine values
    were wrong; the sums of each group tell where the extra cell is."""
    from ogi.normalize.tables import read_tables
    printed = ["1", "2", "0", "0", "3", "", "4", "0", "1", "0", "5", "2", "0", "0", "0"]
    header = [("行政复议", 5), ("未经复议直接起诉", 5), ("复议后起诉", 5)]
    table = _t4_table(header, RESULTS * 3, printed)
    reading = read_tables([table])
    got = {f: v.value for f, v in reading.values.items() if f.startswith("t4.")}
    assert got["t4.suit_direct.upheld"] == 4 and got["t4.suit_direct.total"] == 5
    assert got["t4.suit_after_review.upheld"] == 2 and got["t4.suit_after_review.total"] == 2
    assert reading.values["t4.suit_after_review.total"].label == "inferred"
    assert any("moved back" in w for w in reading.warnings)


def test_t4_row_with_sums_broken_by_the_report_itself_is_kept_as_printed():
    """A real report's own error (总计 0 where the parts sum to 11) is no shift: kept for the audit."""
    from ogi.normalize.tables import read_tables
    printed = ["5", "6", "", "0", "0", "1", "0", "0", "0", "1", "0", "0", "0", "0", "0"]
    reading = read_tables([_t4_table([("行政复议", 5), ("未经复议直接起诉", 5), ("复议后起诉", 5)], RESULTS * 3, printed)])
    assert reading.values["t4.review.total"].value == 0 and reading.values["t4.review.upheld"].value == 5


def test_t4_header_out_of_template_order_is_left_missing():
    """Group labels spanning the wrong result columns (a converter moved a boundary): the
    columns out of order are not read, rather than read under the wrong group."""
    from ogi.normalize.tables import read_tables
    printed = [str(i) for i in range(15)]
    results = RESULTS * 2 + [RESULTS[-1]] + RESULTS[:4]
    reading = read_tables([_t4_table([("行政复议", 5), ("未经复议直接起诉", 5), ("复议后起诉", 5)], results, printed)])
    assert "t4.suit_after_review.upheld" not in reading.values
    assert reading.values["t4.review.upheld"].value == 0
    assert any("out of the template's order" in w for w in reading.warnings)


def test_t4_header_cell_holding_two_header_rows_is_read():
    """A page break inside table 4's header band (Chromium's print): each column's group label
    and the label below it came back as one cell ('行政诉讼\\n未经复议直接起诉'), and the 10
    行政诉讼 columns matched every group at once; their values were missing."""
    from ogi.extract.model import Cell, Table
    from ogi.normalize.tables import read_tables
    groups = ["行政复议"] * 5 + ["行政诉讼\n未经复议直接起诉"] * 5 + ["行政诉讼\n复议后起诉"] * 5
    cells = [Cell(0, c, f"{g}\n{r}" if c < 5 else g) for c, (g, r) in enumerate(zip(groups, RESULTS * 3))]
    cells += [Cell(1, c, "" if c < 5 else r) for c, r in enumerate(RESULTS * 3)]
    cells = [c for c in cells if not (c.row == 1 and c.col < 5)]
    for c in cells:
        if c.row == 0 and c.col < 5:
            c.rowspan = 2
    cells += [Cell(2, c, str(v)) for c, v in enumerate([1, 2, 0, 0, 3, 4, 0, 1, 0, 5, 2, 0, 0, 0, 2])]
    reading = read_tables([Table(cells=cells, n_rows=3, n_cols=15)])
    got = [reading.values[f].value if f in reading.values else None for f in
           [f"t4.{g}.{r}" for g in ("review", "suit_direct", "suit_after_review")
            for r in ("upheld", "corrected", "other", "pending", "total")]]
    assert got == [1, 2, 0, 0, 3, 4, 0, 1, 0, 5, 2, 0, 0, 0, 2]


def _odt_round_trip_t4(values):
    """Table 4 as LibreOffice's .docx of its .odt of a .docx with a sliver column gives it:
    the group labels one column off (未经复议直接起诉 over 4 columns), the sliver's empty cell
    kept, the last column (复议后起诉's 总计) dropped from the last header row and the value row."""
    from ogi.extract.model import Cell, Table
    cells = [Cell(0, 0, "行政复议", colspan=5), Cell(0, 5, ""), Cell(0, 6, "行政诉讼", colspan=9)]
    cells += [Cell(1, c, r, rowspan=2) for c, r in enumerate(RESULTS)] + [Cell(1, 5, "", rowspan=2)]
    cells += [Cell(1, 6, "未经复议直接起诉", colspan=4), Cell(1, 10, "复议后起诉", colspan=5)]
    cells += [Cell(2, 6 + k, r) for k, r in enumerate((RESULTS * 2)[:9])]
    cells += [Cell(3, c, v) for c, v in enumerate(values[:5] + [""] + values[5:14])]
    return Table(cells=cells, n_rows=4, n_cols=15)


def test_odt_sliver_round_trip_t4_read_by_the_order_of_its_last_header_row():
    """28 of 1,168 cells missing in the matrix (.docx with a sliver → .odt): the group labels span
    the wrong columns, but the last header row names the columns in the template's order."""
    from ogi.normalize.tables import read_tables
    printed = ["1", "2", "0", "0", "3", "4", "0", "1", "0", "5", "2", "0", "0", "1", "3"]
    reading = read_tables([_odt_round_trip_t4(printed)])
    got = [reading.values[f].value for f in T4_FIELDS]
    assert got == [float(v) for v in printed]
    assert reading.values["t4.suit_after_review.total"].label == "inferred"
    assert reading.values["t4.suit_direct.total"].label != "inferred"


def test_odt_sliver_round_trip_lost_total_of_zero_is_left_missing():
    """The lost 总计 of a group whose parts are 0 may have been printed blank: not inferred."""
    from ogi.normalize.tables import read_tables
    printed = ["1", "2", "0", "0", "3", "4", "0", "1", "0", "5", "", "0", "0", "0", ""]
    reading = read_tables([_odt_round_trip_t4(printed)])
    assert "t4.suit_after_review.total" not in reading.values
    assert reading.values["t4.suit_after_review.upheld"].kind == "blank"
    assert reading.values["t4.suit_direct.total"].value == 5


def test_lost_last_column_not_inferred_when_another_sum_breaks():
    from ogi.normalize.tables import read_tables
    printed = ["1", "2", "0", "0", "9", "4", "0", "1", "0", "5", "2", "0", "0", "1", "3"]
    reading = read_tables([_odt_round_trip_t4(printed)])
    assert "t4.suit_after_review.total" not in reading.values
    assert reading.values["t4.review.total"].value == 9


T4_FIELDS = [f"t4.{g}.{r}" for g in ("review", "suit_direct", "suit_after_review")
             for r in ("upheld", "corrected", "other", "pending", "total")]


# ---------------------------------------------------------------- tables drawn without their inner rules

@pytest.mark.slow
@pytest.mark.skipif(not producers.have_chromium(), reason="chromium, chromedriver or selenium missing")
def test_tables_ruled_between_rows_only_read_from_where_the_rules_break(tmp_path):
    """A stylesheet drawing only each cell's top and bottom border, printed by Chromium: the rules
    break where the cells meet, and those breaks are the column borders (extract/pdf/unruled.py).
    Once no table at all. A page break inside a header band is not handled yet: such a table is
    left missing, with a warning, never read wrong."""
    rng = random.Random(1)
    truths = [g.random_truth(rng, g.LAYOUTS[i % 3]) for i in range(2)]
    with producers.chromium_printer() as print_pdf:
        pages = [producers.write_html_rules(t, tmp_path / f"r{i}.html", "horizontal", rng=random.Random(i))
                 for i, t in enumerate(truths)]
        whole = print_pdf(pages[1], tmp_path / "whole.pdf", "A4", 1.0)
        broken = print_pdf(pages[0], tmp_path / "broken.pdf", "A4", 1.0)
    wrong, missing = _wrong_and_missing(whole, truths[1].to_json(whole.name))
    assert not wrong and not missing, (wrong, missing)
    wrong, missing = _wrong_and_missing(broken, truths[0].to_json(broken.name))
    assert not wrong and missing
    report = read_report(broken)
    assert report.status == "partial" and any("no recognisable column headers" in w for w in report.warnings)


@pytest.mark.slow
@pytest.mark.skipif(not producers.have_chromium(), reason="chromium, chromedriver or selenium missing")
def test_tables_drawn_with_only_a_frame_are_missing_with_a_warning(tmp_path):
    """Only an outer frame around each table: no grid the reader models yet. Every cell missing,
    none wrong, the status not complete, and a warning that says why."""
    truth = g.random_truth(random.Random(4), "2021")
    want = truth.to_json("frame.pdf")
    with producers.chromium_printer() as print_pdf:
        page = producers.write_html_rules(truth, tmp_path / "frame.html", "frame", rng=random.Random(2))
        pdf = print_pdf(page, tmp_path / "frame.pdf")
    report = read_report(pdf)
    assert not {f for f, v in want["values"].items() if f in report.values and report.values[f].value != v}
    assert report.status != "complete" and report.coverage < 1
    assert any("no table printing its labels was read" in w for w in report.warnings), report.warnings


# ---------------------------------------------------------------- a table over three pages

def _table3_pages(pdf: Path) -> list[int]:
    table = next(t for t in read_pdf(str(pdf)).tables if any("申请人情况" in c.text for c in t.cells))
    return sorted({c.page for c in table.cells})


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.skipif(producers.soffice() is None or not producers.have_chromium(),
                    reason="LibreOffice or Chromium missing")
def test_table3_running_over_three_pages_is_read_whole(tmp_path):
    """Pages 4 in tall: LibreOffice's PDF of the .docx and Chromium's print of the web page run
    table 3 over three pages or more (header band on the first only); every cell read, none wrong."""
    rng = random.Random(2)
    truths = [g.random_truth(rng, layout) for layout in ("2021", "2019")]
    short = []
    for i, truth in enumerate(truths):
        g.write_docx(truth, tmp_path / f"r{i}.docx", rng=random.Random(i))
        short.append(producers.with_short_pages(tmp_path / f"r{i}.docx", tmp_path / f"short{i}.docx"))
        render_html.write_html(truth, tmp_path / f"r{i}.html", rng=random.Random(i), frame=False)
    pdfs = producers.convert(short, "pdf", tmp_path / "lo")
    with producers.chromium_printer() as print_pdf:
        pdfs += [print_pdf(tmp_path / f"r{i}.html", tmp_path / f"r{i}.pdf", "strip") for i in range(len(truths))]
    for pdf, truth in zip(pdfs, truths * 2):
        assert len(_table3_pages(pdf)) >= 3, pdf.name             # the shape this test is about
        wrong, missing = _wrong_and_missing(pdf, truth.to_json(pdf.name))
        assert not wrong and not missing, (pdf.name, wrong, missing)


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.skipif(producers.soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_table4_header_variants_in_docx_and_libreoffice_pdf(tmp_path):
    """Table 4 with one, two or three header rows, 行政复议/行政诉讼 merged or repeated, made by
    python-docx (Word's merges) and printed by LibreOffice: every cell read, none wrong. The
    one-row header (each cell printing its column's path) was not even found as table 4."""
    truth = g.random_truth(random.Random(7), "2021")
    want = truth.to_json("t4.docx")
    docs = [producers.write_docx_t4_variant(truth, tmp_path / f"v{k}.docx", variant, rng=random.Random(3))
            for k, variant in enumerate(producers.T4_HEADERS)]
    pdfs = producers.convert(docs, "pdf", tmp_path / "pdf")
    for variant, path in [*zip(producers.T4_HEADERS, docs), *zip(producers.T4_HEADERS, pdfs)]:
        header_rows = len(producers.T4_HEADERS[variant])
        from ogi import extract
        assert extract.read(str(path)).tables[-1].n_rows == header_rows + 1, (variant, path.name)
        wrong, missing = _wrong_and_missing(path, want)
        assert not wrong and not missing, (variant, path.name, wrong, missing)
