"""Files written whole or not at all: a temporary file beside the target, renamed over it."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator


@contextmanager
def atomic(path: str | os.PathLike) -> Iterator[Path]:
    """Yields a temporary path beside `path`; renames it into place on success, removes it otherwise."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~umask())  # mkstemp's 0600 would keep the files from the colleagues they are for
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> None:
    """write(tmp) into a temporary file beside `path`, then rename it over `path`."""
    with atomic(path) as tmp:
        write(tmp)


def umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
