"""Style fruits.jpg after Starry Night on the bundled VGG16: seconds and losses per scale, and the PNG.

Usage: python bench/style_still.py [--size 320] [--out /tmp/style/fruits_starry_320.png] [SETTING=VALUE ...]
Settings override StyleSettings fields (numbers), e.g. steps=80 scales=3 content_weight=0.1.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np

from dreamvid.dream.octaves import resize
from dreamvid.io.images import fit_max_side, read_image, write_image
from dreamvid.settings import StyleSettings
from dreamvid.style.optimiser import build_stylist, stylise

ROOT = Path(__file__).resolve().parents[1]
MEDIA = ROOT.parent / "shared" / "media"


def media(name: str) -> Path:
    local = ROOT / "samples" / name
    return local if local.is_file() else MEDIA / name


def parse_overrides(pairs: list[str]) -> dict:
    fields = {field.name: field.type for field in dataclasses.fields(StyleSettings)}
    overrides = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in fields:
            raise SystemExit(f"unknown setting {name!r}")
        overrides[name] = int(value) if fields[name] == "int" else float(value)
    return overrides


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--out", default=None)
    parser.add_argument("overrides", nargs="*")
    arguments = parser.parse_args()
    style = str(media("starry_night.jpg"))
    settings = StyleSettings(styles=((style, 1.0),), **parse_overrides(arguments.overrides))
    content = fit_max_side(read_image(media("fruits.jpg")).rgb, arguments.size)
    print(f"content {content.shape[1]}x{content.shape[0]}, {settings}")

    started = time.perf_counter()
    stylist = build_stylist(settings)
    print(f"model and style images: {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    cpu_started = time.process_time()
    marks = [started]

    def on_scale(scale: int, picture: np.ndarray) -> None:
        now = time.perf_counter()
        losses = stylist.losses(picture, resize(content, picture.shape[:2]))
        print(f"scale {scale} {picture.shape[1]}x{picture.shape[0]}: {now - marks[-1]:.1f} s, "
              f"style {losses.style:.4f} content {losses.content:.4f} variation {losses.variation:.5f}")
        marks.append(time.perf_counter())

    styled = stylise(content, settings, stylist, on_scale=on_scale)
    total = time.perf_counter() - started
    before = stylist.losses(content, content)
    print(f"content picture itself: style {before.style:.4f}")
    cpu = time.process_time() - cpu_started
    print(f"stylise total: {total:.1f} s wall, {cpu:.1f} s CPU (including loss reports)")
    out = Path(arguments.out or f"/tmp/style/fruits_starry_{arguments.size}.png")
    write_image(out, styled)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
