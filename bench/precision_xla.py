"""What the hardware offers, measured: float32 vs bfloat16 weights and activations, with and without XLA.

    python bench/precision_xla.py [--size 512] [--repeats 5]

Times the input gradient of the default objective (forward + backward of the VGG16 stack up to the
deepest default layer) on one image, median of several runs, all variants in this one process.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def main() -> None:
    import keras
    import tensorflow as tf

    from dreamvid.dream.models import get_spec, load_model
    from dreamvid.settings import DreamSettings

    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    spec = get_spec("vgg16")
    settings = DreamSettings()
    layers = [term.layer for term in spec.default_layers]
    image = tf.constant(np.random.default_rng(0).uniform(-100, 100, (1, args.size, args.size, 3)).astype(np.float32))
    results = {}
    for precision in ("float32", "bfloat16"):
        keras.config.set_dtype_policy("mixed_bfloat16" if precision == "bfloat16" else "float32")
        model = load_model("vgg16", settings.weights)
        features = keras.Model(model.input, [model.get_layer(name).output for name in layers])
        for xla in (False, True):

            def gradient(x):
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    outputs = features(x)
                    loss = tf.add_n([tf.reduce_mean(tf.square(tf.cast(o, tf.float32))) for o in outputs])
                return tape.gradient(loss, x)

            compiled = tf.function(gradient, jit_compile=xla)
            reference = compiled(image).numpy()
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                compiled(image).numpy()
                times.append(time.perf_counter() - start)
            results[(precision, xla)] = (statistics.median(times), reference)
    keras.config.set_dtype_policy("float32")
    base_time, base_gradient = results[("float32", False)]
    print(f"input gradient of {', '.join(layers)} at {args.size}x{args.size}, median of {args.repeats}:")
    for (precision, xla), (seconds, gradient) in results.items():
        cosine = float(np.sum(gradient * base_gradient) / (np.linalg.norm(gradient) * np.linalg.norm(base_gradient)))
        print(f"  {precision:9} xla={str(xla):5} {seconds:.3f} s  ({base_time / seconds:.2f}x float32)  "
              f"gradient cosine to float32 {cosine:.4f}")


if __name__ == "__main__":
    main()
