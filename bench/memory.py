"""Peak resident memory of the video pipeline: flat over a long clip, bounded at 1080p.

    python bench/memory.py --frames 1000 --size 160x120      # does memory grow with clip length?
    python bench/memory.py --frames 6 --size 1920x1080 --steps 2

A synthetic clip (a pan over a texture, made in memory) streams through render_video into an .mp4,
the real reader/writer path included; peak RSS is read from the OS after every 10% of the frames.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from dreamvid.dream.deepdream import DeepDream, build_dreamer
from dreamvid.io.video_writer import VideoWriter
from dreamvid.render.video import render_video
from dreamvid.settings import CoherenceSettings, DreamSettings, VideoSettings


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def make_clip(path: Path, frames: int, width: int, height: int) -> None:
    rng = np.random.default_rng(0)
    small = rng.uniform(0, 255, (height // 16 + 1, (width + 2 * frames) // 16 + 1, 3)).astype(np.float32)
    wide = cv2.resize(small, (width + 2 * frames, height), interpolation=cv2.INTER_CUBIC).clip(0, 255).astype(np.uint8)
    with VideoWriter(path, fps=25, size=(width, height)) as writer:
        for index in range(frames):
            writer.write(np.ascontiguousarray(wide[:, 2 * index : 2 * index + width]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--size", default="160x120")
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    width, height = (int(side) for side in args.size.split("x"))
    settings = VideoSettings(dream=DreamSettings(steps=args.steps, octaves=2 if args.steps < 10 else 4),
                             coherence=CoherenceSettings())
    dreamer = build_dreamer(settings.dream)
    with tempfile.TemporaryDirectory() as folder:
        clip = Path(folder) / "clip.mp4"
        make_clip(clip, args.frames, width, height)
        samples = []
        every = max(1, args.frames // 10)
        started = time.perf_counter()

        def record(event):
            done = event.frames_done
            if not event.frame_finished:
                return
            if done == 1 or done % every == 0 or done == args.frames:
                samples.append((done, current_rss_mib(), peak_rss_mib()))

        render_video(clip, Path(folder) / "out.mp4", settings, DeepDream.for_video(settings, dreamer), on_progress=record)
        elapsed = time.perf_counter() - started
    print(f"{args.frames} frames at {width}x{height} in {elapsed:.0f} s")
    for done, current, peak in samples:
        print(f"  after frame {done:5d}: RSS {current:7.0f} MiB, peak so far {peak:7.0f} MiB")


if __name__ == "__main__":
    main()
