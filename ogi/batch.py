"""Run `work.process` over many files: local worker processes, or a Dask cluster.

Both runners take an iterable of paths and yield `Done(source, result, seconds)`
in completion order; the caller stores each result as it comes (the cache), so
nothing here keeps more than the documents in flight.

Local runner. `concurrent.futures.ProcessPoolExecutor` cannot stop one stuck
task, so the pool is hand-managed: each worker is a `multiprocessing` Process
with its own Pipe, started once (imports and models stay loaded), given one
document at a time. The parent waits on the pipes and on the workers'
sentinels, with a deadline per document: a worker past the time limit is
killed and replaced, a worker that dies (segfault, OOM killer, RLIMIT_AS) is
replaced, and the document becomes a Failure record either way. Workers are
forked from a forkserver, so a worker does not inherit the parent's threads
or the other workers' pipes, and it sees EOF when the parent dies.

Dask runner. The same `process` through dask.distributed (Client.submit and
as_completed), with a bounded number of tasks in flight so that a huge batch
does not hold every future, or every file's bytes with --send-bytes.

Tests give `run_local`/`run_inline` their own `worker` (or wrap `process_one` in the
workers: tests/hooks) to make documents hang, crash or hog memory.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import tempfile
import time
from collections import deque
from multiprocessing.connection import wait
from typing import Iterable, Iterator

from .sheetsafe import printable
from .work import Done, Failure, process

log = logging.getLogger(__name__)

# modules the forkserver imports once, so every (re)started worker begins warm (cpca alone loads
# its region tables on import: 0.4 s); a module missing here is skipped by the forkserver
PRELOAD = ["docx", "cpca", "opencc", "jieba", "jieba.analyse", "ogi.extract", "ogi.extract.docx", "ogi.extract.pdf",
           "ogi.extract.html", "ogi.normalize.report", "ogi.normalize.sections", "ogi.normalize.narrative",
           "ogi.work", "ogi.pipeline"]


# ---------------------------------------------------------------- inside a worker

def process_one(path: str, converted_dir: str | None = None):
    """`work.process` with a MemoryError turned into a Failure."""
    try:
        result = process(path, converted_dir)
    except MemoryError:
        return Failure(path, "memory", "out of memory (worker memory limit)")
    if isinstance(result, Failure) and "MemoryError" in result.reason:  # caught inside process()
        return Failure(path, "memory", f"out of memory (worker memory limit) while in {result.stage}")
    return result


def _limit_memory(max_memory_mb: int | None) -> None:
    """RLIMIT_AS: the worker's whole address space, which starts at ~1.4 GB virtual (130 MB resident)
    after the imports. A limit below that plus a margin would fail every document, so it is raised."""
    if not max_memory_mb:
        return
    import resource

    limit = max_memory_mb * 1024 * 1024
    floor = _address_space() + MIN_HEADROOM_MB * 1024 * 1024
    if limit < floor:
        log.warning("--max-memory %d MB is below this worker's address space at rest (%d MB) plus %d MB; "
                    "using %d MB", max_memory_mb, _address_space() >> 20, MIN_HEADROOM_MB, floor >> 20)
        limit = floor
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


MIN_HEADROOM_MB = 256


def _address_space() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _die_with_parent() -> None:
    """Linux: SIGKILL this worker when its parent (the forkserver) goes, even mid-document."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _worker_main(conn, max_memory_mb: int | None, worker=None) -> None:
    worker = worker or process_one  # looked up here, so a test's wrapper in this process applies
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _limit_memory(max_memory_mb)
    try:
        conn.send("ready")
    except (EOFError, OSError):
        return  # the parent stopped (interrupted) before this worker finished starting
    while True:
        try:
            path = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if path is None:
            return
        start = time.perf_counter()
        result = worker(path)
        seconds = time.perf_counter() - start
        try:
            conn.send((result, seconds))
        except (EOFError, OSError):
            return
        except Exception as exc:  # unpicklable result: report it rather than hang the parent
            conn.send((Failure(path, "read", f"result not transferable: {exc.__class__.__name__}: {exc}"),
                       seconds))
        if isinstance(result, Failure) and result.stage == "memory":
            return  # a worker that ran out of memory may be damaged: the parent starts a new one


# ---------------------------------------------------------------- the local pool

class WorkerStartError(RuntimeError):
    """Worker processes die before taking any document: a broken environment, not a bad file."""


class _Worker:
    STARTUP_SECONDS = 120  # imports on a loaded machine; far above the ~1 s they take

    def __init__(self, ctx, max_memory_mb: int | None, worker=None):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, max_memory_mb, worker), daemon=True)
        self.process.start()
        child.close()
        self.path: str | None = None
        self.started = 0.0
        self.is_ready = False

    def wait_ready(self) -> None:
        """Block until the worker has started; raise WorkerStartError if it died instead.

        Without this check a worker that cannot start (a broken install, an
        unimportable __main__) would turn every document into a 'crash' record.
        """
        if self.is_ready:
            return
        try:
            if self.conn.poll(self.STARTUP_SECONDS) and self.conn.recv() == "ready":
                self.is_ready = True
                return
        except (EOFError, OSError):
            pass
        self.process.kill()
        raise WorkerStartError(f"a worker process could not start ({_death_reason(self)}); "
                               "run with -j 0 to see the error in this process")

    def give(self, path: str) -> None:
        self.wait_ready()
        self.path, self.started = path, time.monotonic()
        self.conn.send(path)

    def take(self) -> Done:
        result, seconds = self.conn.recv()
        path, self.path = self.path, None
        return Done(path, result, seconds)

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def _context(preload: bool = True):
    try:
        ctx = multiprocessing.get_context("forkserver")
    except ValueError:  # platforms without forkserver
        return multiprocessing.get_context("spawn")
    if preload:
        ctx.set_forkserver_preload(PRELOAD)
    return ctx


def run_local(paths: Iterable[str], jobs: int, timeout: float | None = None,
              max_memory_mb: int | None = None, worker=None) -> Iterator[Done]:
    """Process `paths` on `jobs` worker processes; yields results as they complete.

    `worker(path)` is what each worker process runs per document (tests give one that hangs,
    crashes or hogs memory); it must be importable by name, as the forkserver's children get it
    pickled. Workers come from a forkserver, which imports the caller's __main__ module:
    a script calling this needs the usual `if __name__ == "__main__":` guard.
    """
    ctx = _context()
    queue = deque(paths)

    def new_worker():
        return _Worker(ctx, max_memory_mb, worker)

    workers = [new_worker() for _ in range(max(1, min(jobs, len(queue))))]
    try:
        while queue or any(w.path for w in workers):
            for i, w in enumerate(workers):
                if w.path is None and queue:
                    try:
                        w.give(queue[0])
                    except OSError:  # it died while idle (killed from outside): replace it, retry next loop
                        w.path = None
                        w.stop(kill=True)
                        workers[i] = new_worker()
                        continue
                    queue.popleft()
            busy = [w for w in workers if w.path]
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy],
                         timeout=_next_deadline(busy, timeout))
            for i, w in enumerate(workers):
                if w.path is None:
                    continue
                if w.conn in ready or w.process.sentinel in ready:
                    try:
                        done = w.take()
                    except (EOFError, OSError):  # died without answering
                        failure = Failure(w.path, "crash", _death_reason(w))
                    else:
                        yield done
                        if getattr(done.result, "stage", None) == "memory":
                            w.stop(kill=True)  # it exits by itself after a MemoryError
                            workers[i] = new_worker()
                        continue
                elif timeout and time.monotonic() - w.started > timeout:
                    failure = Failure(w.path, "timeout", f"stopped after the {timeout:g} s time limit")
                else:
                    continue
                log.warning("%s: %s", printable(failure.source), failure.reason)
                seconds = time.monotonic() - w.started
                w.path = None
                w.stop(kill=True)
                workers[i] = new_worker()
                yield Done(failure.source, failure, seconds)
    finally:
        for w in workers:
            w.stop(kill=w.path is not None)


def _next_deadline(busy: list, timeout: float | None) -> float | None:
    if not timeout:
        return None
    now = time.monotonic()
    return max(0.0, min(w.started + timeout - now for w in busy) + 0.01)


def _death_reason(w: _Worker) -> str:
    w.process.join(timeout=1)
    code = w.process.exitcode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        # a native library (PDFium, onnxruntime) aborts when an allocation fails under the memory limit
        hint = " (out of memory?)" if -code in (signal.SIGKILL, signal.SIGABRT, signal.SIGSEGV) else ""
        return f"worker process killed by {name}{hint}"
    return f"worker process died (exit code {code})"


def run_inline(paths: Iterable[str], worker=None) -> Iterator[Done]:
    """-j 0: in this process, no isolation and no time limit (for debugging with pdb)."""
    worker = worker or process_one
    for path in paths:
        start = time.perf_counter()
        result = worker(path)
        yield Done(path, result, time.perf_counter() - start)


# ---------------------------------------------------------------- Dask

def process_bytes(data: bytes, source: str):
    """On a Dask worker without the shared folder: the file's bytes → process, under the original name.

    The file is written with its original base name (the normalizer may read
    the year and agency from it) in a private temporary folder, and the
    result names the original path as its source.
    """
    with tempfile.TemporaryDirectory(prefix="ogi-") as tmp:
        path = os.path.join(tmp, os.path.basename(source) or "report")
        with open(path, "wb") as f:
            f.write(data)
        result = process_one(path)
    result.source = source
    if hasattr(result, "reason"):
        result.reason = result.reason.replace(path, source)
    return result


def _timed(func, *args):
    start = time.perf_counter()
    result = func(*args)
    return result, time.perf_counter() - start


def _read_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def run_dask(paths: Iterable[str], scheduler: str, send_bytes: bool = False, timeout: float | None = None,
             jobs: int | None = None) -> Iterator[Done]:
    """Process `paths` on a dask.distributed cluster ('local' starts a LocalCluster of `jobs` processes).

    The time limit is enforced from here: a task past it is cancelled and the
    worker running it restarted by its nanny (a Python thread cannot be
    stopped otherwise). Memory is the workers' own --memory-limit.
    """
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ModuleNotFoundError:
        raise WorkerStartError("--scheduler needs dask.distributed: pip install 'ogi[dask]'") from None

    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=jobs or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.WARNING)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        window = max(4, 2 * sum(client.nthreads().values()))
        pending = deque(paths)
        flight: dict = {}  # future key -> (future, source, start time)
        ac = as_completed()
        while pending or flight:
            while pending and len(flight) < window:
                path = pending.popleft()
                future = _submit(client, path, send_bytes)
                if future is None:
                    yield Done(path, Failure(path, "read", "cannot read file"), 0.0)
                    continue
                flight[future.key] = (future, path, time.monotonic())
                ac.add(future)
            for future in _next_batch(ac, timeout):
                if future.key in flight:  # else: cancelled at its time limit, already reported
                    _, source, start = flight.pop(future.key)
                    yield _dask_done(future, source, start)
                future.release()
            yield from _expire(client, flight, timeout)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _submit(client, path: str, send_bytes: bool):
    if not send_bytes:
        return client.submit(_timed, process_one, path, pure=False)
    data = _read_bytes(path)
    if data is None:
        return None
    return client.submit(_timed, process_bytes, data, path, pure=False)


def _next_batch(ac, timeout: float | None) -> list:
    """Completed futures; with a time limit, wake at least every second to check it."""
    deadline = time.monotonic() + (1.0 if timeout else 3600)
    while time.monotonic() < deadline and not ac.is_empty():
        batch = ac.next_batch(block=False)
        if batch:
            return batch
        time.sleep(0.02)
    return []


def _dask_done(future, source: str, started: float) -> Done:
    try:
        result, seconds = future.result()
    except Exception as exc:  # KilledWorker, a lost worker, an unpicklable result
        result, seconds = Failure(source, "crash", f"{exc.__class__.__name__}: {exc}"), time.monotonic() - started
    return Done(source, result, seconds)


def _expire(client, flight: dict, timeout: float | None) -> Iterator[Done]:
    """Cancel tasks past the time limit and restart the workers stuck in them."""
    if not timeout:
        return
    now = time.monotonic()
    late = {key for key, (_, _, start) in flight.items() if now - start > timeout}
    if not late:
        return
    workers = [w for w, keys in client.processing().items() if late & set(keys)]
    for key in late:
        future, source, _ = flight.pop(key)
        future.cancel()
        yield Done(source, Failure(source, "timeout", f"stopped after the {timeout:g} s time limit"), timeout)
    if workers:
        try:
            client.restart_workers(workers)
        except Exception as exc:  # older distributed, or a worker without a nanny
            log.warning("could not restart stuck workers %s: %s", workers, exc)
