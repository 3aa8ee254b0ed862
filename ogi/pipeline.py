"""The pipeline: files → Reports → a Dataset. Each stage is called here, once.

`process(path)` is the unit of work (read, normalize) and never raises: a bad
file becomes an error record naming its stage and a plain reason, and the
batch goes on. `build` runs it over many files and collects the results.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Iterable, Iterator

import extract
from extract.model import ExtractError
from normalize.report import Report, normalize

from .dataset import Dataset, frames

log = logging.getLogger(__name__)

SKIP_NAMES = (".truth.json", ".DS_Store", "Thumbs.db", "desktop.ini")


@dataclass
class Failure:
    source: str
    stage: str      # read, normalize
    reason: str


def read_report(path: str | os.PathLike) -> Report:
    """One report file → a normalized Report. Raises ExtractError for a bad file."""
    doc = extract.read(os.fspath(path))
    return normalize(doc)


def process(path: str) -> Report | Failure:
    """read_report that turns every failure into a Failure record."""
    try:
        doc = extract.read(path)
    except ExtractError as exc:
        return Failure(path, "read", str(exc))
    except Exception as exc:  # a reader bug must not stop the batch
        log.exception("reader failed on %s", path)
        return Failure(path, "read", f"unexpected {exc.__class__.__name__}: {exc}")
    try:
        report = normalize(doc)
    except Exception as exc:
        log.exception("normalizer failed on %s", path)
        return Failure(path, "normalize", f"unexpected {exc.__class__.__name__}: {exc}")
    if not report.values:
        return Failure(path, "normalize", "no report tables found (not an annual report, or tables are images)"
                       + (f"; pages needing OCR: {doc.pages_needing_ocr}" if doc.pages_needing_ocr else ""))
    return report


def iter_sources(paths: Iterable[str | os.PathLike]) -> Iterator[str]:
    """Files named, and files under folders named (recursively, in a stable order)."""
    for path in paths:
        path = os.fspath(path)
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and not name.endswith(SKIP_NAMES):
                        yield os.path.join(root, name)
        else:
            yield path


def build(paths: Iterable[str | os.PathLike]) -> Dataset:
    """Read every report under `paths` into one Dataset (reports, values, statements, errors)."""
    reports, failures = [], []
    seen: dict[str, str] = {}
    for source in iter_sources(paths):
        result = process(source)
        if isinstance(result, Failure):
            failures.append(result)
        elif result.sha256 in seen:
            failures.append(Failure(source, "dedupe", f"same file content as {seen[result.sha256]}; skipped"))
        else:
            seen[result.sha256] = source
            reports.append(result)
    return frames(reports, failures)


def build_dataset(paths: Iterable[str | os.PathLike]):
    """The two DataFrames researchers use: (reports, values)."""
    dataset = build(paths)
    return dataset.reports, dataset.values
