"""The effect seam: what a still, a video frame or a zoom frame asks of an effect.

An effect treats one RGB float image (0..255) and returns a new one. `first` is the full treatment
of a still or of a clip's first frame (and the first after a scene cut); `refine` is the short
warm-start treatment of a later frame that already carries the previous frame's result (warped
along the flow, or moved by the zoom camera). `time` is the frame's time in seconds, for effects
whose settings change over time (zoom schedules). Both are pure functions of their inputs and the
seed. Coherence (coherence.py) and the zoom camera (zoom.py) call these two methods and nothing
else of the effect, so every effect gets stills, steady video and zooms alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from dreamvid.events import Progress
from dreamvid.settings import DreamSettings, StyleSettings, VideoSettings, ZoomSettings

if TYPE_CHECKING:
    from dreamvid.schedule import Schedule


@dataclass(frozen=True)
class Guide:
    """What coherence knows of a later video frame: its own input (`content`) and where the carried
    image can be trusted (`reliable`, (h, w) in 0..1, the flow's forward-backward check). An effect
    may hold the result near the carried image there (Ruder et al.'s temporal loss); DeepDream needs
    neither."""

    content: np.ndarray
    reliable: np.ndarray


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


def effect_for_still(dream: DreamSettings, style: StyleSettings | None) -> Effect:
    """The effect the settings ask for: style transfer (plus the dream of any of `dream`'s layers) when
    there is a style, else the dream. Built here, so TensorFlow starts and the model loads here."""
    if style is not None:
        from dreamvid.styletransfer import StyleTransfer

        return StyleTransfer.create(style, tuple(term.layer for term in dream.layers))
    from dreamvid.deepdream import DeepDream

    return DeepDream.create(dream)


def effect_for_video(settings: VideoSettings) -> Effect:
    """The effect of a video render (a module-level function, so Ray can send it to workers)."""
    if settings.style is not None:
        return effect_for_still(settings.dream, settings.style)
    from dreamvid.deepdream import DeepDream

    return DeepDream.for_video(settings)


def effect_for_zoom(dream: DreamSettings, style: StyleSettings | None, zoom: ZoomSettings,
                    schedule: Schedule | None = None) -> Effect:
    """The effect of a zoom render (its schedule moves the dream's layer weights and step size)."""
    if style is not None:
        return effect_for_still(dream, style)
    from dreamvid.deepdream import DeepDream

    return DeepDream.for_zoom(dream, zoom, schedule)
