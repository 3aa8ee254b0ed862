"""The `ogi` command: wires the stages together, nothing more.

    ogi build PATH... -o OUT    read every report under PATH into OUT (parallel, cached, resumable),
                                audit it and write the research tables
    ogi audit OUT               rerun the audit on an existing dataset
    ogi show FILE               print one report as the pipeline read it
    ogi review OUT …            record decisions on findings (reviews.csv); --serve opens the page to decide there,
                                --import takes those made in the page opened as a file
    ogi notice OUT              write one 整改通知 (.docx) per agency with findings

Exit codes (README, "Guarantees"): 0 done; 1 every file failed; 2 the input or the command is
wrong (a missing path, an empty input that would empty the cache, workers that cannot start);
3 OUT cannot be written (a file, read-only, disk full); 130 interrupted (SIGINT), 143 terminated
(SIGTERM). On 2, 3, 130 and 143 OUT holds exactly the previous complete generation (or, if the
interruption came after the swap, the new one): one line on stderr says which.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from contextlib import contextmanager

from . import __version__

EXIT_OK, EXIT_ALL_FAILED, EXIT_INPUT, EXIT_OUTPUT, EXIT_SIGINT, EXIT_SIGTERM = 0, 1, 2, 3, 130, 143
# A worker's peak address space (benchmarks/bench_worker_memory.py): 1.6 GB reading Word, PDF or text,
# 2.1 GB OCR'ing a 200 dpi page. About twice the heaviest: a decompression bomb the file checks cannot
# see stops here, not at the machine's end, and no real report comes near it.
DEFAULT_MAX_MEMORY_MB = 4096
PARTITION_ABOVE = 5000  # reports; keep in step with pipeline.PARTITION_ABOVE (not imported: keeps --help fast)
START = time.perf_counter()


class Terminated(BaseException):
    """SIGTERM, raised where the program is, so that it ends like Ctrl-C: cleanly, in one line."""


def _on_sigterm(signum, frame):
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if not args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_SIGINT
    except Terminated:
        print("terminated", file=sys.stderr)
        return EXIT_SIGTERM


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ogi", description="Turn 政府信息公开工作年度报告 files into a clean, audited dataset.")
    parser.add_argument("--version", action="version", version=f"ogi {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    build = sub.add_parser("build", help="read reports into a dataset",
                           description="Read every report file under PATH (folders are walked recursively) and "
                                       "write OUT/reports, OUT/values and OUT/statements (.parquet and .csv), "
                                       "OUT/dataset.xlsx and OUT/errors.csv; then audit the dataset "
                                       "(OUT/findings.parquet/.csv, audit.xlsx, audit.html) and write the "
                                       "research tables (indicators, keywords) and datapackage.json.")
    build.add_argument("paths", nargs="+", metavar="PATH", help="report files or folders")
    build.add_argument("-o", "--out", required=True, metavar="OUT", help="output folder (created if missing)")
    _add_scale_flags(build)
    build.set_defaults(run=_build)

    audit = sub.add_parser("audit", help="rerun the audit on an existing dataset",
                           description="Run every consistency rule on the dataset in OUT (as written by ogi build) "
                                       "and rewrite OUT/findings.parquet/.csv, audit.xlsx and audit.html. With "
                                       "--previous, last year's dataset is used for the cross-year rules.")
    audit.add_argument("out", metavar="OUT", help="a folder written by ogi build")
    audit.add_argument("--previous", metavar="OUT_LAST_YEAR", help="an earlier dataset folder, for R7/R8")
    audit.set_defaults(run=_audit)

    show = sub.add_parser("show", help="print one report as the pipeline read it",
                          description="Print a report's metadata, its three tables as read (Chinese labels, "
                                      "values, kinds) and every warning: the way to check one file by eye.")
    show.add_argument("file", help="a report file")
    show.set_defaults(run=_show)

    review = sub.add_parser("review", help="record decisions on findings (确认 / 驳回 / 已发送 / 已整改)",
                            description="Decisions are kept in OUT/reviews.csv, keyed by each finding's fingerprint "
                                        "(findings.csv), and carried into findings and audit.html on every rerun. "
                                        "Without FINGERPRINT: the decisions so far, and those whose finding is gone "
                                        "(已解决).")
    review.add_argument("out", metavar="OUT", help="a folder written by ogi build")
    review.add_argument("fingerprints", nargs="*", metavar="FINGERPRINT", help="findings to decide on")
    review.add_argument("--set", dest="state", metavar="DECISION",
                        help="确认, 驳回, 已发送 or 已整改 (or confirm, dismiss, sent, corrected)")
    review.add_argument("--note", default="", help="a note; a dismissal's reason")
    review.add_argument("--clear", action="store_true", help="remove the decisions of FINGERPRINT…")
    review.add_argument("--serve", action="store_true",
                        help="serve OUT/audit.html on 127.0.0.1 so decisions made in the page are saved")
    review.add_argument("--port", type=int, default=8765, help="with --serve (default %(default)s; 0 = any free)")
    review.add_argument("--import", dest="import_file", metavar="FILE.csv",
                        help="merge decisions exported from the page opened as a file (导出决定) into "
                             "OUT/reviews.csv: the later decision per finding wins")
    review.set_defaults(run=_review)

    notice = sub.add_parser("notice", help="write one 整改通知 (.docx) per agency",
                            description="Write OUT/notices/<agency>.docx for every agency with findings: each "
                                        "finding in Chinese with its page, printed and expected value and the "
                                        "suggestion. Findings dismissed (驳回) in reviews.csv are left out.")
    notice.add_argument("out", metavar="OUT", help="a folder written by ogi build")
    notice.add_argument("-o", "--to", metavar="FOLDER", help="where to write (default OUT/notices)")
    notice.set_defaults(run=_notice)
    return parser


def _add_scale_flags(build: argparse.ArgumentParser) -> None:
    """How the work is spread and bounded (ogi/batch.py) and cached (ogi/cache.py)."""
    group = build.add_argument_group("scale", "Results are cached in OUT/cache.sqlite: a rerun reads only new or "
                                              "changed files, and a killed run resumes where it stopped.")
    group.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                       help="worker processes (default: all %(default)s cores; 0 = in this process, no limits)")
    group.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                       help="time limit per document; a document past it is stopped and listed in errors.csv "
                            "(default %(default)g; 0 = none)")
    group.add_argument("--max-memory", type=int, default=DEFAULT_MAX_MEMORY_MB, metavar="MB",
                       help="address-space limit per worker process; a document that needs more is listed in "
                            "errors.csv and the worker replaced (default %(default)s; 0 = none)")
    group.add_argument("--force", action="store_true",
                       help="start a new cache (the old one is not read) and read every file again")
    group.add_argument("--retry-failed", action="store_true",
                       help="read again every file whose last reading failed (timeouts, memory and crashes "
                            "are retried anyway)")
    group.add_argument("--prune", action="store_true",
                       help="let an input with no report files empty a non-empty cache (refused otherwise)")
    group.add_argument("--partition", action="store_true",
                       help="also write OUT/values_by_year/year=…/province=…/*.parquet (automatic above "
                            f"{PARTITION_ABOVE} reports)")
    group.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on a Dask cluster (tcp://HOST:PORT), or 'local' for a local Dask cluster")
    group.add_argument("--send-bytes", action="store_true",
                       help="with --scheduler: send the files' bytes to the workers instead of sharing the path")
    group.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no per-file error lines")


def _build(args) -> int:
    from .sheetsafe import printable

    missing = [p for p in args.paths if not os.path.exists(p)]
    if missing:  # a typo: OUT is not even opened
        print(f"error: no such file or folder: {', '.join(map(printable, missing))}; {args.out} was not changed",
              file=sys.stderr)
        return EXIT_INPUT
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        print(f"error: {args.out} is a file, not a folder; nothing was written", file=sys.stderr)
        return EXIT_OUTPUT
    import sqlite3

    try:
        return _build_into(args)
    except sqlite3.Error as exc:  # the cache's disk full or locked read-only
        print(f"error: cannot write {args.out}/cache.sqlite: {exc}; {args.out} holds its previous complete "
              "outputs", file=sys.stderr)
        return EXIT_OUTPUT
    except OSError as exc:  # OUT read-only, full, under a file ...
        print(f"error: cannot write {args.out}: {exc.strerror or exc}"
              f"{'' if not exc.filename else f' ({printable(str(exc.filename))})'}; "
              f"{args.out} holds its previous complete outputs", file=sys.stderr)
        return EXIT_OUTPUT


def _build_into(args) -> int:
    from .batch import WorkerStartError
    from .generation import remove_leftovers
    from .overlap import OverlappedWriter
    from .pipeline import BuildOptions, InputError, exclusive, update_cache

    options = BuildOptions(jobs=args.jobs, timeout=args.timeout or None, max_memory_mb=args.max_memory or None,
                           force=args.force, prune=args.prune, retry_failed=args.retry_failed,
                           scheduler=args.scheduler, send_bytes=args.send_bytes, progress=not args.quiet)
    with exclusive(args.out):
        remove_leftovers(args.out)
        writer = OverlappedWriter(args.out)   # the dataset files written while reading
        try:
            try:
                sources, stats = update_cache(args.paths, args.out, options, writer=writer)
            except BaseException:
                writer.discard()
                raise
        except (KeyboardInterrupt, Terminated) as exc:
            print(f"{_stopped(exc)} while reading: {args.out} holds its previous complete outputs; the documents "
                  "read so far are kept in its cache: run the same command again to go on", file=sys.stderr)
            return _stop_code(exc)
        except (WorkerStartError, InputError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_INPUT
        try:
            counts, errors = _write_outputs(args, sources, writer)
        except (KeyboardInterrupt, Terminated) as exc:
            print(f"{_stopped(exc)} while writing: {args.out} holds its previous complete outputs "
                  "(the documents read are cached): run the same command again", file=sys.stderr)
            return _stop_code(exc)
    if not args.quiet:
        _print_errors(errors, args.out)
    print(_summary(counts, stats, args.out))
    return EXIT_OK if counts["read"] or not counts["failed"] else EXIT_ALL_FAILED


def _stopped(exc: BaseException) -> str:
    return "terminated" if isinstance(exc, Terminated) else "interrupted"


def _stop_code(exc: BaseException) -> int:
    return EXIT_SIGTERM if isinstance(exc, Terminated) else EXIT_SIGINT


def _write_outputs(args, sources: list[str], writer=None):
    """The dataset files in OUT, rewritten only when something they are made from changed.

    Everything is written from the cache or from the staging folder's own files, a piece at a
    time or a few columns at a time: the Dataset is never held whole, so memory does not grow
    with the batch. The new files replace the old ones together (ogi/generation.py).
    """
    import pandas as pd

    from .generation import is_current, staging, swap_in
    from .pipeline import PARTITION_ABOVE, outputs_state, write_from_cache, write_partitioned_from_files

    state = outputs_state(sources, args.out, flags=f"partition={args.partition}")
    counts = is_current(args.out, state)
    overlapped = writer is not None and writer.started      # the dataset files begun while reading
    if counts is not None and overlapped:
        writer.discard()
    if counts is None:
        folder = writer.folder if overlapped else staging(args.out)
        seconds = {}                     # each phase after reading, in the manifest (benchmarks/ prints them)
        try:
            with _timed(seconds, "dataset"):
                counts = writer.finish() if overlapped else write_from_cache(sources, args.out, into=folder)
            if args.partition or counts["read"] > PARTITION_ABOVE:
                with _timed(seconds, "partitions"):
                    write_partitioned_from_files(folder)
            if counts["read"]:
                from .audit import audit_dir
                from .research import write_research_outputs

                with _timed(seconds, "audit"):
                    counts["findings"] = len(audit_dir(folder, reviews_dir=args.out))
                with _timed(seconds, "research"):
                    write_research_outputs(folder, _research_input(folder))
            counts["seconds"] = seconds
            with _timed(seconds, "swap"):
                swap_in(folder, args.out, state, counts)
        finally:
            import shutil

            if overlapped:
                writer.discard()         # interrupted while it still wrote: stopped before the folder goes
            shutil.rmtree(folder, ignore_errors=True)
    else:
        from .review import refresh

        refresh(args.out)            # decisions recorded since the last run reach findings and the page
    if counts.get("excel_skipped"):
        from .output import EXCEL_MAX_REPORTS

        print(f"note: dataset.xlsx not written: {counts['read']} reports is more than {EXCEL_MAX_REPORTS} "
              "(see reports.csv / reports.parquet)")
    return counts, pd.read_csv(os.path.join(args.out, "errors.csv"), encoding="utf-8-sig", keep_default_na=False)


def _research_input(out: str):
    """The part of OUT's dataset that ogi/research.py reads, and no more: the reports' names, places,
    year, section 五 and indicator fields, and the values printed as a dash or left blank
    (tests/test_streaming.py checks the research tables are those of the whole dataset)."""
    import pandas as pd
    import pyarrow.parquet as pq

    from .dataset import Dataset, frames
    from .indicators import definitions
    from .keywords import problems_column

    wanted = {"report_id", "agency", "province", "city", "county", "adcode", "year", "agency_key", "agency_level",
              "status", "n_values", problems_column()}
    wanted.update(fid for ind in definitions().values() for fid in ind.numerator + ind.denominator)
    reports_path = os.path.join(out, "reports.parquet")
    columns = [c for c in pq.read_schema(reports_path).names if c in wanted]
    empties = pd.read_parquet(os.path.join(out, "values.parquet"), columns=["report_id", "field", "kind"],
                              filters=[("kind", "in", ["dash", "blank"])])
    nothing = frames([], [])
    return Dataset(pd.read_parquet(reports_path, columns=columns), empties, nothing.statements, nothing.errors,
                   keywords=pd.read_parquet(os.path.join(out, "keywords.parquet")))


def _audit(args) -> int:
    from .pipeline import exclusive

    for folder in filter(None, (args.out, args.previous)):
        if not os.path.isfile(os.path.join(folder, "reports.parquet")):
            print(f"error: {folder} holds no dataset written by ogi build (no reports.parquet)", file=sys.stderr)
            return EXIT_INPUT

    with exclusive(args.out):  # a build writing OUT meanwhile would mix generations
        findings = _audit_generation(args.out, args.previous)
    by_severity = findings["severity"].value_counts().to_dict() if len(findings) else {}
    print(f"findings {len(findings)} ({', '.join(f'{k} {v}' for k, v in sorted(by_severity.items())) or 'none'})"
          f" → {args.out}/audit.html")
    return 0


def _audit_generation(out: str, previous: str | None):
    """audit_dir in a staging folder holding links to OUT's dataset; the audit files then replace
    OUT's together, and the manifest follows them (ogi/generation.py)."""
    import shutil

    from .audit import audit_dir
    from .generation import replace_part, staging

    folder = staging(out)
    dataset = [name for name in ("reports.parquet", "values.parquet", "statements.parquet")
               if os.path.exists(os.path.join(out, name))]
    try:
        for name in dataset:
            try:
                os.link(os.path.join(out, name), folder / name)
            except OSError:  # a file system without hard links
                shutil.copy2(os.path.join(out, name), folder / name)
        findings = audit_dir(folder, previous, reviews_dir=out)    # OUT's decisions, not the staging folder's
        for name in dataset:
            (folder / name).unlink()
        replace_part(folder, out)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return findings


def _print_errors(errors, out: str, limit: int = 20) -> None:
    from .sheetsafe import printable

    for _, err in errors.head(limit).iterrows():  # escaped: a newline in a file name cannot forge a line
        print(f"error: {printable(err['source'])}: {err['stage']}: {printable(err['reason'])}", file=sys.stderr)
    if len(errors) > limit:
        print(f"... and {len(errors) - limit} more errors in {os.path.join(out, 'errors.csv')}", file=sys.stderr)


@contextmanager
def _timed(seconds: dict, phase: str):
    start = time.perf_counter()
    try:
        yield
    finally:
        seconds[phase] = round(time.perf_counter() - start, 3)


def _summary(counts: dict, stats, out: str) -> str:
    """One line: read, failed, (findings,) values, what was read anew vs taken from the cache, time."""
    parts = [f"read {counts['read']}", f"failed {counts['failed']}"]
    if counts.get("findings") is not None:
        parts.append(f"findings {counts['findings']}")
    parts += [f"values {counts['values']}", f"processed {stats.processed} in {stats.process_seconds:.1f}s",
              f"cached {stats.cached}"]
    return ", ".join(parts) + f", {time.perf_counter() - START:.1f}s → {out}"


def _show(args) -> int:
    from .pipeline import Failure, process
    from .show import render

    from .sheetsafe import printable

    result = process(args.file)
    if isinstance(result, Failure):
        print(f"error: {printable(result.source)}: {result.stage}: {printable(result.reason)}", file=sys.stderr)
        return 1
    print(render(result))
    return 0


def _review(args) -> int:
    from . import review

    if args.serve:
        def ready(url):
            print(f"audit.html at {url} (decisions saved to {args.out}/reviews.csv); Ctrl-C to stop", flush=True)
        try:
            review.serve(args.out, args.port, ready=ready)
        except KeyboardInterrupt:
            pass
        return 0
    if args.import_file:
        if args.fingerprints or args.state or args.clear:
            print("error: --import takes no FINGERPRINT, --set or --clear", file=sys.stderr)
            return 2
        try:
            done = review.import_decisions(args.out, args.import_file)
        except (OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print("\n".join(review.import_lines(done)))
    elif args.fingerprints:
        if not args.clear and not args.state:
            print("error: give --set DECISION or --clear", file=sys.stderr)
            return 2
        try:
            review.record(args.out, args.fingerprints, None if args.clear else args.state, args.note)
        except (KeyError, ValueError) as exc:
            print(f"error: {exc.args[0]}", file=sys.stderr)
            return 2
    print("\n".join(review.summary_lines(args.out)))
    return 0


def _notice(args) -> int:
    from .notice import write_notices

    paths = write_notices(args.out, args.to)
    print(f"{len(paths)} 份整改通知 → {args.to or os.path.join(args.out, 'notices')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
