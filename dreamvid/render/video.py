"""Rendering a clip: the video pipeline's frames, in this process or on Ray workers, written by the renderer.

`render_video` checks the paths, opens the clip and hands the frames to the one renderer; it is the
only place that chooses between the one-process stream (`dreamvid.video.frames`) and Ray
(`dreamvid.render.ray`), so neither imports the other's caller.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Callable, Iterator

from dreamvid.dream.memory import check_dream_memory
from dreamvid.effect import Effect
from dreamvid.errors import DreamvidError
from dreamvid.events import Progress, RenderProgress
from dreamvid.io.paths import input_fingerprint
from dreamvid.io.provenance import video_metadata
from dreamvid.io.video_reader import VideoInfo, open_video
from dreamvid.io.video_writer import AudioSource, audio_of
from dreamvid.measure.metrics import VideoFigures
from dreamvid.render.ray import RaySettings, ray_frames
from dreamvid.render.renderer import RenderPlan, claim_output, render
from dreamvid.render.report import RenderSummary
from dreamvid.settings import EncodeSettings, VideoSettings
from dreamvid.stream import RenderedFrame
from dreamvid.video.coherence import Coherence, CoherenceState
from dreamvid.video.frames import video_frames
from dreamvid.zoom.schedule import Schedule


def video_manifest(source: str | os.PathLike, info: VideoInfo, settings: VideoSettings,
                   schedule: Schedule | None = None) -> dict:
    """What a resumed render must share with the one it continues (a schedule's, with its audio values)."""
    manifest = {
        "source": os.path.abspath(os.fspath(source)),
        "size": [info.width, info.height],
        "fps": str(info.fps),
        "input": input_fingerprint(source),
        "settings": json.loads(json.dumps(dataclasses.asdict(settings))),
    }
    if schedule is not None:
        manifest["schedule"] = json.loads(json.dumps(schedule.manifest()))
    if settings.soundtrack is not None:
        manifest["soundtrack"] = input_fingerprint(settings.soundtrack)
    return manifest


def bound_video_schedule(source: str | os.PathLike, settings: VideoSettings, schedule: Schedule) -> Schedule:
    """`schedule` bound to the clip `source` as `settings` select it (see bind_video_schedule), for the
    effect to carry: reads the clip's header only."""
    info, frames = open_video(source, start=settings.start, end=settings.end, frames=settings.frames,
                              max_side=settings.dream.max_side)
    frames.close()
    return bind_video_schedule(schedule, info, settings)


def bind_video_schedule(schedule: Schedule, info: VideoInfo, settings: VideoSettings) -> Schedule:
    """The schedule bound to the clip: its frame rate and, when a formula names an audio variable, the
    soundtrack's values per frame (the settings' soundtrack from its start, else the clip's own sound
    from the clip's start); every key checked at every frame. Runs before any model loads."""
    schedule.check_keys("style video" if settings.style is not None else "video")
    if schedule.needs_audio:
        from dreamvid.audio.table import soundtrack_table

        if settings.soundtrack is None and not info.has_audio:
            where, name = schedule.audio_use()
            raise DreamvidError(f"{where}: uses {name}, an audio variable, but {info.source} has no sound "
                                f"(give --audio FILE)")
        path, offset = (settings.soundtrack, 0.0) if settings.soundtrack is not None else (info.source, info.start)
        schedule = schedule.with_audio(soundtrack_table(path, info.frame_count, info.fps, schedule.settings_of_audio,
                                                        offset=offset))
    else:
        schedule = schedule.at_rate(info.fps)
    schedule.check(frames=info.frame_count, fps=float(info.fps))
    return schedule


def render_video(
    source: str | os.PathLike,
    output: str | os.PathLike,
    settings: VideoSettings,
    effect: Effect | Callable[[], Effect],
    *,
    schedule: Schedule | None = None,
    resume: bool = False,
    overwrite: bool = True,
    encode: EncodeSettings | None = None,
    on_progress: RenderProgress | None = None,
    overlap: bool = True,
    ray: RaySettings | None = None,
    figures: VideoFigures | None = None,
) -> RenderSummary:
    """Treat a clip into `output`; returns what was done. Inputs are checked before the model loads.

    `effect` is the effect itself or a function that builds it (called once the input is checked). A
    `schedule` varies what VIDEO_KEYS name over the clip's time; the effect must carry the same one,
    bound to the clip (`bound_video_schedule`: its fps and, when it names audio variables, the sound of
    settings.soundtrack or else the clip's own); one not bound yet is bound here, before the model loads,
    for the blend. With `ray`, segments of the clip are dreamed on Ray workers: `effect` must then be a function
    (it is sent to each worker, which builds its own effect once). `figures` measures the frames
    dreamed in this process (not on Ray workers, whose inputs the driver does not keep).
    """
    inputs = settings.input_paths() + (
        (schedule.source,) if schedule is not None and os.path.isfile(schedule.source) else ())
    with claim_output(source, output, overwrite=overwrite, inputs=inputs):
        if settings.soundtrack is not None:
            from dreamvid.audio.decode import check_soundtrack

            check_soundtrack(settings.soundtrack)
        info, frames = open_video(
            source, start=settings.start, end=settings.end, frames=settings.frames,
            max_side=settings.dream.max_side,
        )
        coherence = None
        with frames:
            local_workers = (ray.workers or os.cpu_count() or 1) if ray is not None and ray.address is None else 1
            check_dream_memory(info.width, info.height, "video", copies=local_workers)  # before the model loads
            if schedule is not None and schedule.fps is None:
                schedule = bind_video_schedule(schedule, info, settings)
            if ray is not None:
                if isinstance(effect, Effect):
                    raise DreamvidError("a render on Ray workers needs a function that builds the effect, not the effect")
                stream = ray_frames(frames, info.frame_count, effect, settings.coherence, settings.dream.seed, ray,
                                    schedule=schedule)
            else:
                if not isinstance(effect, Effect):
                    effect = effect()
                coherence = Coherence(effect, settings.coherence, schedule=schedule)

                def stream(first: int, state: dict | None, progress: Progress) -> Iterator[RenderedFrame]:
                    coherence.state = (CoherenceState.from_arrays(state, (info.height, info.width))
                                       if state is not None else None)
                    return video_frames(frames, coherence, seed=settings.dream.seed, first=first,
                                        progress=progress, overlap=overlap,
                                        observe=figures.add if figures is not None else None, fps=info.fps)

            if settings.soundtrack is not None:
                soundtrack = AudioSource(settings.soundtrack, 0.0, info.duration)
            else:
                soundtrack = audio_of(info)
            plan = RenderPlan(output, video_manifest(source, info, settings, schedule), info.fps,
                              (info.width, info.height), info.frame_count, soundtrack if settings.audio else None,
                              metadata=video_metadata("video", {"video": settings,
                                                                "schedule": schedule.manifest() if schedule else None}
                                                      if schedule else settings),
                              encode=encode, colour=info.colour)
            summary = render(plan, stream, resume=resume, on_progress=on_progress, overlap=overlap, claimed=True)
        if schedule is not None and schedule.audio is not None:
            summary.audio = schedule.audio.rows()
    summary.warnings = list(frames.warnings)
    summary.scene_cuts = coherence.state.scene_cuts if coherence and coherence.state else 0
    return summary
