"""Contact sheets: a grid of frames with optional labels, and PNG saving."""

from __future__ import annotations

import math
import os
import pathlib
from collections.abc import Iterable

import cv2
import numpy as np

from dreamvid.errors import DreamvidError

BACKGROUND = 24
LABEL_SCALE = 0.5
LABEL_MARGIN = 6


def contact_sheet(images: Iterable[np.ndarray], *, columns: int = 4, labels: Iterable[object] | None = None,
                  cell_width: int = 320) -> np.ndarray:
    """A uint8 RGB grid of the images, each resized to cell_width, labels drawn top-left."""
    images = [_as_uint8_rgb(image) for image in images]
    labels = list(labels) if labels is not None else [None] * len(images)
    if not images:
        raise DreamvidError("a contact sheet needs at least one image")
    if len(labels) != len(images):
        raise DreamvidError(f"got {len(labels)} labels for {len(images)} images")
    if columns < 1 or cell_width < 1:
        raise DreamvidError(f"columns and cell_width must be positive, got {columns}, {cell_width}")
    cells = [_label(_resize_to_width(image, cell_width), label) for image, label in zip(images, labels)]
    columns = min(columns, len(cells))
    rows = math.ceil(len(cells) / columns)
    cell_height = max(cell.shape[0] for cell in cells)
    sheet = np.full((rows * cell_height, columns * cell_width, 3), BACKGROUND, dtype=np.uint8)
    for index, cell in enumerate(cells):
        top = (index // columns) * cell_height
        left = (index % columns) * cell_width
        sheet[top : top + cell.shape[0], left : left + cell_width] = cell
    return sheet


def save_png(path: str | os.PathLike, rgb: np.ndarray) -> None:
    """Write an RGB image to a PNG file."""
    bgr = cv2.cvtColor(_as_uint8_rgb(rgb), cv2.COLOR_RGB2BGR)
    try:
        written = cv2.imwrite(str(pathlib.Path(path)), bgr)
    except cv2.error as error:
        raise DreamvidError(f"could not write {path}: {error}") from None
    if not written:
        raise DreamvidError(f"could not write {path}")


def _resize_to_width(image: np.ndarray, width: int) -> np.ndarray:
    """image scaled to the given width, aspect ratio kept."""
    height = max(1, round(image.shape[0] * width / image.shape[1]))
    shrinking = width < image.shape[1]
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC
    return cv2.resize(image, (width, height), interpolation=interpolation)


def _label(cell: np.ndarray, label: object) -> np.ndarray:
    """cell with label drawn in white on a dark outline; unchanged when label is None."""
    if label is None:
        return cell
    cell = cell.copy()
    (_, text_height), _ = cv2.getTextSize(str(label), cv2.FONT_HERSHEY_SIMPLEX, LABEL_SCALE, 1)
    origin = (LABEL_MARGIN, LABEL_MARGIN + text_height)
    for colour, thickness in (((0, 0, 0), 3), ((255, 255, 255), 1)):
        cv2.putText(
            cell, str(label), origin, cv2.FONT_HERSHEY_SIMPLEX, LABEL_SCALE, colour, thickness, cv2.LINE_AA
        )
    return cell


def _as_uint8_rgb(image: np.ndarray) -> np.ndarray:
    """uint8 (H, W, 3) copy of an RGB or grey image with values 0..255."""
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[..., np.newaxis], 3, axis=2)
    if image.ndim != 3 or image.shape[2] != 3:
        raise DreamvidError(f"expected an (H, W, 3) RGB image, got shape {image.shape}")
    if image.dtype != np.uint8:
        image = np.clip(np.rint(image.astype(np.float32)), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(image)
