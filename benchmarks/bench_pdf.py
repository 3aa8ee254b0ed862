"""Time extract.pdf.read_pdf against a naive pdfplumber baseline on the same PDFs.

    python benchmarks/bench_pdf.py [--n 200] [--workdir DIR]

Builds a handful of distinct 6-12-page reports as .docx (python-docx, plus the generated
samples in data/samples padded with body text), converts them to
PDF in ONE LibreOffice call, copies them up to --n files (timing is per read, so copies
are as good as distinct files), then reads every file with read_pdf and with the baseline
(pdfplumber extract_tables() + extract_text() on every page), in one process.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from extract.pdf import read_pdf  # noqa: E402
from tests.test_pdf import BODY, _table3_docx  # noqa: E402

VARIANTS = [(6, 8), (8, 12), (10, 6), (12, 14), (14, 10), (4, 20)]  # lead, trailing paragraphs


def build_pdfs(work: Path, n: int) -> list[Path]:
    import docx
    src = work / "docx"
    src.mkdir(parents=True, exist_ok=True)
    for i, (lead, trail) in enumerate(VARIANTS):
        path = src / f"report{i}.docx"
        _table3_docx(path, lead, repeat_header=i % 2 == 1)
        document = docx.Document(str(path))
        for j in range(trail):
            document.add_paragraph(f"（{j + 1}）" + BODY * 2)
        document.save(str(path))
    # the generated sample reports (tests/generate.py), padded with body text to 6-12 pages
    for k, sample in enumerate(sorted((ROOT / "data" / "samples").glob("gen-*.docx"))):
        document = docx.Document(str(sample))
        for j in range(10 + 4 * k):
            document.add_paragraph(f"（{j + 1}）" + BODY * 2)
        document.save(str(src / sample.name))
    out = work / "pdf"
    env = dict(os.environ, HOME=str(work / "home"), TMPDIR=str(work))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{work}/lo-profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out), *map(str, sorted(src.glob("*.docx")))],
                   check=True, env=env, capture_output=True, timeout=600)
    originals = sorted(out.glob("*.pdf"))
    files = []
    for k in range(n):
        copy = work / "copies" / f"r{k:04d}.pdf"
        copy.parent.mkdir(exist_ok=True)
        shutil.copyfile(originals[k % len(originals)], copy)
        files.append(copy)
    return files


def baseline(path: Path) -> int:
    import pdfplumber
    found = 0
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            found += len(page.extract_tables())
            page.extract_text()
            page.close()
    return found


def timed(fn, files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        fn(path)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--workdir")
    args = parser.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench_pdf_"))
    files = build_pdfs(work, args.n)
    import pypdfium2 as pdfium
    distinct = len(list((work / "pdf").glob("*.pdf")))
    pages = [len(pdfium.PdfDocument(str(p))) for p in files[:distinct]]
    print(f"{len(files)} PDFs, distinct page counts {pages}")

    read_pdf(str(files[0]))
    baseline(files[0])                                  # warm imports and caches
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t_ours = timed(lambda p: read_pdf(str(p)), files)
    rss_ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t_base = timed(baseline, files)
    rss_base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    tracemalloc.start()
    for path in files[:distinct]:
        read_pdf(str(path))
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    n = len(files)
    print(f"read_pdf : {n / t_ours:6.2f} reports/s ({1000 * t_ours / n:.0f} ms/report)")
    print(f"baseline : {n / t_base:6.2f} reports/s ({1000 * t_base / n:.0f} ms/report)")
    print(f"ratio    : {t_base / t_ours:.1f}x faster")
    print(f"peak RSS : {rss_ours:.0f} MB after read_pdf runs (started at {rss_before:.0f} MB); "
          f"{rss_base:.0f} MB after baseline; python-heap peak per read_pdf {traced_peak:.1f} MB")
    print(f"files in {work}")


if __name__ == "__main__":
    main()
