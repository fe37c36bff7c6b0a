"""Memory of a big dream: steps on a 4096x4096 image with tiled gradients, peak resident memory.

    python bench/big_image.py [--size 4096] [--steps 2] [--tile-size 512] [--out big.png]

Writes a crop around tile corners of the result (when --out is given) so seams can be inspected.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from dreamvid.dream.deepdream import build_dreamer
from dreamvid.dream.octaves import ascend
from dreamvid.io.images import write_image
from dreamvid.settings import DreamSettings


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--tile-size", type=int, default=512)
    parser.add_argument("--out")
    args = parser.parse_args()
    settings = DreamSettings(tile_size=args.tile_size)
    dreamer = build_dreamer(settings)
    import cv2

    rng = np.random.default_rng(0)
    small = rng.uniform(0, 255, (args.size // 64, args.size // 64, 3)).astype(np.float32)
    image = cv2.resize(small, (args.size, args.size), interpolation=cv2.INTER_CUBIC).clip(0, 255)
    print(f"before: peak RSS {peak_rss_gib():.2f} GiB")
    start = time.perf_counter()
    result = ascend(image, dreamer, settings, np.random.default_rng(1), args.steps)
    seconds = time.perf_counter() - start
    print(f"{args.size}x{args.size}, tile {args.tile_size}: {args.steps} steps in {seconds:.0f} s "
          f"({seconds / args.steps:.1f} s/step), peak RSS {peak_rss_gib():.2f} GiB, "
          f"strength {np.abs(result - image).mean():.2f}")
    if args.out:
        corner = args.size // 2
        write_image(args.out, result[corner - 384 : corner + 384, corner - 384 : corner + 384])
        print("wrote", args.out)


if __name__ == "__main__":
    main()
