"""Style transfer on a clip: the coherent style video against restyling every frame on its own.

    python bench/style_video.py CLIP STYLE [--frames 24] [--independent-frames 8] [--max-side 256] [--sheet out.png]

Both run in this one process with the same model, style and frames (the independent run on the first
`--independent-frames` of them). Flicker ratio: FlickerMeter (flow from the INPUT frames). Style loss:
the style term of each output frame (Stylist.losses), median over frames. Seconds per frame: median over
frames after the first.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from dreamvid.coherence import Coherence
from dreamvid.contact_sheet import contact_sheet, save_png
from dreamvid.metrics import FlickerMeter
from dreamvid.settings import CoherenceSettings, StyleSettings
from dreamvid.styletransfer import StyleTransfer
from dreamvid.video import video_frames
from dreamvid.video_reader import open_video


def run(label, frames, effect, coherence, sheet_every):
    stream = video_frames(frames, Coherence(effect, coherence), seed=0, overlap=False)
    meter, times, losses, sheet = FlickerMeter(), [], [], []
    for index, frame in enumerate(frames):
        started = time.perf_counter()
        output = next(stream).pixels
        times.append(time.perf_counter() - started)
        meter.add(frame, output)
        losses.append(effect.stylist.losses(output.astype(np.float32), frame.astype(np.float32)).style)
        if index % sheet_every == 0:
            sheet.append((f"{label} {index}", output))
    return {"label": label, "frames": len(frames), "flicker": meter.ratio, "style": statistics.median(losses),
            "first": times[0], "steady": statistics.median(times[1:]), "sheet": sheet}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("clip")
    parser.add_argument("style")
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--independent-frames", type=int, default=8)
    parser.add_argument("--max-side", type=int, default=256)
    parser.add_argument("--start", type=float, default=0.0)
    parser.add_argument("--sheet")
    parser.add_argument("--temporal-weight", type=float, default=StyleSettings.__dataclass_fields__["temporal_weight"].default)
    parser.add_argument("--no-redream", action="store_true", help="no local re-dreaming of regions short of style")
    parser.add_argument("--learning-rate-next", type=float, help="Adam's learning rate for warm starts")
    args = parser.parse_args()
    info, reader = open_video(args.clip, start=args.start, frames=args.frames, max_side=args.max_side)
    frames = list(reader)
    effect = StyleTransfer.create(StyleSettings(styles=((args.style, 1.0),), temporal_weight=args.temporal_weight,
                                                learning_rate_next=args.learning_rate_next))
    every = max(1, len(frames) // 4)
    coherent = run("coherent", frames, effect, CoherenceSettings(redream=None) if args.no_redream else CoherenceSettings(),
                   every)
    independent = run("independent", frames[: args.independent_frames], effect,
                      CoherenceSettings(coherent=False), max(1, args.independent_frames // 2))
    print(f"{args.clip}: {len(frames)} frames at {info.width}x{info.height}, style {args.style}")
    print(f"{'mode':12} {'frames':>6} {'flicker':>8} {'style loss':>10} {'first s':>8} {'s/frame':>8}")
    for result in (coherent, independent):
        print(f"{result['label']:12} {result['frames']:6d} {result['flicker']:8.2f} {result['style']:10.4f} "
              f"{result['first']:8.1f} {result['steady']:8.2f}")
    print(f"flicker coherent / independent: {coherent['flicker'] / independent['flicker']:.2f}; "
          f"style loss ratio: {coherent['style'] / independent['style']:.2f}; "
          f"s/frame ratio: {coherent['steady'] / independent['steady']:.2f}")
    if args.sheet:
        cells = coherent["sheet"] + independent["sheet"]
        save_png(args.sheet, contact_sheet([image for _, image in cells], columns=4,
                                           labels=[label for label, _ in cells], cell_width=256))
        print("wrote", args.sheet)


if __name__ == "__main__":
    main()
