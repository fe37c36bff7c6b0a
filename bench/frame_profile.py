"""Where one video frame's time goes: decode, flow, warp and mask, ascent steps, encode.

    python bench/frame_profile.py CLIP [--frames 12] [--max-side 640] [--dream-scale 1.0]

Runs the coherent pipeline's pieces by hand, one after another, on the same frames and prints the
median seconds of each stage per frame (after the first frame), plus the first frame's full dream
octave by octave. (`render_video` runs the flow and the saving in worker threads; see overlap.py.)
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from dreamvid.dream.deepdream import DeepDream, build_dreamer
from dreamvid.io.images import to_uint8
from dreamvid.io.video_reader import open_video
from dreamvid.io.video_writer import VideoWriter
from dreamvid.render.workdir import WorkDir
from dreamvid.settings import CoherenceSettings, DreamSettings, VideoSettings
from dreamvid.video.coherence import Coherence
from dreamvid.video.flow import FlowEstimator, consistency_mask, warp


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("clip")
    parser.add_argument("--frames", type=int, default=12)
    parser.add_argument("--max-side", type=int, default=640)
    parser.add_argument("--dream-scale", type=float, default=1.0)
    args = parser.parse_args()
    settings = DreamSettings(max_side=args.max_side)
    coherence = dataclasses.replace(CoherenceSettings(), dream_scale=args.dream_scale)
    dreamer = build_dreamer(settings)
    effect = DeepDream.for_video(VideoSettings(settings, coherence), dreamer)
    temporal = Coherence(effect, coherence)
    flow = FlowEstimator(coherence.flow_preset)
    stages = defaultdict(list)
    info, frames = open_video(args.clip, frames=args.frames, max_side=args.max_side)
    with tempfile.TemporaryDirectory() as folder, VideoWriter(Path(folder) / "out.mp4", fps=info.fps,
                                                               size=(info.width, info.height)) as writer:
        work = WorkDir.open(Path(folder) / "work.mp4", {}, resume=False)
        octave_seconds = defaultdict(float)
        octave_steps = defaultdict(int)
        clock = [0.0]

        def on_step(event):
            now = time.perf_counter()
            octave = f"{event.octave}/{event.octaves}"  # a finishing pass after --dream-scale is 1/1
            octave_seconds[octave] += now - clock[0]
            octave_steps[octave] += 1
            clock[0] = now

        previous = None
        index = 0
        while True:
            started = time.perf_counter()
            frame = next(frames, None)
            if frame is None:
                break
            stages["decode"].append(time.perf_counter() - started)
            current = frame.astype(np.float32)
            if previous is None:
                started = clock[0] = time.perf_counter()
                output = temporal.next_frame(current, None, seed=settings.seed, progress=on_step)
                first = time.perf_counter() - started
            else:
                started = time.perf_counter()
                backward, forward = flow.backward_flow_pair(previous, current)
                stages["flow (both directions)"].append(time.perf_counter() - started)
                started = time.perf_counter()
                mask = consistency_mask(backward, forward, boundaries=False)
                carried = warp(temporal.state.previous_detail, backward) * mask[..., None]
                start = np.clip(current + carried, 0, 255)
                stages["mask and warp"].append(time.perf_counter() - started)
                started = time.perf_counter()
                output = effect.refine(start, seed=settings.seed)
                stages[f"ascent ({coherence.steps_next} step(s) at scale {coherence.dream_scale})"].append(
                    time.perf_counter() - started)
                temporal.remember(current, output, temporal.state.reference_strength, 0)
            started = time.perf_counter()
            pixels = to_uint8(output)
            writer.write(pixels)
            stages["encode (hand-off to ffmpeg)"].append(time.perf_counter() - started)
            started = time.perf_counter()
            work.save_frame(index, pixels, temporal.state.to_arrays())
            stages["save frame and state to work folder"].append(time.perf_counter() - started)
            previous = current
            index += 1
    print(f"{args.clip}: {info.width}x{info.height}, {args.frames} frames; first frame full dream {first:.2f} s "
          f"(its first step traces the compiled step)")
    for octave, seconds in octave_seconds.items():
        print(f"  first frame, octave {octave}: {octave_steps[octave]} steps, {seconds:.2f} s "
              f"({seconds / octave_steps[octave]:.3f} s/step)")
    total = 0.0
    for name, times in stages.items():
        median = statistics.median(times[1:] if name.startswith(("decode", "encode")) else times)
        total += median
        print(f"  {name:40} {median * 1000:8.1f} ms")
    print(f"  {'total per later frame':40} {total * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
