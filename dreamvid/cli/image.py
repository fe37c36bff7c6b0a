"""`dreamvid image`: dream (or restyle) one still."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Optional

import typer

from dreamvid.cli.options import FILES, Overwrite, Quiet, Report, Verbose, dream_command
from dreamvid.errors import DreamvidError
from dreamvid.factory import effect_for_still
from dreamvid.settings import IMAGE_MAX_SIDE, DreamSettings, StyleSettings


@dream_command(max_side=IMAGE_MAX_SIDE, resumable=False)
def image(
    source: Annotated[Path, typer.Argument(help="Input image.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output image (.png, .jpg, .webp).", show_default=False, rich_help_panel=FILES)],
    dream: DreamSettings,
    style: Optional[StyleSettings],
    save_octaves: Annotated[bool, typer.Option("--save-octaves", help="Also write each octave's result (NAME.octaveN.EXT).", rich_help_panel=FILES)] = False,
    report: Report = None,
    overwrite: Overwrite = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Dream one image."""
    import time

    from dreamvid.cli.progress import StepProgress
    from dreamvid.io.paths import check_side_output
    from dreamvid.io.provenance import settings_tags
    from dreamvid.render.report import RenderSummary, write_report
    from dreamvid.render.still import PRECHECKED_OCTAVES, dream_file, octave_path

    inputs = dream.input_paths() + (style.input_paths() if style is not None else ())
    if report is not None:
        octaves = [octave_path(Path(output), index) for index in range(1, min(dream.octaves, PRECHECKED_OCTAVES) + 1)
                   ] if save_octaves else []
        check_side_output(report, protected=[source, output, *inputs, *octaves], overwrite=overwrite)
    if style is not None and save_octaves:
        raise DreamvidError("--save-octaves keeps the dream's octaves; style transfer has none")
    started = time.perf_counter()
    total = style.scales * style.steps if style is not None else dream.octaves * dream.steps
    with StepProgress(total, quiet, verbose) as progress:
        picture = dream_file(source, output, functools.partial(effect_for_still, dream, style), seed=dream.seed,
                             max_side=dream.max_side, progress=progress,
                             save_octaves=dream.octaves if save_octaves else 0,
                             tags=settings_tags("image", {"dream": dream, "style": style}), overwrite=overwrite,
                             inputs=inputs)
    if report is not None:
        width, height = picture.size
        summary = RenderSummary(str(output), 1, "", width, height, [time.perf_counter() - started])
        write_report(report, summary, {"dream": dream, "style": style}, dream.model)
    if not quiet:
        if picture.shrunk:
            (width, height), (new_width, new_height) = picture.original_size, picture.size
            typer.echo(f"dreamvid: shrank {width}x{height} to {new_width}x{new_height} (--max-side {dream.max_side}; "
                       "0 keeps the size)", err=True)
        typer.echo(f"wrote {output}", err=True)
