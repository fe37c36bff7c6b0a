"""Dreaming one long clip on many workers with Ray (the optional `dreamvid[ray]` extra).

The driver reads the clip and cuts it into segments (segments.py). Each Ray actor loads the model
once and dreams whole segments, run-up included; input frames go to the workers and dreamed frames
come back through Ray's object store, so no shared filesystem is needed. The driver yields frames in
order to the one renderer, which stores them by index and encodes the output as a one-process render
does (exact fps, audio, resume). An actor that dies mid-segment (process killed, machine lost) is
restarted by Ray and its segment re-run, so no frame is lost or doubled.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import signal
import sys
import threading
import time
import types
from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from dreamvid.errors import DreamvidError
from dreamvid.events import Progress
from dreamvid.render.reaper import start_reaper
from dreamvid.render.renderer import AnyOrderStream
from dreamvid.render.segments import (
    EARLIER,
    LATER,
    Segment,
    default_segment_frames,
    fade_weight,
    half_at,
    join,
    plan_segments,
    shared_before,
    unfinished,
)
from dreamvid.render.workdir import WorkDir
from dreamvid.settings import CoherenceSettings
from dreamvid.stream import RenderedFrame
from dreamvid.zoom.schedule import Schedule

# Measured with bench/ray_seams.py at 320 px, 2 workers, 3 seams (flicker of the frame pairs at each
# seam against the median of the other pairs; goal at most 1.5x): with a 20-frame overlap cup.mp4's
# seams were 1.21x, 1.12x and 1.29x, but samples/box.mp4's first seam, where the box barely moves and
# the fade is all the change there is, was 1.89x; with 30 frames box.mp4's were 1.02x, 0.75x, 0.73x.
RUN_UP = 4  # frames dreamed before a segment's first kept frame
OVERLAP = 30  # frames two segments share, faded from one to the other
CONNECT_TIMEOUT = 5.0  # seconds to reach a cluster's address before giving up
PLAN = "segments.json"  # how a render cut its clip, kept in its work folder for --resume


@dataclass(frozen=True)
class RaySettings:
    """Where and how wide a Ray render runs."""

    workers: int | None = None  # a local runtime with this many workers; None with an address: the cluster's CPUs
    address: str | None = None  # a running cluster ("auto", or host:port); None: start a local one
    segment_frames: int | None = None  # None: from the clip length and worker count
    run_up: int = RUN_UP
    overlap: int = OVERLAP
    threads_per_worker: int | None = None  # TensorFlow threads in each worker; None: the cores shared out

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise DreamvidError(f"workers must be 1 or more, got {self.workers}")
        if self.segment_frames is not None and self.segment_frames < 2:
            raise DreamvidError(f"a segment needs at least 2 frames, got {self.segment_frames}")
        if self.run_up < 0 or self.overlap < 0:
            raise DreamvidError("run-up and overlap must be 0 or more")


def check_address(address: str) -> None:
    """Fail in one line, at once, when a host:port cluster address does not answer (Ray would retry)."""
    if address == "auto" or address.startswith("ray://"):
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise DreamvidError(f"a Ray address is HOST:PORT or auto, got {address!r}")
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT).close()
    except OSError as error:
        raise DreamvidError(f"cannot reach the Ray cluster at {address}: {error.strerror or error}") from None


def start_ray(settings: RaySettings) -> types.ModuleType:
    """Join the cluster, or start a local runtime with `workers` CPUs; returns the ray module."""
    if settings.address is None and "RAY_ADDRESS" not in os.environ and "ray" not in sys.modules:
        # Ray turns token authentication on for a new local runtime and prints a notice saying so at
        # every start unless the mode is set explicitly. Setting the same mode keeps the protection and
        # drops the notice; Ray reads the mode once, on import. A mode the user set is left alone.
        os.environ.setdefault("RAY_AUTH_MODE", "token")
    try:
        import ray
    except ImportError:
        raise DreamvidError("rendering on workers needs Ray: pip install 'dreamvid[ray]'") from None
    if settings.address is not None:
        check_address(settings.address)
    if ray.is_initialized():
        return ray
    options = dict(include_dashboard=False, log_to_driver=False, configure_logging=False,
                   logging_level=logging.ERROR)
    # ray.init installs its own SIGTERM (and SIGINT) handler in the driver, which exits with a stack dump;
    # the caller's handlers (the CLI's: a one-line "terminated", frames kept for --resume) are put back.
    main_thread = threading.current_thread() is threading.main_thread()
    handlers = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)} if main_thread else {}
    try:
        if settings.address is not None:
            ray.init(address=settings.address, **options)
        else:
            start_reaper()  # a kill -9 of dreamvid leaves none of the local runtime's processes running
            ray.init(num_cpus=settings.workers or os.cpu_count(), **options)
    except (ConnectionError, RuntimeError, ValueError) as error:
        where = settings.address or "a local runtime"
        raise DreamvidError(f"cannot start Ray ({where}): {str(error).splitlines()[0]}") from None
    finally:
        for number, handler in handlers.items():
            if handler is not None:
                signal.signal(number, handler)
    return ray


PARENT_POLL_SECONDS = 0.2


def exit_with_parent() -> None:
    """End this process as soon as the process that started it is gone.

    A Ray worker is a child of its node's raylet, which a local runtime ties to the driver (dreamvid):
    after a kill -9 of dreamvid, Ray's own processes go at once, but a worker notices only when its next
    call to Ray fails, which a worker still loading its model makes seconds later. A daemon thread that
    sees the parent change (the orphan is re-parented) exits at once, whatever the worker is doing.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class SegmentDreamer:
    """A Ray actor's work: the effect built once, then whole segments dreamed coherently."""

    def __init__(self, make_effect: Callable, coherence: CoherenceSettings, seed: int, threads: int,
                 schedule: Schedule | None = None) -> None:
        from dreamvid.runtime import start_tensorflow

        exit_with_parent()
        tf = start_tensorflow()
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
        self.effect = make_effect()
        self.coherence = coherence
        self.seed = seed
        self.schedule = schedule

    def dream(self, frames: list[np.ndarray], keep: int, number_from: int = 0) -> list[np.ndarray]:
        """Dream the frames in order from a fresh start (the first is clip frame `number_from`, for the
        schedule's values at its own frames); return those from index `keep` on."""
        from dreamvid.video.coherence import Coherence
        from dreamvid.video.frames import video_frames

        coherence = Coherence(self.effect, self.coherence, schedule=self.schedule)
        fps = self.schedule.fps if self.schedule is not None else None
        made = [frame.pixels for frame in video_frames(frames, coherence, seed=self.seed, overlap=False,
                                                       fps=fps, number_from=number_from)]
        return made[keep:]

    def pid(self) -> int:
        return os.getpid()


def ray_frames(frames: Iterator[np.ndarray], total: int, make_effect: Callable, coherence: CoherenceSettings,
               seed: int, settings: RaySettings, schedule: Schedule | None = None) -> RayFrames:
    """A stream (for renderer.render) that dreams the clip's frames on Ray actors.

    `frames` yields the clip's input frames from index 0; `make_effect` builds the effect on each
    worker (it is pickled and sent, so it must not hold a loaded model).
    """
    ray = start_ray(settings)
    cpus = int(ray.cluster_resources().get("CPU", 1))
    workers = settings.workers or cpus
    threads = settings.threads_per_worker or max(1, (os.cpu_count() or 1) // workers if settings.address is None else 1)
    actor = ray.remote(num_cpus=1, max_restarts=3, max_task_retries=3)(SegmentDreamer)
    pool = [actor.remote(make_effect, coherence, seed, threads, schedule) for _ in range(workers)]
    return RayFrames(ray, pool, frames, total, settings)


class RayFrames(AnyOrderStream):
    """The clip cut into segments, dreamed on a pool of actors; frames come back as segments finish.

    The cut is kept in the work folder (PLAN), so a resumed render cuts the clip the same way and
    dreams only the segments not finished: each finished frame, and each segment's half of a frame
    it shares with a neighbour that was not finished, is kept in the work folder as it comes.
    """

    def __init__(self, ray: types.ModuleType, pool: list, frames: Iterator[np.ndarray], total: int,
                 settings: RaySettings) -> None:
        self._ray = ray
        self.workers = pool  # the actors (tests and benches kill one)
        self._frames = frames
        self._total = total
        self._settings = settings
        self.dreamed: list[int] = []  # the numbers of the segments sent to workers, in order

    def frames(self, work: WorkDir, held: frozenset[int], progress: Progress) -> Iterator[RenderedFrame]:
        segments = self._cut(work)
        todo = unfinished(segments, held.__contains__, work.has_half)
        return self._dream(work, held, segments, todo)

    def _cut(self, work: WorkDir) -> list[Segment]:
        """The segments: as an unfinished render in `work` cut the clip, else from the settings."""
        settings = self._settings
        segment_frames = settings.segment_frames or default_segment_frames(
            self._total, len(self.workers), settings.run_up, settings.overlap)
        cut = {"frames": self._total, "segment_frames": segment_frames, "run_up": settings.run_up,
               "overlap": min(settings.overlap, segment_frames - 1)}
        stored = work.load_json(PLAN)
        if stored is not None and stored != cut:
            default_cut = dict(cut, segment_frames=stored.get("segment_frames"),
                               overlap=min(settings.overlap, int(stored.get("segment_frames", 2)) - 1))
            if settings.segment_frames is not None or stored != default_cut:
                raise DreamvidError(
                    f"cannot resume: the unfinished render in {work.path} cut the clip into segments of "
                    f"{stored.get('segment_frames')} frames (run-up {stored.get('run_up')}, overlap "
                    f"{stored.get('overlap')}); resume with --segment-frames {stored.get('segment_frames')} "
                    f"or delete that folder")
            cut = stored
        work.save_json(PLAN, cut)
        return plan_segments(0, self._total, cut["segment_frames"], cut["run_up"], cut["overlap"])

    def _dream(self, work: WorkDir, held: frozenset[int], segments: list[Segment],
               todo: list[Segment]) -> Iterator[RenderedFrame]:
        """Submit unfinished segments as their input frames arrive (a bounded window, each to the least busy
        actor); keep the results of whichever finish. A segment that fails even after Ray's retries stops
        new submissions; the others running are kept before the error is raised."""
        ray, pool = self._ray, self.workers
        made = set(held)
        joined: list[int] = []  # frames made from two stored halves, whose halves go once they are kept
        inputs: dict[int, np.ndarray] = {}  # the input frames read that a segment not yet sent needs
        source = enumerate(self._frames)
        queue = deque(todo)
        pending: dict = {}  # object reference -> (segment, actor number)
        busy = [0] * len(pool)
        failed: list[tuple[Segment, BaseException]] = []

        def submit_more() -> None:
            while queue and not failed and len(pending) < 2 * len(pool):
                segment = queue.popleft()
                while segment.keep_to - 1 not in inputs:
                    index, frame = next(source, (None, None))
                    if index is None:
                        raise DreamvidError(f"the input ended before frame {segment.keep_to}")
                    if index >= segment.dream_from:  # frames of finished segments are passed over
                        inputs[index] = frame
                batch = [inputs[index] for index in range(segment.dream_from, segment.keep_to)]
                needed_from = queue[0].dream_from if queue else segment.keep_to
                for index in [index for index in inputs if index < needed_from]:
                    del inputs[index]
                actor = busy.index(min(busy))
                reference = pool[actor].dream.remote(ray.put(batch), segment.keep_from - segment.dream_from,
                                                     segment.dream_from)
                pending[reference] = (segment, actor)
                busy[actor] += 1
                self.dreamed.append(segment.number)

        yield from self._join_stored_halves(work, segments, made, joined)
        submit_more()
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            segment, actor = pending.pop(ready[0])
            busy[actor] -= 1
            try:
                kept = ray.get(ready[0])
            except Exception as error:  # a segment that failed even after Ray's retries
                failed.append((segment, error))
                continue
            submit_more()
            yield from self._keep(work, segments, segment, kept, made, joined)
            joined[:] = [index for index in joined if not _forget_halves(work, index)]
        if failed:
            segment, error = failed[0]
            raise DreamvidError(f"segment {segment.number + 1} failed on its worker: {_reason(error)}; "
                                f"the finished segments are kept for --resume") from None

    def _keep(self, work: WorkDir, segments: list[Segment], segment: Segment, kept: list[np.ndarray],
              made: set[int], joined: list[int]) -> Iterator[RenderedFrame]:
        """One segment's frames: its own ones made; a half of a shared frame joined with the other half
        when that is stored, else stored to wait for it."""
        for offset, pixels in enumerate(kept):
            index = segment.keep_from + offset
            if index in made:
                continue
            side = half_at(segments, segment.number, index)
            if side is None:
                made.add(index)
                yield RenderedFrame(index, pixels, {})
                continue
            other = LATER if side == EARLIER else EARLIER
            if not work.has_half(index, other):
                work.save_half(index, side, pixels)
                continue
            halves = {side: pixels, other: work.saved_half(index, other)}
            work.save_half(index, side, pixels)  # kept until the joined frame is
            made.add(index)
            joined.append(index)
            yield RenderedFrame(index, _joined(segments, index, halves), {})

    def _join_stored_halves(self, work: WorkDir, segments: list[Segment], made: set[int],
                            joined: list[int]) -> Iterator[RenderedFrame]:
        """Shared frames both of whose halves a stopped render stored but did not keep joined."""
        for number in range(1, len(segments)):
            start = segments[number].keep_from
            for index in range(start, start + shared_before(segments, number)):
                if index in made:
                    _forget_halves(work, index)
                elif work.has_half(index, EARLIER) and work.has_half(index, LATER):
                    halves = {side: work.saved_half(index, side) for side in (EARLIER, LATER)}
                    made.add(index)
                    joined.append(index)
                    yield RenderedFrame(index, _joined(segments, index, halves), {})


def _joined(segments: list[Segment], index: int, halves: dict[str, np.ndarray]) -> np.ndarray:
    """A shared frame: the earlier segment's half faded into the later one's."""
    later = next(segment for segment in reversed(segments) if segment.keep_from <= index)
    weight = fade_weight(index, later.keep_from, shared_before(segments, later.number))
    return join(halves[EARLIER], halves[LATER], weight)


def _forget_halves(work: WorkDir, index: int) -> bool:
    """Remove the halves of frame `index` once the joined frame is kept; whether it was."""
    if not work.frame_path(index).exists():
        return False
    for side in (EARLIER, LATER):
        work.remove_half(index, side)
    return True


def _reason(error: BaseException) -> str:
    """One line saying why a task failed: the worker's own exception, not Ray's wrapper around it."""
    cause = getattr(error, "cause", None) or error
    lines = [line for line in re.sub(r"\x1b\[[0-9;]*m", "", str(cause)).splitlines() if line.strip()]
    return f"{type(cause).__name__}: {lines[0]}" if lines else type(cause).__name__
