"""The image pipeline: read a still, treat it with an effect, write it (and optionally every octave)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import numpy as np

from dreamvid.effect import Effect
from dreamvid.errors import DreamvidError
from dreamvid.events import Progress
from dreamvid.io.images import Picture, check_image_output, read_image, write_image
from dreamvid.io.paths import check_overwrite, check_side_output, same_file


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
    save_octaves: int = 0,
    tags: dict[str, str] | None = None,
    overwrite: bool = True,
) -> Picture:
    """Treat one image file into another; returns the input as read (size before and after `max_side`).

    Inputs and outputs are checked before the model loads: `effect` is the effect itself or a function
    that builds it. `save_octaves` (the number of octaves) writes each octave's result beside the output
    as NAME.octaveN.EXT (effects with octaves only). The colour profile is kept; `tags` become PNG text.
    """
    output = check_image_output(output)
    if same_file(output, source):
        raise DreamvidError(f"the output must not be the input: {output}")
    check_overwrite(output, overwrite)
    octave_paths = [octave_path(output, index) for index in range(1, save_octaves + 1)]
    for path in octave_paths:
        check_side_output(path, protected=[source, output], overwrite=overwrite)
    picture = read_image(source, max_side)
    if not isinstance(effect, Effect):
        effect = effect()
    if save_octaves:
        def keep_octave(index: int, image: np.ndarray) -> None:
            write_image(octave_paths[index - 1], image, picture.alpha, icc_profile=picture.icc_profile, text=tags)

        result = effect.first(picture.rgb, seed=seed, progress=progress, on_octave=keep_octave)
    else:
        result = effect.first(picture.rgb, seed=seed, progress=progress)
    write_image(output, result, picture.alpha, icc_profile=picture.icc_profile, text=tags)
    return picture
