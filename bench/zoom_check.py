"""Zoom animation checks: loop seam, drift over a long render, seconds per frame, stays interesting, contact sheet.

    python bench/zoom_check.py IMAGE [--frames 320 | --seconds 60] [--fps 25] [--max-side 256] [--loop]
        [--layer-cycle A,B,C [--cycle-seconds 6]] [--keep DIR [--resume]] [--every 10] [--sheet out.png]

Seam: with the known per-frame camera transform Z, d_i = mean |F_{i+1} - Z(F_i)| and
d_wrap = mean |F_0 - Z(F_{N-1})|; the loop passes when d_wrap / median(d_i) <= 1.5.
Drift: mean brightness (HSV V) and saturation (S) of frame 300 against frame 30.
Loop sharpness: each transition frame's sharpness (variance of the Laplacian) over the median of the
other frames, minimum and median (goal: minimum >= 0.85); and the largest share of a transition frame
where the two pictures mix (the wipe's soft edge; the rest shows one picture, no double exposure).
Stays interesting, a row per `--every` seconds of animation, over the frames i of that window:
sharpness (median), the share of the frame covered by its most repeated motif (`dominant_motif_share`,
median and maximum), and between frame i and the frame 10 s later the structural dissimilarity
((1 - SSIM) / 2, about 0.5 for unrelated pictures) and the texture distance (how far the kinds of
detail differ, wherever they sit; a zoom settling into one texture drives it toward 0), medians.
With --layer-cycle the objective is handed from layer to layer.

With --keep DIR the frames are written there (PNG) and kept; --resume continues a stopped render.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

from dreamvid.dream.deepdream import DeepDream
from dreamvid.measure.contact_sheet import contact_sheet, save_png
from dreamvid.measure.metrics import (
    brightness_saturation,
    dominant_motif_share,
    loop_seam,
    sharpness,
    sharpness_dip,
    structural_change,
    texture_change,
)
from dreamvid.render.zoom import render_zoom
from dreamvid.settings import DreamSettings, ZoomSettings
from dreamvid.zoom.camera import CameraMove
from dreamvid.zoom.loop import wipe_mask
from dreamvid.zoom.schedule import layer_cycle_schedule

GAP_SECONDS = 10.0  # structural and texture change are taken between frames this far apart


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("image")
    parser.add_argument("--frames", type=int, default=320)
    parser.add_argument("--seconds", type=float, help="length in seconds (instead of --frames)")
    parser.add_argument("--max-side", type=int, default=256)
    parser.add_argument("--loop", action="store_true")
    parser.add_argument("--fps", type=float, default=25.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sheet", help="a contact sheet of frames every --sheet-every seconds (PNG)")
    parser.add_argument("--sheet-every", type=float, help="seconds between the sheet's frames (default: 8 frames in all)")
    parser.add_argument("--layer-cycle", help="comma-separated layers handed over in turn")
    parser.add_argument("--cycle-seconds", type=float, default=6.0)
    parser.add_argument("--keep", help="folder to write the frames to and keep (default: a temporary one)")
    parser.add_argument("--resume", action="store_true", help="continue the render kept in --keep")
    parser.add_argument("--every", type=float, default=10.0, help="seconds of animation per row of the time series")
    parser.add_argument("--steps-next", type=int, default=ZoomSettings.steps_next, help="ascent steps per later frame")
    parser.add_argument("--octaves-next", type=int, default=ZoomSettings.octaves_next,
                        help="finest octaves each later frame is dreamed on")
    args = parser.parse_args()
    frame_count = round(args.seconds * args.fps) if args.seconds else args.frames
    settings = DreamSettings(max_side=args.max_side, seed=args.seed)
    zoom = ZoomSettings(frames=frame_count, fps=args.fps, loop=args.loop, steps_next=args.steps_next,
                        octaves_next=args.octaves_next)
    schedule = layer_cycle_schedule(args.layer_cycle.split(","), args.cycle_seconds) if args.layer_cycle else None
    with tempfile.TemporaryDirectory() as folder:
        out = Path(args.keep) if args.keep else Path(folder) / "frames"
        summary = render_zoom(args.image, f"{out}/", settings, zoom, DeepDream.for_zoom(settings, zoom, schedule),
                              schedule=schedule, resume=args.resume, on_progress=log_frame)
        paths = sorted(out.glob("*.png"))
        report(args, zoom, summary, paths)


def log_frame(event) -> None:
    """One line per finished frame, so a long run shows where it is in its log."""
    if event.frame_finished:
        print(f"frame {event.frames_done}/{event.total} {event.seconds:.1f} s", file=sys.stderr, flush=True)


def read(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB).astype(np.float32)


def report(args, zoom: ZoomSettings, summary, paths: list[Path]) -> None:
    """Print every figure, reading the frames from disk one at a time."""
    count = len(paths)
    times = summary.seconds_per_frame
    print(f"{args.image}: {count} frames at {summary.width}x{summary.height}, zoom {zoom.zoom}/s at {zoom.fps} fps, "
          f"loop={args.loop}{f' (settles {zoom.settle} frames, leads in {zoom.fade})' if args.loop else ''}, layer cycle {args.layer_cycle or 'none'}"
          f"{f' ({args.cycle_seconds:g} s each)' if args.layer_cycle else ''}, seed {args.seed}, "
          f"later frames {zoom.steps_next} steps on {zoom.octaves_next} octave(s)")
    if len(times) > 1:
        first = f"first {times[0]:.2f}, " if summary.resumed_at == 0 else f"resumed at frame {summary.resumed_at}, "
        print(f"seconds per frame: {first}median after first {statistics.median(times[1:]):.2f}")
    move = CameraMove.per_frame(zoom_per_second=zoom.zoom, rotate_per_second=zoom.rotate, fps=zoom.fps)
    d_wrap, median = loop_seam((read(path) for path in paths), move)
    print(f"seam: d_wrap {d_wrap:.2f}, median d_i {median:.2f}, ratio {d_wrap / median:.2f}")
    for index in (0, 30, 100, 200, 300):
        if index < count:
            value, saturation = brightness_saturation(read(paths[index]))
            print(f"frame {index}: brightness {value:.1f}, saturation {saturation:.1f}")
    if count > 300:
        v30, s30 = brightness_saturation(read(paths[30]))
        v300, s300 = brightness_saturation(read(paths[300]))
        print(f"drift 30 -> 300: brightness {100 * (v300 / v30 - 1):+.1f}%, saturation {100 * (s300 / s30 - 1):+.1f}%")
    if args.loop:
        minimum, median = sharpness_dip((read(path) for path in paths), count - zoom.fade)
        print(f"loop transition sharpness: minimum {minimum:.2f}, median {median:.2f} of the other frames' median")
        mixed = max(float(((mask > 0.02) & (mask < 0.98)).mean())
                    for mask in (wipe_mask((summary.height, summary.width), (position + 1) / zoom.fade, zoom.center)
                                 for position in range(zoom.fade)))
        print(f"loop transition: at most {100 * mixed:.1f}% of a frame mixes the two pictures (the wipe's soft edge)")
    time_series(paths, zoom.fps, args.every)
    if args.sheet:
        if args.sheet_every:
            picks = sorted({min(count - 1, round(k * args.sheet_every * zoom.fps))
                            for k in range(int((count - 1) / zoom.fps / args.sheet_every + 1e-9) + 2)})
        else:
            picks = np.linspace(0, count - 1, 8).round().astype(int).tolist()
        labels = [f"{i / zoom.fps:.0f} s (frame {i})" for i in picks]
        save_png(args.sheet, contact_sheet([read(paths[i]) for i in picks], columns=min(len(picks), 7), labels=labels,
                                           cell_width=240))
        print("wrote", args.sheet)


def time_series(paths: list[Path], fps: float, every: float) -> None:
    """The stays-interesting table: one row per `every` seconds of animation."""
    sharp, motif = [], []
    for path in paths:
        frame = read(path)
        sharp.append(sharpness(frame))
        motif.append(dominant_motif_share(frame))
    gap = round(GAP_SECONDS * fps)
    structural = structural_change((read(path) for path in paths), fps, GAP_SECONDS)
    texture = texture_change((read(path) for path in paths), fps, GAP_SECONDS)
    width = round(every * fps)
    print(f"stays interesting, every {every:g} s (structural and texture: frame i against frame i + {gap}, "
          f"{GAP_SECONDS:g} s later; medians over the window's frames):")
    print("| window | sharpness | motif share median | motif share max | structural dissimilarity | texture distance |")
    print("| --- | --- | --- | --- | --- | --- |")
    for start in range(0, len(paths), width):
        end = min(start + width, len(paths))
        pairs = range(start, min(end, len(structural)))

        def median_of(values, span=pairs):
            return f"{statistics.median(values[i] for i in span):.3f}" if len(span) else "-"

        print(f"| {start / fps:.0f}-{end / fps:.0f} s | {statistics.median(sharp[start:end]):.0f} "
              f"| {statistics.median(motif[start:end]):.3f} | {max(motif[start:end]):.3f} "
              f"| {median_of(structural)} | {median_of(texture)} |")


if __name__ == "__main__":
    main()
