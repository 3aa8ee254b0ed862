"""The dataset files written while the files are still being read (`ogi build`).

Reading keeps the workers busy and leaves the parent waiting on their pipes;
writing reports/values/statements/keywords/errors (.parquet, .csv) and
dataset.xlsx used to start only when the last file was read. Here a thread
writes them meanwhile: it takes the sources in their order, waits for each
one still being read to be committed to the cache, and feeds the cached
results to the same streaming writer as `pipeline.write_from_cache`. So the
files are byte for byte those of a write after reading (the results come out
of the cache either way), and when reading ends only the last pieces are left.

The thread writes into the staging folder of ogi/generation.py; nothing is
swapped into OUT before the whole build is done. Interrupted, it stops at the
next source it would wait for and the staging folder is removed (a kill leaves
it to the next run's cleanup).
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Iterator

from .generation import staging


class Stopped(Exception):
    """The build stopped reading (interrupted, workers could not start): the writer gives up."""


class OverlappedWriter:
    """write_from_cache(sources, out, into=staging folder) in a thread, as the results arrive."""

    def __init__(self, out: str | os.PathLike):
        self.out = Path(out)
        self.folder: Path | None = None
        self._pending: set[str] = set()
        self._cond = threading.Condition()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._counts: dict | None = None
        self._error: BaseException | None = None

    @property
    def started(self) -> bool:
        return self._thread is not None

    def start(self, sources: list[str], todo: list[str]) -> None:
        """Begin writing `sources` in order; those in `todo` are waited for (see `arrived`)."""
        self.folder = staging(self.out)
        self._pending = set(todo)
        self._thread = threading.Thread(target=self._run, args=(sources,), name="ogi-dataset-writer", daemon=True)
        self._thread.start()

    def arrived(self, source: str) -> None:
        """`source`'s result is committed to the cache."""
        with self._cond:
            self._pending.discard(source)
            self._cond.notify_all()

    def finish(self) -> dict:
        """Wait for the files; the counts of write_dataset_chunks. Re-raises the writer's error."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._counts

    def discard(self) -> None:
        """Give up: the thread stops at the next source it would wait for, the staging folder goes."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()
            shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, sources: list[str]) -> None:
        try:  # the imports too: whatever fails here must reach finish(), not die with the thread
            from .output import write_dataset_chunks
            from .pipeline import chunks

            self._counts = write_dataset_chunks(chunks(self._results(sources)), self.folder)
        except Stopped:
            pass
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread by finish()
            self._error = exc

    def _results(self, sources: list[str]) -> Iterator[tuple]:
        from .cache import CACHE_NAME, Cache
        from .pipeline import _cached_result

        with Cache(self.out / CACHE_NAME) as cache:
            for source in sources:
                self._wait(source)
                yield source, _cached_result(cache, source)

    def _wait(self, source: str) -> None:
        with self._cond:
            while source in self._pending and not self._stopped:
                self._cond.wait()
            if self._stopped:
                raise Stopped
