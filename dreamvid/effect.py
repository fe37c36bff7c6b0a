"""The effect seam: what a still, a video frame or a zoom frame asks of an effect.

An effect treats one RGB float image (0..255) and returns a new one. `first` is the full treatment
of a still or of a clip's first frame (and the first after a scene cut); `refine` is the short
warm-start treatment of a later frame that already carries the previous frame's result (warped
along the flow, or moved by the zoom camera). `time` is the frame's time in seconds, for effects
whose settings change over time (zoom schedules). Both are pure functions of their inputs and the
seed. Coherence (coherence.py) and the zoom camera (zoom.py) call these two methods and nothing
else of the effect, so every effect gets stills, steady video and zooms alike.

An effect whose own work is worth continuing from frame to frame (style transfer's optimiser state)
is a `CarryingEffect`: `first_carrying` and `refine_carrying` also return per-pixel arrays of that
state, which coherence warps along the flow with the picture, zeroes where the flow fails, and hands
back in the next frame's `Guide.carried`. They stay pure functions of their inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping, Protocol, runtime_checkable

import numpy as np

from dreamvid.events import Progress

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class Guide:
    """What coherence knows of a later video frame: its own input (`content`) and where the carried
    image can be trusted (`reliable`, (h, w) in 0..1, the flow's forward-backward check). An effect
    may hold the result near the carried image there (Ruder et al.'s temporal loss); DeepDream needs
    neither. `carried`: a CarryingEffect's own state from the previous frame, warped onto this one and
    zero where the flow is not reliable (scaled by `reliable`)."""

    content: np.ndarray
    reliable: np.ndarray
    carried: Mapping[str, np.ndarray] = field(default_factory=dict)


@runtime_checkable
class Effect(Protocol):
    def first(self, image: np.ndarray, *, seed: int, time: float = 0.0, progress: Progress | None = None,
              steps: int | None = None) -> np.ndarray:
        """The full treatment of an image that carries nothing of a previous frame; `steps` (per
        scale) asks for a lighter one than the effect's own, e.g. for re-dreaming a region."""
        ...

    def refine(self, image: np.ndarray, *, seed: int, time: float = 0.0, progress: Progress | None = None,
               guide: Guide | None = None) -> np.ndarray:
        """The warm-start treatment of an image that already carries the previous result (`guide`:
        the frame's input and the flow's reliability, in a video; None in a zoom)."""
        ...


@runtime_checkable
class CarryingEffect(Effect, Protocol):
    """An effect with per-pixel state of its own to carry from frame to frame (arrays (h, w) or
    (h, w, c) of the image's size, zero meaning "nothing carried")."""

    def first_carrying(self, image: np.ndarray, *, seed: int, time: float = 0.0,
                       progress: Progress | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """`first`, also returning the state to carry."""
        ...

    def refine_carrying(self, image: np.ndarray, *, seed: int, time: float = 0.0, progress: Progress | None = None,
                        guide: Guide) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """`refine` with the carried state in `guide.carried`, also returning the state to carry on."""
        ...


