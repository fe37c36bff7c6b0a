"""Seconds per ascent step for the default model at 512 and 1024 px, against this machine's matmul peak.

    python bench/step_speed.py [--sizes 512 1024] [--repeats 5] [--layer NAME=W ...]

FLOPs per step are counted from the convolutions the objective needs: 2*h*w*k*k*cin*cout for the
forward pass, the same again for the gradient with respect to the input (no weight gradients).
The peak is a large float32 matrix multiply in TensorFlow, measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def matmul_peak_gflops(size: int = 4096, repeats: int = 5) -> float:
    import tensorflow as tf

    a = tf.random.normal((size, size))
    b = tf.random.normal((size, size))
    multiply = tf.function(lambda x, y: tf.reduce_sum(tf.matmul(x, y)))
    multiply(a, b).numpy()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        multiply(a, b).numpy()
        times.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(times) / 1e9


def step_gflop(feature_model, height: int, width: int) -> float:
    """Forward plus input-gradient FLOPs of the convolutions feeding the objective."""
    import keras

    convs = [layer for layer in feature_model.layers if isinstance(layer, keras.layers.Conv2D)]
    probe = keras.Model(feature_model.input, [layer.output for layer in convs])
    outputs = probe(np.zeros((1, height, width, 3), np.float32))
    forward = 0.0
    for layer, output in zip(convs, outputs):
        kh, kw, cin, cout = layer.kernel.shape
        forward += 2.0 * output.shape[1] * output.shape[2] * kh * kw * cin * cout
    return 2.0 * forward / 1e9


def main() -> None:
    from dreamvid.dream.deepdream import build_dreamer
    from dreamvid.settings import DreamSettings, LayerTerm

    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--layer", action="append", default=[])
    args = parser.parse_args()
    settings = DreamSettings(layers=tuple(LayerTerm.parse(s) for s in args.layer))
    dreamer = build_dreamer(settings)
    peak = matmul_peak_gflops()
    print(f"matmul peak: {peak:.0f} GFLOP/s (float32, 4096^2, median of 5)")
    print("objective:", dreamer.objective)
    rng = np.random.default_rng(0)
    for size in args.sizes:
        image = rng.uniform(0, 255, (size, size, 3)).astype(np.float32)
        weights = dreamer.default_weights()
        dreamer.step(image, (0, 0), weights, settings.tile_size, 1.0, 0.0)[0].numpy()
        times = []
        for repeat in range(args.repeats):
            start = time.perf_counter()
            loss, _ = dreamer.step(image, (repeat * 37, repeat * 11), weights, settings.tile_size, 1.0, 0.0)
            loss.numpy()
            times.append(time.perf_counter() - start)
        seconds = statistics.median(times)
        gflop = step_gflop(dreamer.feature_model, size, size)
        rate = gflop / seconds
        print(f"{size}x{size}: {seconds:.3f} s/step (median of {args.repeats}), {gflop:.1f} GFLOP/step, "
              f"{rate:.0f} GFLOP/s = {100 * rate / peak:.0f}% of matmul peak (tile {settings.tile_size})")


if __name__ == "__main__":
    main()
