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

from dreamvid.effect import Effect
from dreamvid.errors import DreamvidError
from dreamvid.events import Progress, RenderProgress
from dreamvid.io.paths import input_fingerprint
from dreamvid.io.provenance import video_metadata
from dreamvid.io.video_reader import VideoInfo, open_video
from dreamvid.io.video_writer import audio_of
from dreamvid.measure.metrics import VideoFigures
from dreamvid.render.ray import RaySettings, ray_frames
from dreamvid.render.renderer import RenderPlan, claim_output, render
from dreamvid.render.report import RenderSummary
from dreamvid.settings import EncodeSettings, VideoSettings
from dreamvid.stream import RenderedFrame
from dreamvid.video.coherence import Coherence, CoherenceState
from dreamvid.video.frames import video_frames


def video_manifest(source: str | os.PathLike, info: VideoInfo, settings: VideoSettings) -> dict:
    """What a resumed render must share with the one it continues."""
    return {
        "source": os.path.abspath(os.fspath(source)),
        "size": [info.width, info.height],
        "fps": str(info.fps),
        "input": input_fingerprint(source),
        "settings": json.loads(json.dumps(dataclasses.asdict(settings))),
    }


def render_video(
    source: str | os.PathLike,
    output: str | os.PathLike,
    settings: VideoSettings,
    effect: Effect | Callable[[], Effect],
    *,
    resume: bool = False,
    overwrite: bool = True,
    encode: EncodeSettings | None = None,
    on_progress: RenderProgress | None = None,
    overlap: bool = True,
    ray: RaySettings | None = None,
    figures: VideoFigures | None = None,
) -> RenderSummary:
    """Treat a clip into `output`; returns what was done. Inputs are checked before the model loads.

    `effect` is the effect itself or a function that builds it (called once the input is checked).
    With `ray`, segments of the clip are dreamed on Ray workers: `effect` must then be a function
    (it is sent to each worker, which builds its own effect once). `figures` measures the frames
    dreamed in this process (not on Ray workers, whose inputs the driver does not keep).
    """
    with claim_output(source, output, overwrite=overwrite, inputs=settings.input_paths()):
        info, frames = open_video(
            source, start=settings.start, end=settings.end, frames=settings.frames,
            max_side=settings.dream.max_side,
        )
        coherence = None
        with frames:
            if ray is not None:
                if isinstance(effect, Effect):
                    raise DreamvidError("a render on Ray workers needs a function that builds the effect, not the effect")
                stream = ray_frames(frames, info.frame_count, effect, settings.coherence, settings.dream.seed, ray)
            else:
                if not isinstance(effect, Effect):
                    effect = effect()
                coherence = Coherence(effect, settings.coherence)

                def stream(first: int, state: dict | None, progress: Progress) -> Iterator[RenderedFrame]:
                    coherence.state = (CoherenceState.from_arrays(state, (info.height, info.width))
                                       if state is not None else None)
                    return video_frames(frames, coherence, seed=settings.dream.seed, first=first,
                                        progress=progress, overlap=overlap,
                                        observe=figures.add if figures is not None else None)

            plan = RenderPlan(output, video_manifest(source, info, settings), info.fps, (info.width, info.height),
                              info.frame_count, audio_of(info) if settings.audio else None,
                              metadata=video_metadata("video", settings), encode=encode, colour=info.colour)
            summary = render(plan, stream, resume=resume, on_progress=on_progress, overlap=overlap, claimed=True)
    summary.warnings = list(frames.warnings)
    summary.scene_cuts = coherence.state.scene_cuts if coherence and coherence.state else 0
    return summary
