"""`dreamvid models` and `dreamvid layers`: what the model registry offers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from dreamvid.cli.boundary import error_boundary
from dreamvid.cli.options import Model, Weights
from dreamvid.dream.models import MODELS
from dreamvid.settings import DreamSettings

if TYPE_CHECKING:
    import keras

    from dreamvid.dream.models import ModelSpec

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
