"""Seconds per scanned table page and peak memory of extract.ocr.

    python benchmarks/bench_ocr.py [scan.pdf ...] [--repeat 3] [--dpi 200]

Without arguments it builds one generated report (tests/generate.py →
LibreOffice → 200 dpi grayscale image-only PDF of the table pages) in a
scratch directory. HOME and TMPDIR point there too, since onnxruntime and
LibreOffice write into them. Prints model load time, seconds per page
(median over repeats) and the process's peak RSS.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_sample(scratch: Path, dpi: int) -> Path:
    import img2pdf
    import pypdfium2 as pdfium
    from tests.generate import random_truth, write_docx
    docx_path = scratch / "bench.docx"
    rng = random.Random(11)
    write_docx(random_truth(rng, "2021"), docx_path, rng=rng)
    subprocess.run([shutil.which("soffice") or "soffice", f"-env:UserInstallation=file://{scratch / 'lo'}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(scratch), str(docx_path)],
                   check=True, capture_output=True, timeout=300)
    pdf = pdfium.PdfDocument(str(scratch / "bench.pdf"))
    images = []
    for i in range(len(pdf)):
        if "申请人情况" in pdf[i].get_textpage().get_text_range() or "结果维持" in pdf[i].get_textpage().get_text_range():
            buffer = io.BytesIO()
            pdf[i].render(scale=dpi / 72, grayscale=True).to_pil().save(buffer, "PNG", dpi=(dpi, dpi))
            images.append(buffer.getvalue())
    target = scratch / "bench_scan.pdf"
    target.write_bytes(img2pdf.convert(images))
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pdfs", nargs="*")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dpi", type=int, default=200)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench_ocr_"))
    (scratch / "home").mkdir()
    os.environ["HOME"] = str(scratch / "home")
    os.environ["TMPDIR"] = str(scratch)
    try:
        pdfs = [Path(p) for p in args.pdfs] or [make_sample(scratch, args.dpi)]
        import pypdfium2 as pdfium
        from ogi.extract import ocr
        start = time.perf_counter()
        ocr._recognizer()
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
        print(f"threads: {ocr._threads()}  model load: {load:.2f} s")
        print(f"seconds per scanned table page: median {statistics.median(per_page):.2f}, max {max(per_page):.2f}"
              f" wall; CPU median {statistics.median(per_page_cpu):.2f} (the machine may be shared: compare CPU)")
        print(f"peak RSS: {peak:.0f} MB")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
