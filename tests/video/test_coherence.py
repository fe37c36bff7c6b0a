"""The coherence loop on the tiny model: which treatment each frame gets, carried detail, state."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import textured_image, tiny_dreamer

from dreamvid.dream.deepdream import DeepDream
from dreamvid.errors import DreamvidError
from dreamvid.settings import CoherenceSettings, DreamSettings, WarmStart
from dreamvid.video.coherence import Coherence, CoherenceState, Motion
from dreamvid.video.redream import CALIBRATION_CROPS

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
    coherence = Coherence(recording, CoherenceSettings())
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
    coherence = Coherence(recording, CoherenceSettings())
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
