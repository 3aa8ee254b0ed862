"""Benchmark: `ogi build` on generated .docx reports (a script, not a test).

    python benchmarks/bench_docx.py [N] [-j JOBS]

Generates N reports (default 500) with tests/generate.py, then runs `ogi build`
on them in a subprocess and prints reports/s for the reading phase (read +
normalize on all workers), the seconds of each phase after it (from the
manifest `ogi build` writes: dataset files, partitions, audit, research tables)
and the whole build with its ratio to the reading phase, and the peak RSS of
the largest process. Issue figures: `python benchmarks/bench_docx.py 1200 -j 2`.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=500)
    parser.add_argument("-j", "--jobs", type=int, default=None, help="passed to ogi build when it supports -j")
    args = parser.parse_args()
    from tests.generate import make_corpus

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        make_corpus(corpus, args.n, seed=1)
        for truth in corpus.glob("*.truth.json"):
            truth.unlink()
        cmd = [sys.executable, "-m", "ogi.cli", "build", str(corpus), "-o", str(Path(tmp) / "out")]
        if args.jobs:
            cmd[4:4] = ["-j", str(args.jobs)]
        start = time.perf_counter()
        summary = subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True, text=True).stdout
        elapsed = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        manifest = json.loads((Path(tmp) / "out" / "manifest.json").read_text(encoding="utf-8"))
        phases = manifest["counts"].get("seconds", {})
    cores = args.jobs or os.cpu_count()
    reading = float(re.search(r"processed \d+ in ([\d.]+)s", summary).group(1))
    print(summary.strip())
    print(f"reading (read + normalize, {cores} workers): {args.n / reading:.1f} reports/s "
          f"({args.n / reading / cores:.1f} per core)")
    print(f"reading phase: {reading:.1f}s; after it: "
          + ", ".join(f"{name} {s:.1f}s ({1000 * s / args.n:.1f} ms/report)" for name, s in phases.items()))
    print(f"whole build (+ writing, audit, research tables): {args.n / elapsed:.1f} reports/s in {elapsed:.1f}s "
          f"= {elapsed / reading:.2f} x the reading phase; peak RSS of one process {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
