"""How closely a music-driven render follows its music: beat sync of a zoom, loudness against dream strength.

    python bench/music_sync.py MUSIC [--image samples/fruits.jpg] [--seconds 8] [--max-side 160]
                               [--clip CUP.mp4 --clip-frames 100]

All in this one process, with the vgg16 model, on the same picture and track:
- beat: a zoom with `zoom = "1.05 + 3*beat"`. Each rendered frame's change from the one before
  (mean |F_i - F_(i-1)|, 0..255) is searched for its largest value within half a beat of each tracked
  beat; the lag is that peak's frame minus the beat's frame. Printed: median and mean |lag| in frames.
- loud: a zoom with a steady camera and `step_size = "0.5 + 4*loud"`. Each frame's dream strength is
  the mean |refined - moved| of its warm-start steps (what the dream adds to that frame, 0..255);
  printed: Pearson's correlation with `loud` at those frames (and with a constant step, for contrast).
- with --clip: the clip dreamed coherently with the video schedule `step_size = "0.5 + 2*loud"`
  against the same without a schedule; flicker ratio (bench/video_flicker.py's figure) of both.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from dreamvid.audio.table import soundtrack_table
from dreamvid.dream.deepdream import DeepDream, build_dreamer
from dreamvid.io.images import read_image
from dreamvid.io.video_reader import open_video
from dreamvid.measure.metrics import flicker_ratio
from dreamvid.settings import CoherenceSettings, DreamSettings, VideoSettings, ZoomSettings
from dreamvid.video.coherence import Coherence
from dreamvid.video.frames import video_frames
from dreamvid.zoom.frames import zoom_frames
from dreamvid.zoom.schedule import load_schedule

FPS = 25


class Measured:
    """An effect that records what each warm start adds to its frame."""

    def __init__(self, effect):
        self.effect = effect
        self.added: dict[int, float] = {}

    def first(self, image, **options):
        return self.effect.first(image, **options)

    def refine(self, image, *, seed, time=0.0, progress=None, guide=None):
        result = self.effect.refine(image, seed=seed, time=time, progress=progress, guide=guide)
        self.added[round(time * FPS)] = float(np.abs(result - np.asarray(image, np.float32)).mean())
        return result


def schedule_of(text: str, folder: Path, name: str):
    path = folder / f"{name}.toml"
    path.write_text(text)
    return load_schedule(path)


def zoom_run(picture, dream, zoom, schedule, dreamer):
    effect = Measured(DeepDream.for_zoom(dream, zoom, schedule, dreamer=dreamer))
    started = time.perf_counter()
    frames = [frame.pixels.astype(np.float32) for frame in zoom_frames(picture, effect, zoom, schedule, seed=0)]
    return frames, effect.added, (time.perf_counter() - started) / len(frames)


def beat_lags(frames, table) -> list[int]:
    change = np.array([0.0] + [float(np.abs(b - a).mean()) for a, b in zip(frames, frames[1:])])
    period = 60.0 / table.bpm * FPS
    half = max(1, int(period // 2))
    lags = []
    for beat in (int(frame) for frame in table.beat_frames):
        if beat - half < 1 or beat + half > len(frames):
            continue
        window = change[beat - half: beat + half]
        lags.append(int(np.argmax(window)) - half)
    return lags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("music")
    parser.add_argument("--image", default="samples/fruits.jpg")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--max-side", type=int, default=160)
    parser.add_argument("--clip")
    parser.add_argument("--clip-frames", type=int, default=100)
    arguments = parser.parse_args()

    dream = DreamSettings(octaves=3, steps=6, max_side=arguments.max_side)
    frames = round(arguments.seconds * FPS)
    zoom = ZoomSettings(frames=frames, fps=FPS, steps_next=2, soundtrack=arguments.music)
    picture = read_image(arguments.image, dream.max_side).rgb
    dreamer = build_dreamer(dream)
    folder = Path(tempfile.mkdtemp())
    table = soundtrack_table(arguments.music, frames, FPS)
    beats = int(((table.beat_frames >= 0) & (table.beat_frames < frames)).sum())
    print(f"{arguments.music}: {arguments.seconds:g} s, {frames} frames at {FPS} fps, {picture.shape[1]}x"
          f"{picture.shape[0]} px; {table.bpm:.1f} BPM, {beats} beats")

    beat = schedule_of('[[keyframe]]\ntime = 0\nzoom = "1.05 + 3*beat"\n', folder, "beat").with_audio(table)
    rendered, _, seconds = zoom_run(picture, dream, zoom, beat, dreamer)
    lags = beat_lags(rendered, table)
    print(f"beat zoom: {len(lags)} beats, lag of the change peak (frames): median {statistics.median(lags):g}, "
          f"mean |lag| {np.mean(np.abs(lags)):.2f}, within 1 frame {np.mean(np.abs(lags) <= 1):.0%}; "
          f"{seconds:.2f} s/frame")

    loud = schedule_of('[[keyframe]]\ntime = 0\nstep_size = "0.5 + 4*loud"\n', folder, "loud").with_audio(table)
    steady = schedule_of("[[keyframe]]\ntime = 0\nstep_size = 2.5\n", folder, "steady").with_audio(table)
    for label, schedule in (("loud step", loud), ("constant step", steady)):
        _, added, seconds = zoom_run(picture, dream, steady_camera(zoom), schedule, dreamer)
        indices = sorted(added)
        strength = np.array([added[index] for index in indices])
        loudness = table.values["loud"][indices]
        correlation = float(np.corrcoef(loudness, strength)[0, 1]) if strength.std() > 0 else float("nan")
        print(f"{label}: correlation of loud and dream strength {correlation:.3f} over {len(indices)} frames "
              f"(strength median {np.median(strength):.2f}); {seconds:.2f} s/frame")

    if arguments.clip:
        info, clip = open_video(arguments.clip, frames=arguments.clip_frames, max_side=arguments.max_side)
        inputs = list(clip)
        clip_table = soundtrack_table(arguments.music, len(inputs), info.fps)
        video = schedule_of('[[keyframe]]\ntime = 0\nstep_size = "0.5 + 2*loud"\n', folder, "video")
        video = video.with_audio(clip_table)
        settings = VideoSettings(dream=dream, coherence=CoherenceSettings())
        for label, schedule in (("video, no schedule", None), ("video, step_size = 0.5 + 2*loud", video)):
            effect = DeepDream.for_video(settings, dreamer=dreamer, schedule=schedule)
            coherence = Coherence(effect, settings.coherence, schedule=schedule)
            started = time.perf_counter()
            outputs = [frame.pixels for frame in video_frames(inputs, coherence, seed=0, fps=info.fps)]
            seconds = (time.perf_counter() - started) / len(outputs)
            print(f"{label}: flicker ratio {flicker_ratio(inputs, outputs):.2f} over {len(outputs)} frames of "
                  f"{Path(arguments.clip).name}; {seconds:.2f} s/frame")


def steady_camera(zoom: ZoomSettings) -> ZoomSettings:
    """The loudness runs keep the camera steady but moving (the same zoom every frame)."""
    import dataclasses

    return dataclasses.replace(zoom, zoom=1.2)


if __name__ == "__main__":
    main()
