"""Scanned reports: generated .docx → PDF (LibreOffice) → page images with scan
defects → image-only PDFs → extract.ocr → normalize. Checks the cell accuracy
over the set and that the template arithmetic flags every report with a
wrong cell; propose_repairs is tested without OCR.

The rendered inputs are built once per session (one soffice call for all
reports). Only the table pages are scanned, to keep the run short on 2 cores.
"""
from __future__ import annotations

import io
import os
import random
import shutil
import subprocess

import pytest

from ogi.normalize.repair import propose_repairs
from ogi.normalize.rules import equations, residual

N_REPORTS = int(os.environ.get("OGI_OCR_TEST_REPORTS", "4"))
SEED = 5105
TABLE_ANCHORS = ("申请人情况", "本年新收", "信息内容", "第二十条", "结果维持", "结果维护", "尚未审结", "不予公开",
                 "无法提供", "不予处理", "其他处理", "结转下年度", "行政复议")

# name -> (dpi, color, rotation in degrees, JPEG quality or None, red seal over table 3: None,
# "header" (centred just under its first row, so over the header too) or "numbers" (lower, over values only))
VARIANTS = {
    "gray200": (200, False, 0.0, None, None),
    "color150_jpeg": (150, True, 0.0, 60, None),
    "color200_rot_seal_jpeg": (200, True, 0.8, 60, "header"),
    "gray150_rot": (150, False, -0.6, None, None),
    "color200_rot_seal_numbers_jpeg": (200, True, -0.5, 70, "numbers"),
}


# ------------------------------------------------------------- inputs

@pytest.fixture(scope="session")
def scratch(tmp_path_factory):
    """A scratch HOME/TMPDIR: LibreOffice and onnxruntime write there, not in the real HOME."""
    root = tmp_path_factory.mktemp("ocr")
    (root / "home").mkdir()
    saved = {k: os.environ.get(k) for k in ("HOME", "TMPDIR")}
    os.environ["HOME"] = str(root / "home")
    os.environ["TMPDIR"] = str(root)
    yield root
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def born_digital(scratch):
    """[(pdf path, truth)] for N_REPORTS generated reports, converted in one soffice call."""
    pytest.importorskip("docx")
    from tests.generate import make_corpus
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    docs = make_corpus(scratch / "docx", N_REPORTS, SEED)
    out = scratch / "pdf"
    subprocess.run([soffice, f"-env:UserInstallation=file://{scratch / 'lo-profile'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out), *[str(p) for p, _ in docs]],
                   check=True, capture_output=True, timeout=300)
    return [(out / (path.stem + ".pdf"), truth) for path, truth in docs]


def _table_pages(pdf) -> list[int]:
    pages = []
    for i in range(len(pdf)):
        text = "".join(pdf[i].get_textpage().get_text_range().split())   # labels wrap inside cells
        if any(anchor in text for anchor in TABLE_ANCHORS):
            pages.append(i)
    return pages


def _table3_spot(page, dpi):
    """Pixel point over table 3's first numbers (right of 本年新收), or None when not on this page."""
    textpage = page.get_textpage()
    searcher = textpage.search("本年新收")
    found = searcher.get_next()
    if not found:
        return None
    left, bottom, right, top = textpage.get_charbox(found[0])
    height = page.get_height()
    return int(page.get_width() * 0.62 * dpi / 72), int((height - top) * dpi / 72 + dpi * 0.35)


def _seal(image, center, radius):
    """A red seal multiplied over the page like stamp ink (tests/degrade.py draws it)."""
    from tests.degrade import stamp

    return stamp(image, center, radius, ink=(220, 30, 40))


def _scan(page_image, variant, with_seal_at):
    from PIL import Image
    dpi, color, rotation, quality, seal = VARIANTS[variant]
    image = page_image.convert("RGB")
    if seal and with_seal_at is not None:
        x, y = with_seal_at
        if seal == "numbers":
            y += int(dpi * 1.3)          # over the rows of 办理结果, clear of the header
        image = _seal(image, (x, y), int(dpi * 0.8))
    if rotation:
        image = image.rotate(rotation, resample=Image.BICUBIC, expand=False, fillcolor="white")
    if not color:
        image = image.convert("L")
    buffer = io.BytesIO()
    if quality:
        image.save(buffer, "JPEG", quality=quality, dpi=(dpi, dpi))
    else:
        image.save(buffer, "PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


@pytest.fixture(scope="session")
def scanned(born_digital):
    """{(report index, variant): image-only PDF bytes} of the table pages."""
    pdfium = pytest.importorskip("pypdfium2")
    img2pdf = pytest.importorskip("img2pdf")
    out = {}
    for r, (path, _) in enumerate(born_digital):
        pdf = pdfium.PdfDocument(str(path))
        pages = _table_pages(pdf) if os.environ.get("OGI_OCR_TEST_TABLE_PAGES_ONLY") else list(range(len(pdf)))
        for variant, (dpi, *_rest) in VARIANTS.items():
            images = []
            for i in pages:
                page_image = pdf[i].render(scale=dpi / 72).to_pil()
                images.append(_scan(page_image, variant, _table3_spot(pdf[i], dpi)))
            out[(r, variant)] = img2pdf.convert(images)
        pdf.close()
    return out


# ------------------------------------------------------------- reading

def _read_values(data: bytes):
    from ogi.extract.model import Document
    from ogi.extract.ocr import ocr_pdf_pages
    from ogi.normalize.report import normalize
    import pypdfium2 as pdfium
    n = len(pdfium.PdfDocument(data))
    doc = Document(source="scan.pdf", format="pdf", blocks=ocr_pdf_pages(data, list(range(1, n + 1))))
    return normalize(doc)


@pytest.fixture(scope="session")
def readings(scanned, born_digital):
    pytest.importorskip("rapidocr")
    return {key: _read_values(data) for key, data in scanned.items()}


def _compare(report, truth):
    """(cells right, cells total, [wrong field ids]) over the truth's printed fields."""
    right, wrong = 0, []
    for fid, expected in truth.values.items():
        value = report.values.get(fid)
        got = value.value if value is not None else "missing"
        if got == expected or (expected is None and value is not None and value.kind in ("blank", "dash")):
            right += 1
        else:
            wrong.append((fid, truth.raw[fid], value.raw if value is not None else None, got))
    return right, len(truth.values), wrong


@pytest.mark.ocr
def test_ocr_reads_at_least_99_5_percent_of_cells(readings, born_digital):
    totals: dict[str, list[int]] = {}
    failures = []
    for (r, variant), report in sorted(readings.items()):
        right, total, wrong = _compare(report, born_digital[r][1])
        t = totals.setdefault(variant, [0, 0])
        t[0] += right
        t[1] += total
        failures += [(r, variant, *w) for w in wrong]
    summary = {v: f"{a}/{b} = {100 * a / b:.2f}%" for v, (a, b) in totals.items()}
    print("OCR cells right by variant:", summary)
    right = sum(t[0] for t in totals.values())
    total = sum(t[1] for t in totals.values())
    assert right / total >= 0.995, (summary, failures[:30])          # over all variants, seals included


@pytest.mark.ocr
def test_ocr_reads_through_a_red_seal(readings, born_digital):
    """A seal over table 3 (its header, or its numbers) neither hides cells nor becomes digits."""
    right = total = 0
    wrong = []
    for (r, variant), report in sorted(readings.items()):
        if VARIANTS[variant][4]:
            a, b, w = _compare(report, born_digital[r][1])
            right, total = right + a, total + b
            wrong += [(r, variant, *x) for x in w]
    assert right / total >= 0.995, (f"{right}/{total}", wrong[:20])


@pytest.mark.ocr
def test_every_report_with_a_wrong_cell_is_flagged_by_the_arithmetic(readings, born_digital):
    for (r, variant), report in sorted(readings.items()):
        truth = born_digital[r][1]
        values = {f: v.value for f, v in report.values.items()}
        wrong = [f for f, expected in truth.values.items()
                 if f in report.values and (values[f] or 0) != (expected or 0)]
        if not wrong:
            continue
        template = report.templates.get("t3") or truth.template["table3"]
        broken = [eq.name for eq in equations(template) if residual(eq, values) != 0]
        assert broken, (r, variant, wrong)


@pytest.mark.ocr
def test_ocr_cells_carry_origin_page_bbox_and_confidence(scanned):
    pytest.importorskip("rapidocr")
    from ogi.extract.model import Table
    from ogi.extract.ocr import ocr_pdf_pages
    blocks = ocr_pdf_pages(scanned[(0, "gray200")], [1])
    tables = [b for b in blocks if isinstance(b, Table)]
    assert tables
    for cell in tables[0].cells:
        assert cell.origin == "ocr" and cell.page == 1 and cell.bbox is not None
        assert 0.0 <= cell.confidence <= 1.0
        x0, top, x1, bottom = cell.bbox
        assert 0 <= x0 < x1 <= 600 and 0 <= top < bottom <= 850      # A4 in points


@pytest.mark.ocr
def test_read_image_reads_a_multipage_tiff(scanned, tmp_path):
    pytest.importorskip("rapidocr")
    import pypdfium2 as pdfium
    from ogi.extract import read
    pdf = pdfium.PdfDocument(scanned[(0, "gray200")])
    frames = [pdf[i].render(scale=200 / 72, grayscale=True).to_pil() for i in range(len(pdf))]
    path = tmp_path / "scan.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(200, 200), compression="tiff_deflate")
    doc = read(str(path))
    assert doc.format == "image" and doc.n_pages == len(frames)
    assert doc.tables and all(c.origin == "ocr" for t in doc.tables for c in t.cells)
    assert [t.index for t in doc.tables] == list(range(len(doc.tables)))


def test_missing_extra_is_a_plain_extract_error(monkeypatch):
    import sys
    from ogi.extract.ocr import engine
    from ogi.extract.model import ExtractError
    monkeypatch.setattr(engine, "_RECOGNIZER", None)
    monkeypatch.setitem(sys.modules, "rapidocr", None)       # import rapidocr → ImportError
    with pytest.raises(ExtractError, match=r"pip install 'ogi\[ocr\]'"):
        engine.recognizer()


# ------------------------------------------------------------- repairs (no OCR)

@pytest.mark.parametrize("layout", ["2021", "2019"])
def test_propose_repairs_finds_the_value_that_satisfies_both_equations(layout):
    from tests.generate import random_truth
    hits = 0
    for seed in range(40):
        rng = random.Random(seed)
        truth = random_truth(rng, layout)
        values = {f: v for f, v in truth.values.items() if v is not None}
        cells = [f for f in values if f.startswith("t3.") and not f.startswith(("t3.new.", "t3.carried"))
                 and not f.endswith(".total") and values[f] > 0]
        if not cells:
            continue
        target = rng.choice(cells)
        corrupted = dict(values)
        corrupted[target] = values[target] + rng.choice([1, 10, -1]) * (1 + rng.randrange(3))
        if corrupted[target] < 0:
            corrupted[target] = values[target] + 7
        before = dict(corrupted)
        proposals = propose_repairs(corrupted, truth.template["table3"])
        assert corrupted == before                                       # never written into the values
        assert (target, values[target]) in proposals, (target, values[target], proposals)
        hits += 1
    assert hits >= 15


def test_propose_repairs_is_silent_when_the_table_adds_up():
    from tests.generate import random_truth
    truth = random_truth(random.Random(3), "2021")
    values = {f: v for f, v in truth.values.items() if v is not None}
    assert propose_repairs(values, "2021") == []


# ------------------------------------------------------------- structure (no recogniser)

def _drawn_table(rotation=0.0):
    """A 3×4 ruled table at 200 dpi: the top row one cell across all columns, column 0 merged over rows 1–2."""
    from PIL import Image, ImageDraw
    image = Image.new("L", (1200, 700), 255)
    draw = ImageDraw.Draw(image)
    xs, ys = [100, 400, 600, 800, 1000], [100, 180, 260, 340]
    for y in ys:
        draw.line((xs[0], y, xs[-1], y), fill=0, width=2)
    for i, x in enumerate(xs):
        top = ys[0] if i in (0, len(xs) - 1) else ys[1]      # the title row has no inner lines
        draw.line((x, top, x, ys[-1]), fill=0, width=2)
    draw.rectangle((xs[0] + 2, ys[1] + 3, xs[1] - 2, ys[2] + 2), fill=255)   # rows 1–2 merged in column 0
    if rotation:
        image = image.rotate(rotation, resample=Image.BICUBIC, fillcolor=255)
    return image


@pytest.mark.parametrize("rotation", [0.0, 0.8, -1.0])
def test_grid_comes_from_the_ruling_lines_with_merges_as_spans(rotation):
    pytest.importorskip("cv2")
    import numpy as np
    from ogi.extract.ocr.clean import binarize, deskew
    from ogi.extract.ocr.grid import find_grids, line_masks
    gray = np.asarray(_drawn_table(rotation))
    gray, angle = deskew(gray, 200)
    assert abs(angle + rotation) < 0.15                          # the correction undoes the tilt
    binary = binarize(gray)
    grids = find_grids(*line_masks(binary, 200), 200)
    assert len(grids) == 1
    assert sorted(grids[0].cells) == [(0, 0, 1, 4), (1, 0, 2, 1), (1, 1, 1, 1), (1, 2, 1, 1), (1, 3, 1, 1),
                                      (2, 1, 1, 1), (2, 2, 1, 1), (2, 3, 1, 1)]


def test_red_seal_is_removed_but_black_print_under_it_stays():
    pytest.importorskip("cv2")
    import numpy as np
    from ogi.extract.ocr.seal import remove_red
    page = _drawn_table().convert("RGB")
    sealed = np.asarray(_seal(page, (500, 220), 120))
    gray = remove_red(sealed)
    original = np.asarray(page.convert("L"))
    red = (sealed[:, :, 0] > 150) & (sealed[:, :, 1] < 120)
    assert (gray[red] > 200).mean() > 0.95                       # the seal is gone
    lines = original < 128
    assert (gray[lines] < 128).mean() > 0.97                     # the rulings under it are not


def test_a_table_continued_on_the_next_page_is_stitched():
    from ogi.extract.model import Cell, Paragraph, Table
    from ogi.extract.ocr import stitch_pages
    xs = [50.0, 150.0, 250.0, 350.0]
    head = Table([Cell(0, 0, "note", colspan=1, page=1, bbox=(xs[0], 700, xs[1], 720)),
                  Cell(0, 1, "A", colspan=2, page=1, bbox=(xs[1], 700, xs[3], 720))], 1, 2, page=1)
    body = Table([Cell(r, c, f"{r}{c}", page=2, bbox=(xs[c], 50 + 20 * r, xs[c + 1], 70 + 20 * r))
                  for r in range(2) for c in range(3)], 2, 3, page=2)
    blocks = stitch_pages([[Paragraph("text", 1), head, Paragraph("- 1 -", 1)], [Paragraph("2", 2), body]])
    tables = [b for b in blocks if isinstance(b, Table)]
    assert len(tables) == 1 and tables[0].n_rows == 3 and tables[0].n_cols == 3
    assert tables[0].texts()[0] == ["note", "A", ""] and tables[0].texts()[2] == ["10", "11", "12"]
    assert [c.colspan for c in tables[0].row_cells(0)] == [1, 2]


def test_apply_ocr_puts_ocr_blocks_in_page_order(monkeypatch):
    from ogi.extract import ocr
    from ogi.extract.model import Document, Paragraph, Table
    doc = Document("x.pdf", "pdf", blocks=[Paragraph("p1", 1), Table([], 0, 0, page=3)], pages_needing_ocr=[2])
    monkeypatch.setattr(ocr, "ocr_pdf_pages", lambda data, pages, dpi=200: [Paragraph("p2", 2), Table([], 0, 0, page=2)])
    ocr.apply_ocr(doc, b"")
    assert [b.page for b in doc.blocks] == [1, 2, 2, 3]
    assert [t.index for t in doc.tables] == [0, 1]


@pytest.mark.ocr
def test_a_scanned_pdf_goes_through_the_whole_pipeline(scanned, born_digital, tmp_path):
    """extract.read finds the pages without text, OCRs them, and the report is whole: metadata and values."""
    pytest.importorskip("rapidocr")
    from ogi.pipeline import read_report

    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned[(0, "gray200")])
    truth = born_digital[0][1]
    report = read_report(str(path))
    assert report.format == "pdf" and report.meta.agency == truth.agency and report.meta.year == truth.year
    right, total, wrong = _compare(report, truth)
    assert right >= 0.995 * total, wrong
    assert {v.label for v in report.values.values()} <= {"ocr", "blank", "dash", "derived", "text"}
