"""`dreamvid zoom`: an infinite zoom into a still, each frame falling into the dream of the one before."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from dreamvid.cli.options import (
    CAMERA,
    FILES,
    Crf,
    Overwrite,
    Preset,
    Quiet,
    Report,
    Resume,
    Verbose,
    VideoOutput,
    dream_command,
)
from dreamvid.settings import ZOOM_MAX_SIDE, DreamSettings, EncodeSettings, StyleSettings, ZoomSettings

_ZOOM = ZoomSettings()


@dream_command(max_side=ZOOM_MAX_SIDE, resumable=True)
def zoom(
    source: Annotated[Path, typer.Argument(help="Input image.", show_default=False)],
    output: VideoOutput,
    dream: DreamSettings,
    style: Optional[StyleSettings],
    frames: Annotated[Optional[int], typer.Option(help="Number of frames (default: 4 s worth).", rich_help_panel=FILES)] = None,
    seconds: Annotated[Optional[float], typer.Option(help="Length in seconds (instead of --frames).", rich_help_panel=FILES)] = None,
    fps: Annotated[float, typer.Option(help="Frames per second.", rich_help_panel=FILES)] = _ZOOM.fps,
    audio: Annotated[Optional[Path], typer.Option("--audio", help="A sound file: the output's soundtrack, the schedule's audio variables (loud, beat, bass, ...) and, without --seconds or --frames, the length.", rich_help_panel=FILES)] = None,
    report: Report = None,
    crf: Crf = None,
    preset: Preset = None,
    zoom_rate: Annotated[str, typer.Option("--zoom", help="Zoom per second (1.25 or 1.25/s) or per frame (1.02/frame); below 1 zooms out.", rich_help_panel=CAMERA)] = str(_ZOOM.zoom),
    rotate: Annotated[float, typer.Option(help="Rotation, degrees per second (counter-clockwise).", rich_help_panel=CAMERA)] = _ZOOM.rotate,
    pan: Annotated[str, typer.Option(help="Camera pan X,Y per second, in fractions of the frame.", rich_help_panel=CAMERA)] = "0,0",
    center: Annotated[str, typer.Option(help="Point to zoom into, X,Y in fractions of the frame.", rich_help_panel=CAMERA)] = "0.5,0.5",
    schedule: Annotated[Optional[Path], typer.Option(help="Keyframes (TOML or JSON) varying zoom, rotate, pan, step_size, steps and layers over time; values may be formulas in t (seconds), f (frame) and the audio variables of --audio, with linear, smooth or step easing.", rich_help_panel=CAMERA)] = None,
    layer_cycle: Annotated[Optional[str], typer.Option(help="Hand the dream from layer to layer over time, e.g. block3_conv3,block4_conv3,block5_conv1.", rich_help_panel=CAMERA)] = None,
    cycle_seconds: Annotated[float, typer.Option(help="Seconds each layer of --layer-cycle leads.", rich_help_panel=CAMERA)] = 6.0,
    loop: Annotated[bool, typer.Option("--loop", help="Make the last frame flow into the first, for endless playback.", rich_help_panel=CAMERA)] = False,
    loop_frames: Annotated[Optional[int], typer.Option(help="Length of the loop's cross-fade (default: a quarter of the frames).", rich_help_panel=CAMERA)] = None,
    steps_next: Annotated[int, typer.Option(help="Ascent steps per frame after the first.", rich_help_panel=CAMERA)] = _ZOOM.steps_next,
    overwrite: Overwrite = False,
    resume: Resume = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
) -> None:
    """Dream an infinite zoom: each frame falls into the dream of the one before."""
    from dreamvid.api import render_zoom, zoom_settings
    from dreamvid.cli.progress import FrameProgress

    settings = zoom_settings(dream=dream, style=style, frames=frames, seconds=seconds, fps=fps, zoom=zoom_rate,
                             rotate=rotate, pan=pan, center=center, steps_next=steps_next, loop=loop,
                             loop_frames=loop_frames, schedule=schedule, layer_cycle=layer_cycle,
                             cycle_seconds=cycle_seconds, soundtrack=audio)
    label = "frames dreamed" if settings.zoom.loop else "frames"  # a loop also dreams its lead-in frames
    with FrameProgress(None, quiet, label=label, verbose=verbose) as progress:
        summary = render_zoom(source, output, settings, resume=resume, overwrite=overwrite,
                              encode=EncodeSettings(crf, preset), report=report, on_progress=progress)
    if not quiet:
        lead_in = f"; {settings.zoom.lead} more dreamed to settle and lead into the loop" if settings.zoom.loop else ""
        typer.echo(f"wrote {summary.output} ({summary.frames} frames{lead_in})", err=True)
