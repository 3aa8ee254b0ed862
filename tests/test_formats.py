"""Every other published form of a report: HTML pages, .mht, .doc/.rtf/.odt, text dumps.

Generated reports (tests/generate.py) are rendered as web pages (tests/render_html.py)
and converted by LibreOffice; each must come out with every truth value equal.
Run-together crawler text must never give a wrong value and recover >= 95%.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from ogi import extract
from ogi.extract.html import build_table, read_html
from ogi.extract.docx import read_docx
from ogi.extract.office import INSTALL_HINT, convert_batch
from ogi.normalize.report import normalize
from ogi.normalize.digits import RunRow, split_runs, splits
from ogi.pipeline import read_report
from tests import generate as g
from tests.render_html import write_html, write_mhtml, write_run_together

FIXTURES = Path(__file__).parent / "fixtures" / "formats"
PLAIN = {"blanks": False, "dashes": False, "thousands": False, "fullwidth": False, "unit_suffix": False}


def wrong_and_missing(path, truth_values: dict):
    report = read_report(path)
    wrong, missing = [], []
    for fid, expected in truth_values.items():
        got = report.values.get(fid)
        if got is None or got.missing or got.value is None and expected is not None:
            missing.append(fid)
        elif got.value != expected:
            wrong.append((fid, expected, got.value))
    return report, wrong, missing


# --- HTML ----------------------------------------------------------------------------

HTML_CASES = [
    ("utf8-meta", "2021", {"encoding": "utf-8"}),
    ("gbk-meta", "2019", {"encoding": "gbk"}),
    ("gbk-no-meta", "hybrid", {"encoding": "gbk", "meta": False}),
    ("utf8-no-meta-no-frame", "2021", {"meta": False, "frame": False, "sliver": False}),
]


@pytest.mark.parametrize("name,layout,options", HTML_CASES, ids=[c[0] for c in HTML_CASES])
def test_generated_web_pages_read_exactly(tmp_path, name, layout, options):
    for seed in range(3):
        rng = random.Random(f"{name}-{seed}")
        truth = g.random_truth(rng, layout)
        path = tmp_path / f"{name}-{seed}.html"
        write_html(truth, path, rng=rng, **options)
        _, wrong, missing = wrong_and_missing(path, truth.values)
        assert (wrong, missing) == ([], []), truth.variations


def test_saved_mhtml_archive(tmp_path):
    rng = random.Random(11)
    truth = g.random_truth(rng, "2021")
    path = tmp_path / "report.mht"
    write_mhtml(truth, path, rng=rng)
    report, wrong, missing = wrong_and_missing(path, truth.values)
    assert (wrong, missing) == ([], [])


def test_page_furniture_is_dropped_and_article_kept(tmp_path):
    rng = random.Random(3)
    truth = g.random_truth(rng, "2021")
    path = tmp_path / "page.html"
    write_html(truth, path, rng=rng)
    doc = extract.read(str(path))
    text = "\n".join(doc.iter_text())
    assert "首页" not in text and "版权所有" not in text and "机构概况" not in text
    assert "（一）主动公开" in [p.text for p in doc.paragraphs]  # a block of its own
    assert len(doc.tables) == 3  # table 2, 3, 4; the menu table and the page frame are not tables


def test_phantom_sliver_column_collapses():
    import lxml.html
    page = lxml.html.fromstring(
        "<table><colgroup><col><col><col width=1><col></colgroup>"
        "<tr><td>a</td><td colspan=2>总计</td><td>b</td></tr>"
        "<tr><td>1</td><td colspan=2>15</td><td>2</td></tr></table>")
    table = build_table(page.findall(".//tr"))
    assert (table.n_rows, table.n_cols) == (2, 3)
    assert table.texts() == [["a", "总计", "b"], ["1", "15", "2"]]


def test_nbsp_is_blank_and_br_is_a_line_break():
    doc = read_html("x.html", "<table><tr><td>商业<br>企业</td><td>&nbsp;</td><td>3</td></tr></table>".encode())
    assert doc.tables[0].texts() == [["商业\n企业", "", "3"]]


# --- .doc / .rtf / .odt via LibreOffice ---------------------------------------------

@pytest.fixture(scope="session")
def office_files(tmp_path_factory):
    """Generated .docx converted to .doc, .rtf and .odt with one soffice call per format list."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    folder = tmp_path_factory.mktemp("office")
    made = []
    for i, (layout, fmt) in enumerate([("2021", "doc"), ("2019", "rtf"), ("hybrid", "odt"), ("2021", "odt")]):
        rng = random.Random(500 + i)
        truth = g.random_truth(rng, layout)
        path = folder / f"r{i}.docx"
        g.write_docx(truth, path, rng=rng)
        made.append((path, fmt, truth))
    by_format: dict[str, list] = {}
    for path, fmt, _ in made:
        by_format.setdefault(fmt, []).append(str(path))
    env = {**os.environ, "HOME": str(folder)}
    profile = (folder / "profile").as_uri()
    # --convert-to takes one target format, so one soffice start per format (3 in all)
    for fmt, paths in by_format.items():
        subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt,
                        "--outdir", str(folder), *paths], env=env, capture_output=True, timeout=180, check=True)
    return [(folder / f"{Path(p).stem}.{fmt}", truth) for p, fmt, truth in made]


@pytest.mark.libreoffice
def test_office_formats_read_exactly(office_files, tmp_path):
    paths = [str(p) for p, _ in office_files]
    started = time.monotonic()
    converted = convert_batch(paths, str(tmp_path / "docx"))
    assert time.monotonic() - started < 60
    for path, truth in office_files:
        result = converted[str(path)]
        assert isinstance(result, str), result
        report = normalize(read_docx(str(path), Path(result).read_bytes()))
        wrong = [(f, v, report.values.get(f) and report.values[f].value) for f, v in truth.values.items()
                 if report.values.get(f) is None or report.values[f].value != v]
        assert wrong == [], path.name


@pytest.mark.libreoffice
def test_read_office_single_file(office_files):
    path, truth = office_files[0]
    _, wrong, missing = wrong_and_missing(path, truth.values)
    assert (wrong, missing) == ([], [])


def test_missing_libreoffice_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr("ogi.extract.office.find_soffice", lambda: None)
    (tmp_path / "a.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    result = convert_batch([str(tmp_path / "a.doc")], str(tmp_path / "out"))
    assert str(result[str(tmp_path / "a.doc")]) == INSTALL_HINT


# --- text dumps ---------------------------------------------------------------------

def test_seed_text_dump_matches_its_truth():
    truth = json.loads((FIXTURES / "seed-shanggao-2021.truth.json").read_text(encoding="utf-8"))
    report, wrong, missing = wrong_and_missing(FIXTURES / "seed-shanggao-2021.txt", truth["values"])
    assert len(truth["values"]) == 186
    assert (wrong, missing) == ([], [])
    assert any("inferred" in w for w in report.warnings)  # table 3's short rows, forced to 0


def test_markdown_and_gbk_text(tmp_path):
    text = ("标题\n\n| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |\n|---|---|---|---|\n"
            "| 规章 | 1 | 0 | 5 |\n| 行政规范性文件 | 2 | 1 | 9 |\n")
    path = tmp_path / "t.md"
    path.write_bytes(text.encode("gb18030"))
    doc = extract.read(str(path))
    assert doc.tables[0].texts()[1] == ["规章", "1", "0", "5"]


def test_digit_splits_respect_widths_and_zeros():
    assert splits("503", 3) == [(5, 0, 3)]
    assert (1, 20, 3) in splits("1203", 3) and (12, 0, 3) in splits("1203", 3)
    assert all(len(str(v)) <= 4 for s in splits("123456789", 3) for v in s)
    assert splits("00", 1) == []


def test_ambiguous_runs_are_left_missing():
    from ogi.normalize.rules import Equation
    eq = Equation("R3", "x", ("a", "b"), ("t",), "error", "")
    result = split_runs([RunRow(["a", "b", "t"], "11011")], {}, [eq])  # 1+10=11 and 11+0=11 both fit
    assert "a" not in result.values and 0 in result.unresolved
    assert result.values.get("t") == 11.0  # every split agrees on the total


def test_run_together_crawler_text_never_wrong(tmp_path):
    total = recovered = 0
    wrong_all, silent = [], []
    started = time.monotonic()
    for i in range(100):
        rng = random.Random(9000 + i)
        truth = g.random_truth(rng, g.LAYOUTS[i % 3], variations=PLAIN)
        path = tmp_path / f"rt{i}.txt"
        write_run_together(truth, path, rng=rng)
        report, wrong, missing = wrong_and_missing(path, truth.values)
        wrong_all += [(path.name, *w) for w in wrong]
        if missing and not report.warnings:
            silent.append(path.name)
        total += len(truth.values)
        recovered += len(truth.values) - len(missing) - len(wrong)
    assert wrong_all == []
    assert silent == []
    assert recovered / total >= 0.95, f"{recovered}/{total}"
    assert time.monotonic() - started < 120


def test_run_together_table2_row_is_left_missing_not_read_as_one_number(tmp_path):
    from ogi.extract.model import Cell, Table
    from ogi.normalize.tables import read_tables

    rows = [["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "1", "0", "11"],
            ["行政规范性文件", "8266", "", ""]]
    cells = [Cell(r, c, text) for r, row in enumerate(rows) for c, text in enumerate(row)]
    cells[9].origin = cells[10].origin = cells[11].origin = "run-together"
    reading = read_tables([Table(cells, 3, 4)])
    assert reading.values["t2.regulation.in_force"].value == 11
    assert not any(f.startswith("t2.normative.") for f in reading.values)
    assert any("run together" in w for w in reading.warnings)
