"""The video pipeline: read frames, dream each one from the previous one's state, write the clip.

Frames stream through (memory does not grow with the clip), the model is built and the step traced
once per run, each finished frame is kept in the work directory so `resume` continues a stopped
render, and the output appears under its name only when complete.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from dreamvid.ascent import Dreamer
from dreamvid.errors import DreamvidError
from dreamvid.image_io import to_uint8
from dreamvid.overlap import FrameSaver, MotionAhead, with_next
from dreamvid.paths import check_output_folder
from dreamvid.report import RenderSummary
from dreamvid.settings import CoherenceSettings, DreamSettings
from dreamvid.temporal import CoherenceState, TemporalDreamer
from dreamvid.video_reader import VideoInfo, open_video
from dreamvid.video_writer import VideoWriter, audio_of, output_kind
from dreamvid.workdir import WorkDir


@dataclass(frozen=True)
class VideoSettings:
    """Everything a video render depends on, besides its input and output paths."""

    dream: DreamSettings = DreamSettings()
    coherence: CoherenceSettings = CoherenceSettings()
    start: float = 0.0
    end: float | None = None
    frames: int | None = None
    audio: bool = True


FrameCallback = Callable[[int, int, float], None]  # (frames done, frames expected, seconds for this frame)


def check_video_paths(source: str | os.PathLike, output: str | os.PathLike) -> None:
    """Fail before any work when the output cannot be written or would overwrite the input."""
    output_kind(output)
    target = check_output_folder(output)
    if os.path.exists(source) and target.exists() and os.path.samefile(source, target):
        raise DreamvidError(f"the output must not be the input: {target}")


def manifest(source: str | os.PathLike, info: VideoInfo, settings: VideoSettings) -> dict:
    """What a resumed render must share with the one it continues."""
    return {
        "source": os.path.abspath(os.fspath(source)),
        "size": [info.width, info.height],
        "fps": str(info.fps),
        "settings": json.loads(json.dumps(dataclasses.asdict(settings))),
    }


def state_arrays(state: CoherenceState) -> dict:
    return {
        "previous_input": state.previous_input,
        "previous_detail": state.previous_detail,
        "reference_strength": np.float64(state.reference_strength),
        "scene_cuts": np.int64(state.scene_cuts),
    }


def state_from_arrays(arrays: dict) -> CoherenceState:
    return CoherenceState(
        previous_input=arrays["previous_input"].astype(np.float32),
        previous_detail=arrays["previous_detail"].astype(np.float32),
        reference_strength=float(arrays["reference_strength"]),
        scene_cuts=int(arrays["scene_cuts"]),
    )


def render_video(
    source: str | os.PathLike,
    output: str | os.PathLike,
    settings: VideoSettings,
    dreamer: Dreamer | Callable[[], Dreamer],
    *,
    resume: bool = False,
    on_frame: FrameCallback | None = None,
    overlap: bool = True,
) -> RenderSummary:
    """Dream a clip into `output`; returns what was done. Inputs are checked before the model loads.

    With `overlap` (the default) the next frame's motion and the saving of finished frames run in
    worker threads beside the dream step; without it every stage runs in turn (for measuring).
    """
    check_video_paths(source, output)
    info, frames = open_video(
        source, start=settings.start, end=settings.end, frames=settings.frames,
        max_side=settings.dream.max_side,
    )
    work = WorkDir.open(output, manifest(source, info, settings), resume=resume)
    done = work.frames_done()
    state = state_from_arrays(work.load_state()) if done else None
    if not isinstance(dreamer, Dreamer):
        dreamer = dreamer()
    temporal = TemporalDreamer(settings.dream, settings.coherence, dreamer, state)
    summary = RenderSummary(str(output), 0, str(info.fps), info.width, info.height, resumed_at=done)
    audio = audio_of(info) if settings.audio else None
    with (frames, VideoWriter(output, fps=info.fps, size=(info.width, info.height), audio=audio) as writer,
          MotionAhead(settings.coherence) as ahead, FrameSaver(work) as saver):
        for index, (frame, upcoming) in enumerate(with_next(frames)):
            if index < done:
                writer.write(work.saved_frame(index))
                continue
            started = time.perf_counter()
            motion = ahead.motion_into(frame)
            if overlap and upcoming is not None and settings.coherence.coherent:
                ahead.start(frame, upcoming)
            dreamed = to_uint8(temporal.dream_frame(frame, motion=motion))
            saver.save(index, dreamed, state_arrays(temporal.state))
            if not overlap:
                saver.wait()
            writer.write(dreamed)
            seconds = time.perf_counter() - started
            summary.seconds_per_frame.append(seconds)
            if on_frame is not None:
                on_frame(index + 1, info.frame_count, seconds)
        saver.wait()
        if writer.frames_written < done:
            raise DreamvidError(
                f"the input now has {writer.frames_written} frames but {done} were already dreamed; "
                f"delete {work.path} to start over"
            )
        summary.frames = writer.frames_written
    summary.warnings = list(frames.warnings)
    summary.scene_cuts = temporal.state.scene_cuts if temporal.state else 0
    work.remove()
    return summary
