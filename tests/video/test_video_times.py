"""Each video frame is treated at its own time: a segment's frames at theirs, a schedule's blend there."""

from __future__ import annotations

import numpy as np
from conftest import textured_image

from dreamvid.settings import CoherenceSettings
from dreamvid.video.coherence import Coherence
from dreamvid.video.frames import video_frames
from dreamvid.zoom.formulas import Expression
from dreamvid.zoom.schedule import Formula, Keyframe, Schedule


class Recorder:
    """An effect that adds 10 to a fresh frame, keeps a carried one, and notes each call's time."""

    def __init__(self):
        self.times = []

    def first(self, image, *, seed, time=0.0, progress=None, steps=None):
        self.times.append(time)
        return np.asarray(image, np.float32) + 10.0

    def refine(self, image, *, seed, time=0.0, progress=None, guide=None):
        self.times.append(time)
        return np.asarray(image, np.float32)


def test_frames_are_treated_at_their_clip_time_and_blend_follows_the_schedule():
    frames = [textured_image(32, 40, seed=1).astype(np.uint8)] * 5
    schedule = Schedule((Keyframe(0.0, {"blend": Formula(Expression.parse("0.1*f - 4"), "test")}),)).at_rate(25)
    effect = Recorder()
    coherence = Coherence(effect, CoherenceSettings(redream=None, hold_strength=False, occlusion_fill=0.0, refine_share=0.0),
                          schedule=schedule)
    made = [frame.pixels.astype(float) for frame in video_frames(frames, coherence, seed=0, overlap=False, fps=25,
                                                                  number_from=41)]
    assert effect.times == [(41 + index) / 25 for index in range(5)]
    # frame 42 carries 0.1*42 - 4 = 0.2 of frame 41's +10 detail, frame 43 0.3 of what 42 kept, ...
    detail = [float(np.median(frame - frames[0])) for frame in made]
    assert detail[0] == 10 and detail[1] == 2 and detail[2] == 1 and detail[3] == 0 and detail[4] == 0
