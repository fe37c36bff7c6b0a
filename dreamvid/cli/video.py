"""`dreamvid video`: dream (or restyle) a clip without flicker, in this process or on Ray workers."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from dreamvid.cli.options import (
    COHERENCE,
    FILES,
    SCALE,
    Crf,
    Overwrite,
    Preset,
    Quiet,
    Report,
    Resume,
    Verbose,
    VideoOutput,
    choices,
    dream_command,
)
from dreamvid.settings import (
    FLOW_PRESETS,
    VIDEO_MAX_SIDE,
    CoherenceSettings,
    DreamSettings,
    EncodeSettings,
    StyleSettings,
)

_COHERENCE = CoherenceSettings()


@dream_command(max_side=VIDEO_MAX_SIDE, resumable=True)
def video(
    source: Annotated[str, typer.Argument(help="Input video, folder of numbered images, or glob.", show_default=False)],
    output: VideoOutput,
    dream: DreamSettings,
    style: Optional[StyleSettings],
    start: Annotated[float, typer.Option(help="Start at this many seconds.", rich_help_panel=FILES)] = 0.0,
    end: Annotated[Optional[float], typer.Option(help="Stop at this many seconds.", rich_help_panel=FILES)] = None,
    frames: Annotated[Optional[int], typer.Option(help="Dream at most this many frames from the start.", rich_help_panel=FILES)] = None,
    no_audio: Annotated[bool, typer.Option("--no-audio", help="Drop the input's audio.", rich_help_panel=FILES)] = False,
    audio: Annotated[Optional[str], typer.Option("--audio", help="A sound file for the output instead of the clip's own (from its start); the schedule's audio variables follow it.", rich_help_panel=FILES)] = None,
    schedule: Annotated[Optional[str], typer.Option(help="Keyframes (TOML or JSON) varying step_size, layers, steps, blend (style_weight with --style) over the clip; values may be formulas in t, f and the audio variables (loud, beat, bass, ...).", rich_help_panel=COHERENCE)] = None,
    report: Report = None,
    crf: Crf = None,
    preset: Preset = None,
    blend: Annotated[float, typer.Option(help="Share of the previous frame's warped dream carried into the next (0..1).", rich_help_panel=COHERENCE)] = _COHERENCE.blend,
    steps_next: Annotated[int, typer.Option(help="Ascent steps per octave for frames after the first.", rich_help_panel=COHERENCE)] = _COHERENCE.steps_next,
    octaves_next: Annotated[int, typer.Option(help="Finest octaves dreamed for frames after the first.", rich_help_panel=COHERENCE)] = _COHERENCE.octaves_next,
    flow_preset: Annotated[str, typer.Option(help="Optical-flow quality.", rich_help_panel=COHERENCE, **choices(FLOW_PRESETS))] = _COHERENCE.flow_preset,
    dream_scale: Annotated[float, typer.Option(help="Dream at this fraction of the frame size and upsample the change (faster).", rich_help_panel=COHERENCE)] = _COHERENCE.dream_scale,
    independent: Annotated[bool, typer.Option("--independent", help="Dream every frame on its own (flickers; for comparison).", rich_help_panel=COHERENCE)] = False,
    no_redream: Annotated[bool, typer.Option("--no-redream", help="Do not re-dream regions the carried dream leaves short (faster; moving subjects stay plainer; style transfer never does).", rich_help_panel=COHERENCE)] = False,
    overwrite: Overwrite = False,
    resume: Resume = False,
    quiet: Quiet = False,
    verbose: Verbose = False,
    workers: Annotated[Optional[int], typer.Option(help="Dream segments of the clip on this many Ray workers on this machine.", rich_help_panel=SCALE)] = None,
    ray_address: Annotated[Optional[str], typer.Option("--ray", help="Join a running Ray cluster: HOST:PORT or auto.", rich_help_panel=SCALE)] = None,
    segment_frames: Annotated[Optional[int], typer.Option(help="Frames per segment (default: from the clip length and workers).", rich_help_panel=SCALE)] = None,
) -> None:
    """Dream a video clip, frame by frame, without flicker."""
    from dreamvid.api import render_video, video_settings
    from dreamvid.cli.progress import FrameProgress

    if audio is not None and no_audio:
        from dreamvid.errors import DreamvidError

        raise DreamvidError("give --audio FILE or --no-audio, not both")
    settings = video_settings(dream=dream, style=style, blend=blend, steps_next=steps_next, octaves_next=octaves_next,
                              flow_preset=flow_preset, dream_scale=dream_scale, independent=independent,
                              redream=not no_redream, start=start, end=end, frames=frames, audio=not no_audio,
                              soundtrack=audio, schedule=schedule)
    scale_out = None
    if workers is not None or ray_address is not None or segment_frames is not None:
        from dreamvid.render.ray import RaySettings

        scale_out = RaySettings(workers=workers, address=ray_address, segment_frames=segment_frames)
    with FrameProgress(None, quiet, verbose=verbose) as progress:
        summary = render_video(source, output, settings, resume=resume, overwrite=overwrite,
                               encode=EncodeSettings(crf, preset), report=report, on_progress=progress, ray=scale_out)
    for warning in summary.warnings:
        typer.echo(f"dreamvid: warning: {warning}", err=True)
    if not quiet:
        typer.echo(f"wrote {summary.output} ({summary.frames} frames)", err=True)
