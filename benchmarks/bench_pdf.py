"""Time extract.pdf.read_pdf against a naive pdfplumber baseline on the same PDFs.

    python benchmarks/bench_pdf.py [--n 200] [--distinct 20] [--workdir DIR]

Writes --distinct reports with tests/generate.py (layouts in turn, long_text=True so that
they run to 6-12 pages with page breaks inside tables 3 and 4), converts them to PDF in
ONE LibreOffice call, copies them up to --n files (timing is per read, so copies are as
good as distinct files), then reads every file with read_pdf and with the baseline
(pdfplumber extract_tables() + extract_text() on every page), in one process, same files.

Each reader runs in its own fresh process (as a worker would), so its peak RSS is its own.
Wall time depends on the machine's load (it is shared); CPU time (time.process_time) per
report much less so, and is printed beside it.
Also counted: pages read by the pdfplumber fallback (logged by extract.pdf), and reports
whose tables do not hold every printed value of their truth.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ogi.extract.pdf import FALLBACK, read_pdf  # noqa: E402
from ogi.normalize.anchors import page_anchors  # noqa: E402
from tests.generate import LAYOUTS, random_truth, write_docx, write_truth  # noqa: E402


def build_pdfs(work: Path, n: int, distinct: int) -> list[Path]:
    src = work / "docx"
    src.mkdir(parents=True, exist_ok=True)
    rng = random.Random(2026)
    for i in range(distinct):
        layout = LAYOUTS[i % len(LAYOUTS)]
        truth = random_truth(rng, layout)
        path = src / f"bench_{i:02d}_{layout}.docx"
        write_docx(truth, path, rng=rng, long_text=True, landscape_tables=i % 5 == 4)
        write_truth(truth, path)
        _pad(path, rng.randint(25, 70))
    out = work / "pdf"
    env = dict(os.environ, HOME=str(work / "home"), TMPDIR=str(work))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{work}/lo-profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out), *map(str, sorted(src.glob("*.docx")))],
                   check=True, env=env, capture_output=True, timeout=900)
    originals = sorted(out.glob("*.pdf"))
    copies = work / "copies"
    copies.mkdir(exist_ok=True)
    files = []
    for k in range(n):
        copy = copies / f"r{k:04d}.pdf"
        shutil.copyfile(originals[k % len(originals)], copy)
        files.append(copy)
    return files


PADDING = ("本机关将进一步完善政府信息公开工作机制，坚持以公开为常态、不公开为例外，"
           "加强对重点领域信息公开的统筹，及时回应社会关切，做好政策解读。")


def _pad(path: Path, paragraphs: int) -> None:
    """More body text after the last section, so reports run to 6-12 pages like real ones
    (the tables and their page breaks are not moved)."""
    import docx
    document = docx.Document(str(path))
    for j in range(paragraphs):
        document.add_paragraph(f"（{j + 1}）" + PADDING)
    document.save(str(path))


def baseline(path: Path) -> int:
    import pdfplumber
    found = 0
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            found += len(page.extract_tables())
            page.extract_text()
            page.close()
    return found


def run_phase(phase: str, folder: Path) -> dict:
    """Read every PDF in `folder` with one reader, in this process; figures as a dict."""
    files = sorted(folder.glob("*.pdf"))
    counter = FallbackCounter()
    logger = logging.getLogger("ogi.extract.pdf")
    logger.setLevel(logging.INFO)
    logger.addHandler(counter)
    read = (lambda p: read_pdf(str(p), anchors=page_anchors())) if phase == "read_pdf" else baseline
    read(files[0])                                      # warm imports and caches
    counter.messages.clear()
    wall, cpu = time.perf_counter(), time.process_time()
    for path in files:
        read(path)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"n": len(files), "wall": wall, "cpu": cpu, "rss_mb": max_rss_mb(), "fallbacks": counter.messages}


def _read_one(path: str) -> int:
    return len(read_pdf(path, anchors=page_anchors()).tables)


def two_workers(folder: Path) -> float:
    """Wall seconds for read_pdf over the folder with 2 worker processes (started beforehand)."""
    from concurrent.futures import ProcessPoolExecutor
    files = [str(p) for p in sorted(folder.glob("*.pdf"))]
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_read_one, files[:2]))            # start the workers, warm their imports
        start = time.perf_counter()
        list(pool.map(_read_one, files, chunksize=4))
        return time.perf_counter() - start


def in_fresh_process(phase: str, folder: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", phase, "--workdir", str(folder)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def max_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the
    parent across fork+exec, so a child would report the parent's peak."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def missing_values(work: Path) -> list[str]:
    """Distinct reports whose tables lack a printed table-3/4 value of the truth."""
    bad = []
    for pdf in sorted((work / "pdf").glob("*.pdf")):
        truth = json.loads((work / "docx" / f"{pdf.stem}.truth.json").read_text(encoding="utf-8"))
        tables = read_pdf(str(pdf), anchors=page_anchors()).tables
        cells = Counter("".join(c.text.split()) for t in tables for c in t.cells)
        printed = Counter("".join(v.split()) for k, v in truth["raw"].items()
                          if k.startswith(("t3.", "t4.")) and v.strip())
        if printed - cells:
            bad.append(pdf.name)
    return bad


class FallbackCounter(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record):
        if FALLBACK in record.getMessage():
            self.messages.append(record.getMessage())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--distinct", type=int, default=20)
    parser.add_argument("--workdir")
    parser.add_argument("--phase", choices=["read_pdf", "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:                                      # the child: time one reader, print JSON
        print(json.dumps(run_phase(args.phase, Path(args.workdir)), ensure_ascii=False))
        return
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench_pdf_"))
    files = build_pdfs(work, args.n, args.distinct)
    import pypdfium2 as pdfium
    originals = sorted((work / "pdf").glob("*.pdf"))
    pages = []
    for path in originals:
        pdf = pdfium.PdfDocument(str(path))
        pages.append(len(pdf))
        pdf.close()
    print(f"{len(files)} PDFs from {len(originals)} distinct reports, pages per report: "
          f"min {min(pages)} max {max(pages)} mean {sum(pages) / len(pages):.1f}")
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    ours = in_fresh_process("read_pdf", files[0].parent)
    wall_two = two_workers(files[0].parent)
    base = in_fresh_process("baseline", files[0].parent)
    incomplete = missing_values(work)

    n = ours["n"]
    for name, r in (("read_pdf", ours), ("baseline", base)):
        print(f"{name:9}: {n / r['wall']:6.2f} reports/s wall ({1000 * r['wall'] / n:.0f} ms/report), "
              f"CPU {1000 * r['cpu'] / n:.0f} ms/report = {n / r['cpu']:.2f} reports/s per core, "
              f"peak RSS {r['rss_mb']:.0f} MB")
    print(f"read_pdf, 2 worker processes: {n / wall_two:6.2f} reports/s wall")
    print(f"ratio    : {base['wall'] / ours['wall']:.1f}x faster wall, {base['cpu'] / ours['cpu']:.1f}x less CPU")
    fallbacks = ours["fallbacks"]
    print(f"fallback : pdfplumber parsed pages in {len(fallbacks)} of {n} reads" +
          (f" ({fallbacks[:3]})" if fallbacks else ""))
    print(f"truth    : {len(originals) - len(incomplete)}/{len(originals)} distinct reports keep every printed "
          f"table-3/4 value" + (f"; missing in {incomplete}" if incomplete else ""))
    print(f"load average after: {os.getloadavg()[0]:.1f}; files in {work}")


if __name__ == "__main__":
    main()
