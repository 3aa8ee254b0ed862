"""Benchmark: reading flattened text (a script, not a test).

    python benchmarks/bench_text.py [N]

Writes N generated reports as flattened text in each style of tests/flatten.py,
plus the real crawler page of ../shared/corpus when present, and prints the CPU
time per report of extract + normalize (ogi.pipeline.read_report), after one
warm-up read (label index, OpenCC and cpca loaded once per process). The machine's
load average is printed with it: on a shared machine, wall time means little.
"""
from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CRAWLER = ROOT.parent.parent / "shared" / "corpus" / "pingtan-2019-crawler.txt"


def main() -> None:
    from ogi.pipeline import read_report
    from tests import generate as g
    from tests.flatten import STYLES, write_flattened

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for style in STYLES:
            paths[style] = []
            for i in range(n):
                rng = random.Random(i)
                truth = g.random_truth(rng, g.LAYOUTS[i % 3])
                path = Path(tmp) / f"{style}-{i}.txt"
                write_flattened(truth, path, rng=rng, style=style)
                paths[style].append(str(path))
        if CRAWLER.exists():
            paths["crawler (pingtan 2019)"] = [str(CRAWLER)] * 5
        read_report(paths[STYLES[0]][0])  # warm-up
        print("load average (1, 5, 15 min): %.2f %.2f %.2f on %d CPUs" % (*os.getloadavg(), os.cpu_count()))
        for name, files in paths.items():
            started = time.process_time()
            for path in files:
                read_report(path)
            ms = (time.process_time() - started) / len(files) * 1000
            print(f"{name:24s} {len(files):4d} reports  {ms:6.1f} ms CPU per report")


if __name__ == "__main__":
    main()
