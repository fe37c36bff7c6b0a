"""The image pipeline: read a still, treat it with an effect, write it (and optionally every octave)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import numpy as np

from dreamvid.effect import Effect
from dreamvid.errors import DreamvidError
from dreamvid.events import Progress
from dreamvid.image_io import check_image_output, fit_max_side, read_image, write_image


def octave_path(output: Path, octave: int) -> Path:
    return output.with_name(f"{output.stem}.octave{octave}{output.suffix}")


def dream_file(
    source: str | os.PathLike,
    output: str | os.PathLike,
    effect: Effect | Callable[[], Effect],
    *,
    seed: int = 0,
    max_side: int | None = None,
    progress: Progress | None = None,
    save_octaves: bool = False,
) -> np.ndarray:
    """Treat one image file into another; inputs and output are checked before the model loads.

    `effect` is the effect itself or a function that builds it (called once the paths are checked).
    `save_octaves` writes each octave's result beside the output (effects with octaves only).
    """
    picture = read_image(source)
    output = check_image_output(output)
    if output.exists() and output.samefile(source):
        raise DreamvidError(f"the output must not be the input: {output}")
    if not isinstance(effect, Effect):
        effect = effect()
    rgb = fit_max_side(picture.rgb, max_side)
    if save_octaves:
        def keep_octave(index: int, image: np.ndarray) -> None:
            write_image(octave_path(output, index), image, picture.alpha)

        result = effect.first(rgb, seed=seed, progress=progress, on_octave=keep_octave)
    else:
        result = effect.first(rgb, seed=seed, progress=progress)
    write_image(output, result, picture.alpha)
    return result
