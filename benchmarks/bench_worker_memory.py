"""Peak address space and resident memory of one worker reading each kind of report (a script, not a test).

    python benchmarks/bench_worker_memory.py [FILE ...]

Each file is read by `ogi.work.process` in a fresh process, as a batch worker reads it; the process
reports its peak address space (VmPeak: what `--max-memory`, an RLIMIT_AS, limits) and peak RSS
(VmHWM). Without arguments: the sample reports in data/samples, the real PDFs of ../shared/corpus and
a scanned page made from a sample (when the [ocr] extra and LibreOffice are there). The default of
`ogi build --max-memory` comes from these figures (ogi/cli.py).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import sys
from ogi.work import process
process(sys.argv[1])
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
print(int(status["VmPeak"].split()[0]) // 1024, int(status["VmHWM"].split()[0]) // 1024)
"""


def files(scratch: Path) -> list[Path]:
    out = sorted((ROOT / "data" / "samples").glob("*.docx"))[:2]
    corpus = next((p for p in (ROOT.parent / "shared" / "corpus", ROOT.parents[1] / "shared" / "corpus")
                   if p.exists()), None)
    if corpus is None:
        return out
    out += sorted(corpus.glob("*.pdf")) + sorted(corpus.glob("*.txt"))
    import pypdfium2   # a table page as a 200 dpi image: the OCR path

    page = pypdfium2.PdfDocument(str(corpus / "huaian-city-2024.pdf"))[3]
    scan = scratch / "huaian-page-4-scan.png"
    page.render(scale=200 / 72).to_pil().convert("L").save(scan)
    return out + [scan]


def main() -> None:
    import tempfile

    scratch = Path(tempfile.mkdtemp())
    paths = [Path(p) for p in sys.argv[1:]] or files(scratch)
    print(f"{'file':48} {'VmPeak MB':>10} {'VmHWM MB':>9}")
    for path in paths:
        done = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True)
        peak, rss = done.stdout.split() if done.returncode == 0 else ("?", "?")
        print(f"{path.name[:48]:48} {peak:>10} {rss:>9}")


if __name__ == "__main__":
    main()
