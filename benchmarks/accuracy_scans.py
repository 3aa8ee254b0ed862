"""Cells right, wrong and missing per scan condition of the degradation matrix.

    python benchmarks/accuracy_scans.py [--reports 2] [--seed 1313] [--in-turn] [--write docs/accuracy-scans.md]

Generated reports (tests/generate.py) → LibreOffice PDF → the table pages
rasterized and degraded under each condition of the all-pairs sample of the
matrix (tests/degrade.py) → extract.ocr → normalize, compared with the truth.
Every condition reads every report; with --in-turn, condition k reads report
k mod N only (the layouts in turn), exactly as the slow test
tests/test_scans.py reads them. Prints the table; with --write, writes it
into the markdown file between the markers (the rest of the file is kept).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BEGIN, END = "<!-- accuracy_scans:begin -->", "<!-- accuracy_scans:end -->"


def measure(n_reports: int, seed: int, only: str | None = None, verbose: bool = False, in_turn: bool = False):
    import pypdfium2 as pdfium
    from tests.degrade import Tally, born_digital_pdfs, compare, pairwise_conditions, read_scan, scan_pages
    scratch = Path(tempfile.mkdtemp(prefix="accuracy_scans_"))
    (scratch / "home").mkdir()
    os.environ["HOME"] = str(scratch / "home")       # LibreOffice and onnxruntime write there
    os.environ["TMPDIR"] = str(scratch)
    rows = []
    try:
        pdfs = born_digital_pdfs(scratch, n_reports, seed)
        for k, condition in enumerate(pairwise_conditions()):
            if only and only not in condition.name:
                continue
            tally, pages, seconds = Tally(), 0, 0.0
            for pdf_path, truth in ([pdfs[k % len(pdfs)]] if in_turn else pdfs):
                data = scan_pages(pdf_path, condition)
                start = time.perf_counter()
                report = read_scan(data)
                seconds += time.perf_counter() - start
                pages += len(pdfium.PdfDocument(data))
                tally.add(compare(report, truth))
            rows.append((condition, tally, seconds / max(1, pages)))
            print(f"{condition.name:55s} {tally.right:5d} {tally.wrong:3d} {tally.missing:4d} "
                  f"{tally.unflagged_wrong:3d} {100 * tally.share_right:6.2f}%  {seconds / max(1, pages):.2f} s/page",
                  flush=True)
            if verbose:
                for example in tally.examples[:12]:
                    print("    ", example)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return rows


def markdown(rows, n_reports: int, seed: int, in_turn: bool = False) -> str:
    reads = (f", each reading one of {n_reports} generated reports in turn" if in_turn
             else f" × {n_reports} generated reports")
    lines = [f"All-pairs sample of the matrix: {len(rows)} conditions{reads} "
             f"(seed {seed}), every page. *wrong, unflagged*: a wrong value with confidence ≥ 0.9 that "
             "breaks no rule R1/R3/R4/R5 (the audit would not point at it).",
             "",
             "| condition | cells | right | wrong | wrong, unflagged | missing | right % | s/page |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    total = None
    for condition, tally, per_page in rows:
        lines.append(f"| {condition.name} | {tally.total} | {tally.right} | {tally.wrong} | {tally.unflagged_wrong} "
                     f"| {tally.missing} | {100 * tally.share_right:.2f} | {per_page:.2f} |")
        if total is None:
            total = type(tally)()
        total.add(tally)
    if total is not None:
        lines.append(f"| **all** | {total.total} | {total.right} | {total.wrong} | {total.unflagged_wrong} "
                     f"| {total.missing} | {100 * total.share_right:.2f} | |")
    return "\n".join(lines)


def write(path: Path, table: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else f"{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1313)
    parser.add_argument("--only", help="only conditions whose name contains this")
    parser.add_argument("--in-turn", action="store_true", help="condition k reads report k mod N only")
    parser.add_argument("--verbose", action="store_true", help="print the first misses of each condition")
    parser.add_argument("--write", type=Path, help="markdown file to write the table into")
    args = parser.parse_args()
    rows = measure(args.reports, args.seed, args.only, args.verbose, args.in_turn)
    table = markdown(rows, args.reports, args.seed, args.in_turn)
    print(table)
    if args.write:
        write(args.write, table)


if __name__ == "__main__":
    main()
