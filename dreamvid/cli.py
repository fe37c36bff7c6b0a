"""The command line: thin wrappers that build settings, call a pipeline and report errors in one line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from dreamvid import __version__
from dreamvid.errors import DreamvidError
from dreamvid.models import MODELS
from dreamvid.settings import CoherenceSettings, DreamSettings, LayerTerm, ZoomSettings

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Dream images, video clips and infinite zooms with DeepDream.",
)

MODEL_NAMES = ", ".join(MODELS)
_DEFAULTS = DreamSettings()
_COHERENCE = CoherenceSettings()
_ZOOM = ZoomSettings()

Model = Annotated[str, typer.Option("--model", "-m", help=f"Model: {MODEL_NAMES}.")]
Layers = Annotated[
    Optional[list[str]],
    typer.Option("--layer", "-l", help="Layer to excite: NAME, NAME=WEIGHT or NAME:CHANNEL; repeatable. Default: the model's."),
]
Loss = Annotated[str, typer.Option(help="Objective: l2 (mean squared activation) or mean (mean activation).")]
Octaves = Annotated[int, typer.Option(help="Number of octaves (scales).")]
OctaveScale = Annotated[float, typer.Option(help="Size ratio between octaves.")]
Steps = Annotated[int, typer.Option(help="Ascent steps per octave.")]
StepSize = Annotated[float, typer.Option(help="Step size, in pixel units (0..255).")]
MaxSide = Annotated[Optional[int], typer.Option(help="Shrink the input so its longer side is at most this.")]
TileSize = Annotated[int, typer.Option(help="Gradient tile size in pixels (bounds memory).")]
Seed = Annotated[int, typer.Option(help="Random seed: the same seed gives the same result.")]
TvWeight = Annotated[float, typer.Option(help="Total-variation smoothing weight (0: off).")]
MaxLoss = Annotated[Optional[float], typer.Option(help="Stop an octave early when the loss passes this.")]
Weights = Annotated[Optional[Path], typer.Option(help="Local weights file for the model (.h5).")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")]


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"dreamvid: error: {message}", err=True)
    return typer.Exit(code)


def os_error_message(error: OSError) -> str:
    where = f" ({error.filename})" if error.filename else ""
    return f"{error.strerror or error}{where}"


def dream_settings(
    model: str, layer: list[str] | None, loss: str, octaves: int, octave_scale: float, steps: int,
    step_size: float, max_side: int | None, tile_size: int, seed: int, tv_weight: float,
    max_loss: float | None, weights: Path | None,
) -> DreamSettings:
    from dreamvid.models import get_spec

    get_spec(model)
    return DreamSettings(
        model=model,
        layers=tuple(LayerTerm.parse(spec) for spec in layer or ()),
        loss=loss,
        octaves=octaves,
        octave_scale=octave_scale,
        steps=steps,
        step_size=step_size,
        max_side=max_side,
        tile_size=tile_size,
        seed=seed,
        tv_weight=tv_weight,
        max_loss=max_loss,
        weights=str(weights) if weights else None,
    )


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"dreamvid {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Show the version.")] = False,
) -> None:
    """Dream images, video clips and infinite zooms with DeepDream."""


@app.command()
def image(
    source: Annotated[Path, typer.Argument(help="Input image.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output image (.png, .jpg, .webp).", show_default=False)],
    model: Model = _DEFAULTS.model,
    layer: Layers = None,
    loss: Loss = _DEFAULTS.loss,
    octaves: Octaves = _DEFAULTS.octaves,
    octave_scale: OctaveScale = _DEFAULTS.octave_scale,
    steps: Steps = _DEFAULTS.steps,
    step_size: StepSize = _DEFAULTS.step_size,
    max_side: MaxSide = 512,
    tile_size: TileSize = _DEFAULTS.tile_size,
    seed: Seed = _DEFAULTS.seed,
    tv_weight: TvWeight = _DEFAULTS.tv_weight,
    max_loss: MaxLoss = None,
    weights: Weights = None,
    save_octaves: Annotated[bool, typer.Option(help="Also write each octave's result (NAME.octaveN.EXT).")] = False,
    quiet: Quiet = False,
) -> None:
    """Dream one image."""
    try:
        settings = dream_settings(model, layer, loss, octaves, octave_scale, steps, step_size,
                                  max_side, tile_size, seed, tv_weight, max_loss, weights)
        from dreamvid.runtime import start_tensorflow

        start_tensorflow()
        from dreamvid.dreamers import build_dreamer
        from dreamvid.progress import StepProgress
        from dreamvid.still import dream_file

        total = settings.octaves * settings.steps
        with StepProgress(total, quiet) as progress:
            dream_file(source, output, settings, lambda: build_dreamer(settings),
                       progress=progress, save_octaves=save_octaves)
    except DreamvidError as error:
        raise fail(str(error)) from None
    except KeyboardInterrupt:
        raise fail("interrupted; no output written", 130) from None
    except OSError as error:
        raise fail(os_error_message(error)) from None
    if not quiet:
        typer.echo(f"wrote {output}", err=True)


@app.command()
def video(
    source: Annotated[str, typer.Argument(help="Input video, folder of numbered images, or glob.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output: .mp4, .webm, .gif, .mov, .mkv, or a folder/ of PNG frames.", show_default=False)],
    model: Model = _DEFAULTS.model,
    layer: Layers = None,
    loss: Loss = _DEFAULTS.loss,
    octaves: Octaves = _DEFAULTS.octaves,
    octave_scale: OctaveScale = _DEFAULTS.octave_scale,
    steps: Steps = _DEFAULTS.steps,
    step_size: StepSize = _DEFAULTS.step_size,
    max_side: Annotated[int, typer.Option(help="Shrink frames so the longer side is at most this (0: keep).")] = 640,
    tile_size: TileSize = _DEFAULTS.tile_size,
    seed: Seed = _DEFAULTS.seed,
    tv_weight: TvWeight = _DEFAULTS.tv_weight,
    max_loss: MaxLoss = None,
    weights: Weights = None,
    start: Annotated[float, typer.Option(help="Start at this many seconds.")] = 0.0,
    end: Annotated[Optional[float], typer.Option(help="Stop at this many seconds.")] = None,
    frames: Annotated[Optional[int], typer.Option(help="Dream at most this many frames from the start.")] = None,
    blend: Annotated[float, typer.Option(help="Share of the previous frame's warped dream carried into the next (0..1).")] = _COHERENCE.blend,
    steps_next: Annotated[int, typer.Option(help="Ascent steps per octave for frames after the first.")] = _COHERENCE.steps_next,
    octaves_next: Annotated[int, typer.Option(help="Finest octaves dreamed for frames after the first.")] = _COHERENCE.octaves_next,
    flow_preset: Annotated[str, typer.Option(help="Optical-flow quality: ultrafast, fast or medium.")] = _COHERENCE.flow_preset,
    dream_scale: Annotated[float, typer.Option(help="Dream at this fraction of the frame size and upsample the change (faster).")] = _COHERENCE.dream_scale,
    independent: Annotated[bool, typer.Option("--independent", help="Dream every frame on its own (flickers; for comparison).")] = False,
    no_audio: Annotated[bool, typer.Option("--no-audio", help="Drop the input's audio.")] = False,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted render of the same output.")] = False,
    report: Annotated[Optional[Path], typer.Option(help="Write a JSON report of the render here.")] = None,
    quiet: Quiet = False,
) -> None:
    """Dream a video clip, frame by frame, without flicker."""
    try:
        dream = dream_settings(model, layer, loss, octaves, octave_scale, steps, step_size,
                               max_side or None, tile_size, seed, tv_weight, max_loss, weights)
        from dreamvid.video import VideoSettings

        settings = VideoSettings(
            dream=dream,
            coherence=CoherenceSettings(blend=blend, steps_next=steps_next, octaves_next=octaves_next,
                                        flow_preset=flow_preset, dream_scale=dream_scale,
                                        coherent=not independent),
            start=start, end=end, frames=frames, audio=not no_audio,
        )
        from dreamvid.runtime import start_tensorflow

        start_tensorflow()
        from dreamvid.dreamers import build_dreamer
        from dreamvid.progress import FrameProgress
        from dreamvid.report import write_report
        from dreamvid.video import render_video

        with FrameProgress(None, quiet) as progress:
            summary = render_video(source, output, settings, lambda: build_dreamer(dream),
                                   resume=resume, on_frame=progress.frame_done)
        for warning in summary.warnings:
            typer.echo(f"dreamvid: warning: {warning}", err=True)
        if report is not None:
            write_report(report, summary, settings, dream.model)
    except DreamvidError as error:
        raise fail(str(error)) from None
    except KeyboardInterrupt:
        raise fail("interrupted; run again with --resume to continue", 130) from None
    except OSError as error:
        raise fail(os_error_message(error) + "; run again with --resume to continue") from None
    if not quiet:
        typer.echo(f"wrote {output} ({summary.frames} frames)", err=True)


def parse_pair(name: str, text: str) -> tuple[float, float]:
    try:
        x, y = (float(part) for part in text.split(","))
    except ValueError:
        raise DreamvidError(f"{name} takes two numbers X,Y, got {text!r}") from None
    return x, y


def parse_zoom(text: str, fps: float) -> float:
    """`1.3` or `1.3/s`: per second; `1.02/frame`: per frame, turned into per second at this fps."""
    number, _, unit = text.partition("/")
    try:
        value = float(number)
    except ValueError:
        raise DreamvidError(f"zoom must be a number, optionally /s or /frame, got {text!r}") from None
    if not value > 0:
        raise DreamvidError(f"zoom must be positive, got {value:g}")
    if unit in ("", "s", "sec", "second"):
        return value
    if unit in ("f", "frame"):
        return value**fps
    raise DreamvidError(f"zoom unit must be /s or /frame, got /{unit}")


@app.command()
def zoom(
    source: Annotated[Path, typer.Argument(help="Input image.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output: .mp4, .webm, .gif, .mov, .mkv, or a folder/ of PNG frames.", show_default=False)],
    frames: Annotated[Optional[int], typer.Option(help="Number of frames (default: 4 s worth).")] = None,
    seconds: Annotated[Optional[float], typer.Option(help="Length in seconds (instead of --frames).")] = None,
    fps: Annotated[float, typer.Option(help="Frames per second.")] = _ZOOM.fps,
    zoom_rate: Annotated[str, typer.Option("--zoom", help="Zoom per second (1.25 or 1.25/s) or per frame (1.02/frame); below 1 zooms out.")] = str(_ZOOM.zoom),
    rotate: Annotated[float, typer.Option(help="Rotation, degrees per second (counter-clockwise).")] = _ZOOM.rotate,
    pan: Annotated[str, typer.Option(help="Camera pan X,Y per second, in fractions of the frame.")] = "0,0",
    center: Annotated[str, typer.Option(help="Point to zoom into, X,Y in fractions of the frame.")] = "0.5,0.5",
    schedule: Annotated[Optional[Path], typer.Option(help="Keyframes (TOML or JSON) varying zoom, rotate, pan, step_size and layers over time.")] = None,
    loop: Annotated[bool, typer.Option(help="Make the last frame flow into the first, for endless playback.")] = False,
    loop_frames: Annotated[Optional[int], typer.Option(help="Length of the loop's cross-fade (default: a quarter of the frames).")] = None,
    steps_next: Annotated[int, typer.Option(help="Ascent steps per frame after the first.")] = _ZOOM.steps_next,
    model: Model = _DEFAULTS.model,
    layer: Layers = None,
    loss: Loss = _DEFAULTS.loss,
    octaves: Octaves = _DEFAULTS.octaves,
    octave_scale: OctaveScale = _DEFAULTS.octave_scale,
    steps: Steps = _DEFAULTS.steps,
    step_size: StepSize = _DEFAULTS.step_size,
    max_side: MaxSide = 512,
    tile_size: TileSize = _DEFAULTS.tile_size,
    seed: Seed = _DEFAULTS.seed,
    tv_weight: TvWeight = _DEFAULTS.tv_weight,
    max_loss: MaxLoss = None,
    weights: Weights = None,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted render of the same output.")] = False,
    report: Annotated[Optional[Path], typer.Option(help="Write a JSON report of the render here.")] = None,
    quiet: Quiet = False,
) -> None:
    """Dream an infinite zoom: each frame falls into the dream of the one before."""
    try:
        dream = dream_settings(model, layer, loss, octaves, octave_scale, steps, step_size,
                               max_side, tile_size, seed, tv_weight, max_loss, weights)
        if frames is not None and seconds is not None:
            raise DreamvidError("give --frames or --seconds, not both")
        if not fps > 0:
            raise DreamvidError(f"fps must be positive, got {fps:g}")
        count = frames if frames is not None else round((seconds if seconds is not None else 4.0) * fps)
        settings = ZoomSettings(
            frames=count, fps=fps, zoom=parse_zoom(zoom_rate, fps), rotate=rotate,
            pan=parse_pair("pan", pan), center=parse_pair("center", center),
            steps_next=steps_next, loop=loop, loop_frames=loop_frames,
        )
        from dreamvid.schedule import load_schedule

        keyframes = load_schedule(schedule) if schedule is not None else None
        from dreamvid.runtime import start_tensorflow

        start_tensorflow()
        from dreamvid.dreamers import build_dreamer
        from dreamvid.models import get_spec
        from dreamvid.progress import FrameProgress
        from dreamvid.report import write_report
        from dreamvid.zoom import render_zoom, schedule_terms

        def make_dreamer(plan):
            return build_dreamer(dream, schedule_terms(dream, plan, get_spec(dream.model).default_layers))

        with FrameProgress(None, quiet) as progress:
            summary = render_zoom(source, output, dream, settings, make_dreamer, schedule=keyframes,
                                  resume=resume, on_frame=progress.frame_done)
        if report is not None:
            write_report(report, summary, {"dream": dream, "zoom": settings}, dream.model)
    except DreamvidError as error:
        raise fail(str(error)) from None
    except KeyboardInterrupt:
        raise fail("interrupted; run again with --resume to continue", 130) from None
    except OSError as error:
        raise fail(os_error_message(error) + "; run again with --resume to continue") from None
    if not quiet:
        typer.echo(f"wrote {output} ({summary.frames} frames)", err=True)


@app.command()
def models() -> None:
    """List the models and whether their weights are available now."""
    for spec in MODELS.values():
        path = spec.weights_path()
        state = f"available ({path})" if path else "not cached: downloads on first use, or pass --weights"
        typer.echo(f"{spec.name:15} {spec.description}\n{'':15} weights: {state}")


@app.command()
def layers(
    model: Model = _DEFAULTS.model,
    weights: Weights = None,
    size: Annotated[int, typer.Option(help="Input size used to show output shapes.")] = 224,
) -> None:
    """List a model's dreamable layers with their output shapes (height, width, channels)."""
    try:
        from dreamvid.models import get_spec, load_model
        from dreamvid.runtime import start_tensorflow

        spec = get_spec(model)
        start_tensorflow()
        network = load_model(model, str(weights) if weights else None)
        shapes = _shapes_at(network, spec, size)
    except DreamvidError as error:
        raise fail(str(error)) from None
    defaults = {term.layer for term in spec.default_layers}
    typer.echo(f"{spec.name}: dreamable layers, output shape for a {size}x{size} input (* = default)")
    for name, shape in shapes:
        typer.echo(f"{'*' if name in defaults else ' '} {name:24} {shape}")


def _shapes_at(network, spec, size: int) -> list[tuple[str, tuple]]:
    import keras
    import numpy as np

    from dreamvid.models import dreamable_layers

    names = [name for name, _ in dreamable_layers(spec, network)]
    probe = keras.Model(network.input, [network.get_layer(name).output for name in names])
    outputs = probe(np.zeros((1, size, size, 3), np.float32))
    return [(name, tuple(int(d) for d in out.shape[1:])) for name, out in zip(names, outputs)]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
