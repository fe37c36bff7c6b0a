"""Neural style transfer (Gatys et al. 2016), with Ruder et al.'s temporal term for video.

The picture is optimised directly, in 0..255 RGB pixels, by Adam on the sum of
- a style loss: for each style layer, the squared difference between the picture's Gram matrix and
  the style's, divided by the squared size of the style's (so every layer counts alike);
- a content loss: the squared difference from the content picture's features at one deep layer,
  divided by the squared size of those features;
- a total-variation loss: the mean squared difference of neighbouring pixels (0..1 units);
- optionally a temporal loss, mean(mask * (picture - warped previous)^2) in 0..1 units, which keeps
  a video frame on the previous styled frame where the optical flow is reliable;
- optionally minus a DeepDream term (mean squared activation of dream layers, relative to the
  content picture's), so a style and a dream can be mixed.

A Gram matrix is a sum over positions divided by the number of positions, so it is the same kind of
number at any size. That is what lets `Stylist` be traced once: the style targets (one c x c matrix
per layer), the content features, the temporal target and mask and the loss weights are all run-time
inputs, and the picture, Adam's moments and the features have open sizes.

Memory: a style image of any size is reduced to Gram matrices tile by tile (the numerators F^T F are
summed over tiles, then divided by the total number of positions; exact except that the network
sees each tile's border as an edge). The picture itself is optimised at most at
`StyleSettings.max_side`; a bigger picture is styled at that size, upsampled, and gets its own fine
detail back, as `octaves.dream_at_scale` does for dreams.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np

from dreamvid.errors import DreamvidError
from dreamvid.image_io import read_image
from dreamvid.models import ModelSpec
from dreamvid.octaves import resize
from dreamvid.events import Progress, ProgressEvent
from dreamvid.settings import StyleSettings

if TYPE_CHECKING:  # imported where used, so that importing dreamvid stays light
    import keras
    import tensorflow as tf


# Smallest side a picture may have: VGG16's block5 sees it through four poolings, so 32 px is 2 cells.
MIN_SIDE = StyleSettings.MIN_SIDE
# Style images are turned into Gram matrices in tiles of at most this side (bounded memory).
STYLE_TILE = 512
# Tile borders fall on multiples of this, so every tile's feature grid lines up with the whole's.
TILE_ALIGNMENT = 16
ADAM_BETA1 = 0.9
ADAM_BETA2 = 0.999
ADAM_EPSILON = 1e-8
# The order of the loss weights and of the loss components a step returns.
LOSS_NAMES = ("style", "content", "variation", "temporal", "dream")


@dataclass(frozen=True)
class StyleImage:
    """One style picture (RGB float32 0..255) and its share of the mixed style."""

    path: str
    rgb: np.ndarray
    weight: float


@dataclass(frozen=True)
class TemporalTarget:
    """The previous styled frame warped onto this one, and where that warp is trusted (0..1)."""

    warped: np.ndarray  # (h, w, 3) float32, 0..255
    mask: np.ndarray  # (h, w) float32, 0..1


@dataclass(frozen=True)
class StyleLosses:
    """The unweighted loss components of one picture."""

    style: float
    content: float
    variation: float
    temporal: float
    dream: float


def read_styles(styles: tuple[tuple[str, float], ...]) -> tuple[StyleImage, ...]:
    """Read every style image; a missing, unreadable or too small one is a one-line DreamvidError."""
    images = []
    for path, weight in styles:
        picture = read_image(path)
        if min(picture.rgb.shape[:2]) < MIN_SIDE:
            height, width = picture.rgb.shape[:2]
            raise DreamvidError(
                f"style image {path} is {width}x{height}: both sides must be at least {MIN_SIDE} px"
            )
        images.append(StyleImage(str(path), picture.rgb, float(weight)))
    return tuple(images)


def gram_matrix(features: tf.Tensor) -> tf.Tensor:
    """The c x c Gram matrix of a (1, h, w, c) or (h, w, c) feature map, divided by h * w."""
    import tensorflow as tf

    features = tf.reshape(features, [-1, tf.shape(features)[-1]])
    positions = tf.cast(tf.shape(features)[0], tf.float32)
    return tf.matmul(features, features, transpose_a=True) / positions


def style_shape(picture_shape: tuple[int, int], style_rgb_shape: tuple[int, ...],
                style_scale: float) -> tuple[int, int]:
    """(height, width) of a style image resized so its longer side is style_scale times the picture's."""
    longest = style_scale * max(picture_shape[:2])
    height, width = style_rgb_shape[:2]
    factor = longest / max(height, width)
    return (max(MIN_SIDE, round(height * factor)), max(MIN_SIDE, round(width * factor)))


def scale_shapes(height: int, width: int, scales: int) -> list[tuple[int, int]]:
    """(height, width) of each coarse-to-fine scale, halving each time, smallest first.

    A scale whose shorter side would fall under 64 px is skipped: its deep style layers would be
    only a few cells across.
    """
    shapes = []
    for index in reversed(range(scales)):
        factor = 2**index
        shape = (round(height / factor), round(width / factor))
        if min(shape) >= 2 * MIN_SIDE or index == 0:
            shapes.append(shape)
    return shapes


def tile_edges(length: int, tile: int) -> list[int]:
    """Edges of near-equal tiles of at most `tile` along a side, on multiples of TILE_ALIGNMENT."""
    count = -(-length // tile)
    edges = [round(length * index / count / TILE_ALIGNMENT) * TILE_ALIGNMENT for index in range(count)]
    return edges + [length]


class Stylist:
    """A feature model (style layers, content layer, dream layers) and one compiled Adam step.

    Built once per (model, settings, style images); the step is traced once for every picture size.
    Style targets are computed per picture size (the style image is resized with the picture) and
    cached, so the frames of a video reuse them.
    """

    def __init__(self, model: keras.Model, spec: ModelSpec, settings: StyleSettings, styles: tuple[StyleImage, ...],
                 dream_layers: tuple[str, ...] = ()) -> None:
        import keras
        import tensorflow as tf

        layer_names = {layer.name for layer in model.layers}
        wanted = tuple(settings.style_layers) + (settings.content_layer,) + tuple(dream_layers)
        for name in wanted:
            if name not in layer_names:
                raise DreamvidError(f"model {spec.name} has no layer {name!r}")
        if not styles:
            raise DreamvidError("style transfer needs at least one style image")
        self.spec = spec
        self.settings = settings
        self.styles = styles
        self.style_layers = tuple(settings.style_layers)
        self.content_layer = settings.content_layer
        self.dream_layers = tuple(dream_layers)
        outputs = {name: model.get_layer(name).output for name in dict.fromkeys(wanted)}
        self.feature_model = keras.Model(inputs=model.input, outputs=outputs)
        self._targets: dict[tuple[int, int], tuple] = {}

        image = tf.TensorSpec(shape=[None, None, 3], dtype=tf.float32)
        self._features = tf.function(self._features_of, input_signature=[image])
        grams = [
            tf.TensorSpec(shape=[None, None], dtype=tf.float32) for _ in self.style_layers
        ]
        self._step = tf.function(
            self._adam_step,
            input_signature=[
                image,  # picture
                image,  # Adam's first moment
                image,  # Adam's second moment
                tf.TensorSpec(shape=[], dtype=tf.float32),  # step number, from 1
                tf.TensorSpec(shape=[None, None, None], dtype=tf.float32),  # content features
                grams,
                image,  # temporal target: the warped previous styled frame
                tf.TensorSpec(shape=[None, None], dtype=tf.float32),  # temporal mask
                tf.TensorSpec(shape=[len(self.dream_layers)], dtype=tf.float32),  # dream reference
                tf.TensorSpec(shape=[len(LOSS_NAMES)], dtype=tf.float32),  # loss weights
                tf.TensorSpec(shape=[], dtype=tf.float32),  # learning rate
            ],
        )

    # -- targets ---------------------------------------------------------------------------

    def style_targets(self, shape: tuple[int, int]) -> tuple:
        """The mixed style's Gram matrix per style layer, for a picture of (height, width)."""
        key = tuple(shape[:2])
        if key not in self._targets:
            total_weight = sum(style.weight for style in self.styles)
            mixed = None
            for style in self.styles:
                size = style_shape(key, style.rgb.shape, self.settings.style_scale)
                grams = self.tiled_grams(resize(style.rgb, size))
                share = [gram * (style.weight / total_weight) for gram in grams]
                mixed = share if mixed is None else [a + b for a, b in zip(mixed, share)]
            self._targets[key] = tuple(mixed)
        return self._targets[key]

    def tiled_grams(self, rgb: np.ndarray) -> list:
        """Gram matrices of the style layers of an image of any size, summed tile by tile."""
        import tensorflow as tf

        height, width = rgb.shape[:2]
        numerators = [None] * len(self.style_layers)
        positions = [0] * len(self.style_layers)
        ys, xs = tile_edges(height, STYLE_TILE), tile_edges(width, STYLE_TILE)
        for y0, y1 in zip(ys, ys[1:]):
            for x0, x1 in zip(xs, xs[1:]):
                features = self._features(tf.constant(rgb[y0:y1, x0:x1], tf.float32))
                for index, name in enumerate(self.style_layers):
                    flat = tf.reshape(features[name], [-1, tf.shape(features[name])[-1]])
                    product = tf.matmul(flat, flat, transpose_a=True)
                    numerators[index] = product if numerators[index] is None else numerators[index] + product
                    positions[index] += int(flat.shape[0])
        return [numerator / count for numerator, count in zip(numerators, positions)]

    def content_features(self, content: np.ndarray) -> tf.Tensor:
        """The content layer's features of a picture, (h, w, c)."""
        import tensorflow as tf

        return self._features(tf.constant(content, tf.float32))[self.content_layer][0]

    def dream_reference(self, content: np.ndarray) -> np.ndarray:
        """Each dream layer's mean squared activation on the content picture (the dream term's unit)."""
        import tensorflow as tf

        features = self._features(tf.constant(content, tf.float32))
        return np.float32([float(tf.reduce_mean(tf.square(features[name]))) + 1e-8 for name in self.dream_layers])

    # -- the step ---------------------------------------------------------------------------

    def loss_weights(self, temporal: bool) -> np.ndarray:
        settings = self.settings
        return np.float32([
            settings.style_weight,
            settings.content_weight,
            settings.tv_weight,
            settings.temporal_weight if temporal else 0.0,
            settings.dream_weight if self.dream_layers else 0.0,
        ])

    def step(self, image: tf.Tensor, first_moment: tf.Tensor, second_moment: tf.Tensor, number: int,
             content_features: tf.Tensor, targets: Sequence[tf.Tensor], temporal_target: tf.Tensor,
             temporal_mask: tf.Tensor, dream_reference: tf.Tensor, weights: tf.Tensor,
             learning_rate: float) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
        """One Adam step; returns (picture, first moment, second moment, loss components)."""
        return self._step(
            image, first_moment, second_moment, np.float32(number), content_features, list(targets),
            temporal_target, temporal_mask, dream_reference, weights, np.float32(learning_rate),
        )

    def losses(self, image: np.ndarray, content: np.ndarray,
               temporal: TemporalTarget | None = None) -> StyleLosses:
        """The unweighted loss components of `image` against `content` (and a temporal target)."""
        import tensorflow as tf

        image = tf.constant(image, tf.float32)
        warped, mask = _temporal_inputs(temporal, image.shape[:2])
        values = self._losses(
            image, self.content_features(content), list(self.style_targets(image.shape[:2])),
            tf.constant(warped), tf.constant(mask), tf.constant(self.dream_reference(content)),
        )
        return StyleLosses(*(float(value) for value in values))

    def _preprocess(self, rgb: tf.Tensor) -> tf.Tensor:
        return self.spec.preprocess(rgb)

    def _features_of(self, rgb: tf.Tensor) -> dict[str, tf.Tensor]:
        return self.feature_model(self._preprocess(rgb)[None], training=False)

    def _losses(self, image: tf.Tensor, content_features: tf.Tensor, targets: Sequence[tf.Tensor],
                temporal_target: tf.Tensor, temporal_mask: tf.Tensor,
                dream_reference: tf.Tensor) -> tuple[tf.Tensor, ...]:
        """(style, content, variation, temporal, dream) of the picture, each unweighted."""
        import tensorflow as tf

        features = self._features_of(image)
        style = tf.add_n([
            tf.reduce_sum(tf.square(gram_matrix(features[name]) - target))
            / (tf.reduce_sum(tf.square(target)) + 1e-8)
            for name, target in zip(self.style_layers, targets)
        ]) / len(self.style_layers)
        content = tf.reduce_sum(tf.square(features[self.content_layer][0] - content_features)) / (
            tf.reduce_sum(tf.square(content_features)) + 1e-8
        )
        pixels = image / 255.0
        variation = tf.reduce_mean(tf.square(pixels[1:] - pixels[:-1])) + tf.reduce_mean(
            tf.square(pixels[:, 1:] - pixels[:, :-1])
        )
        temporal = tf.reduce_mean(temporal_mask[..., None] * tf.square(pixels - temporal_target / 255.0))
        dream = tf.zeros(())
        for index, name in enumerate(self.dream_layers):
            dream += tf.reduce_mean(tf.square(features[name])) / dream_reference[index]
        if self.dream_layers:
            dream /= len(self.dream_layers)
        return style, content, variation, temporal, dream

    def _adam_step(self, image: tf.Tensor, first_moment: tf.Tensor, second_moment: tf.Tensor, number: tf.Tensor,
                   content_features: tf.Tensor, targets: Sequence[tf.Tensor], temporal_target: tf.Tensor,
                   temporal_mask: tf.Tensor, dream_reference: tf.Tensor, weights: tf.Tensor,
                   learning_rate: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(image)
            components = self._losses(
                image, content_features, targets, temporal_target, temporal_mask, dream_reference
            )
            signs = tf.constant([1.0, 1.0, 1.0, 1.0, -1.0])
            total = tf.reduce_sum(weights * signs * tf.stack(components))
        gradient = tape.gradient(total, image)
        first_moment = ADAM_BETA1 * first_moment + (1 - ADAM_BETA1) * gradient
        second_moment = ADAM_BETA2 * second_moment + (1 - ADAM_BETA2) * tf.square(gradient)
        corrected_first = first_moment / (1 - ADAM_BETA1**number)
        corrected_second = second_moment / (1 - ADAM_BETA2**number)
        update = learning_rate * corrected_first / (tf.sqrt(corrected_second) + ADAM_EPSILON)
        image = tf.clip_by_value(image - update, 0.0, 255.0)
        return image, first_moment, second_moment, tf.stack(components)


def _temporal_inputs(temporal: TemporalTarget | None, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The warped frame and mask for the step, resized to `shape`; zeros when there is none."""
    height, width = int(shape[0]), int(shape[1])
    if temporal is None:
        return np.zeros((height, width, 3), np.float32), np.zeros((height, width), np.float32)
    warped = np.asarray(temporal.warped, np.float32)
    mask = np.asarray(temporal.mask, np.float32)
    if warped.shape[:2] != mask.shape[:2] or warped.ndim != 3:
        raise DreamvidError("the temporal target and its mask must be (h, w, 3) and (h, w) of one size")
    return resize(warped, (height, width)), np.clip(resize(mask, (height, width)), 0.0, 1.0)


def warm_start(content: np.ndarray, temporal: TemporalTarget) -> np.ndarray:
    """Where a later video frame starts (Ruder et al.): the warped previous styled frame where the
    flow is trusted, the current content frame where it is not (newly revealed or occluded areas)."""
    warped, mask = _temporal_inputs(temporal, np.shape(content)[:2])
    return (mask[..., None] * warped + (1.0 - mask[..., None]) * np.asarray(content, np.float32)).astype(np.float32)


def build_stylist(settings: StyleSettings, dream_layers: tuple[str, ...] = (),
                  model: keras.Model | None = None) -> Stylist:
    """Read the style images, load the model (unless given) and compile the step."""
    from dreamvid.models import get_spec, load_model

    styles = read_styles(settings.styles)
    spec = get_spec(settings.model)
    model = load_model(settings.model, settings.weights) if model is None else model
    return Stylist(model, spec, settings, styles, dream_layers)


def optimise(image: np.ndarray, content: np.ndarray, stylist: Stylist, steps: int, *,
             temporal: TemporalTarget | None = None, learning_rate: float | None = None,
             progress: Progress | None = None, scale: int = 1, scales: int = 1) -> np.ndarray:
    """`steps` Adam steps on `image` (fresh moments) at its own size, toward `content` and the style."""
    import tensorflow as tf

    shape = image.shape[:2]
    if content.shape[:2] != shape:
        content = resize(content, shape)
    warped, mask = _temporal_inputs(temporal, shape)
    tensor = tf.constant(image, tf.float32)
    first_moment = tf.zeros_like(tensor)
    second_moment = tf.zeros_like(tensor)
    arguments = (
        stylist.content_features(content), stylist.style_targets(shape), tf.constant(warped),
        tf.constant(mask), tf.constant(stylist.dream_reference(content)),
        tf.constant(stylist.loss_weights(temporal is not None)),
    )
    rate = stylist.settings.learning_rate if learning_rate is None else learning_rate
    for number in range(1, steps + 1):
        tensor, first_moment, second_moment, components = stylist.step(
            tensor, first_moment, second_moment, number, *arguments, rate
        )
        if progress is not None:
            weighted = components.numpy() * arguments[-1].numpy() * np.float32([1, 1, 1, 1, -1])
            progress(ProgressEvent(scale, scales, number, steps, float(weighted.sum())))
    return tensor.numpy()


def stylise(content: np.ndarray, settings: StyleSettings, stylist: Stylist, *, start: np.ndarray | None = None,
            steps: int | None = None, progress: Progress | None = None,
            temporal: TemporalTarget | None = None,
            on_scale: Callable[[int, np.ndarray], None] | None = None) -> np.ndarray:
    """Style an RGB float picture (0..255); returns float32 0..255 of the same size.

    Without `start`, coarse to fine: the content at 1/2^(scales-1) of its size is optimised for
    `settings.steps` steps, upsampled, optimised again, up to full size. With `start` (the warped
    previous styled frame, for instance), only `steps` steps at full size from there. A picture
    larger than `settings.max_side` is styled at that size and gets its own detail back.
    `on_scale(scale, picture)` sees each scale's result (at that scale's size).
    Deterministic: the optimisation starts from the content (or `start`) and draws nothing at random.
    """
    content = np.asarray(content, np.float32)
    height, width = content.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise DreamvidError(
            f"a picture to style must be at least {MIN_SIDE} px on each side, got {width}x{height}"
        )
    if start is not None and np.shape(start)[:2] != (height, width):
        raise DreamvidError("the start picture must have the content's size")
    factor = min(1.0, settings.max_side / max(height, width))
    working_shape = (max(MIN_SIDE, round(height * factor)), max(MIN_SIDE, round(width * factor)))
    working = resize(content, working_shape)
    if start is None:
        shapes = scale_shapes(*working_shape, settings.scales)
        current = resize(working, shapes[0])
        steps = settings.steps if steps is None else steps
    else:
        shapes = [working_shape]
        current = resize(np.asarray(start, np.float32), working_shape)
        steps = settings.steps_next if steps is None else steps
    rate = settings.learning_rate_next if start is not None and settings.learning_rate_next else None
    for index, shape in enumerate(shapes):
        current = resize(current, shape)
        if steps > 0:
            current = optimise(
                current, resize(working, shape), stylist, steps, temporal=temporal, learning_rate=rate,
                progress=progress, scale=index + 1, scales=len(shapes),
            )
        if on_scale is not None:
            on_scale(index + 1, current)
    if working_shape == (height, width):
        return np.clip(current, 0.0, 255.0).astype(np.float32)
    detail = content - resize(working, (height, width))
    return np.clip(resize(current, (height, width)) + detail, 0.0, 255.0).astype(np.float32)
