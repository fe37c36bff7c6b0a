import numpy as np
import pytest

from dreamvid.dream.objective import Objective, build_objective, objective_value
from dreamvid.errors import DreamvidError
from dreamvid.settings import LayerTerm

AVAILABLE = {"a": (None, None, None, 4), "b": (None, None, None, 2)}


def features():
    rng = np.random.default_rng(1)
    return {
        "a": rng.normal(size=(1, 8, 9, 4)).astype(np.float32),
        "b": rng.normal(size=(1, 6, 6, 2)).astype(np.float32),
    }


def test_l2_is_mean_square_inside_a_two_pixel_border():
    values = features()
    objective = build_objective((LayerTerm("a", 2.0),), "l2", AVAILABLE)
    expected = 2.0 * np.sum(values["a"][:, 2:-2, 2:-2, :] ** 2) / values["a"].size
    got = float(objective_value(objective, values, np.float32([2.0])))
    assert got == pytest.approx(expected, rel=1e-5)


def test_mean_loss_of_one_channel():
    values = features()
    objective = build_objective((LayerTerm("b", 1.0, channel=1),), "mean", AVAILABLE)
    got = float(objective_value(objective, values, np.float32([1.0])))
    assert got == pytest.approx(values["b"][..., 1].mean(), rel=1e-5)


def test_terms_add_up_with_their_weights():
    values = features()
    objective = build_objective((LayerTerm("a", 1.0), LayerTerm("b", 0.5)), "mean", AVAILABLE)
    got = float(objective_value(objective, values, np.float32([1.0, 0.5])))
    assert got == pytest.approx(values["a"].mean() + 0.5 * values["b"].mean(), rel=1e-5)


def test_objectives_compose():
    first = Objective((LayerTerm("a"),))
    second = Objective((LayerTerm("b", 2.0),))
    combined = first + 0.5 * second
    assert combined.terms == (LayerTerm("a"), LayerTerm("b", 1.0))
    assert combined.layers == ("a", "b")


def test_unknown_layer_names_the_valid_ones():
    with pytest.raises(DreamvidError, match="unknown layer 'c'.*a, b"):
        build_objective((LayerTerm("c"),), "l2", AVAILABLE)


def test_channel_out_of_range():
    with pytest.raises(DreamvidError, match=r"channel 2 is out of range for b \(0..1\)"):
        build_objective((LayerTerm("b", channel=2),), "l2", AVAILABLE)
