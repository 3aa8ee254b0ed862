"""The build cache: one row per source file, in OUT/cache.sqlite.

A row holds what `pipeline.process` returned for a file (a Report or a
Failure, pickled) together with the file's path, size, mtime and sha256 and
the pipeline version that produced it. A rerun trusts a row when the version
matches and either the file's size and mtime are unchanged or, failing that,
its content hash is.

The key includes the path, not only the content hash: the normalizer reads
the year and agency from the file name when the text lacks them, so the same
bytes under another name can give another Report.

The pipeline version is ogi.__version__ plus a hash of data/*.csv (labels,
rules, fields) and of the code in extract/ and normalize/: any change that can
change a Report invalidates the rows it made, without anyone bumping a number.
(Test hook: OGI_PIPELINE_VERSION=<text> replaces it, so a test's reruns are
not invalidated by someone editing the code in the same checkout meanwhile.)

SQLite in WAL mode with one commit per document: a crash loses at most the
documents in flight, and two runs on the same OUT serialize their writes on
SQLite's lock (busy timeout) instead of corrupting the file.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import sqlite3
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

log = logging.getLogger(__name__)

CACHE_NAME = "cache.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    path     TEXT PRIMARY KEY,
    size     INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256   TEXT,              -- NULL for a Failure: the file may not even be readable
    version  TEXT NOT NULL,
    kind     TEXT NOT NULL,     -- report | failure
    payload  BLOB NOT NULL,     -- pickled Report or Failure
    seconds  REAL,
    stored   REAL NOT NULL      -- unix time
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);  -- JSON values
"""
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


class Cache:
    def __init__(self, path: str | os.PathLike, version: str | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.version = version or pipeline_version()
        # isolation_level=None: autocommit, so every put is its own durable transaction
        self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        self.db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable against process crashes
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Cache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ what to read

    def entries(self) -> dict[str, Entry]:
        rows = self.db.execute("SELECT path, size, mtime_ns, sha256, version FROM results")
        return {path: Entry(size, mtime, sha, version) for path, size, mtime, sha, version in rows}

    def stale(self, sources: Iterable[str]) -> Iterator[str]:
        """The sources that must be (re)read: new, changed, or made by another pipeline version."""
        entries = self.entries()
        for source in sources:
            if not self._is_fresh(source, entries.get(source)):
                yield source

    def _is_fresh(self, source: str, entry: Entry | None) -> bool:
        if entry is None or entry.version != self.version:
            return False
        stat = Stat.of(source)
        if stat is None:
            return False
        if (stat.size, stat.mtime_ns) == (entry.size, entry.mtime_ns):
            return True
        # touched or copied: the same bytes need no second reading
        if entry.sha256 is not None and stat.size == entry.size and file_sha256(source) == entry.sha256:
            self.db.execute("UPDATE results SET mtime_ns = ? WHERE path = ?", (stat.mtime_ns, source))
            return True
        return False

    # ------------------------------------------------------------ storing and loading

    def put(self, source: str, stat: Stat | None, result, seconds: float | None = None) -> None:
        """Store one result, committed at once (a crash after this keeps it)."""
        kind = "failure" if _is_failure(result) else "report"
        sha = getattr(result, "sha256", None) if kind == "report" else None
        stat = stat or Stat(-1, -1)  # an unreadable file: never fresh, so it is retried
        self.db.execute(
            "INSERT OR REPLACE INTO results (path, size, mtime_ns, sha256, version, kind, payload, seconds, stored) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (source, stat.size, stat.mtime_ns, sha, self.version, kind,
             pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL), seconds, time.time()))

    def get(self, source: str):
        """The stored Report or Failure for `source` under this pipeline version, or None."""
        row = self.db.execute("SELECT payload FROM results WHERE path = ? AND version = ?",
                              (source, self.version)).fetchone()
        if row is None:
            return None
        try:
            return pickle.loads(row[0])
        except Exception as exc:  # a payload from code that no longer exists: read the file again
            log.warning("unreadable cache entry for %s (%s); it will be read again", source, exc)
            return None

    def prune(self, keep: Iterable[str]) -> int:
        """Drop rows of files no longer among the sources and rows of other pipeline versions."""
        keep = set(keep)
        gone = [(path,) for path, entry in self.entries().items()
                if path not in keep or entry.version != self.version]
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany("DELETE FROM results WHERE path = ?", gone)
        self.db.execute("COMMIT")
        return len(gone)

    def fingerprint(self, sources: list[str], extra: str = "") -> str:
        """Changes whenever any source's row is rewritten, the sources or their order change, or `extra` does."""
        stored = dict(self.db.execute("SELECT path, stored FROM results WHERE version = ?", (self.version,)))
        digest = hashlib.sha256(f"{self.version}|{extra}".encode())
        for source in sources:
            digest.update(f"\0{source}\0{stored.get(source)!r}".encode())
        return digest.hexdigest()

    def get_meta(self, key: str):
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_meta(self, key: str, value) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM results WHERE version = ?", (self.version,)).fetchone()[0]


def _is_failure(result) -> bool:
    # duck-typed so this module needs no import of the pipeline
    return hasattr(result, "stage") and hasattr(result, "reason")
