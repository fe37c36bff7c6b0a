"""Ray renders: flicker and motion coverage across segment seams, throughput per worker and Ray's overhead.

    python bench/ray_seams.py CLIP [--frames 120] [--max-side 320] [--workers 2] [--segment-frames 31]
                                   [--run-up 4] [--overlap 30] [--overhead-sizes 320 640] [--one-process]
                                   [--keep DIR | --measure DIR]

Seams: the clip is dreamed on a local Ray runtime (run-up and overlap default to dreamvid's). For every
frame pair t-1 -> t the flicker ratio is the warped output difference over the same figure for the
input (FlickerMeter, flow from the INPUT frames). Pairs inside a segment overlap (where one segment
fades into the next) or at its edges are seam pairs; the figure is median(seam pairs) /
median(other pairs) (goal: at most 1.5), for all seams together and for each one.
Motion coverage (MotionCoverageMeter, issue 15): per frame, median dream strength over moving (and
wake) pixels / over static pixels; the median over the frames at seams (the later frames of the seam
pairs) against the median over the other frames, from the 10th frame on. Coverage holds across seams
when the two are alike; --one-process measures the same frames of a render without seams (no Ray),
to tell what the clip's own motion makes of the difference.
Overhead: one segment's frames sent to a worker and back through the object store with no dreaming
(scheduling and transfer), per frame, against the steady seconds per frame of the dream at that size.
Projection: a 5-minute 1080p clip (7,500 frames at 25 fps) on 1, 8 and 64 machines of WORKERS
one-thread workers each, from one worker's first frame and steady frame at the largest overhead size
scaled by pixel count to 1920x1080 (transfer included); every segment pays its first frame's full
dream, its run-up and its overlap, and segments go in order to whichever worker is free first.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from dreamvid.dream.deepdream import DeepDream
from dreamvid.io.video_reader import open_video
from dreamvid.measure.metrics import FlickerMeter, MotionCoverageMeter
from dreamvid.render.ray import OVERLAP, RUN_UP, RaySettings, SegmentDreamer, start_ray
from dreamvid.render.segments import default_segment_frames, plan_segments
from dreamvid.render.video import render_video
from dreamvid.settings import DreamSettings, VideoSettings


def seam_windows(segments, overlap):
    """For each seam, the frames t whose pair t-1 -> t lies in or at the edges of its overlap."""
    return [range(segment.keep_from, segment.keep_from + overlap + 1) for segment in segments[1:]]


def seam_figures(inputs, outputs, windows):
    """Flicker and motion coverage of the frames at seams against the others; a dict of figures."""
    flicker, coverage = FlickerMeter(), MotionCoverageMeter()
    for frame, output in zip(inputs, outputs):
        flicker.add(frame, output)
        coverage.add(frame, output)
    seams = set().union(*windows) if windows else set()
    ratios = {index: out / max(inp, 1e-6) for index, out, inp in flicker.pairs}
    elsewhere = statistics.median(value for index, value in ratios.items() if index not in seams)

    def covered(frames, column):
        values = [row[column] for row in coverage.frames if row[0] in frames and row[column] is not None]
        return (statistics.median(values) if values else float("nan")), len(values)

    others = {index for index, *_ in coverage.frames} - seams
    figures = {
        "flicker": flicker.ratio, "coverage": coverage.value, "flicker_elsewhere": elsewhere,
        "flicker_seams": statistics.median(value for index, value in ratios.items() if index in seams),
        "pairs_seams": sum(index in seams for index in ratios), "pairs_elsewhere": sum(index not in seams for index in ratios),
        "moving_seams": covered(seams, 1), "moving_elsewhere": covered(others, 1),
        "wake_seams": covered(seams, 2), "wake_elsewhere": covered(others, 2),
        "per_seam": [],
    }
    for window in windows:
        figures["per_seam"].append((window, statistics.median(ratios[index] for index in window if index in ratios),
                                    max(ratios[index] for index in window if index in ratios),
                                    covered(set(window), 1), covered(set(window), 2)))
    return figures


def print_seams(figures):
    elsewhere = figures["flicker_elsewhere"]
    print(f"{'':18} {'flicker (median pair)':>22} {'coverage moving':>16} {'coverage wake':>14}")
    for place in ("seams", "elsewhere"):
        moving, moving_frames = figures[f"moving_{place}"]
        wake, wake_frames = figures[f"wake_{place}"]
        print(f"{'at ' + place if place == 'seams' else place:18} {figures[f'flicker_{place}']:>13.2f} "
              f"({figures[f'pairs_{place}']:3d} pairs) {moving:>7.2f} ({moving_frames:3d} fr) "
              f"{wake:>6.2f} ({wake_frames:3d} fr)")
    seams = figures["flicker_seams"]
    print(f"{'seams / elsewhere':18} {seams / elsewhere:>13.2f}{'':12} "
          f"{figures['moving_seams'][0] / figures['moving_elsewhere'][0]:>7.2f}{'':8} "
          f"{figures['wake_seams'][0] / figures['wake_elsewhere'][0]:>6.2f}")
    for number, (window, median, worst, (moving, _), (wake, _)) in enumerate(figures["per_seam"], 1):
        print(f"seam {number} (frames {window.start - 1}-{window.stop - 1}): flicker median {median:.2f} "
              f"= {median / elsewhere:.2f}x elsewhere (worst pair {worst / elsewhere:.2f}x); "
              f"coverage moving {moving:.2f}, wake {wake:.2f}")
    coverage = figures["coverage"]
    print(f"whole clip: flicker ratio {figures['flicker']:.2f}; coverage moving {coverage.moving:.2f}, "
          f"wake {coverage.wake:.2f} ({coverage.frames_used} frames)")


def echo(frames):
    return frames


def overhead_per_frame(ray, size, frames=15):
    """Seconds per frame to send a segment's frames to a worker and get as many back."""
    batch = [np.random.default_rng(index).integers(0, 255, (size * 3 // 4, size, 3), np.uint8) for index in range(frames)]
    remote = ray.remote(num_cpus=1)(echo)
    ray.get(remote.remote(ray.put(batch)))  # warm up the worker
    times = []
    for _ in range(5):
        started = time.perf_counter()
        ray.get(remote.remote(ray.put(batch)))
        times.append((time.perf_counter() - started) / frames)
    return statistics.median(times)


PROJECTED_FRAMES = 7500  # 5 minutes at 25 fps
PROJECTED_PIXELS = 1920 * 1080


def projected_wall(frames, workers, segment_frames, first, steady, run_up, overlap):
    """Seconds to dream `frames` frames on `workers` workers: each segment costs its first frame's full
    dream plus a steady frame for every other frame it dreams (run-up and overlap included)."""
    free = [0.0] * workers
    for segment in plan_segments(0, frames, segment_frames, run_up, overlap):
        worker = free.index(min(free))
        free[worker] += first + (segment.frames - 1) * steady
    return max(free)


def hours(seconds):
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


def print_projection(first, steady, per_machine, run_up, overlap):
    print(f"projected 1080p: first frame {first:.0f} s, then {steady:.2f} s/frame per worker; "
          f"{PROJECTED_FRAMES} frames, {per_machine} workers a machine")
    print(f"{'machines':>8} {'workers':>7} {'segments':>22} {'dreamed frames':>14} {'wall':>12}")
    for machines in (1, 8, 64):
        workers = machines * per_machine
        default = default_segment_frames(PROJECTED_FRAMES, workers, run_up, overlap)
        one_each = -(-PROJECTED_FRAMES // workers)
        for label, length in ((f"default ({default})", default), (f"one each ({one_each})", one_each)):
            if label.startswith("one each") and one_each == default:
                continue
            segments = plan_segments(0, PROJECTED_FRAMES, length, run_up, min(overlap, length - 1))
            wall = projected_wall(PROJECTED_FRAMES, workers, length, first, steady, run_up, min(overlap, length - 1))
            label = f"{len(segments)} {label}"
            print(f"{machines:>8} {workers:>7} {label:>22} {sum(s.frames for s in segments):>14} {hours(wall):>12}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("clip")
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--max-side", type=int, default=320)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--segment-frames", type=int, default=31)
    parser.add_argument("--run-up", type=int, default=RUN_UP)
    parser.add_argument("--overlap", type=int, default=OVERLAP)
    parser.add_argument("--overhead-sizes", type=int, nargs="*", default=[320, 640])
    parser.add_argument("--keep", help="keep the dreamed frames in this new folder (default: a temporary one)")
    parser.add_argument("--one-process", action="store_true",
                        help="the reference: dream the clip in one process (no Ray, no seams) and measure the "
                             "frames where the seams would be, to compare with a Ray render's figures")
    parser.add_argument("--measure", help="measure the frames already dreamed into this folder (a --keep folder) "
                                           "instead of dreaming the clip")
    args = parser.parse_args()
    if args.one_process or args.measure:
        args.overhead_sizes = []
    settings = VideoSettings(dream=DreamSettings(max_side=args.max_side), frames=args.frames, audio=False)
    scale = RaySettings(workers=args.workers, segment_frames=args.segment_frames, run_up=args.run_up,
                        overlap=args.overlap)
    ray = None if args.one_process or args.measure else start_ray(scale)
    info, reader = open_video(args.clip, frames=args.frames, max_side=args.max_side)
    inputs = list(reader)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(args.measure or args.keep or Path(folder) / "out")
        started = time.perf_counter()
        if not args.measure:
            render_video(args.clip, f"{out}/", settings, functools.partial(DeepDream.for_video, settings),
                         ray=None if args.one_process else scale, overwrite=False)
        wall = time.perf_counter() - started
        outputs = [cv2.imread(str(path))[..., ::-1] for path in sorted(out.glob("*.png"))]
    overlap = min(args.overlap, args.segment_frames - 1)
    segments = plan_segments(0, len(inputs), args.segment_frames, args.run_up, overlap)
    how = "one process (the seams' frames measured, no seams made)" if args.one_process else f"{args.workers} workers"
    print(f"{args.clip}: {len(inputs)} frames at {info.width}x{info.height}, {how}, "
          f"segments of {args.segment_frames} (run-up {args.run_up}, overlap {overlap}), "
          f"seams at frames {', '.join(str(segment.keep_from) for segment in segments[1:])}")
    strength = np.mean([np.abs(o.astype(np.float32) - i).mean() for i, o in zip(inputs, outputs)])
    dreamed = sum(segment.frames for segment in segments)
    if args.measure:
        print(f"measured {out}; strength {strength:.2f}")
    elif args.one_process:
        print(f"wall {wall:.1f} s ({wall / len(inputs):.2f} s/frame); strength {strength:.2f}")
    else:
        print(f"wall {wall:.1f} s ({wall / len(inputs):.2f} s/frame); {dreamed} frames dreamed (run-ups and overlaps "
              f"included): {args.workers * wall / dreamed:.2f} s/frame per worker side by side; strength {strength:.2f}")
    print_seams(seam_figures(inputs, outputs, seam_windows(segments, overlap)))
    if not args.overhead_sizes:
        return
    worker = ray.remote(num_cpus=1)(SegmentDreamer).remote(
        functools.partial(DeepDream.for_video, settings), settings.coherence, 0, 1)
    for size in args.overhead_sizes:
        frames = [cv2.resize(frame, (size, size * 3 // 4)) for frame in inputs[:12]]
        ray.get(worker.dream.remote(frames[:2], 0))  # trace at this size
        started = time.perf_counter()
        ray.get(worker.dream.remote(frames[:1], 0))
        first = time.perf_counter() - started
        started = time.perf_counter()
        ray.get(worker.dream.remote(frames, 0))
        steady = (time.perf_counter() - started - first) / (len(frames) - 1)
        overhead = overhead_per_frame(ray, size)
        print(f"{size} px: one worker (1 thread): first frame {first:.1f} s, then {steady:.2f} s/frame; "
              f"Ray transfer and scheduling {1000 * overhead:.1f} ms/frame = {100 * overhead / steady:.2f}% of a frame")
    scale = PROJECTED_PIXELS / (size * (size * 3 // 4))
    print_projection(first * scale, (steady + overhead) * scale, args.workers, args.run_up, args.overlap)


if __name__ == "__main__":
    main()
