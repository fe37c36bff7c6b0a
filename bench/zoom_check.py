"""Zoom animation checks: loop seam, drift over a long render, seconds per frame, contact sheet.

    python bench/zoom_check.py IMAGE [--frames 320] [--max-side 256] [--loop] [--sheet out.png]

Seam: with the known per-frame camera transform Z, d_i = mean |F_{i+1} - Z(F_i)| and
d_wrap = mean |F_0 - Z(F_{N-1})|; the loop passes when d_wrap / median(d_i) <= 1.5.
Drift: mean brightness (HSV V) and saturation (S) of frame 300 against frame 30.
Loop sharpness: each transition frame's sharpness (variance of the Laplacian) over the median of the
other frames, minimum and median (goal: minimum >= 0.85). Stays interesting: the share of the frame
covered by its most repeated motif (`dominant_motif_share`) every few seconds; with --layer-cycle the
objective is handed from layer to layer.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import cv2
import numpy as np

from dreamvid.camera import CameraMove
from dreamvid.contact_sheet import contact_sheet, save_png
from dreamvid.deepdream import DeepDream
from dreamvid.metrics import brightness_saturation, dominant_motif_share, loop_seam, sharpness_dip
from dreamvid.schedule import layer_cycle_schedule
from dreamvid.settings import DreamSettings, ZoomSettings
from dreamvid.zoom import render_zoom


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("image")
    parser.add_argument("--frames", type=int, default=320)
    parser.add_argument("--max-side", type=int, default=256)
    parser.add_argument("--loop", action="store_true")
    parser.add_argument("--fps", type=float, default=25.0)
    parser.add_argument("--sheet")
    parser.add_argument("--layer-cycle", help="comma-separated layers handed over in turn")
    parser.add_argument("--cycle-seconds", type=float, default=6.0)
    args = parser.parse_args()
    settings = DreamSettings(max_side=args.max_side)
    zoom = ZoomSettings(frames=args.frames, fps=args.fps, loop=args.loop)
    schedule = layer_cycle_schedule(args.layer_cycle.split(","), args.cycle_seconds) if args.layer_cycle else None
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "frames"
        summary = render_zoom(args.image, f"{out}/", settings, zoom, DeepDream.for_zoom(settings, zoom, schedule),
                              schedule=schedule)
        paths = sorted(out.glob("*.png"))
        frames = [cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB).astype(np.float32) for p in paths]
    times = summary.seconds_per_frame
    print(f"{args.image}: {len(frames)} frames at {summary.width}x{summary.height}, zoom {zoom.zoom}/s at {zoom.fps} fps, "
          f"loop={args.loop}")
    print(f"seconds per frame: first {times[0]:.2f}, median after first {statistics.median(times[1:]):.2f}")
    move = CameraMove.per_frame(zoom_per_second=zoom.zoom, rotate_per_second=zoom.rotate, fps=zoom.fps)
    d_wrap, median = loop_seam(frames, move)
    print(f"seam: d_wrap {d_wrap:.2f}, median d_i {median:.2f}, ratio {d_wrap / median:.2f}")
    for index in (0, 30, 100, 200, 300):
        if index < len(frames):
            value, saturation = brightness_saturation(frames[index])
            print(f"frame {index}: brightness {value:.1f}, saturation {saturation:.1f}")
    if len(frames) > 300:
        v30, s30 = brightness_saturation(frames[30])
        v300, s300 = brightness_saturation(frames[300])
        print(f"drift 30 -> 300: brightness {100 * (v300 / v30 - 1):+.1f}%, saturation {100 * (s300 / s30 - 1):+.1f}%")
    if args.loop:
        minimum, median = sharpness_dip(frames, len(frames) - zoom.overlap)
        print(f"loop transition sharpness: minimum {minimum:.2f}, median {median:.2f} of the other frames' median")
    every = max(1, round(5 * zoom.fps))
    shares = [f"{index / zoom.fps:.0f}s {dominant_motif_share(frames[index]):.3f}" for index in range(0, len(frames), every)]
    print("dominant motif share:", ", ".join(shares))
    if args.sheet:
        picks = np.linspace(0, len(frames) - 1, 8).round().astype(int)
        save_png(args.sheet, contact_sheet([frames[i] for i in picks], columns=4, labels=[f"frame {i}" for i in picks]))
        print("wrote", args.sheet)


if __name__ == "__main__":
    main()
