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
sees each tile's border as an edge). A picture longer than `StyleSettings.tile` is optimised tile by
tile as well (`Stylist._tiled_step`): each tile carries a TILE_HALO of context, only its core's
feature cells count, the cores' Gram numerators are summed and divided by all positions (the whole
picture's Gram matrix), and each tile's gradient is then taken with the whole loss's derivative by
those Gram matrices, so the tiles' gradients add up to the whole picture's. The picture is optimised
at most at `StyleSettings.max_side`; a bigger one is styled at that size, upsampled, and gets its
own fine detail back, as `octaves.dream_at_scale` does for dreams.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np

from dreamvid.dream.models import ModelSpec
from dreamvid.dream.octaves import resize
from dreamvid.errors import DreamvidError
from dreamvid.events import Progress, ProgressEvent
from dreamvid.io.images import read_image
from dreamvid.settings import StyleSettings
from dreamvid.style.losses import (
    gram_matrix,
    relative_squared_error,
    squared_norm,
    style_loss,
    temporal_loss,
    variation_loss,
)

if TYPE_CHECKING:  # imported where used, so that importing dreamvid stays light
    import keras
    import tensorflow as tf


# Smallest side a picture may have: VGG16's block5 sees it through four poolings, so 32 px is 2 cells.
MIN_SIDE = StyleSettings.MIN_SIDE
# Style images are turned into Gram matrices in tiles of at most this side (bounded memory).
STYLE_TILE = 512
# Tile borders fall on multiples of this, so every tile's feature grid lines up with the whole's.
TILE_ALIGNMENT = 16
# A picture optimised in tiles gives each tile this much context on every inner side (a multiple of
# TILE_ALIGNMENT): the network sees it, but only the tile's own core counts in the losses.
TILE_HALO = 32
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
class AdamState:
    """Adam's moment estimates per pixel and how many steps each pixel has taken (for the bias
    correction), so an optimisation can continue where another left off: a later video frame
    carries the previous frame's, warped along the flow and reset (all zero) where the flow fails."""

    first: np.ndarray  # (h, w, 3) float32
    second: np.ndarray  # (h, w, 3) float32
    steps: np.ndarray  # (h, w) float32

    @classmethod
    def fresh(cls, shape) -> "AdamState":
        height, width = int(shape[0]), int(shape[1])
        return cls(np.zeros((height, width, 3), np.float32), np.zeros((height, width, 3), np.float32),
                   np.zeros((height, width), np.float32))

    def resized(self, shape) -> "AdamState":
        """The same state for a picture of another (height, width) (bilinear; kept as it is if equal)."""
        shape = (int(shape[0]), int(shape[1]))
        if self.steps.shape == shape:
            return self
        return AdamState(resize(self.first, shape), np.maximum(resize(self.second, shape), 0.0),
                         np.maximum(resize(self.steps, shape), 0.0))

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"adam_first": self.first, "adam_second": self.second, "adam_steps": self.steps}

    @classmethod
    def from_arrays(cls, arrays) -> "AdamState | None":
        """The state in `arrays` (as to_arrays wrote it), or None when it holds none or has the wrong shapes."""
        try:
            first, second, steps = (np.asarray(arrays[key], np.float32)
                                    for key in ("adam_first", "adam_second", "adam_steps"))
        except KeyError:
            return None
        if first.ndim != 3 or first.shape != second.shape or steps.shape != first.shape[:2]:
            return None
        return cls(first, second, steps)


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


def picture_tiles(height: int, width: int, tile: int) -> list[tuple[tuple[int, int, int, int], tuple[int, int, int, int]]]:
    """(box, core) of each tile of a picture optimised in tiles of at most `tile` px a side: `box`
    (top, left, bottom, right) is the tile with TILE_HALO px of context on its inner sides, in the
    picture; `core` is the tile's own part, in the box. The cores cover the picture once and their
    borders fall on multiples of TILE_ALIGNMENT, so each feature cell belongs to one core."""
    tiles = []
    ys, xs = tile_edges(height, tile), tile_edges(width, tile)
    for y0, y1 in zip(ys, ys[1:]):
        for x0, x1 in zip(xs, xs[1:]):
            top, left = max(0, y0 - TILE_HALO), max(0, x0 - TILE_HALO)
            bottom, right = min(height, y1 + TILE_HALO), min(width, x1 + TILE_HALO)
            tiles.append(((top, left, bottom, right), (y0 - top, x0 - left, y1 - top, x1 - left)))
    return tiles


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
                tf.TensorSpec(shape=[None, None], dtype=tf.float32),  # step number per pixel, from 1
                tf.TensorSpec(shape=[None, None, None], dtype=tf.float32),  # content features
                grams,
                image,  # temporal target: the warped previous styled frame
                tf.TensorSpec(shape=[None, None], dtype=tf.float32),  # temporal mask
                tf.TensorSpec(shape=[len(self.dream_layers)], dtype=tf.float32),  # dream reference
                tf.TensorSpec(shape=[len(LOSS_NAMES)], dtype=tf.float32),  # loss weights
                tf.TensorSpec(shape=[None, None], dtype=tf.float32),  # learning rate per pixel
            ],
        )
        # The same step for a picture larger than settings.tile, evaluated tile by tile (see _tiled_step).
        core = tf.TensorSpec(shape=[4], dtype=tf.int32)
        vector = tf.TensorSpec(shape=[None], dtype=tf.float32)
        self._tile_sums = tf.function(self._tile_sums_of, input_signature=[
            image, core, tf.TensorSpec(shape=[None, None, None], dtype=tf.float32)])
        self._tile_gradient = tf.function(self._tile_gradient_of, input_signature=[
            image, core, grams, tf.TensorSpec(shape=[None, None, None], dtype=tf.float32),
            tf.TensorSpec(shape=[], dtype=tf.float32), vector])
        self._pixel_terms = tf.function(self._pixel_terms_of, input_signature=[
            image, image, tf.TensorSpec(shape=[None, None], dtype=tf.float32), vector])
        self._update = tf.function(self._adam_update, input_signature=[
            image, image, image, tf.TensorSpec(shape=[None, None], dtype=tf.float32), image,
            tf.TensorSpec(shape=[None, None], dtype=tf.float32)])
        self._strides = self._layer_strides()

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

    def loss_weights(self, temporal: bool, style_weight: float | None = None) -> np.ndarray:
        """The losses' weights (a tensor input of the step, so a scheduled style weight never retraces it)."""
        settings = self.settings
        return np.float32([
            settings.style_weight if style_weight is None else style_weight,
            settings.content_weight,
            settings.tv_weight,
            settings.temporal_weight if temporal else 0.0,
            settings.dream_weight if self.dream_layers else 0.0,
        ])

    def step(self, image: tf.Tensor, first_moment: tf.Tensor, second_moment: tf.Tensor, number: tf.Tensor,
             content_features: tf.Tensor, targets: Sequence[tf.Tensor], temporal_target: tf.Tensor,
             temporal_mask: tf.Tensor, dream_reference: tf.Tensor, weights: tf.Tensor,
             learning_rate: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]:
        """One Adam step; `number` is each pixel's step number (from 1) and `learning_rate` each pixel's
        step size, both (h, w).
        Returns (picture, first moment, second moment, loss components)."""
        return self._step(
            image, first_moment, second_moment, number, content_features, list(targets),
            temporal_target, temporal_mask, dream_reference, weights, learning_rate,
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
        style = style_loss([gram_matrix(features[name]) for name in self.style_layers], targets)
        content = relative_squared_error(features[self.content_layer][0], content_features)
        pixels = image / 255.0
        variation = variation_loss(pixels)
        temporal = temporal_loss(pixels, temporal_target, temporal_mask)
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
        image, first_moment, second_moment = self._adam_update(
            image, first_moment, second_moment, number, gradient, learning_rate)
        return image, first_moment, second_moment, tf.stack(components)

    def _adam_update(self, image, first_moment, second_moment, number, gradient, learning_rate):
        import tensorflow as tf

        first_moment = ADAM_BETA1 * first_moment + (1 - ADAM_BETA1) * gradient
        second_moment = ADAM_BETA2 * second_moment + (1 - ADAM_BETA2) * tf.square(gradient)
        number = number[..., None]
        corrected_first = first_moment / (1 - tf.pow(ADAM_BETA1, number))
        corrected_second = second_moment / (1 - tf.pow(ADAM_BETA2, number))
        update = learning_rate[..., None] * corrected_first / (tf.sqrt(corrected_second) + ADAM_EPSILON)
        image = tf.clip_by_value(image - update, 0.0, 255.0)
        return image, first_moment, second_moment

    # -- tiled evaluation, for pictures larger than settings.tile -------------------------------

    def _layer_strides(self) -> dict[str, int]:
        """How many picture pixels one feature cell of each layer spans (VGG16: 1 to 16)."""
        import tensorflow as tf

        side = 4 * TILE_ALIGNMENT
        features = self._features(tf.zeros((side, side, 3), tf.float32))
        return {name: max(1, side // int(value.shape[1])) for name, value in features.items()}

    def tiles(self, height: int, width: int) -> list[tuple[tuple[int, int, int, int], tuple[int, int, int, int]]]:
        return picture_tiles(height, width, self.settings.tile)

    def _core_of(self, features, core, name):
        """The feature cells of layer `name` that the tile's core covers, (h, w, c)."""
        stride = self._strides[name]
        return features[name][0, core[0] // stride:(core[2] + stride - 1) // stride,
                              core[1] // stride:(core[3] + stride - 1) // stride]

    def _tile_sums_of(self, tile, core, content_core):
        """One tile's share of the losses: the core's Gram numerators (F^T F) and positions per style
        layer, its squared content difference, its squared dream activations and positions."""
        import tensorflow as tf

        features = self._features_of(tile)
        numerators, positions = [], []
        for name in self.style_layers:
            cells = self._core_of(features, core, name)
            flat = tf.reshape(cells, [-1, tf.shape(cells)[-1]])
            numerators.append(tf.matmul(flat, flat, transpose_a=True))
            positions.append(tf.cast(tf.shape(flat)[0], tf.float32))
        content = tf.reduce_sum(tf.square(self._core_of(features, core, self.content_layer) - content_core))
        dream = [tf.reduce_sum(tf.square(self._core_of(features, core, name))) for name in self.dream_layers]
        dream_positions = [tf.cast(tf.reduce_prod(tf.shape(self._core_of(features, core, name))[:2]), tf.float32)
                           for name in self.dream_layers]
        empty = tf.zeros([0], tf.float32)
        return (numerators, tf.stack(positions), content, tf.stack(dream) if dream else empty,
                tf.stack(dream_positions) if dream else empty)

    def _tile_gradient_of(self, tile, core, coefficients, content_core, content_scale, dream_scales):
        """The gradient, over the tile's pixels, of its core's part of the weighted loss, given the
        whole picture's Gram matrices through `coefficients` (per style layer, the loss's derivative
        by the Gram matrix over the number of positions): sum(C * F^T F) has the same gradient in F
        as the style loss, so the tiles' gradients add up to the whole picture's."""
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(tile)
            features = self._features_of(tile)
            total = tf.zeros(())
            for name, coefficient in zip(self.style_layers, coefficients):
                cells = self._core_of(features, core, name)
                flat = tf.reshape(cells, [-1, tf.shape(cells)[-1]])
                total += tf.reduce_sum(coefficient * tf.matmul(flat, flat, transpose_a=True))
            content = self._core_of(features, core, self.content_layer)
            total += content_scale * tf.reduce_sum(tf.square(content - content_core))
            for index, name in enumerate(self.dream_layers):
                total -= dream_scales[index] * tf.reduce_sum(tf.square(self._core_of(features, core, name)))
        return tape.gradient(total, tile)

    def _pixel_terms_of(self, image, temporal_target, temporal_mask, weights):
        """The pixel-level terms of the whole picture (variation, temporal) and their weighted gradient."""
        import tensorflow as tf

        with tf.GradientTape() as tape:
            tape.watch(image)
            pixels = image / 255.0
            variation = variation_loss(pixels)
            temporal = temporal_loss(pixels, temporal_target, temporal_mask)
            total = weights[2] * variation + weights[3] * temporal
        return variation, temporal, tape.gradient(total, image)

    def _tiled_content(self, content: np.ndarray):
        """Per tile, the content picture's content-layer cells of its core; the sum of their squares;
        and each dream layer's mean squared activation on the content (the dream term's unit)."""
        import tensorflow as tf

        cores, norm = [], 0.0
        dream_sums = np.zeros(len(self.dream_layers), np.float64)
        dream_positions = np.zeros(len(self.dream_layers), np.float64)
        for (top, left, bottom, right), core in self.tiles(*content.shape[:2]):
            features = self._features(tf.constant(content[top:bottom, left:right], tf.float32))
            cells = self._core_of(features, core, self.content_layer)
            cores.append(cells)
            norm += float(tf.reduce_sum(tf.square(cells)))
            for index, name in enumerate(self.dream_layers):
                dream_cells = self._core_of(features, core, name)
                dream_sums[index] += float(tf.reduce_sum(tf.square(dream_cells)))
                dream_positions[index] += int(dream_cells.shape[0]) * int(dream_cells.shape[1])
        reference = np.float32(dream_sums / np.maximum(dream_positions, 1) + 1e-8)
        return cores, norm, reference

    def _tiled_step(self, image, first_moment, second_moment, number, content_cores, content_norm, targets,
                    temporal_target, temporal_mask, dream_reference, weights, learning_rate):
        """The Adam step of `_adam_step`, its network evaluated tile by tile so memory stays that of
        one tile. First every tile's Gram numerators F^T F are summed and divided by the total number
        of positions, which is the whole picture's Gram matrix (exact, but for what the network sees
        at a tile's border: the halo keeps that small); then each tile's gradient is taken with the
        whole picture's loss derivative by its Gram matrices, and the gradients are added up."""
        import tensorflow as tf

        height, width = int(image.shape[0]), int(image.shape[1])
        tiles = self.tiles(height, width)
        numerators = [0.0] * len(self.style_layers)
        positions = np.zeros(len(self.style_layers))
        content_difference = 0.0
        dream_sums = np.zeros(len(self.dream_layers))
        dream_positions = np.zeros(len(self.dream_layers))
        for ((top, left, bottom, right), core), content_core in zip(tiles, content_cores):
            sums = self._tile_sums(image[top:bottom, left:right], tf.constant(core, tf.int32), content_core)
            numerators = [total + numerator for total, numerator in zip(numerators, sums[0])]
            positions += sums[1].numpy()
            content_difference += float(sums[2])
            dream_sums += sums[3].numpy()
            dream_positions += sums[4].numpy()
        weights = np.asarray(weights, np.float32)
        grams = [numerator / count for numerator, count in zip(numerators, positions)]
        style_parts = [relative_squared_error(gram, target) for gram, target in zip(grams, targets)]
        coefficients = [  # d(weighted style loss)/d(Gram numerator): the style term's derivative, per position
            weights[0] * 2.0 * (gram - target) / (len(targets) * squared_norm(target) * count)
            for gram, target, count in zip(grams, targets, positions)
        ]
        content_scale = np.float32(weights[1] / (content_norm + 1e-8))
        reference = np.asarray(dream_reference, np.float64)
        layers = max(1, len(self.dream_layers))
        dream_scales = np.float32(weights[4] / (layers * np.maximum(dream_positions, 1) * reference))
        gradient = np.zeros((height, width, 3), np.float32)
        for ((top, left, bottom, right), core), content_core in zip(tiles, content_cores):
            gradient[top:bottom, left:right] += self._tile_gradient(
                image[top:bottom, left:right], tf.constant(core, tf.int32), coefficients, content_core,
                content_scale, dream_scales).numpy()
        variation, temporal, pixel_gradient = self._pixel_terms(image, temporal_target, temporal_mask, weights)
        image, first_moment, second_moment = self._update(
            image, first_moment, second_moment, number, tf.constant(gradient) + pixel_gradient, learning_rate)
        components = [
            float(np.mean([float(part) for part in style_parts])),
            content_difference / (content_norm + 1e-8),
            float(variation),
            float(temporal),
            float(np.mean(dream_sums / np.maximum(dream_positions, 1) / reference)) if self.dream_layers else 0.0,
        ]
        return image, first_moment, second_moment, tf.constant(np.float32(components))

    def tiled(self, shape) -> bool:
        """Whether a picture of (height, width) is optimised tile by tile."""
        return 0 < self.settings.tile < max(int(shape[0]), int(shape[1]))


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


def build_stylist(settings: StyleSettings, dream_layers: tuple[str, ...] = (),
                  model: keras.Model | None = None) -> Stylist:
    """Read the style images, load the model (unless given) and compile the step."""
    from dreamvid.dream.models import get_spec, load_model

    styles = read_styles(settings.styles)
    spec = get_spec(settings.model)
    model = load_model(settings.model, settings.weights) if model is None else model
    return Stylist(model, spec, settings, styles, dream_layers)


def optimise(image: np.ndarray, content: np.ndarray, stylist: Stylist, steps: int, *,
             temporal: TemporalTarget | None = None, learning_rate: float | np.ndarray | None = None,
             progress: Progress | None = None, scale: int = 1, scales: int = 1) -> np.ndarray:
    """`steps` Adam steps on `image` (fresh moments) at its own size, toward `content` and the style."""
    return optimise_from(image, content, stylist, steps, temporal=temporal, learning_rate=learning_rate,
                         progress=progress, scale=scale, scales=scales)[0]


def optimise_from(image: np.ndarray, content: np.ndarray, stylist: Stylist, steps: int, *,
                  adam: AdamState | None = None, temporal: TemporalTarget | None = None,
                  learning_rate: float | np.ndarray | None = None, progress: Progress | None = None, scale: int = 1,
                  scales: int = 1, style_weight: float | None = None) -> tuple[np.ndarray, AdamState]:
    """`steps` Adam steps on `image` at its own size, continuing from `adam` (resized to the picture;
    fresh moments where it is zero, or everywhere without it); returns the picture and Adam's state.
    `learning_rate` is one number or one per pixel (an (h, w) map, resized to the picture)."""
    import tensorflow as tf

    shape = image.shape[:2]
    if content.shape[:2] != shape:
        content = resize(content, shape)
    warped, mask = _temporal_inputs(temporal, shape)
    adam = AdamState.fresh(shape) if adam is None else adam.resized(shape)
    tensor = tf.constant(image, tf.float32)
    first_moment = tf.constant(adam.first)
    second_moment = tf.constant(adam.second)
    taken = adam.steps.astype(np.float32)
    weights = tf.constant(stylist.loss_weights(temporal is not None, style_weight))
    if stylist.tiled(shape):
        cores, norm, reference = stylist._tiled_content(content)
        arguments = (cores, norm, stylist.style_targets(shape), tf.constant(warped), tf.constant(mask),
                     reference, weights)
        step = stylist._tiled_step
    else:
        arguments = (
            stylist.content_features(content), stylist.style_targets(shape), tf.constant(warped),
            tf.constant(mask), tf.constant(stylist.dream_reference(content)), weights,
        )
        step = stylist.step
    rate = stylist.settings.learning_rate if learning_rate is None else learning_rate
    rate = tf.constant(np.broadcast_to(np.float32(rate), shape) if np.ndim(rate) == 0 else resize(rate, shape))
    for number in range(1, steps + 1):
        tensor, first_moment, second_moment, components = step(
            tensor, first_moment, second_moment, tf.constant(taken + number), *arguments, rate
        )
        if progress is not None:
            weighted = components.numpy() * arguments[-1].numpy() * np.float32([1, 1, 1, 1, -1])
            progress(ProgressEvent(scale, scales, number, steps, float(weighted.sum())))
    return tensor.numpy(), AdamState(first_moment.numpy(), second_moment.numpy(), taken + steps)


def stylise(content: np.ndarray, settings: StyleSettings, stylist: Stylist, *, start: np.ndarray | None = None,
            steps: int | None = None, progress: Progress | None = None,
            temporal: TemporalTarget | None = None,
            on_scale: Callable[[int, np.ndarray], None] | None = None, style_weight: float | None = None) -> np.ndarray:
    """Style an RGB float picture (0..255); returns float32 0..255 of the same size.

    Without `start`, coarse to fine: the content at 1/2^(scales-1) of its size is optimised for
    `settings.steps` steps, upsampled, optimised again, up to full size. With `start` (the warped
    previous styled frame, for instance), only `steps` steps at full size from there. A picture
    larger than `settings.max_side` is styled at that size and gets its own detail back.
    `on_scale(scale, picture)` sees each scale's result (at that scale's size).
    Deterministic: the optimisation starts from the content (or `start`) and draws nothing at random.
    """
    return stylise_from(content, settings, stylist, start=start, steps=steps, progress=progress,
                        temporal=temporal, on_scale=on_scale, style_weight=style_weight)[0]


def stylise_from(content: np.ndarray, settings: StyleSettings, stylist: Stylist, *,
                 start: np.ndarray | None = None, adam: AdamState | None = None, steps: int | None = None,
                 progress: Progress | None = None, temporal: TemporalTarget | None = None,
                 on_scale: Callable[[int, np.ndarray], None] | None = None,
                 style_weight: float | None = None) -> tuple[np.ndarray, AdamState]:
    """`stylise` (with `style_weight` instead of the settings' own, when given), continuing Adam's
    state `adam` (with `start`; at the picture's size) and returning
    the styled picture with Adam's state after the last scale (at the picture's size)."""
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
        adam = None
    else:
        shapes = [working_shape]
        current = resize(np.asarray(start, np.float32), working_shape)
        steps = settings.steps_next if steps is None else steps
    rate = None
    if temporal is not None and settings.learning_rate_next:  # a video frame: trusted pixels step gently
        trusted = _temporal_inputs(temporal, working_shape)[1]
        rate = (settings.learning_rate_next * trusted + settings.learning_rate * (1.0 - trusted)).astype(np.float32)
    state = adam.resized(working_shape) if adam is not None else AdamState.fresh(working_shape)
    for index, shape in enumerate(shapes):
        current = resize(current, shape)
        if steps > 0:
            current, state = optimise_from(
                current, resize(working, shape), stylist, steps, adam=adam, temporal=temporal,
                learning_rate=rate, progress=progress, scale=index + 1, scales=len(shapes),
                style_weight=style_weight,
            )
        if on_scale is not None:
            on_scale(index + 1, current)
    state = state.resized((height, width))
    if working_shape == (height, width):
        return np.clip(current, 0.0, 255.0).astype(np.float32), state
    detail = content - resize(working, (height, width))
    return np.clip(resize(current, (height, width)) + detail, 0.0, 255.0).astype(np.float32), state
