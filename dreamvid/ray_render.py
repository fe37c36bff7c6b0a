"""Dreaming one long clip on many workers with Ray (the optional `dreamvid[ray]` extra).

The driver reads the clip and cuts it into segments (segments.py). Each Ray actor loads the model
once and dreams whole segments, run-up included; input frames go to the workers and dreamed frames
come back through Ray's object store, so no shared filesystem is needed. The driver yields frames in
order to the one renderer, which stores them by index and encodes the output as a one-process render
does (exact fps, audio, resume). An actor that dies mid-segment (process killed, machine lost) is
restarted by Ray and its segment re-run, so no frame is lost or doubled.
"""

from __future__ import annotations

import os
import socket
import types
from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from dreamvid.errors import DreamvidError
from dreamvid.events import Progress
from dreamvid.renderer import FrameStream, RenderedFrame
from dreamvid.segments import Segment, default_segment_frames, fade_weight, join, plan_segments
from dreamvid.settings import CoherenceSettings

# Measured on cup.mp4 at 320 px (bench/ray_seams.py, one seam): the median flicker ratio of the frame
# pairs at a seam against the others was 3.10 with a 6-frame overlap, 1.76 with 12 and 1.04 with 20.
RUN_UP = 4  # frames dreamed before a segment's first kept frame
OVERLAP = 20  # frames two segments share, faded from one to the other
CONNECT_TIMEOUT = 5.0  # seconds to reach a cluster's address before giving up


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
    try:
        import ray
    except ImportError:
        raise DreamvidError("rendering on workers needs Ray: pip install 'dreamvid[ray]'") from None
    if settings.address is not None:
        check_address(settings.address)
    if ray.is_initialized():
        return ray
    options = dict(include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        if settings.address is not None:
            ray.init(address=settings.address, **options)
        else:
            ray.init(num_cpus=settings.workers or os.cpu_count(), **options)
    except (ConnectionError, RuntimeError, ValueError) as error:
        where = settings.address or "a local runtime"
        raise DreamvidError(f"cannot start Ray ({where}): {str(error).splitlines()[0]}") from None
    return ray


class SegmentDreamer:
    """A Ray actor's work: the effect built once, then whole segments dreamed coherently."""

    def __init__(self, make_effect: Callable, coherence: CoherenceSettings, seed: int, threads: int) -> None:
        from dreamvid.runtime import start_tensorflow

        tf = start_tensorflow()
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
        self.effect = make_effect()
        self.coherence = coherence
        self.seed = seed

    def dream(self, frames: list[np.ndarray], keep: int) -> list[np.ndarray]:
        """Dream the frames in order from a fresh start; return those from index `keep` on."""
        from dreamvid.coherence import Coherence
        from dreamvid.video import video_frames

        coherence = Coherence(self.effect, self.coherence)
        made = [frame.pixels for frame in video_frames(frames, coherence, seed=self.seed, overlap=False)]
        return made[keep:]

    def pid(self) -> int:
        return os.getpid()


def ray_frames(frames: Iterator[np.ndarray], total: int, make_effect: Callable, coherence: CoherenceSettings,
               seed: int, settings: RaySettings) -> FrameStream:
    """A FrameStream (for renderer.render) that dreams the clip's frames on Ray actors.

    `frames` yields the clip's input frames from index 0; `make_effect` builds the effect on each
    worker (it is pickled and sent, so it must not hold a loaded model).
    """
    ray = start_ray(settings)
    cpus = int(ray.cluster_resources().get("CPU", 1))
    workers = settings.workers or cpus
    threads = settings.threads_per_worker or max(1, (os.cpu_count() or 1) // workers if settings.address is None else 1)
    actor = ray.remote(num_cpus=1, max_restarts=3, max_task_retries=3)(SegmentDreamer)
    pool = [actor.remote(make_effect, coherence, seed, threads) for _ in range(workers)]
    segment_frames = settings.segment_frames or default_segment_frames(total, workers, settings.run_up, settings.overlap)
    overlap = min(settings.overlap, segment_frames - 1)

    def stream(first: int, state: dict | None, progress: Progress) -> Iterator[RenderedFrame]:
        segments = plan_segments(first, total, segment_frames, settings.run_up, overlap)
        return _ordered_frames(ray, pool, frames, segments, overlap)

    stream.workers = pool  # for tests and benches: the actors, e.g. to kill one
    return stream


def _ordered_frames(ray, pool, frames: Iterator[np.ndarray], segments: list[Segment],
                    overlap: int) -> Iterator[RenderedFrame]:
    """Submit segments as their input frames arrive (a bounded window), yield frames in order."""
    inputs: dict[int, np.ndarray] = {}
    source = enumerate(frames)
    pending: deque[tuple[Segment, object]] = deque()
    next_to_submit = 0
    window = 2 * len(pool)

    def submit_more() -> None:
        nonlocal next_to_submit
        while next_to_submit < len(segments) and len(pending) < window:
            segment = segments[next_to_submit]
            while segment.keep_to - 1 not in inputs:
                index, frame = next(source, (None, None))
                if index is None:
                    raise DreamvidError(f"the input ended at frame {len(inputs)}, before frame {segment.keep_to}")
                inputs[index] = frame
            batch = [inputs[index] for index in range(segment.dream_from, segment.keep_to)]
            worker = pool[segment.number % len(pool)]
            pending.append((segment, worker.dream.remote(ray.put(batch), segment.keep_from - segment.dream_from)))
            next_to_submit += 1
            later = segments[next_to_submit].dream_from if next_to_submit < len(segments) else segment.keep_to
            for index in [index for index in inputs if index < later]:
                del inputs[index]

    tail: dict[int, np.ndarray] = {}  # the previous segment's frames in the overlap
    submit_more()
    while pending:
        segment, reference = pending.popleft()
        try:
            kept = ray.get(reference)
        except Exception as error:  # a segment that failed even after Ray's retries
            raise DreamvidError(f"segment {segment.number + 1} failed on its worker: {str(error).splitlines()[0]}") from None
        submit_more()
        following = segment.number + 1 < len(segments)
        owned_to = segments[segment.number + 1].keep_from if following else segment.keep_to
        shared = len(tail)
        for offset, pixels in enumerate(kept):
            index = segment.keep_from + offset
            if index in tail:
                pixels = join(tail.pop(index), pixels, fade_weight(index, segment.keep_from, shared))
            if index < owned_to:
                yield RenderedFrame(index, pixels, {"next_frame": np.int64(index + 1)})
            else:
                tail[index] = pixels
