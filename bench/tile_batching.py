"""Does batching tiles pay? One ascent gradient of a frame as tiles in turn, as one batch, as one tile.

    python bench/tile_batching.py [--height 480] [--width 640] [--repeats 6]

A 640x480 frame with the default 512-px tiles is two 320x480 tiles. Ways to get its gradient:
  tiles in turn  - the dreamer's step as shipped (two tile gradients, one after the other)
  bare in turn   - only the two tile gradients, one after the other (no roll, normalising, clipping)
  one batch      - both tiles stacked into one (2, h, w, 3) batch, one call (also bare)
  one tile       - the dreamer's step with tiles as large as the frame (one call on the whole frame)
Variants alternate within this one process; prints the median seconds of each.
"""

from __future__ import annotations

import argparse

import numpy as np
from alternate import alternating_medians, print_against


def main() -> None:
    import tensorflow as tf

    from dreamvid.dream.deepdream import build_dreamer
    from dreamvid.dream.objective import objective_value
    from dreamvid.settings import DreamSettings

    parser = argparse.ArgumentParser()
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--repeats", type=int, default=6)
    args = parser.parse_args()
    settings = DreamSettings()
    dreamer = build_dreamer(settings)
    weights = dreamer.default_weights()
    image = tf.constant(np.random.default_rng(0).uniform(0, 255, (args.height, args.width, 3)).astype(np.float32))
    half = args.width // 2

    def gradient_of(batch, weights):
        with tf.GradientTape() as tape:
            tape.watch(batch)
            features = dreamer.feature_model(dreamer._preprocess(batch), training=False)
            loss = objective_value(dreamer.objective, features, weights)
        return tape.gradient(loss, batch)

    @tf.function
    def batched_gradient(image, weights):
        gradient = gradient_of(tf.stack([image[:, :half], image[:, half : 2 * half]]), weights)
        return tf.concat([gradient[0], gradient[1]], axis=1)

    @tf.function
    def bare_gradients(image, weights):
        left = gradient_of(image[None, :, :half], weights)[0]
        right = gradient_of(image[None, :, half : 2 * half], weights)[0]
        return tf.concat([left, right], axis=1)

    variants = {
        "tiles in turn": lambda: dreamer.step(image, (3, 5), weights, settings.tile_size, 1.0, 0.0)[1],
        "bare in turn": lambda: bare_gradients(image, tf.constant(weights)),
        "one batch": lambda: batched_gradient(image, tf.constant(weights)),
        "one tile": lambda: dreamer.step(image, (3, 5), weights, max(args.height, args.width), 1.0, 0.0)[1],
    }
    medians = alternating_medians(variants, args.repeats)
    print(f"gradient of a {args.width}x{args.height} frame, tile size {settings.tile_size}, "
          f"median of {args.repeats}:")
    print_against(medians, "tiles in turn")

if __name__ == "__main__":
    main()
