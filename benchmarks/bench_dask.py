"""The reading phase on a dask.distributed LocalCluster (1 and 2 workers) against the local workers.

    python benchmarks/bench_dask.py [--n 300] [--dir /tmp/ogi-bench-dask] [--repeat 1]

N generated .docx (tests/generate.py, layouts in turn) are read by the runners of ogi/batch.py,
exactly as `ogi build` calls them (pipeline._runner): `run_local` with 1 and 2 worker
processes, and `run_dask` on a LocalCluster of 1 and 2 single-threaded worker processes
started beforehand (its start-up time is printed apart: on a real cluster the workers are
already up). Each line gives reports/s (wall) for the reading phase alone, the parent's CPU
seconds (what dispatching costs) and the load average, and checks that every runner gave
the same Reports (compared as the cache stores them).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def corpus(folder: Path, n: int) -> list[str]:
    from tests.generate import make_corpus

    done = folder / f".complete-{n}"
    if not done.exists():
        make_corpus(folder, n, seed=31)
        done.write_text(str(n))
    return sorted(str(p) for p in folder.glob("*.docx"))[:n]


def timed(name: str, run, files: list[str]) -> tuple[dict, dict]:
    """(figures, source → encoded result) of one runner over `files`."""
    from ogi.cache import encode

    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    results = {done.source: encode(done.result) for done in run(files)}
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return ({"runner": name, "n": len(results), "wall_s": round(wall, 1),
             "reports_per_s": round(len(results) / wall, 1), "parent_cpu_s": round(cpu, 1),
             "load": round(load, 1)}, results)


def local(jobs: int):
    from ogi.batch import run_local

    return lambda files: run_local(files, jobs, timeout=120)


def on_cluster(address: str):
    from ogi.batch import run_dask

    return lambda files: run_dask(files, address, timeout=120)


def main() -> None:
    import logging

    from dask.distributed import LocalCluster

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/ogi-bench-dask"))
    args = parser.parse_args()
    files = corpus(args.dir / "corpus", args.n)
    print(f"{len(files)} .docx; {os.cpu_count()} cores; load average {os.getloadavg()}", flush=True)

    rows, reference = [], None
    for jobs in (1, 2):
        row, results = timed(f"local -j{jobs}", local(jobs), files)
        rows.append(row)
        reference = reference or results
        row["same_as_local_j1"] = results == reference
        print(json.dumps(row), flush=True)
        start = time.perf_counter()
        with LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None,
                          silence_logs=logging.WARNING) as cluster:
            up = time.perf_counter() - start
            row, results = timed(f"dask {jobs} worker{'s' * (jobs > 1)}", on_cluster(cluster.scheduler_address),
                                 files)
        row["cluster_start_s"] = round(up, 1)
        row["same_as_local_j1"] = results == reference
        rows.append(row)
        print(json.dumps(row), flush=True)
    by = {r["runner"]: r for r in rows}
    print(f"scaling 1→2 workers: local {by['local -j2']['reports_per_s'] / by['local -j1']['reports_per_s']:.2f}x, "
          f"dask {by['dask 2 workers']['reports_per_s'] / by['dask 1 worker']['reports_per_s']:.2f}x; "
          f"dask/local at 2: {by['dask 2 workers']['reports_per_s'] / by['local -j2']['reports_per_s']:.2f}; "
          f"load average after {os.getloadavg()}")
    (args.dir / "results.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
