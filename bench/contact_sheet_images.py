"""Dream the sample photos with the default settings (or given --layer specs) and save a contact sheet.

    python bench/contact_sheet_images.py out.png [--layer NAME=W ...] [--steps N] [--step-size S]

Prints per image: seconds, dream strength (mean |dream - input|), mean HSV saturation before/after.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np

from dreamvid.dream.deepdream import build_dreamer
from dreamvid.dream.octaves import dream
from dreamvid.io.images import fit_max_side, read_image
from dreamvid.measure.contact_sheet import contact_sheet, save_png
from dreamvid.measure.metrics import brightness_saturation
from dreamvid.settings import DreamSettings, LayerTerm

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = [ROOT / "samples/fruits.jpg", ROOT / "samples/starry_night.jpg", ROOT.parent / "shared/media/cup.mp4"]


def load_still(path) -> np.ndarray:
    """A photo, or the frame 3 s into a video."""
    if Path(path).suffix.lower() in (".mp4", ".avi", ".webm", ".mov"):
        from dreamvid.io.video_reader import open_video

        _, frames = open_video(path, start=3.0, frames=1)
        with frames:
            return next(frames).astype(np.float32)
    return read_image(path).rgb


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("output")
    parser.add_argument("--layer", action="append", default=[])
    parser.add_argument("--steps", type=int)
    parser.add_argument("--step-size", type=float)
    parser.add_argument("--photo", action="append", default=[])
    args = parser.parse_args()
    settings = DreamSettings()
    changes = {"layers": tuple(LayerTerm.parse(s) for s in args.layer)} if args.layer else {}
    if args.steps:
        changes["steps"] = args.steps
    if args.step_size:
        changes["step_size"] = args.step_size
    settings = dataclasses.replace(settings, **changes)
    dreamer = build_dreamer(settings)
    images, labels = [], []
    for photo in args.photo or [p for p in PHOTOS if p.exists()]:
        rgb = fit_max_side(load_still(photo), 512)
        start = time.perf_counter()
        result = dream(rgb, settings, dreamer)
        seconds = time.perf_counter() - start
        strength = float(np.abs(result - rgb).mean())
        _, saturation_before = brightness_saturation(rgb)
        _, saturation_after = brightness_saturation(result)
        print(f"{Path(photo).name}: {rgb.shape[1]}x{rgb.shape[0]} {seconds:.1f} s, strength {strength:.1f}, "
              f"saturation {saturation_before:.0f} -> {saturation_after:.0f}")
        images += [rgb, result]
        labels += [Path(photo).name, f"dream {seconds:.0f}s"]
    save_png(args.output, contact_sheet(images, columns=2, labels=labels, cell_width=400))
    print("layers:", ", ".join(str(t) for t in dreamer.objective.terms), "| wrote", args.output)


if __name__ == "__main__":
    main()
