"""`dreamvid audio`: a soundtrack's audio variables drawn over time (and written as JSON), to write formulas by."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from dreamvid.cli.boundary import error_boundary
from dreamvid.cli.options import FILES, Overwrite, Quiet


def audio(
    source: Annotated[Path, typer.Argument(help="A sound file, or a video with sound.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="The plot: a PNG of every audio variable over time, beats marked.", show_default=False, rich_help_panel=FILES)],
    json_output: Annotated[Optional[Path], typer.Option("--json", help="Also write every frame's values, the beats and the tempo as JSON here.", rich_help_panel=FILES)] = None,
    fps: Annotated[float, typer.Option(help="Frames per second of the render the values are for.")] = 25.0,
    schedule: Annotated[Optional[Path], typer.Option(help="A schedule file whose [audio] table (attack, release, beat_decay, bass_hz, treble_hz) to use.")] = None,
    width: Annotated[int, typer.Option(help="Width of the plot in pixels.")] = 1200,
    overwrite: Overwrite = False,
    quiet: Quiet = False,
) -> None:
    """Show the audio variables a schedule's formulas get (loud, onset, bass, mid, treble, beat, ...)."""
    with error_boundary():
        from dreamvid.audio.plot import claim_plot, write_features
        from dreamvid.audio.table import track_table
        from dreamvid.errors import DreamvidError
        from dreamvid.settings import AudioSettings, ZoomSettings
        from dreamvid.zoom.schedule import load_schedule

        if not 0 < fps <= ZoomSettings.MAX_FPS:  # nan too; a million fps is a table of a million rows a second
            raise DreamvidError(f"fps must be a positive number of at most {ZoomSettings.MAX_FPS:g}, got {fps:g}")
        if not 200 <= width <= 10000:
            raise DreamvidError(f"the plot's width must be between 200 and 10000 pixels, got {width}")
        settings = load_schedule(schedule).settings_of_audio if schedule is not None else AudioSettings()
        with claim_plot(output, json_output, width=width, overwrite=overwrite, protected=(source, *((schedule,) if schedule is not None else ()))):
            table = track_table(str(source), fps, settings)
            write_features(table, output, json_output, width=width, claimed=True)
        if not quiet:
            beats = int(((table.beat_frames >= 0) & (table.beat_frames < table.frames)).sum())
            typer.echo(f"wrote {output}" + (f" and {json_output}" if json_output else "")
                       + f" ({table.frames} frames, {table.bpm:.1f} BPM, {beats} beats)", err=True)
