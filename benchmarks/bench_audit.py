"""Audit benchmark: `ogi audit` on N synthetic reports — reports/s, ms per report, peak memory.

    python benchmarks/bench_audit.py [--n 2000 10000] [--dir /tmp/ogi-bench-audit] [--chunk 200]

The dataset is tests/synthetic.py's batch (every rule's defect among clean
reports, three years per agency, coverage columns) copied under new report
ids and agency names until it has N reports, written once per N into
DIR/N/ as reports/values/statements.parquet the way `ogi build` writes them.
Each measurement runs in a fresh subprocess (so its peak RSS is its own):

- rules    the findings of the whole dataset in memory (audit.audit_reports)
- audit    `ogi audit DIR/N` as a user runs it: the rules chunk by chunk and
           the files (findings, checks, audit.xlsx, audit.html); the files'
           own time is also given apart

--clean 0.8 makes 80% of the reports clean (real batches have far fewer
defects than the synthetic one, where every report has one).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASE_N = 240


def make_dataset(folder: Path, n: int, clean: float = 0.0) -> Path:
    """DIR/N with reports/values/statements.parquet of n reports (made once)."""
    import pandas as pd

    sys.path.insert(0, str(REPO / "tests"))
    from synthetic import synthetic_dataset

    out = folder / (f"{n}-clean{clean:g}" if clean else str(n))
    if (out / "reports.parquet").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    base = synthetic_dataset(min(n, BASE_N), seed=9, clean=clean)
    copies = -(-n // BASE_N)
    tables = []
    for df in base:
        parts = []
        for k in range(copies):
            part = df.copy()
            part["report_id"] = part["report_id"].astype(str) + f"-{k:04d}"
            if "agency" in part.columns:
                part["agency"] = part["agency"].astype(str) + (f"{k}分局" if k else "")
            if "source" in part.columns:
                part["source"] = part["report_id"] + ".docx"
            parts.append(part)
        tables.append(pd.concat(parts, ignore_index=True))
    reports, values, statements = tables
    keep = set(reports["report_id"].iloc[:n])
    for name, df in zip(("reports", "values", "statements"), (reports, values, statements)):
        df[df["report_id"].isin(keep)].to_parquet(out / f"{name}.parquet", index=False, row_group_size=20_000)
    return out


_RULES = """
import resource, sys, time, pandas as pd
from ogi.audit import audit_reports
folder = sys.argv[1]
tables = [pd.read_parquet(f"{folder}/{t}.parquet") for t in ("reports", "values", "statements")]
start, cpu = time.perf_counter(), time.process_time()
found, checks = audit_reports(*tables)
print(0, 0, time.perf_counter() - start, time.process_time() - cpu, len(found),
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

_AUDIT = """
import resource, sys, time
import ogi.audit
from ogi.audit import audit_dir
files = [0.0, 0.0]
write_files = ogi.audit.write_files
def timed(*a, **k):                      # the files (findings, audit.xlsx, audit.html) apart from the rules
    t, c = time.perf_counter(), time.process_time()
    write_files(*a, **k)
    files[0] += time.perf_counter() - t
    files[1] += time.process_time() - c
ogi.audit.write_files = timed
start, cpu = time.perf_counter(), time.process_time()
found = audit_dir(sys.argv[1], chunk_size=int(sys.argv[2]))
print(files[0], files[1], time.perf_counter() - start, time.process_time() - cpu, len(found),
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def measure(code: str, *args: str) -> dict:
    """Run `code` in a fresh interpreter: its own timing (wall and CPU), its peak RSS, the findings it made."""
    wall = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    wall = time.perf_counter() - wall
    if done.returncode:
        raise SystemExit(done.stderr)
    files, files_cpu, seconds, cpu, findings, peak_kb = done.stdout.split()[-6:]
    return {"seconds": round(float(seconds), 2), "cpu_seconds": round(float(cpu), 2),
            "files_seconds": round(float(files), 2), "files_cpu_seconds": round(float(files_cpu), 2),
            "process_seconds": round(wall, 2), "findings": int(findings), "peak_rss_mb": round(int(peak_kb) / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/ogi-bench-audit"))
    parser.add_argument("--chunk", type=int, default=200)
    parser.add_argument("--clean", type=float, default=0.0,
                        help="share of reports without any defect (default 0: every report has one)")
    args = parser.parse_args()
    results = {}
    for n in args.n:
        folder = make_dataset(args.dir, n, args.clean)
        for name, code, extra in (("rules", _RULES, ()), ("audit", _AUDIT, (str(args.chunk),))):
            r = measure(code, str(folder), *extra)
            r["reports_per_s"] = round(n / r["seconds"], 1)
            r["ms_per_report"] = round(1000 * r["seconds"] / n, 3)
            r["cpu_ms_per_report"] = round(1000 * r["cpu_seconds"] / n, 3)
            r["cpu_ms_per_report_without_files"] = round(1000 * (r["cpu_seconds"] - r["files_cpu_seconds"]) / n, 3)
            results[f"{n} {name}"] = r
            print(f"{n:>7} {name:6} {r['seconds']:8.2f} s  {r['ms_per_report']:7.3f} ms/report  "
                  f"CPU {r['cpu_ms_per_report']:7.3f} ms/report ({r['cpu_ms_per_report_without_files']:7.3f} "
                  f"without the files)  {r['reports_per_s']:9.1f} reports/s  peak {r['peak_rss_mb']:5d} MB  "
                  f"{r['findings']} findings", flush=True)
    name = f"results-clean{args.clean:g}.json" if args.clean else "results.json"
    (args.dir / name).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
