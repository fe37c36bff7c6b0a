"""The video pipeline: each input frame treated by an effect from the previous frame's state.

`video_frames` is a generator of made frames (with the state resume needs), so the CLI, tests and
benchmarks drive the same code; `dreamvid.render.video.render_video` hands it to the renderer. Frames stream through
(memory does not grow with the clip) and the model is built and the step traced once per run.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

import numpy as np

from dreamvid.errors import DreamvidError
from dreamvid.events import Progress
from dreamvid.io.images import to_uint8
from dreamvid.settings import CoherenceSettings
from dreamvid.stream import RenderedFrame
from dreamvid.video.coherence import Coherence
from dreamvid.video.motion_ahead import MotionAhead, with_next

if TYPE_CHECKING:
    pass


def video_frames(frames: Iterable[np.ndarray], coherence: Coherence, *, seed: int, first: int = 0,
                 stop: int | None = None, progress: Progress | None = None,
                 overlap: bool = True,
                 observe: Callable[[np.ndarray, np.ndarray], None] | None = None,
                 fps: float | None = None, number_from: int = 0) -> Iterator[RenderedFrame]:
    """Treat input frames [first, stop) in order; frames before `first` are read and passed over.

    With `fps`, frame `index` is treated at the time (number_from + index) / fps seconds into the clip
    (its schedule's values there); `number_from` is the clip frame the first one given is (a segment's).

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
            time = (number_from + index) / fps if fps else 0.0
            result = to_uint8(coherence.next_frame(frame, ahead.motion, seed=seed, time=time, progress=progress))
            if observe is not None:
                observe(frame, result)
            yield RenderedFrame(index, result, coherence.state.to_arrays())
    if index + 1 < first:
        raise DreamvidError(
            f"the input now has {index + 1} frames but {first} were already dreamed; "
            f"delete the work folder to start over"
        )


