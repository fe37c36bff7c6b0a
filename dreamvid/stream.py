"""What a pipeline hands the renderer: made frames, in order, from a given index on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from dreamvid.events import Progress


@dataclass(frozen=True)
class RenderedFrame:
    """One made frame: its index in the stream, its pixels, and the state the next frame needs."""

    index: int
    pixels: np.ndarray  # (h, w, 3) uint8 RGB
    state: dict[str, np.ndarray]


# (index of the first frame to make, the state saved after the frame before it or None, step
# progress) -> the made frames from that index on, in order.
FrameStream = Callable[[int, "dict | None", Progress], Iterator[RenderedFrame]]
