"""The zoom pipeline: feed each dream back through a small camera move, frame after frame.

The camera state stays float32 at full precision between frames (never rounded to 8 bits), is
resampled with Lanczos and reflected at the edges (camera.py). Raw frames F_i stream out; with a loop,
the first `overlap` of them only lead in, and the last `overlap` output frames cross-fade into them,
so the frame after the last is the first.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from typing import Callable

import numpy as np

from dreamvid.ascent import Dreamer
from dreamvid.camera import CameraMove, apply_camera
from dreamvid.image_io import fit_max_side, read_image, to_uint8
from dreamvid.octaves import dream
from dreamvid.schedule import Schedule
from dreamvid.settings import DreamSettings, LayerTerm, ZoomSettings
from dreamvid.report import RenderSummary
from dreamvid.video import check_video_paths
from dreamvid.video_writer import VideoWriter
from dreamvid.workdir import WorkDir


def schedule_terms(settings: DreamSettings, schedule: Schedule | None, default_layers) -> tuple[LayerTerm, ...]:
    """Objective terms a schedule needs beyond the settings' own, at weight 0 until it turns them up."""
    base = {(term.layer, term.channel) for term in (settings.layers or default_layers)}
    extra = []
    for name in schedule.layer_names if schedule else ():
        term = LayerTerm.parse(name)
        if (term.layer, term.channel) not in base:
            extra.append(LayerTerm(term.layer, 0.0, term.channel))
            base.add((term.layer, term.channel))
    return tuple(extra)


class ZoomAnimator:
    """Makes raw frame i from frame i-1: the camera move, then a short dream, then the colour hold."""

    def __init__(self, settings: DreamSettings, zoom: ZoomSettings, dreamer: Dreamer, schedule: Schedule | None):
        self.settings = settings
        self.zoom = zoom
        self.dreamer = dreamer
        self.schedule = schedule
        self._next = dataclasses.replace(
            settings,
            octaves=min(zoom.octaves_next, settings.octaves),
            steps=max(zoom.steps_next, 1),
            step_size=zoom.step_size_next or settings.step_size,
        )

    def frame_time(self, index: int) -> float:
        """Seconds into the output at which raw frame `index` shows (lead-in frames: in the fade)."""
        overlap = self.zoom.overlap
        shown = index - overlap if index >= overlap else self.zoom.frames - overlap + index
        return shown / self.zoom.fps

    def move(self, seconds: float) -> CameraMove:
        schedule, zoom = self.schedule, self.zoom
        value = (lambda key, default: schedule.value(key, seconds, default)) if schedule else (lambda key, default: default)
        return CameraMove.per_frame(
            zoom_per_second=value("zoom", zoom.zoom),
            rotate_per_second=value("rotate", zoom.rotate),
            pan_per_second=value("pan", tuple(zoom.pan)),
            fps=zoom.fps,
            center=tuple(zoom.center),
        )

    def weights(self, seconds: float) -> np.ndarray:
        weights = self.dreamer.default_weights()
        if self.schedule is None:
            return weights
        layers = self.schedule.value("layers", seconds, None)
        if layers is None:
            return weights
        by_term = {(t.layer, t.channel): w for t, w in ((LayerTerm.parse(k), w) for k, w in layers.items())}
        terms = self.dreamer.objective.terms
        return np.asarray([by_term.get((t.layer, t.channel), 0.0) for t in terms], dtype=np.float32)

    def first(self, picture: np.ndarray) -> np.ndarray:
        seconds = self.frame_time(0)
        return dream(picture, self.settings, self.dreamer, weights=self.weights(seconds))

    def next(self, state: np.ndarray, index: int, reference: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        seconds = self.frame_time(index)
        moved = apply_camera(state, self.move(seconds))
        step_size = self.schedule.value("step_size", seconds, self._next.step_size) if self.schedule else self._next.step_size
        settings = dataclasses.replace(self._next, step_size=step_size)
        if self.zoom.steps_next > 0:
            moved = dream(moved, settings, self.dreamer, seed=self.settings.seed + index, weights=self.weights(seconds))
        return hold_colour(moved, reference, self.zoom.colour_hold)


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


def crossfade(late: np.ndarray, early: np.ndarray, position: int, overlap: int) -> np.ndarray:
    """Output frame `position` of the fade (0-based): mostly `late` first, all `early` at the end,
    so the last output frame is the lead-in frame that the first output frame follows."""
    share = (position + 1) / overlap
    return to_uint8((1.0 - share) * late.astype(np.float32) + share * early.astype(np.float32))


def zoom_manifest(source, size, settings: DreamSettings, zoom: ZoomSettings, schedule: Schedule | None) -> dict:
    return json.loads(json.dumps({
        "source": os.path.abspath(os.fspath(source)),
        "size": list(size),
        "dream": dataclasses.asdict(settings),
        "zoom": dataclasses.asdict(zoom),
        "schedule": dataclasses.asdict(schedule) if schedule else None,
    }))


def render_zoom(
    source: str | os.PathLike,
    output: str | os.PathLike,
    settings: DreamSettings,
    zoom: ZoomSettings,
    dreamer: Dreamer | Callable[[Schedule | None], Dreamer],
    *,
    schedule: Schedule | None = None,
    resume: bool = False,
    on_frame: Callable[[int, int, float], None] | None = None,
) -> RenderSummary:
    """Render a zoom animation of `zoom.frames` output frames into `output`."""
    check_video_paths(source, output)
    picture = fit_max_side(read_image(source).rgb, settings.max_side)
    height, width = picture.shape[:2]
    work = WorkDir.open(output, zoom_manifest(source, (width, height), settings, zoom, schedule), resume=resume)
    done = work.frames_done()
    if not isinstance(dreamer, Dreamer):
        dreamer = dreamer(schedule)
    animator = ZoomAnimator(settings, zoom, dreamer, schedule)
    overlap, total_raw = zoom.overlap, zoom.frames + zoom.overlap
    summary = RenderSummary(str(output), 0, str(zoom.fps), width, height, resumed_at=done)
    lead_in: list[np.ndarray] = []
    state = reference = None
    if done:
        stored = work.load_state()
        state = stored["state"].astype(np.float32)
        reference = (stored["reference_mean"], stored["reference_spread"])
    with VideoWriter(output, fps=zoom.fps, size=(width, height)) as writer:
        for index in range(total_raw):
            if index < done:
                raw = work.saved_frame(index)
            else:
                started = time.perf_counter()
                if index == 0:
                    state = animator.first(picture)
                    reference = colour_stats(state)
                else:
                    state = animator.next(state, index, reference)
                raw = to_uint8(state)
                work.save_frame(index, raw, {"state": state, "reference_mean": reference[0],
                                             "reference_spread": reference[1]})
                seconds = time.perf_counter() - started
                summary.seconds_per_frame.append(seconds)
                if on_frame is not None:
                    on_frame(index + 1, total_raw, seconds)
            if index < overlap:
                lead_in.append(raw)
                continue
            position = index - overlap - (zoom.frames - overlap)
            writer.write(crossfade(raw, lead_in[position], position, overlap) if position >= 0 else raw)
        summary.frames = writer.frames_written
    work.remove()
    return summary
