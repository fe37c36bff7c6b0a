"""Work that runs beside the dream step: the next frame's motion, and saving finished frames.

The ascent step keeps both cores busy but not every moment of the time; optical flow (OpenCV) and PNG
and state saving (OpenCV, numpy, file writes) release the GIL, so one worker thread for each fills the
gaps instead of adding to every frame's time. Decoding and encoding already run in ffmpeg processes.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Iterable, Iterator

import numpy as np

from dreamvid.flow import FlowEstimator
from dreamvid.settings import CoherenceSettings
from dreamvid.coherence import Motion, estimate_motion
from dreamvid.workdir import WorkDir


def with_next(frames: Iterable[np.ndarray]) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """Each frame with the one after it (None after the last), reading one frame ahead."""
    iterator = iter(frames)
    current = next(iterator, None)
    while current is not None:
        upcoming = next(iterator, None)
        yield current, upcoming
        current = upcoming


class MotionAhead:
    """The motion of input frame pairs: the next pair estimated ahead in a worker thread.

    It owns the pipeline's one flow estimator. `motion` returns the pair started ahead, or
    estimates it in the calling thread when none was (the first frame after a resume, or when
    nothing runs ahead); the worker is idle then, so the estimator is never used twice at once.
    """

    def __init__(self, coherence: CoherenceSettings) -> None:
        self._coherence = coherence
        self._flow = FlowEstimator(coherence.flow_preset)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dreamvid-motion")
        self._pending: tuple[np.ndarray, Future] | None = None

    def start(self, previous: np.ndarray, current: np.ndarray) -> None:
        """Begin estimating the motion from `previous` to `current` (both input frames)."""
        if self._pending is not None:  # never asked for: finish it, so one estimate runs at a time
            self._pending[1].result()
        self._pending = (current, self._pool.submit(estimate_motion, self._flow, self._coherence, previous, current))

    def motion(self, previous: np.ndarray, current: np.ndarray) -> Motion:
        """The motion from `previous` into this very `current` frame object, waiting for it if needed."""
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] is current:
            return pending[1].result()
        if pending is not None:
            pending[1].result()
        return estimate_motion(self._flow, self._coherence, previous, current)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> MotionAhead:
        return self

    def __exit__(self, *exception: object) -> None:
        self.close()


class FrameSaver:
    """Saves finished frames and the state after them to a work directory, in order, in a worker thread.

    At most one save is in flight: a failed save (a full disk, say) surfaces at the next `save` or at
    `wait`, and leaving the `with` block finishes the save in flight, so an interrupted render keeps
    every frame it reported as done.
    """

    def __init__(self, work: WorkDir) -> None:
        self._work = work
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dreamvid-save")
        self._pending: Future | None = None

    def save(self, index: int, pixels: np.ndarray, state: dict) -> None:
        self.wait()
        self._pending = self._pool.submit(self._work.save_frame, index, pixels, state)

    def wait(self) -> None:
        """Finish the save in flight; raises its error, if it failed."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def __enter__(self) -> FrameSaver:
        return self

    def __exit__(self, *exception: object) -> None:
        self.close()
