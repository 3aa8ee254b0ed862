"""Rules that stop inside a cell imply the border that was not drawn (extract/pdf/junctions.py):
LibreOffice's web page of the official template, printed by Chromium, draws only some cell borders."""
from __future__ import annotations

import random

import pytest

from ogi.extract.pdf.rulings import _cell_groups, _edge
from ogi.pipeline import read_report
from tests import generate as g, producers


def _box_edges(x0, top, x1, bottom):
    return [_edge(x0, top, x1, top, "h"), _edge(x0, bottom, x1, bottom, "h"),
            _edge(x0, top, x0, bottom, "v"), _edge(x1, top, x1, bottom, "v")]


def test_header_rule_stopping_inside_a_merged_cell_splits_it():
    """申请人情况 over 自然人: the rule under the group starts at the missing border between the
    label column and the value columns; that border is implied, so three cells, not one."""
    edges = _box_edges(0, 0, 300, 100) + [_edge(100, 50, 300, 50, "h"), _edge(200, 50, 200, 100, "v")]
    cells = sorted(box for group in _cell_groups(edges) for box in group)
    assert [tuple(round(v) for v in c) for c in cells] == [
        (0, 0, 100, 100), (100, 0, 300, 50), (100, 50, 200, 100), (200, 50, 300, 100)]


def test_underline_inside_a_cell_implies_no_border():
    """A merged label cell (two rows high) with a rule drawn inside it, touching no border."""
    edges = _box_edges(0, 0, 300, 100) + [_edge(200, 0, 200, 100, "v"), _edge(200, 50, 300, 50, "h"),
                                          _edge(50, 70, 150, 70, "h")]
    assert sorted(tuple(round(v) for v in c) for group in _cell_groups(edges) for c in group) == [
        (0, 0, 200, 100), (200, 0, 300, 50), (200, 50, 300, 100)]


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.skipif(producers.soffice() is None or not producers.have_chromium() or producers.template_docx() is None,
                    reason="LibreOffice, Chromium or the 2021 template missing")
def test_chromium_print_of_libreoffice_template_web_page_reads_tables(tmp_path):
    """Once 1,050 of 1,200 cells missing (tables 3 and 4 merged into a few cells where borders
    were not drawn); now tables 2 and 4 whole, table 3 but for the row whose value cells the page
    draws without any border (left missing with a warning), and nothing wrong."""
    truth = g.random_truth(random.Random(1), "2021")
    docx = producers.fill_template(truth, tmp_path / "tpl.docx")
    html, = producers.convert([docx], "html", tmp_path / "html")
    with producers.chromium_printer() as print_pdf:
        pdf = print_pdf(html, tmp_path / "tpl.pdf", "A4", 1.0)
    report = read_report(pdf)
    want = truth.to_json("tpl.pdf")["values"]
    wrong = {f: (v, report.values[f].value) for f, v in want.items() if f in report.values and report.values[f].value != v}
    missing = {f for f in want if f not in report.values}
    assert not wrong
    assert not {f for f in missing if not f.startswith("t3.rejected.confirmation.")}, sorted(missing)
    assert report.status == "partial" if missing else "complete"


def test_row_label_cut_into_cells_by_a_border_is_read_joined():
    """四、结转下年度继续办理 drawn across three cells (borders of the rows above run through it
    where its own were not drawn): its values were left unread under an unmapped label."""
    from ogi.extract.model import Cell, Table
    from ogi.normalize.tables import read_tables
    heads = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    cells = [Cell(0, 0, "", colspan=3)] + [Cell(0, 3 + k, h) for k, h in enumerate(heads)]
    cells += [Cell(1, 0, "一、本年新收政府信息公开申请数量", colspan=3)] + [Cell(1, 3 + k, "1") for k in range(7)]
    cells += [Cell(2, 0, "四、结转"), Cell(2, 1, "下年度继"), Cell(2, 2, "续办理")]
    cells += [Cell(2, 3 + k, str(k)) for k in range(7)]
    reading = read_tables([Table(cells=cells, n_rows=3, n_cols=10)])
    assert [reading.values[f"t3.carried_forward.{c}"].value for c in
            ("natural", "commercial", "research", "nonprofit", "legal", "other_org", "total")] == list(range(7))
    assert not reading.unmapped


def _rule(y, *cuts):
    return [_edge(a, y, b, y, "h") for a, b in zip(cuts, cuts[1:])]


def _char(text, x0, x1, y):
    return {"text": text, "x0": x0, "x1": x1, "top": y, "bottom": y, "cx": (x0 + x1) / 2, "cy": y - 4}


def test_column_borders_from_where_row_rules_break():
    """Rules drawn per cell (a stylesheet's top and bottom borders): a border runs down a band
    where both its rules break; a title row whose top rule does not break stays one cell."""
    from ogi.extract.pdf.unruled import borders_from_rule_breaks
    edges = _rule(0, 0, 100) + _rule(20, 0, 50, 100) + _rule(40, 0, 50, 100) + _rule(60, 0, 50, 100)
    chars = [_char("标", 10, 20, 15), _char("甲", 10, 20, 35), _char("1", 60, 66, 35)]
    got = sorted((round(e["x0"]), round(e["top"]), round(e["bottom"])) for e in borders_from_rule_breaks(edges, chars))
    assert got == [(0, 20, 40), (0, 40, 60), (50, 20, 40), (50, 40, 60), (100, 20, 40), (100, 40, 60)]


def test_no_column_border_through_a_word():
    from ogi.extract.pdf.unruled import borders_from_rule_breaks
    edges = _rule(0, 0, 50, 100) + _rule(20, 0, 50, 100) + _rule(40, 0, 50, 100)
    chars = [_char("法", 40, 50, 15), _char("人", 50, 60, 15), _char("1", 60, 66, 35)]
    got = {(round(e["x0"]), round(e["top"])) for e in borders_from_rule_breaks(edges, chars)}
    assert (50, 0) not in got and (50, 20) in got
