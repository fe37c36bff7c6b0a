"""A style video's schedule: the style weight and steps at each frame's time reach the optimisation."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import TINY_SPEC, textured_image

from dreamvid.settings import StyleSettings
from dreamvid.style.optimiser import StyleImage, Stylist, stylise
from dreamvid.style.transfer import StyleTransfer
from dreamvid.zoom.formulas import Expression
from dreamvid.zoom.schedule import Formula, Keyframe, Schedule

STYLE = StyleSettings(styles=(("unused.png", 1.0),), model="tiny", style_layers=("conv_a", "conv_b"),
                      content_layer="conv_b", steps=3, scales=1, steps_next=2, style_weight=1.0)


@pytest.fixture(scope="module")
def stylist(tiny):
    stripes = ((np.mgrid[0:48, 0:48].sum(axis=0) // 6) % 2)[..., None] * np.float32([255, 40, 0])
    return Stylist(tiny, TINY_SPEC, STYLE, (StyleImage("stripes", stripes.astype(np.float32), 1.0),))


def test_the_style_weight_and_steps_follow_the_schedule(stylist):
    schedule = Schedule((Keyframe(0.0, {"style_weight": Formula(Expression.parse("1 + f"), "test"),
                                        "steps": Formula(Expression.parse("f % 3"), "test")}),)).at_rate(25)
    effect = StyleTransfer(STYLE, stylist, schedule)
    assert [effect.style_weight(frame / 25) for frame in range(4)] == [1.0, 2.0, 3.0, 4.0]
    assert [effect.steps_next(frame / 25) for frame in range(4)] == [0, 1, 2, 0]
    assert list(stylist.loss_weights(False, 7.0)[:2]) == [7.0, STYLE.content_weight]
    content = textured_image(48, 48)
    heavier = stylise(content, STYLE, stylist, style_weight=50.0)
    assert np.allclose(effect.first(content, seed=0, time=0.0), stylise(content, STYLE, stylist))
    assert np.allclose(effect.first(content, seed=0, time=49 / 25), heavier)
    assert not np.allclose(heavier, stylise(content, STYLE, stylist))
    assert np.array_equal(effect.refine(content, seed=0, time=3 / 25), content)  # 0 steps at frame 3
