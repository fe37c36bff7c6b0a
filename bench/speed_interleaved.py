"""Steady speed of dreamvid's video dream against the naive per-frame dream, frame by frame in turn, one process.

    python bench/speed_interleaved.py CLIP [--frames 12] [--max-side 480] [--start 0]

For each frame after the first, dreamvid's next frame (the coherent dream with re-dreaming, default settings)
is timed, then keras-io's naive per-frame dream of the same frame (3 octaves x 20 steps, as in
bench/motion_coverage.py). Taking them in turn spreads this machine's noise over both alike; the figure is the
ratio of the medians. The first frame (dreamvid's full dream, TensorFlow's tracing) is not counted.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import numpy as np

from dreamvid.dream.deepdream import DeepDream, build_dreamer
from dreamvid.io.video_reader import open_video
from dreamvid.settings import CoherenceSettings, DreamSettings, VideoSettings
from dreamvid.video.coherence import Coherence
from dreamvid.video.frames import video_frames
from motion_coverage import NAIVE  # keras-io's per-frame dream, as the coverage bench times it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip")
    parser.add_argument("--frames", type=int, default=12)
    parser.add_argument("--max-side", type=int, default=480)
    parser.add_argument("--start", type=float, default=0.0)
    args = parser.parse_args()
    info, reader = open_video(args.clip, start=args.start, frames=args.frames, max_side=args.max_side)
    frames = [np.asarray(frame, np.float32) for frame in reader]
    settings = DreamSettings(max_side=args.max_side)
    dreamer = build_dreamer(settings)
    coherence = CoherenceSettings()
    stream = video_frames(frames, Coherence(DeepDream.for_video(VideoSettings(settings, coherence), dreamer),
                                            coherence), seed=settings.seed, overlap=False)
    independent = CoherenceSettings(coherent=False)
    naive = DeepDream.for_video(VideoSettings(dataclasses.replace(settings, **NAIVE), independent), dreamer)
    next(stream)  # the first frame: the full dream and the tracing
    naive.first(frames[0], seed=settings.seed)  # the naive dream's tracing
    ours, theirs = [], []
    for index in range(1, len(frames)):
        began = time.perf_counter()
        next(stream)
        ours.append(time.perf_counter() - began)
        began = time.perf_counter()
        naive.first(frames[index], seed=settings.seed)
        theirs.append(time.perf_counter() - began)
        print(f"frame {index}: dreamvid {ours[-1]:.2f} s, naive {theirs[-1]:.2f} s", flush=True)
    mine, naive_s = statistics.median(ours), statistics.median(theirs)
    print(f"{args.clip} at {info.width}x{info.height}, {len(ours)} frames in turn: dreamvid {mine:.2f} s a frame, "
          f"naive {naive_s:.2f} s: {naive_s / mine:.1f}x (per-frame ratios {min(t / o for t, o in zip(theirs, ours)):.1f}"
          f"-{max(t / o for t, o in zip(theirs, ours)):.1f}x)")


if __name__ == "__main__":
    main()
