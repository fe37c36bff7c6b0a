"""Which effect the settings ask for: the dream or style transfer, built for a still, a video or a zoom.

The factories sit above the effects (the seam in effect.py never imports its implementations).
Building an effect starts TensorFlow and loads the model.
"""

from __future__ import annotations

import dataclasses

from dreamvid.dream.deepdream import DeepDream
from dreamvid.effect import Effect
from dreamvid.settings import DreamSettings, StyleSettings, VideoSettings, ZoomSettings
from dreamvid.style.transfer import StyleTransfer
from dreamvid.zoom.schedule import Schedule


def effect_for_still(dream: DreamSettings, style: StyleSettings | None) -> Effect:
    """The effect the settings ask for: style transfer (plus the dream of any of `dream`'s layers) when
    there is a style, else the dream. Built here, so TensorFlow starts and the model loads here."""
    if style is not None:
        return StyleTransfer.create(style, tuple(term.layer for term in dream.layers))
    return DeepDream.create(dream)


def effect_for_video(settings: VideoSettings, schedule: Schedule | None = None) -> Effect:
    """The effect of a video render (a module-level function, so Ray can send it to workers); a
    schedule (bound to the clip's fps) moves the dream's weights, step size and steps, or the style's weight."""
    if settings.style is not None:
        effect = effect_for_still(settings.dream, settings.style)
        return dataclasses.replace(effect, schedule=schedule) if schedule is not None else effect
    return DeepDream.for_video(settings, schedule=schedule)


def effect_for_zoom(dream: DreamSettings, style: StyleSettings | None, zoom: ZoomSettings,
                    schedule: Schedule | None = None) -> Effect:
    """The effect of a zoom render (its schedule moves the dream's layer weights and step size)."""
    if style is not None:
        return effect_for_still(dream, style)
    return DeepDream.for_zoom(dream, zoom, schedule)
