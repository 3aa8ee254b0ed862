"""The .docx reader: merged cells once with their spans, odd rows, nested tables, no headers."""
import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from ogi import extract
from ogi.extract.docx import read_docx


def _set(tc, name, value=None):
    pr = tc.get_or_add_tcPr()
    el = OxmlElement(f"w:{name}")
    if value is not None:
        el.set(qn("w:val"), str(value))
    pr.append(el)


def _row_prop(tr, name, value):
    pr = tr.get_or_add_trPr()
    el = OxmlElement(f"w:{name}")
    el.set(qn("w:val"), str(value))
    pr.append(el)


def _merged_doc(path):
    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "页眉 HEADER 123"
    d.sections[0].footer.paragraphs[0].text = "页脚 456"
    d.add_paragraph("标题")
    t = d.add_table(rows=4, cols=4)
    t.cell(0, 0).merge(t.cell(1, 1)).text = "合并"     # 2×2 block
    t.cell(0, 2).merge(t.cell(0, 3)).text = "横向"     # colspan 2
    t.cell(2, 0).merge(t.cell(3, 0)).text = "纵向"     # rowspan 2
    t.cell(1, 2).text, t.cell(1, 3).text = "7", "8"
    t.cell(2, 1).text = "商业"
    t.cell(2, 1).paragraphs[0].add_run().add_break()
    t.cell(2, 1).paragraphs[0].add_run("企业")
    t.cell(3, 1).add_paragraph("第二段")
    d.add_paragraph("表后")
    d.save(path)


def test_merged_cells_appear_once_with_their_spans(tmp_path):
    path = tmp_path / "m.docx"
    _merged_doc(path)
    doc = extract.read(str(path))
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table", "Paragraph"]
    table = doc.tables[0]
    assert (table.n_rows, table.n_cols) == (4, 4)
    by_text = {c.text: c for c in table.cells}
    assert [c.text for c in table.cells].count("合并") == 1
    assert (by_text["合并"].rowspan, by_text["合并"].colspan) == (2, 2)
    assert (by_text["横向"].row, by_text["横向"].col, by_text["横向"].colspan) == (0, 2, 2)
    assert (by_text["纵向"].rowspan, by_text["纵向"].colspan) == (2, 1)
    assert by_text["商业\n企业"].col == 1
    assert [c.text for c in table.cells if (c.row, c.col) == (3, 1)] == ["第二段"]  # empty first paragraph trimmed
    grid = table.grid()
    assert grid[1][1] is by_text["合并"] and grid[3][0] is by_text["纵向"]
    assert all("页眉" not in b.text and "页脚" not in b.text for b in doc.paragraphs)


def test_grid_before_and_after_shift_cells_and_widen_the_grid(tmp_path):
    d = docx.Document()
    t = d.add_table(rows=2, cols=3)
    for c, text in enumerate(["a", "b", "c"]):
        t.cell(0, c).text = text
    row = t.rows[1]._tr
    tcs = row.findall(qn("w:tc"))
    row.remove(tcs[0])                  # one cell missing at the start ...
    _row_prop(row, "gridBefore", 1)     # ... declared as gridBefore
    row.remove(tcs[2])
    _row_prop(row, "gridAfter", 1)
    path = tmp_path / "g.docx"
    d.save(path)
    table = read_docx(str(path)).tables[0]
    second = [c for c in table.cells if c.row == 1]
    assert [c.col for c in second] == [1]
    assert table.n_cols == 3
    assert table.grid()[1][0] is None and table.grid()[1][2] is None


def test_nested_tables_are_separate_tables_and_layout_frames_unwrap(tmp_path):
    d = docx.Document()
    outer = d.add_table(rows=1, cols=1)          # a frame around the whole report
    cell = outer.cell(0, 0)
    cell.paragraphs[0].text = "框内标题"
    inner = cell.add_table(rows=2, cols=2)
    inner.cell(0, 0).text, inner.cell(1, 1).text = "内", "5"
    d.add_paragraph("正文")
    grid_outer = d.add_table(rows=1, cols=2)
    grid_outer.cell(0, 0).text = "外"
    nested = grid_outer.cell(0, 1).add_table(rows=1, cols=1)
    nested.cell(0, 0).text = "嵌套"
    path = tmp_path / "n.docx"
    d.save(path)
    doc = read_docx(str(path))
    texts = [b.text for b in doc.paragraphs]
    assert "框内标题" in texts and "正文" in texts
    assert [t.texts()[0][0] for t in doc.tables] == ["内", "外", "嵌套"]
    assert doc.tables[2].nested and not doc.tables[1].nested
    assert doc.tables[1].texts()[0][1] == ""  # the nested table's text is not the cell's text


def test_type_comes_from_the_bytes_not_the_extension(tmp_path):
    path = tmp_path / "report.pdf"
    _merged_doc(path)
    assert extract.read(str(path)).format == "docx"


def test_vmerge_continue_without_restart_is_a_new_cell(tmp_path):
    d = docx.Document()
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text = "a"
    t.cell(1, 0).text = "b"
    _set(t.cell(1, 0)._tc, "vMerge")    # continue with nothing above to continue
    path = tmp_path / "v.docx"
    d.save(path)
    cells = read_docx(str(path)).tables[0].cells
    assert [(c.row, c.text, c.rowspan) for c in cells if c.col == 0] == [(0, "a", 1), (1, "b", 1)]
