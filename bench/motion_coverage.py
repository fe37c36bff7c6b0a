"""Motion coverage, flicker, strength and speed of three video dreams of one clip, side by side in one run.

    python bench/motion_coverage.py CLIP [--frames 36] [--start 1.6] [--max-side 320] [--sheet out.png]

- independent: every frame dreamed on its own with the default settings (CoherenceSettings(coherent=False));
- coherent: dreamvid's coherent dream (flow-carried detail plus one light step);
- redream: the same plus local re-dreaming (dreamvid/local_redream.py) of the regions short of dream.
Motion coverage (issue 15): median strength over moving (wake) pixels / over static pixels, median over
frames from the 10th on (dreamvid.measure.metrics.MotionCoverageMeter), also by the height of the moving
regions (<40, 40-100, >100 px; "-" where no frame had such a region), the ghost figure (blurred grey
|output - input| over uncovered background / over static pixels, issue 21) and the follow figure (blurred
grey output against input, correlated over moving and wake pixels: a frozen or smeared picture fails it). Plain share: pixels whose local strength
is under a quarter of the independent dream's median local strength on the same frame. Flicker ratio:
dreamvid.measure.metrics.FlickerMeter. Seconds per frame: median over frames after the first. Speed-up is against
a naive per-frame dream (keras-io's 3 octaves x 20 steps, as in bench/video_flicker.py) timed on a few
frames. Redream area: mean share of the frame area handed to the full dream per frame.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time
from pathlib import Path

import numpy as np

from dreamvid.dream.deepdream import DeepDream, build_dreamer
from dreamvid.io.video_reader import open_video
from dreamvid.measure.contact_sheet import contact_sheet, save_png
from dreamvid.measure.metrics import FlickerMeter, MotionCoverage, MotionCoverageMeter, local_strength, plain_share
from dreamvid.settings import CoherenceSettings, DreamSettings, RedreamSettings, VideoSettings
from dreamvid.video.coherence import Coherence
from dreamvid.video.frames import video_frames

NAIVE = dict(octaves=3, octave_scale=1.4, steps=20, step_size=1.6)


class CountingCrops:
    """The effect, counting the area of the crops re-dreamed (the lighter full dreams)."""

    def __init__(self, effect):
        self.effect, self.area = effect, 0

    def first(self, image, *, seed, time=0.0, progress=None, steps=None):
        if steps is not None:
            self.area += image.shape[0] * image.shape[1]
        return self.effect.first(image, seed=seed, time=time, progress=progress, steps=steps)

    def refine(self, image, *, seed, time=0.0, progress=None, guide=None):
        return self.effect.refine(image, seed=seed, time=time, progress=progress, guide=guide)


def run(label, frames, settings, coherence, dreamer, reference_medians=None, sheet_frames=(), first_frame=9):
    """Dream the frames with one mode; returns its figures, outputs for the sheet and median strengths."""
    effect = CountingCrops(DeepDream.for_video(VideoSettings(settings, coherence), dreamer))
    stream = video_frames(frames, Coherence(effect, coherence), seed=settings.seed, overlap=False)
    flicker, coverage = FlickerMeter(), MotionCoverageMeter(first_frame=first_frame)
    strengths, times, medians, plain, sheet = [], [], [], [], []
    for index, frame in enumerate(frames):
        began = time.perf_counter()
        output = next(stream).pixels
        times.append(time.perf_counter() - began)
        flicker.add(frame, output)
        coverage.add(frame, output)
        strengths.append(float(np.abs(output.astype(np.float32) - frame).mean()))
        medians.append(float(np.median(local_strength(frame, output))))
        if reference_medians is not None and reference_medians[index] > 0:
            plain.append(plain_share(output, frame, reference_medians[index]))
        if index in sheet_frames:
            sheet.append((f"{label} {index}", output))
    area = effect.area / (frames[0].shape[0] * frames[0].shape[1] * max(1, len(frames) - 1))
    return {
        "label": label,
        "flicker_ratio": flicker.ratio,
        "coverage": coverage.value,
        "strength": statistics.fmean(strengths),
        "plain": statistics.fmean(plain) if plain else float("nan"),
        "steady_s": statistics.median(times[1:]) if len(times) > 1 else times[0],
        "redream_area": area,
        "medians": medians,
        "sheet": sheet,
    }


def _figure(value, width):
    """A figure to two decimals, or "-" when it is not defined (nan)."""
    return f"{'-' if np.isnan(value) else f'{value:.2f}':>{width}}"


def naive_seconds(frames, settings, dreamer, count):
    """Median seconds per frame of keras-io's per-frame dream over `count` frames (the first is warm-up)."""
    naive = dataclasses.replace(settings, **NAIVE)
    coherence = CoherenceSettings(coherent=False)
    stream = video_frames(frames[: count + 1], Coherence(DeepDream.for_video(VideoSettings(naive, coherence), dreamer),
                                                          coherence), seed=0, overlap=False)
    times = []
    while True:
        began = time.perf_counter()
        if next(stream, None) is None:
            break
        times.append(time.perf_counter() - began)
    return statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip")
    parser.add_argument("--frames", type=int, default=36)
    parser.add_argument("--start", type=float, default=0.0)
    parser.add_argument("--max-side", type=int, default=320)
    parser.add_argument("--dream-scale", type=float, default=1.0)
    parser.add_argument("--naive-frames", type=int, default=2)
    parser.add_argument("--threshold", type=float, default=RedreamSettings.threshold)
    parser.add_argument("--reliability", type=float, default=RedreamSettings.reliability)
    parser.add_argument("--max-share", type=float, default=RedreamSettings.max_share)
    parser.add_argument("--redream-steps", type=int, default=RedreamSettings.crop_steps,
                        help="ascent steps per octave of the crop dreams")
    parser.add_argument("--crop-scale", type=float, default=RedreamSettings.crop_scale,
                        help="size the crops are dreamed at, as a share of theirs")
    parser.add_argument("--max-gain", type=float, default=RedreamSettings.max_gain)
    parser.add_argument("--context-crop-scale", type=float, default=RedreamSettings.context_crop_scale,
                        help="share of their size context-matched crops are dreamed at")
    parser.add_argument("--match-context", action=argparse.BooleanOptionalAction, default=RedreamSettings.match_context,
                        help="hold a crop's still context to the detail carried there (RedreamSettings.match_context)")
    parser.add_argument("--independent-cache", help="JSON file: reuse the independent run's figures if present, "
                        "else write them (same clip, frames and settings only)")
    parser.add_argument("--fresh-naive", action="store_true",
                        help="time the naive dream in this run even when the independent figures come from the cache")
    parser.add_argument("--first-frame", type=int, default=9, help="first 0-based frame motion coverage counts")
    parser.add_argument("--skip-no-redream", action="store_true", help="leave out the coherent dream without re-dreaming")
    parser.add_argument("--sheet", help="PNG contact sheet of --sheet-frames for every mode")
    parser.add_argument("--sheet-frames", default="", help="comma-separated frame indices for the sheet")
    args = parser.parse_args()

    info, reader = open_video(args.clip, start=args.start, frames=args.frames, max_side=args.max_side)
    frames = list(reader)
    print(f"{args.clip}: {len(frames)} frames from {args.start:.2f} s at {info.width}x{info.height}")
    settings = DreamSettings(max_side=args.max_side)
    redream = RedreamSettings(threshold=args.threshold, reliability=args.reliability, max_share=args.max_share,
                              crop_steps=args.redream_steps, crop_scale=args.crop_scale, max_gain=args.max_gain,
                              match_context=args.match_context, context_crop_scale=args.context_crop_scale)
    coherence = CoherenceSettings(dream_scale=args.dream_scale, redream=redream)
    without = dataclasses.replace(coherence, redream=None)
    sheet_frames = {int(value) for value in args.sheet_frames.split(",") if value}
    dreamer = build_dreamer(settings)
    results = []
    cache = Path(args.independent_cache) if args.independent_cache else None
    if cache is not None and cache.exists():
        independent = json.loads(cache.read_text())
        independent["coverage"] = MotionCoverage(**independent["coverage"])
        independent["sheet"] = []
        naive = naive_seconds(frames, settings, dreamer, args.naive_frames) if args.fresh_naive else independent["naive_s"]
    else:
        naive = naive_seconds(frames, settings, dreamer, args.naive_frames)
        independent = run("independent", frames, settings, dataclasses.replace(without, coherent=False),
                          dreamer, sheet_frames=sheet_frames, first_frame=args.first_frame)
        if cache is not None:
            saved = {key: value for key, value in independent.items() if key != "sheet"}
            saved["coverage"] = dataclasses.asdict(independent["coverage"])
            saved["naive_s"] = naive
            cache.write_text(json.dumps(saved))
    reference = independent["medians"]
    results.append(independent)
    if not args.skip_no_redream:
        results.append(run("no redream", frames, settings, without, dreamer, reference_medians=reference,
                           sheet_frames=sheet_frames, first_frame=args.first_frame))
    results.append(run("dreamvid", frames, settings, coherence, dreamer, reference_medians=reference,
                       sheet_frames=sheet_frames, first_frame=args.first_frame))
    print(f"redream: {redream}; dream scale {args.dream_scale}")
    print(f"{'mode':11} {'moving':>7} {'wake':>6} {'frames':>6} {'flicker':>7} {'strength':>8} {'plain':>6} "
          f"{'s/frame':>7} {'x naive':>7} {'area':>5} {'h<40':>5} {'40-100':>6} {'h>100':>5} {'ghost':>5} {'follow':>6}")
    for result in results:
        coverage = result["coverage"]
        print(f"{result['label']:11} {coverage.moving:7.2f} {coverage.wake:6.2f} {coverage.frames_used:6d} "
              f"{result['flicker_ratio']:7.2f} {result['strength']:8.2f} {result['plain']:6.3f} "
              f"{result['steady_s']:7.2f} {naive / result['steady_s']:7.1f} {result['redream_area']:5.2f} "
              f"{_figure(coverage.by_height[0], 5)} {_figure(coverage.by_height[1], 6)} "
              f"{_figure(coverage.by_height[2], 5)} {_figure(coverage.ghost, 5)} {_figure(coverage.follow, 6)}")
    base = results[0]
    for result in results[1:]:
        coverage, reference = result["coverage"], base["coverage"]
        heights = ", ".join(f"{name} {_figure(mine / theirs, 0)}" for name, mine, theirs in
                            zip(("h<40", "40-100", "h>100"), coverage.by_height, reference.by_height))
        print(f"{result['label']} / independent: moving {coverage.moving / reference.moving:.2f}, "
              f"wake {coverage.wake / reference.wake:.2f}, {heights}, ghost {_figure(coverage.ghost / reference.ghost, 0)}, "
              f"follow {_figure(coverage.follow / reference.follow, 0)}, "
              f"strength {result['strength'] / base['strength']:.2f}")
    for result in results:
        ghosts = " ".join(f"{index}:{value:.2f}" for index, value in result["coverage"].ghost_by_frame)
        print(f"ghost by frame, {result['label']}: {ghosts or '-'}")
    print(f"naive per-frame dream: {naive:.2f} s/frame")
    if args.sheet and sheet_frames:
        cells = [(label, image) for result in results for label, image in result["sheet"]]
        save_png(args.sheet, contact_sheet([image for _, image in cells], columns=len(sheet_frames),
                                           labels=[label for label, _ in cells], cell_width=320))
        print("wrote", args.sheet)


if __name__ == "__main__":
    main()
