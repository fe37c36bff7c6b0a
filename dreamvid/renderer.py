"""The one renderer: a stream of frames in, a finished video (or folder of frames) out, resumable.

Pipelines (video.py, zoom.py) are generators of made frames, each with the state the next frame
needs. The renderer owns everything around them: the work folder that keeps finished frames by
index and the state after the last one, the saver thread, the writer, resume, progress events and
the summary. The output appears under its name only when complete.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterable, Iterator

import numpy as np

from dreamvid.colour import ColourTags
from dreamvid.errors import DreamvidError
from dreamvid.events import Progress, ProgressEvent, RenderEvent, RenderProgress
from dreamvid.metrics import sharpness
from dreamvid.overlap import FrameSaver
from dreamvid.paths import OutputLock, check_output_folder, check_overwrite, same_file
from dreamvid.report import RenderSummary
from dreamvid.settings import EncodeSettings
from dreamvid.video_writer import FOLDER, AudioSource, VideoWriter, check_frame_folder, output_kind, \
    remove_stale_partials
from dreamvid.workdir import WorkDir


@dataclass(frozen=True)
class RenderedFrame:
    """One made frame: its index in the stream, its pixels, and the state the next frame needs."""

    index: int
    pixels: np.ndarray  # (h, w, 3) uint8 RGB
    state: dict[str, np.ndarray]


# (index of the first frame to make, the state saved after the frame before it or None, step
# progress) -> the made frames from that index on, in order.
FrameStream = Callable[[int, "dict | None", Progress], Iterator[RenderedFrame]]
# Turns the stream of made frames (saved ones first) into the frames written (e.g. a loop's fade).
Finish = Callable[[Iterator[np.ndarray]], Iterable[np.ndarray]]


@dataclass(frozen=True)
class RenderPlan:
    """Where and how the frames of a stream are written, and what a resumed render must share."""

    output: str | os.PathLike
    manifest: dict
    fps: Fraction | float
    size: tuple[int, int]  # (width, height)
    total: int | None  # frames the stream makes, when known
    audio: AudioSource | None = None
    finish: Finish | None = None
    metadata: dict[str, str] | None = None  # container tags, e.g. the settings that made the render
    encode: EncodeSettings | None = None
    colour: ColourTags | None = None  # the frames' colours, for the output's tags (None: BT.709)


def check_render_paths(source: str | os.PathLike, output: str | os.PathLike, *, overwrite: bool = True) -> None:
    """Fail before any work when the output cannot be written, would overwrite the input, or (without
    `overwrite`) exists already; a folder output must hold nothing but dreamvid's frames."""
    kind = output_kind(output)
    target = check_output_folder(output)
    if os.path.exists(source) and same_file(source, target):
        raise DreamvidError(f"the output must not be the input: {target}")
    if kind == FOLDER:
        check_frame_folder(output)
    check_overwrite(target, overwrite)


def render(plan: RenderPlan, stream: FrameStream, *, resume: bool = False,
           on_progress: RenderProgress | None = None, overlap: bool = True) -> RenderSummary:
    """Make and write every frame of `stream`; returns what was done.

    Frames already in the work folder (with `resume`) are written from there and the stream starts
    after them. With `overlap` (the default) each finished frame is saved in a worker thread while
    the next one is made; without it every stage runs in turn (for measuring).
    """
    with OutputLock(plan.output):
        remove_stale_partials(plan.output)
        work = WorkDir.open(plan.output, plan.manifest, resume=resume)
        try:
            summary = _render(work, plan, stream, on_progress, overlap)
        except BaseException:
            if not work.has_state():
                work.remove()  # nothing finished: leave nothing that would block the next run
            raise
        work.remove()
    return summary


def _render(work: WorkDir, plan: RenderPlan, stream: FrameStream, on_progress: RenderProgress | None,
            overlap: bool) -> RenderSummary:
    state = work.load_state() if work.has_state() else None
    done = int(state["frames_done"]) if state is not None else 0
    width, height = plan.size
    summary = RenderSummary(str(plan.output), 0, str(plan.fps), width, height, resumed_at=done)
    made = done

    def step_done(event: ProgressEvent) -> None:
        if on_progress is not None:
            on_progress(RenderEvent(made, plan.total, step=event))

    def all_frames(saver: FrameSaver) -> Iterator[np.ndarray]:
        nonlocal made
        for index in range(done):
            yield work.saved_frame(index, plan.size)
        frames = stream(done, state, step_done)
        try:
            while True:
                started = time.perf_counter()
                frame = next(frames, None)
                if frame is None:
                    return
                saver.save(frame.index, frame.pixels, frame.state)
                if not overlap:
                    saver.wait()
                seconds = time.perf_counter() - started
                summary.seconds_per_frame.append(seconds)
                made = frame.index + 1
                if on_progress is not None:
                    on_progress(RenderEvent(made, plan.total, seconds))
                yield frame.pixels
        finally:
            frames.close()

    with VideoWriter(plan.output, fps=plan.fps, size=plan.size, audio=plan.audio, metadata=plan.metadata,
                     encode=plan.encode, colour=plan.colour) as writer, \
            FrameSaver(work) as saver:
        made_frames = all_frames(saver)
        for pixels in plan.finish(made_frames) if plan.finish else made_frames:
            writer.write(pixels)
            summary.sharpness.append(sharpness(pixels))
        saver.wait()
        summary.frames = writer.frames_written
    return summary
