"""`dreamvid models` and `dreamvid layers`: what the model registry offers."""

from __future__ import annotations

from typing import Annotated

import typer

from dreamvid.cli.boundary import error_boundary
from dreamvid.cli.options import Model, Weights
from dreamvid.dream.models import MODELS
from dreamvid.settings import DreamSettings

_DEFAULTS = DreamSettings()


def models() -> None:
    """List the models and whether their weights are available now."""
    for spec in MODELS.values():
        path = spec.weights_path()
        state = f"available ({path})" if path else "not cached: downloads on first use, or pass --weights"
        typer.echo(f"{spec.name:15} {spec.description}\n{'':15} weights: {state}")


def layers(
    model: Model = _DEFAULTS.model,
    weights: Weights = None,
    size: Annotated[int, typer.Option(help="Input size used to show output shapes.")] = 224,
) -> None:
    """List a model's dreamable layers with their output shapes (height, width, channels)."""
    with error_boundary():
        from dreamvid.dream.models import check_probe_size, get_spec, layer_shapes, load_model

        spec = get_spec(model)
        check_probe_size(size)
        from dreamvid.runtime import start_tensorflow

        start_tensorflow()
        network = load_model(model, str(weights) if weights else None)
        shapes = layer_shapes(network, spec, size)
    defaults = {term.layer for term in spec.default_layers}
    typer.echo(f"{spec.name}: dreamable layers, output shape for a {size}x{size} input (* = default)")
    for name, shape in shapes:
        typer.echo(f"{'*' if name in defaults else ' '} {name:24} {shape}")
