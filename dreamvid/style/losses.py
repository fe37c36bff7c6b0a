"""The style transfer's loss terms, written once for the whole picture and for tiles (Gatys et al.).

Each term is unweighted and normalised by its target's scale, so the weights in StyleSettings compare
directly: the style term is the mean over style layers of |G - G_style|^2 / |G_style|^2 (G a Gram
matrix, see `gram_matrix`), the content term |F - F_content|^2 / |F_content|^2 at one layer, total
variation the mean squared difference of neighbouring pixels and the temporal term the masked mean
squared difference from the warped previous styled frame, both in 0..1 pixel units.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    import tensorflow as tf

EPSILON = 1e-8  # keeps an all-zero target from dividing by zero


def gram_matrix(features: tf.Tensor) -> tf.Tensor:
    """The c x c Gram matrix of a (1, h, w, c) or (h, w, c) feature map, divided by h * w."""
    import tensorflow as tf

    features = tf.reshape(features, [-1, tf.shape(features)[-1]])
    positions = tf.cast(tf.shape(features)[0], tf.float32)
    return tf.matmul(features, features, transpose_a=True) / positions


def squared_norm(target: tf.Tensor) -> tf.Tensor:
    """|target|^2, the unit a term against `target` is measured in."""
    import tensorflow as tf

    return tf.reduce_sum(tf.square(target)) + EPSILON


def relative_squared_error(value: tf.Tensor, target: tf.Tensor) -> tf.Tensor:
    """|value - target|^2 / |target|^2."""
    import tensorflow as tf

    return tf.reduce_sum(tf.square(value - target)) / squared_norm(target)


def style_loss(grams: Sequence[tf.Tensor], targets: Sequence[tf.Tensor]) -> tf.Tensor:
    """The mean over style layers of each Gram matrix's relative squared error."""
    import tensorflow as tf

    return tf.add_n([relative_squared_error(gram, target) for gram, target in zip(grams, targets)]) / len(targets)


def variation_loss(pixels: tf.Tensor) -> tf.Tensor:
    """The mean squared difference of vertically and of horizontally neighbouring pixels (0..1 units)."""
    import tensorflow as tf

    return tf.reduce_mean(tf.square(pixels[1:] - pixels[:-1])) + tf.reduce_mean(
        tf.square(pixels[:, 1:] - pixels[:, :-1])
    )


def temporal_loss(pixels: tf.Tensor, target: tf.Tensor, mask: tf.Tensor) -> tf.Tensor:
    """mean(mask * (pixels - target)^2), `pixels` in 0..1 and `target` in 0..255 (Ruder et al.)."""
    import tensorflow as tf

    return tf.reduce_mean(mask[..., None] * tf.square(pixels - target / 255.0))
