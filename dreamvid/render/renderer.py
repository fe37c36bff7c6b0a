"""The one renderer: a stream of frames in, a finished video (or folder of frames) out, resumable.

Pipelines (video.py, zoom.py) are generators of made frames, each with the state the next frame
needs. The renderer owns everything around them: the work folder that keeps finished frames by
index and the state after the last one, the saver thread, the writer, resume, progress events and
the summary. The output appears under its name only when complete.

A stream whose frames come in any order (an AnyOrderStream: segments dreamed side by side on Ray
workers) has each frame kept by index as it arrives, and written once all frames before it are;
a resumed render makes only the frames the work folder lacks.
"""

from __future__ import annotations

import abc
import contextlib
import os
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterable, Iterator

import numpy as np

from dreamvid.errors import DreamvidError
from dreamvid.events import Progress, ProgressEvent, RenderEvent, RenderProgress
from dreamvid.io.colour import ColourTags
from dreamvid.io.paths import OutputLock, check_not_an_input, check_output_folder, check_overwrite, same_file
from dreamvid.io.video_writer import (
    FOLDER,
    AudioSource,
    VideoWriter,
    check_frame_folder,
    output_kind,
    remove_stale_partials,
)
from dreamvid.measure.metrics import sharpness
from dreamvid.render.report import RenderSummary
from dreamvid.render.saver import FrameSaver
from dreamvid.render.workdir import WorkDir
from dreamvid.settings import EncodeSettings
from dreamvid.stream import FrameStream, RenderedFrame


class AnyOrderStream(abc.ABC):
    """Makes a clip's frames in any order, each index once (segments dreamed side by side).

    The renderer passes the frames the work folder already holds, which are not to be made again;
    the stream may keep parts of its own in the work folder (see WorkDir.save_half) so that a
    resumed render needs no work done twice.
    """

    @abc.abstractmethod
    def frames(self, work: WorkDir, held: frozenset[int], progress: Progress) -> Iterator[RenderedFrame]:
        """The frames [0, total) not in `held`, each once, in any order."""


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


def check_render_paths(source: str | os.PathLike, output: str | os.PathLike, *, overwrite: bool = True,
                       inputs: tuple[str | os.PathLike, ...] = ()) -> None:
    """Fail before any work when the output cannot be written, would overwrite the input or any of the
    other `inputs` (style images, weights, a schedule; `overwrite` or not), or (without `overwrite`)
    exists already; a folder output must hold neither an input nor anything but dreamvid's frames."""
    kind = output_kind(output)
    target = check_output_folder(output)
    if os.path.exists(source) and same_file(source, target):
        raise DreamvidError(f"the output must not be the input: {target}")
    check_not_an_input(output, (source, *inputs))
    if kind == FOLDER:
        check_frame_folder(output)
    check_overwrite(target, overwrite)


@contextlib.contextmanager
def claim_output(source: str | os.PathLike, output: str | os.PathLike, *, overwrite: bool = True,
                 inputs: tuple[str | os.PathLike, ...] = ()) -> Iterator[OutputLock]:
    """Take the output's lock, then check the paths (`check_render_paths`), and hold the lock for the
    whole render (pass `claimed=True` to `render`): checking and claiming are one step, so a second
    render of the same output fails at once instead of replacing the first one's finished file."""
    output_kind(output)
    check_output_folder(output)  # where the lock goes must exist
    with OutputLock(output) as lock:
        check_render_paths(source, output, overwrite=overwrite, inputs=inputs)
        yield lock


def render(plan: RenderPlan, stream: FrameStream | AnyOrderStream, *, resume: bool = False,
           on_progress: RenderProgress | None = None, overlap: bool = True, claimed: bool = False) -> RenderSummary:
    """Make and write every frame of `stream`; returns what was done.

    Frames already in the work folder (with `resume`) are written from there and the stream starts
    after them (an AnyOrderStream skips them wherever they are). With `overlap` (the default) each
    finished frame is saved in a worker thread while the next one is made; without it every stage
    runs in turn (for measuring). With `claimed` the caller holds the output's lock (`claim_output`).
    """
    with contextlib.nullcontext() if claimed else OutputLock(plan.output):
        remove_stale_partials(plan.output)
        work = WorkDir.open(plan.output, plan.manifest, resume=resume)
        try:
            if isinstance(stream, AnyOrderStream):
                summary = _render_any_order(work, plan, stream, on_progress)
            else:
                summary = _render(work, plan, stream, on_progress, overlap)
        except BaseException:
            if not work.has_state():
                work.remove()  # nothing finished: leave nothing that would block the next run
            raise
        work.remove()
    return summary


def _render(work: WorkDir, plan: RenderPlan, stream: FrameStream, on_progress: RenderProgress | None,
            overlap: bool) -> RenderSummary:
    if work.in_any_order():
        raise DreamvidError(f"the unfinished render in {work.path} was dreamed in segments on Ray workers: "
                            f"resume it on Ray workers too (--workers or --ray)")
    state = work.load_state() if work.has_state() else None
    done = int(state["frames_done"]) if state is not None else 0
    if plan.total is not None and done > plan.total:
        raise work.damaged(f"its state counts {done} frames of {plan.total}")
    width, height = plan.size
    summary = RenderSummary(str(plan.output), 0, str(plan.fps), width, height, resumed_at=done)
    made = done

    def step_done(event: ProgressEvent) -> None:
        if on_progress is not None:
            on_progress(RenderEvent(made, plan.total, step=event))

    def all_frames(saver: FrameSaver) -> Iterator[np.ndarray]:
        nonlocal made
        try:  # the stream checks the state it takes back (its arrays' shapes) before any frame is written
            frames = stream(done, state, step_done)
        except DreamvidError as error:
            if state is None:
                raise
            raise work.damaged(str(error)) from None
        for index in range(done):
            yield work.saved_frame(index, plan.size)
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

    return _write(work, plan, all_frames, summary)


def _render_any_order(work: WorkDir, plan: RenderPlan, stream: AnyOrderStream,
                      on_progress: RenderProgress | None) -> RenderSummary:
    """Keep each frame by index as it comes; write frames in order as soon as all before them are kept."""
    if plan.total is None:
        raise DreamvidError("a render whose frames come in any order needs the number of frames")
    held = work.keep_in_any_order()
    kept = set(held)
    width, height = plan.size
    summary = RenderSummary(str(plan.output), 0, str(plan.fps), width, height, resumed_at=len(held))

    def step_done(event: ProgressEvent) -> None:
        if on_progress is not None:
            on_progress(RenderEvent(len(kept), plan.total, step=event))

    def in_order(saver: FrameSaver) -> Iterator[np.ndarray]:
        written = 0

        def kept_run() -> Iterator[np.ndarray]:  # the kept frames from `written` on, read back
            nonlocal written
            if written in kept:
                saver.wait()
            while written in kept:
                yield work.saved_frame(written, plan.size)
                written += 1

        yield from kept_run()
        frames = stream.frames(work, frozenset(held), step_done)
        try:
            started = time.perf_counter()
            for frame in frames:
                if frame.index in kept or not 0 <= frame.index < plan.total:
                    raise DreamvidError(f"frame {frame.index + 1} was made twice or is out of range")
                saver.save(frame.index, frame.pixels, None, frames_done=len(kept) + 1)
                kept.add(frame.index)
                seconds = time.perf_counter() - started
                summary.seconds_per_frame.append(seconds)
                if on_progress is not None:
                    on_progress(RenderEvent(len(kept), plan.total, seconds))
                if frame.index == written:
                    yield frame.pixels
                    written += 1
                    yield from kept_run()
                started = time.perf_counter()
        finally:
            frames.close()
        if written < plan.total:
            raise DreamvidError(f"frame {written + 1} was never made")

    return _write(work, plan, in_order, summary)


def _write(work: WorkDir, plan: RenderPlan, frames_of: Callable[[FrameSaver], Iterator[np.ndarray]],
           summary: RenderSummary) -> RenderSummary:
    """Write the frames `frames_of(saver)` yields in order (through the plan's finish, if any) to the
    output, with the saver keeping each made frame in the work folder; the summary gets each frame's
    sharpness and the count written."""
    with VideoWriter(plan.output, fps=plan.fps, size=plan.size, audio=plan.audio, metadata=plan.metadata,
                     encode=plan.encode, colour=plan.colour) as writer, \
            FrameSaver(work) as saver:
        frames = frames_of(saver)
        for pixels in plan.finish(frames) if plan.finish else frames:
            writer.write(pixels)
            summary.sharpness.append(sharpness(pixels))
        saver.wait()
        summary.frames = writer.frames_written
    return summary
