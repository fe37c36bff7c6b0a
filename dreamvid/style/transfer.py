"""Neural style transfer as an effect: Gatys et al.'s optimisation for a first frame, Ruder et al.'s
warm start with a temporal loss for later ones.

`first` styles a picture coarse to fine (style.py). `refine` starts from the image coherence made
(the previous styled frame carried along the flow where the flow is trusted, the frame's own input
with the previous styled detail in place elsewhere) and runs a few steps whose loss holds the
trusted pixels near it, so a clip stays steady (Ruder, Dosovitskiy and Brox 2016); the pixels the
flow does not carry take the still's learning rate, as they are styled afresh. In a zoom the moved frame is both the content and the start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dreamvid.effect import Guide
from dreamvid.events import Progress
from dreamvid.settings import StyleSettings
from dreamvid.style.optimiser import AdamState, Stylist, TemporalTarget, build_stylist, stylise, stylise_from
from dreamvid.zoom.schedule import Schedule


@dataclass(frozen=True)
class StyleTransfer:
    settings: StyleSettings
    stylist: Stylist
    schedule: Schedule | None = None  # a video schedule (bound to the clip's fps): style weight, steps per frame

    def style_weight(self, time: float) -> float:
        """The style loss's weight at `time`: the settings' own, or the schedule's there."""
        if self.schedule is None:
            return self.settings.style_weight
        return self.schedule.value("style_weight", time, self.settings.style_weight)

    def steps_next(self, time: float) -> int:
        """Steps of a later frame at `time`: the settings' own, or the schedule's there."""
        if self.schedule is None:
            return self.settings.steps_next
        return round(self.schedule.value("steps", time, float(self.settings.steps_next)))

    @classmethod
    def create(cls, settings: StyleSettings, dream_layers: tuple[str, ...] = ()) -> "StyleTransfer":
        """Read the style images, load the model and compile the step (TensorFlow starts here)."""
        from dreamvid.runtime import start_tensorflow

        start_tensorflow()
        return cls(settings, build_stylist(settings, dream_layers))

    def first(self, image: np.ndarray, *, seed: int, time: float = 0.0, progress: Progress | None = None,
              steps: int | None = None) -> np.ndarray:
        """Coarse-to-fine style transfer (deterministic: the seed is not needed)."""
        return stylise(image, self.settings, self.stylist, steps=steps, progress=progress,
                       style_weight=self.style_weight(time))

    def refine(self, image: np.ndarray, *, seed: int, time: float = 0.0, progress: Progress | None = None,
               guide: Guide | None = None) -> np.ndarray:
        if guide is None:
            return stylise(image, self.settings, self.stylist, start=image, progress=progress,
                           steps=self.steps_next(time), style_weight=self.style_weight(time))
        return self.refine_carrying(image, seed=seed, time=time, progress=progress, guide=guide)[0]

    def first_carrying(self, image: np.ndarray, *, seed: int, time: float = 0.0,
                       progress: Progress | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """`first`, with Adam's state after the last scale (when the settings carry it)."""
        picture, adam = stylise_from(image, self.settings, self.stylist, progress=progress,
                                     style_weight=self.style_weight(time))
        return picture, self._carry(adam)

    def refine_carrying(self, image: np.ndarray, *, seed: int, time: float = 0.0, progress: Progress | None = None,
                        guide: Guide) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Ruder et al.'s warm start from the carried image, continuing the previous frame's Adam
        state where the flow carried it (when the settings say so).

        The start is the carried image everywhere, also where the flow fails: coherence puts the
        previous frame's styled detail there, moved with the camera, where the input there still shows
        what it showed (CoherenceSettings.occlusion_fill, camera_fill, fill_tolerance), which
        is right where the flow failed on a still, flat background (measured on cup.mp4: starting
        those pixels from the plain frame instead raised the median style loss by 16%, as unstyled
        patches of wall stayed for many frames) and is restyled where it is not, those pixels
        taking the still's learning rate."""
        temporal = TemporalTarget(np.asarray(image, np.float32), guide.reliable)
        start = temporal.warped
        adam = AdamState.from_arrays(guide.carried) if self.settings.carry_adam else None
        picture, adam = stylise_from(guide.content, self.settings, self.stylist, start=start, adam=adam,
                                     temporal=temporal, progress=progress, steps=self.steps_next(time),
                                     style_weight=self.style_weight(time))
        return picture, self._carry(adam)

    def _carry(self, adam: AdamState) -> dict[str, np.ndarray]:
        return adam.to_arrays() if self.settings.carry_adam else {}
