"""Scale: parallel workers, the cache, resuming after kill -9, time limits, Dask.

Every test builds a small generated corpus (tests/generate.py) and compares
the Parquet frames with those of the plain in-process `pipeline.build`: the
scaled paths must produce exactly the same dataset.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from ogi.cache import CACHE_NAME, Cache
from ogi.output import write_dataset
from ogi.pipeline import BuildOptions, build, build_incremental
from tests import hooks
from tests.generate import make_corpus

FRAMES = ("reports", "values", "statements")


@pytest.fixture(autouse=True)
def _pinned_version(fixed_pipeline_version):
    pass


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    make_corpus(folder, 12, seed=11)
    return folder


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> Path:
    """The dataset as the plain serial `build` writes it."""
    out = tmp_path_factory.mktemp("reference")
    write_dataset(build([str(corpus)]), out)
    return out


def assert_same_dataset(out: Path, expected: Path) -> None:
    for name in FRAMES:
        assert_frame_equal(pd.read_parquet(out / f"{name}.parquet"), pd.read_parquet(expected / f"{name}.parquet"),
                           obj=name)
    assert_frame_equal(pd.read_csv(out / "errors.csv"), pd.read_csv(expected / "errors.csv"), obj="errors")


def ogi_build(*args: str, env: dict | None = None, **kwargs) -> subprocess.Popen:
    """The CLI; `env` may set the misbehaving-worker hooks of tests/hooks."""
    return subprocess.Popen([sys.executable, "-m", "ogi.cli", "build", *args], env=hooks.env(**(env or {})),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def summary(proc: subprocess.Popen, timeout: float = 120) -> dict:
    """Run to the end; the summary line's counters, e.g. {'read': 40, 'processed': 0, ...}."""
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    line = out.strip().splitlines()[-1]
    return {key: int(n) for n, key in ((m[1], m[0]) for m in re.findall(r"(\w+) (\d+)", line))}


# ---------------------------------------------------------------- local workers and the cache

def test_parallel_build_matches_serial_and_rerun_reads_nothing(corpus, reference, tmp_path):
    options = BuildOptions(jobs=2, timeout=60)
    dataset, stats = build_incremental([str(corpus)], tmp_path, options)
    write_dataset(dataset, tmp_path)
    assert (stats.processed, stats.cached) == (12, 0)
    assert_same_dataset(tmp_path, reference)

    _, again = build_incremental([str(corpus)], tmp_path, options)
    assert (again.processed, again.cached) == (0, 12)


def test_cache_follows_changes_deletions_and_pipeline_version(corpus, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    files = sorted(corpus.glob("*.docx"))[:3]
    for f in files:
        (folder / f.name).write_bytes(f.read_bytes())
    out = tmp_path / "out"
    inline = BuildOptions(jobs=0)
    build_incremental([str(folder)], out, inline)

    first, second, third = sorted(folder.glob("*.docx"))
    os.utime(first, (1, 1))                                    # touched, same bytes: the hash says fresh
    second.write_bytes(files[0].read_bytes())                  # changed content: read again
    third.unlink()                                             # deleted: drops out of the dataset
    dataset, stats = build_incremental([str(folder)], out, inline)
    assert (stats.processed, stats.cached, stats.pruned) == (1, 1, 1)
    assert sorted(dataset.reports["source"]) == [str(first)]   # `second` is now a duplicate of `first`
    assert list(dataset.errors["stage"]) == ["dedupe"]

    with Cache(out / CACHE_NAME, version="another pipeline") as cache:   # an upgrade invalidates everything
        assert list(cache.stale([str(first), str(second)])) == [str(first), str(second)]
    _, forced = build_incremental([str(folder)], out, BuildOptions(jobs=0, force=True))
    assert forced.processed == 2


# ---------------------------------------------------------------- limits: time, crash, memory

def test_hung_crashed_and_hungry_documents_become_errors(corpus, tmp_path):
    names = sorted(p.name for p in corpus.glob("*.docx"))
    hang, crash, hog = names[1], names[4], names[7]
    start = time.monotonic()
    proc = ogi_build(str(corpus), "-o", str(tmp_path), "-j", "2", "--timeout", "4", "--max-memory", "2048", "-q",
                     env={"OGI_TEST_HANG_ON": hang, "OGI_TEST_CRASH_ON": crash, "OGI_TEST_HOG_ON": hog})
    counts = summary(proc, timeout=90)
    assert time.monotonic() - start < 60
    assert (counts["read"], counts["failed"]) == (9, 3)
    errors = pd.read_csv(tmp_path / "errors.csv")
    stages = {Path(src).name: stage for src, stage in zip(errors["source"], errors["stage"])}
    assert stages == {hang: "timeout", crash: "crash", hog: "memory"}


# ---------------------------------------------------------------- kill -9 and resume

def cached_rows(out: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{out / CACHE_NAME}?mode=ro", uri=True, timeout=5)
        try:
            return db.execute("SELECT count(*) FROM documents").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def test_killed_batch_resumes_to_the_same_dataset(tmp_path):
    corpus = tmp_path / "corpus"
    make_corpus(corpus, 40, seed=5)
    reference = tmp_path / "reference"
    write_dataset(build([str(corpus)]), reference)

    out = tmp_path / "out"
    args = (str(corpus), "-o", str(out), "-j", "2", "-q")
    proc = ogi_build(*args, env={"OGI_TEST_DELAY_S": "0.15"}, start_new_session=True)
    deadline = time.monotonic() + 60
    while cached_rows(out) < 6 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)                  # the main process only: workers must go by themselves
    proc.communicate(timeout=30)
    done = cached_rows(out)
    assert 0 < done < 40, "the batch should be killed half way"
    assert not (out / "reports.parquet").exists()
    _wait_for_group_exit(proc.pid)

    resumed = summary(ogi_build(*args))
    assert resumed["processed"] <= 40 - done + 2      # at most the documents that were in flight are redone
    assert resumed["cached"] >= done - 2 and resumed["read"] == 40
    assert_same_dataset(out, reference)

    again = summary(ogi_build(*args))
    assert (again["processed"], again["cached"]) == (0, 40)
    assert_same_dataset(out, reference)


def _wait_for_group_exit(pgid: int, seconds: float = 15) -> None:
    """The killed run's workers and forkserver notice their parent is gone and exit."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.killpg(pgid, signal.SIGKILL)  # clean up what we started before failing
    pytest.fail("worker processes outlived the killed build")


# ---------------------------------------------------------------- Dask

def test_dask_local_cluster_matches_local_run(corpus, reference, tmp_path):
    pytest.importorskip("dask.distributed")
    for send_bytes in (False, True):
        out = tmp_path / f"send_bytes={send_bytes}"
        options = BuildOptions(jobs=2, scheduler="local", send_bytes=send_bytes, timeout=60)
        dataset, stats = build_incremental([str(corpus)], out, options)
        write_dataset(dataset, out)
        assert stats.processed == 12
        assert_same_dataset(out, reference)


OUTPUT_TABLES = ("reports", "values", "statements", "findings", "checks", "indicators", "keywords")


@pytest.mark.slow
def test_build_on_a_dask_cluster_writes_what_the_local_workers_write(corpus, tmp_path):
    """`ogi build --scheduler local -j 2` against `ogi build -j 2`: every table of OUT, the audit's
    included, and errors.csv are the same (a file that is not a report among the reports)."""
    pytest.importorskip("dask.distributed")
    batch = tmp_path / "batch"
    shutil.copytree(corpus, batch)
    (batch / "notes.docx").write_bytes(b"not a word file")
    outs = {}
    for name, flags in (("local", ()), ("dask", ("--scheduler", "local"))):
        outs[name] = tmp_path / name
        counts = summary(ogi_build(str(batch), "-o", str(outs[name]), "-q", "-j", "2", *flags), timeout=600)
        assert (counts["read"], counts["failed"], counts["processed"]) == (12, 1, 13)
    for table in OUTPUT_TABLES:
        assert_frame_equal(pd.read_parquet(outs["dask"] / f"{table}.parquet"),
                           pd.read_parquet(outs["local"] / f"{table}.parquet"), obj=table)
    assert (outs["dask"] / "errors.csv").read_bytes() == (outs["local"] / "errors.csv").read_bytes()
