"""Contact sheet of a still-camera clip: the per-frame dream, dreamvid without and with the context match.

    python bench/match_context_sheet.py CLIP OUT.jpg [--frames 30] [--max-side 480] [--show 20,29] [--crop-scales]

Rows: the per-frame dream of the shown frames alone; the coherent dream over the first --frames frames with
RedreamSettings(match_context=False) (round five's defaults); the same with the defaults (issue 21 round six).
With --crop-scales the two coherent rows are instead context-matched crops dreamed at half size (round eight's
defaults) and at full size (the defaults, issue 21 round nine).
"""

from __future__ import annotations

import argparse

import cv2

from dreamvid.dream.deepdream import DeepDream, build_dreamer
from dreamvid.io.video_reader import open_video
from dreamvid.measure.contact_sheet import contact_sheet
from dreamvid.settings import CoherenceSettings, DreamSettings, RedreamSettings, VideoSettings
from dreamvid.video.coherence import Coherence
from dreamvid.video.frames import video_frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip")
    parser.add_argument("out")
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--max-side", type=int, default=480)
    parser.add_argument("--show", default="20,29", help="comma-separated 0-based frame indices")
    parser.add_argument("--crop-scales", action="store_true", help="compare context crops at half and full size")
    args = parser.parse_args()
    show = [int(value) for value in args.show.split(",")]
    _, reader = open_video(args.clip, frames=args.frames, max_side=args.max_side)
    frames = list(reader)
    settings = DreamSettings(max_side=args.max_side)
    dreamer = build_dreamer(settings)
    cells, labels = [], []
    modes = (("per-frame", CoherenceSettings(coherent=False), True),
             ("no context match", CoherenceSettings(redream=RedreamSettings(match_context=False)), False),
             ("default", CoherenceSettings(), False))
    if args.crop_scales:
        half = CoherenceSettings(redream=RedreamSettings(context_crop_scale=0.5))
        modes = (modes[0], ("half-size context crops", half, False), modes[2])
    for label, coherence, alone in modes:
        effect = DeepDream.for_video(VideoSettings(settings, coherence), dreamer)
        source = [frames[index] for index in show] if alone else frames
        outputs = [frame.pixels for frame in video_frames(source, Coherence(effect, coherence), seed=settings.seed,
                                                          overlap=False)]
        picked = outputs if alone else [outputs[index] for index in show]
        cells += picked
        labels += [f"{label} {index}" for index in show]
    sheet = contact_sheet(cells, columns=len(show), labels=labels, cell_width=400)
    if not cv2.imwrite(args.out, cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85]):
        raise SystemExit(f"could not write {args.out}")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
