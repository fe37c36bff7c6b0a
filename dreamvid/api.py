"""One call for the common cases: dream an image, or a stream of frames, from plain options.

    import dreamvid
    dreamed = dreamvid.dream_image(pixels, steps=5)                 # uint8 array in, uint8 array out
    dreamvid.dream_image("photo.jpg", "dream.png", max_side=512)     # a path in, the file written
    for frame in dreamvid.dream_frames(frames, dream_scale=0.5):    # any iterable of RGB frames
        ...

Options are the fields of `DreamSettings` (model, layers, steps, seed, ...) and, for frames, of
`CoherenceSettings` (blend, steps_next, dream_scale, coherent, ...). Layers may be given as strings
("block4_conv3=1.0"). Each call loads the model; pass `effect=` (from an earlier call's
`make_effect`) to reuse one across calls.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import numpy as np

from dreamvid.errors import DreamvidError
from dreamvid.settings import CoherenceSettings, DreamSettings, LayerTerm, VideoSettings

if TYPE_CHECKING:
    from dreamvid.effect import Effect

_DREAM_FIELDS = {field.name for field in dataclasses.fields(DreamSettings)}
_COHERENCE_FIELDS = {field.name for field in dataclasses.fields(CoherenceSettings)}


def _split_options(options: dict, allowed: set[str]) -> tuple[dict, dict]:
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise DreamvidError(f"unknown option {', '.join(unknown)}; options: {', '.join(sorted(allowed))}")
    dream = {key: value for key, value in options.items() if key in _DREAM_FIELDS}
    if "layers" in dream:
        layers = [dream["layers"]] if isinstance(dream["layers"], (str, LayerTerm)) else dream["layers"]
        dream["layers"] = tuple(LayerTerm.parse(term) if isinstance(term, str) else term for term in layers)
    rest = {key: value for key, value in options.items() if key not in _DREAM_FIELDS}
    return dream, rest


def video_settings(**options: Any) -> VideoSettings:
    """VideoSettings from plain options (DreamSettings and CoherenceSettings fields)."""
    dream, coherence = _split_options(options, _DREAM_FIELDS | _COHERENCE_FIELDS)
    return VideoSettings(dream=DreamSettings(**dream), coherence=CoherenceSettings(**coherence))


def make_effect(**options: Any) -> Effect:
    """The DeepDream effect for these options, model loaded and step traced (reusable across calls)."""
    from dreamvid.factory import effect_for_video

    return effect_for_video(video_settings(**options))


def dream_image(image: np.ndarray | str | os.PathLike, output: str | os.PathLike | None = None, *,
                effect: Effect | None = None, **options: Any) -> np.ndarray | Path:
    """Dream one image; returns the input's kind.

    An array (H, W, 3) RGB in gives an array of the same dtype out (uint8 0..255, or float 0..255).
    A path in gives a uint8 array, or with `output` the written file's path (read and written
    like `dreamvid image`, alpha kept). `max_side` shrinks the input first.
    """
    from dreamvid.io.images import fit_max_side, read_image, to_uint8
    from dreamvid.render.still import dream_file

    settings = video_settings(**options)
    dream = settings.dream
    build = effect if effect is not None else (lambda: make_effect(**options))
    if isinstance(image, (str, os.PathLike)):
        if output is not None:
            dream_file(image, output, build, seed=dream.seed, max_side=dream.max_side, inputs=settings.input_paths())
            return Path(output)
        image = to_uint8(read_image(image).rgb)
    pixels = np.asarray(image)
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise DreamvidError(f"expected an (H, W, 3) RGB image, got shape {pixels.shape}")
    effect = build() if effect is None else effect
    result = effect.first(fit_max_side(pixels.astype(np.float32), dream.max_side), seed=dream.seed)
    if output is not None:
        from dreamvid.io.images import write_image

        write_image(output, result)
    return to_uint8(result) if pixels.dtype == np.uint8 else result.astype(pixels.dtype)


def dream_frames(frames: Iterable[np.ndarray], *, effect: Effect | None = None,
                 **options: Any) -> Iterator[np.ndarray]:
    """Dream a stream of RGB frames coherently (as `dreamvid video` does), yielding uint8 frames.

    Frames are read one at a time, so any iterable works, a generator of a live source included.
    """
    from dreamvid.video.coherence import Coherence
    from dreamvid.video.frames import video_frames

    settings = video_settings(**options)
    effect = effect if effect is not None else make_effect(**options)
    coherence = Coherence(effect, settings.coherence)
    for frame in video_frames(frames, coherence, seed=settings.dream.seed):
        yield frame.pixels
