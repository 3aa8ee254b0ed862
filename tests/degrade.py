"""Scans as scanners make them: generated reports → LibreOffice PDF → page images
degraded the way scanning and re-compression degrade them, with known truth.

A `Condition` is one scan setting: resolution, colour mode, blur, JPEG quality,
rotation, a seal stamped over table 3 (its colour and where), and lighting.
`MATRIX` is the full product of the levels; `pairwise_conditions()` is an
all-pairs sample of it (every pair of levels of any two factors appears in at
least one condition), small enough for CI.

    pdfs = born_digital_pdfs(workdir, n, seed)          # [(pdf path, truth)] via one soffice call
    scan = scan_pages(pdf_path, condition)              # image-only PDF bytes of every page
    tally = compare(report, truth)                      # right / wrong / missing (+ flagged)

Used by tests/test_scans.py and benchmarks/accuracy_scans.py.
"""
from __future__ import annotations

import io
import math
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

SEAL_SPOT_WORD = "本年新收"          # table 3's first data row: a seal goes just right of it, or lower

MATRIX = {
    "dpi": (150, 200, 300),
    "colour": ("rgb", "gray", "bw"),
    "blur": (0.0, 0.4, 0.8),
    "jpeg": (90, 60, 35),
    "rotation": (0.0, 1.0, -1.0, 2.5, -2.5),
    "seal": ("none", "red", "gray"),
    "seal_at": ("header", "numbers"),
    "lighting": ("flat", "gradient"),
}
RED_INK = (220, 30, 40)
GRAY_INK = (150, 150, 150)          # a seal that arrived gray (photocopied, or scanned gray upstream)
GRADIENT_DARKEST = 0.6              # paper brightness at the dark corner of an uneven scan
BW_THRESHOLD = 128                  # a scanner's fixed 1-bit threshold (on 0..255 luma)


@dataclass(frozen=True)
class Condition:
    dpi: int = 200
    colour: str = "gray"
    blur: float = 0.0
    jpeg: int | None = None          # None: lossless
    rotation: float = 0.0
    seal: str = "none"
    seal_at: str = "header"
    lighting: str = "flat"

    @property
    def name(self) -> str:
        parts = [f"{self.dpi}dpi", self.colour]
        if self.blur:
            parts.append(f"blur{self.blur:g}")
        if self.jpeg:
            parts.append(f"q{self.jpeg}")
        if self.rotation:
            parts.append(f"rot{self.rotation:+g}")
        if self.seal != "none":
            parts.append(f"{self.seal}-seal-{self.seal_at}")
        if self.lighting != "flat":
            parts.append(self.lighting)
        return " ".join(parts)


def pairwise_conditions() -> list[Condition]:
    """An all-pairs sample of MATRIX (deterministic: allpairspy's greedy order)."""
    from allpairspy import AllPairs
    keys = list(MATRIX)
    return [Condition(**dict(zip(keys, row))) for row in AllPairs([list(MATRIX[k]) for k in keys])]


# ------------------------------------------------------------------ inputs

def born_digital_pdfs(workdir: Path, n: int, seed: int) -> list[tuple[Path, object]]:
    """[(pdf path, truth)] for n generated reports (layouts in turn), converted in one soffice call."""
    from tests.generate import make_corpus
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise FileNotFoundError("LibreOffice (soffice) is not installed")
    workdir = Path(workdir)
    docs = make_corpus(workdir / "docx", n, seed)
    out = workdir / "pdf"
    subprocess.run([soffice, f"-env:UserInstallation=file://{workdir / 'lo-profile'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out), *[str(p) for p, _ in docs]],
                   check=True, capture_output=True, timeout=600)
    return [(out / (path.stem + ".pdf"), truth) for path, truth in docs]


def seal_spot(page, dpi: int, at: str) -> tuple[int, int] | None:
    """Pixel centre of a seal over table 3: over its header row, or lower over its numbers."""
    textpage = page.get_textpage()
    found = textpage.search(SEAL_SPOT_WORD).get_next()
    if not found:
        return None
    _, _, _, top = textpage.get_charbox(found[0])
    x = int(page.get_width() * 0.62 * dpi / 72)
    y = int((page.get_height() - top) * dpi / 72 + dpi * 0.35)
    return (x, y + int(dpi * 1.3)) if at == "numbers" else (x, y)


def scan_pages(pdf_path, condition: Condition) -> bytes:
    """An image-only PDF of every page of `pdf_path`, scanned under `condition`.

    Generated reports are two or three pages, the tables on all of them
    (a table-3 continuation can start a page with no word of its own).
    """
    import img2pdf
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(str(pdf_path))
    try:
        images = []
        for i in range(len(pdf)):
            page = pdf[i]
            image = page.render(scale=condition.dpi / 72).to_pil()
            spot = seal_spot(page, condition.dpi, condition.seal_at) if condition.seal != "none" else None
            images.append(degrade(image, condition, spot))
    finally:
        pdf.close()
    return img2pdf.convert(images)


# ------------------------------------------------------------------ degradations

def degrade(image, condition: Condition, spot: tuple[int, int] | None = None) -> bytes:
    """One page image → the encoded scan (JPEG, or PNG when lossless).

    Order as on paper and in a scanner: the seal is on the paper, the light
    falls unevenly on it, the page lies tilted, the optics blur, the scanner
    converts to gray or 1 bit, then the file is compressed.
    """
    from PIL import Image, ImageFilter
    image = image.convert("RGB")
    if condition.seal != "none" and spot is not None:
        image = stamp(image, spot, int(condition.dpi * 0.8), RED_INK if condition.seal == "red" else GRAY_INK)
    if condition.rotation:
        image = image.rotate(condition.rotation, resample=Image.BICUBIC, expand=False, fillcolor="white")
    if condition.lighting == "gradient":
        image = uneven_light(image)
    if condition.blur:
        image = image.filter(ImageFilter.GaussianBlur(condition.blur))
    if condition.colour != "rgb":
        image = image.convert("L")
    if condition.colour == "bw":
        image = image.point(lambda v: 255 if v >= BW_THRESHOLD else 0)
    buffer = io.BytesIO()
    dpi = (condition.dpi, condition.dpi)
    if condition.jpeg:
        image.save(buffer, "JPEG", quality=condition.jpeg, dpi=dpi)
    else:
        image.save(buffer, "PNG", dpi=dpi)
    return buffer.getvalue()


def uneven_light(image):
    """A dark gradient across the page (a lid not closed, a curved spine): brightness 1 → GRADIENT_DARKEST."""
    import numpy as np
    from PIL import Image
    w, h = image.size
    xs = np.linspace(0.0, 1.0, w)[None, :]
    ys = np.linspace(0.0, 1.0, h)[:, None]
    light = 1.0 - (1.0 - GRADIENT_DARKEST) * np.clip(0.7 * xs + 0.3 * ys, 0, 1)
    arr = np.asarray(image, dtype=np.float32) * light[:, :, None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def stamp(image, center, radius, ink=RED_INK):
    """A seal (ring, star, text round the rim) multiplied over the page like stamp ink."""
    from PIL import Image, ImageChops, ImageDraw, ImageFont
    layer = Image.new("RGB", image.size, "white")
    draw = ImageDraw.Draw(layer)
    x, y = center
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline=ink, width=max(3, radius // 25))
    star = [(x + radius * 0.3 * math.cos(math.radians(90 + k * 36)) * (1 if k % 2 == 0 else 0.4),
             y - radius * 0.3 * math.sin(math.radians(90 + k * 36)) * (1 if k % 2 == 0 else 0.4)) for k in range(10)]
    draw.polygon(star, fill=ink)
    font = None
    for candidate in ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                      "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"):
        if os.path.exists(candidate):
            font = ImageFont.truetype(candidate, max(12, radius // 5))
            break
    for k, ch in enumerate("人民政府办公室专用章1234"):
        angle = math.radians(200 - k * 16)
        draw.text((x + radius * 0.72 * math.cos(angle), y - radius * 0.72 * math.sin(angle)), ch, fill=ink,
                  font=font, anchor="mm")
    return ImageChops.multiply(image.convert("RGB"), layer)


# ------------------------------------------------------------------ scoring

TRIAGE_CONFIDENCE = 0.9             # the audit's triage: an OCR value below this is "extraction" doubt


@dataclass
class Tally:
    right: int = 0
    wrong: int = 0
    missing: int = 0
    unflagged_wrong: int = 0         # wrong, confident and breaking no rule: the ones that must not exist
    examples: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.right + self.wrong + self.missing

    @property
    def share_right(self) -> float:
        return self.right / self.total if self.total else 1.0

    def add(self, other: "Tally") -> None:
        self.right += other.right
        self.wrong += other.wrong
        self.missing += other.missing
        self.unflagged_wrong += other.unflagged_wrong
        self.examples += other.examples


def compare(report, truth) -> Tally:
    """Each printed field of the truth: right, wrong (a different value) or missing (no value read).

    A blank or dash counts right for a truth of None. A wrong value is
    flagged when its confidence is below the triage threshold or an equation
    it takes part in does not hold.
    """
    from ogi.normalize.rules import equations, residual
    values = {f: v.value for f, v in report.values.items()}
    template = report.templates.get("t3") or truth.template["table3"]
    broken = {t for eq in equations(template) if residual(eq, values) != 0 for t in eq.terms}
    tally = Tally()
    for fid, expected in truth.values.items():
        value = report.values.get(fid)
        if value is None or value.kind == "missing":
            tally.missing += 1
            tally.examples.append(("missing", fid, truth.raw[fid], None))
        elif value.value == expected or (expected is None and value.kind in ("blank", "dash")):
            tally.right += 1
        else:
            tally.wrong += 1
            flagged = (value.confidence is not None and value.confidence < TRIAGE_CONFIDENCE) or fid in broken
            tally.unflagged_wrong += not flagged
            tally.examples.append(("wrong" if flagged else "WRONG-UNFLAGGED", fid, truth.raw[fid], value.raw))
    return tally


def read_scan(data: bytes):
    """The image-only PDF OCR'd and normalized (a Report)."""
    import pypdfium2 as pdfium
    from ogi.extract.model import Document
    from ogi.extract.ocr import ocr_pdf_pages
    from ogi.normalize.report import normalize
    n = len(pdfium.PdfDocument(data))
    doc = Document(source="scan.pdf", format="pdf", blocks=ocr_pdf_pages(data, list(range(1, n + 1))))
    return normalize(doc)
