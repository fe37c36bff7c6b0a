"""The image pipeline: read a still, dream it, write it (and optionally every octave)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import numpy as np

from dreamvid.ascent import Dreamer
from dreamvid.errors import DreamvidError
from dreamvid.image_io import check_image_output, fit_max_side, read_image, write_image
from dreamvid.octaves import Progress, dream
from dreamvid.settings import DreamSettings


def octave_path(output: Path, octave: int) -> Path:
    return output.with_name(f"{output.stem}.octave{octave}{output.suffix}")


def dream_file(
    source: str | os.PathLike,
    output: str | os.PathLike,
    settings: DreamSettings,
    dreamer: Dreamer | Callable[[], Dreamer],
    *,
    progress: Progress | None = None,
    save_octaves: bool = False,
) -> np.ndarray:
    """Dream one image file into another; inputs and output are checked before the model loads."""
    picture = read_image(source)
    output = check_image_output(output)
    if output.exists() and output.samefile(source):
        raise DreamvidError(f"the output must not be the input: {output}")
    if callable(dreamer) and not isinstance(dreamer, Dreamer):
        dreamer = dreamer()
    rgb = fit_max_side(picture.rgb, settings.max_side)

    def keep_octave(index: int, image: np.ndarray) -> None:
        if save_octaves:
            write_image(octave_path(output, index), image, picture.alpha)

    result = dream(rgb, settings, dreamer, progress=progress, on_octave=keep_octave)
    write_image(output, result, picture.alpha)
    return result
