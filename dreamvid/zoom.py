"""The zoom pipeline: feed each result back through a small camera move, frame after frame.

The camera state stays float32 at full precision between frames (never rounded to 8 bits), is
resampled with Lanczos and reflected at the edges (camera.py). `zoom_frames` is a generator of raw
frames F_i; with a loop, the first `settle` of them are not shown (the dream settles), the next
`overlap` only lead in, and `loop_crossfade` grows them into the last `overlap` output frames, so the
frame after the last is the first. Any effect works:
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
from dreamvid.settings import DreamSettings, EncodeSettings, StyleSettings, ZoomSettings


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
        current = state["state"].astype(np.float32)
        reference = (state["reference_mean"], state["reference_spread"])
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


def crossfade(late: np.ndarray, early: np.ndarray, position: int, overlap: int,
              center: tuple[float, float] = (0.5, 0.5)) -> np.ndarray:
    """Output frame `position` of the loop's transition (0-based): `early` grows out of `center` over
    `late` as a disc with a soft edge, the way a zoom falls into the picture at its center; the last
    output frame is all `early`, the lead-in frame that the first output frame follows.

    Each pixel shows one picture (two only in the narrow edge), so the transition stays as sharp as
    the frames around it and never shows both pictures at once, as a pixel cross-fade does.
    """
    mask = wipe_mask(late.shape[:2], (position + 1) / overlap, center)[..., None]
    return to_uint8((1.0 - mask) * late.astype(np.float32) + mask * early.astype(np.float32))


def loop_crossfade(raw: Iterator[np.ndarray], zoom: ZoomSettings, effect: Effect | None = None, *,
                   seed: int = 0, schedule_time: Callable[[int], float] | None = None) -> Iterator[np.ndarray]:
    """The output frames of a zoom from its raw frames: without a loop the same; with one, the
    settling frames are dropped, the lead-in frames held back, and the last `overlap` frames turn into them.

    With an `effect`, each transition frame is refined (its warm start, on the joined picture), so
    detail regrows across the join and the transition stays as sharp as the frames around it. The
    last frame is the lead-in frame itself, untouched, so the loop still repeats exactly.
    """
    overlap, settle = zoom.overlap, zoom.settle
    lead_in: list[np.ndarray] = []
    for index, frame in enumerate(raw):
        if index < settle:
            continue
        if index < zoom.lead:
            lead_in.append(frame)
            continue
        position = index - zoom.lead - (zoom.frames - overlap)
        if position < 0:
            yield frame
            continue
        joined = crossfade(frame, lead_in[position], position, overlap, zoom.center)
        if effect is not None and position < overlap - 1:
            time = schedule_time(index) if schedule_time else 0.0
            joined = to_uint8(effect.refine(joined.astype(np.float32), seed=seed + index, time=time))
        yield joined


def zoom_manifest(source: str | os.PathLike, size: tuple[int, int], settings: DreamSettings, zoom: ZoomSettings,
                  schedule: Schedule | None) -> dict:
    return json.loads(json.dumps({
        "source": os.path.abspath(os.fspath(source)),
        "size": list(size),
        "input": input_fingerprint(source),
        "dream": dataclasses.asdict(settings),
        "zoom": dataclasses.asdict(zoom),
        "schedule": schedule.manifest() if schedule else None,
    }))


def render_zoom(
    source: str | os.PathLike,
    output: str | os.PathLike,
    settings: DreamSettings,
    zoom: ZoomSettings,
    effect: Effect | Callable[[], Effect],
    *,
    schedule: Schedule | None = None,
    style: StyleSettings | None = None,
    resume: bool = False,
    overwrite: bool = True,
    encode: EncodeSettings | None = None,
    on_progress: RenderProgress | None = None,
) -> RenderSummary:
    """Render a zoom animation of `zoom.frames` output frames into `output`.

    `effect` is the effect itself or a function that builds it (called once the input is checked);
    `style`, the style transfer's settings when the effect is one, goes into the resume manifest.
    """
    check_render_paths(source, output, overwrite=overwrite)
    picture = read_image(source, settings.max_side).rgb
    height, width = picture.shape[:2]
    if not isinstance(effect, Effect):
        effect = effect()

    def stream(first: int, state: dict | None, progress: Progress) -> Iterator[RenderedFrame]:
        return zoom_frames(picture, effect, zoom, schedule, seed=settings.seed, first=first, state=state,
                           progress=progress)

    manifest = zoom_manifest(source, (width, height), settings, zoom, schedule)
    if style is not None:
        manifest["style"] = json.loads(json.dumps(dataclasses.asdict(style)))
    plan = RenderPlan(output, manifest, zoom.fps,
                      (width, height), zoom.frames + zoom.lead,
                      finish=lambda raw: loop_crossfade(raw, zoom, effect, seed=settings.seed,
                                                         schedule_time=lambda index: frame_time(zoom, index)),
                      metadata=video_metadata("zoom", {"dream": settings, "zoom": zoom,
                                                       "schedule": schedule.manifest() if schedule else None}),
                      encode=encode)
    return render(plan, stream, resume=resume, on_progress=on_progress)
