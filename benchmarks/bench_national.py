"""National scale in simulation: every phase after reading, at N = 10,000 / 100,000 / 300,000 reports.

    python benchmarks/bench_national.py [--n 10000 100000] [--dir /tmp/ogi-national] [--clean 0.8]

For each N, benchmarks/national.py fills DIR/N/out/cache.sqlite with N report records
as if the workers had read them (placeholder files in DIR/N/corpus, made once), then
`ogi build DIR/N/corpus -o DIR/N/out -j 2` runs in a subprocess and finds every file
cached: what it does is the cache check and every phase after reading (dataset files,
partitions, audit, research tables, the swap into OUT). The phases' seconds are the
build's own (OUT/manifest.json); peak RSS per phase comes from sampling the process
every 0.2 s with psutil, the phase boundaries counted back from the end of the research
phase (datapackage.json's mtime). CPU seconds are the child's user + system time (resource).
Each N's result is printed as one JSON line and kept in DIR/N/result.json (so several N can
run at once, as separate commands).

`--clean 0.8`: 80% of the agencies publish reports without defects (the synthetic pool
otherwise gives every report one, far more findings than real batches have).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

# The records are made here, not by a reader: their cache rows and the build that finds them share
# this version (ogi/cache.py's test hook), so editing extract/ or normalize/ meanwhile changes nothing.
PIPELINE_VERSION = "bench-national"
PHASES = ("dataset", "partitions", "audit", "research")   # in the order ogi/cli.py runs them
SAMPLE_SECONDS = 0.2


def build(root: Path, timeout: float | None) -> dict:
    """`ogi build` on the filled cache: wall and CPU seconds, peak RSS overall and per phase."""
    corpus, out = root / "corpus", root / "out"
    cmd = [sys.executable, "-m", "ogi.cli", "build", str(corpus), "-o", str(out), "-q", "-j", "2"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start_wall, start = time.time(), time.perf_counter()
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, text=True)
        samples = _watch(proc, start, timeout)
        proc.wait()
        log.seek(0)
        output = log.read()
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{output[-3000:]}")
    manifest = json.loads((out / "manifest.json").read_text())
    result = {"wall_s": round(seconds, 1),
              "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
              "peak_rss_mb": round(after.ru_maxrss / 1024),   # the largest child so far (kB on Linux)
              "sampled_peak_rss_mb": round(max((rss for _, rss, _ in samples), default=0) / 2**20),
              "summary": output.strip().splitlines()[-1], **_counts(manifest)}
    # datapackage.json is the research phase's last file (the swap keeps mtimes): the end of the phases
    result["phases"] = _phases(manifest, (out / "datapackage.json").stat().st_mtime - start_wall, samples)
    result["output_mb"] = {p.name: round(p.stat().st_size / 2**20, 1) for p in sorted(out.iterdir())
                           if p.is_file() and p.name != "cache.sqlite"}
    result["cache_mb"] = round((out / "cache.sqlite").stat().st_size / 2**20)
    return result


def _counts(manifest: dict) -> dict:
    counts = manifest["counts"]
    return {k: counts[k] for k in ("read", "failed", "values", "findings") if k in counts}


def _phases(manifest: dict, end: float, samples: list[tuple[float, int, float]]) -> dict:
    """phase → wall and CPU seconds and peak RSS, boundaries counted back from the swap's end;
    'cache check' is everything before the first phase (imports, finding every file fresh in the
    cache). CPU is the sampled process tree's user + system time over the phase: on a loaded
    machine the wall time says more about the other processes than about the build."""
    seconds = manifest["counts"]["seconds"]
    bounds, t = [], end
    for phase in reversed([p for p in PHASES if p in seconds]):
        bounds.append((phase, t - seconds[phase], t))
        t -= seconds[phase]
    bounds.append(("cache check", 0.0, t))
    out = {}
    for phase, begin, stop in reversed(bounds):
        inside = [(rss, cpu) for at, rss, cpu in samples if begin <= at <= stop]
        cpu = inside[-1][1] - inside[0][1] if len(inside) > 1 else None
        out[phase] = {"s": round(stop - begin, 1), "cpu_s": None if cpu is None else round(cpu, 1),
                      "peak_rss_mb": round(max((rss for rss, _ in inside), default=0) / 2**20)}
    return out


def _watch(proc: subprocess.Popen, start: float, timeout: float | None) -> list[tuple[float, int, float]]:
    """(seconds since start, RSS and CPU seconds of the build's process tree) until it ends;
    killed past `timeout`."""
    root = psutil.Process(proc.pid)
    samples = []
    while proc.poll() is None:
        at = time.perf_counter() - start
        if timeout and at > timeout:
            proc.kill()
            raise SystemExit(f"ogi build still running after {timeout:.0f} s: stopped")
        try:
            tree = [root, *root.children(recursive=True)]
            samples.append((at, sum(_rss(p) for p in tree), sum(_cpu(p) for p in tree)))
        except psutil.NoSuchProcess:
            pass
        time.sleep(SAMPLE_SECONDS)
    return samples


def _cpu(p: psutil.Process) -> float:
    try:
        times = p.cpu_times()
        return times.user + times.system
    except psutil.Error:
        return 0.0


def _rss(p: psutil.Process) -> int:
    try:
        return p.memory_info().rss
    except psutil.Error:
        return 0


def main() -> None:
    os.environ["OGI_PIPELINE_VERSION"] = PIPELINE_VERSION   # before ogi.cache is imported; the builds inherit it
    from national import fill_cache

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/ogi-national"))
    parser.add_argument("--clean", type=float, default=0.8)
    parser.add_argument("--timeout", type=float, default=None, help="seconds per build; stopped past it")
    args = parser.parse_args()

    for n in args.n:
        root = args.dir / str(n)
        start = time.perf_counter()
        fill_cache(root, n, clean=args.clean)
        filled = time.perf_counter() - start
        for leftover in (root / "out").iterdir():   # a previous build's outputs: this one writes them all
            if leftover.name not in ("cache.sqlite", "cache.sqlite-wal", "cache.sqlite-shm"):
                (shutil.rmtree if leftover.is_dir() else os.unlink)(leftover)
        r = {"n": n, "clean": args.clean, "fill_s": round(filled, 1), "load_before": os.getloadavg(),
             **build(root, args.timeout), "load_after": os.getloadavg()}
        print(json.dumps(r, ensure_ascii=False), flush=True)
        (root / "result.json").write_text(json.dumps(r, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
