"""Style transfer in a video on the tiny model: Adam's state carried from frame to frame."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import TINY_SPEC, textured_image
from test_style import TINY_STYLE, striped

from dreamvid.effect import Guide
from dreamvid.settings import CoherenceSettings
from dreamvid.style.optimiser import AdamState, StyleImage, Stylist, TemporalTarget, optimise_from, stylise
from dreamvid.style.transfer import StyleTransfer
from dreamvid.video.coherence import Coherence, CoherenceState, Motion


@pytest.fixture(scope="module")
def stylist(tiny):
    return Stylist(tiny, TINY_SPEC, TINY_STYLE, (StyleImage("stripes", striped(), 1.0),))


def test_continuing_adam_state_equals_one_uninterrupted_run(stylist):
    content = textured_image(64, 64)
    whole, whole_state = optimise_from(content, content, stylist, 6)
    half, half_state = optimise_from(content, content, stylist, 3)
    again, again_state = optimise_from(half, content, stylist, 3, adam=half_state)
    np.testing.assert_allclose(again, whole, atol=1e-3)
    np.testing.assert_allclose(again_state.second, whole_state.second, rtol=1e-4, atol=1e-12)
    assert (again_state.steps == 6).all() and (half_state.steps == 3).all()


def test_a_zero_state_is_a_fresh_start(stylist):
    content = textured_image(64, 64)
    fresh, _ = optimise_from(content, content, stylist, 3)
    zero, _ = optimise_from(content, content, stylist, 3, adam=AdamState.fresh((64, 64)))
    np.testing.assert_array_equal(zero, fresh)


def test_adam_state_round_trips_and_resizes():
    state = AdamState(np.ones((8, 10, 3), np.float32), np.full((8, 10, 3), 2, np.float32),
                      np.full((8, 10), 5, np.float32))
    again = AdamState.from_arrays(state.to_arrays())
    np.testing.assert_array_equal(again.second, state.second)
    assert AdamState.from_arrays({}) is None
    assert state.resized((16, 20)).steps.shape == (16, 20)
    np.testing.assert_allclose(state.resized((16, 20)).steps, 5.0)


def still_motion(reliable: float):
    """A motion source for frames that did not move, trusted to `reliable` everywhere."""
    def motion_of(previous, current):
        height, width = current.shape[:2]
        return Motion(np.zeros((height, width, 2), np.float32), np.full((height, width), reliable, np.float32), False)
    return motion_of


def two_frames(stylist, settings, reliable: float):
    coherence = Coherence(StyleTransfer(settings, stylist), CoherenceSettings(redream=None))
    frame = textured_image(64, 64)
    coherence.next_frame(frame, still_motion(reliable), seed=0)
    first_state = coherence.state
    coherence.next_frame(frame, still_motion(reliable), seed=0)
    return first_state, coherence.state


def test_coherence_carries_adam_state_from_frame_to_frame_and_through_the_work_folder(stylist):
    first, second = two_frames(stylist, TINY_STYLE, reliable=1.0)
    steps = TINY_STYLE.steps
    np.testing.assert_allclose(first.carry["adam_steps"], steps)
    np.testing.assert_allclose(second.carry["adam_steps"], steps + TINY_STYLE.steps_next)
    assert np.abs(second.carry["adam_second"]).sum() > 0
    saved = CoherenceState.from_arrays(second.to_arrays())
    np.testing.assert_array_equal(saved.carry["adam_first"], second.carry["adam_first"])


def test_where_the_flow_fails_adam_starts_afresh(stylist):
    _, second = two_frames(stylist, TINY_STYLE, reliable=0.0)
    np.testing.assert_allclose(second.carry["adam_steps"], TINY_STYLE.steps_next)


def test_without_carry_adam_nothing_is_carried(stylist):
    first, second = two_frames(stylist, dataclasses.replace(TINY_STYLE, carry_adam=False), reliable=1.0)
    assert first.carry == {} and second.carry == {}


def test_style_coherence_neither_holds_strength_nor_redreams():
    settings = CoherenceSettings().for_style()
    assert settings.redream is None and not settings.hold_strength
    frame = np.full((8, 8, 3), 100.0, np.float32)
    faint = frame + 1.0  # far weaker than the reference strength of 10
    held = Coherence(None, CoherenceSettings())
    held.remember(frame, faint, 10.0, 0)
    free = Coherence(None, settings)
    free.remember(frame, faint, 10.0, 0)
    np.testing.assert_allclose(free.state.previous_detail, 1.0)
    np.testing.assert_allclose(held.state.previous_detail, CoherenceSettings().regrowth)


def test_the_later_frames_learning_rate_is_for_video_frames_only(stylist):
    settings = dataclasses.replace(TINY_STYLE, learning_rate_next=1e-3)
    content = textured_image(64, 64)
    temporal = TemporalTarget(content, np.ones((64, 64), np.float32))
    video = stylise(content, settings, stylist, start=content, temporal=temporal)
    zoom = stylise(content, settings, stylist, start=content)
    assert np.abs(video - content).max() < 0.05
    assert np.abs(zoom - content).mean() > 1.0


class Shifting:
    """An effect that adds 10 to a first frame and returns a later frame's start as it is given."""

    def first(self, image, *, seed, time=0.0, progress=None, steps=None):
        return np.asarray(image, np.float32) + 10.0

    def refine(self, image, *, seed, time=0.0, progress=None, guide=None):
        return np.asarray(image, np.float32)


@pytest.mark.parametrize("carry_result", [False, True])
def test_carry_result_carries_the_previous_result_not_the_new_input(carry_result):
    settings = dataclasses.replace(CoherenceSettings(redream=None, hold_strength=False), carry_result=carry_result)
    coherence = Coherence(Shifting(), settings)
    frame = np.full((16, 16, 3), 100.0, np.float32)
    coherence.next_frame(frame, still_motion(1.0), seed=0)
    noisy = frame + 3.0  # the input changed, the picture did not move
    result = coherence.next_frame(noisy, still_motion(1.0), seed=0)
    np.testing.assert_allclose(result, 110.0 if carry_result else 113.0)


def test_style_coherence_keeps_the_previous_detail_where_the_flow_fails():
    coherence = Coherence(Shifting(), CoherenceSettings().for_style())
    frame = np.full((16, 16, 3), 100.0, np.float32)
    coherence.next_frame(frame, still_motion(1.0), seed=0)
    result = coherence.next_frame(frame + 3.0, still_motion(0.0), seed=0)
    np.testing.assert_allclose(result, 113.0)  # the new input with the whole previous detail in place


def test_a_later_style_frame_starts_from_the_carried_image_also_where_the_flow_fails(stylist):
    settings = dataclasses.replace(TINY_STYLE, steps_next=0)
    effect = StyleTransfer(settings, stylist)
    content, carried = textured_image(64, 64), textured_image(64, 64, seed=2)
    guide = Guide(content, np.zeros((64, 64), np.float32))
    result, _ = effect.refine_carrying(carried, seed=0, guide=guide)
    np.testing.assert_allclose(result, carried, atol=1e-3)
