"""Channels-last (what dreamvid uses) against channels-first, for the input gradient of VGG16.

    python bench/channels_order.py [--size 512] [--repeats 7]

Builds keras.applications.VGG16 (random weights: speed does not depend on them) in each data format,
up to the default dream layers, and times the gradient of the objective with respect to the input,
alternating the two in this one process. Prints the median of each.
"""

from __future__ import annotations

import argparse

import numpy as np
from alternate import alternating_medians, print_against


def gradient_function(data_format: str, image: np.ndarray, layers: list[str]):
    import keras
    import tensorflow as tf

    keras.config.set_image_data_format(data_format)
    channels_first = data_format == "channels_first"
    base = keras.applications.VGG16(weights=None, include_top=False,
                                    input_shape=(3, None, None) if channels_first else (None, None, 3))
    model = keras.Model(base.input, [base.get_layer(name).output for name in layers])
    pixels = tf.constant(image.transpose(0, 3, 1, 2).copy() if channels_first else image)

    @tf.function
    def gradient():
        with tf.GradientTape() as tape:
            tape.watch(pixels)
            loss = tf.add_n([tf.reduce_mean(tf.square(output)) for output in model(pixels)])
        return tape.gradient(loss, pixels)

    return gradient


def main() -> None:
    import keras

    from dreamvid.dream.models import get_spec
    from dreamvid.runtime import start_tensorflow

    start_tensorflow()
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    layers = [term.layer for term in get_spec("vgg16").default_layers]
    image = np.random.default_rng(0).uniform(-100, 100, (1, args.size, args.size, 3)).astype(np.float32)
    functions = {fmt: gradient_function(fmt, image, layers) for fmt in ("channels_last", "channels_first")}
    keras.config.set_image_data_format("channels_last")
    medians = alternating_medians(functions, args.repeats)
    print(f"input gradient of {', '.join(layers)} at {args.size}x{args.size}, median of {args.repeats}:")
    print_against(medians, "channels_last")

if __name__ == "__main__":
    main()
