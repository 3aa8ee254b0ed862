"""Issue 9: mutation fuzzing of the readers and the normalizer (hypothesis, derandomized).

Generated .docx (as bytes, and its document.xml as text inside a valid zip),
HTML pages and PDFs are mutated (bit flips, truncation, chunk duplication,
inserted garbage, structural XML edits) and fed to `extract.read` and
`normalize`: only ExtractError may escape, with a one-line message, and no
example may run past ALARM_S seconds. `pipeline.process` must then give a
Report or a Failure whose reason is one line and not an "unexpected …" bug.

Bounded for CI (2 cores): about a minute and a half in all, same examples on every run.
"""
from __future__ import annotations

import io
import os
import random
import shutil
import signal
import subprocess
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ogi import extract
from ogi.extract.model import ExtractError
from ogi.normalize.report import Report, normalize
from ogi.pipeline import Failure, process

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"
ALARM_S = 20

FUZZ = settings(deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


class Hang(Exception):
    pass


@contextmanager
def alarm(seconds: int = ALARM_S):
    def ring(signum, frame):
        raise Hang(f"no result after {seconds} s")
    old = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def check(data: bytes, suffix: str) -> None:
    """The property: read+normalize raise nothing but ExtractError; process gives a clean result."""
    with tempfile.TemporaryDirectory(prefix="ogi-fuzz-") as tmp:
        path = os.path.join(tmp, "fuzzed" + suffix)
        with open(path, "wb") as f:
            f.write(data)
        with alarm():
            try:
                doc = extract.read(path)
            except ExtractError as exc:
                assert "\n" not in str(exc) and str(exc).strip(), repr(str(exc))
            else:
                report = normalize(doc)
                assert isinstance(report, Report)
            result = process(path)
        assert isinstance(result, (Report, Failure))
        if isinstance(result, Failure):
            assert "\n" not in result.reason, result.reason
            assert not result.reason.startswith("unexpected"), result.reason


# ---------------------------------------------------------------- mutations

def mutations(max_len_hint: int = 50_000):
    """A list of byte-level edits, applied in order by `mutate`."""
    pos = st.floats(0, 1, allow_nan=False)
    flip = st.tuples(st.just("flip"), pos, st.integers(0, 7))
    truncate = st.tuples(st.just("truncate"), pos, st.just(0))
    duplicate = st.tuples(st.just("duplicate"), pos, st.integers(1, 4096))
    garbage = st.tuples(st.just("garbage"), pos, st.binary(min_size=1, max_size=64))
    delete = st.tuples(st.just("delete"), pos, st.integers(1, 2048))
    return st.lists(st.one_of(flip, flip, truncate, duplicate, garbage, delete), min_size=1, max_size=8)


def mutate(data: bytes, edits) -> bytes:
    buf = bytearray(data)
    for op, where, arg in edits:
        if not buf:
            break
        i = min(int(where * len(buf)), len(buf) - 1)
        if op == "flip":
            buf[i] ^= 1 << arg
        elif op == "truncate":
            del buf[i:]
        elif op == "duplicate":
            buf[i:i] = buf[i:i + arg]
        elif op == "garbage":
            buf[i:i] = arg
        elif op == "delete":
            del buf[i:i + arg]
    return bytes(buf)


XML_SNIPPETS = ['<w:tc>', '</w:tc>', '<w:tr>', '</w:tr>', '<w:tbl>', '</w:tbl>', '<w:p>', '</w:p>',
                '<w:tcPr><w:gridSpan w:val="99999"/></w:tcPr>', '<w:tcPr><w:vMerge/></w:tcPr>',
                '<w:tcPr><w:vMerge w:val="restart"/></w:tcPr>', '<w:trPr><w:gridBefore w:val="-5"/></w:trPr>',
                '<w:trPr><w:gridAfter w:val="x"/></w:trPr>', '<w:t>12,345</w:t>', '<w:t>—</w:t>',
                '<w:t>申请人情况</w:t>', '<w:t>本年新收政府信息公开申请数量</w:t>', '<w:br/>', '&amp;', '&#0;',
                '&#x1F600;', '<![CDATA[x]]>', '<!-- c -->', '\x00', '\ud800']
HTML_SNIPPETS = ['<table>', '</table>', '<tr>', '</tr>', '<td rowspan="999">', '<td colspan="0">', '</td>',
                 '<th colspan="-3">', '<br>', '<p>', '<script>', '</script>', '<!--', '-->', '<tbody>',
                 '<td rowspan="1" colspan="1000">', '<meta charset="utf-16">', '<meta charset="bogus">',
                 '12,345', '一、', '（一）', '&nbsp;', '&#0;', '\x00', '<table><tr><td>' * 50]


def text_edits(snippets: list[str]):
    pos = st.floats(0, 1, allow_nan=False)
    insert = st.tuples(st.just("insert"), pos, st.sampled_from(snippets))
    delete = st.tuples(st.just("delete"), pos, st.integers(1, 400))
    duplicate = st.tuples(st.just("duplicate"), pos, st.integers(1, 2000))
    digits = st.tuples(st.just("digits"), pos, st.text("0123456789,.-—/ ", min_size=0, max_size=12))
    return st.lists(st.one_of(insert, insert, delete, duplicate, digits), min_size=1, max_size=10)


def edit_text(text: str, edits) -> str:
    for op, where, arg in edits:
        i = min(int(where * len(text)), max(0, len(text) - 1))
        if op == "insert":
            text = text[:i] + arg + text[i:]
        elif op == "delete":
            text = text[:i] + text[i + arg:]
        elif op == "duplicate":
            text = text[:i] + text[i:i + arg] + text[i:]
        elif op == "digits":
            j = next((k for k in range(i, min(len(text), i + 5000)) if text[k].isdigit()), None)
            if j is not None:
                text = text[:j] + arg + text[j + 1:]
    return text


def with_document_xml(docx: bytes, xml: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, xml if info.filename == "word/document.xml" else src.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------- seeds

DOCX = (SAMPLES / "gen-2021-split-table3.docx").read_bytes()
DOCX_XML = zipfile.ZipFile(io.BytesIO(DOCX)).read("word/document.xml").decode("utf-8")


@pytest.fixture(scope="module")
def html_seed(tmp_path_factory) -> str:
    from tests import generate as g
    from tests.render_html import write_html

    rng = random.Random(77)
    path = tmp_path_factory.mktemp("html") / "seed.html"
    write_html(g.random_truth(rng, "2021"), path, rng=rng)
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pdf_seed(tmp_path_factory) -> bytes:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is needed to make the PDF seed")
    work = tmp_path_factory.mktemp("pdf")
    shutil.copyfile(SAMPLES / "gen-2019-basic.docx", work / "seed.docx")
    subprocess.run([soffice, f"-env:UserInstallation=file://{work}/profile", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(work), str(work / "seed.docx")],
                   check=True, capture_output=True, timeout=240, env=dict(os.environ, HOME=str(work)))
    return (work / "seed.pdf").read_bytes()


# ---------------------------------------------------------------- the fuzzers

@settings(FUZZ, max_examples=400)
@given(edits=mutations())
def test_fuzz_docx_bytes(edits):
    check(mutate(DOCX, edits), ".docx")


@settings(FUZZ, max_examples=500)
@given(edits=text_edits(XML_SNIPPETS))
def test_fuzz_docx_xml(edits):
    xml = edit_text(DOCX_XML, edits).encode("utf-8", "surrogatepass")
    check(with_document_xml(DOCX, xml), ".docx")


@settings(FUZZ, max_examples=400)
@given(edits=text_edits(HTML_SNIPPETS), encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_fuzz_html(html_seed, edits, encoding):
    check(edit_text(html_seed, edits).encode(encoding, "surrogatepass" if encoding != "gb18030" else "replace"),
          ".html")


def test_t3_continuation_narrower_than_its_header_is_no_crash(html_seed):
    """Found by test_fuzz_html: a table-3 grid narrower than the header's first value column placed
    nothing and stopped the report with an IndexError; it is now skipped with a warning."""
    edits = [("insert", 0.0, "<table>"), ("delete", 0.0, 174), ("delete", 0.5, 363), ("delete", 0.0, 1),
             ("duplicate", 0.0, 47), ("duplicate", 0.5, 75), ("duplicate", 0.5, 45)]
    check(edit_text(html_seed, edits).encode("utf-8"), ".html")


@settings(FUZZ, max_examples=300)
@given(edits=mutations())
def test_fuzz_html_bytes(html_seed, edits):
    check(mutate(html_seed.encode("utf-8"), edits), ".html")


@settings(FUZZ, max_examples=300)
@given(edits=mutations())
def test_fuzz_pdf_bytes(pdf_seed, edits):
    check(mutate(pdf_seed, edits), ".pdf")
