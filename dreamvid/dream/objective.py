"""Objectives: what the ascent makes the network do more of.

An objective is a tuple of layer terms (a whole layer, or one channel of it, with a weight) and a
loss kind: `l2`, the mean of squared activations inside a 2-pixel border (keras-io's DeepDream), or
`mean`, the mean activation (the TensorFlow tutorial's). Term weights are passed at run time, so a
schedule may change them without tracing the step again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dreamvid.errors import DreamvidError
from dreamvid.settings import LayerTerm

if TYPE_CHECKING:  # imported where used, so that importing dreamvid stays light
    import tensorflow as tf

BORDER = 2


@dataclass(frozen=True)
class Objective:
    terms: tuple[LayerTerm, ...]
    loss: str = "l2"

    @property
    def layers(self) -> tuple[str, ...]:
        """The distinct layers the objective reads, in order of first use."""
        return tuple(dict.fromkeys(term.layer for term in self.terms))

    @property
    def weights(self) -> tuple[float, ...]:
        return tuple(term.weight for term in self.terms)

    def __add__(self, other: "Objective") -> "Objective":
        if self.loss != other.loss:
            raise DreamvidError("cannot add objectives with different losses")
        return Objective(self.terms + other.terms, self.loss)

    def __mul__(self, factor: float) -> "Objective":
        scaled = tuple(LayerTerm(t.layer, t.weight * factor, t.channel) for t in self.terms)
        return Objective(scaled, self.loss)

    __rmul__ = __mul__

    def __str__(self) -> str:
        return " + ".join(str(term) for term in self.terms) + f" ({self.loss})"


def build_objective(terms: tuple[LayerTerm, ...], loss: str, available: dict[str, tuple]) -> Objective:
    """Check the terms against the model's dreamable layers (name -> output shape)."""
    if not terms:
        raise DreamvidError("the objective needs at least one layer")
    for term in terms:
        if term.layer not in available:
            raise DreamvidError(
                f"unknown layer {term.layer!r}; dreamable layers: {', '.join(available)}"
            )
        channels = available[term.layer][-1]
        if term.channel is not None and channels is not None and term.channel >= channels:
            raise DreamvidError(
                f"channel {term.channel} is out of range for {term.layer} (0..{channels - 1})"
            )
    return Objective(tuple(terms), loss)


def objective_value(objective: Objective, features: dict[str, tf.Tensor], weights: tf.Tensor) -> tf.Tensor:
    """The scalar to maximise, from the model's features (layer name -> (1, h, w, c) tensor)."""
    import tensorflow as tf

    total = tf.zeros(())
    for index, term in enumerate(objective.terms):
        activation = features[term.layer]
        if term.channel is not None:
            activation = activation[..., term.channel : term.channel + 1]
        total += weights[index] * LOSS_FUNCTIONS[objective.loss](activation)
    return total


def _l2(activation: tf.Tensor) -> tf.Tensor:
    """Mean squared activation inside a 2-pixel border (keras-io's DeepDream)."""
    import tensorflow as tf

    size = tf.cast(tf.size(activation), tf.float32)
    return tf.reduce_sum(tf.square(_crop_border(activation))) / size


def _mean(activation: tf.Tensor) -> tf.Tensor:
    """Mean activation (the TensorFlow tutorial's DeepDream)."""
    import tensorflow as tf

    return tf.reduce_mean(activation)


LOSS_FUNCTIONS = {"l2": _l2, "mean": _mean}


def _crop_border(activation: tf.Tensor) -> tf.Tensor:
    """Drop a 2-pixel border, unless the map is too small to have an inside."""
    import tensorflow as tf

    height, width = tf.shape(activation)[1], tf.shape(activation)[2]
    big_enough = tf.logical_and(height > 2 * BORDER, width > 2 * BORDER)
    return tf.cond(
        big_enough,
        lambda: activation[:, BORDER:-BORDER, BORDER:-BORDER, :],
        lambda: activation,
    )
