"""PDF reports end to end: generated reports made PDF by LibreOffice, and the real corpus,
through ogi.pipeline (read_report, build) against their truth."""
from __future__ import annotations

import json
import logging
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from ogi.extract.pdf import FALLBACK, read_pdf
from ogi.pipeline import build, read_report
from tests.generate import random_truth, write_docx, write_truth

ROOT = Path(__file__).resolve().parents[1]
# the shared corpus sits beside the repository (or beside the folder of its worktrees)
CORPUS = next((p for p in (ROOT.parent / "shared" / "corpus", ROOT.parents[1] / "shared" / "corpus") if p.exists()),
              ROOT.parent / "shared" / "corpus")

# name: (layout, seed, write_docx keywords). long_text puts page breaks inside table 3 and
# between table 4's first two header rows; landscape_tables puts the tables on landscape pages.
CASES = {
    "2021-long": ("2021", 1, {"long_text": True}),
    "2019-long": ("2019", 2, {"long_text": True}),
    "hybrid-long": ("hybrid", 3, {"long_text": True}),
    "2021-landscape": ("2021", 4, {"landscape_tables": True, "long_text": False}),
    "2019-landscape": ("2019", 5, {"landscape_tables": True, "long_text": False}),
    "hybrid-landscape-long": ("hybrid", 6, {"landscape_tables": True, "long_text": True}),
    "2021-random": ("2021", 7, {"long_text": False, "landscape_tables": False}),
    "2019-random": ("2019", 8, {"long_text": False, "landscape_tables": False}),
    "hybrid-random": ("hybrid", 9, {"long_text": False, "landscape_tables": False}),
    "2021-split": ("2021", 10, {"long_text": False, "variations": {"split_table3": True, "linebreaks": True}}),
    "2019-extra": ("2019", 11, {"long_text": False, "variations": {"extra_row": True, "extra_col": True}}),
    "2021-traditional-long": ("2021", 12, {"long_text": True,
                                           "variations": {"traditional": True, "linebreaks": True}}),
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, tuple[Path, dict]]:
    """Every case written as .docx with its truth, then made PDF in ONE soffice call."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    work = tmp_path_factory.mktemp("pdf_e2e")
    truths = {}
    for name, (layout, seed, keywords) in CASES.items():
        rng = random.Random(seed)
        truth = random_truth(rng, layout)
        path = work / f"{name}.docx"
        write_docx(truth, path, rng=rng, **keywords)
        write_truth(truth, path)
        truths[name] = truth.to_json(f"{name}.pdf")
    # a private profile and a scratch HOME: LibreOffice writes both
    env = dict(os.environ, HOME=str(work / "home"), TMPDIR=str(work))
    subprocess.run([soffice, f"-env:UserInstallation=file://{work}/lo-profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(work / "pdf"),
                    *sorted(str(p) for p in work.glob("*.docx"))],
                   check=True, env=env, capture_output=True, timeout=300)
    return {name: (work / "pdf" / f"{name}.pdf", truths[name]) for name in CASES}


@pytest.fixture
def fallbacks(caplog):
    """Messages of pages that had to be parsed by pdfplumber instead of from page objects."""
    caplog.set_level(logging.INFO, logger="ogi.extract.pdf")
    return lambda: [r.getMessage() for r in caplog.records if FALLBACK in r.getMessage()]


def _assert_matches_truth(path: Path, truth: dict):
    report = read_report(path)
    wrong = {f: (v, report.values[f].value if f in report.values else "missing")
             for f, v in truth["values"].items()
             if f not in report.values or report.values[f].value != v}
    assert not wrong, f"{path.name} {truth.get('variations')}: {wrong}"
    printed = {f for f, v in report.values.items() if v.label != "derived"}
    assert printed == set(truth["values"]), printed ^ set(truth["values"])
    assert (report.meta.agency, report.meta.year) == (truth["agency"], truth["year"])
    assert report.templates == {"t2": truth["template"]["table2"], "t3": truth["template"]["table3"]}
    return report


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", list(CASES))
def test_generated_pdf_comes_out_exactly(generated, fallbacks, name):
    path, truth = generated[name]
    report = _assert_matches_truth(path, truth)
    assert report.format == "pdf"
    for value in report.values.values():
        if value.label not in ("derived", "inferred"):
            assert value.page is not None and value.bbox is not None, value
    assert fallbacks() == []


@pytest.mark.libreoffice
def test_generated_pdfs_cover_page_breaks_and_landscape(generated):
    """The cases really exercise what they are named for (so a passing run means something)."""
    import pypdfium2 as pdfium

    def table_pages(name: str, prefix: str) -> set[int]:
        report = read_report(generated[name][0])
        return {v.page for f, v in report.values.items() if f.startswith(prefix) and v.page}

    for name in ("2021-long", "2019-long", "hybrid-long", "2021-traditional-long"):
        assert len(table_pages(name, "t3.")) == 2, name          # table 3 broken across pages
        assert generated[name][1]["variations"].get("page_break_table3_before_row"), name
        review = read_pdf(str(generated[name][0])).tables[-1]   # header rows of table 4 broken
        assert len({c.page for c in review.cells}) == 2 and review.n_cols >= 15, name
    path = generated["2021-landscape"][0]
    page = min(table_pages("2021-landscape", "t3."))
    pdf = pdfium.PdfDocument(str(path))
    try:
        width, height = pdf[page - 1].get_size()
    finally:
        pdf.close()
    assert width > height
    assert {generated[n][1]["layout"] for n in CASES} == {"2021", "2019", "hybrid"}


@pytest.mark.libreoffice
def test_dataset_values_have_page_and_bbox(generated):
    dataset = build([generated[name][0] for name in ("2021-long", "hybrid-landscape-long", "2019-extra")])
    assert dataset.errors.empty, dataset.errors
    values = dataset.values
    read = values[~values["kind"].isin(["derived", "inferred"])]
    assert len(read) > 500
    for column in ("page", "x0", "y0", "x1", "y1"):
        assert read[column].notna().all(), read[read[column].isna()][["source", "field"]]
    assert (read["x0"] < read["x1"]).all() and (read["y0"] < read["y1"]).all()


# ------------------------------------------------------------------ the real corpus

CORPUS_TRUTH = {"huaian-city-2024": 200, "hongze-district-2023": 186, "hongze-district-2024": 186}


@pytest.mark.parametrize("name", list(CORPUS_TRUTH))
def test_corpus_pdf_equals_truth(name, fallbacks):
    path = CORPUS / f"{name}.pdf"
    if not path.exists():
        pytest.skip("shared corpus not available")
    truth = json.loads((CORPUS / f"{name}.truth.json").read_text(encoding="utf-8"))
    assert len(truth["values"]) == CORPUS_TRUTH[name]
    report = _assert_matches_truth(path, truth)
    for value in report.values.values():
        if value.label not in ("derived", "inferred"):
            assert value.page is not None and value.bbox is not None, value
    if name == "huaian-city-2024":
        assert (report.meta.agency, report.meta.year, report.meta.province) == ("淮安市人民政府", 2024, "江苏省")
    assert fallbacks() == []
