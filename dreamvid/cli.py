"""The command line: thin wrappers that build settings, call a pipeline and report errors in one line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from dreamvid import __version__
from dreamvid.errors import DreamvidError
from dreamvid.models import MODELS
from dreamvid.settings import DreamSettings, LayerTerm

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Dream images, video clips and infinite zooms with DeepDream.",
)

MODEL_NAMES = ", ".join(MODELS)
_DEFAULTS = DreamSettings()

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
        from dreamvid.dreamers import build_dreamer
        from dreamvid.octaves import octave_shapes
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
    if not quiet:
        typer.echo(f"wrote {output}", err=True)


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
        from dreamvid.models import dreamable_layers, get_spec, load_model

        spec = get_spec(model)
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
