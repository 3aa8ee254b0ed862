"""The unit of work: one file → a Report, or a Failure naming its stage and a plain reason.

A leaf module: ogi/pipeline.py (which assembles results) and ogi/batch.py (which runs this
in worker processes) both import it, and neither imports the other to get it.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from ogi import extract
from ogi.extract.model import ExtractError
from ogi.normalize.anchors import page_anchors
from ogi.normalize.report import Report, normalize

from .keywords import keywords_for
from .sheetsafe import display_path, name_warning, printable

log = logging.getLogger("ogi.pipeline")


@dataclass
class Failure:
    source: str
    stage: str      # read, normalize, dedupe; and from ogi/batch.py: timeout, crash, memory
    reason: str


def read_report(path: str | os.PathLike) -> Report:
    """One report file → a normalized Report. Raises ExtractError for a bad file."""
    doc = extract.read(os.fspath(path), anchors=page_anchors())
    return normalize(doc)


def process(path: str, converted_dir: str | None = None) -> Report | Failure:
    """read_report that turns every failure into a Failure record (`converted_dir`: extract.read's)."""
    try:
        doc = extract.read(path, anchors=page_anchors(), converted_dir=converted_dir)
    except ExtractError as exc:
        return Failure(path, "read", str(exc))
    except Exception as exc:  # a reader bug must not stop the batch; one line, the traceback with -v
        log.warning("reader failed on %s: %s: %s", printable(path), exc.__class__.__name__, exc,
                    exc_info=log.isEnabledFor(logging.INFO))
        return Failure(path, "read", f"unexpected {exc.__class__.__name__}: {exc}")
    if note := name_warning(path):  # a GBK file name: read (its agency, its year) as the text it is
        doc.source = display_path(path)
        doc.warnings.append(note)
    try:
        report = normalize(doc)
    except Exception as exc:
        log.warning("normalizer failed on %s: %s: %s", printable(path), exc.__class__.__name__, exc,
                    exc_info=log.isEnabledFor(logging.INFO))
        return Failure(path, "normalize", f"unexpected {exc.__class__.__name__}: {exc}")
    if not report.values:
        return Failure(path, "normalize", "not a report: no statistical tables found (or they are images)"
                       + (f"; pages needing OCR: {doc.pages_needing_ocr}" if doc.pages_needing_ocr else ""))
    report.keywords = keywords_for(report)
    return report


@dataclass
class Done:
    """A finished document, as the runners of ogi/batch.py yield it."""
    source: str
    result: object          # Report or Failure
    seconds: float
