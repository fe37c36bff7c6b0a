"""The compiled gradient-ascent step, with tiled gradients on a randomly rolled image.

`Dreamer` is built once per (model, objective) and traced once: its step takes images of any size,
so octaves, frames and zoom keyframes all reuse the same graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from dreamvid.dream.models import ModelSpec
from dreamvid.dream.objective import Objective, objective_value

if TYPE_CHECKING:  # imported where used, so that importing dreamvid stays light
    import keras
    import tensorflow as tf


class Dreamer:
    """A feature model plus an objective, with one compiled ascent step."""

    def __init__(self, model: keras.Model, spec: ModelSpec, objective: Objective) -> None:
        import keras
        import tensorflow as tf

        self.spec = spec
        self.objective = objective
        outputs = {name: model.get_layer(name).output for name in objective.layers}
        self.feature_model = keras.Model(inputs=model.input, outputs=outputs)
        image_spec = tf.TensorSpec(shape=[None, None, 3], dtype=tf.float32)
        scalar = tf.TensorSpec(shape=[], dtype=tf.float32)
        self._step = tf.function(
            self._ascent_step,
            input_signature=[
                image_spec,
                tf.TensorSpec(shape=[2], dtype=tf.int32),
                tf.TensorSpec(shape=[len(objective.terms)], dtype=tf.float32),
                tf.TensorSpec(shape=[], dtype=tf.int32),
                scalar,
                scalar,
            ],
        )

    def default_weights(self) -> np.ndarray:
        return np.asarray(self.objective.weights, dtype=np.float32)

    def step(self, image: tf.Tensor | np.ndarray, shift: tuple[int, int] | np.ndarray, weights: np.ndarray,
             tile_size: int, step_size: float, tv_weight: float) -> tuple[tf.Tensor, tf.Tensor]:
        """One ascent step: returns (loss, new image), both tensors; pixels stay in 0..255."""
        return self._step(
            image,
            np.asarray(shift, dtype=np.int32),
            np.asarray(weights, dtype=np.float32),
            np.int32(tile_size),
            np.float32(step_size),
            np.float32(tv_weight),
        )

    def loss(self, image: tf.Tensor | np.ndarray, weights: np.ndarray | None = None) -> float:
        """The objective of a whole image (untiled), for checks and tests."""
        import tensorflow as tf

        weights = self.default_weights() if weights is None else weights
        features = self.feature_model(self.spec.preprocess(tf.convert_to_tensor(image, tf.float32))[None])
        return float(objective_value(self.objective, features, tf.constant(weights, tf.float32)))

    def _tile_gradient(self, tile: tf.Tensor, weights: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(tile)
            features = self.feature_model(self.spec.preprocess(tile)[None], training=False)
            loss = objective_value(self.objective, features, weights)
        return loss, tape.gradient(loss, tile)

    def _tiled_gradient(self, image: tf.Tensor, shift: tf.Tensor, weights: tf.Tensor,
                        tile_size: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """Gradient of the objective summed over a grid of tiles laid on the rolled image.

        Rolling the image by a random shift each step moves the tile seams, so none stays visible.
        Tiles are near-equal in size (at most tile_size), which bounds memory for any image size.
        """
        import tensorflow as tf

        rolled = tf.roll(image, shift, axis=[0, 1])
        height, width = tf.shape(image)[0], tf.shape(image)[1]
        rows = (height + tile_size - 1) // tile_size
        columns = (width + tile_size - 1) // tile_size
        ys = tf.cast(tf.round(tf.linspace(0.0, tf.cast(height, tf.float32), rows + 1)), tf.int32)
        xs = tf.cast(tf.round(tf.linspace(0.0, tf.cast(width, tf.float32), columns + 1)), tf.int32)
        gradient = tf.zeros_like(image)
        loss = tf.zeros(())
        for row in tf.range(rows):
            for column in tf.range(columns):
                y0, y1, x0, x1 = ys[row], ys[row + 1], xs[column], xs[column + 1]
                tile_loss, tile_gradient = self._tile_gradient(rolled[y0:y1, x0:x1], weights)
                gradient += tf.pad(tile_gradient, [[y0, height - y1], [x0, width - x1], [0, 0]])
                loss += tile_loss
        loss /= tf.cast(rows * columns, tf.float32)
        return loss, tf.roll(gradient, -shift, axis=[0, 1])

    def _ascent_step(self, image: tf.Tensor, shift: tf.Tensor, weights: tf.Tensor, tile_size: tf.Tensor,
                     step_size: tf.Tensor, tv_weight: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        import tensorflow as tf

        loss, gradient = self._tiled_gradient(image, shift, weights, tile_size)
        gradient /= tf.math.reduce_std(gradient) + 1e-8
        if_smooth = tv_weight > 0
        gradient -= tf.cond(if_smooth, lambda: tv_weight * _total_variation_gradient(image), lambda: tf.zeros_like(image))
        image = tf.clip_by_value(image + step_size * gradient, 0.0, 255.0)
        return loss, image


def _total_variation_gradient(image: tf.Tensor) -> tf.Tensor:
    """Gradient of the image's total variation, scaled so a typical value is about 1."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        tape.watch(image)
        variation = tf.image.total_variation(image)
    return tape.gradient(variation, image) / 4.0
