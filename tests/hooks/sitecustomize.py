"""Pathological workers on demand, for the tests of limits and interruptions (never in ogi itself).

Put this folder on PYTHONPATH (tests.hooks.ENV does) and set any of:
    OGI_TEST_HANG_ON=<substring>   a document whose path contains it sleeps forever
    OGI_TEST_CRASH_ON=<substring>  the worker dies (os._exit) on such a document
    OGI_TEST_HOG_ON=<substring>    the worker allocates memory until MemoryError
    OGI_TEST_DELAY_S=<seconds>     every document takes this much longer (to stop a batch half way)
Python imports sitecustomize at start in the CLI and in the forkserver that makes the workers,
so `ogi.batch.process_one`, the function every worker runs, is wrapped in both.
"""
import os
import time

HOOKS = ("OGI_TEST_HANG_ON", "OGI_TEST_CRASH_ON", "OGI_TEST_HOG_ON", "OGI_TEST_DELAY_S")


def _misbehave(path: str) -> None:
    if delay := os.environ.get("OGI_TEST_DELAY_S"):
        time.sleep(float(delay))
    if (s := os.environ.get("OGI_TEST_HANG_ON")) and s in path:
        while True:
            time.sleep(3600)
    if (s := os.environ.get("OGI_TEST_CRASH_ON")) and s in path:
        os._exit(70)
    if (s := os.environ.get("OGI_TEST_HOG_ON")) and s in path:
        hog = []
        while True:
            hog.append(bytearray(64 << 20))


if any(os.environ.get(name) for name in HOOKS):
    from ogi import batch

    _process_one = batch.process_one

    def process_one(path: str, *args, **kwargs):
        try:
            _misbehave(path)
        except MemoryError:
            from ogi.work import Failure

            return Failure(path, "memory", "out of memory (worker memory limit)")
        return _process_one(path, *args, **kwargs)

    batch.process_one = process_one
