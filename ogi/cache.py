"""The build cache: one row per source file, in OUT/cache.sqlite.

A row holds what `pipeline.process` returned for a file (a Report or a
Failure) together with the file's path, size, mtime and sha256 and the
pipeline version that produced it. A rerun trusts a row when the version
matches and either the file's size and mtime are unchanged or, failing that,
its content hash is. A failure of the environment (timeout, memory, crash) is
never trusted: the next run tries the file again. A failure of the content
(not a report, damaged) stays cached like a Report.

Rows are plain data, never code: a result is stored as zlib-compressed JSON
with a payload schema version (`PAYLOAD_SCHEMA`), and turned back into the
dataclasses it came from field by field. An OUT folder is something people
copy and hand on; a crafted row must not be able to run anything (the cache
used to be pickled). A row of another schema is simply read again.

The key is the path's bytes (`os.fsencode`), so a file name that is not
UTF-8 (a Windows zip unpacked on Linux) is stored and found like any other.
It includes the path, not only the content hash: the normalizer reads the
year and agency from the file name when the text lacks them, so the same
bytes under another name can give another Report.

The pipeline version is ogi.__version__ plus a hash of data/*.csv (labels,
rules, fields) and of the code in extract/ and normalize/: any change that can
change a Report invalidates the rows it made, without anyone bumping a number.
(Test hook: OGI_PIPELINE_VERSION=<text> replaces it, so a test's reruns are
not invalidated by someone editing the code in the same checkout meanwhile.)

SQLite in WAL mode with one commit per document: a crash loses at most the
documents in flight, and two runs on the same OUT serialize their writes on
SQLite's lock (busy timeout) instead of corrupting the file. A cache file
SQLite cannot open (garbage, cut in half) is moved aside with one log line
and a new one started; `fresh=True` (--force) starts a new one without
reading the old at all.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import time
import zlib
from dataclasses import fields as dataclass_fields
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

log = logging.getLogger(__name__)

CACHE_NAME = "cache.sqlite"
PAYLOAD_SCHEMA = 1   # the JSON layout of a stored result; a row of another layout is read again
SCHEMA = """
DROP TABLE IF EXISTS results;   -- the pickled rows of earlier versions: never to be loaded
CREATE TABLE IF NOT EXISTS documents (
    path     BLOB PRIMARY KEY,  -- os.fsencode(path)
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256   TEXT,              -- NULL for a Failure: the file may not even be readable
    version  TEXT NOT NULL,
    kind     TEXT NOT NULL,     -- report | failure
    stage    TEXT,              -- a Failure's stage
    schema   INTEGER NOT NULL,  -- PAYLOAD_SCHEMA of the payload
    payload  BLOB NOT NULL,     -- zlib(JSON) of the Report or Failure
    seconds  REAL,
    stored   REAL NOT NULL      -- unix time
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);  -- JSON values
"""
# failures of the machine, not of the file: retried by the next run
RETRIED_STAGES = ("timeout", "memory", "crash")
BUSY_TIMEOUT_MS = 120_000  # a concurrent run commits one small row at a time; waiting is cheap


@lru_cache(maxsize=1)
def pipeline_version() -> str:
    """ogi version + hash of everything a Report depends on (data tables and reader/normalizer code)."""
    if override := os.environ.get("OGI_PIPELINE_VERSION"):
        return override
    from ogi import extract
    from ogi import normalize
    from ogi.data import DATA_DIR

    from . import __version__

    digest = hashlib.sha256()
    files = sorted(DATA_DIR.glob("*.csv"))
    for package in (extract, normalize):
        files += sorted(Path(package.__file__).parent.rglob("*.py"))
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{__version__}+{digest.hexdigest()[:16]}"


def file_sha256(path: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


@dataclass(frozen=True)
class Stat:
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: str) -> "Stat | None":
        try:
            st = os.stat(path)
        except OSError:
            return None
        return cls(st.st_size, st.st_mtime_ns)


@dataclass(frozen=True)
class Entry:
    """A cache row without its payload: enough to decide whether a file must be read again."""
    size: int
    mtime_ns: int
    sha256: str | None
    version: str
    stage: str | None = None
    schema: int = PAYLOAD_SCHEMA


class Cache:
    def __init__(self, path: str | os.PathLike, version: str | None = None, fresh: bool = False):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.version = version or pipeline_version()
        if fresh:
            _remove(self.path)
        try:
            self.db = self._open()
        except sqlite3.DatabaseError as exc:
            aside = self.path.with_name(f"{self.path.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}")
            log.warning("%s cannot be opened (%s): moved aside to %s; the cache is rebuilt",
                        self.path, exc, aside.name)
            _remove(self.path, aside)
            self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        # isolation_level=None: autocommit, so every put is its own durable transaction
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable against process crashes
            db.executescript(SCHEMA)
            db.execute("SELECT count(*) FROM documents").fetchone()  # a half-cut file fails here, not later
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Cache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ what to read

    def entries(self) -> dict[str, Entry]:
        rows = self.db.execute("SELECT path, size, mtime_ns, sha256, version, stage, schema FROM documents")
        return {os.fsdecode(path): Entry(size, mtime, sha, version, stage, schema)
                for path, size, mtime, sha, version, stage, schema in rows}

    def stale(self, sources: Iterable[str], retry_failed: bool = False) -> Iterator[str]:
        """The sources that must be (re)read: new, changed, made by another pipeline version, failed
        for want of time or memory (or, with `retry_failed`, failed at all)."""
        entries = self.entries()
        for source in sources:
            if not self._is_fresh(source, entries.get(source), retry_failed):
                yield source

    def _is_fresh(self, source: str, entry: Entry | None, retry_failed: bool = False) -> bool:
        if entry is None or entry.version != self.version or entry.schema != PAYLOAD_SCHEMA:
            return False
        if entry.stage in RETRIED_STAGES or (retry_failed and entry.stage is not None):
            return False
        stat = Stat.of(source)
        if stat is None:
            return False
        if (stat.size, stat.mtime_ns) == (entry.size, entry.mtime_ns):
            return True
        # touched or copied: the same bytes need no second reading
        if entry.sha256 is not None and stat.size == entry.size and file_sha256(source) == entry.sha256:
            self.db.execute("UPDATE documents SET mtime_ns = ? WHERE path = ?", (stat.mtime_ns, _key(source)))
            return True
        return False

    # ------------------------------------------------------------ storing and loading

    def put(self, source: str, stat: Stat | None, result, seconds: float | None = None) -> None:
        """Store one result, committed at once (a crash after this keeps it)."""
        kind = "failure" if _is_failure(result) else "report"
        sha = getattr(result, "sha256", None) if kind == "report" else None
        stage = result.stage if kind == "failure" else None
        stat = stat or Stat(-1, -1)  # an unreadable file: never fresh, so it is retried
        self.db.execute(
            "INSERT OR REPLACE INTO documents (path, size, mtime_ns, sha256, version, kind, stage, schema, payload, "
            "seconds, stored) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (_key(source), stat.size, stat.mtime_ns, sha, self.version, kind, stage, PAYLOAD_SCHEMA,
             encode(result), seconds, time.time()))

    def get(self, source: str):
        """The stored Report or Failure for `source` under this pipeline version, or None."""
        row = self.db.execute("SELECT kind, payload FROM documents WHERE path = ? AND version = ? AND schema = ?",
                              (_key(source), self.version, PAYLOAD_SCHEMA)).fetchone()
        if row is None:
            return None
        try:
            return decode(row[0], row[1])
        except Exception as exc:  # noqa: BLE001 - a damaged or foreign row: read the file again
            log.warning("unreadable cache entry for %s (%s); it will be read again", _printable(source), exc)
            return None

    def prune(self, keep: Iterable[str]) -> int:
        """Drop rows of files no longer among the sources and rows of other pipeline versions."""
        keep = set(keep)
        gone = [(_key(path),) for path in self.would_prune(keep)]
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany("DELETE FROM documents WHERE path = ?", gone)
        self.db.execute("COMMIT")
        return len(gone)

    def would_prune(self, keep: Iterable[str]) -> list[str]:
        """The rows `prune(keep)` would drop."""
        keep = set(keep)
        return [path for path, entry in self.entries().items() if path not in keep or entry.version != self.version]

    def fingerprint(self, sources: list[str], extra: str = "") -> str:
        """Changes whenever any source's row is rewritten, the sources or their order change, or `extra` does."""
        stored = dict(self.db.execute("SELECT path, stored FROM documents WHERE version = ?", (self.version,)))
        digest = hashlib.sha256(f"{self.version}|{extra}".encode())
        for source in sources:
            key = _key(source)
            digest.update(b"\0" + key + f"\0{stored.get(key)!r}".encode())
        return digest.hexdigest()

    def get_meta(self, key: str):
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_meta(self, key: str, value) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM documents WHERE version = ?", (self.version,)).fetchone()[0]

    def total(self) -> int:
        """Rows of any version: what a prune could remove."""
        return self.db.execute("SELECT count(*) FROM documents").fetchone()[0]


def _key(source: str) -> bytes:
    return os.fsencode(source)


def _printable(source: str) -> str:
    from .sheetsafe import printable

    return printable(source)


def _remove(path: Path, aside: Path | None = None) -> None:
    """The SQLite file and its WAL companions: deleted, or the file moved to `aside`."""
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        try:
            if aside is not None and not suffix:
                os.replace(part, aside)
            else:
                part.unlink(missing_ok=True)
        except OSError:
            pass


def _is_failure(result) -> bool:
    # duck-typed so this module needs no import of the pipeline
    return hasattr(result, "stage") and hasattr(result, "reason")


# ---------------------------------------------------------------- results as plain data

def encode(result) -> bytes:
    """A Report or Failure as zlib-compressed JSON (dataclass fields only; tuples become lists)."""
    data = {name: getattr(result, name) for name in _field_names(type(result))}
    if not _is_failure(result):
        data["meta"] = {name: getattr(result.meta, name) for name in _field_names(type(result.meta))}
        # positional, in the dataclass's field order: 5x faster to load than a dict per value; a change
        # of the Value class changes the pipeline version, so a row never meets another layout
        data["values"] = [[getattr(v, name) for name in _field_order(type(v))] for v in result.values.values()]
    text = json.dumps(data, ensure_ascii=False, default=_plain, allow_nan=True)
    return zlib.compress(text.encode("utf-8", "surrogatepass"), 1)


def _plain(value):
    """numpy scalars and other number-likes a normalizer may leave behind, as JSON numbers."""
    for kind in (int, float):
        try:
            if value == kind(value):
                return kind(value)
        except (TypeError, ValueError):
            continue
    raise TypeError(f"{type(value).__name__} is not stored in the cache")


def decode(kind: str, payload: bytes):
    """`encode` undone: only the known dataclasses are built, from their own fields; nothing is called."""
    from ogi.normalize.metadata import Metadata
    from ogi.normalize.report import Report
    from ogi.normalize.value import Value

    from .work import Failure

    data = json.loads(zlib.decompress(payload).decode("utf-8", "surrogatepass"))
    if kind == "failure":
        return _build(Failure, data)
    data["meta"] = _build(Metadata, data.get("meta") or {})
    order = _field_order(Value)
    bbox, field_at = order.index("bbox"), order.index("field")
    values = {}
    for row in data.get("values") or []:
        if row[bbox] is not None:
            row[bbox] = tuple(row[bbox])
        values[row[field_at]] = Value(*row)
    data["values"] = values
    return _build(Report, data)


def _build(cls, data: dict):
    names = _field_names(cls)
    return cls(**{k: v for k, v in data.items() if k in names})


@lru_cache(maxsize=None)
def _field_names(cls) -> frozenset:
    return frozenset(_field_order(cls))


@lru_cache(maxsize=None)
def _field_order(cls) -> tuple:
    return tuple(f.name for f in dataclass_fields(cls))
