"""Local dream strength: how much an effect changed each place of a frame, the one measure that
re-dreaming, the strength hold and the coverage figures share."""

from __future__ import annotations

import cv2
import numpy as np


def local_strength(detail: np.ndarray, window: int) -> np.ndarray:
    """(H, W) float32: |detail| averaged over channels and box-blurred over `window` px."""
    detail = np.asarray(detail, dtype=np.float32)
    return cv2.blur(np.abs(detail).mean(axis=2), (window, window))
