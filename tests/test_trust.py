"""Issue 17: trust under attack and failure.

One batch of hostile-but-plausible reports (a GBK file name, control characters, formula text, a
23-digit count) is built once with the real CLI; the tests then check that it finished, that no
workbook cell from report text is a formula, that the CSVs are neutralised for spreadsheets while
Parquet keeps the raw text, and that numbers are exact. The cache and writer tests work on real
generated reports, in process.
"""
from __future__ import annotations

import os
import pickle
import random
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from tests import generate as g
from tests.render_html import write_html
from tests.zoo import GBK_NAME, HUGE, HYPERLINK, formula_html, huge_count_html

REPO = Path(__file__).resolve().parents[1]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def ogi(*args, check=False, env=None):
    return subprocess.run([sys.executable, "-m", "ogi.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, check=check, env=env)


def _truth(seed: int, agency: str | None = None, year: int = 2022) -> g.Truth:
    truth = g.random_truth(random.Random(seed), "2021")
    truth.year = year
    if agency:
        truth.agency = agency
    return truth


def _number_field(truth: g.Truth, prefix: str) -> str:
    return next(f for f, k in truth.kinds.items() if f.startswith(prefix) and k == "number")


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    src = root / "in"
    src.mkdir()
    good = _truth(7)
    g.write_docx(good, src / "good.docx", rng=random.Random(7))
    g.write_docx(_truth(8), os.fsdecode(os.path.join(os.fsencode(src), GBK_NAME)), rng=random.Random(8))
    hostile = formula_html(src / "hostile.html", 5)
    huge, huge_field = huge_count_html(src / "huge.html", 6)
    out = root / "out"
    proc = ogi("build", src, "-o", out, "-j", "0", "-q")
    return {"root": root, "src": src, "out": out, "proc": proc, "hostile": hostile, "huge": huge,
            "huge_field": huge_field, "good": good}


def test_hostile_batch_finishes_with_every_output(hostile_run):
    proc, out = hostile_run["proc"], hostile_run["out"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "read 4, failed 0" in proc.stdout
    for name in ("reports.parquet", "dataset.xlsx", "audit.xlsx", "audit.html", "indicators.parquet",
                 "datapackage.json"):
        assert (out / name).exists(), name


def test_gbk_file_name_is_read_and_keeps_its_bytes(hostile_run):
    reports = pd.read_parquet(hostile_run["out"] / "reports.parquet")
    row = reports[reports["source"].str.endswith("报告2022.docx")]
    assert len(row) == 1
    assert repr(GBK_NAME)[2:-1] in row["warnings"].iloc[0]  # the original bytes, kept
    assert row["year"].iloc[0] == 2022


def test_control_characters_are_removed_from_the_workbook_and_kept_in_parquet(hostile_run):
    out = hostile_run["out"]
    reports = pd.read_parquet(out / "reports.parquet")
    hostile = reports[reports["source"].str.endswith("hostile.html")].iloc[0]
    text = "".join(str(hostile[c]) for c in reports.columns if c.startswith("text_"))
    assert "控制\x01字符\x1f" in text  # raw, in Parquet
    cells = [c.value for ws in load_workbook(out / "dataset.xlsx") for row in ws.iter_rows() for c in row]
    assert any(isinstance(v, str) and "控制字符" in v for v in cells)


def _workbook_cells(path: Path):
    for ws in load_workbook(path):
        for row in ws.iter_rows():
            for cell in row:
                yield ws.title, cell


def test_no_formula_in_any_written_workbook(hostile_run):
    out = hostile_run["out"]
    books = sorted(out.glob("*.xlsx"))
    assert {p.name for p in books} == {"dataset.xlsx", "audit.xlsx"}
    seen = set()
    for book in books:
        for sheet, cell in _workbook_cells(book):
            assert cell.data_type != "f", (book.name, sheet, cell.coordinate, cell.value)
            if isinstance(cell.value, str) and cell.value.startswith("="):
                seen.add((book.name, cell.value))
    # the hostile text did reach both workbooks, as text
    assert ("dataset.xlsx", "=2*21人民政府") in seen
    assert any(name == "audit.xlsx" and value == "=2*21人民政府" for name, value in seen)
    assert ("audit.xlsx", "=1+2") in seen  # a raw table cell in the audit's table sheets
    assert any(name == "dataset.xlsx" and value.startswith(HYPERLINK) for name, value in seen)


def test_csvs_are_neutralised_for_spreadsheets_and_parquet_keeps_raw(hostile_run):
    out = hostile_run["out"]
    checked = 0
    for path in sorted(out.glob("*.csv")):
        frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        for col in frame.columns:
            for value in frame[col]:
                if value.startswith(FORMULA_START):
                    assert _plain_number(value), (path.name, col, value)
                    checked += 1
    reports = pd.read_csv(out / "reports.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert "'=2*21人民政府" in set(reports["agency"])
    assert "=2*21人民政府" in set(pd.read_parquet(out / "reports.parquet")["agency"])
    findings = pd.read_csv(out / "findings.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert "'=2*21人民政府" in set(findings["agency"])


def _plain_number(text: str) -> bool:
    from ogi.sheetsafe import PLAIN_NUMBER

    return bool(PLAIN_NUMBER.match(text))


def test_a_count_too_large_for_an_exact_integer_is_missing_with_a_warning(hostile_run):
    out, fid = hostile_run["out"], hostile_run["huge_field"]
    reports = pd.read_parquet(out / "reports.parquet")
    row = reports[reports["source"].str.endswith("huge.html")].iloc[0]
    assert pd.isna(row[fid])
    assert f"{fid}: a printed count above" in row["warnings"]
    values = pd.read_parquet(out / "values.parquet")
    cell = values[(values["source"].str.endswith("huge.html")) & (values["field"] == fid)].iloc[0]
    assert cell["raw"] == HUGE and pd.isna(cell["value"])
    # the other counts of the same report are exact integers
    truth = hostile_run["huge"]
    other = _number_field(truth, "t3.granted.")
    assert row[other] == truth.values[other]


def test_integers_are_exact_up_to_2_to_the_53():
    from ogi.dataset import MAX_EXACT_INT, _as_int

    column = pd.Series([float(MAX_EXACT_INT), 12.0, None, 2.5, 1e23, -3.0], dtype=object)
    ints, too_large = _as_int(column)
    assert ints.tolist()[:2] == [MAX_EXACT_INT, 12]
    assert ints.isna().tolist() == [False, False, True, True, True, False]
    assert too_large == [4]


def test_printed_integer_above_2_to_the_53_never_passes_through_float():
    """9007199254740993 (2^53 + 1) has no float: it is parsed as an int and kept exactly in the reports'
    Int64 column; a 23-digit count is past Int64 and left missing."""
    from ogi.dataset import _as_int
    from ogi.extract.printed import parse_value

    above = 2 ** 53 + 1
    parsed = parse_value(f"{above:,}")
    assert parsed.value == above and isinstance(parsed.value, int)
    ints, too_large = _as_int(pd.Series([parsed.value, parse_value("99999999999999999999999").value], dtype=object))
    assert ints.tolist()[0] == above and pd.isna(ints.tolist()[1]) and too_large == [1]


# ---------------------------------------------------------------- writers and the cache, in process

def _report(tmp_path: Path, seed: int, name: str):
    from ogi.pipeline import process

    path = tmp_path / name
    g.write_docx(_truth(seed), path, rng=random.Random(seed))
    report = process(str(path))
    assert not hasattr(report, "stage"), report
    return report


def test_writer_rejection_of_one_report_becomes_an_errors_line(tmp_path):
    from ogi.output import write_dataset_chunks
    from ogi.pipeline import chunks

    good, bad = _report(tmp_path, 11, "good.docx"), _report(tmp_path, 12, "bad.docx")
    bad.sections["text_other"] = "a lone surrogate \udcb1 Arrow cannot encode"
    out = tmp_path / "out"
    counts = write_dataset_chunks(chunks([(good.source, good), (bad.source, bad)]), out)
    assert counts["read"] == 1 and counts["failed"] == 1
    errors = pd.read_csv(out / "errors.csv", encoding="utf-8-sig")
    assert errors[["source", "stage"]].values.tolist() == [[bad.source, "write"]]
    assert pd.read_parquet(out / "reports.parquet")["source"].tolist() == [good.source]


class _Exploit:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_crafted_cache_row_cannot_run_code(tmp_path):
    from ogi.cache import CACHE_NAME, PAYLOAD_SCHEMA, Cache

    src = tmp_path / "in"
    src.mkdir()
    g.write_docx(_truth(13), src / "r.docx", rng=random.Random(13))
    out = tmp_path / "out"
    env = dict(os.environ, OGI_PIPELINE_VERSION="trust-test")
    assert ogi("build", src, "-o", out, "-j", "0", "-q", env=env).returncode == 0
    marker = tmp_path / "pwned"
    evil = pickle.dumps(_Exploit(marker))
    db = sqlite3.connect(out / CACHE_NAME)
    # the row as an attacker would write it: right key, version and schema, a pickle as payload
    db.execute("UPDATE documents SET payload = ?", (evil,))
    db.execute("INSERT INTO documents (path, size, mtime_ns, sha256, version, kind, stage, schema, payload, "
               "seconds, stored) VALUES (?, 1, 1, NULL, 'trust-test', 'report', NULL, ?, ?, 0, 0)",
               (os.fsencode(str(src / "other.docx")), PAYLOAD_SCHEMA, zlib.compress(evil)))
    db.commit()
    db.close()
    g.write_docx(_truth(16), src / "new.docx", rng=random.Random(16))  # the dataset is rewritten from the cache
    proc = ogi("build", src, "-o", out, "-j", "0", "-q", env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not marker.exists()
    with Cache(out / CACHE_NAME, version="trust-test") as cache:
        assert cache.get(str(src / "r.docx")).meta.year == 2022  # read again, stored as data


def test_an_unopenable_cache_is_moved_aside_and_rebuilt(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    g.write_docx(_truth(14), src / "r.docx", rng=random.Random(14))
    out = tmp_path / "out"
    out.mkdir()
    (out / "cache.sqlite").write_bytes(b"SQLite format 3\x00" + os.urandom(3000))
    proc = ogi("build", src, "-o", out, "-j", "0", "-q")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "moved aside" in proc.stderr and proc.stderr.count("\n") <= 3
    assert len(list(out.glob("cache.sqlite.broken-*"))) == 1
    assert "read 1, failed 0" in proc.stdout


def test_force_never_reads_the_old_cache(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    g.write_docx(_truth(15), src / "r.docx", rng=random.Random(15))
    out = tmp_path / "out"
    out.mkdir()
    (out / "cache.sqlite").write_bytes(b"garbage" * 100)
    proc = ogi("build", src, "-o", out, "-j", "0", "-q", "--force")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "moved aside" not in proc.stderr
    assert "read 1, failed 0" in proc.stdout


# ---------------------------------------------------------------- only what the reader sees

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _unique_number_cell(truth: g.Truth, doc) -> tuple[str, object]:
    """A field printed as a number whose text appears in exactly one table cell, and that cell."""
    cells = [c for t in doc.tables for row in t.rows for c in row.cells]
    for fid, kind in sorted(truth.kinds.items(), key=lambda item: -(truth.values[item[0]] or 0)):
        if kind == "number" and truth.values[fid] >= 1 and truth.raw[fid].isdigit():
            found = {id(c._tc): c for c in cells if c.text.strip() == truth.raw[fid]}
            if len(found) == 1:
                return fid, next(iter(found.values()))
    raise AssertionError("no uniquely printed number")


def _run(text: str, props: str = "", wrap: str | None = None):
    from docx.oxml import parse_xml

    run = f'<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{text}</w:t></w:r>'
    if wrap:
        run = f'<w:{wrap} w:id="9" w:author="x" w:date="2023-01-01T00:00:00Z">{run}</w:{wrap}>'
    return parse_xml(run.replace(">", f' xmlns:w="{W_NS}">', 1))


def _docx_with(tmp_path: Path, seed: int, edit) -> tuple[g.Truth, str, Path]:
    import docx

    truth = _truth(seed)
    path = tmp_path / f"r{seed}.docx"
    g.write_docx(truth, path, rng=random.Random(seed))
    document = docx.Document(str(path))
    fid, cell = _unique_number_cell(truth, document)
    edit(cell.paragraphs[0]._p)
    document.save(str(path))
    return truth, fid, path


@pytest.mark.parametrize("kind, before, after", [
    ("vanish", ('1', '<w:vanish/>', None), None),
    ("move_from", ('12', '', 'moveFrom'), None),
    ("deleted", ('7', '', 'del'), None),
    ("superscript_after", None, ('1', '<w:vertAlign w:val="superscript"/>', None)),
    ("subscript_after", None, ('2', '<w:vertAlign w:val="subscript"/>', None)),
])
def test_hidden_word_text_is_not_a_digit(tmp_path, kind, before, after):
    from ogi.pipeline import process

    def edit(p):
        runs = p.findall(f"{{{W_NS}}}r")
        if before:
            text, props, wrap = before
            run = _run(text, props, wrap)
            if wrap == "del":  # deleted text is w:delText
                for t in run.iter(f"{{{W_NS}}}t"):
                    t.tag = f"{{{W_NS}}}delText"
            runs[0].addprevious(run)
        if after:
            runs[-1].addnext(_run(*after))

    truth, fid, path = _docx_with(tmp_path, 21, edit)
    report = process(str(path))
    assert report.values[fid].value == truth.values[fid], kind
    if after:
        assert any(f"'{after[0]}' after" in w for w in report.warnings), report.warnings


def test_footnote_mark_in_section_text_is_a_note_not_a_digit(tmp_path):
    import docx

    from ogi.extract.docx import read_docx

    path = tmp_path / "n.docx"
    d = docx.Document()
    p = d.add_paragraph("本年度受理申请9756件")
    p.add_run("1").font.superscript = True
    p.add_run("，面积12")
    p.add_run("2").font.superscript = True
    d.save(str(path))
    doc = read_docx(str(path))
    assert doc.paragraphs[0].text == "本年度受理申请9756件，面积12"
    assert len(doc.warnings) == 2 and "superscript '1' after" in doc.warnings[0]


def test_alt_chunk_web_page_is_read_like_html(tmp_path):
    import docx
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    from ogi.pipeline import process

    truth = _truth(22)
    page = tmp_path / "page.html"
    write_html(truth, page, rng=random.Random(22), frame=False)
    d = docx.Document()
    part = Part(PackURI("/word/afchunk1.htm"), "text/html", page.read_bytes(), d.part.package)
    rid = d.part.relate_to(part, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk")
    chunk = OxmlElement("w:altChunk")
    chunk.set(qn("r:id"), rid)
    d.element.body.append(chunk)
    d.element.body.append(d.element.body.sectPr)  # sectPr stays last
    path = tmp_path / "chunk.docx"
    d.save(str(path))
    report = process(str(path))
    assert not hasattr(report, "stage"), report
    numbers = {f: v for f, v in truth.values.items() if truth.kinds[f] == "number"}
    assert {f: report.values[f].value for f in numbers if f in report.values} == numbers


def _html_with(tmp_path: Path, seed: int, edit) -> tuple[g.Truth, Path]:
    truth = _truth(seed)
    path = tmp_path / f"p{seed}.html"
    write_html(truth, path, rng=random.Random(seed))
    path.write_text(edit(path.read_text(encoding="utf-8"), truth), encoding="utf-8")
    return truth, path


def _decoy(page: str, wrap) -> str:
    """A copy of every table with every number +1000, wrapped by `wrap`, placed before the real ones."""
    import re

    tables = re.findall(r"<table(?! width)(?! class).*?</table>", page, flags=re.S)
    for table in tables:
        decoy = re.sub(r">(\d+)<", lambda m: f">{int(m.group(1)) + 1000}<", table)
        page = page.replace(table, wrap(decoy) + table, 1)
    return page


@pytest.mark.parametrize("kind, wrap", [
    ("display_none", lambda t: f'<div style="color:red; display: none">{t}</div>'),
    ("hidden_attribute", lambda t: f"<div hidden>{t}</div>"),
    ("hidden_table", lambda t: t.replace("<table", '<table style="display:none"', 1)),
    ("template", lambda t: f"<template>{t}</template>"),
])
def test_hidden_html_decoy_table_is_not_read(tmp_path, kind, wrap):
    from ogi.pipeline import process

    truth, path = _html_with(tmp_path, 23, lambda page, _: _decoy(page, wrap))
    report = process(str(path))
    numbers = {f: v for f, v in truth.values.items() if truth.kinds[f] == "number"}
    assert {f: report.values[f].value for f in numbers} == numbers, kind
    assert not any("printed twice" in w for w in report.warnings), kind


def test_hidden_span_inside_an_html_cell_is_not_a_digit(tmp_path):
    from ogi.pipeline import process

    def edit(page, truth):
        fid = next(f for f, k in truth.kinds.items() if f.startswith("t3.new.") and k == "number")
        raw = truth.raw[fid]
        return page.replace(f">{raw}<", f'><span style="display:none">1</span>{raw}<'), fid

    holder = {}

    def wrapped(page, truth):
        page, holder["fid"] = edit(page, truth)
        return page

    truth, path = _html_with(tmp_path, 24, wrapped)
    report = process(str(path))
    assert report.values[holder["fid"]].value == truth.values[holder["fid"]]


# ---------------------------------------------------------------- one generation, never stale

def _outputs(out: Path) -> dict[str, str]:
    """sha256 of every output file in OUT (not the cache, lock or manifest)."""
    import hashlib

    skip = ("cache.sqlite", ".ogi-build.lock", "manifest.json")
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())
            if p.is_file() and not p.name.startswith(skip)}


def _one_generation(out: Path) -> dict:
    """OUT's files are exactly those its manifest lists, byte for byte; returns the manifest."""
    import json

    manifest = json.loads((out / "manifest.json").read_text())
    files = {n: i["sha256"] for n, i in manifest["files"].items() if "sha256" in i}
    assert _outputs(out) == files
    return manifest


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.endswith(".tmp") or p.name.startswith(".staging"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("generations")
    src = root / "in"
    src.mkdir()
    for seed in (31, 32):
        g.write_docx(_truth(seed), src / f"r{seed}.docx", rng=random.Random(seed))
    out = root / "out"
    env = dict(os.environ, OGI_PIPELINE_VERSION="trust-generations")
    proc = ogi("build", src, "-o", out, "-j", "1", "-q", env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {"root": root, "src": src, "out": out, "env": env, "manifest": _one_generation(out)}


def test_build_of_a_missing_folder_leaves_out_byte_identical(built, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(built["out"], out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = ogi("build", "/nonexistent", "-o", out, env=built["env"])
    assert proc.returncode == 2 and "no such file or folder" in proc.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_an_empty_input_never_prunes_the_cache_without_prune(built, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(built["out"], out)
    before = _outputs(out)
    empty = tmp_path / "unmounted"
    empty.mkdir()
    proc = ogi("build", empty, "-o", out, env=built["env"])
    assert proc.returncode == 2 and "holds 2 documents" in proc.stderr and "--prune" in proc.stderr
    assert _outputs(out) == before
    proc = ogi("build", empty, "-o", out, "--prune", "-q", env=built["env"])
    assert proc.returncode == 0 and "read 0, failed 0" in proc.stdout


def test_a_changed_output_file_is_rewritten_not_trusted(built, tmp_path):
    """The up-to-date check compares the manifest, not whether the files exist."""
    import shutil

    out = tmp_path / "out"
    shutil.copytree(built["out"], out, copy_function=shutil.copy2)
    stale = pd.read_parquet(out / "reports.parquet").iloc[:1]
    stale.to_parquet(out / "reports.parquet", index=False)  # what a crash in the write phase left
    proc = ogi("build", built["src"], "-o", out, "-q", env=built["env"])
    assert proc.returncode == 0
    assert len(pd.read_parquet(out / "reports.parquet")) == 2
    _one_generation(out)


def _wait_for(predicate, seconds: float = 120) -> bool:
    import time

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.005)
    return False


def _staged(out: Path, name: str | None = None):
    def check():
        staging = out / ".staging"
        return staging.is_dir() and (any(staging.iterdir()) if name is None else (staging / name).exists())
    return check


INTERRUPTIONS = [
    ("reading", "SIGTERM"), ("reading", "SIGINT"), ("writing", "SIGTERM"), ("writing", "SIGINT"),
    ("audit", "SIGTERM"), ("audit", "SIGINT"),
]


@pytest.mark.parametrize("phase, signame", [
    pytest.param(*case, marks=() if case == ("writing", "SIGTERM") else pytest.mark.slow) for case in INTERRUPTIONS])
def test_interrupted_build_leaves_the_old_or_the_new_generation(built, tmp_path, phase, signame):
    import shutil
    import signal as signals

    out = tmp_path / "out"
    shutil.copytree(built["out"], out, copy_function=shutil.copy2)
    src = tmp_path / "in"
    shutil.copytree(built["src"], src)
    g.write_docx(_truth(33), src / "r33.docx", rng=random.Random(33))
    from tests import hooks

    env = hooks.env(built["env"], **({"OGI_TEST_DELAY_S": "5"} if phase == "reading" else {}))
    proc = subprocess.Popen([sys.executable, "-m", "ogi.cli", "build", str(src), "-o", str(out), "-j", "1", "-q"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    import time

    opened = []

    def reading():
        """The cache is open (its WAL exists) since 1.5 s: each new document takes 5 s more
        (tests/hooks), so the build is mid-read."""
        if not opened and (out / "cache.sqlite-wal").exists():
            opened.append(time.monotonic())
        return bool(opened) and time.monotonic() - opened[0] > 1.5

    ready = {"reading": reading, "writing": _staged(out), "audit": _staged(out, "findings.parquet")}[phase]
    assert _wait_for(lambda: ready() or proc.poll() is not None), "the build never reached " + phase
    assert proc.poll() is None, "the build ended before it could be interrupted"
    proc.send_signal(getattr(signals, signame))
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == {"SIGTERM": 143, "SIGINT": 130}[signame], stderr[-2000:]
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    manifest = _one_generation(out)
    assert manifest["state"] == built["manifest"]["state"]  # interrupted before the swap: the old one whole
    proc = ogi("build", src, "-o", out, "-j", "1", "-q", env=built["env"])
    assert proc.returncode == 0 and "read 3" in proc.stdout
    assert _leftovers(out) == []
    assert _one_generation(out)["state"] != built["manifest"]["state"]


# ---------------------------------------------------------------- paths

def test_out_inside_the_input_is_never_read_as_input(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    g.write_docx(_truth(41), src / "r.docx", rng=random.Random(41))
    env = dict(os.environ, OGI_PIPELINE_VERSION="trust-paths")
    for _ in range(2):  # the second run finds OUT (audit.html, reports.csv …) inside its input
        proc = ogi("build", src, "-o", src / "out", "-j", "0", "-q", env=env)
        assert proc.returncode == 0 and "read 1, failed 0" in proc.stdout, proc.stdout + proc.stderr
    other = tmp_path / "other_out"   # an earlier OUT copied into the input: recognised by its manifest
    proc = ogi("build", src, "-o", other, "-j", "0", "-q", env=env)
    assert "read 1, failed 0" in proc.stdout


def test_symlinked_file_outside_the_input_is_not_followed(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    g.write_docx(_truth(42), src / "r.docx", rng=random.Random(42))
    private = tmp_path / "private"
    private.mkdir()
    g.write_docx(_truth(43, agency="保密单位"), private / "secret.docx", rng=random.Random(43))
    os.symlink(private / "secret.docx", src / "published.docx")
    os.symlink("r.docx", src / "inside-link.docx")  # a link within the input is a file like any other
    out = tmp_path / "out"
    proc = ogi("build", src, "-o", out, "-j", "0", "-q")
    assert proc.returncode == 0
    errors = pd.read_csv(out / "errors.csv", encoding="utf-8-sig")
    outside = errors[errors["source"] == str(src / "published.docx")]
    assert outside["reason"].str.contains("outside the input").tolist() == [True]
    assert "保密单位" not in set(pd.read_parquet(out / "reports.parquet")["agency"])


def test_failures_of_the_machine_are_retried_and_content_failures_stay_cached(tmp_path):
    from ogi.cache import Cache, Stat
    from ogi.pipeline import Failure

    files = {}
    for stage in ("timeout", "memory", "crash", "read", "normalize"):
        path = tmp_path / f"{stage}.docx"
        path.write_bytes(b"x")
        files[stage] = str(path)
    with Cache(tmp_path / "cache.sqlite", version="v") as cache:
        for stage, path in files.items():
            cache.put(path, Stat.of(path), Failure(path, stage, "why"))
        assert set(cache.stale(files.values())) == {files[s] for s in ("timeout", "memory", "crash")}
        assert set(cache.stale(files.values(), retry_failed=True)) == set(files.values())


def test_unwritable_out_and_missing_audit_folder_end_in_one_line(tmp_path):
    from ogi.data import SAMPLES_DIR

    a_file = tmp_path / "afile"
    a_file.write_text("x")
    for out in (a_file, a_file / "sub"):
        proc = ogi("build", SAMPLES_DIR, "-o", out, "-j", "0", "-q")
        assert proc.returncode == 3 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert "Traceback" not in proc.stderr
    proc = ogi("audit", tmp_path / "missing")
    assert proc.returncode == 2 and "no dataset" in proc.stderr and "Traceback" not in proc.stderr


def _hang_on_b(path: str):
    """A worker that never finishes the document named b (run_local's `worker` injection)."""
    import time

    from ogi.batch import process_one

    if os.path.basename(path).startswith("b"):
        time.sleep(3600)
    return process_one(path)


def test_run_local_takes_an_injected_worker_and_stops_a_hanging_one(tmp_path):
    import shutil

    from ogi.batch import run_local
    from ogi.data import SAMPLES_DIR

    for name, sample in (("a.docx", "gen-2021-basic.docx"), ("b.docx", "gen-2019-basic.docx")):
        shutil.copyfile(SAMPLES_DIR / sample, tmp_path / name)
    done = {os.path.basename(d.source): d.result for d in
            run_local([str(tmp_path / "a.docx"), str(tmp_path / "b.docx")], 2, timeout=8, worker=_hang_on_b)}
    assert getattr(done["b.docx"], "stage", None) == "timeout"
    assert not hasattr(done["a.docx"], "stage")


def test_ogi_audit_keeps_out_one_generation(built, tmp_path):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(built["out"], out, copy_function=shutil.copy2)
    proc = ogi("audit", out, env=built["env"])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _one_generation(out)["state"] == built["manifest"]["state"]
    assert _leftovers(out) == []
    before = _outputs(out)
    proc = ogi("build", built["src"], "-o", out, "-q", env=built["env"])  # nothing changed: nothing rewritten
    assert proc.returncode == 0 and "processed 0" in proc.stdout
    assert _outputs(out) == before
