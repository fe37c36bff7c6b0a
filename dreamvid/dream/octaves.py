"""The octave driver: dream small first, grow, and re-inject the detail lost by shrinking."""

from __future__ import annotations

from typing import Callable

import math

import cv2
import numpy as np

from dreamvid.dream.ascent import Dreamer
from dreamvid.events import Progress, ProgressEvent
from dreamvid.settings import DreamSettings

MIN_OCTAVE_SIDE = 32


def octave_shapes(height: int, width: int, octaves: int, scale: float) -> list[tuple[int, int]]:
    """(height, width) of each octave, smallest first; octaves under 32 px are skipped.

    Only the octaves that can reach 32 px are looked at, so `octaves` 3000 or a scale of 1e300 neither
    overflows (scale ** index) nor loops for long.
    """
    shapes = []
    reachable = math.log(max(min(height, width), 1) / (MIN_OCTAVE_SIDE - 0.5)) / math.log(scale)
    for index in reversed(range(min(octaves, max(0, math.floor(reachable)) + 2))):
        factor = scale**index
        shape = (round(height / factor), round(width / factor))
        if min(shape) >= MIN_OCTAVE_SIDE or index == 0:
            shapes.append(shape)
    return shapes


def resize(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Resize a float image to (height, width): area when shrinking, bicubic-free linear when growing."""
    height, width = shape
    if image.shape[:2] == (height, width):
        return image
    shrinking = height < image.shape[0]
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(image, (width, height), interpolation=interpolation)


def random_shift(rng: np.random.Generator, reach: int) -> tuple[int, int]:
    """A random roll for one step, up to `reach` pixels each way (a whole tile moves every seam)."""
    if reach <= 0:
        return (0, 0)
    return tuple(int(value) for value in rng.integers(-reach, reach, size=2))


def ascend(
    image: np.ndarray,
    dreamer: Dreamer,
    settings: DreamSettings,
    rng: np.random.Generator,
    steps: int,
    *,
    weights: np.ndarray | None = None,
    progress: Progress | None = None,
    octave: int = 1,
    octaves: int = 1,
) -> np.ndarray:
    """Gradient ascent for `steps` steps at the image's own size.

    The image stays on the device between steps. Progress reads each step's loss only after the next
    step is queued, so a GPU is never left idle waiting for the host; `max_loss` needs every loss at
    once and so reads it straight away.
    """
    import tensorflow as tf

    weights = dreamer.default_weights() if weights is None else weights
    tensor = tf.convert_to_tensor(image, tf.float32)
    unreported = None  # (step, loss tensor) of the step before the one just queued

    def report(step: int, loss) -> float:
        value = float(loss)
        if progress is not None:
            progress(ProgressEvent(octave, octaves, step + 1, steps, value))
        return value

    for step in range(steps):
        shift = random_shift(rng, settings.tile_size if settings.jitter is None else settings.jitter)
        loss, tensor = dreamer.step(
            tensor, shift, weights, settings.tile_size, settings.step_size, settings.tv_weight
        )
        if settings.max_loss is not None:
            if report(step, loss) > settings.max_loss:
                break
        elif progress is not None:
            if unreported is not None:
                report(*unreported)
            unreported = (step, loss)
    if unreported is not None:
        report(*unreported)
    return tensor.numpy()


def dream(
    image: np.ndarray,
    settings: DreamSettings,
    dreamer: Dreamer,
    seed: int | None = None,
    *,
    progress: Progress | None = None,
    on_octave: Callable[[int, np.ndarray], None] | None = None,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Dream an RGB float image (0..255) through all octaves; returns a new float image.

    A pure function of (image, settings, dreamer, seed): the seed drives the random rolls only.
    """
    rng = np.random.default_rng(settings.seed if seed is None else seed)
    original = np.asarray(image, dtype=np.float32)
    shapes = octave_shapes(*original.shape[:2], settings.octaves, settings.octave_scale)
    shrunk_original = resize(original, shapes[0])
    current = shrunk_original
    for index, shape in enumerate(shapes):
        current = resize(current, shape)
        current = ascend(
            current, dreamer, settings, rng, settings.steps,
            weights=weights, progress=progress, octave=index + 1, octaves=len(shapes),
        )
        # Shrinking loses detail; put back what the original has at this size.
        same_size_original = resize(original, shape)
        lost_detail = same_size_original - resize(shrunk_original, shape)
        current = current + lost_detail
        shrunk_original = same_size_original
        if on_octave is not None:
            on_octave(index + 1, np.clip(current, 0, 255))
    return np.clip(current, 0.0, 255.0)


def dream_at_scale(
    image: np.ndarray,
    settings: DreamSettings,
    dreamer: Dreamer,
    scale: float,
    seed: int | None = None,
    *,
    progress: Progress | None = None,
    weights: np.ndarray | None = None,
    on_octave: Callable[[int, np.ndarray], None] | None = None,
) -> np.ndarray:
    """Dream a copy shrunk by `scale` and add the upsampled change to the full-size image.

    The change (dream minus its input) is smooth at the working size, so linear upsampling keeps
    the full-size picture's own detail intact; a few full-size steps afterwards sharpen the dream.
    """
    original = np.asarray(image, dtype=np.float32)
    if scale >= 1.0:
        return dream(original, settings, dreamer, seed, progress=progress, weights=weights, on_octave=on_octave)
    height, width = original.shape[:2]
    shape = (max(MIN_OCTAVE_SIDE, round(height * scale)), max(MIN_OCTAVE_SIDE, round(width * scale)))
    small = resize(original, shape)
    change = dream(small, settings, dreamer, seed, progress=progress, weights=weights, on_octave=on_octave) - small
    return np.clip(original + resize(change, (height, width)), 0.0, 255.0)
