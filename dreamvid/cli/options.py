"""The options the dreaming commands share, defined once: panels, option aliases, and `dream_command`,
which gives a command the dream and style options and hands it the settings they make."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer

from dreamvid.api import style_settings as library_style_settings
from dreamvid.cli.boundary import error_boundary
from dreamvid.dream.models import MODELS
from dreamvid.settings import LOSSES, DreamSettings, LayerTerm, StyleSettings


def choices(names: Iterable[str]) -> dict:
    """Option settings that offer a registry's names in --help and in shell completion.

    The value stays a plain string checked by the settings, so a wrong name fails in one line
    that lists the valid ones, as every other bad value does.
    """
    names = tuple(names)
    return {"metavar": "[" + "|".join(names) + "]",
            "autocompletion": lambda incomplete: [name for name in names if name.startswith(incomplete)]}


_DEFAULTS = DreamSettings()

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
    return library_style_settings(style, dream, style_weight=style_weight, content_weight=content_weight,
                                  style_scale=style_scale, style_steps=style_steps)


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
