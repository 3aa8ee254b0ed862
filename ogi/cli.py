"""The `ogi` command: wires the stages together, nothing more.

    ogi build PATH... -o OUT    read every report under PATH into OUT
    ogi show FILE               print one report as the pipeline read it
"""
from __future__ import annotations

import argparse
import logging
import sys
import time

from . import __version__


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if not args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    return args.run(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ogi", description="Turn 政府信息公开工作年度报告 files into a clean, audited dataset.")
    parser.add_argument("--version", action="version", version=f"ogi {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    build = sub.add_parser("build", help="read reports into a dataset",
                           description="Read every report file under PATH (folders are walked recursively) and "
                                       "write OUT/reports, OUT/values and OUT/statements (.parquet and .csv), "
                                       "OUT/dataset.xlsx and OUT/errors.csv.")
    build.add_argument("paths", nargs="+", metavar="PATH", help="report files or folders")
    build.add_argument("-o", "--out", required=True, metavar="OUT", help="output folder (created if missing)")
    build.set_defaults(run=_build)

    show = sub.add_parser("show", help="print one report as the pipeline read it",
                          description="Print a report's metadata, its three tables as read (Chinese labels, "
                                      "values, kinds) and every warning: the way to check one file by eye.")
    show.add_argument("file", help="a report file")
    show.set_defaults(run=_show)
    return parser


def _build(args) -> int:
    from .output import write_dataset
    from .pipeline import build

    start = time.perf_counter()
    dataset = build(args.paths)
    write_dataset(dataset, args.out)
    n_ok, n_failed = len(dataset.reports), len(dataset.errors)
    for _, err in dataset.errors.iterrows():
        print(f"error: {err['source']}: {err['stage']}: {err['reason']}", file=sys.stderr)
    print(f"read {n_ok}, failed {n_failed}, values {len(dataset.values)}, "
          f"{time.perf_counter() - start:.1f}s → {args.out}")
    return 0 if n_ok or not n_failed else 1


def _show(args) -> int:
    from .pipeline import Failure, process
    from .show import render

    result = process(args.file)
    if isinstance(result, Failure):
        print(f"error: {result.source}: {result.stage}: {result.reason}", file=sys.stderr)
        return 1
    print(render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
