import dataclasses

import numpy as np
from conftest import textured_image, tiny_dreamer

from dreamvid.dream.deepdream import DeepDream
from dreamvid.settings import DreamSettings


def test_a_lighter_dream_of_fewer_steps_climbs_as_far_as_the_full_one(tiny):
    """first(steps=3) of a 9-step dream takes three times the step: its change is near the full dream's,
    and well past that of 3 steps at the settings' step size."""
    settings = DreamSettings(model="tiny", octaves=2, steps=9, step_size=1.0, tile_size=64)
    dreamer = tiny_dreamer(tiny)
    image = textured_image()

    def change(effect, steps=None):
        return float(np.abs(effect.first(image, seed=0, steps=steps) - image).mean())

    full = change(DeepDream(settings, dreamer))
    light = change(DeepDream(settings, dreamer), steps=3)
    short = change(DeepDream(dataclasses.replace(settings, steps=3), dreamer))
    assert 0.7 * full < light < 1.5 * full
    assert light > 1.8 * short
