"""Work that runs beside the dream step: the next frame's motion, and saving finished frames.

The ascent step keeps both cores busy but not every moment of the time; optical flow (OpenCV) and PNG
and state saving (OpenCV, numpy, file writes) release the GIL, so one worker thread for each fills the
gaps instead of adding to every frame's time. Decoding and encoding already run in ffmpeg processes.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Iterable, Iterator

import numpy as np

from dreamvid.settings import CoherenceSettings
from dreamvid.video.coherence import Motion, estimate_motion
from dreamvid.video.flow import FlowEstimator


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


