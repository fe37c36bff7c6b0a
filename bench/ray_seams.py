"""Ray renders: flicker across segment seams, throughput per worker and Ray's overhead per frame.

    python bench/ray_seams.py CLIP [--frames 60] [--max-side 320] [--workers 2] [--segment-frames 15]
                                   [--run-up 4] [--overlap 6] [--overhead-sizes 320 640]

Seams: the clip is dreamed on a local Ray runtime; for every frame pair t-1 -> t the flicker ratio is
the warped output difference over the same figure for the input (FlickerMeter, flow from the INPUT
frames). Pairs inside a segment overlap (where one segment fades into the next) or at its edges are
seam pairs; the figure is median(seam pairs) / median(other pairs) (goal: at most 1.5).
Overhead: one segment's frames sent to a worker and back through the object store with no dreaming
(scheduling and transfer), per frame, against the steady seconds per frame of the dream at that size.
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

from dreamvid.deepdream import DeepDream
from dreamvid.metrics import FlickerMeter
from dreamvid.ray_render import RaySettings, SegmentDreamer, start_ray
from dreamvid.segments import plan_segments
from dreamvid.settings import DreamSettings, VideoSettings
from dreamvid.video import render_video
from dreamvid.video_reader import open_video


def seam_figures(inputs, outputs, segments, overlap):
    meter = FlickerMeter()
    for frame, output in zip(inputs, outputs):
        meter.add(frame, output)
    seams = set()
    for segment in segments[1:]:
        seams.update(range(segment.keep_from, segment.keep_from + overlap + 1))
    ratios = {index: out / max(inp, 1e-6) for index, out, inp in meter.pairs}
    at_seams = [value for index, value in ratios.items() if index in seams]
    elsewhere = [value for index, value in ratios.items() if index not in seams]
    return meter.ratio, statistics.median(at_seams), statistics.median(elsewhere)


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("clip")
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--max-side", type=int, default=320)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--segment-frames", type=int, default=15)
    parser.add_argument("--run-up", type=int, default=4)
    parser.add_argument("--overlap", type=int, default=6)
    parser.add_argument("--overhead-sizes", type=int, nargs="*", default=[320, 640])
    parser.add_argument("--sheet")
    args = parser.parse_args()
    settings = VideoSettings(dream=DreamSettings(max_side=args.max_side), frames=args.frames, audio=False)
    scale = RaySettings(workers=args.workers, segment_frames=args.segment_frames, run_up=args.run_up,
                        overlap=args.overlap)
    ray = start_ray(scale)
    info, reader = open_video(args.clip, frames=args.frames, max_side=args.max_side)
    inputs = list(reader)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "out"
        started = time.perf_counter()
        render_video(args.clip, f"{out}/", settings, functools.partial(DeepDream.for_video, settings),
                               ray=scale)
        wall = time.perf_counter() - started
        outputs = [cv2.imread(str(path))[..., ::-1] for path in sorted(out.glob("*.png"))]
    segments = plan_segments(0, len(inputs), args.segment_frames, args.run_up, args.overlap)
    ratio, seam, elsewhere = seam_figures(inputs, outputs, segments, args.overlap)
    print(f"{args.clip}: {len(inputs)} frames at {info.width}x{info.height}, {args.workers} workers, "
          f"segments of {args.segment_frames} (run-up {args.run_up}, overlap {args.overlap})")
    print(f"wall {wall:.1f} s ({wall / len(inputs):.2f} s/frame); flicker ratio {ratio:.2f}; "
          f"median pair ratio at seams {seam:.2f}, elsewhere {elsewhere:.2f}, seam/elsewhere {seam / elsewhere:.2f}")
    strength = np.mean([np.abs(o.astype(np.float32) - i).mean() for i, o in zip(inputs, outputs)])
    print(f"strength {strength:.2f}")
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


if __name__ == "__main__":
    main()
