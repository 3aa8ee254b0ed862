"""Seconds per scanned table page and peak memory of extract.ocr.

    python benchmarks/bench_ocr.py [scan.pdf ...] [--repeat 3] [--dpi 200] [--clean]

Without arguments it builds one generated report (tests/generate.py →
LibreOffice → image-only PDF of its pages, degraded as a scanner does:
200 dpi gray, blur 0.4, JPEG 60, tilted 1°, uneven light, a seal; see
tests/degrade.py; --clean for the undegraded 200 dpi gray pages) in a
scratch directory. HOME and TMPDIR point there too, since onnxruntime and
LibreOffice write into them. Prints model load time, seconds per page
(median over repeats) and the process's peak RSS.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


DEGRADED = dict(dpi=200, colour="gray", blur=0.4, jpeg=60, rotation=1.0, seal="red", seal_at="numbers",
                lighting="gradient")


def make_sample(scratch: Path, dpi: int, clean: bool) -> Path:
    from tests.degrade import Condition, born_digital_pdfs, scan_pages
    (pdf_path, _), = born_digital_pdfs(scratch, 1, 11)
    condition = Condition(dpi=dpi, colour="gray") if clean else Condition(**{**DEGRADED, "dpi": dpi})
    target = scratch / "bench_scan.pdf"
    target.write_bytes(scan_pages(pdf_path, condition))
    print(f"sample: {condition.name}")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pdfs", nargs="*")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--clean", action="store_true", help="undegraded pages")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench_ocr_"))
    (scratch / "home").mkdir()
    os.environ["HOME"] = str(scratch / "home")
    os.environ["TMPDIR"] = str(scratch)
    try:
        pdfs = [Path(p) for p in args.pdfs] or [make_sample(scratch, args.dpi, args.clean)]
        import pypdfium2 as pdfium
        from ogi.extract import ocr
        from ogi.extract.ocr import engine
        start = time.perf_counter()
        engine.recognizer()
        load = time.perf_counter() - start
        per_page, per_page_cpu = [], []
        for path in pdfs:
            data = path.read_bytes()
            n = len(pdfium.PdfDocument(data))
            for page in range(1, n + 1):
                times = []
                for _ in range(args.repeat):
                    cpu, wall = time.process_time(), time.perf_counter()
                    ocr.ocr_pdf_pages(data, [page], dpi=args.dpi)
                    times.append((time.perf_counter() - wall, time.process_time() - cpu))
                wall_s = statistics.median(t[0] for t in times)
                cpu_s = statistics.median(t[1] for t in times)
                per_page.append(wall_s)
                per_page_cpu.append(cpu_s)
                print(f"{path.name} p{page}: {wall_s:.2f} s wall, {cpu_s:.2f} s CPU (median of {args.repeat})")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"threads: {engine.threads()}  model load: {load:.2f} s")
        print(f"seconds per scanned table page: median {statistics.median(per_page):.2f}, max {max(per_page):.2f}"
              f" wall; CPU median {statistics.median(per_page_cpu):.2f} (the machine may be shared: compare CPU)")
        print(f"peak RSS: {peak:.0f} MB")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
