"""The image pipeline: read a still, treat it with an effect, write it (and optionally every octave)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import numpy as np

from dreamvid.dream.memory import check_dream_memory
from dreamvid.effect import Effect
from dreamvid.errors import DreamvidError
from dreamvid.events import Progress
from dreamvid.io.images import Picture, check_image_output, read_image, write_image
from dreamvid.io.paths import (
    OutputLock,
    check_not_an_input,
    check_overwrite,
    check_side_output,
    remove_left_behind,
    same_file,
)


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
    inputs: tuple[str | os.PathLike, ...] = (),
) -> Picture:
    """Treat one image file into another; returns the input as read (size before and after `max_side`).

    Inputs and outputs are checked before the model loads: `effect` is the effect itself or a function
    that builds it. `save_octaves` (the number of octaves) writes each octave's result beside the output
    as NAME.octaveN.EXT (effects with octaves only). The colour profile is kept; `tags` become PNG text.
    No output may replace the input or any of the other `inputs` (style images, weights), `overwrite` or
    not. The output is claimed (its lock taken, then checked) before anything is read, and held until
    it is written, so two runs writing one file cannot both succeed.
    """
    output = check_image_output(output)
    with OutputLock(output):
        remove_left_behind(output)  # what a killed run of this output recorded in the lock file
        if same_file(output, source):
            raise DreamvidError(f"the output must not be the input: {output}")
        check_not_an_input(output, (source, *inputs))
        check_overwrite(output, overwrite)
        protected = [source, output, *inputs]
        # Checked before any work: the first PRECHECKED_OCTAVES (the dream skips octaves under 32 px, so
        # `--octaves 3000` dreams far fewer); any later one is checked as it comes.
        octave_paths = [octave_path(output, index) for index in range(1, min(save_octaves, PRECHECKED_OCTAVES) + 1)]
        for path in octave_paths:
            check_side_output(path, protected=protected, overwrite=overwrite)

        def octave_file(index: int) -> Path:
            if index <= len(octave_paths):
                return octave_paths[index - 1]
            return check_side_output(octave_path(output, index), protected=protected, overwrite=overwrite)

        return _dream_file(source, output, effect, seed, max_side, progress, save_octaves, octave_file, tags)


PRECHECKED_OCTAVES = 100


def _dream_file(source: str | os.PathLike, output: Path, effect: Effect | Callable[[], Effect], seed: int,
                max_side: int | None, progress: Progress | None, save_octaves: int,
                octave_file: Callable[[int], Path], tags: dict[str, str] | None) -> Picture:
    picture = read_image(source, max_side, check_size=check_dream_memory)  # before the model loads
    if not isinstance(effect, Effect):
        effect = effect()
    if save_octaves:
        def keep_octave(index: int, image: np.ndarray) -> None:
            write_image(octave_file(index), image, picture.alpha, icc_profile=picture.icc_profile, text=tags)

        result = effect.first(picture.rgb, seed=seed, progress=progress, on_octave=keep_octave)
    else:
        result = effect.first(picture.rgb, seed=seed, progress=progress)
    write_image(output, result, picture.alpha, icc_profile=picture.icc_profile, text=tags)
    return picture
