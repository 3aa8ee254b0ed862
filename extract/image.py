"""Scanned report images (.png, .jpg, .tif with any number of pages, .bmp, .gif) → a Document.

Every page is OCR'd (extract/ocr/); the image's own dpi tag, when it has a
plausible one, turns pixels into points for the cell bboxes.
"""
from __future__ import annotations

import hashlib
import logging
from io import BytesIO

from .model import Document, ExtractError

log = logging.getLogger(__name__)

MAX_IMAGE_PAGES = 50
MAX_PIXELS = 60_000_000          # ~A3 at 600 dpi; larger is not a page scan


def read_image(path: str, data: bytes | None = None) -> Document:
    if data is None:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as exc:
            raise ExtractError(f"cannot read file: {exc.strerror or exc}") from None
    from . import ocr                 # raises ExtractError when the [ocr] extra is missing
    from PIL import Image, ImageSequence
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        image = Image.open(BytesIO(data))
        frames = [frame.copy() for _, frame in zip(range(MAX_IMAGE_PAGES + 1), ImageSequence.Iterator(image))]
    except (OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise ExtractError(f"unreadable image: {exc}") from None
    doc = Document(source=path, format="image", sha256=hashlib.sha256(data).hexdigest())
    if len(frames) > MAX_IMAGE_PAGES:
        doc.warnings.append(f"image has more than {MAX_IMAGE_PAGES} pages; only the first {MAX_IMAGE_PAGES} read")
        frames = frames[:MAX_IMAGE_PAGES]
    for number, frame in enumerate(frames, start=1):
        frame.info.setdefault("dpi", image.info.get("dpi"))
        doc.blocks += ocr.ocr_image(frame, page=number)
    doc.n_pages = len(frames)
    ocr.number_tables(doc.blocks)
    return doc
