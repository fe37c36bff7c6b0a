"""Typed settings shared by the library, the CLI and the tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dreamvid.errors import DreamvidError

LOSSES = ("l2", "mean")

_LAYER_SPEC = re.compile(r"^(?P<layer>[A-Za-z_][\w\-/.]*?)(?::(?P<channel>-?\d+))?(?:=(?P<weight>[-+]?[\d.]+(?:[eE][-+]?\d+)?))?$")


@dataclass(frozen=True)
class LayerTerm:
    """One term of the objective: a layer (or one channel of it) and its weight."""

    layer: str
    weight: float = 1.0
    channel: int | None = None

    @classmethod
    def parse(cls, spec: str) -> "LayerTerm":
        """Parse `name`, `name=0.5`, `name:42` or `name:42=0.5`."""
        match = _LAYER_SPEC.match(spec.strip())
        if not match:
            raise DreamvidError(f"cannot read layer {spec!r}: use NAME, NAME=WEIGHT or NAME:CHANNEL")
        channel = match["channel"]
        if channel is not None and int(channel) < 0:
            raise DreamvidError(f"channel index must be 0 or more in {spec!r}")
        return cls(
            layer=match["layer"],
            weight=float(match["weight"]) if match["weight"] else 1.0,
            channel=int(channel) if channel is not None else None,
        )

    def __str__(self) -> str:
        channel = f":{self.channel}" if self.channel is not None else ""
        return f"{self.layer}{channel}={self.weight:g}"


def _positive(name: str, value: float) -> None:
    if not value > 0:
        raise DreamvidError(f"{name} must be positive, got {value}")


@dataclass(frozen=True)
class DreamSettings:
    """How one image is dreamed: the objective, the octaves and the ascent.

    `step_size` is in pixel units of the 0..255 range: after the gradient is normalised to unit
    standard deviation, each step moves a typical pixel by about this much.
    """

    model: str = "vgg16"
    layers: tuple[LayerTerm, ...] = ()  # empty: the model's default layers
    loss: str = "l2"
    octaves: int = 4
    octave_scale: float = 1.4
    steps: int = 10
    step_size: float = 3.0
    tile_size: int = 512
    max_loss: float | None = None
    tv_weight: float = 0.0
    max_side: int | None = None
    seed: int = 0
    weights: str | None = None  # a local weights file for the model

    def __post_init__(self) -> None:
        _positive("octaves", self.octaves)
        _positive("steps", self.steps)
        _positive("step size", self.step_size)
        _positive("tile size", self.tile_size)
        if not self.octave_scale > 1.0:
            raise DreamvidError(f"octave scale must be above 1, got {self.octave_scale}")
        if self.loss not in LOSSES:
            raise DreamvidError(f"unknown loss {self.loss!r}: choose one of {', '.join(LOSSES)}")
        if self.max_side is not None:
            _positive("max side", self.max_side)
        if self.tv_weight < 0:
            raise DreamvidError(f"tv weight must be 0 or more, got {self.tv_weight}")
        if self.max_loss is not None:
            _positive("max loss", self.max_loss)
        if self.tile_size < 64:
            raise DreamvidError(f"tile size must be at least 64, got {self.tile_size}")


@dataclass(frozen=True)
class CoherenceSettings:
    """How frames after the first are dreamed.

    `blend`: share of the warped previous detail carried into the frame (0 dreams every frame anew
    from the input, 1 keeps all of it). `steps_next` ascent steps on each of the `octaves_next`
    finest octaves refine it. `strength_cap`: the carried detail is scaled down when its mean size
    passes this multiple of the first frame's, so a long clip cannot run away.
    """

    blend: float = 0.9
    steps_next: int = 3
    octaves_next: int = 1
    flow_preset: str = "medium"
    strength_cap: float = 1.25
    coherent: bool = True

    def __post_init__(self) -> None:
        if not 0.0 <= self.blend <= 1.0:
            raise DreamvidError(f"blend must be between 0 and 1, got {self.blend}")
        if self.steps_next < 0:
            raise DreamvidError(f"steps for later frames must be 0 or more, got {self.steps_next}")
        if self.octaves_next < 1:
            raise DreamvidError(f"octaves for later frames must be positive, got {self.octaves_next}")
        if not self.strength_cap > 0:
            raise DreamvidError(f"strength cap must be positive, got {self.strength_cap}")


@dataclass(frozen=True)
class ProgressEvent:
    """One ascent step done: reported through the progress callback."""

    octave: int
    octaves: int
    step: int
    steps: int
    loss: float
    label: str = field(default="")
