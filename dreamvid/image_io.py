"""Still images in and out: any format OpenCV or imageio reads; PNG, JPEG or WebP out."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from dreamvid.errors import DreamvidError
from dreamvid.paths import check_input_file, check_output_dir, partial_path

WRITABLE = (".png", ".jpg", ".jpeg", ".webp")


@dataclass(frozen=True)
class Picture:
    """RGB pixels as float32 in 0..255, and the alpha channel (0..255) when the file had one."""

    rgb: np.ndarray
    alpha: np.ndarray | None = None


def read_image(path: str | os.PathLike) -> Picture:
    path = check_input_file(path)
    pixels = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if pixels is not None:
        pixels = _bgr_to_rgb(pixels)
    else:
        pixels = _read_with_imageio(path)
    return _to_picture(pixels, path)


def _read_with_imageio(path: Path) -> np.ndarray:
    import imageio.v3 as iio

    try:
        pixels = iio.imread(path, index=0)
    except Exception:  # imageio raises many kinds for non-images
        raise DreamvidError(f"cannot read {path} as an image") from None
    return np.asarray(pixels)


def _bgr_to_rgb(pixels: np.ndarray) -> np.ndarray:
    if pixels.ndim == 3 and pixels.shape[2] == 3:
        return cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)
    if pixels.ndim == 3 and pixels.shape[2] == 4:
        return cv2.cvtColor(pixels, cv2.COLOR_BGRA2RGBA)
    return pixels


def _to_picture(pixels: np.ndarray, path: Path) -> Picture:
    if pixels.ndim not in (2, 3) or pixels.size == 0 or min(pixels.shape[:2]) < 1:
        raise DreamvidError(f"cannot read {path} as an image")
    if pixels.dtype == np.uint16:
        values = pixels.astype(np.float32) / 257.0
    elif pixels.dtype == np.uint8:
        values = pixels.astype(np.float32)
    elif np.issubdtype(pixels.dtype, np.floating):
        values = np.clip(pixels.astype(np.float32), 0.0, 1.0) * 255.0
    else:
        raise DreamvidError(f"unsupported pixel type {pixels.dtype} in {path}")
    if values.ndim == 2:
        values = values[..., None]
    channels = values.shape[2]
    alpha = values[..., 3].copy() if channels == 4 else (values[..., 1].copy() if channels == 2 else None)
    colour = values[..., :3] if channels >= 3 else np.repeat(values[..., :1], 3, axis=2)
    return Picture(np.ascontiguousarray(colour), alpha)


def to_uint8(rgb: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def check_image_output(path: str | os.PathLike) -> Path:
    path = Path(path)
    if path.suffix.lower() not in WRITABLE:
        raise DreamvidError(
            f"cannot write {path.suffix or 'files without an extension'}: use one of {', '.join(WRITABLE)}"
        )
    return check_output_dir(path)


def write_image(path: str | os.PathLike, rgb: np.ndarray, alpha: np.ndarray | None = None) -> Path:
    """Write under a temporary name, then rename, so the output appears only when complete."""
    path = check_image_output(path)
    pixels = to_uint8(rgb)
    if alpha is not None and path.suffix.lower() in (".png", ".webp"):
        alpha = cv2.resize(alpha, (pixels.shape[1], pixels.shape[0])) if alpha.shape != pixels.shape[:2] else alpha
        pixels = cv2.cvtColor(np.dstack([pixels, to_uint8(alpha)]), cv2.COLOR_RGBA2BGRA)
    else:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
    temporary = partial_path(path)
    try:
        if not cv2.imwrite(str(temporary), pixels):
            raise DreamvidError(f"cannot write {path}")
        os.replace(temporary, path)
    except OSError as error:
        raise DreamvidError(f"cannot write {path}: {error.strerror or error}") from None
    finally:
        if temporary.exists():
            temporary.unlink()
    return path


def fit_max_side(rgb: np.ndarray, max_side: int | None) -> np.ndarray:
    """Shrink so the longer side is at most max_side (never enlarges)."""
    if max_side is None or max(rgb.shape[:2]) <= max_side:
        return rgb
    height, width = rgb.shape[:2]
    scale = max_side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
