"""OUT as one generation: every output of a build written aside, then swapped in together.

`ogi build` writes the dataset, the audit and the research tables into a
hidden staging folder in OUT (`.staging`), then moves each file into OUT with
os.replace while SIGINT and SIGTERM are held back (the moves take
milliseconds), and writes `manifest.json` last. So an interrupted build leaves
OUT exactly as the previous build left it, or exactly as this one does, never
half of each; a crash outside Python (power loss, SIGKILL during the moves) is
seen by the next run, whose files then do not match the manifest.

manifest.json records what the outputs were made from (`state`: the input
files' cache rows, the code, the flags) and every file's size, mtime and
sha256. A rerun skips writing only when the state is the same AND every file
is still the one the manifest lists: a file merely existing proves nothing.
Leftovers of an interrupted run (the staging folder, `.*.tmp` files) are
removed when the next build starts.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import time
from contextlib import contextmanager
from pathlib import Path

from .files import umask

MANIFEST = "manifest.json"
STAGING = ".staging"
LEFTOVER_GLOBS = (".*.tmp", ".staging*", ".values_by_year.new", ".values_by_year.old")
HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def read_manifest(out: str | os.PathLike) -> dict | None:
    try:
        return json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_current(out: str | os.PathLike, state: str) -> dict | None:
    """The counts of OUT's generation if it was made from `state` and its files are untouched."""
    manifest = read_manifest(out)
    if not manifest or manifest.get("state") != state:
        return None
    for name, info in manifest.get("files", {}).items():
        try:
            st = (Path(out) / name).stat()
        except OSError:
            return None
        if (st.st_size, st.st_mtime_ns) != (info["size"], info["mtime_ns"]):
            return None
    return manifest.get("counts")


def remove_leftovers(out: str | os.PathLike) -> list[str]:
    """Temporary files and staging folders of an interrupted run; returns their names."""
    removed = []
    for pattern in LEFTOVER_GLOBS:
        for path in Path(out).glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


def staging(out: str | os.PathLike) -> Path:
    """A new, empty staging folder inside OUT (same file system: the swap is renames)."""
    folder = Path(out) / STAGING
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def replace_part(folder: Path, out: str | os.PathLike) -> None:
    """Move the files of `folder` into OUT over their older versions (`ogi audit` rewriting the
    audit of a generation), updating their entries in the manifest; signals held as in swap_in."""
    out = Path(out)
    files = {p.name: p for p in sorted(folder.iterdir())}
    _share(files.values())
    manifest = read_manifest(out)
    if manifest is not None:
        manifest.setdefault("files", {}).update({name: _describe(path) for name, path in files.items()})
    with held_signals():
        for name, path in files.items():
            _replace(path, out / name)
        if manifest is not None:
            _write_json(out / MANIFEST, manifest)
    shutil.rmtree(folder, ignore_errors=True)


def _share(paths) -> None:
    mode = 0o666 & ~umask()
    for path in paths:  # mkstemp makes 0600 files: outputs are for colleagues to read
        if path.is_file():
            path.chmod(mode)


def swap_in(folder: Path, out: str | os.PathLike, state: str, counts: dict) -> None:
    """Move every file of `folder` into OUT, remove the previous generation's files that this one
    lacks, write the manifest last; with SIGINT/SIGTERM held until it is done."""
    out = Path(out)
    files = {p.name: p for p in sorted(folder.iterdir())}
    _share(files.values())
    manifest = {"state": state, "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "counts": counts,
                "files": {name: _describe(path) for name, path in files.items()}}
    previous = (read_manifest(out) or {}).get("files", {})
    with held_signals():
        for name, path in files.items():
            _replace(path, out / name)
        for name in previous:
            if name not in files:
                _remove(out / name)
        _write_json(out / MANIFEST, manifest)
    shutil.rmtree(folder, ignore_errors=True)


def _describe(path: Path) -> dict:
    st = path.stat()
    info = {"size": st.st_size, "mtime_ns": st.st_mtime_ns}
    if path.is_file():
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        info["sha256"] = digest.hexdigest()
    return info


def _replace(source: Path, target: Path) -> None:
    if source.is_dir():
        old = target.with_name(f".{target.name}.old")
        _remove(old)
        if target.exists():
            target.rename(old)
        source.rename(target)
        _remove(old)
    else:
        os.replace(source, target)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


@contextmanager
def held_signals():
    """SIGINT and SIGTERM delivered only after the block (main thread; a no-op where unsupported)."""
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
    except (AttributeError, ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
