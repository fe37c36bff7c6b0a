"""Saving finished frames (PNG and resume state) in a worker thread beside the dream step.

OpenCV's PNG encoding, numpy's savez and file writes release the GIL, so one worker thread fills the
gaps the ascent step leaves instead of adding to every frame's time.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from dreamvid.render.workdir import WorkDir


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

    def save(self, index: int, pixels: np.ndarray, state: dict | None, frames_done: int | None = None) -> None:
        """Save frame `index` and the state after it (None: a frame kept by index; see WorkDir.save_frame)."""
        self.wait()
        counted = {} if frames_done is None else {"frames_done": frames_done}
        self._pending = self._pool.submit(self._work.save_frame, index, pixels, state, **counted)

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
