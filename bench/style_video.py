"""Style transfer on a clip: coherent style video variants against restyling every frame on its own.

    python bench/style_video.py CLIP STYLE [--frames 24] [--independent-frames 8] [--max-side 256]
        [--variant NAME=KEY=VALUE,KEY=VALUE ...] [--sheet out.png] [--independent-cache ind.json]

Everything runs in this one process with the same model, style and frames (the independent run on the
first `--independent-frames` of them), so the variants compare side by side. A variant changes the
defaults (those of `video --style`: `CoherenceSettings().for_style()`): KEY is a StyleSettings
field (`temporal_weight=1000`), a CoherenceSettings field (`hold_strength=on`), `redream=on` or
`redream=off`, or a RedreamSettings field prefixed `redream.` (`redream.crop_steps=10`, after
`redream=on`). Without `--variant` one variant, "coherent", runs with the defaults (as changed by
the options --temporal-weight and --learning-rate-next).

Figures: flicker ratio (FlickerMeter: flow from the INPUT frames); its split by region, as shares of
the input's own flicker that add up to the ratio: "held" pixels (the coherence's own forward-backward
mask trusts them and no re-styled crop touched them), "crop" (trusted but inside a re-styled crop's
blend) and "doubt" (consistent to the meter, but under 0.5 in the coherence's softer mask); style
loss (the style term of each output frame, Stylist.losses, median over frames); strength (mean
|output - input|); seconds per frame (median over frames after the first); ghost (issue 21:
MotionCoverageMeter's ghost figure from frame --ghost-from on, blurred grey |output - input| over the
background a subject uncovered / over static pixels; compare it with the independent run's only when
--independent-frames covers the same frames) and follow (the same meter's correlation of blurred grey
output and input over moving and wake pixels: low for a frozen or smeared picture).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import time

import numpy as np

import dreamvid.video.coherence as coherence_module
from dreamvid.video import flow
from dreamvid.io.video_reader import open_video
from dreamvid.measure.contact_sheet import contact_sheet, save_png
from dreamvid.measure.metrics import FlickerMeter, MotionCoverageMeter
from dreamvid.settings import CoherenceSettings, RedreamSettings, StyleSettings
from dreamvid.style.optimiser import Stylist
from dreamvid.style.transfer import StyleTransfer
from dreamvid.video.coherence import Coherence, estimate_motion
from dreamvid.video.frames import video_frames


def _value(text: str, default):
    if text.lower() in ("none", "off"):
        return None
    if isinstance(default, bool):
        return text.lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(text)
    if isinstance(default, float) or default is None:
        return float(text)
    return text


def parse_variant(text: str, style: StyleSettings, coherence: CoherenceSettings):
    """NAME=KEY=VALUE,... -> (name, style settings, coherence settings)."""
    name, _, changes = text.partition("=")
    style_changes, coherence_changes, redream_changes = {}, {}, {}
    redream = coherence.redream
    for item in filter(None, changes.split(",")):
        key, _, value = item.partition("=")
        if key == "redream":
            redream = None if value.lower() in ("off", "none", "0") else RedreamSettings()
        elif key.startswith("redream."):
            field = key.split(".", 1)[1]
            redream_changes[field] = _value(value, getattr(RedreamSettings(), field))
        elif key in StyleSettings.__dataclass_fields__:
            style_changes[key] = _value(value, getattr(style, key))
        elif key in CoherenceSettings.__dataclass_fields__:
            coherence_changes[key] = _value(value, getattr(coherence, key))
        else:
            raise SystemExit(f"unknown variant key {key!r}")
    style = dataclasses.replace(style, **style_changes)
    redream = None if redream is None else dataclasses.replace(redream, **redream_changes)
    coherence = dataclasses.replace(coherence, redream=redream, **coherence_changes)
    return name, style, coherence


class RegionFlicker:
    """The flicker figure split by region (see the module's docstring)."""

    def __init__(self, coherence: CoherenceSettings):
        self.coherence = coherence
        self.estimator = flow.FlowEstimator("medium")
        self.totals = {"held": 0.0, "crop": 0.0, "doubt": 0.0}
        self.shares = {"held": 0.0, "crop": 0.0, "doubt": 0.0}
        self.baseline = 0.0
        self.previous = None

    def add(self, frame, output, crop_weight):
        frame = frame.astype(np.float32)
        output = output.astype(np.float32)
        if self.previous is not None:
            previous_frame, previous_output = self.previous
            backward, forward = self.estimator.backward_flow_pair(previous_frame, frame)
            consistent = flow.consistency_mask(backward, forward, softening=0) > 0.5
            trusted = estimate_motion(self.estimator, self.coherence, previous_frame, frame).reliable >= 0.5
            cropped = crop_weight > 0 if crop_weight is not None else np.zeros_like(consistent)
            count = max(1, int(consistent.sum()))
            output_difference = np.abs(flow.warp(previous_output, backward) - output).mean(axis=2)
            input_difference = np.abs(flow.warp(previous_frame, backward) - frame).mean(axis=2)
            self.baseline += float(input_difference[consistent].sum()) / count
            regions = {"held": consistent & trusted & ~cropped, "crop": consistent & trusted & cropped,
                       "doubt": consistent & ~trusted}
            for key, region in regions.items():
                self.totals[key] += float(output_difference[region].sum()) / count
                self.shares[key] += float(region.sum()) / count
        self.previous = (frame, output)

    def split(self, steps: int) -> dict[str, tuple[float, float]]:
        """region -> (its part of the flicker ratio, its share of the consistent pixels)."""
        baseline = self.baseline or float("nan")
        return {key: (self.totals[key] / baseline, self.shares[key] / max(1, steps)) for key in self.totals}


class SharedFirst:
    """A StyleTransfer whose first frames are kept, so variants that differ only in how later frames
    are treated style frame 0 once (its time is then the first variant's)."""

    cache: dict = {}

    def __init__(self, effect: StyleTransfer):
        self.effect = effect
        self.settings = effect.settings
        self.stylist = effect.stylist

    def _key(self, image):
        first_only = dataclasses.replace(self.settings, temporal_weight=0.0, steps_next=0, learning_rate_next=None,
                                         carry_adam=False)
        return first_only, image.shape, hash(np.asarray(image, np.float32).tobytes())

    def first(self, image, **options):
        return self.effect.first(image, **options)

    def refine(self, image, **options):
        return self.effect.refine(image, **options)

    def first_carrying(self, image, **options):
        key = self._key(image)
        if key not in self.cache:
            self.cache[key] = StyleTransfer.first_carrying(
                dataclasses.replace(self.effect, settings=dataclasses.replace(self.settings, carry_adam=True)),
                image, **options)
        picture, carry = self.cache[key]
        return picture.copy(), (carry if self.settings.carry_adam else {})

    def refine_carrying(self, image, **options):
        return self.effect.refine_carrying(image, **options)


def run(label, frames, effect, coherence, sheet_every, measure: Stylist, ghost_from=6):
    crops = {}
    original = coherence_module.redream_deficit

    def recording(start, *args, **kwargs):  # where the re-styled crops changed the start
        result = original(start, *args, **kwargs)
        crops["weight"] = np.abs(result - start).max(axis=2)
        return result

    coherence_module.redream_deficit = recording
    try:
        stream = video_frames(frames, Coherence(effect, coherence), seed=0, overlap=False)
        meter, regions = FlickerMeter(), RegionFlicker(coherence)
        coverage = MotionCoverageMeter(first_frame=min(ghost_from, max(1, len(frames) - 1)))
        times, losses, strengths, sheet = [], [], [], []
        for index, frame in enumerate(frames):
            crops.clear()
            started = time.perf_counter()
            output = next(stream).pixels
            times.append(time.perf_counter() - started)
            meter.add(frame, output)
            coverage.add(frame, output)
            regions.add(frame, output, crops.get("weight"))
            losses.append(measure.losses(output.astype(np.float32), frame.astype(np.float32)).style)
            strengths.append(float(np.abs(output.astype(np.float32) - frame.astype(np.float32)).mean()))
            if index % sheet_every == 0:
                sheet.append((f"{label} {index}", output))
    finally:
        coherence_module.redream_deficit = original
    return {"label": label, "frames": len(frames), "flicker": meter.ratio, "style": statistics.median(losses),
            "strength": statistics.mean(strengths), "first": times[0], "steady": statistics.median(times[1:]),
            "regions": regions.split(len(frames) - 1), "ghost": coverage.value.ghost,
            "follow": coverage.value.follow, "sheet": sheet}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("clip")
    parser.add_argument("style")
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--independent-frames", type=int, default=8)
    parser.add_argument("--max-side", type=int, default=256)
    parser.add_argument("--start", type=float, default=0.0)
    parser.add_argument("--sheet")
    parser.add_argument("--ghost-from", type=int, default=6, help="first 0-based frame the ghost figure counts")
    parser.add_argument("--sheet-variant", help="the variant shown in the contact sheet (default: the first)")
    parser.add_argument("--variant", action="append", default=[], help="NAME=KEY=VALUE,... (repeatable)")
    parser.add_argument("--temporal-weight", type=float, default=StyleSettings.__dataclass_fields__["temporal_weight"].default)
    parser.add_argument("--learning-rate-next", type=float,
                        default=StyleSettings.__dataclass_fields__["learning_rate_next"].default,
                        help="Adam's learning rate for warm starts (default: StyleSettings')")
    parser.add_argument("--independent-cache", help="a JSON file keeping the independent run's figures between "
                        "runs (flicker, style loss and strength are deterministic; its s/frame is then marked "
                        "as from another run)")
    args = parser.parse_args()
    info, reader = open_video(args.clip, start=args.start, frames=args.frames, max_side=args.max_side)
    frames = list(reader)
    base_style = StyleSettings(styles=((args.style, 1.0),), temporal_weight=args.temporal_weight,
                               learning_rate_next=args.learning_rate_next)
    base_coherence = CoherenceSettings().for_style()
    variants = [parse_variant(text, base_style, base_coherence) for text in args.variant or ["coherent="]]
    independent_effect = StyleTransfer.create(base_style)
    model = independent_effect.stylist.feature_model
    every = max(1, len(frames) // 4)
    results = []
    for name, style, coherence in variants:
        stylist = Stylist(model, independent_effect.stylist.spec, style, independent_effect.stylist.styles)
        results.append(run(name, frames, SharedFirst(StyleTransfer(style, stylist)), coherence, every,
                           independent_effect.stylist, args.ghost_from))
        print(f"done {name}: flicker {results[-1]['flicker']:.2f}", flush=True)
    if args.independent_cache and os.path.exists(args.independent_cache):
        with open(args.independent_cache) as file:
            independent = json.load(file)
        independent.update(label="independent*", sheet=[])
        print("* independent figures from", args.independent_cache, "(s/frame measured in another run)")
    else:
        independent = run("independent", frames[: args.independent_frames], independent_effect,
                          CoherenceSettings(coherent=False), max(1, args.independent_frames // 2),
                          independent_effect.stylist, args.ghost_from)
        if args.independent_cache:
            with open(args.independent_cache, "w") as file:
                json.dump({key: value for key, value in independent.items() if key != "sheet"}, file)
    print(f"{args.clip}: {len(frames)} frames at {info.width}x{info.height}, style {args.style}")
    print(f"{'mode':16} {'frames':>6} {'flicker':>8} {'ratio':>6} {'style':>8} {'s.ratio':>7} {'strength':>8} "
          f"{'first s':>7} {'s/frame':>7} {'t.ratio':>7} {'ghost':>5} {'follow':>6}  flicker by region: part (share of pixels)")
    for result in results + [independent]:
        split = "  ".join(f"{key} {part:.2f} ({share:.0%})" for key, (part, share) in result["regions"].items())
        print(f"{result['label']:16} {result['frames']:6d} {result['flicker']:8.2f} "
              f"{result['flicker'] / independent['flicker']:6.2f} {result['style']:8.4f} "
              f"{result['style'] / independent['style']:7.2f} {result['strength']:8.1f} {result['first']:7.1f} "
              f"{result['steady']:7.2f} {result['steady'] / independent['steady']:7.2f} "
              f"{result.get('ghost', float('nan')):5.2f} {result.get('follow', float('nan')):6.2f}  {split}")
    if args.sheet:
        shown = next((result for result in results if result["label"] == args.sheet_variant), results[0])
        cells = shown["sheet"] + independent["sheet"]
        save_png(args.sheet, contact_sheet([image for _, image in cells], columns=4,
                                           labels=[label for label, _ in cells], cell_width=256))
        print("wrote", args.sheet)


if __name__ == "__main__":
    main()
