"""The command line: thin wrappers that build settings, call a pipeline and report errors in one line.

The dream options are defined once (`dream_command` adds them to a command and hands it the
`DreamSettings` they make); every command runs inside one error boundary (`error_boundary`).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import signal
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any, Callable, Optional

import typer
from typer.core import TyperGroup

try:  # typer 0.2x carries its own click, whose errors derive from TyperException
    from typer import TyperException as CommandLineError
except ImportError:  # older typer runs on click
    from click import ClickException as CommandLineError

from dreamvid.dream.models import MODELS
from dreamvid.factory import effect_for_still, effect_for_video, effect_for_zoom
from dreamvid.errors import DreamvidError
from dreamvid.settings import (
    FLOW_PRESETS,
    LOSSES,
    CoherenceSettings,
    DreamSettings,
    EncodeSettings,
    LayerTerm,
    RedreamSettings,
    StyleSettings,
    VideoSettings,
    ZoomSettings,
)
from dreamvid.version import __version__

if TYPE_CHECKING:
    import keras

    from dreamvid.dream.models import ModelSpec
    from dreamvid.zoom.schedule import Schedule


class OneLineUsageErrors(TyperGroup):
    """The command group, with usage errors (a bad option value, an unknown option or command, a missing
    argument) printed as one line, typer's "did you mean" suggestions kept, and exit code 2.

    typer would draw them as a box of several lines. Help (`--help`, or no arguments) is untouched.
    """

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            # Not standalone: click raises the usage error here instead of printing it; an exit (typer.Exit,
            # --help, --version) comes back as its code. The commands return None.
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except CommandLineError as error:
            if type(error).__name__ == "NoArgsIsHelpError":  # no arguments: the help, as typer shows it
                if error.format_message():  # rich help is printed already, plain help is the message
                    error.show()
            else:
                typer.echo(f"dreamvid: error: {usage_error_message(error)}", err=True)
            sys.exit(error.exit_code)
        except typer.Abort:
            typer.echo("dreamvid: error: aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def usage_error_message(error: CommandLineError) -> str:
    """Click's message on one line, with where to find help: `Invalid value for '--steps': ... (see
    'dreamvid image --help')`."""
    message = " ".join(error.format_message().split())
    context = getattr(error, "ctx", None)
    if context is not None and context.command.get_help_option(context) is not None:
        message += f" (see '{context.command_path} {context.help_option_names[0]}')"
    return message


app = typer.Typer(
    cls=OneLineUsageErrors,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Dream images, video clips and infinite zooms with DeepDream.",
)


def choices(names: Iterable[str]) -> dict:
    """Option settings that offer a registry's names in --help and in shell completion.

    The value stays a plain string checked by the settings, so a wrong name fails in one line
    that lists the valid ones, as every other bad value does.
    """
    names = tuple(names)
    return {"metavar": "[" + "|".join(names) + "]",
            "autocompletion": lambda incomplete: [name for name in names if name.startswith(incomplete)]}


_DEFAULTS = DreamSettings()
_COHERENCE = CoherenceSettings()
_ZOOM = ZoomSettings()

FILES = "Input and output"
DREAM = "Dream"
COHERENCE = "Coherence"
CAMERA = "Camera"
RENDER = "Render"
SCALE = "Scale out (Ray)"
STYLE = "Style transfer"

Model = Annotated[str, typer.Option("--model", "-m", help="Model.", rich_help_panel=DREAM, **choices(MODELS))]
Weights = Annotated[Optional[Path], typer.Option(help="Local weights file for the model (.h5).", rich_help_panel=DREAM)]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.", rich_help_panel=RENDER)]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="A progress line for every frame (and step).", rich_help_panel=RENDER)]
Resume = Annotated[bool, typer.Option("--resume", help="Continue an interrupted render of the same output.", rich_help_panel=RENDER)]
Report = Annotated[Optional[Path], typer.Option(help="Write a JSON report of the render here.", rich_help_panel=FILES)]
Overwrite = Annotated[bool, typer.Option("--overwrite", help="Replace an existing output (and report).", rich_help_panel=FILES)]
Crf = Annotated[Optional[int], typer.Option(help="Video quality: CRF, lower is better (default 18 for H.264, 32 for VP9).", rich_help_panel=FILES)]
Preset = Annotated[Optional[str], typer.Option(help="x264 speed preset (ultrafast ... veryslow; default medium).", rich_help_panel=FILES)]
VideoOutput = Annotated[str, typer.Option("--output", "-o", help="Output: .mp4, .webm, .gif, .mov, .mkv, or a folder/ of PNG frames.", show_default=False, rich_help_panel=FILES)]


def _dream_parameters(max_side: int) -> list[inspect.Parameter]:
    """The options every dreaming command shares, as parameters typer reads (keyword-only)."""
    def option(name, annotation, default):
        return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)

    def number(kind, help_text):
        return Annotated[kind, typer.Option(help=help_text, rich_help_panel=DREAM)]

    return [
        option("model", Model, _DEFAULTS.model),
        option("layer", Annotated[Optional[list[str]], typer.Option(
            "--layer", "-l", rich_help_panel=DREAM,
            help="Layer to excite: NAME, NAME=WEIGHT or NAME:CHANNEL; repeatable. Default: the model's.")], None),
        option("loss", Annotated[str, typer.Option(
            help="Objective: l2 (mean squared activation) or mean (mean activation).", rich_help_panel=DREAM,
            **choices(LOSSES))], _DEFAULTS.loss),
        option("octaves", number(int, "Number of octaves (scales)."), _DEFAULTS.octaves),
        option("octave_scale", number(float, "Size ratio between octaves."), _DEFAULTS.octave_scale),
        option("steps", number(int, "Ascent steps per octave."), _DEFAULTS.steps),
        option("step_size", number(float, "Step size, in pixel units (0..255)."), _DEFAULTS.step_size),
        option("max_side", number(int, "Shrink the input so its longer side is at most this (0: keep the size)."), max_side),
        option("tile_size", number(int, "Gradient tile size in pixels (bounds memory)."), _DEFAULTS.tile_size),
        option("seed", number(int, "Random seed: the same seed gives the same result."), _DEFAULTS.seed),
        option("tv_weight", number(float, "Total-variation smoothing weight (0: off)."), _DEFAULTS.tv_weight),
        option("max_loss", number(Optional[float], "Stop an octave early when the loss passes this."), None),
        option("weights", Weights, None),
    ]


def _style_default(name: str):
    return StyleSettings.__dataclass_fields__[name].default


def _style_parameters() -> list[inspect.Parameter]:
    def option(name, annotation, default):
        return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)

    def number(kind, help_text):
        return Annotated[kind, typer.Option(help=help_text, rich_help_panel=STYLE)]

    return [
        option("style", Annotated[Optional[list[str]], typer.Option(
            "--style", rich_help_panel=STYLE,
            help="Restyle in the manner of this image (PATH or PATH=WEIGHT; repeatable to mix styles). "
                 "With --layer, the dream is added to the style.")], None),
        option("style_weight", number(float, "Weight of the style loss."), _style_default("style_weight")),
        option("content_weight", number(float, "Weight of the content loss (higher keeps more of the picture)."),
               _style_default("content_weight")),
        option("style_scale", number(float, "Size of the style image relative to the output (bigger strokes above 1)."),
               _style_default("style_scale")),
        option("style_steps", number(int, "Optimisation steps per scale for a still or a first frame."),
               _style_default("steps")),
    ]


DREAM_OPTIONS = tuple(parameter.name for parameter in _dream_parameters(0))
STYLE_OPTIONS = tuple(parameter.name for parameter in _style_parameters())


def style_settings(dream: DreamSettings, *, style: list[str] | None, style_weight: float, content_weight: float,
                   style_scale: float, style_steps: int) -> StyleSettings | None:
    """The style transfer the options ask for (None without --style); style images checked before TensorFlow."""
    if not style:
        return None
    from dreamvid.io.paths import check_input_file

    styles = []
    for text in style:
        path, _, weight = text.rpartition("=")
        try:
            entry = (path, float(weight)) if path else (text, 1.0)
        except ValueError:
            entry = (text, 1.0)
        check_input_file(entry[0])
        styles.append(entry)
    return StyleSettings(styles=tuple(styles), model=dream.model, style_weight=style_weight,
                         content_weight=content_weight, style_scale=style_scale, steps=style_steps,
                         weights=dream.weights)


def dream_settings(*, model: str, layer: list[str] | None, loss: str, max_side: int,
                   weights: Path | None, **numbers: float | None) -> DreamSettings:
    """The dream settings of the shared options (checked here, before TensorFlow starts)."""
    from dreamvid.dream.models import check_layers

    settings = DreamSettings(
        model=model,
        layers=tuple(LayerTerm.parse(spec) for spec in layer or ()),
        loss=loss,
        max_side=max_side or None,
        weights=str(weights) if weights else None,
        **numbers,
    )
    check_layers(settings.model, settings.layers, settings.loss, settings.weights)
    return settings


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"dreamvid: error: {message}", err=True)
    return typer.Exit(code)


def os_error_message(error: OSError) -> str:
    where = f" ({error.filename})" if error.filename else ""
    return f"{error.strerror or error}{where}"


class Terminated(KeyboardInterrupt):
    """SIGTERM (a `kill`, a scheduler stopping the job): unwound like Ctrl-C, so finished frames are kept."""


def _terminate(signal_number: int, frame: FrameType | None) -> None:
    raise Terminated()


@contextlib.contextmanager
def error_boundary(resumable: bool = False) -> Iterator[None]:
    """Bad input, a failed write, Ctrl-C or SIGTERM: one line on stderr and a non-zero exit, never a
    traceback; what a render finished stays in its work folder for --resume."""
    hint = "; run again with --resume to continue" if resumable else ""
    previous = signal.signal(signal.SIGTERM, _terminate) if threading.current_thread() is threading.main_thread() else None
    try:
        yield
    except DreamvidError as error:
        raise fail(str(error)) from None
    except Terminated:
        raise fail("terminated" + (hint or "; no output written"), 143) from None
    except KeyboardInterrupt:
        raise fail("interrupted" + (hint or "; no output written"), 130) from None
    except OSError as error:
        raise fail(os_error_message(error) + hint) from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def dream_command(*, max_side: int, resumable: bool) -> Callable:
    """Give a command the shared dream and style options; it receives them as `dream: DreamSettings`
    and `style: StyleSettings | None`.

    The whole command, settings included, runs inside the error boundary.
    """
    def decorate(function: Callable) -> Callable:
        signature = inspect.signature(function, eval_str=True)
        parameters = []
        for parameter in signature.parameters.values():  # the shared options stand where `dream` does
            if parameter.name == "dream":
                parameters += _dream_parameters(max_side) + _style_parameters()
            elif parameter.name != "style":
                parameters.append(parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY))

        @functools.wraps(function)
        def run(**options: Any) -> Any:
            with error_boundary(resumable):
                dream = dream_settings(**{name: options.pop(name) for name in DREAM_OPTIONS})
                style = style_settings(dream, **{name: options.pop(name) for name in STYLE_OPTIONS})
                return function(dream=dream, style=style, **options)

        run.__signature__ = signature.replace(parameters=parameters)
        return run

    return decorate


def check_outputs(source: str | Path, output: str, report: Path | None, overwrite: bool) -> str:
    """The output as the writers read it (`-o .` and `-o name/` are folders), and the report checked
    before any work: it may replace neither the input nor the output, nor (without --overwrite) a file.
    The output itself is checked by the pipeline, also before any work."""
    from dreamvid.io.paths import check_side_output, folder_output_text

    output = folder_output_text(output)
    if report is not None:
        check_side_output(report, protected=[source, output], overwrite=overwrite)
    return output


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
@dream_command(max_side=512, resumable=False)
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
    from dreamvid.render.still import dream_file

    if report is not None:
        check_side_output(report, protected=[source, output], overwrite=overwrite)
    if style is not None and save_octaves:
        raise DreamvidError("--save-octaves keeps the dream's octaves; style transfer has none")
    started = time.perf_counter()
    total = style.scales * style.steps if style is not None else dream.octaves * dream.steps
    with StepProgress(total, quiet, verbose) as progress:
        picture = dream_file(source, output, functools.partial(effect_for_still, dream, style), seed=dream.seed,
                             max_side=dream.max_side, progress=progress,
                             save_octaves=dream.octaves if save_octaves else 0,
                             tags=settings_tags("image", {"dream": dream, "style": style}), overwrite=overwrite)
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


@app.command()
@dream_command(max_side=640, resumable=True)
def video(
    source: Annotated[str, typer.Argument(help="Input video, folder of numbered images, or glob.", show_default=False)],
    output: VideoOutput,
    dream: DreamSettings,
    style: Optional[StyleSettings],
    start: Annotated[float, typer.Option(help="Start at this many seconds.", rich_help_panel=FILES)] = 0.0,
    end: Annotated[Optional[float], typer.Option(help="Stop at this many seconds.", rich_help_panel=FILES)] = None,
    frames: Annotated[Optional[int], typer.Option(help="Dream at most this many frames from the start.", rich_help_panel=FILES)] = None,
    no_audio: Annotated[bool, typer.Option("--no-audio", help="Drop the input's audio.", rich_help_panel=FILES)] = False,
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
    coherence = CoherenceSettings(blend=blend, steps_next=steps_next, octaves_next=octaves_next,
                                  flow_preset=flow_preset, dream_scale=dream_scale, coherent=not independent,
                                  redream=None if no_redream else RedreamSettings())
    if style is not None:
        coherence = coherence.for_style()
    settings = VideoSettings(dream=dream, coherence=coherence, start=start, end=end, frames=frames,
                             audio=not no_audio, style=style)
    scale_out = None
    if workers is not None or ray_address is not None or segment_frames is not None:
        from dreamvid.render.ray import RaySettings

        scale_out = RaySettings(workers=workers, address=ray_address, segment_frames=segment_frames)
    output = check_outputs(source, output, report, overwrite)
    from dreamvid.cli.progress import FrameProgress
    from dreamvid.measure.metrics import VideoFigures
    from dreamvid.render.report import write_report
    from dreamvid.render.video import render_video

    figures = VideoFigures() if report is not None and scale_out is None else None
    with FrameProgress(None, quiet, verbose=verbose) as progress:
        summary = render_video(source, output, settings, functools.partial(effect_for_video, settings),
                               resume=resume, overwrite=overwrite, encode=EncodeSettings(crf, preset),
                               on_progress=progress, ray=scale_out, figures=figures)
    for warning in summary.warnings:
        typer.echo(f"dreamvid: warning: {warning}", err=True)
    if report is not None:
        measured = figures.as_dict() if figures is not None else {"not_measured": "frames dreamed on Ray workers"}
        write_report(report, summary, settings, dream.model, figures=measured)
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
@dream_command(max_side=512, resumable=True)
def zoom(
    source: Annotated[Path, typer.Argument(help="Input image.", show_default=False)],
    output: VideoOutput,
    dream: DreamSettings,
    style: Optional[StyleSettings],
    frames: Annotated[Optional[int], typer.Option(help="Number of frames (default: 4 s worth).", rich_help_panel=FILES)] = None,
    seconds: Annotated[Optional[float], typer.Option(help="Length in seconds (instead of --frames).", rich_help_panel=FILES)] = None,
    fps: Annotated[float, typer.Option(help="Frames per second.", rich_help_panel=FILES)] = _ZOOM.fps,
    report: Report = None,
    crf: Crf = None,
    preset: Preset = None,
    zoom_rate: Annotated[str, typer.Option("--zoom", help="Zoom per second (1.25 or 1.25/s) or per frame (1.02/frame); below 1 zooms out.", rich_help_panel=CAMERA)] = str(_ZOOM.zoom),
    rotate: Annotated[float, typer.Option(help="Rotation, degrees per second (counter-clockwise).", rich_help_panel=CAMERA)] = _ZOOM.rotate,
    pan: Annotated[str, typer.Option(help="Camera pan X,Y per second, in fractions of the frame.", rich_help_panel=CAMERA)] = "0,0",
    center: Annotated[str, typer.Option(help="Point to zoom into, X,Y in fractions of the frame.", rich_help_panel=CAMERA)] = "0.5,0.5",
    schedule: Annotated[Optional[Path], typer.Option(help="Keyframes (TOML or JSON) varying zoom, rotate, pan, step_size and layers over time; values may be formulas in t (seconds) or f (frame), with linear, smooth or step easing.", rich_help_panel=CAMERA)] = None,
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
    if frames is not None and seconds is not None:
        raise DreamvidError("give --frames or --seconds, not both")
    if not (math.isfinite(fps) and fps > 0):
        raise DreamvidError(f"fps must be a positive number, got {fps:g}")
    if seconds is not None and not (math.isfinite(seconds) and seconds > 0):
        raise DreamvidError(f"seconds must be a positive number, got {seconds:g}")
    count = frames if frames is not None else round((seconds if seconds is not None else 4.0) * fps)
    settings = ZoomSettings(
        frames=count, fps=fps, zoom=parse_zoom(zoom_rate, fps), rotate=rotate,
        pan=parse_pair("pan", pan), center=parse_pair("center", center),
        steps_next=steps_next, loop=loop, loop_frames=loop_frames,
    )
    keyframes = zoom_schedule(schedule, layer_cycle, cycle_seconds, dream, settings)
    output = check_outputs(source, output, report, overwrite)
    from dreamvid.cli.progress import FrameProgress
    from dreamvid.render.report import write_report
    from dreamvid.render.zoom import render_zoom

    label = "frames dreamed" if settings.loop else "frames"  # a loop also dreams its lead-in frames
    with FrameProgress(None, quiet, label=label, verbose=verbose) as progress:
        summary = render_zoom(source, output, dream, settings,
                              functools.partial(effect_for_zoom, dream, style, settings, keyframes), style=style,
                              schedule=keyframes, resume=resume, overwrite=overwrite,
                              encode=EncodeSettings(crf, preset), on_progress=progress)
    if report is not None:
        write_report(report, summary, {"dream": dream, "zoom": settings}, dream.model,
                     figures=loop_figures(summary.sharpness, settings.overlap))
    if not quiet:
        lead_in = f"; {settings.lead} more dreamed to settle and lead into the loop" if settings.loop else ""
        typer.echo(f"wrote {output} ({summary.frames} frames{lead_in})", err=True)


def zoom_schedule(path: Path | None, layer_cycle: str | None, cycle_seconds: float, dream: DreamSettings,
                  settings: ZoomSettings) -> Schedule | None:
    """The zoom's schedule (a file, or a layer cycle), checked at every frame before any work."""
    from dreamvid.dream.models import check_layers
    from dreamvid.zoom.schedule import layer_cycle_schedule, load_schedule

    if path is not None and layer_cycle is not None:
        raise DreamvidError("give --schedule or --layer-cycle, not both (a schedule may cycle layers itself)")
    if layer_cycle is not None:
        keyframes = layer_cycle_schedule([name.strip() for name in layer_cycle.split(",") if name.strip()],
                                         cycle_seconds)
    elif path is not None:
        keyframes = load_schedule(path)
    else:
        return None
    keyframes.check(frames=settings.frames, fps=settings.fps)
    scheduled = tuple(LayerTerm.parse(name) for name in keyframes.layer_names)
    check_layers(dream.model, dream.layers + scheduled, dream.loss)
    return keyframes


def loop_figures(sharpness: list[float], overlap: int) -> dict:
    """A loop's transition against the rest: each transition frame's sharpness over the others' median."""
    if not overlap or len(sharpness) <= overlap:
        return {}
    from dreamvid.measure.metrics import ratios_to_the_rest

    ratios = ratios_to_the_rest(sharpness, len(sharpness) - overlap)
    return {"loop_sharpness": {"minimum": round(min(ratios), 3), "median": round(sorted(ratios)[len(ratios) // 2], 3)}}


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
    with error_boundary():
        from dreamvid.dream.models import get_spec, load_model

        spec = get_spec(model)
        from dreamvid.runtime import start_tensorflow

        start_tensorflow()
        network = load_model(model, str(weights) if weights else None)
        shapes = _shapes_at(network, spec, size)
    defaults = {term.layer for term in spec.default_layers}
    typer.echo(f"{spec.name}: dreamable layers, output shape for a {size}x{size} input (* = default)")
    for name, shape in shapes:
        typer.echo(f"{'*' if name in defaults else ' '} {name:24} {shape}")


def _shapes_at(network: keras.Model, spec: ModelSpec, size: int) -> list[tuple[str, tuple]]:
    import keras
    import numpy as np

    from dreamvid.dream.models import dreamable_layers

    names = [name for name, _ in dreamable_layers(spec, network)]
    probe = keras.Model(network.input, [network.get_layer(name).output for name in names])
    outputs = probe(np.zeros((1, size, size, 3), np.float32))
    return [(name, tuple(int(d) for d in out.shape[1:])) for name, out in zip(names, outputs)]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
