"""The loop: the end of a zoom faded into its lead-in, so the last frame flows into the first."""

from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from dreamvid.effect import Effect
from dreamvid.io.images import to_uint8
from dreamvid.settings import ZoomSettings

FEATHER = 0.05  # width of the wipe's soft edge, as a share of the distance from the center to the farthest corner


def wipe_mask(shape: tuple[int, int], share: float, center: tuple[float, float]) -> np.ndarray:
    """(h, w) weights of the picture that grows from `center` (fractions of the frame): 0 outside a disc,
    1 inside, with a soft edge of FEATHER; `share` 0 shows none of it, 1 all of it."""
    height, width = shape
    cx, cy = center[0] * (width - 1), center[1] * (height - 1)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    distance = np.hypot(xs - cx, ys - cy)
    reach = float(distance.max()) or 1.0
    radius = share * reach * (1.0 + FEATHER)
    return np.clip((radius - distance) / (FEATHER * reach), 0.0, 1.0)


def crossfade(late: np.ndarray, early: np.ndarray, position: int, fade: int,
              center: tuple[float, float] = (0.5, 0.5)) -> np.ndarray:
    """Output frame `position` of the loop's transition (0-based): `early` grows out of `center` over
    `late` as a disc with a soft edge, the way a zoom falls into the picture at its center; the last
    output frame is all `early`, the lead-in frame that the first output frame follows.

    Each pixel shows one picture (two only in the narrow edge), so the transition stays as sharp as
    the frames around it and never shows both pictures at once, as a pixel cross-fade does.
    """
    mask = wipe_mask(late.shape[:2], (position + 1) / fade, center)[..., None]
    return to_uint8((1.0 - mask) * late.astype(np.float32) + mask * early.astype(np.float32))


def loop_crossfade(raw: Iterator[np.ndarray], zoom: ZoomSettings, effect: Effect | None = None, *,
                   seed: int = 0, schedule_time: Callable[[int], float] | None = None) -> Iterator[np.ndarray]:
    """The output frames of a zoom from its raw frames: without a loop the same; with one, the
    settling frames are dropped, the lead-in frames held back, and the last `fade` frames turn into them.

    With an `effect`, each transition frame is refined (its warm start, on the joined picture), so
    detail regrows across the join and the transition stays as sharp as the frames around it. The
    last frame is the lead-in frame itself, untouched, so the loop still repeats exactly.
    """
    fade, settle = zoom.fade, zoom.settle
    lead_in: list[np.ndarray] = []
    for index, frame in enumerate(raw):
        if index < settle:
            continue
        if index < zoom.lead:
            lead_in.append(frame)
            continue
        position = index - zoom.lead - (zoom.frames - fade)
        if position < 0:
            yield frame
            continue
        joined = crossfade(frame, lead_in[position], position, fade, zoom.center)
        if effect is not None and position < fade - 1:
            time = schedule_time(index) if schedule_time else 0.0
            joined = to_uint8(effect.refine(joined.astype(np.float32), seed=seed + index, time=time))
        yield joined
