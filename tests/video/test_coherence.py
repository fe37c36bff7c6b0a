"""The coherence loop on the tiny model: which treatment each frame gets, carried detail, state."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest
from conftest import textured_image, tiny_dreamer

from dreamvid.dream.deepdream import DeepDream
from dreamvid.errors import DreamvidError
from dreamvid.settings import CoherenceSettings, DreamSettings, RedreamSettings, WarmStart
from dreamvid.video.coherence import Coherence, CoherenceState, Motion, estimate_motion
from dreamvid.video.redream import CALIBRATION_CROPS, LightGain

SETTINGS = DreamSettings(model="tiny", octaves=2, steps=3, tile_size=64)


class Recording:
    """Wraps an effect and records which treatment each frame got."""

    def __init__(self, effect):
        self.effect, self.calls = effect, []

    def first(self, image, *, seed, time=0.0, progress=None, steps=None):
        self.calls.append("first" if steps is None else "crop")
        return self.effect.first(image, seed=seed, time=time, progress=progress, steps=steps)

    def refine(self, image, *, seed, time=0.0, progress=None, guide=None):
        self.calls.append("refine")
        return self.effect.refine(image, seed=seed, time=time, progress=progress, guide=guide)


CALIBRATION = CALIBRATION_CROPS[0] * CALIBRATION_CROPS[1] + 1  # light dreams of a fresh frame


def still_motion(previous, current, cut=False):
    height, width = current.shape[:2]
    return Motion(np.zeros((height, width, 2), np.float32), np.ones((height, width), np.float32), cut)


@pytest.fixture
def effect(tiny):
    return DeepDream(SETTINGS, tiny_dreamer(tiny), warm=WarmStart(steps=0))


def test_first_frame_gets_the_full_treatment_later_frames_the_warm_start(effect):
    recording = Recording(effect)
    coherence = Coherence(recording, CoherenceSettings(redream=RedreamSettings(calibrate=True), refine_share=0.0))
    asked = []
    frame = textured_image()
    for _ in range(3):
        coherence.next_frame(frame, lambda p, c: asked.append(1) or still_motion(p, c), seed=0)
    # the first frame also gets the light dreams that calibrate the re-dream's crops: six small crops
    # and the whole frame ("crop")
    assert recording.calls == ["first"] + ["crop"] * CALIBRATION + ["refine", "refine"] and len(asked) == 2


def test_a_still_scene_carries_the_detail_over_unchanged(effect):
    coherence = Coherence(effect, CoherenceSettings(strength_floor=0.0))
    frame = textured_image()
    first = coherence.next_frame(frame, still_motion, seed=0)
    second = coherence.next_frame(frame, still_motion, seed=0)  # no steps: only the carried detail
    assert np.abs(first - frame).mean() > 1.0
    np.testing.assert_allclose(second, first, atol=1e-3)


def test_scene_cut_and_independent_mode_start_afresh(effect):
    recording = Recording(effect)
    coherence = Coherence(recording, CoherenceSettings(redream=RedreamSettings(calibrate=True)))
    frame = textured_image()
    coherence.next_frame(frame, still_motion, seed=0)
    coherence.next_frame(frame, lambda p, c: still_motion(p, c, cut=True), seed=0)
    assert recording.calls == (["first"] + ["crop"] * CALIBRATION) * 2 and coherence.state.scene_cuts == 1
    independent = Coherence(Recording(effect), CoherenceSettings(coherent=False))
    for _ in range(2):
        independent.next_frame(frame, lambda p, c: pytest.fail("no motion needed"), seed=0)
    assert independent.effect.calls == ["first", "first"]


def test_strength_is_held_under_the_cap(effect):
    coherence = Coherence(effect, CoherenceSettings(strength_cap=1.25))
    frame = textured_image()
    coherence.next_frame(frame, still_motion, seed=0)
    reference = coherence.state.reference_strength
    coherence.remember(frame.astype(np.float32), frame + 50.0, reference, 0)
    assert np.abs(coherence.state.previous_detail).mean() == pytest.approx(1.25 * reference, rel=1e-4)


def test_state_round_trips_through_arrays_and_missing_keys_are_refused():
    state = CoherenceState(np.ones((4, 5, 3), np.float32), np.full((4, 5, 3), 2, np.float32), 3.5, 2)
    again = CoherenceState.from_arrays(state.to_arrays())
    assert again.reference_strength == 3.5 and again.scene_cuts == 2
    np.testing.assert_array_equal(again.previous_detail, state.previous_detail)
    arrays = state.to_arrays()
    del arrays["previous_detail"]
    with pytest.raises(DreamvidError, match="previous_detail"):
        CoherenceState.from_arrays(arrays)


def test_state_keeps_its_local_reference_map_and_older_states_load_without_one():
    local = np.arange(20, dtype=np.float32).reshape(4, 5)
    state = CoherenceState(np.ones((4, 5, 3), np.float32), np.full((4, 5, 3), 2, np.float32), 3.5, 2, local_reference=local)
    np.testing.assert_array_equal(CoherenceState.from_arrays(state.to_arrays()).local_reference, local)
    arrays = state.to_arrays()
    del arrays["local_reference"]
    assert CoherenceState.from_arrays(arrays).local_reference is None


def test_state_keeps_its_light_gain_and_refuses_a_broken_one():
    state = CoherenceState(np.ones((4, 5, 3), np.float32), np.full((4, 5, 3), 2, np.float32), 3.5, 2,
                           light_gain=LightGain(1.8, 1.6, 64, 240))
    assert CoherenceState.from_arrays(state.to_arrays()).light_gain == LightGain(1.8, 1.6, 64, 240)
    for broken in (np.float64(2.0), np.array([1.8, np.nan, 64, 240]), np.array([1.8, -1.0, 64, 240])):
        arrays = {**state.to_arrays(), "light_gain": broken}
        with pytest.raises(DreamvidError, match="re-dream gain"):
            CoherenceState.from_arrays(arrays)


class Adding:
    """A stand-in effect: its first dream adds 30 everywhere, its refinement nothing."""

    def first(self, image, *, seed, time=0.0, progress=None, steps=None):
        return np.asarray(image, np.float32) + 30.0

    def refine(self, image, *, seed, time=0.0, progress=None, guide=None):
        return np.asarray(image, np.float32)


def test_where_the_flow_fails_only_unchanged_content_keeps_the_previous_detail():
    wall = np.full((48, 64, 3), 100.0, np.float32)
    previous = wall.copy()
    previous[10:30, 10:30] = 200.0  # a subject that has left by the next frame
    failing = np.ones((48, 64), np.float32)
    failing[:, :40] = 0.0  # the flow fails over the subject's old place and part of the wall
    motion = Motion(np.zeros((48, 64, 2), np.float32), failing, False, np.zeros((48, 64, 2), np.float32))
    settings = CoherenceSettings(redream=None, hold_strength=False, occlusion_fill=1.0)
    coherence = Coherence(Adding(), settings)
    coherence.next_frame(previous, lambda p, c: motion, seed=0)
    result = coherence.next_frame(wall, lambda p, c: motion, seed=0)
    assert np.abs(result - wall)[14:26, 14:26].max() < 1.0  # the uncovered wall: no imprint of the subject
    np.testing.assert_allclose((result - wall)[38:46, 2:38], 30.0, atol=0.05)  # the wall where the flow failed keeps it
    ungated = Coherence(Adding(), dataclasses.replace(settings, fill_tolerance=None))
    ungated.next_frame(previous, lambda p, c: motion, seed=0)
    assert np.abs(ungated.next_frame(wall, lambda p, c: motion, seed=0) - wall)[14:26, 14:26].min() > 29.0


def test_where_the_flow_fails_the_detail_moves_with_the_camera():
    rng = np.random.default_rng(0)
    scene = rng.uniform(50, 200, (48, 80, 3)).astype(np.float32)
    previous, current = scene[:, 4:68], scene[:, 0:64]  # the camera pans: content moves 4 px right
    pan = np.zeros((48, 64, 2), np.float32)
    pan[..., 0] = -4.0  # where each current pixel was in the previous frame
    motion = Motion(pan, np.zeros((48, 64), np.float32), False, pan)
    settings = CoherenceSettings(redream=None, hold_strength=False, occlusion_fill=1.0)

    class Marking(Adding):
        def first(self, image, *, seed, time=0.0, progress=None, steps=None):
            marked = np.asarray(image, np.float32).copy()
            marked[:, 20:24] += 40.0  # a motif on columns 20-23
            return marked

    coherence = Coherence(Marking(), settings)
    coherence.next_frame(previous, lambda p, c: motion, seed=0)
    result = coherence.next_frame(current, lambda p, c: motion, seed=0)
    moved = (result - current).mean(axis=(0, 2))
    assert moved[24:28].min() > 35.0 and moved[20:24].max() < 5.0  # the motif moved with the ground


def test_the_background_a_subject_uncovers_is_held_to_the_frame_s_reference_not_the_subject_s():
    wall = np.full((48, 64, 3), 100.0, np.float32)
    previous = wall.copy()
    previous[10:30, 10:30] = 200.0  # a strongly dreamed subject, gone by the next frame
    local = np.full((48, 64), 10.0, np.float32)
    local[10:30, 10:30] = 40.0
    state = CoherenceState(previous, np.zeros_like(previous), 12.0, 0, local_reference=local)
    failing = np.ones((48, 64), np.float32)
    failing[:, :40] = 0.0
    motion = Motion(np.zeros((48, 64, 2), np.float32), failing, False, np.zeros((48, 64, 2), np.float32))
    coherence = Coherence(Adding(), CoherenceSettings(), state)
    reference = coherence._local_reference(state, motion, coherence._unchanged(state, motion, wall))
    np.testing.assert_allclose(reference[14:26, 14:26], 12.0, atol=0.01)  # the frame's reference
    np.testing.assert_allclose(reference[38:46, 2:38], 10.0, atol=0.01)  # the unchanged wall keeps its own


def test_a_flow_that_does_not_carry_the_picture_is_not_trusted_where_the_warp_tolerance_says():
    class StillFlow:  # a flow that sees no motion, both ways: the forward-backward check passes everywhere
        def backward_flow_pair(self, previous, current):
            zeros = np.zeros(previous.shape[:2] + (2,), np.float32)
            return zeros, zeros

    rng = np.random.default_rng(1)
    previous = cv2.GaussianBlur(rng.uniform(0, 255, (64, 96, 3)).astype(np.float32), (0, 0), 2)
    previous[16:44, 26:64] = 60.0
    current = previous.copy()
    current[16:44, 26:64] = 180.0  # the picture changed there
    plain = estimate_motion(StillFlow(), CoherenceSettings(), previous, current).reliable
    checked = estimate_motion(StillFlow(), CoherenceSettings(warp_tolerance=12.0), previous, current).reliable
    assert plain.min() == 1.0
    assert checked[22:38, 32:58].max() == 0.0 and checked[52:, :].min() == 1.0  # unchanged content stays trusted
    assert CoherenceSettings().for_style().warp_tolerance == 12.0 and CoherenceSettings().warp_tolerance is None


class InconsistentFlow:
    """A flow estimator whose forward flow disagrees with its zero backward flow in rows 10-30."""

    def backward_flow_pair(self, previous, current):
        backward = np.zeros(previous.shape[:2] + (2,), np.float32)
        forward = backward.copy()
        forward[10:30, :, 0] = 6.0
        return backward, forward


def test_a_failed_check_is_trusted_where_the_flow_still_carries_flat_input():
    previous = np.full((40, 64, 3), 200.0, np.float32)  # a flat, bright roof ...
    previous[:, :20] = np.random.default_rng(0).uniform(0, 255, (40, 20, 1))  # ... beside a textured road
    current = previous.copy()
    current[10:30, 40:60] = 60.0  # where something dark came in, the flow carries the wrong picture
    plain = estimate_motion(InconsistentFlow(), CoherenceSettings(rescue_tolerance=None), previous, current)
    rescued = estimate_motion(InconsistentFlow(), CoherenceSettings(rescue_tolerance=4.0), previous, current)
    assert plain.reliable[12:28].max() == 0.0
    assert rescued.reliable[12:28, 26:34].min() == 1.0  # flat and unchanged: trusted
    assert rescued.reliable[12:28, 2:18].max() == 0.0  # unchanged but textured: the check holds
    assert rescued.reliable[14:26, 44:56].max() == 0.0  # changed: not trusted
    np.testing.assert_array_equal(rescued.reliable[35:], plain.reliable[35:])
    assert CoherenceSettings().for_style().rescue_tolerance is None
    with pytest.raises(DreamvidError):
        CoherenceSettings(rescue_tolerance=-1.0)


class AddingSteps:
    """A stand-in effect: the full treatment adds 20 to every pixel, the warm step 10 more."""

    def first(self, image, *, seed, time=0.0, progress=None, steps=None):
        return image + 20.0

    def refine(self, image, *, seed, time=0.0, progress=None, guide=None):
        return image + 10.0


def test_the_warm_step_is_lighter_where_the_picture_stands_still():
    frame = np.full((32, 48, 3), 100.0, np.float32)

    def moving(previous, current):
        return Motion(np.full((32, 48, 2), 2.0, np.float32), np.ones((32, 48), np.float32), False)

    for motion, share, expected in ((still_motion, 0.3, 3.0), (still_motion, 1.0, 10.0), (still_motion, 0.0, 0.0), (moving, 0.0, 10.0)):
        coherence = Coherence(AddingSteps(), CoherenceSettings(redream=None, hold_strength=False, still_refine=share))
        coherence.next_frame(frame, motion, seed=0)
        second = coherence.next_frame(frame, motion, seed=0)
        np.testing.assert_allclose(second - frame, 20.0 + expected, atol=1e-3)
    with pytest.raises(DreamvidError):
        CoherenceSettings(still_refine=1.5)


class CountedSteps(AddingSteps):
    """AddingSteps that counts its warm steps."""

    def __init__(self):
        self.refined = 0

    def refine(self, image, *, seed, time=0.0, progress=None, guide=None):
        self.refined += 1
        return super().refine(image, seed=seed, time=time, progress=progress, guide=guide)


def test_the_warm_step_is_skipped_when_too_little_of_the_frame_would_keep_it():
    frame = np.full((32, 48, 3), 100.0, np.float32)

    def half_moving(previous, current):  # the left half moves 2 px a frame, the right half stands still
        backward = np.zeros((32, 48, 2), np.float32)
        backward[:, :24] = 2.0
        return Motion(backward, np.ones((32, 48), np.float32), False)

    for motion, share, steps in ((still_motion, 0.25, 0), (half_moving, 0.25, 1), (half_moving, 0.75, 0),
                                 (still_motion, 0.0, 1)):
        effect = CountedSteps()
        coherence = Coherence(effect, CoherenceSettings(redream=None, hold_strength=False, refine_share=share))
        coherence.next_frame(frame, motion, seed=0)
        second = coherence.next_frame(frame, motion, seed=0)
        assert effect.refined == steps
        if steps == 0:  # skipped: the carried detail alone
            np.testing.assert_allclose(second - frame, 20.0, atol=1e-3)
    with pytest.raises(DreamvidError):
        CoherenceSettings(refine_share=-0.1)
