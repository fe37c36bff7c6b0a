"""Does overlapping pay? Steady-state seconds per frame with and without the worker threads.

    python bench/overlap.py CLIP [--frames 24] [--repeats 2] [--max-side 640] [--dream-scale 1.0]
                                 [--cv-threads 2 1]

Renders the same frames with `render_video(overlap=True)` (motion of the next frame and saving of
the finished one in worker threads) and `overlap=False` (every stage in turn), for each OpenCV thread
count given, alternating the variants within one process so they share the machine's state. Prints
the median seconds per frame after the first (full) dream, per variant, and the median over repeats.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
from pathlib import Path

import cv2

from dreamvid.dream.deepdream import DeepDream, build_dreamer
from dreamvid.render.video import render_video
from dreamvid.settings import CoherenceSettings, DreamSettings, VideoSettings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("clip")
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--max-side", type=int, default=640)
    parser.add_argument("--dream-scale", type=float, default=1.0)
    parser.add_argument("--cv-threads", type=int, nargs="+", default=[cv2.getNumThreads()])
    args = parser.parse_args()
    dream = DreamSettings(max_side=args.max_side)
    settings = VideoSettings(dream=dream, frames=args.frames, audio=False,
                             coherence=dataclasses.replace(CoherenceSettings(), dream_scale=args.dream_scale))
    dreamer = build_dreamer(dream)
    variants = [(overlap, threads) for threads in args.cv_threads for overlap in (True, False)]
    results: dict[tuple[bool, int], list[float]] = {variant: [] for variant in variants}
    with tempfile.TemporaryDirectory() as folder:
        for repeat in range(args.repeats):
            for overlap, threads in variants:
                cv2.setNumThreads(threads)
                output = Path(folder) / f"out-{repeat}-{overlap}-{threads}.mp4"
                summary = render_video(args.clip, output, settings, DeepDream.for_video(settings, dreamer), overlap=overlap)
                steady = statistics.median(summary.seconds_per_frame[1:])
                results[(overlap, threads)].append(steady)
                print(f"repeat {repeat + 1}: overlap={overlap!s:5} cv2 threads={threads}: "
                      f"{steady:.3f} s/frame (median of {summary.frames - 1} later frames)", flush=True)
    print(f"{args.clip} at max side {args.max_side}, dream scale {args.dream_scale}, {args.frames} frames:")
    for (overlap, threads), values in results.items():
        print(f"  overlap={overlap!s:5} cv2 threads={threads}: median {statistics.median(values):.3f} s/frame "
              f"over {len(values)} runs")


if __name__ == "__main__":
    main()
