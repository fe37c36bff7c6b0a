"""The camera move of infinite-zoom animations: one similarity transform per frame."""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np

from dreamvid.errors import DreamvidError
from dreamvid.settings import check_zoom_per_frame

# Lanczos keeps detail best when the move is applied frame after frame (less blur than bicubic);
# OpenCV places samples on a 1/32 pixel grid, so repeated moves drift by a fraction of a level.
INTERPOLATION = cv2.INTER_LANCZOS4
# Pixels from outside the frame are mirrored in, never black.
BORDER = cv2.BORDER_REFLECT_101


@dataclasses.dataclass(frozen=True)
class CameraMove:
    """A per-frame camera move about a center point.

    zoom: scale factor per frame, > 1 zooms in (content grows).
    rotate: degrees per frame, positive turns the content counter-clockwise on screen.
    pan: (dx, dy) camera travel per frame in fractions of width and height; positive dx moves
        the camera right, so the content slides left.
    center: (cx, cy) fixed point of zoom and rotation, in fractions of the frame.
    """

    zoom: float = 1.0
    rotate: float = 0.0
    pan: tuple[float, float] = (0.0, 0.0)
    center: tuple[float, float] = (0.5, 0.5)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.zoom) and self.zoom > 0):
            raise DreamvidError(f"zoom must be a positive number, got {self.zoom}")
        if not math.isfinite(self.rotate):
            raise DreamvidError(f"rotate must be a finite number, got {self.rotate}")
        object.__setattr__(self, "pan", _float_pair("pan", self.pan))
        object.__setattr__(self, "center", _float_pair("center", self.center))

    @classmethod
    def per_frame(
        cls,
        zoom_per_second: float = 1.0,
        rotate_per_second: float = 0.0,
        pan_per_second: tuple[float, float] = (0.0, 0.0),
        fps: float = 25.0,
        center: tuple[float, float] = (0.5, 0.5),
    ) -> CameraMove:
        """The per-frame move of a per-second move: zoom ** (1 / fps), rotate and pan / fps."""
        if not (math.isfinite(fps) and fps > 0):
            raise DreamvidError(f"fps must be a positive number, got {fps}")
        if not (math.isfinite(zoom_per_second) and zoom_per_second > 0):
            raise DreamvidError(f"zoom must be a positive number, got {zoom_per_second}")
        pan_per_second = _float_pair("pan", pan_per_second)
        return cls(
            zoom=check_zoom_per_frame(zoom_per_second, fps),
            rotate=rotate_per_second / fps,
            pan=(pan_per_second[0] / fps, pan_per_second[1] / fps),
            center=center,
        )

    @property
    def is_identity(self) -> bool:
        """True when the move leaves every frame as it is."""
        return self.zoom == 1.0 and self.rotate == 0.0 and self.pan == (0.0, 0.0)


def camera_matrix(move: CameraMove, width: int, height: int) -> np.ndarray:
    """2x3 float64 affine map from source to destination pixel coordinates for cv2.warpAffine."""
    if width < 1 or height < 1:
        raise DreamvidError(f"frame size must be positive, got {width}x{height}")
    center_x = move.center[0] * (width - 1)
    center_y = move.center[1] * (height - 1)
    angle = math.radians(move.rotate)
    cosine = move.zoom * math.cos(angle)
    sine = move.zoom * math.sin(angle)
    # dst = zoom * R * (src - center) + center - pan; R turns counter-clockwise on screen (y down).
    linear = np.array([[cosine, sine], [-sine, cosine]])
    offset = np.array([center_x, center_y]) - linear @ np.array([center_x, center_y])
    offset -= np.array([move.pan[0] * width, move.pan[1] * height])
    return np.column_stack([linear, offset])


def apply_camera(image: np.ndarray, move: CameraMove) -> np.ndarray:
    """One frame of the camera move on a float image; float32, clipped to 0..255, not rounded.

    Lanczos resampling; pixels from outside the frame are mirrored in (BORDER_REFLECT_101).
    """
    image = np.asarray(image, dtype=np.float32)
    if image.ndim not in (2, 3):
        raise DreamvidError(f"expected an (H, W) or (H, W, C) image, got shape {image.shape}")
    if move.is_identity:
        return image.copy()
    height, width = image.shape[:2]
    moved = cv2.warpAffine(
        image,
        camera_matrix(move, width, height),
        (width, height),
        flags=INTERPOLATION,
        borderMode=BORDER,
    )
    if image.ndim == 3 and moved.ndim == 2:
        moved = moved[..., np.newaxis]
    return np.clip(moved, 0.0, 255.0)


def _float_pair(name: str, pair: tuple[float, float]) -> tuple[float, float]:
    """pair as a tuple of two finite floats; DreamvidError otherwise."""
    try:
        values = tuple(float(value) for value in pair)
    except (TypeError, ValueError):
        raise DreamvidError(f"{name} must be two numbers, got {pair!r}") from None
    if len(values) != 2 or not all(math.isfinite(value) for value in values):
        raise DreamvidError(f"{name} must be two finite numbers, got {pair!r}")
    return values
