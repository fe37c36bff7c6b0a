"""Rendering a zoom: the zoom pipeline's frames, looped if asked, written by the renderer."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Callable, Iterator

from dreamvid.effect import Effect
from dreamvid.events import Progress, RenderProgress
from dreamvid.io.images import read_image
from dreamvid.io.paths import input_fingerprint
from dreamvid.io.provenance import video_metadata
from dreamvid.render.renderer import RenderPlan, claim_output, render
from dreamvid.render.report import RenderSummary
from dreamvid.settings import DreamSettings, EncodeSettings, StyleSettings, ZoomSettings
from dreamvid.stream import RenderedFrame
from dreamvid.zoom.frames import frame_time, zoom_frames
from dreamvid.zoom.loop import loop_crossfade
from dreamvid.zoom.schedule import Schedule


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
    inputs = settings.input_paths() + (style.input_paths() if style is not None else ()) + (
        (schedule.source,) if schedule is not None and os.path.isfile(schedule.source) else ())
    with claim_output(source, output, overwrite=overwrite, inputs=inputs):
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
        return render(plan, stream, resume=resume, on_progress=on_progress, claimed=True)
