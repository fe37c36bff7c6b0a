"""Flicker, dream strength and speed of dreamvid's coherent video dream against a naive per-frame dream.

    python bench/video_flicker.py CLIP [--frames 60] [--naive-frames 8] [--max-side 640] [--sheet out.png]

Both run in this one process, on the same frames, model and size:
- coherent: dreamvid's defaults (a full dream of the first frame, then flow-warped detail plus a few
  steps per frame);
- naive: every frame dreamed on its own with keras-io's defaults (3 octaves x 20 steps, scale 1.4,
  step 1.6 px per unit of gradient std, which is keras-io's 0.01 in -1..1 with mean-abs normalisation).
Flicker: optical flow from the INPUT frames (DIS medium), output t-1 warped onto t, mean |difference|
over pixels passing the forward-backward check, divided by the same figure for the input itself.
Strength: mean |output - input|. Seconds per frame: median over frames after the first.
With --pipeline, the same frames also go through `render_video` as a user runs it (reader, worker
threads for flow and saving, work folder, mp4 writer): its steady seconds per frame are printed too.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from dreamvid.dream.deepdream import DeepDream, build_dreamer
from dreamvid.io.video_reader import open_video
from dreamvid.measure.contact_sheet import contact_sheet, save_png
from dreamvid.measure.metrics import FlickerMeter, MotionCoverageMeter, brightness_saturation
from dreamvid.render.video import render_video
from dreamvid.settings import CoherenceSettings, DreamSettings, VideoSettings
from dreamvid.video.coherence import Coherence
from dreamvid.video.frames import video_frames

NAIVE = dict(octaves=3, octave_scale=1.4, steps=20, step_size=1.6)


def run(label, frames, settings, coherence, dreamer, sheet_every=0):
    """The frames through the video pipeline's generator, every stage in turn, each frame timed."""
    stream = video_frames(frames, Coherence(DeepDream.for_video(VideoSettings(settings, coherence), dreamer), coherence),
                          seed=settings.seed, overlap=False)
    meter = FlickerMeter()
    coverage = MotionCoverageMeter()
    strengths, times, sheet, colour = [], [], [], []
    for index, frame in enumerate(frames):
        start = time.perf_counter()
        output = next(stream).pixels
        times.append(time.perf_counter() - start)
        meter.add(frame, output)
        coverage.add(frame, output)
        strengths.append(float(np.abs(output.astype(np.float32) - frame).mean()))
        colour.append((brightness_saturation(frame), brightness_saturation(output)))
        if sheet_every and index % sheet_every == 0:
            sheet.append((f"{label} {index}", output))
    steady = statistics.median(times[1:]) if len(times) > 1 else times[0]
    return {
        "label": label,
        "frames": len(frames),
        "flicker": meter.value,
        "flicker_ratio": meter.ratio,
        "strength": statistics.fmean(strengths),
        "coverage": coverage.value,
        "strengths": strengths,
        "first_s": times[0],
        "steady_s": steady,
        "colour": colour,
        "sheet": sheet,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("clip")
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--naive-frames", type=int, default=8)
    parser.add_argument("--max-side", type=int, default=640)
    parser.add_argument("--start", type=float, default=0.0)
    parser.add_argument("--sheet")
    parser.add_argument("--blend", type=float)
    parser.add_argument("--steps-next", type=int)
    parser.add_argument("--dream-scale", type=float)
    parser.add_argument("--pipeline", action="store_true")
    args = parser.parse_args()

    info, reader = open_video(args.clip, start=args.start, frames=args.frames, max_side=args.max_side)
    frames = list(reader)
    print(f"{args.clip}: {len(frames)} frames at {info.width}x{info.height}, {float(info.fps):.2f} fps")
    settings = DreamSettings(max_side=args.max_side)
    changes = {key: value for key, value in (("blend", args.blend), ("steps_next", args.steps_next),
                                                          ("dream_scale", args.dream_scale)) if value is not None}
    coherence = dataclasses.replace(CoherenceSettings(), **changes)
    dreamer = build_dreamer(settings)
    coherent = run("coherent", frames, settings, coherence, dreamer, sheet_every=max(1, len(frames) // 6))
    pipeline = None
    if args.pipeline:
        video = VideoSettings(dream=settings, coherence=coherence, start=args.start, frames=args.frames, audio=False)
        with tempfile.TemporaryDirectory() as folder:
            summary = render_video(args.clip, Path(folder) / "out.mp4", video, DeepDream.for_video(video, dreamer))
        pipeline = statistics.median(summary.seconds_per_frame[1:])
    naive_settings = dataclasses.replace(settings, **NAIVE)
    naive = run("naive", frames[: args.naive_frames], naive_settings,
                CoherenceSettings(coherent=False), dreamer, sheet_every=max(1, args.naive_frames // 2))
    print(f"coherence: {coherence}")
    print(f"{'mode':9} {'frames':>6} {'flicker':>8} {'ratio':>6} {'strength':>8} {'moving':>6} {'wake':>6} "
          f"{'first s':>8} {'s/frame':>8}")
    for result in (coherent, naive):
        print(f"{result['label']:9} {result['frames']:6d} {result['flicker']:8.2f} {result['flicker_ratio']:6.2f} "
              f"{result['strength']:8.2f} {result['coverage'].moving:6.2f} {result['coverage'].wake:6.2f} "
              f"{result['first_s']:8.2f} {result['steady_s']:8.2f}")
    print("moving, wake: motion coverage (median strength over moving / wake pixels over static, frames 10 on; "
          "nan when too few frames move)")
    print(f"speed-up (steady s/frame, naive / coherent): {naive['steady_s'] / coherent['steady_s']:.1f}x")
    if pipeline is not None:
        print(f"render_video, same frames: {pipeline:.2f} s/frame steady; "
              f"speed-up over naive {naive['steady_s'] / pipeline:.1f}x")
    strengths = coherent["strengths"]
    for frame in (20, 100, 200):
        if frame < len(strengths):
            print(f"coherent strength at frame {frame}: {strengths[frame]:.2f} "
                  f"(ratio to frame 20: {strengths[frame] / strengths[min(20, frame)]:.2f})")
    (v_in, s_in), (v_out, s_out) = coherent["colour"][-1]
    print(f"last frame brightness {v_in:.0f} -> {v_out:.0f}, saturation {s_in:.0f} -> {s_out:.0f}")
    if args.sheet:
        cells = [image for _, image in coherent["sheet"] + naive["sheet"]]
        labels = [label for label, _ in coherent["sheet"] + naive["sheet"]]
        save_png(args.sheet, contact_sheet(cells, columns=4, labels=labels, cell_width=320))
        print("wrote", args.sheet)


if __name__ == "__main__":
    main()
