"""Scale benchmark: throughput at -j1 / -j2, peak memory at 500 and 2,000 reports, cached rerun time.

    python benchmarks/bench_scale.py [--dir /tmp/ogi-bench-scale] [--n 2000] [--small 500] [--skip-j1]

The corpus is generated once into DIR/corpus: docx from tests/generate.py,
plus a share of PDF and HTML made by one LibreOffice call each from a few
dozen of the .docx and copied with a small byte change (a trailing comment)
so every copy has its own hash. Formats `extract.read` cannot read are left
out (it says so). Each measurement runs `ogi build` as a subprocess and
samples the resident memory of its whole process tree (main, forkserver,
workers) with psutil, and splits the run into its phases: reading (the
workers), writing the dataset files, the audit, the research tables. A phase
ends when its last file appears in OUT (file mtimes, on the same clock as the
samples), so `ogi build` itself needs no instrumentation.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SHARE = {"pdf": 0.10, "html": 0.10}   # of the corpus; the rest is .docx
SEEDS_PER_FORMAT = 30                 # documents converted by LibreOffice, then copied


def make_corpus(root: Path, n: int) -> dict[str, int]:
    from tests.generate import make_corpus as generate

    done = root / ".complete"
    if done.exists():
        return json.loads(done.read_text())
    shutil.rmtree(root, ignore_errors=True)
    generate(root / ".seeds", SEEDS_PER_FORMAT, seed=7)
    seeds = sorted((root / ".seeds").glob("*.docx"))
    counts = {}
    for fmt, share in SHARE.items():
        made = _convert(seeds, root / f".{fmt}-seeds", fmt)
        if not made or not _readable(made[0]):
            print(f"note: extract.read cannot read {fmt} here; the corpus has none", file=sys.stderr)
            continue
        counts[fmt] = int(n * share)
        _copy_variants(made, root / fmt, counts[fmt], fmt)
    counts["docx"] = n - sum(counts.values())
    generate(root / "docx", counts["docx"], seed=2024)
    for f in (root / "docx").glob("*.truth.json"):
        f.unlink()
    done.write_text(json.dumps(counts))
    return counts


def _convert(docs: list[Path], out: Path, fmt: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HOME": str(out.parent / ".soffice-home")}
    subprocess.run(["soffice", "--headless", "--convert-to", fmt, "--outdir", str(out), *map(str, docs)],
                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    return sorted(out.glob(f"*.{fmt}"))


def _readable(path: Path) -> bool:
    from ogi.pipeline import Report, process

    return isinstance(process(str(path)), Report)


def _copy_variants(seeds: list[Path], folder: Path, count: int, fmt: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        seed = seeds[i % len(seeds)]
        tail = f"\n%bench copy {i}\n" if fmt == "pdf" else f"\n<!-- bench copy {i} -->\n"
        (folder / f"{seed.stem}_copy{i:04d}.{fmt}").write_bytes(seed.read_bytes() + tail.encode())


def subset(root: Path, n: int, total: int) -> Path:
    """The first n/total of each format, as symlinks."""
    folder = root.parent / f"subset{n}"
    if folder.exists():
        return folder
    for fmt_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = sorted(fmt_dir.iterdir())
        keep = files[:round(len(files) * n / total)]
        (folder / fmt_dir.name).mkdir(parents=True)
        for f in keep:
            (folder / fmt_dir.name / f.name).symlink_to(f)
    return folder


# the last file each phase after reading writes (ogi/output.py, ogi/audit/outputs.py, ogi/research.py)
PHASE_ENDS = (("writing", ("dataset.xlsx", "reports.parquet")), ("audit", ("audit.html",)),
              ("research", ("datapackage.json",)))


def run(corpus: Path, out: Path, *args: str) -> dict:
    """`ogi build` in a subprocess: wall time, peak RSS of its process tree overall and per phase, its summary."""
    cmd = [sys.executable, "-m", "ogi.cli", "build", str(corpus), "-o", str(out), "-q", *args]
    start_wall, start = time.time(), time.perf_counter()
    # files, not pipes: nobody reads a pipe while the run is sampled, and the audit's warnings
    # filled the stderr pipe and blocked the build
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        proc = subprocess.Popen(cmd, stdout=out_file, stderr=err_file, text=True)
        samples = _watch_rss(proc, start)
        proc.wait()
        seconds = time.perf_counter() - start
        stdout, stderr = (_read_back(f) for f in (out_file, err_file))
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{stderr}")
    line = stdout.strip().splitlines()[-1]
    counts = {k: int(v) for v, k in ((m[1], m[0]) for m in re.findall(r"(\w+) (\d+)\b(?!\.)", line))}
    reading = float(re.search(r"processed \d+ in ([\d.]+)s", line)[1])
    # the reading phase ends `reading` s after the imports (the summary's own clock starts after them)
    total = float(re.search(r"([\d.]+)s →", line)[1])
    bounds = [("reading", seconds - total + reading)]
    for phase, names in PHASE_ENDS:
        ends = [(out / name).stat().st_mtime - start_wall for name in names if (out / name).exists()]
        if ends and ends[0] > bounds[-1][1]:  # a file this run wrote (an unchanged rerun writes none)
            bounds.append((phase, ends[0]))
    result = {"seconds": round(seconds, 1), "reading_seconds": reading,
              "peak_rss_mb": round(max((tree for _, tree, _ in samples), default=0) / 2**20)}
    begin = 0.0
    for phase, end in bounds:
        inside = [(tree, main) for t, tree, main in samples if begin < t <= end]
        result[f"{phase}_peak_rss_mb"] = round(max((tree for tree, _ in inside), default=0) / 2**20)
        # the main process alone: the tree also holds the forkserver, and workers still exiting
        result[f"{phase}_main_peak_rss_mb"] = round(max((main for _, main in inside), default=0) / 2**20)
        result[f"{phase}_seconds"] = round(end - begin, 1)
        begin = end
    return {**result, "summary": line, **counts}


def _read_back(f) -> str:
    f.seek(0)
    return f.read()


def _watch_rss(proc: subprocess.Popen, start: float) -> list[tuple[float, int, int]]:
    """(seconds since start, RSS of the whole process tree, of the main process) every 0.1 s until it ends."""
    root = psutil.Process(proc.pid)
    samples = []
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            samples.append((time.perf_counter() - start, sum(_rss(p) for p in tree), _rss(root)))
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.1)
    return samples


def _rss(p: psutil.Process) -> int:
    try:
        return p.memory_info().rss
    except psutil.Error:
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default="/tmp/ogi-bench-scale", type=Path)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--skip-j1", action="store_true", help="leave out the single-worker run (time only)")
    args = parser.parse_args()

    root = args.dir
    corpus = root / "corpus"
    counts = make_corpus(corpus, args.n)
    small = subset(corpus, args.small, args.n)
    print(f"corpus: {counts}", flush=True)

    results = {}
    runs = [(f"{args.small} -j2", small, 2), (f"{args.n} -j2", corpus, 2), (f"{args.n} -j1", corpus, 1)]
    for name, folder, jobs in runs[:2] if args.skip_j1 else runs:
        out = root / f"out-{name.replace(' ', '')}"
        shutil.rmtree(out, ignore_errors=True)
        results[name] = r = run(folder, out, "-j", str(jobs))
        r["reports_per_s"] = round(r["processed"] / r["seconds"], 1)             # the whole command
        r["reading_reports_per_s"] = round(r["processed"] / r["reading_seconds"], 1)  # workers' phase only
        print(f"{name}: {r}", flush=True)
    out = root / f"out-{args.n}-j2"
    results["cached rerun"] = r = run(corpus, out, "-j", "2")
    r["share_of_first_run"] = f"{100 * r['seconds'] / results[f'{args.n} -j2']['seconds']:.1f}%"
    print(f"cached rerun: {r}", flush=True)
    (root / "results.json").write_text(json.dumps({"corpus": counts, **results}, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
