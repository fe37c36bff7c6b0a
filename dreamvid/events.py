"""Progress events: what the library reports while it works. It never prints; the CLI draws them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class ProgressEvent:
    """One ascent step done."""

    octave: int
    octaves: int
    step: int
    steps: int
    loss: float


Progress = Callable[[ProgressEvent], None]


@dataclass(frozen=True)
class RenderEvent:
    """A render moved on: a frame finished (`seconds` set), or a step inside frame `frames_done + 1`.

    `total` is the number of frames the render will make, when known. During a long first frame the
    step events (`step` set) show that work goes on before any frame is done.
    """

    frames_done: int
    total: int | None
    seconds: float | None = None
    step: ProgressEvent | None = None

    @property
    def frame_finished(self) -> bool:
        return self.step is None


RenderProgress = Callable[[RenderEvent], None]
