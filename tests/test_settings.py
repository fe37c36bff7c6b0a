import pytest

from dreamvid.errors import DreamvidError
from dreamvid.settings import DreamSettings, LayerTerm


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("block5_conv3", LayerTerm("block5_conv3", 1.0, None)),
        ("block5_conv3=0.5", LayerTerm("block5_conv3", 0.5, None)),
        ("block5_conv3:42", LayerTerm("block5_conv3", 1.0, 42)),
        ("mixed4:3=2", LayerTerm("mixed4", 2.0, 3)),
        ("conv4_block6_out=1e-1", LayerTerm("conv4_block6_out", 0.1, None)),
    ],
)
def test_layer_spec_parses(spec, expected):
    assert LayerTerm.parse(spec) == expected


@pytest.mark.parametrize("spec", ["", "=1", "block5_conv3:x", "block5 conv3", "a:-1"])
def test_bad_layer_spec_is_refused(spec):
    with pytest.raises(DreamvidError):
        LayerTerm.parse(spec)


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"octaves": 0}, "octaves"),
        ({"steps": -1}, "steps"),
        ({"step_size": 0}, "step size"),
        ({"octave_scale": 1.0}, "octave scale"),
        ({"tile_size": 32}, "tile size"),
        ({"loss": "l3"}, "loss"),
        ({"max_side": 0}, "max side"),
        ({"tv_weight": -1}, "tv weight"),
    ],
)
def test_settings_refuse_bad_values(changes, words):
    with pytest.raises(DreamvidError, match=words):
        DreamSettings(**changes)


def test_settings_are_frozen():
    settings = DreamSettings()
    with pytest.raises(AttributeError):
        settings.steps = 3


def test_registries_named_in_settings_match_their_implementations():
    from dreamvid.flow import PRESETS
    from dreamvid.objective import LOSS_FUNCTIONS
    from dreamvid.settings import FLOW_PRESETS, LOSSES

    assert set(LOSSES) == set(LOSS_FUNCTIONS)
    assert set(FLOW_PRESETS) == set(PRESETS)


def test_unknown_flow_preset_is_refused():
    from dreamvid.settings import CoherenceSettings

    with pytest.raises(DreamvidError, match="unknown flow preset 'slow'"):
        CoherenceSettings(flow_preset="slow")
