"""Choosing the overlap of Ray segments: each segment dreamed once, joined offline with every overlap.

    python bench/ray_overlap.py CLIP [--frames 120] [--max-side 320] [--segment-frames 40] [--run-up 4]
                                     [--overlaps 12 20 28 36] [--workers 2]

A segment's frames do not depend on how far it runs past its end, and the next segment's do not
depend on where the previous one stops, so dreaming every segment once with the longest overlap
gives, exactly, the frames a render with any shorter overlap keeps. Each overlap is then joined
with dreamvid's fade (segments.fade_weight) and, for comparison, a linear one, and measured as
bench/ray_seams.py does: the median flicker ratio of the frame pairs in and at the edges of each
overlap against the median over the pairs outside the longest overlap (the same pairs for every
row), and motion coverage (moving, wake) of the frames at seams against those elsewhere. Two rows
cut instead of fading, measured over the longest overlap: "cut at seam" keeps the later segment's
frames from its first kept one (its young dream's flicker and the jump), "cut after N" keeps the
earlier segment's frames through the overlap (the jump between two settled dreams).
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time

from dreamvid.dream.deepdream import DeepDream
from dreamvid.io.video_reader import open_video
from dreamvid.measure.metrics import FlickerMeter, MotionCoverageMeter
from dreamvid.render.ray import RaySettings, SegmentDreamer, start_ray
from dreamvid.render.segments import fade_weight, join, plan_segments
from dreamvid.settings import DreamSettings, VideoSettings


def linear_weight(index, overlap_start, overlap):
    return (index - overlap_start + 1) / (overlap + 1)


def joined_clip(dreams, segments, overlap, weight):
    """The clip as a render with `overlap` keeps it; `weight` None keeps the earlier (0) or later (1) segment."""
    frames = []
    for number, segment in enumerate(segments):
        own_end = segments[number + 1].keep_from if number + 1 < len(segments) else segment.keep_to
        for index in range(segment.keep_from, own_end):
            pixels = dreams[number][index]
            earlier = dreams[number - 1].get(index) if number > 0 else None
            if earlier is not None and index < segment.keep_from + overlap:
                share = weight(index, segment.keep_from, overlap) if callable(weight) else weight
                pixels = join(earlier, pixels, share)
            frames.append(pixels)
    return frames


def figures(inputs, outputs, windows, baseline_excluded):
    flicker, coverage = FlickerMeter(), MotionCoverageMeter()
    for frame, output in zip(inputs, outputs):
        flicker.add(frame, output)
        coverage.add(frame, output)
    ratios = {index: out / max(inp, 1e-6) for index, out, inp in flicker.pairs}
    seams = set().union(*windows)
    elsewhere = statistics.median(value for index, value in ratios.items() if index not in baseline_excluded)
    per_seam = [statistics.median(ratios[index] for index in window if index in ratios) / elsewhere
                for window in windows]

    def covered(frames, column):
        values = [row[column] for row in coverage.frames if row[0] in frames and row[column] is not None]
        return statistics.median(values) if values else float("nan")

    others = {row[0] for row in coverage.frames} - baseline_excluded
    at_seams = statistics.median(value for index, value in ratios.items() if index in seams)
    return (at_seams / elsewhere, per_seam, covered(seams, 1), covered(others, 1), covered(seams, 2),
            covered(others, 2))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("clip")
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--max-side", type=int, default=320)
    parser.add_argument("--segment-frames", type=int, default=40)
    parser.add_argument("--run-up", type=int, default=4)
    parser.add_argument("--overlaps", type=int, nargs="+", default=[12, 20, 28, 36])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    longest = max(args.overlaps)
    settings = VideoSettings(dream=DreamSettings(max_side=args.max_side), frames=args.frames, audio=False)
    ray = start_ray(RaySettings(workers=args.workers))
    info, reader = open_video(args.clip, frames=args.frames, max_side=args.max_side)
    inputs = list(reader)
    segments = plan_segments(0, len(inputs), args.segment_frames, args.run_up, longest)
    actor = ray.remote(num_cpus=1)(SegmentDreamer)
    pool = [actor.remote(functools.partial(DeepDream.for_video, settings), settings.coherence,
                         settings.dream.seed, 1) for _ in range(args.workers)]
    started = time.perf_counter()
    references = [pool[number % len(pool)].dream.remote(inputs[segment.dream_from:segment.keep_to],
                                                        segment.keep_from - segment.dream_from)
                  for number, segment in enumerate(segments)]
    dreams = [dict(zip(range(segment.keep_from, segment.keep_to), ray.get(reference)))
              for segment, reference in zip(segments, references)]
    wall = time.perf_counter() - started
    print(f"{args.clip}: {len(inputs)} frames at {info.width}x{info.height}, segments of {args.segment_frames}, "
          f"run-up {args.run_up}, seams at {', '.join(str(segment.keep_from) for segment in segments[1:])}; "
          f"dreamed in {wall:.0f} s on {args.workers} workers")
    baseline_excluded = set()
    for segment in segments[1:]:
        baseline_excluded.update(range(segment.keep_from, segment.keep_from + longest + 1))
    print(f"elsewhere: the {len(inputs) - 1 - len(baseline_excluded & set(range(1, len(inputs))))} pairs "
          f"outside every {longest}-frame overlap")
    print(f"{'join':24} {'seams/elsewhere':>15} {'per seam':>18} {'moving seams/else':>18} {'wake seams/else':>16}")
    rows = [(f"fade {overlap}", overlap, fade_weight) for overlap in args.overlaps]
    rows += [(f"linear {overlap}", overlap, linear_weight) for overlap in args.overlaps]
    rows += [("cut at seam", longest, 1.0), (f"cut after {longest}", longest, 0.0)]
    for label, overlap, weight in rows:
        windows = [range(segment.keep_from, segment.keep_from + overlap + 1) for segment in segments[1:]]
        if not callable(weight):
            windows = [range(segment.keep_from, segment.keep_from + longest + 1) for segment in segments[1:]]
        ratio, per_seam, moving, moving_else, wake, wake_else = figures(
            inputs, joined_clip(dreams, segments, overlap, weight), windows, baseline_excluded)
        print(f"{label:24} {ratio:>15.2f} {' '.join(f'{value:.2f}' for value in per_seam):>18} "
              f"{moving:>8.2f}/{moving_else:<8.2f} {wake:>7.2f}/{wake_else:<7.2f}")


if __name__ == "__main__":
    main()
