"""The pipeline: files → Reports → a Dataset. Each stage is called here, once.

`process(path)` (ogi/work.py) is the unit of work (read, normalize) and never raises: a bad
file becomes an error record naming its stage and a plain reason, and the
batch goes on. `build` runs it over many files in this process and collects
the results. `build_incremental` is the same at scale: worker processes or a
Dask cluster (ogi/batch.py), with every result committed to OUT/cache.sqlite
as it arrives (ogi/cache.py), so a rerun reads only new or changed files and a
killed run resumes. Either way the Dataset is assembled in source order
(`iter_sources`), never in completion order, so it is the same however the
work was spread.
"""
from __future__ import annotations

import fcntl
import zipfile
import logging
import os
import shutil
import stat
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from ogi import extract
from ogi.extract.model import ExtractError
from ogi.extract.safety import ZIP_ERRORS
from ogi.normalize.report import Report

from .dataset import TEXT, Dataset, frames, table_dtypes
from .work import Failure, process, read_report  # noqa: F401 - the pipeline's public names

log = logging.getLogger(__name__)

SKIP_NAMES = (".truth.json", ".DS_Store", "Thumbs.db", "desktop.ini")
# Reports per piece when the dataset is written from the cache: the end of a build holds one
# piece (~0.3 MB per report in frames and Report objects: ~270 MB peak at 250, ~350 MB at 500, the
# same speed), however large the batch.
CHUNK_REPORTS = 250


def iter_sources(paths: Iterable[str | os.PathLike], skip: Iterable[str | os.PathLike] = ()) -> Iterator[str]:
    """Files named, and files under folders named (recursively, in a stable order).

    Folders in `skip` (OUT) and any folder ogi wrote (it holds an ogi manifest.json) are not
    walked: an OUT inside the input is never read as reports."""
    skipped = {os.path.realpath(p) for p in skip}
    for path in paths:
        path = os.fspath(path)
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path, followlinks=False):
                if os.path.realpath(root) in skipped or _is_ogi_output(root):
                    dirs[:] = []
                    continue
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and not name.endswith(SKIP_NAMES):
                        yield os.path.join(root, name)
        else:
            yield path


def _is_ogi_output(folder: str) -> bool:
    from .generation import read_manifest

    if not os.path.isfile(os.path.join(folder, "manifest.json")):
        return False
    manifest = read_manifest(folder)
    return isinstance(manifest, dict) and "state" in manifest and "files" in manifest


def links_outside(sources: Iterable[str], paths: Iterable[str | os.PathLike]) -> list[str]:
    """Sources found in the given folders that are symbolic links to files outside all of them
    (a private report, /etc/shadow): not to be followed. Files named directly are the user's choice."""
    named = {os.fspath(p) for p in paths}
    roots = [os.path.join(os.path.realpath(p), "") for p in named if os.path.isdir(p)]
    outside = []
    for source in sources:
        if source in named or not os.path.islink(source):
            continue
        target = os.path.realpath(source)
        if not any(target.startswith(root) for root in roots):
            outside.append(source)
    return outside


def build(paths: Iterable[str | os.PathLike]) -> Dataset:
    """Read every report under `paths` into one Dataset (reports, values, statements, errors)."""
    return assemble((source, process(source)) for source in iter_sources(paths))


def assemble(results: Iterable[tuple[str, Report | Failure]]) -> Dataset:
    """(source, result) pairs in source order → a Dataset; a repeated file content is kept once.
    The streaming `chunks` with one piece."""
    return next(chunks(results, size=sys.maxsize), None) or writable_frames([], [])


def writable_frames(reports: list[Report], failures: list[Failure]) -> Dataset:
    """`frames`, where a report the frames (Arrow-backed text, integer casts) still reject becomes a
    `write` Failure instead of stopping the batch; the others are kept."""
    try:
        return frames(reports, failures)
    except Exception:  # noqa: BLE001 - find the report it came from, one at a time
        pass
    kept, failures = [], list(failures)
    for report in reports:
        try:
            frames([report], [])
        except Exception as exc:  # noqa: BLE001
            failures.append(Failure(report.source, "write", f"the dataset rejected this file's data "
                                    f"({exc.__class__.__name__}: {exc})"[:300]))
        else:
            kept.append(report)
    return frames(kept, failures)


def deduplicated(results: Iterable[tuple[str, Report | Failure]]) -> Iterator[Report | Failure]:
    """The results in order, a Report whose file content came earlier turned into a `dedupe` Failure.

    Only each content hash and its first source are kept (a few hundred bytes per report, ~30 MB
    for 100,000), so this works on a stream and across the pieces of `chunks`.
    """
    seen: dict[str, str] = {}
    for source, result in results:
        if not isinstance(result, Failure):
            if result.sha256 in seen:
                result = Failure(source, "dedupe", f"same file content as {seen[result.sha256]}; skipped")
            else:
                seen[result.sha256] = source
        yield result


def chunks(results: Iterable[tuple[str, Report | Failure]], size: int = CHUNK_REPORTS) -> Iterator[Dataset]:
    """`assemble` by pieces: one Dataset per `size` reports (and the failures among them), in order."""
    reports, failures = [], []
    for result in deduplicated(results):
        (failures if isinstance(result, Failure) else reports).append(result)
        if len(reports) >= size:
            yield writable_frames(reports, failures)
            reports, failures = [], []
    if reports or failures:
        yield writable_frames(reports, failures)


# ---------------------------------------------------------------- at scale: parallel, cached, resumable

@dataclass
class BuildOptions:
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)  # 0: in this process, no limits
    timeout: float | None = 120.0           # seconds per document
    max_memory_mb: int | None = None        # address-space limit per worker (RLIMIT_AS)
    force: bool = False                     # ignore the cache: read everything again
    prune: bool = False                     # allow an empty input to empty a non-empty cache
    retry_failed: bool = False              # read again the files whose last reading failed
    scheduler: str | None = None            # dask scheduler address, or "local"
    send_bytes: bool = False                # dask: ship file bytes instead of sharing a path
    progress: bool = False                  # tqdm bar on stderr (only when stderr is a terminal)


class InputError(Exception):
    """The input cannot be what was meant (no files where the cache holds many): nothing was changed."""


@dataclass
class BuildStats:
    sources: int = 0        # files found
    processed: int = 0      # read in this run
    cached: int = 0         # taken from the cache
    pruned: int = 0         # cache entries dropped (files gone, other pipeline version)
    process_seconds: float = 0.0  # finding and reading the new files
    seconds: float = 0.0          # everything, up to the Dataset


def build_incremental(paths: Iterable[str | os.PathLike], out: str | os.PathLike,
                      options: BuildOptions | None = None) -> tuple[Dataset, BuildStats]:
    """`build` with OUT/cache.sqlite: reads only what changed, in parallel; resumable after a crash."""
    start = time.perf_counter()
    sources, stats = update_cache(paths, out, options)
    dataset = dataset_from_cache(sources, out)
    stats.seconds = time.perf_counter() - start
    return dataset, stats


def update_cache(paths: Iterable[str | os.PathLike], out: str | os.PathLike,
                 options: BuildOptions | None = None, writer=None) -> tuple[list[str], BuildStats]:
    """Read the new and changed files into the cache, one commit per document; returns the sources in order.

    `writer` (ogi/overlap.py), when there is something to read: started once the files to read are
    known, told of each result as it is committed, so the dataset files are written meanwhile."""
    from .cache import CACHE_NAME, Cache, Stat

    options = options or BuildOptions()
    start = time.perf_counter()
    paths = list(paths)
    sources = list(iter_sources(paths, skip=[out]))
    with Cache(Path(out) / CACHE_NAME, fresh=options.force) as cache:  # --force: the old cache is not read
        if not sources and not options.prune and (held := cache.total()):
            # an unmounted share or a typo must not wipe a dataset of thousands of reports
            raise InputError(f"no report files found; the cache in {out} holds {held} documents of an earlier "
                             "build that would be removed: nothing was changed (use --prune to empty it)")
        todo = list(dict.fromkeys(sources if options.force else cache.stale(sources, options.retry_failed)))
        for source in links_outside(todo, paths):
            todo.remove(source)
            cache.put(source, Stat.of(source), Failure(source, "read", "a symbolic link to a file outside the "
                                                       "input folders; not followed"))
        stats = BuildStats(sources=len(sources), processed=len(todo), cached=len(set(sources)) - len(todo))
        # stat before reading: a file changed while being read then fails the next run's check
        stat_before = {source: Stat.of(source) for source in todo}
        if writer is not None and todo:
            writer.start(sources, todo)
        converted = None if options.scheduler else _preconvert_office(todo, out)
        with _progress_bar(len(todo), options.progress) as bar:
            for done in _runner(todo, options, converted):
                cache.put(done.source, stat_before.pop(done.source, None), done.result, done.seconds)
                if writer is not None:
                    writer.arrived(done.source)
                bar.update(1)
        stats.process_seconds = time.perf_counter() - start
        stats.pruned = cache.prune(sources)
    stats.seconds = time.perf_counter() - start
    return sources, stats


def _preconvert_office(todo: list[str], out: str | os.PathLike) -> str | None:
    """.doc/.wps/.rtf/.odt files of the batch converted with one LibreOffice start (~0.2 s each after a
    1.5 s start, against ~2 s each one by one); returns the folder the workers are given to find the
    copies in (None: nothing converted ahead)."""
    from ogi.extract.office import preconvert

    office = [s for s in todo if _sniff_head(s) == "office"]
    if len(office) < 2:
        return None  # one file: converting it in its worker costs the same
    folder = os.path.abspath(os.path.join(out, ".converted"))
    converted = preconvert(office, folder)
    log.info("converted %d office files ahead of the workers", converted)
    return folder


def _sniff_head(path: str) -> str | None:
    try:
        # O_NONBLOCK and regular files only: a FIFO in the input folder blocked the whole batch here
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return None
            head = f.read(4096)
            if not head.startswith(b"PK"):
                return extract.sniff(head)
            # .odt or .docx: the zip's directory (at its end) tells them apart without reading
            # the whole file, which the worker reads anyway
            kind = extract.zip_kind(zipfile.ZipFile(f).namelist())
            if kind == "office":
                # a zip bomb or a DTD must not reach LibreOffice here, outside the workers' limits:
                # refused files are left to the worker, which reports them (issue 9)
                f.seek(0)
                extract.check_container(f.read(extract.MAX_BYTES))
            return kind
    except (OSError, ExtractError, *ZIP_ERRORS):
        return None


def dataset_from_cache(sources: list[str], out: str | os.PathLike) -> Dataset:
    """The Dataset of `sources`, in their order, from the results stored in OUT/cache.sqlite (in memory)."""
    return assemble(cached_results(sources, out))


def cached_results(sources: list[str], out: str | os.PathLike) -> Iterator[tuple[str, Report | Failure]]:
    """(source, stored result) in the order of `sources`, unpickled one at a time."""
    from .cache import CACHE_NAME, Cache

    with Cache(Path(out) / CACHE_NAME) as cache:
        for source in sources:
            yield source, _cached_result(cache, source)


def write_from_cache(sources: list[str], out: str | os.PathLike, chunk_size: int = CHUNK_REPORTS,
                     into: str | os.PathLike | None = None) -> dict:
    """Write OUT's dataset files (or into `into`, a staging folder) from OUT's cache piece by piece
    (ogi/output.py); returns the counts.

    The same files as `write_dataset(dataset_from_cache(sources, out), out)`, but memory stays
    that of one piece of `chunk_size` reports however many sources there are.
    """
    from .output import write_dataset_chunks

    return write_dataset_chunks(chunks(cached_results(sources, out), chunk_size), into or out)


# ---------------------------------------------------------------- skipping an unchanged rewrite

def outputs_state(sources: list[str], out: str | os.PathLike, flags: str = "") -> str:
    """A fingerprint of what OUT's files are made from: every source's cache row, the code, the flags
    (recorded in OUT/manifest.json by ogi/generation.py)."""
    from .cache import CACHE_NAME, Cache

    with Cache(Path(out) / CACHE_NAME) as cache:
        return cache.fingerprint(sources, extra=f"{_ogi_code_hash()}|{flags}")


def _ogi_code_hash() -> str:
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _runner(todo: list[str], options: BuildOptions, converted_dir: str | None = None):
    from functools import partial

    from . import batch

    if not todo:
        return iter(())
    if options.scheduler:
        return batch.run_dask(todo, options.scheduler, send_bytes=options.send_bytes, timeout=options.timeout,
                              jobs=options.jobs or None)
    # the folder of office files converted ahead, given to each worker (not through the environment)
    worker = partial(batch.process_one, converted_dir=converted_dir) if converted_dir else None
    if options.jobs == 0:
        return batch.run_inline(todo, worker=worker)
    return batch.run_local(todo, options.jobs, timeout=options.timeout, max_memory_mb=options.max_memory_mb,
                           worker=worker)


def _cached_result(cache, source: str) -> Report | Failure:
    """The stored result; a row lost meanwhile (a concurrent run pruned it) is read again here."""
    result = cache.get(source)
    if result is None:
        from .cache import Stat

        stat = Stat.of(source)
        result = process(source)
        cache.put(source, stat, result)
    return result


@contextmanager
def _progress_bar(total: int, wanted: bool):
    from tqdm import tqdm

    show = wanted and total > 0 and sys.stderr.isatty()
    with tqdm(total=total, disable=not show, file=sys.stderr, unit="doc", dynamic_ncols=True,
              smoothing=0.1) as bar:
        yield bar


@contextmanager
def exclusive(out: str | os.PathLike):
    """One build at a time per OUT: a second run on the same OUT waits, then finds the work cached.

    flock is released by the kernel when the holder dies, so a killed run
    never leaves a stale lock.
    """
    path = Path(out) / ".ogi-build.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("another ogi build is writing %s; waiting for it to finish", out)
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# ---------------------------------------------------------------- partitioned values, for large runs

PARTITION_ABOVE = 5000   # reports; below this a single values.parquet is easier and fast enough


def write_partitioned(dataset: Dataset, out: str | os.PathLike, name: str = "values_by_year") -> Path:
    """OUT/values_by_year/year=YYYY/province=…/part-0.parquet: `values` plus each report's year and province.

    Written beside the final folder and swapped in, so readers never see a
    half-written dataset and partitions that no longer exist disappear. Read it
    with `pd.read_parquet(folder, dtype_backend="numpy_nullable")` (or pyarrow,
    DuckDB, dask.dataframe) to get the nullable integer columns back.
    """
    keys = _partition_keys(dataset.reports)
    return _write_partitions([_keyed(dataset.values, keys)], out, name)


def write_partitioned_from_files(out: str | os.PathLike, name: str = "values_by_year",
                                 batch_rows: int = 200_000) -> Path:
    """`write_partitioned` from OUT/values.parquet and OUT/reports.parquet, a batch of rows at a time."""
    import pandas as pd
    import pyarrow.parquet as pq

    keys = _partition_keys(pd.read_parquet(Path(out) / "reports.parquet", columns=list(PARTITION_KEYS)))
    values = pq.ParquetFile(Path(out) / "values.parquet")
    return _write_partitions((_keyed(batch.to_pandas(), keys) for batch in values.iter_batches(batch_rows)),
                             out, name)


PARTITION_KEYS = ("report_id", "year", "province")


def _partition_keys(reports):
    return reports[list(PARTITION_KEYS)].drop_duplicates("report_id")


def _keyed(values, keys):
    """A piece of `values` with its reports' year and province, as an Arrow table of the fixed schema."""
    import pyarrow as pa

    return pa.Table.from_pandas(values.merge(keys, on="report_id", how="left"), schema=_partitioned_schema(),
                                preserve_index=False)


def _partitioned_schema():
    # without pandas' schema metadata: it would declare year as Int64 while the partition folders
    # make it a dictionary column, and pd.read_parquet(folder) would fail on the mismatch
    from .output import arrow_schema

    return arrow_schema({**table_dtypes("values"), "year": "Int64", "province": TEXT}).remove_metadata()


def _write_partitions(tables: Iterable, out: str | os.PathLike, name: str) -> Path:
    """Arrow tables (in order) → OUT/<name>/year=…/province=…/part-0.parquet, swapped in whole."""
    target = Path(out) / name
    fresh = target.with_name(f".{name}.new")
    old = target.with_name(f".{name}.old")
    for leftover in (fresh, old):
        shutil.rmtree(leftover, ignore_errors=True)
    with _PartitionWriters(fresh) as writers:
        for table in tables:
            writers.add(table)
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return target


PARTITION_COLUMNS = ("year", "province")
# Rows held for all partitions together before the largest one is written out as a row group.
# pyarrow's dataset writer held every partition's rows to the end: 1.5 GB for 100,000 reports.
PARTITION_BUFFER_ROWS = 500_000


class _PartitionWriters:
    """One Parquet file per (year, province), rows appended in the order they come, memory bounded
    by PARTITION_BUFFER_ROWS. Folder names are pyarrow's hive partitioning (URI-encoded, a missing
    value as __HIVE_DEFAULT_PARTITION__), so pyarrow, pandas and DuckDB read the folder as before."""

    def __init__(self, folder: Path):
        import pyarrow as pa
        import pyarrow.dataset as pads

        schema = _partitioned_schema()
        self.folder = folder
        self.keys = pa.schema([schema.field(c) for c in PARTITION_COLUMNS])
        self.partitioning = pads.partitioning(self.keys, flavor="hive")
        self.file_schema = pa.schema([f for f in schema if f.name not in PARTITION_COLUMNS])
        self.buffers: dict[tuple, list] = {}
        self.buffered = 0
        self.writers: dict[tuple, object] = {}

    def __enter__(self) -> "_PartitionWriters":
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc) -> None:
        try:
            if exc[0] is None:
                for key in list(self.buffers):
                    self._flush(key)
        finally:
            for writer in self.writers.values():
                writer.close()

    def add(self, table) -> None:
        """A table of the partitioned schema: its rows go to their partitions, in order."""
        import pyarrow.compute as pc

        # stable: each partition keeps the input order
        order = pc.sort_indices(table, sort_keys=[(c, "ascending", "at_end") for c in PARTITION_COLUMNS])
        keys = list(zip(*(table[c].take(order).to_pylist() for c in PARTITION_COLUMNS)))
        rows = table.select(self.file_schema.names)
        start = 0
        for end in range(1, len(keys) + 1):
            if end == len(keys) or keys[end] != keys[start]:
                part = rows.take(order.slice(start, end - start))   # a copy: holds no other rows alive
                self.buffers.setdefault(keys[start], []).append(part)
                self.buffered += part.num_rows
                start = end
        while self.buffered > PARTITION_BUFFER_ROWS:
            self._flush(max(self.buffers, key=lambda k: sum(t.num_rows for t in self.buffers[k])))

    def _flush(self, key: tuple) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        parts = self.buffers.pop(key)
        self.buffered -= sum(t.num_rows for t in parts)
        writer = self.writers.get(key)
        if writer is None:
            where = [pc.field(c).is_null() if v is None else pc.field(c) == pa.scalar(v, self.keys.field(c).type)
                     for c, v in zip(PARTITION_COLUMNS, key)]
            folder, _ = self.partitioning.format(where[0] & where[1])
            (self.folder / folder).mkdir(parents=True, exist_ok=True)
            writer = self.writers[key] = pq.ParquetWriter(self.folder / folder / "part-0.parquet", self.file_schema)
        writer.write_table(pa.concat_tables(parts).cast(self.file_schema))


def build_dataset(paths: Iterable[str | os.PathLike]):
    """The two DataFrames researchers use: (reports, values)."""
    dataset = build(paths)
    return dataset.reports, dataset.values
