"""The zoom pipeline: feed each result back through a small camera move, frame after frame.

The camera state stays float32 at full precision between frames (never rounded to 8 bits), is
resampled with Lanczos and reflected at the edges (camera.py). `zoom_frames` is a generator of raw
frames F_i; with a loop, the first `overlap` of them only lead in, and `loop_crossfade` fades the
last `overlap` output frames into them, so the frame after the last is the first. Any effect works:
the camera calls only its `first` and `refine`.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Callable, Iterator

import numpy as np

from dreamvid.camera import CameraMove, apply_camera
from dreamvid.effect import Effect
from dreamvid.events import Progress, RenderProgress
from dreamvid.image_io import read_image, to_uint8
from dreamvid.paths import input_fingerprint
from dreamvid.provenance import video_metadata
from dreamvid.renderer import RenderedFrame, RenderPlan, check_render_paths, render
from dreamvid.report import RenderSummary
from dreamvid.schedule import Schedule
from dreamvid.settings import DreamSettings, ZoomSettings


def frame_time(zoom: ZoomSettings, index: int) -> float:
    """Seconds into the output at which raw frame `index` shows (lead-in frames: in the fade)."""
    overlap = zoom.overlap
    shown = index - overlap if index >= overlap else zoom.frames - overlap + index
    return shown / zoom.fps


def camera_move(zoom: ZoomSettings, schedule: Schedule | None, seconds: float) -> CameraMove:
    """The camera's move for one frame at `seconds`: the settings', or the schedule's there."""
    def value(key, default):
        return schedule.value(key, seconds, default) if schedule else default

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
    """Raw frames [first, frames + overlap): frame 0 is the effect's full treatment of the picture,
    each later one the frame before moved by the camera, refined, and held near frame 0's colours.

    `state` is the state saved after frame `first - 1` (None when starting at 0).
    """
    current = reference = None
    if state is not None:
        current = state["state"].astype(np.float32)
        reference = (state["reference_mean"], state["reference_spread"])
    for index in range(first, zoom.frames + zoom.overlap):
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


def crossfade(late: np.ndarray, early: np.ndarray, position: int, overlap: int) -> np.ndarray:
    """Output frame `position` of the fade (0-based): mostly `late` first, all `early` at the end,
    so the last output frame is the lead-in frame that the first output frame follows."""
    share = (position + 1) / overlap
    return to_uint8((1.0 - share) * late.astype(np.float32) + share * early.astype(np.float32))


def loop_crossfade(raw: Iterator[np.ndarray], zoom: ZoomSettings) -> Iterator[np.ndarray]:
    """The output frames of a zoom from its raw frames: without a loop the same; with one, the
    lead-in frames are held back and the last `overlap` frames fade into them."""
    overlap = zoom.overlap
    lead_in: list[np.ndarray] = []
    for index, frame in enumerate(raw):
        if index < overlap:
            lead_in.append(frame)
            continue
        position = index - overlap - (zoom.frames - overlap)
        yield crossfade(frame, lead_in[position], position, overlap) if position >= 0 else frame


def zoom_manifest(source, size, settings: DreamSettings, zoom: ZoomSettings, schedule: Schedule | None) -> dict:
    return json.loads(json.dumps({
        "source": os.path.abspath(os.fspath(source)),
        "size": list(size),
        "input": input_fingerprint(source),
        "dream": dataclasses.asdict(settings),
        "zoom": dataclasses.asdict(zoom),
        "schedule": dataclasses.asdict(schedule) if schedule else None,
    }))


def render_zoom(
    source: str | os.PathLike,
    output: str | os.PathLike,
    settings: DreamSettings,
    zoom: ZoomSettings,
    effect: Effect | Callable[[], Effect],
    *,
    schedule: Schedule | None = None,
    resume: bool = False,
    overwrite: bool = True,
    on_progress: RenderProgress | None = None,
) -> RenderSummary:
    """Render a zoom animation of `zoom.frames` output frames into `output`.

    `effect` is the effect itself or a function that builds it (called once the input is checked).
    """
    check_render_paths(source, output, overwrite=overwrite)
    picture = read_image(source, settings.max_side).rgb
    height, width = picture.shape[:2]
    if not isinstance(effect, Effect):
        effect = effect()

    def stream(first: int, state: dict | None, progress: Progress) -> Iterator[RenderedFrame]:
        return zoom_frames(picture, effect, zoom, schedule, seed=settings.seed, first=first, state=state,
                           progress=progress)

    plan = RenderPlan(output, zoom_manifest(source, (width, height), settings, zoom, schedule), zoom.fps,
                      (width, height), zoom.frames + zoom.overlap,
                      finish=lambda raw: loop_crossfade(raw, zoom),
                      metadata=video_metadata("zoom", {"dream": settings, "zoom": zoom, "schedule": schedule}))
    return render(plan, stream, resume=resume, on_progress=on_progress)
