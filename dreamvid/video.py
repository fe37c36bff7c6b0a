"""The video pipeline: each input frame treated by an effect from the previous frame's state.

`video_frames` is a generator of made frames (with the state resume needs), so the CLI, tests and
benchmarks drive the same code; `render_video` hands it to the renderer. Frames stream through
(memory does not grow with the clip) and the model is built and the step traced once per run.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

import numpy as np

from dreamvid.coherence import Coherence, CoherenceState
from dreamvid.effect import Effect
from dreamvid.errors import DreamvidError
from dreamvid.events import Progress, RenderProgress
from dreamvid.image_io import to_uint8
from dreamvid.metrics import VideoFigures
from dreamvid.overlap import MotionAhead, with_next
from dreamvid.paths import input_fingerprint
from dreamvid.provenance import video_metadata
from dreamvid.renderer import RenderedFrame, RenderPlan, check_render_paths, render
from dreamvid.report import RenderSummary
from dreamvid.settings import CoherenceSettings, EncodeSettings, VideoSettings
from dreamvid.video_reader import VideoInfo, open_video
from dreamvid.video_writer import audio_of

if TYPE_CHECKING:
    from dreamvid.ray_render import RaySettings


def video_manifest(source: str | os.PathLike, info: VideoInfo, settings: VideoSettings) -> dict:
    """What a resumed render must share with the one it continues."""
    return {
        "source": os.path.abspath(os.fspath(source)),
        "size": [info.width, info.height],
        "fps": str(info.fps),
        "input": input_fingerprint(source),
        "settings": json.loads(json.dumps(dataclasses.asdict(settings))),
    }


def video_frames(frames: Iterable[np.ndarray], coherence: Coherence, *, seed: int, first: int = 0,
                 stop: int | None = None, progress: Progress | None = None,
                 overlap: bool = True,
                 observe: Callable[[np.ndarray, np.ndarray], None] | None = None) -> Iterator[RenderedFrame]:
    """Treat input frames [first, stop) in order; frames before `first` are read and passed over.

    `coherence` holds the state after frame `first - 1` (or none, to start afresh there). With
    `overlap`, the next frame pair's motion is estimated in a worker thread while a frame is treated.
    `observe(input, output)` sees each treated frame pair (uint8), e.g. to measure the render.
    """
    settings: CoherenceSettings = coherence.settings
    index = -1
    with MotionAhead(settings) as ahead:
        for index, (frame, upcoming) in enumerate(with_next(itertools.islice(frames, stop))):
            if index < first:
                continue
            if overlap and upcoming is not None and settings.coherent:
                ahead.start(frame, upcoming)
            result = to_uint8(coherence.next_frame(frame, ahead.motion, seed=seed, progress=progress))
            if observe is not None:
                observe(frame, result)
            yield RenderedFrame(index, result, coherence.state.to_arrays())
    if index + 1 < first:
        raise DreamvidError(
            f"the input now has {index + 1} frames but {first} were already dreamed; "
            f"delete the work folder to start over"
        )


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
    ray: "RaySettings | None" = None,
    figures: VideoFigures | None = None,
) -> RenderSummary:
    """Treat a clip into `output`; returns what was done. Inputs are checked before the model loads.

    `effect` is the effect itself or a function that builds it (called once the input is checked).
    With `ray`, segments of the clip are dreamed on Ray workers: `effect` must then be a function
    (it is sent to each worker, which builds its own effect once). `figures` measures the frames
    dreamed in this process (not on Ray workers, whose inputs the driver does not keep).
    """
    check_render_paths(source, output, overwrite=overwrite)
    info, frames = open_video(
        source, start=settings.start, end=settings.end, frames=settings.frames,
        max_side=settings.dream.max_side,
    )
    coherence = None
    with frames:
        if ray is not None:
            from dreamvid.ray_render import ray_frames

            if isinstance(effect, Effect):
                raise DreamvidError("a render on Ray workers needs a function that builds the effect, not the effect")
            stream = ray_frames(frames, info.frame_count, effect, settings.coherence, settings.dream.seed, ray)
        else:
            if not isinstance(effect, Effect):
                effect = effect()
            coherence = Coherence(effect, settings.coherence)

            def stream(first: int, state: dict | None, progress: Progress) -> Iterator[RenderedFrame]:
                coherence.state = CoherenceState.from_arrays(state) if state is not None else None
                return video_frames(frames, coherence, seed=settings.dream.seed, first=first,
                                    progress=progress, overlap=overlap,
                                    observe=figures.add if figures is not None else None)

        plan = RenderPlan(output, video_manifest(source, info, settings), info.fps, (info.width, info.height),
                          info.frame_count, audio_of(info) if settings.audio else None,
                          metadata=video_metadata("video", settings), encode=encode, colour=info.colour)
        summary = render(plan, stream, resume=resume, on_progress=on_progress, overlap=overlap)
    summary.warnings = list(frames.warnings)
    summary.scene_cuts = coherence.state.scene_cuts if coherence and coherence.state else 0
    return summary
