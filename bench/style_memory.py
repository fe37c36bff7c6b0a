"""Peak memory of styling a big still: resident memory after the model loads and after the steps.

    python bench/style_memory.py [--size 1024] [--steps 2] [--scales 1] [--max-side 1024] [--tile 0]

The sample photo, resized so its longer side is --size, is styled (Starry Night) with --steps Adam steps on
each of --scales scales; peak RSS is read from the OS (ru_maxrss) before and after, so the second figure
is the styling's own peak. Run one size per process: the peak never goes down.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import time

from dreamvid.dream.octaves import resize
from dreamvid.io.images import read_image
from dreamvid.settings import StyleSettings
from dreamvid.style.optimiser import build_stylist, stylise


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--scales", type=int, default=1)
    parser.add_argument("--max-side", type=int, default=1024)
    parser.add_argument("--tile", type=int, default=None, help="StyleSettings.tile (0: whole picture)")
    parser.add_argument("--image", default="samples/fruits.jpg")
    parser.add_argument("--style", default="samples/starry_night.jpg")
    args = parser.parse_args()
    settings = StyleSettings(styles=((args.style, 1.0),), steps=args.steps, scales=args.scales,
                             max_side=args.max_side)
    if args.tile is not None:
        settings = dataclasses.replace(settings, tile=args.tile)
    photo = read_image(args.image).rgb
    factor = args.size / max(photo.shape[:2])
    picture = resize(photo, (round(photo.shape[0] * factor), round(photo.shape[1] * factor)))
    stylist = build_stylist(settings)
    stylist.style_targets(picture.shape[:2])
    loaded = peak_rss_mib()
    started = time.perf_counter()
    stylise(picture, settings, stylist)
    elapsed = time.perf_counter() - started
    print(f"{picture.shape[1]}x{picture.shape[0]} (max side {args.max_side}, tile {getattr(settings, 'tile', 'n/a')}): "
          f"peak RSS {loaded:.0f} MiB after loading, {peak_rss_mib():.0f} MiB after {args.steps} steps x "
          f"{args.scales} scales ({elapsed:.1f} s)")


if __name__ == "__main__":
    main()
