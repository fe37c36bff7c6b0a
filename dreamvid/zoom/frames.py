"""The zoom pipeline: feed each result back through a small camera move, frame after frame.

The camera state stays float32 at full precision between frames (never rounded to 8 bits), is
resampled with Lanczos and reflected at the edges (camera.py). `zoom_frames` is a generator of raw
frames F_i; with a loop, the first `settle` of them are not shown (the dream settles), the next
`fade` only lead in, and `loop_crossfade` grows them into the last `fade` output frames, so the
frame after the last is the first. Any effect works:
the camera calls only its `first` and `refine`.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from dreamvid.effect import Effect
from dreamvid.errors import DreamvidError
from dreamvid.events import Progress
from dreamvid.io.images import to_uint8
from dreamvid.settings import ZoomSettings
from dreamvid.stream import RenderedFrame
from dreamvid.zoom.camera import CameraMove, apply_camera
from dreamvid.zoom.schedule import Schedule


def frame_number(zoom: ZoomSettings, index: int) -> int:
    """The output frame at which raw frame `index` shows; for the frames before the first shown one
    (a loop's settling and lead-in frames) the frame they stand for in the loop's time, the last ones."""
    lead = zoom.lead
    return index - lead if index >= lead else zoom.frames - lead + index


def frame_time(zoom: ZoomSettings, index: int) -> float:
    """Seconds into the output at which raw frame `index` shows."""
    return frame_number(zoom, index) / zoom.fps


def camera_move(zoom: ZoomSettings, schedule: Schedule | None, seconds: float) -> CameraMove:
    """The camera's move for one frame at `seconds`: the settings', or the schedule's there."""
    frame = round(seconds * zoom.fps)

    def value(key, default):
        return schedule.value(key, seconds, default, frame=frame) if schedule else default

    return CameraMove.per_frame(
        zoom_per_second=value("zoom", zoom.zoom),
        rotate_per_second=value("rotate", zoom.rotate),
        pan_per_second=value("pan", tuple(zoom.pan)),
        fps=zoom.fps,
        center=tuple(zoom.center),
    )


def colour_stats(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pixels = image.reshape(-1, 3)
    return pixels.mean(axis=0), pixels.std(axis=0) + 1e-3


def hold_colour(image: np.ndarray, reference: tuple[np.ndarray, np.ndarray], rate: float) -> np.ndarray:
    """Pull each channel's mean and spread `rate` of the way toward the reference's."""
    if rate == 0:
        return image
    mean, spread = colour_stats(image)
    target_mean, target_spread = reference
    new_mean = mean + rate * (target_mean - mean)
    new_spread = spread + rate * (target_spread - spread)
    return np.clip((image - mean) * (new_spread / spread) + new_mean, 0.0, 255.0).astype(np.float32)


def zoom_frames(picture: np.ndarray, effect: Effect, zoom: ZoomSettings, schedule: Schedule | None, *,
                seed: int, first: int = 0, state: dict | None = None,
                progress: Progress | None = None) -> Iterator[RenderedFrame]:
    """Raw frames [first, frames + lead): frame 0 is the effect's full treatment of the picture,
    each later one the frame before moved by the camera, refined, and held near frame 0's colours.

    `state` is the state saved after frame `first - 1` (None when starting at 0).
    """
    current = reference = None
    if state is not None:
        current, reference = saved_camera_state(state, picture.shape)
    return _zoom_frames(picture, effect, zoom, schedule, seed, first, current, reference, progress)


def saved_camera_state(state: dict, shape: tuple[int, ...]) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """(the last frame, the colour reference) of a saved state, checked against the picture's `shape`:
    DreamvidError (at once, not at the first frame) for a state of another render."""
    missing = [key for key in ("state", "reference_mean", "reference_spread") if key not in state]
    if missing:
        raise DreamvidError(f"the saved state lacks {', '.join(missing)}")
    if np.shape(state["state"]) != tuple(shape):
        saved = "x".join(map(str, np.shape(state["state"]))) or "a single number"
        raise DreamvidError(f"the saved frame is {saved}, not {'x'.join(map(str, shape))}")
    channels = (shape[2],) if len(shape) == 3 else ()
    for key in ("reference_mean", "reference_spread"):
        if np.shape(state[key]) != channels:
            raise DreamvidError(f"the saved {key.replace('_', ' ')} is not one number per channel")
    return state["state"].astype(np.float32), (state["reference_mean"], state["reference_spread"])


def _zoom_frames(picture: np.ndarray, effect: Effect, zoom: ZoomSettings, schedule: Schedule | None, seed: int,
                 first: int, current: np.ndarray | None, reference: tuple | None,
                 progress: Progress | None) -> Iterator[RenderedFrame]:
    for index in range(first, zoom.frames + zoom.lead):
        seconds = frame_time(zoom, index)
        if index == 0:
            current = effect.first(picture, seed=seed, time=seconds, progress=progress)
            reference = colour_stats(current)
        else:
            moved = apply_camera(current, camera_move(zoom, schedule, seconds))
            moved = effect.refine(moved, seed=seed + index, time=seconds, progress=progress)
            current = hold_colour(moved, reference, zoom.colour_hold)
        yield RenderedFrame(index, to_uint8(current), {
            "state": current, "reference_mean": reference[0], "reference_spread": reference[1]})
