"""Style transfer in a video on the tiny model: Adam's state carried from frame to frame."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from conftest import TINY_SPEC, textured_image
from dreamvid.coherence import Coherence, CoherenceState, Motion
from dreamvid.settings import CoherenceSettings
from dreamvid.style import AdamState, StyleImage, Stylist, optimise_from
from dreamvid.styletransfer import StyleTransfer
from test_style import TINY_STYLE, striped


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
