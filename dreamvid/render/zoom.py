"""Rendering a zoom: the zoom pipeline's frames, looped if asked, written by the renderer."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Callable, Iterator

from dreamvid.dream.memory import check_dream_memory
from dreamvid.dream.models import check_layers
from dreamvid.effect import Effect
from dreamvid.errors import DreamvidError
from dreamvid.events import Progress, RenderProgress
from dreamvid.io.images import read_image
from dreamvid.io.paths import input_fingerprint
from dreamvid.io.provenance import video_metadata
from dreamvid.io.video_writer import AudioSource
from dreamvid.render.renderer import RenderPlan, claim_output, render
from dreamvid.render.report import RenderSummary
from dreamvid.settings import DreamSettings, EncodeSettings, LayerTerm, StyleSettings, ZoomRenderSettings, ZoomSettings
from dreamvid.stream import RenderedFrame
from dreamvid.zoom.frames import frame_time, zoom_frames
from dreamvid.zoom.loop import loop_crossfade
from dreamvid.zoom.schedule import DREAM_KEYS, Schedule, layer_cycle_schedule, load_schedule


def zoom_schedule(settings: ZoomRenderSettings) -> Schedule | None:
    """The zoom's schedule (a file, or a layer cycle), checked at every frame before any work; it may
    only vary what the effect can: a style zoom moves the camera, not the dream's layers or step size."""
    if settings.layer_cycle:
        keyframes = layer_cycle_schedule(list(settings.layer_cycle), settings.cycle_seconds)
    elif settings.schedule is not None:
        keyframes = load_schedule(settings.schedule)
    else:
        return None
    keyframes = bound_zoom_schedule(keyframes, settings.zoom)  # its sound's values too; checked at every frame
    if settings.style is not None:
        dreamed = sorted(key for key in keyframes.keys if key in DREAM_KEYS)
        if dreamed:
            raise DreamvidError(f"the schedule varies {', '.join(dreamed)}, which a style zoom does not use "
                                "(style transfer has no scheduled layers or step size); remove them from the schedule")
    scheduled = tuple(LayerTerm.parse(name) for name in keyframes.layer_names)
    check_layers(settings.dream.model, settings.dream.layers + scheduled, settings.dream.loss)
    return keyframes


def zoom_manifest(source: str | os.PathLike, size: tuple[int, int], settings: DreamSettings, zoom: ZoomSettings,
                  schedule: Schedule | None) -> dict:
    return json.loads(json.dumps({
        "source": os.path.abspath(os.fspath(source)),
        "size": list(size),
        "input": input_fingerprint(source),
        "dream": dataclasses.asdict(settings),
        "zoom": dataclasses.asdict(zoom),
        "schedule": schedule.manifest() if schedule else None,
        **({"soundtrack": input_fingerprint(zoom.soundtrack)} if zoom.soundtrack is not None else {}),
    }))


def bound_zoom_schedule(schedule: Schedule, zoom: ZoomSettings) -> Schedule:
    """The schedule bound to the zoom: its frame rate and, when a formula names an audio variable, the
    soundtrack's values per output frame; every key checked at every frame. Runs before any model loads."""
    schedule.check_keys("zoom")
    if schedule.needs_audio:
        if zoom.soundtrack is None:
            schedule.check_audio()
        from dreamvid.audio.table import soundtrack_table

        schedule = schedule.with_audio(soundtrack_table(zoom.soundtrack, zoom.frames, zoom.fps,
                                                        schedule.settings_of_audio))
    else:
        schedule = schedule.at_rate(zoom.fps)
    schedule.check(frames=zoom.frames, fps=zoom.fps)
    return schedule


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
    `style`, the style transfer's settings when the effect is one, goes into the resume manifest. The
    effect carries the `schedule`, bound (`bound_zoom_schedule`: its fps and, when its formulas name audio
    variables, the values of `zoom.soundtrack`, which is also the output's audio from its start); one
    not bound yet is bound here before the model loads (for the manifest and the report).
    """
    inputs = settings.input_paths() + (style.input_paths() if style is not None else ()) + zoom.input_paths() + (
        (schedule.source,) if schedule is not None and os.path.isfile(schedule.source) else ())
    with claim_output(source, output, overwrite=overwrite, inputs=inputs):
        if zoom.soundtrack is not None:
            from dreamvid.audio.decode import check_soundtrack

            check_soundtrack(zoom.soundtrack)
        picture = read_image(source, settings.max_side, check_size=lambda width, height: check_dream_memory(width, height, "zoom")).rgb
        height, width = picture.shape[:2]
        if schedule is not None and schedule.fps is None:
            schedule = bound_zoom_schedule(schedule, zoom)
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
                          audio=AudioSource(zoom.soundtrack, 0.0, zoom.frames / zoom.fps) if zoom.soundtrack else None,
                          metadata=video_metadata("zoom", {"dream": settings, "zoom": zoom,
                                                           "schedule": schedule.manifest() if schedule else None}),
                          encode=encode)
        summary = render(plan, stream, resume=resume, on_progress=on_progress, claimed=True)
        if schedule is not None and schedule.audio is not None:
            summary.audio = schedule.audio.rows()
    return summary
