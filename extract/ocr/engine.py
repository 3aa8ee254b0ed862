"""RapidOCR's recogniser, loaded once per process, fed our own batches of line crops."""
from __future__ import annotations

import logging
import math
import multiprocessing
import os

import numpy as np

from ..model import ExtractError
from .settings import DEFAULT, RecogniserSettings

log = logging.getLogger(__name__)

MISSING_EXTRA = "scanned pages need OCR: pip install 'ogi[ocr]'"

_RECOGNIZER = None


def cv2():
    """OpenCV, or the plain error that the [ocr] extra is missing."""
    try:
        import cv2 as module
    except ImportError:
        raise ExtractError(MISSING_EXTRA) from None
    return module


def threads() -> int:
    """onnxruntime intra-op threads for this process.

    OGI_OCR_THREADS wins; otherwise a pool worker (a process with a parent
    process) takes 1 so that N workers do not run N×cores threads, and a
    lone process takes 2.
    """
    env = os.environ.get("OGI_OCR_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    if multiprocessing.parent_process() is not None:
        return 1
    return max(1, min(2, os.cpu_count() or 1))


class Recognizer:
    """RapidOCR's text recogniser, called on batches of line crops.

    We call the ONNX session directly to read the per-character
    probabilities: RapidOCR reports their mean, and a mean hides the one
    misread digit the audit needs to see.
    """

    def __init__(self, rapid, settings: RecogniserSettings = DEFAULT.recogniser):
        rec = rapid._load_rec_model()     # loads the recognition model only, never detection
        self._session = rec.session
        self._chars = rec.postprocess_op.character
        self.settings = settings

    def __call__(self, crops: list[np.ndarray]) -> list[list[tuple[str, float, float]]]:
        """The characters of each crop, with their probability and x position."""
        cv = cv2()
        s = self.settings
        out: list = [[] for _ in crops]
        resized = []
        for crop in crops:
            h, w = crop.shape[:2]
            width = max(8, min(s.height * s.max_ratio, int(math.ceil(s.height * w / max(h, 1)))))
            resized.append(cv.resize(crop, (width, s.height), interpolation=cv.INTER_AREA
                                     if h > s.height else cv.INTER_CUBIC))
        order = sorted(range(len(crops)), key=lambda i: resized[i].shape[1])
        start = 0
        while start < len(order):
            # similar widths together, so little of each batch is padding
            end = start + 1
            while end < len(order) and max(s.min_width, resized[order[end]].shape[1]) * (end - start + 1) \
                    <= s.batch_columns:
                end += 1
            batch_ids = order[start:end]
            width = max(resized[i].shape[1] for i in batch_ids)
            # padded with 0 (mid-gray after normalising) like PaddleOCR: white padding
            # turns a lone "／" into "一"
            batch = np.zeros((len(batch_ids), 3, s.height, max(width, s.min_width)), dtype=np.float32)
            for k, i in enumerate(batch_ids):
                img = resized[i].astype(np.float32).transpose(2, 0, 1) / 127.5 - 1.0
                batch[k, :, :, : img.shape[2]] = img
            preds = self._session(batch)
            for k, i in enumerate(batch_ids):
                # frame t covers x ≈ (t + 0.5) · step of the resized crop; back to crop pixels
                step = batch.shape[3] / preds.shape[1] * crops[i].shape[1] / resized[i].shape[1]
                out[i] = self._decode(preds[k], step)
            start = end
        return out

    def _decode(self, pred: np.ndarray, step: float) -> list[tuple[str, float, float]]:
        """CTC greedy decoding: (character, probability, x in the crop) for each character."""
        idx = pred.argmax(axis=1)
        prob = pred.max(axis=1)
        keep = np.ones(len(idx), dtype=bool)
        keep[1:] = idx[1:] != idx[:-1]
        keep &= idx != 0
        return [(self._chars[i], float(prob[t]), (t + 0.5) * step) for t, i in zip(np.nonzero(keep)[0], idx[keep])]


def recognizer() -> Recognizer:
    """One recogniser per process, loaded on first use (1–1.5 s)."""
    global _RECOGNIZER
    if _RECOGNIZER is None:
        try:
            from rapidocr import RapidOCR
            import cv2 as _cv  # noqa: F401
            import onnxruntime  # noqa: F401
        except ImportError:
            raise ExtractError(MISSING_EXTRA) from None
        n = threads()
        rapid = RapidOCR(params={
            "Global.log_level": "warning",
            "Global.use_det": False, "Global.use_cls": False,
            "EngineConfig.onnxruntime.intra_op_num_threads": n,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        })
        _RECOGNIZER = Recognizer(rapid)
        log.debug("OCR recogniser loaded (%d onnxruntime threads)", n)
    return _RECOGNIZER
